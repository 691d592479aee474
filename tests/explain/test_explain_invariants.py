"""Invariants of why / why not over random cases × every decision × every value it can take.

The explanation must never contradict the engine: a value is `reached`
exactly when the determination has it; every rule said to have set another
aside really fired for that subject; every failed test, re-evaluated with the
values it shows, is false or unknown; no compiled condition holds without its
rule firing; and nothing a person reads shows Python (None, True, a dict or
list repr) or an unnamed rule.
"""
from __future__ import annotations

import json
import re

import pytest
from hypothesis import given

from engine.formula import expr

from engine.outputs import terminal
from engine.casefiles.cases import load_cases
from engine.pipeline.evaluate import Evaluator
from engine.common.words import same_value
from engine.explain.trace import Trace
from engine.explain.why import Why
from engine.explain.whynot import WhyNot, reached
from engine.tools.validate import load_or_raise
from rich.text import Text

from conftest import POLICY_DIR
from strategies import cases

POLICY = load_or_raise(str(POLICY_DIR))
EVALUATOR = Evaluator(POLICY)
_CODE = re.compile(r"None|True|False|\{'|\['|另一条规则|<engine|object at")


def _evaluate(case: dict, tmp_path):
    path = tmp_path / "case.json"
    path.write_text(json.dumps(case, ensure_ascii=False), encoding="utf-8")
    case_file = load_cases(path, POLICY)
    assert not case_file.errors, [str(e) for e in case_file.errors]
    return EVALUATOR.evaluate(case_file.cases[0])


def _values(why_not: WhyNot, result, decision) -> list:
    """Every value the decision can take; for computed values, those seen in the case and one never given."""
    domain = why_not.domain(decision.name)
    if domain is None:
        seen = [v for d in result.determinations if d.decision == decision.name
                for v in (d.value if isinstance(d.value, list) else [d.value])]
        months = sorted({f.get("month") for f in result.facts if f.get("month")})
        domain = seen + months + ["2099-12-31"]
    if decision.scenarios:
        domain = domain + [decision.scenarios.undecided]
    return [v for i, v in enumerate(domain) if not any(same_value(v, w) for w in domain[:i])]


def _fired(result) -> dict[tuple[str, str], set[str]]:
    """(subject, decision) → the rules that fired for it (concluding or blocking)."""
    out: dict[tuple[str, str], set[str]] = {}
    for f in result.firings:
        if f.rule is not None:
            out.setdefault((f.fact.subject, f.variant.decision.name), set()).add(f.rule.id)
    return out


def _tree_text(tree) -> list[str]:
    """Every label of a rich tree, as the terminal would show it (markup stripped)."""
    label = tree.label.plain if isinstance(tree.label, Text) else Text.from_markup(str(tree.label)).plain
    return [label] + [t for child in tree.children for t in _tree_text(child)]


def _people_text(value) -> list[str]:
    """Every string in a why-not answer that a person reads (sentences and summaries, not code)."""
    out = []
    if isinstance(value, dict):
        for k, v in value.items():
            if k in ("summary", "sentence"):
                out.append(v)
            else:
                out.extend(_people_text(v))
    elif isinstance(value, list):
        for v in value:
            out.extend(_people_text(v))
    return out


def check_case(result) -> int:
    """Assert every invariant for every subject × decision × value of one evaluated case; returns answers checked."""
    trace = Trace.of(POLICY, result)
    why, why_not = Why(trace), WhyNot(trace)
    index = {(d.subject, d.decision): d for d in result.determinations}
    subjects = {"person": [p["id"] for p in result.case.records["people"]], "center": [c["id"] for c in result.case.records["centers"]],
                "item": [i["id"] for i in result.case.records["items"]]}
    checked = 0
    fired_by = _fired(result)
    shown: list[str] = []
    for decision in POLICY.decisions.values():
        for value in _values(why_not, result, decision):
            for subject in subjects[decision.subject]:
                answer = why_not.why_not(subject, decision.name, value)
                d = index.get((subject, decision.name))
                # reached ⇔ the determination has that value
                assert answer["reached"] == reached(decision, d, value), (subject, decision.name, value, answer)
                if d is not None and decision.hit != "collect":
                    assert answer["reached"] == same_value(d.value, value)
                fired = fired_by.get((subject, decision.name), set())
                for entry in answer["rules"]:
                    assert entry["status"] != "inconsistent", entry
                    # every rule said to have set this one aside really fired for the subject
                    for ref in entry.get("set_aside_by", []):
                        assert ref["rule"] in fired, (subject, decision.name, value, entry)
                    # every failed test is false or unknown with the values it shows
                    for test in entry["failed"]:
                        node = expr.parse(test["test"])
                        truth = expr.truth(expr.evaluate(node, lambda n: test["values"].get(n), result.params))
                        assert truth is not True, (test, entry["rule"])
                    if entry["status"] == "fired":
                        # a rule fired with the wanted value only where scenarios disagree
                        assert decision.scenarios and d is not None and d.value == decision.scenarios.undecided \
                            or not same_value(entry["got"], value), entry
                assert answer["summary"], answer
                for text in _people_text(answer):
                    assert not _CODE.search(text), text
                shown += _tree_text(terminal.why_not_tree(answer))
                checked += 1
    for d in result.determinations:
        shown += _tree_text(terminal.explanation_tree(why.determination(d)))
    bad = [t for t in shown if _CODE.search(t)]
    assert not bad, bad[:3]
    return checked


@pytest.mark.slow   # a long property: 300 random cases × every decision × every value
@given(case=cases(POLICY))      # 300 examples: the profile in conftest.py
def test_why_and_why_not_never_contradict_the_engine(case, tmp_path):
    assert check_case(_evaluate(case, tmp_path)) > 0


def test_invariants_hold_on_the_shipped_roster(policy):
    case_file = load_cases(POLICY_DIR.parent.parent / "fixtures" / "roster_2025.yaml", POLICY)
    checked = sum(check_case(EVALUATOR.evaluate(c)) for c in case_file.cases)
    assert checked > 1000
