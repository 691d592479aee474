"""`run.py test`: a file or a folder, -k, and failures an officer can act on (engine/tools/policytests.py)."""
from __future__ import annotations

import json
from fractions import Fraction
from pathlib import Path

import pytest

from engine.tools.policytests import find_policy, same_reading

from conftest import POLICY_DIR, cli, edit, line_of

PERSON = """\
      people:
        - id: P1
          birth_date: 1995-04-18
          education: 本科
          attestations: {political: true, law_abiding: true, service_minded: true, follows_rules: true,
                         fulfils_duties: true, communication_and_computer: true, healthy: true, obeys_assignment: true}
          certificates:
            - {type: 政务服务办事员, level: 五级/初级工, obtained_on: 2023-05-01}
          hired_on: 2022-01-01
"""


def a_test(name: str, expect: str, clause: str = "") -> str:
    return (f"  - name: {name}\n" + (f"    clause: {clause}\n" if clause else "") +
            "    case:\n      as_of: 2025-12-31\n" + PERSON + "    expect:\n" + expect)


def write(folder: Path, *tests: str) -> Path:
    path = folder / "mine.yaml"
    path.write_text("topic: 试\ntests:\n" + "".join(tests), encoding="utf-8")
    return path


@pytest.fixture
def mine(tmp_policy) -> Path:
    return tmp_policy / "tests" / "mine.yaml"


@pytest.mark.parametrize("want, got, same", [
    (0, 0, True), (0, 0.0, True), ("0", 0, True), (0, Fraction(0), True), ("150", 150, True), (150, 150.0, True),
    (0, "0.5", False), (True, 1, False), ("是", True, True), ("否", False, True), ("无", None, True),
    ("优秀", "优秀", True), ("优秀", "称职", False),
    ([1, "a"], [1.0, "a"], True), ([1], [1, 2], False), (None, 0, False),
])
def test_values_compare_as_an_officer_reads_them(want, got, same):
    """An expected value is read as one typed on the command line (是 is yes, 150 and \"150\" the amount)."""
    assert same_reading(want, got) is same


def test_a_test_file_finds_its_policy_by_walking_up(tmp_policy):
    path = tmp_policy / "tests" / "allowances.yaml"
    assert find_policy(path) == (tmp_policy, [path])
    assert find_policy(tmp_policy / "tests")[0] == tmp_policy
    assert find_policy(tmp_policy) == (tmp_policy, None)
    code, out, err = cli("test", path)
    assert code == 0, out + err
    total = path.read_text(encoding="utf-8").count("\n  - name:")
    assert f"{total} 个通过，0 个失败" in out


def test_k_runs_only_the_tests_named(tmp_policy):
    code, out, _ = cli("test", tmp_policy, "-k", "技能补贴", "--format", "json")
    doc = json.loads(out)
    names = [line for f in (tmp_policy / "tests").glob("*.yaml") for line in f.read_text(encoding="utf-8").splitlines()
             if line.startswith("  - name:") and "技能补贴" in line]
    assert code == 0 and doc["passed"] == len(names) > 0 and doc["failed"] == 0
    code, _, err = cli("test", tmp_policy, "-k", "没有这样的测试")
    assert code == 2 and "没有找到名称含“没有这样的测试”的测试" in err


def test_unknown_decision_and_absent_subject_are_said_as_such(tmp_policy, mine):
    write(mine.parent, a_test("错误", "      - {subject: P1, decision: skill_allowanse, value: 100}\n"
                                      "      - {subject: P2, decision: skill_allowance, value: 100}\n"))
    code, out, _ = cli("test", mine, "--format", "json")
    [failure] = json.loads(out)["failures"]
    assert code == 1
    assert failure["failures"] == [
        f"第 {line_of(mine, 'skill_allowanse')} 行：未知的决定“skill_allowanse”；您是否想输入“skill_allowance”？",
        f"第 {line_of(mine, 'subject: P2')} 行：测试的案例中没有编号为“P2”的对象；您是否想输入“P1”？（案例中有：P1）"]


def test_a_wrong_value_says_what_was_got_and_why(tmp_policy, mine):
    write(mine.parent, a_test("年限补贴", "      - {subject: P1, decision: seniority_allowance, value: 50}\n"))
    code, out, _ = cli("test", mine)
    assert code == 1
    assert "P1 的 seniority_allowance：期望 50，实得 20" in out
    # the explanation of what was got: the rule's words and the parameter it read
    assert "取得政务服务办事员技能等级证书连续工作满1年以上" in out and "年限补贴档次" in out
    code, out, _ = cli("test", mine, "--format", "json")
    [got] = json.loads(out)["failures"][0]["got"]
    assert got["explanation"]["rule"] == "seniority.one_year"


def test_a_text_where_a_number_is_decided_says_which_type(tmp_policy, mine):
    write(mine.parent, a_test("类型", "      - {subject: P1, decision: skill_allowance, value: 一百}\n"))
    code, out, _ = cli("test", mine, "--format", "json")
    [failure] = json.loads(out)["failures"]
    assert failure["failures"] == [f"第 {line_of(mine, '一百')} 行：P1 的 skill_allowance：期望 “一百”，实得 100"
                                   "（期望写的是文字，本决定得出的是数）"]


def test_the_tests_clause_is_checked_against_the_rule_that_gave_the_value(tmp_policy, mine):
    write(mine.parent,
          a_test("条款对", "      - {subject: P1, decision: skill_allowance, value: '100'}\n", clause="二(二)5(2)"),
          a_test("条款错", "      - {subject: P1, decision: skill_allowance, value: 100.0}\n", clause="二(二)5(4)"))
    code, out, _ = cli("test", mine, "--format", "json")
    doc = json.loads(out)
    assert code == 1 and doc["passed"] == 1
    [failure] = doc["failures"]
    assert failure["name"] == "条款错"
    assert failure["failures"] == ["测试写的条款是 二(二)5(4)，但给出这些值的规则引用的是 二(二)5(2)"
                                   f"（如P1 的 skill_allowance，第 {line_of(mine, 'value: 100.0')} 行）"]


def test_a_missing_tests_folder_is_an_error_not_zero_passed(tmp_policy):
    edit(tmp_policy, "policy.yaml", "tests: tests\n", "tests: test\n")
    code, out, err = cli("test", tmp_policy)
    assert code == 2, out + err
    assert "测试文件夹“test”不存在" in out + err
    assert "0 个通过" not in out


def test_no_policy_above_a_test_file_is_an_error(tmp_path):
    path = write(tmp_path, a_test("无政策", "      - {subject: P1, decision: skill_allowance, value: 100}\n"))
    code, _, err = cli("test", path)
    assert code == 2 and "找不到政策" in err


def test_the_real_policy_tests_all_pass_by_folder_and_by_file():
    code, out, _ = cli("test", POLICY_DIR / "tests", "--format", "json")
    assert code == 0 and json.loads(out)["failed"] == 0
