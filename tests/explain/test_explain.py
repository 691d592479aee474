"""engine/explain/ (why.py, whynot.py, verdicts.py): why reads the firings; why-not reads the compiled parts and names what fired instead."""
from __future__ import annotations

import dataclasses
import shutil

import pytest

from engine.casefiles.cases import load_cases
from types import SimpleNamespace

from engine.common.words import same_value
from engine.explain.trace import Trace
from engine.explain.why import Why
from engine.explain.whynot import WhyNot, reached

from conftest import person, write_case

def explain(policy, evaluator, people=(), centers=(), items=(), as_of="2025-12-31"):
    path = write_case({"id": "T", "as_of": as_of, "people": list(people), "centers": list(centers),
                       "items": list(items)})
    try:
        case_file = load_cases(path, policy)
        assert not case_file.errors, [str(e) for e in case_file.errors]
        result = evaluator.evaluate(case_file.cases[0])
    finally:
        shutil.rmtree(path.parent, ignore_errors=True)
    return _views(policy, result), result


def _views(policy, result):
    trace = Trace.of(policy, result)
    return SimpleNamespace(why=Why(trace).why, why_not=WhyNot(trace).why_not)


def _rules(answer) -> list[str]:
    return [e["rule"] for e in answer["rules"]]


# --- why -------------------------------------------------------------------------------------------

def test_why_lists_the_rules_that_gave_way_and_the_block_that_fired(policy, evaluator):
    good4 = {f"2025-{m:02d}": ("好" if m in (4, 7, 10, 12) else "一般") for m in range(3, 13)}
    ex, result = explain(policy, evaluator, [person(hired_on="2025-03-01", ratings=good4)])
    why = ex.why("P1", "annual_grade")
    assert why["value"] == "称职" and why["rule"] == "annual.competent"
    gave_way = {o["rule"]: [b["rule"] for b in o["by"]] for o in why["overrides"]}
    # 优秀 held but was blocked; 基本称职 held but comes later in the priority order
    assert gave_way == {"annual.excellent": ["annual.not_full_year"], "annual.basic": ["annual.competent"]}
    assert [b["rule"] for b in why["blocked"]] == ["annual.not_full_year"]


def test_why_under_probation_names_every_tier_that_gave_way(policy, evaluator):
    ex, _ = explain(policy, evaluator, [person(probation=True)])
    why = ex.why("P1", "seniority_allowance")
    assert why["rule"] == "seniority.probation" and why["value"] == 0
    assert {o["rule"] for o in why["overrides"]} == {"seniority.ten_years", "seniority.five_years",
                                                      "seniority.one_year"}
    assert all([b["rule"] for b in o["by"]] == ["seniority.probation"] for o in why["overrides"])


def test_why_follows_the_decisions_a_rule_read(policy, evaluator):
    ex, _ = explain(policy, evaluator, [person()])
    why = ex.why("P1", "monthly_allowance_total")
    assert why["value"] == 150 + 100 + 100
    assert [b["rule"] for b in why["because"]] == ["skill.by_level", "seniority.ten_years", "education.by_degree"]
    assert why["because"][0]["lookup"] == {"skill_level": "四级/中级工"}


def test_sentences_inline_parameters_and_show_actual_values(policy, evaluator):
    ex, _ = explain(policy, evaluator, [person(ratings={"2025-01": "好", "2025-02": "好", "2025-03": "差"})])
    why = ex.why("P1", "annual_grade")
    assert why["value"] == "基本称职"
    assert why["sentence"] == "当年“差”的次数 ≤ 2次（实际 1次）"
    assert why["condition"] == "bad_months <= param.basic_max_bad"       # the JSON keeps the condition as written


# --- why not ---------------------------------------------------------------------------------------

def test_a_reached_value_is_said_to_be_reached(policy, evaluator):
    ex, _ = explain(policy, evaluator, [person()])
    answer = ex.why_not("P1", "annual_grade", "基本称职")
    assert answer["reached"] is True and answer["rules"] == []
    assert "annual.basic" in answer["summary"]


