"""A fact compared with a parameter that has lapsed: the comparison is unknown (as with a missing fact), so the
rule does not fire — the network agrees with the formula's own evaluation — and the sentences name the lapsed
parameter by its label and the day it ended, never as a value 未提供/已提供. In a copy of the policy with the
hypothetical measure of tests/dated_measure.py, whose deadline (a date) is given an end."""
from __future__ import annotations

import pytest

from engine.casefiles.cases import load_cases
from engine.explain.why import Why
from engine.explain.whynot import WhyNot
from engine.formula import expr
from engine.pipeline.evaluate import Evaluator
from engine.tools.validate import load_or_raise

from conftest import edit, write_case
from dated_measure import amended_copy, case


@pytest.fixture
def deadline_ends(tmp_path):
    root = amended_copy(tmp_path / "policy")
    edit(root, "parameters/subsidy.yaml", "{value: 2025-06-30, clause: 四(四)}", "{value: 2025-06-30, clause: 四(四), until: 2025-09-30}")
    return load_or_raise(root)


def _result(policy, as_of, tmp_path):
    case_file = load_cases(write_case(case(as_of, EARLY="2019-05-01"), tmp_path), policy)
    return Evaluator(policy).evaluate(case_file.cases[0])


def test_a_comparison_with_a_lapsed_parameter_is_unknown_and_the_rule_does_not_fire(deadline_ends, tmp_path):
    before = _result(deadline_ends, "2025-09-30", tmp_path)
    after = _result(deadline_ends, "2025-10-01", tmp_path)
    assert {d.decision: d.value for d in before.determinations}["hiring_subsidy"] is True
    assert "hiring_subsidy" not in {d.decision for d in after.determinations}   # no rule holds: 上岗日期 ≤ null is unknown
    fired = {f.rule.id for f in after.firings if f.rule is not None}
    assert not fired & {"subsidy.granted", "subsidy.hired_late", "subsidy.lapsed"}
    # the formula's own evaluation says the same of the compiled condition
    (attempt,) = after.compiled.attempts["subsidy.granted"]
    (when,) = [p.node for p in attempt.parts if p.role == "when"]
    fact = next(f for f in after.facts if f.subject == "EARLY" and f.kind == "person")
    assert expr.truth(expr.evaluate(when, fact.get, after.params)) is None


def test_the_sentence_names_the_lapsed_parameter_and_its_day(deadline_ends, tmp_path):
    result = _result(deadline_ends, "2025-10-01", tmp_path)
    answer = WhyNot.of(deadline_ends, result).why_not("EARLY", "hiring_subsidy", True)
    (granted,) = [r for r in answer["rules"] if r["rule"] == "subsidy.granted"]
    (test,) = [t for t in granted["failed"] if "hired_on" in t["test"]]
    assert test["result"] == "unknown"
    assert test["sentence"].startswith("上岗日期 ≤ 一次性岗位补贴的上岗截止日（已于2025年9月30日失效）"), test["sentence"]
    assert "未提供" not in test["sentence"] and "已提供" not in test["sentence"]


def test_in_force_the_same_sentence_gives_the_date_in_chinese(deadline_ends, tmp_path):
    result = _result(deadline_ends, "2025-09-30", tmp_path)
    why = Why.of(deadline_ends, result).why("EARLY", "hiring_subsidy")
    assert why["sentence"].startswith("上岗日期 ≤ 2025年6月30日（实际 2019-05-01）"), why["sentence"]
    assert why["parameters"]["subsidy_hired_by"]["until"] == "2025-09-30"
