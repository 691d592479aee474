"""A kind of record, a relation and an aggregation are policy data: a copy of the shipped policy gains a third
kind (小组), people naming their team, a monthly workload and a quarterly sum over each team's people — YAML only —
and evaluates it; moving the threshold in the YAML changes the answer."""
from __future__ import annotations

import shutil

import pytest

from conftest import POLICY_DIR, edit, person, write_case
from engine.pipeline.evaluate import evaluate_file
from engine.tools.validate import load_or_raise, problems_of

TEAMS = """
  team:
    list: teams
    label: 小组
    fields:
      name: {label: 名称, type: text}
"""
PERSON_FIELDS = """      team: {label: 所属小组, type: ref, to: team}
      workload: {label: 月办件量, type: by_month, values: count}
"""
FACTS = """
  team:
    label: 小组
    attributes:
      name: {label: 名称, type: text}
  team_quarter:
    label: 小组季度办件
    tally: {of: team, months: person.workload, per: quarter, year: assessment_year}
    attributes:
      quarter: {label: 季度, type: text, period: true}
      handled: {label: 季度办件量, type: int, unit: 件, total: sum}
      busiest: {label: 单人单月最多办件量, type: int, unit: 件, total: max}
"""
RULES = """section: 小组（测试用）
decisions:
  busy_quarters:
    label: 办件量超标的季度
    of: team_quarter
    subject: team
    hit: collect
    rules:
      - id: team.busy
        title: 季度办件量超过标准
        clause: 二(二)8(1)
        text: 优秀人员不超过窗口工作人员总数的20%
        when: handled > param.team_quarter_load
        compute: quarter
"""
PARAMETERS = """team_quarter_load:
  label: 小组季度办件量标准
  unit: 件
  values:
    2024-12-27: {value: 300, clause: 二(二)8(1), reference: {issuer: 某中心, title: 小组考核办法（测试用）, date: 2024-12-27}}
"""


@pytest.fixture
def teams_policy(tmp_path):
    root = tmp_path / "policy"
    shutil.copytree(POLICY_DIR, root)
    records = (root / "records.yaml").read_text(encoding="utf-8")
    records = records.replace("      bottom_ranked: {label: 考核末位月份, type: months}\n",
                              "      bottom_ranked: {label: 考核末位月份, type: months}\n" + PERSON_FIELDS, 1)
    (root / "records.yaml").write_text(records + TEAMS, encoding="utf-8")
    (root / "facts.yaml").write_text((root / "facts.yaml").read_text(encoding="utf-8") + FACTS, encoding="utf-8")
    (root / "rules" / "teams.yaml").write_text(RULES, encoding="utf-8")
    (root / "parameters" / "teams.yaml").write_text(PARAMETERS, encoding="utf-8")
    edit(root, "policy.yaml", "  - rules/routing.yaml\n", "  - rules/routing.yaml\n  - rules/teams.yaml\n")
    edit(root, "policy.yaml", "  - parameters/windows.yaml\n", "  - parameters/windows.yaml\n  - parameters/teams.yaml\n")
    return root


def case(tmp_path):
    people = [person("P1", center="C1", team="T1", workload={"2025-01": 100, "2025-02": 120, "2025-04": 50}),
              person("P2", center="C1", team="T1", workload={"2025-03": 100, "2024-12": 999}),
              person("P3", center="C1", team="T2", workload={"2025-01": 10})]
    return write_case({"id": "K", "as_of": "2025-12-31", "assessment_year": 2025, "people": people,
                       "centers": [{"id": "C1", "level": "区级", "windows": 20}],
                       "teams": [{"id": "T1", "name": "一组"}, {"id": "T2", "name": "二组"}]}, tmp_path)


def busy(root, tmp_path) -> dict:
    policy = load_or_raise(str(root))
    case_file, results = evaluate_file(str(case(tmp_path)), policy)
    assert not case_file.errors and not results[0].errors, [str(e) for e in results[0].errors]
    return {d.subject: d.value for d in results[0].determinations if d.decision == "busy_quarters"}


def test_a_third_kind_with_a_relation_and_a_quarterly_sum_needs_yaml_only(teams_policy, tmp_path):
    _, problems = problems_of(str(teams_policy))
    assert not [p for p in problems if p.severity == "error"], [str(p) for p in problems]
    # T1: Q1 = 100 + 120 + 100 = 320 (December 2024 is not the case's year), Q2 = 50; T2: Q1 = 10
    assert busy(teams_policy, tmp_path) == {"T1": ["2025-Q1"], "T2": []}
    edit(teams_policy, "parameters/teams.yaml", "{value: 300,", "{value: 40,")
    assert busy(teams_policy, tmp_path) == {"T1": ["2025-Q1", "2025-Q2"], "T2": []}