def test_only_rules_that_can_give_the_value_are_tried(policy, evaluator):
    ex, _ = explain(policy, evaluator, [person()])
    assert _rules(ex.why_not("P1", "annual_grade", "优秀")) == ["annual.excellent"]
    # a lookup: only the variant whose key gives 400 is tried, and it names the key it needs
    answer = ex.why_not("P1", "skill_allowance", 400)
    assert _rules(answer) == ["skill.by_level"]
    entry, = answer["rules"]
    assert entry["lookup"] == {"skill_level": "二级/技师"}
    assert entry["failed"][0]["sentence"] == "最高技能补贴档次为“二级/技师”（实际 四级/中级工）"
    assert _rules(ex.why_not("P1", "skill_allowance", 123)) == []


def test_nested_exceptions_name_the_rule_that_fired(policy, evaluator):
    # probation overrides ten_years, which overrides five_years: 50 gives way to probation, not to ten_years
    ex, result = explain(policy, evaluator, [person(probation=True), person("P2")])
    entry, = ex.why_not("P1", "seniority_allowance", 50)["rules"]
    assert entry["status"] == "gave_way"
    assert [r["rule"] for r in entry["set_aside_by"]] == ["seniority.probation"]
    entry, = ex.why_not("P2", "seniority_allowance", 50)["rules"]
    assert [r["rule"] for r in entry["set_aside_by"]] == ["seniority.ten_years"]


def test_priority_names_the_earlier_value_that_fired(policy, evaluator):
    bad = {f"2025-{m:02d}": ("差" if m in (3, 4) else "一般") for m in range(1, 13)}
    ex, _ = explain(policy, evaluator, [person(ratings=bad)])
    entry, = ex.why_not("P1", "annual_grade", "基本称职")["rules"]
    assert entry["status"] == "gave_way"
    assert [r["rule"] for r in entry["set_aside_by"]] == ["annual.unfit_consecutive"]
    assert "不称职" in entry["summary"] and "优先适用" in entry["summary"]


def test_the_decisions_scope_is_part_of_why_not(policy, evaluator):
    ex, _ = explain(policy, evaluator, [person(hired_on=None)])
    answer = ex.why_not("P1", "skill_allowance", 0)
    assert answer["reached"] is False and answer["actual"] is None
    scope = [t for e in answer["rules"] for t in e["failed"] if t.get("scope")]
    assert scope and all(t["values"] == {"hired_on": None} for t in scope)
    assert scope[0]["sentence"] == "上岗日期已提供（实际 未提供）"


def test_otherwise_names_the_rule_that_applies(policy, evaluator):
    ex, _ = explain(policy, evaluator, items=[{"id": "I1", "department": "民政", "center_level": "区级"}])
    entry, = ex.why_not("I1", "window", "待核实")["rules"]
    assert entry["status"] == "not_met"
    assert entry["failed"][0]["rules"] == ["route.district_integrated"]


def test_a_decision_read_that_was_never_made_is_named(policy):
    from engine.pipeline.evaluate import Evaluator
    from engine.formula.expr import parse
    # education_allowance in scope for everyone hired (the shipped policy leaves out those without an education):
    # without one it is then never made, and the total that reads it cannot be either
    hired = {name: dataclasses.replace(policy.decisions[name], applies_when=parse("hired_on != null"))
             for name in ("education_allowance", "monthly_allowance_total")}
    policy = dataclasses.replace(policy, decisions=dict(policy.decisions, **hired),
                                 version=policy.version + "-education-in-scope")
    ex, result = explain(policy, Evaluator(policy), [person(education=None)])
    assert ("P1", "monthly_allowance_total") not in {(d.subject, d.decision) for d in result.determinations}
    entry, = ex.why_not("P1", "monthly_allowance_total", 250)["rules"]
    assert entry["failed"][0]["sentence"] == "须先得出“学历补贴（元/月）”（本例未得出）"


