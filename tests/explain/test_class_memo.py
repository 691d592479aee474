"""What explanations remember per ruleset — the rules each class of subjects set aside, sentences by values, what a
rule reads — changes no word: full and brief explanations of subjects decided by class are those of every subject
asserted on its own, each sentence worded afresh and each verdict judged afresh."""
from __future__ import annotations

import copy
from unittest import mock

from hypothesis import given, settings

from conftest import ROOT, write_case
from engine.casefiles.cases import load_cases
from engine.explain.brief import Brief, References
from engine.explain.trace import Trace
from engine.explain.why import Why
from engine.pipeline.evaluate import Evaluator
from engine.tools.declared import declared_cases
from engine.tools.validate import load_or_raise
from strategies import rosters

SUCHEN = load_or_raise(str(ROOT / "policies" / "suchen_2024"))
XIAOWEI = load_or_raise(str(ROOT / "policies" / "xiaowei_2023"))


def explained(policy, result, remembered: bool = True) -> tuple[list, list, dict]:
    """Every determination's full and brief explanation, and the brief's references; not `remembered`: every
    sentence worded and every set-aside rule judged again, nothing read from the ruleset's memory."""
    if not remembered:
        with mock.patch.object(Trace, "sentence", lambda self, node, kind, values: self.words.sentence(node, kind, values)), \
                mock.patch.object(Why, "_gave_way", Why._judged_gave_way):
            return explained(policy, result)
    trace = Trace.of(policy, result)
    refs = References()
    brief = Brief(trace, refs)
    why = Why(trace)
    full = [why.determination(d) for d in result.determinations]
    short = [brief.determination(d) for d in result.determinations]
    return full, short, refs.as_json()


def _cases(policy, case: dict, tmp_path):
    loaded = load_cases(write_case(case, tmp_path), policy)
    assert not loaded.errors, [str(e) for e in loaded.errors]
    return loaded.cases


BY_CLASS, EVERY = Evaluator(SUCHEN), Evaluator(SUCHEN, by_class=False)


@settings(max_examples=40)
@given(case=rosters(SUCHEN))
def test_explanations_by_class_are_those_of_every_subject(case, tmp_path_factory):
    [loaded] = _cases(SUCHEN, case, tmp_path_factory.mktemp("c"))
    again = copy.deepcopy(loaded)
    by_class = BY_CLASS.evaluate(loaded)
    assert any(f.klass for f in by_class.facts)
    assert explained(SUCHEN, by_class) == explained(SUCHEN, EVERY.evaluate(again), remembered=False)


def test_the_shipped_roster_explains_alike_by_class():
    roster = load_cases(ROOT / "fixtures" / "roster_2025.yaml", SUCHEN).cases[0]
    by_class = BY_CLASS.evaluate(copy.deepcopy(roster))
    full, _, _ = explained(SUCHEN, by_class)
    assert any("overrides" in tree for tree in full)   # some rule gave way: the remembered verdicts are read
    assert explained(SUCHEN, by_class) == explained(SUCHEN, EVERY.evaluate(roster), remembered=False)


def test_the_second_policy_explains_alike_by_class(tmp_path):
    cases = _cases(XIAOWEI, declared_cases(XIAOWEI, 40, seed=3, year=2023, per_case=20), tmp_path)
    by_class, every = Evaluator(XIAOWEI), Evaluator(XIAOWEI, by_class=False)
    for case in cases:
        assert explained(XIAOWEI, by_class.evaluate(copy.deepcopy(case))) == explained(XIAOWEI, every.evaluate(case),
                                                                                 remembered=False)
