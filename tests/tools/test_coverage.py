"""`run.py coverage`: every clause accounted for; untested rules and parameter values read from firings."""
from __future__ import annotations

import json

import pytest
from conftest import POLICY_DIR, ROOT, cli, edit

from engine.tools import coverage
from engine.tools.validate import load_or_raise


@pytest.fixture(scope="module")
def shipped():
    code, out, _ = cli("coverage", POLICY_DIR, "--format", "json")
    assert code == 0
    return json.loads(out)


def test_every_clause_is_accounted_for_once(policy, shipped):
    listed = [c["clause"] for c in shipped["clauses"]]
    assert sorted(listed) == sorted(policy.clauses)
    summary = shipped["summary"]
    assert summary["total"] == len(policy.clauses)
    assert summary["encoded"] + summary["descriptive"] + summary["open"] == summary["total"]
    assert {c["status"] for c in shipped["clauses"]} <= {"encoded", "descriptive", "open"}


def test_status_follows_the_citations_and_the_marks(policy, shipped):
    cited = {r.clause for r in policy.rules.values()} | {v.clause for p in policy.parameters.values() for v in p.values}
    for c in shipped["clauses"]:
        clause = policy.clauses[c["clause"]]
        if c["status"] == "encoded":
            assert c["rules"] or c["parameters"] or c.get("derivations")
            assert set(c["rules"]) <= set(policy.rules) | {d.scenarios.possible for d in policy.decisions.values() if d.scenarios}
            assert all(policy.rules[r].clause == c["clause"] for r in c["rules"] if r in policy.rules)
        elif c["status"] == "descriptive":
            assert c["reason"] == clause.descriptive and c["clause"] not in cited
        else:
            assert clause.descriptive is None and c["clause"] not in cited


def test_fail_under_passes_at_the_reached_value_and_is_a_percentage(shipped):
    reached = shipped["summary"]["percent_encoded"]
    assert cli("coverage", POLICY_DIR, "--fail-under", reached)[0] == 0
    code, _, err = cli("coverage", POLICY_DIR, "--fail-under", 100.5)
    assert code == 2 and "0 至 100" in err


def test_a_clause_without_a_mark_or_a_rule_is_open(tmp_policy):
    edit(tmp_policy, "clauses.yaml", "    descriptive: 岗位职责（咨询受理）：规定办事员应做的工作，不是可判定的条件\n", "")
    code, out, _ = cli("coverage", tmp_policy, "--format", "json")
    data = json.loads(out)
    entry = next(c for c in data["clauses"] if c["clause"] == "二(二)3(1)")
    assert entry["status"] == "open" and data["summary"]["open"] >= 1
    assert data["summary"]["percent_encoded"] < 100
    code, _, err = cli("coverage", tmp_policy, "--fail-under", 100)
    assert code == 1 and "低于" in err
    code, out, _ = cli("coverage", tmp_policy)
    assert "未编码" in out and "二(二)3(1)" in out


def test_untested_rules_and_values_come_from_the_firings_of_checked_determinations(tmp_policy, shipped):
    # without the allowance tests no checked determination is an allowance: its rules and amounts are untested
    (tmp_policy / "tests" / "allowances.yaml").unlink()
    policy = load_or_raise(tmp_policy)
    cov = coverage.coverage(policy)
    allowance_rules = {r.id for name in ("skill_allowance", "seniority_allowance", "education_allowance")
                       for r in policy.decisions[name].rules}
    assert allowance_rules <= set(cov.untested_rules)
    assert not allowance_rules & set(shipped["untested_rules"])
    untested = {u.path for u in cov.untested_parameters}
    amounts = {f"skill_allowance.{level}" for level in policy.parameters["skill_allowance"].values[-1].value}
    assert amounts <= untested
    assert not amounts & {u["parameter"] for u in shipped["untested_parameters"]}
    # the rules other tests check stay exercised
    assert "annual.excellent" not in cov.untested_rules


def test_one_test_exercises_only_what_its_expectations_rest_on(policy, tmp_path):
    test = {"topic": "一条", "tests": [{
        "name": "学历补贴：本科", "clause": "二(二)5(4)",
        "case": {"as_of": "2025-06-30", "assessment_year": 2025, "people": [{
            "id": "P1", "birth_date": "1995-01-01", "education": "本科", "hired_on": "2024-01-01",
            "certificates": [], "ratings": {}}]},
        "expect": [{"subject": "P1", "decision": "education_allowance", "value": 100}]}]}
    path = tmp_path / "one.yaml"
    path.write_text(json.dumps(test, ensure_ascii=False), encoding="utf-8")
    rules, reads, count, problems = coverage.exercised(policy, files=[path])
    assert count == 1 and not problems
    assert rules == {"education.by_degree"}
    assert {p for p, _ in reads} >= {"education_allowance.本科"}
    assert not any(p.startswith("education_allowance.硕士") for p, _ in reads)


def test_table_is_in_chinese(policy):
    code, out, _ = cli("coverage", POLICY_DIR)
    assert code == 0 and "已编码" in out and "说明性" in out and "编码率" in out
    # what encodes a clause: rules by title, parameters by label; no id an officer would have to look up
    flat = out.replace("\n", "").replace(" ", "")
    assert not [r for r in policy.rules if r in flat]
    assert not [p for p in policy.parameters if p in flat] and "param." not in flat
    assert all(f"“{r.title}”" in flat for r in policy.rules.values() if r.clause)


def test_untested_values_read_as_words_not_code():
    """The amendment's untested parameter values: labels, values as the answer shows them (a list with 、), dates in
    Chinese — no Python list, no id."""
    code, out, _ = cli("coverage", str(ROOT / "policies" / "examples" / "amendment_demo"))
    assert code == 0 and "未被测试读取的参数取值" in out
    flat = out.replace("\n", "")
    assert "['" not in flat and "param." not in flat and "年12月27日" in flat