def test_the_tally_explains_its_sum(teams_policy, tmp_path):
    policy = load_or_raise(str(teams_policy))
    _, results = evaluate_file(str(case(tmp_path)), policy)
    quarters = {(f.subject, f.values["quarter"]): f for f in results[0].facts if f.kind == "team_quarter"}
    assert set(quarters) == {("T1", "2025-Q1"), ("T1", "2025-Q2"), ("T2", "2025-Q1")}
    q1 = quarters[("T1", "2025-Q1")]
    assert (q1.values["handled"], q1.values["busiest"]) == (320, 120)
    assert q1.detail["handled"] == "2025-Q1的 3 个数值的合计"


def test_a_person_naming_an_unknown_team_is_refused_alone(teams_policy, tmp_path):
    policy = load_or_raise(str(teams_policy))
    path = write_case({"id": "K", "as_of": "2025-12-31", "people": [person("P1", team="T9"), person("P2", team="T1")],
                       "teams": [{"id": "T1"}]}, tmp_path)
    case_file, results = evaluate_file(str(path), policy)
    errors = [e for r in results for e in r.errors]
    assert [(e.subject, e.path) for e in errors] == [("P1", "people[0].team")]
    assert "所属小组“T9”不是本案例中的小组" in errors[0].message


RELATED = """      on_probation:
        label: 试用期人数
        type: int
        unit: 人
        related: {of: person, via: team, count: true, where: probation}
      oldest:
        label: 最大选聘年龄
        type: int
        unit: 周岁
        related: {of: person, via: team, max: age_at_selection}
"""


def test_a_count_and_a_maximum_over_related_records_need_yaml_only(teams_policy, tmp_path):
    """The team counts its people on probation and takes their greatest age at selection: facts.yaml `related:`,
    computed after the people's own facts, explained by who was counted."""
    edit(teams_policy, "facts.yaml", "      name: {label: 名称, type: text}\n  team_quarter:",
         "      name: {label: 名称, type: text}\n" + RELATED + "  team_quarter:")
    _, problems = problems_of(str(teams_policy))
    assert not [p for p in problems if p.severity == "error"], [str(p) for p in problems]
    policy = load_or_raise(str(teams_policy))
    people = [person("P1", team="T1", probation=True, birth_date="1990-01-01", selection_date="2020-01-01"),
              person("P2", team="T1", probation=False, birth_date="1980-06-01", selection_date="2020-01-01"),
              person("P3", team="T1", probation=True, birth_date="1995-01-01", selection_date="2020-01-01"),
              person("P4", team="T2", probation=False)]
    path = write_case({"id": "K", "as_of": "2025-12-31", "people": people,
                       "teams": [{"id": "T1"}, {"id": "T2"}, {"id": "T3"}]}, tmp_path)
    _, results = evaluate_file(str(path), policy)
    teams = {f.subject: f for f in results[0].facts if f.kind == "team"}
    assert {t: (f.values["on_probation"], f.values["oldest"]) for t, f in teams.items()} == {
        "T1": (2, 39), "T2": (0, 22), "T3": (0, None)}   # P4 selected when hired (2013-01-01) at 22
    assert teams["T1"].detail["on_probation"] == "本小组的办事员中试用期的：P1、P3"


def test_related_names_what_exists(teams_policy):
    edit(teams_policy, "facts.yaml", "      name: {label: 名称, type: text}\n  team_quarter:",
         "      name: {label: 名称, type: text}\n"
         "      on_probation: {label: 试用期人数, type: int, related: {of: person, via: center, count: true, where: probaton}}\n"
         "  team_quarter:")
    _, problems = problems_of(str(teams_policy))
    assert [p.message for p in problems if p.severity == "error"] == [
        "related.via “center”不是办事员指向小组的字段（可用：team）"]


def test_a_rule_dividing_in_its_condition(teams_policy, tmp_path):
    """`handled / 3`: the quarter's monthly average, compiled into the ruleset (the division lifted, exact) and
    explained as ÷; 320 / 3 is over 100, 50 / 3 and 10 / 3 are not."""
    edit(teams_policy, "rules/teams.yaml", "when: handled > param.team_quarter_load",
         "when: handled / 3 > param.team_quarter_load")
    edit(teams_policy, "parameters/teams.yaml", "{value: 300,", "{value: 100,")
    assert busy(teams_policy, tmp_path) == {"T1": ["2025-Q1"], "T2": []}
    edit(teams_policy, "parameters/teams.yaml", "{value: 100,", "{value: 106,")   # 106.67 is still over 106
    assert busy(teams_policy, tmp_path) == {"T1": ["2025-Q1"], "T2": []}
    edit(teams_policy, "parameters/teams.yaml", "{value: 106,", "{value: 107,")
    assert busy(teams_policy, tmp_path) == {"T1": [], "T2": []}
    from engine.explain.why import Why
    policy = load_or_raise(str(teams_policy))
    _, results = evaluate_file(str(case(tmp_path)), policy)
    tree = str(Why.of(policy, results[0]).why("T1", "busy_quarters"))
    assert "÷" in tree, tree
