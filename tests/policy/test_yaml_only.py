"""A revision that adds an input field and a decision needs YAML only: in a copy of the policy, a hypothetical
amendment (服务标兵: 年度考核“优秀”且当年受表彰1次及以上) gets its clause in the document's text, a field in
facts.yaml, a parameter, a rule file, a label and an officer's test — and validate, test and evaluate take it,
engine/ untouched (the test writes only into its temporary copy)."""
from __future__ import annotations

import json
import re

import pytest

from conftest import POLICY_DIR, cli, edit, write_case

AMENDMENT = "（四）设立服务标兵。年度考核等次为“优秀”且当年受到表彰1次及以上的窗口办事员，评为服务标兵。"

RULES = """section: 四(四) 设立服务标兵（示例修订，非真实文件）
decisions:
  service_star:
    label: 服务标兵
    of: person
    applies_when: hired_on != null and commendations != null
    hit: unique
    rules:
      - id: star.awarded
        title: 年度考核“优秀”且受表彰
        clause: 四(四)
        text: 年度考核等次为“优秀”且当年受到表彰1次及以上的窗口办事员，评为服务标兵
        when: annual_grade == "优秀" and commendations >= param.star_min_commendations
        then: true
      - id: star.not_awarded
        title: 未同时满足“优秀”与受表彰
        clause: 四(四)
        text: 年度考核等次为“优秀”且当年受到表彰1次及以上的窗口办事员，评为服务标兵
        when: annual_grade != "优秀" or commendations < param.star_min_commendations
        then: false
"""

PARAMETER = """star_min_commendations:
  label: 评服务标兵所需表彰次数
  unit: 次
  values:
    2024-12-27: {value: 1, clause: 四(四)}
"""

ATTESTED = {k: True for k in ["political", "law_abiding", "service_minded", "follows_rules", "fulfils_duties",
                              "communication_and_computer", "healthy", "obeys_assignment"]}


def person(pid: str, good: int, commendations=None) -> dict:
    p = {"id": pid, "birth_date": "1990-01-01", "education": "本科", "hired_on": "2020-01-01", "attestations": ATTESTED,
         "ratings": {f"2025-{m:02d}": ("好" if m <= good else "一般") for m in range(1, 13)}}
    if commendations is not None:
        p["commendations"] = commendations
    return p


CASE = {"id": "STAR", "as_of": "2025-12-31",
        "people": [person("S1", 5, 2), person("S2", 5, 0), person("S3", 2, 3), person("S4", 5)]}

TESTS = """topic: 服务标兵（示例修订）
tests:
  - name: 优秀且受表彰2次，评为服务标兵
    clause: 四(四)
    case: %s
    expect:
      - {subject: S1, decision: service_star, value: true}
      - {subject: S2, decision: service_star, value: false}
      - {subject: S3, decision: service_star, value: false}
""" % json.dumps(CASE, ensure_ascii=False)


@pytest.fixture
def amended(tmp_policy):
    source = tmp_policy / "source.txt"
    source.write_text(source.read_text(encoding="utf-8").rstrip("\n") + "\n\n" + AMENDMENT + "\n", encoding="utf-8")
    edit(tmp_policy, "clauses.yaml", "  四(三):\n", "  四(四):\n    title: 设立服务标兵（示例修订）\n"
                                                   "    starts: （四）设立服务标兵\n  四(三):\n")
    edit(tmp_policy, "facts.yaml", "      certificates: {label: 证书, type: list, fields: {type: 类别, level: 等级, obtained_on: 取得日期}}\n",
         "      certificates: {label: 证书, type: list, fields: {type: 类别, level: 等级, obtained_on: 取得日期}}\n      commendations: {label: 当年受表彰次数, type: int, unit: 次}\n")
    (tmp_policy / "parameters" / "star.yaml").write_text(PARAMETER, encoding="utf-8")
    (tmp_policy / "rules" / "star.yaml").write_text(RULES, encoding="utf-8")
    edit(tmp_policy, "policy.yaml", "  - parameters/windows.yaml\n", "  - parameters/windows.yaml\n  - parameters/star.yaml\n")
    edit(tmp_policy, "policy.yaml", "  - rules/routing.yaml\n", "  - rules/routing.yaml\n  - rules/star.yaml\n")
    (tmp_policy / "tests" / "star.yaml").write_text(TESTS, encoding="utf-8")
    return tmp_policy


def test_the_amendment_validates_and_its_officer_test_passes(amended):
    code, out, err = cli("validate", amended)
    assert code == 0, out + err
    code, out, err = cli("test", amended)
    assert code == 0, out + err
    passed = int(re.search(r"(\d+) 个通过，0 个失败", out).group(1))
    base = int(re.search(r"(\d+) 个通过", cli("test", POLICY_DIR)[1]).group(1))
    assert passed == base + 1   # the officer's new test ran, and passed


def test_the_new_field_and_decision_are_decided_and_explained(amended, tmp_path, monkeypatch):
    path = write_case(CASE, tmp_path)
    code, out, err = cli("evaluate", path, "--policy", amended, "--format", "json", "--jobs", "1", "--explain", "full")
    assert code == 0, err
    values = {d["subject"]: d for d in json.loads(out)["cases"][0]["determinations"] if d["decision"] == "service_star"}
    assert {s: d["value"] for s, d in values.items()} == {"S1": True, "S2": False, "S3": False}   # S4: no field
    s1 = values["S1"]["explanation"]
    assert s1["rule"] == "star.awarded" and s1["clause"] == "四(四)"
    assert s1["facts"]["commendations"]["value"] == 2 and s1["facts"]["commendations"]["label"] == "当年受表彰次数"
    assert "当年受表彰次数 ≥ 1次（实际 2次）" in s1["sentence"]
    monkeypatch.setenv("COLUMNS", "400")   # wide enough that rich folds no header
    code, table, _ = cli("evaluate", path, "--policy", amended, "--jobs", "1")
    assert "服务标兵" in table


def test_a_wrong_type_in_the_new_field_costs_only_that_person(amended, tmp_path):
    case = json.loads(json.dumps(CASE))
    case["people"][1]["commendations"] = "两次"
    code, out, _ = cli("evaluate", write_case(case, tmp_path), "--policy", amended, "--format", "json", "--jobs", "1")
    doc = json.loads(out)
    assert code == 1 and doc["account"]["people"] == {"read": 4, "decided": 3, "errored": 1}
    (error,) = doc["cases"][0]["errors"]
    assert error["subject"] == "S2" and error["path"].endswith("commendations")


def test_the_amendment_changes_nothing_in_the_shipped_policy(policy):
    assert "service_star" not in policy.decisions
    assert "commendations" not in policy.kinds["person"].attributes