def test_a_computed_sum_says_which_parts_would_give_the_value(policy, evaluator):
    ex, _ = explain(policy, evaluator, [person()])          # 150 + 100 + 100
    entry, = ex.why_not("P1", "monthly_allowance_total", 600)["rules"]
    assert entry["status"] == "fired" and entry["got"] == 350
    first = entry["needs"][0]["changes"]
    # the fewest parts changed first: one part moving by 250 cannot do it (no tier is 400 for seniority …)
    assert len(first) == min(len(n["changes"]) for n in entry["needs"])
    total = 350 + sum(c["to"] - c["from"] for c in first.values())
    assert total == 600


def test_collect_why_not_looks_only_at_the_month_asked(policy, evaluator):
    people = [person(f"P{i}", center="C1", ratings={"2025-03": "好" if i < 1 else "一般"}) for i in range(6)]
    ex, result = explain(policy, evaluator, people, centers=[{"id": "C1", "level": "镇", "windows": 4}])
    answer = ex.why_not("C1", "good_rating_violations", "2025-03")
    assert answer["reached"] is False and answer["actual"] == []
    entry, = answer["rules"]
    assert entry["failed"][0]["values"] == {"good_ratings": 1, "clerks": 6}
    assert ex.why_not("C1", "good_rating_violations", "2025-07")["rules"] == []


def test_a_rule_whose_parts_hold_but_did_not_fire_is_reported_not_explained_away(policy, evaluator):
    _, result = explain(policy, evaluator, [person()])
    dropped = [f for f in result.firings if not (f.rule is not None and f.rule.id == "annual.basic")]
    assert len(dropped) < len(result.firings)
    undecided = [d for d in result.determinations if d.decision != "annual_grade"]
    tampered = dataclasses.replace(result, firings=dropped, determinations=undecided)
    entry, = WhyNot.of(policy, tampered).why_not("P1", "annual_grade", "基本称职")["rules"]
    assert entry["status"] == "inconsistent"


def test_scenarios_say_in_which_resolution_the_value_is_reached(policy, evaluator):
    ratings = {f"2025-{m:02d}": ("好" if m <= 3 else "一般") for m in range(1, 13)}
    ratings["2025-12"] = "暂停"
    ex, _ = explain(policy, evaluator, [person(ratings=ratings)])
    answer = ex.why_not("P1", "annual_grade", "优秀")
    assert answer["actual"] == "待定" and answer["reached"] is False
    fired = [e for e in answer["rules"] if e["status"] == "fired"]
    assert fired and fired[0]["judged_on"] == "假定2025-12暂停→好"
    assert ex.why_not("P1", "annual_grade", "待定")["reached"] is True
    why = ex.why("P1", "annual_grade")
    assert why["value"] == "待定" and why["clause"] == "二(二)8(1)"
    assert [(s["assumes"], s["value"]) for s in why["scenarios"]] == [
        ("假定2025-12暂停→差", "基本称职"), ("假定2025-12暂停→一般", "称职"), ("假定2025-12暂停→好", "优秀")]
    # the facts that differ between the resolutions, with each resolution's value
    assert why["facts"]["good_months"]["value"] == [3, 4]
    assert why["facts"]["bad_months"]["detail"] == "假定2025-12暂停→差：1、假定2025-12暂停→一般：0、假定2025-12暂停→好：0"
    assert why["facts"]["hired_on"]["value"] == "2013-01-01"


@pytest.mark.parametrize("a,b,same", [(100, 100.0, True), (True, 1, False), ("优秀", "优秀", True),
                                      (["2025-01"], ["2025-01"], True), (None, 0, False)])
def test_same_value(a, b, same):
    assert same_value(a, b) is same


def test_reached_for_collect_means_contained(policy):
    decision = policy.decisions["good_rating_violations"]
    d = type("D", (), {"value": ["2025-03", "2025-07"]})()
    assert reached(decision, d, "2025-07") and not reached(decision, d, "2025-08")
    assert reached(decision, d, ["2025-03", "2025-07"])
