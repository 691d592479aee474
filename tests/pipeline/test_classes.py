"""Equivalence classes (pipeline/classes.py, runtime.run): deciding one subject per class gives every subject
exactly the firings, values and determinations it gets when durable_rules is given every subject."""
from __future__ import annotations

import copy

from hypothesis import given, settings

from conftest import ROOT, write_case
from engine.casefiles.cases import load_cases
from engine.pipeline import classes
from engine.pipeline.evaluate import Evaluator
from engine.pipeline.runtime import project
from engine.tools.declared import declared_cases
from engine.tools.validate import load_or_raise
from strategies import rosters

SUCHEN = load_or_raise(str(ROOT / "policies" / "suchen_2024"))
XIAOWEI = load_or_raise(str(ROOT / "policies" / "xiaowei_2023"))
BY_CLASS, EVERY = Evaluator(SUCHEN), Evaluator(SUCHEN, by_class=False)


def outcome(result) -> dict:
    """Everything a result says, by ids and values: firings on which fact, determinations and what they rest on."""
    def firing(f):
        return (f.variant.name, f.fact.fid, f.joined, repr(f.value))
    return {"firings": [firing(f) for f in result.firings],
            "determinations": [(d.subject, d.decision, repr(d.value), d.how, [firing(f) for f in d.firings],
                                [f.fid for f in d.facts], [firing(f) for f in d.blocks])
                               for d in result.determinations],
            "errors": [(e.path, e.message) for e in result.errors], "failed": result.failed,
            "facts": [(f.fid, repr(sorted(f.values.items())), repr(sorted(f.detail.items()))) for f in result.facts]}


def load(policy, case: dict, tmp_path):
    loaded = load_cases(write_case(case, tmp_path), policy)
    assert not loaded.errors, [str(e) for e in loaded.errors]
    return loaded.cases


@settings(max_examples=60)
@given(case=rosters(SUCHEN))
def test_classes_decide_as_every_subject_asserted(case, tmp_path_factory):
    """Hypothesis rosters of near copies; the class memory is warm from earlier examples, as in a long run."""
    [loaded] = load(SUCHEN, case, tmp_path_factory.mktemp("c"))
    again = copy.deepcopy(loaded)
    assert outcome(BY_CLASS.evaluate(loaded)) == outcome(EVERY.evaluate(again))


def test_classes_decide_the_second_policy_as_every_subject_asserted(tmp_path):
    """Quarterly means, related means and computed amounts: each member's own values fill in its conclusions."""
    cases = load(XIAOWEI, declared_cases(XIAOWEI, 40, seed=3, year=2023, per_case=20), tmp_path)
    by_class, every = Evaluator(XIAOWEI), Evaluator(XIAOWEI, by_class=False)
    for case in cases:
        assert outcome(by_class.evaluate(copy.deepcopy(case))) == outcome(every.evaluate(case))


def test_the_shipped_roster_decides_alike_in_far_fewer_classes(tmp_path):
    roster = load_cases(ROOT / "fixtures" / "roster_2025.yaml", SUCHEN).cases[0]
    result = EVERY.evaluate(copy.deepcopy(roster))
    assert outcome(BY_CLASS.evaluate(roster)) == outcome(result)
    compiled = result.compiled
    projected = [project(f, compiled, result.params) for f in result.facts]
    units = classes.units(result.facts, projected, compiled.seen)
    signatures = {u.signature for u in units}
    people = [u for u in units if u.facts[0].kind == "person"]
    assert len(units) == len({f.subject for f in result.facts}) and 1 < len(signatures) < len(units)
    assert len({u.signature for u in people}) < len(people)


def test_a_signature_changes_exactly_where_a_rule_compares(tmp_path):
    """Ages either side of the bound the rules compare with fall in different classes; two ages on one side (and
    different names) do not."""
    person = {"id": "A", "birth_date": "1990-03-01", "selection_date": "2025-03-01", "education": "本科",
              "certificates": [], "hired_on": "2025-03-02"}
    case = {"id": "K", "as_of": "2025-12-31", "assessment_year": 2025,
            "people": [person, dict(person, id="B", birth_date="1991-07-15", name="乙"),
                       dict(person, id="C", birth_date="1980-03-01")]}
    [loaded] = load(SUCHEN, case, tmp_path)
    result = EVERY.evaluate(loaded)
    projected = [project(f, result.compiled, result.params) for f in result.facts]
    by_subject = {u.subject: u.signature for u in classes.units(result.facts, projected, result.compiled.seen)}
    assert by_subject["A"] == by_subject["B"] != by_subject["C"]


def test_subjects_alike_stay_within_a_bound_that_refuses_them_asserted_one_by_one(tmp_path):
    """200 copies of one person: 200 × their facts exceed 1,000 messages; their one class does not."""
    person = {"id": "P", "birth_date": "1990-03-01", "selection_date": "2025-03-01", "education": "本科",
              "certificates": [], "hired_on": "2024-03-02",
              "ratings": {f"2025-{m:02d}": "一般" for m in range(1, 13)}}
    case = {"id": "K", "as_of": "2025-12-31", "assessment_year": 2025,
            "people": [dict(person, id=f"P{i}") for i in range(200)]}
    [loaded] = load(SUCHEN, case, tmp_path)
    refused = Evaluator(SUCHEN, max_messages=1000, by_class=False).evaluate(copy.deepcopy(loaded))
    assert refused.failed and "事实与结论超过1000条" in refused.errors[0].message
    bounded = Evaluator(SUCHEN, max_messages=1000)
    bounded.compiled_for(loaded.as_of).classes.clear()   # nothing remembered: the class is decided here
    decided = bounded.evaluate(loaded)
    assert not decided.failed and not decided.errors
    assert len({(d.decision, repr(d.value)) for d in decided.determinations}) \
        == len({(d.decision, repr(d.value)) for d in decided.determinations if d.subject == "P0"})
    assert len(decided.determinations) == 200 * len([d for d in decided.determinations if d.subject == "P0"])


def test_a_computed_conclusion_read_by_another_rule_keeps_each_member_its_own_value(tmp_path):
    """relief_tax reads relief_income, computed from the taxable income: enterprises alike but for that income
    (both under the 100万 bound) are different classes, each with its own amounts."""
    def enterprise(eid: str, income: int) -> tuple[dict, list[dict]]:
        reports = [{"id": f"{eid}-{q}", "enterprise": eid, "year": 2023, "quarter": q, "staff_start": 20,
                    "staff_end": 22, "dispatched_start": 0, "dispatched_end": 0, "assets_start": 800, "assets_end": 820}
                   for q in range(1, 5)]
        return {"id": eid, "name": "某公司", "credit_code": "91321302MA0000000" + eid[-1], "restricted": False,
                "taxable_income": income}, reports
    (a, ra), (b, rb) = enterprise("E1", 80), enterprise("E2", 70)
    case = {"id": "K", "as_of": "2024-05-31", "tax_year": 2023, "enterprises": [a, b], "quarter_reports": ra + rb}
    [loaded] = load(XIAOWEI, case, tmp_path)
    decided = Evaluator(XIAOWEI).evaluate(copy.deepcopy(loaded))
    assert outcome(decided) == outcome(Evaluator(XIAOWEI, by_class=False).evaluate(loaded))
    tax = {d.subject: d.value for d in decided.determinations if d.decision == "relief_tax"}
    assert tax["E1"] != tax["E2"] and tax["E1"] is not None
