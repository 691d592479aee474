"""engine/pipeline/resolve.py: firings combined by hit policy; scope, gaps and overlaps read from the network only."""
from __future__ import annotations

import dataclasses
import shutil

from engine.casefiles.cases import load_cases
from engine.pipeline.evaluate import Evaluator
from engine.tools.validate import load_or_raise
from engine.pipeline.resolve import Firings, resolve

from conftest import edit, person, write_case


def _run(policy, evaluator, people=(), centers=(), as_of="2025-12-31"):
    path = write_case({"id": "T", "as_of": as_of, "people": list(people), "centers": list(centers)})
    try:
        case_file = load_cases(path, policy)
        assert not case_file.errors, [str(e) for e in case_file.errors]
        return evaluator.evaluate(case_file.cases[0])
    finally:
        shutil.rmtree(path.parent, ignore_errors=True)


def _values(determinations) -> dict:
    return {(d.subject, d.decision): d.value for d in determinations}


def test_scope_comes_from_the_scope_firings_not_from_python(policy, evaluator):
    result = _run(policy, evaluator, [person("P1"), person("P2", hired_on=None)])
    values = _values(result.determinations)
    assert ("P1", "skill_allowance") in values and ("P2", "skill_allowance") not in values
    # without the scope firings nothing is in the scope of an `applies_when` decision; the rest stays
    unscoped = [f for f in result.firings if f.variant.role != "scope"]
    determinations, issues = resolve(policy, result.facts, unscoped)
    decided = {d for _, d in _values(determinations)}
    assert "skill_allowance" not in decided and "eligibility" in decided and not issues


def test_a_fact_in_scope_without_a_value_is_a_gap(policy, evaluator):
    result = _run(policy, evaluator, [person("P1")])
    kept = [f for f in result.firings if not (f.variant.role == "conclude" and f.variant.decision.name == "skill_allowance")]
    determinations, issues = resolve(policy, result.facts, kept)
    assert ("P1", "skill_allowance") not in _values(determinations)
    assert [(i.subject, i.decision) for i in issues] == [("P1", "skill_allowance")]
    assert issues[0].message == "“技能补贴（元/月）”没有规则适用：政策在此有空缺，未作判定"


def test_two_values_for_one_subject_are_an_overlap_never_a_pick(policy, evaluator):
    result = _run(policy, evaluator, [person("P1")])
    firing = next(f for f in result.firings if f.variant.role == "conclude" and f.variant.decision.name == "skill_allowance")
    other = dataclasses.replace(firing, value=firing.value + 1)
    determinations, issues = resolve(policy, result.facts, result.firings + [other])
    assert ("P1", "skill_allowance") not in _values(determinations)
    assert len(issues) == 1 and "规则结论不一致" in issues[0].message and "skill.by_level" in issues[0].message


def test_overlapping_unique_rules_in_the_policy_are_reported(tmp_policy):
    # make 本科 also satisfy education.none: two rules of a `unique` decision now both take effect
    edit(tmp_policy, "rules/allowances.yaml", "when: education != null and education not in param.education_allowance",
         "when: education != null")
    policy = load_or_raise(str(tmp_policy))
    result = _run(policy, Evaluator(policy), [person("P1")])
    assert ("P1", "education_allowance") not in _values(result.determinations)
    error, = [e for e in result.errors if e.path == "education_allowance[P1]"]
    assert error.as_json() == {"file": result.case.file, "case": "T", "path": "education_allowance[P1]", "line": None,
                     "col": None, "message": "“学历补贴（元/月）”的规则结论不一致，未作判定：education.by_degree → 100；"
                                             "education.none → 0"}


def test_collect_lists_every_value_sorted_and_an_empty_list_when_nothing_fired(policy, evaluator):
    people = [person(f"P{i}", center="C1", ratings={"2025-07": "好", "2025-03": "好"}) for i in range(2)]
    result = _run(policy, evaluator, people, centers=[{"id": "C1", "level": "镇", "windows": 4},
                                                        {"id": "C2", "level": "镇", "windows": 4}])
    values = _values(result.determinations)
    assert values[("C1", "good_rating_violations")] == ["2025-03", "2025-07"]
    assert values[("C2", "good_rating_violations")] == []


def test_scenarios_combine_to_the_undecided_value_with_the_possible_ones(policy, evaluator):
    ratings = {f"2025-{m:02d}": ("好" if m <= 3 else "一般") for m in range(1, 13)}
    ratings["2025-12"] = "暂停"
    values = _values(_run(policy, evaluator, [person("P1", ratings=ratings)]).determinations)
    assert values[("P1", "annual_grade")] == "待定"
    assert values[("P1", "annual_grade_possible")] == ["基本称职", "称职", "优秀"]   # 暂停 → 差, 一般, 好
    ratings["2025-12"] = "一般"
    values = _values(_run(policy, evaluator, [person("P1", ratings=ratings)]).determinations)
    assert values[("P1", "annual_grade")] == "称职" and values[("P1", "annual_grade_possible")] == ["称职"]


def test_blocks_are_recorded_on_the_determination(policy, evaluator):
    good4 = {f"2025-{m:02d}": ("好" if m in (4, 7, 10, 12) else "一般") for m in range(3, 13)}
    result = _run(policy, evaluator, [person("P1", hired_on="2025-03-01", ratings=good4)])
    d = next(d for d in result.determinations if d.decision == "annual_grade")
    assert d.value == "称职" and [b.rule.id for b in d.blocks] == ["annual.not_full_year"]
    assert [f.rule.id for f in d.firings] == ["annual.competent"]


def test_firings_index_separates_roles(policy, evaluator):
    result = _run(policy, evaluator, [person("P1")])
    index = Firings.index(result.firings)
    assert all(f.variant.role == "conclude" for per in index.concluded.values() for fs in per.values() for f in fs)
    assert index.in_scope["skill_allowance"] == {"person:P1"}
    assert "eligibility" not in index.in_scope         # no applies_when: every fact of its kind is judged
