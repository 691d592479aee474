"""run.py end to end, as a subprocess: the contract's JSON, masking, why-not, validate, test,
help texts, bad case files and bad usage, with their exit statuses."""
from __future__ import annotations

import json
import os
import re
import subprocess
import sys

import pytest

from engine.common import yamlio
from engine.common import locations

from conftest import ROOT

pytestmark = pytest.mark.slow   # every test here runs run.py in a subprocess

ROSTER = "fixtures/roster_2025.yaml"
SOURCE = (ROOT / "policies" / "suchen_2024" / "source.txt").read_text(encoding="utf-8")
# wide, so that rich never folds a name or a file:line:col across lines
ENV = dict(os.environ, COLUMNS="400", PYTHONIOENCODING="utf-8")


def run(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "run.py", *map(str, args)], cwd=ROOT, env=ENV,
                          capture_output=True, text=True, encoding="utf-8", timeout=300)


def _roster_people() -> list[dict]:
    tree = locations.plain(yamlio.load(ROOT / ROSTER))
    return [p for case in tree["cases"] for p in case.get("people", [])]


PEOPLE = _roster_people()
NAMES = [p["name"] for p in PEOPLE if p.get("name")]
ID_NUMBERS = [p["id_number"] for p in PEOPLE if p.get("id_number")]


@pytest.fixture(scope="module")
def roster_json():
    done = run("evaluate", ROSTER, "--format", "json", "--explain", "full")
    assert done.returncode == 0, done.stderr
    return done, json.loads(done.stdout)


@pytest.fixture(scope="module")
def roster_json_unmasked():
    done = run("evaluate", ROSTER, "--format", "json", "--unmask")
    assert done.returncode == 0, done.stderr
    return done, json.loads(done.stdout)


@pytest.fixture(scope="module")
def roster_table():
    done = run("evaluate", ROSTER)
    assert done.returncode == 0, done.stderr
    return done


@pytest.fixture(scope="module")
def roster_table_unmasked():
    done = run("evaluate", ROSTER, "--unmask")
    assert done.returncode == 0, done.stderr
    return done


def explanations(node: dict):
    """The explanation and every nested `because`, depth first."""
    yield node
    for child in node.get("because") or []:
        yield from explanations(child)


# --- evaluate --format json ----------------------------------------------------------------

def test_roster_fixture_has_names_and_id_numbers():
    assert len(NAMES) >= 40 and len(ID_NUMBERS) >= 40
    assert all(re.fullmatch(r"\d{17}[\dX]", n) for n in ID_NUMBERS)


def test_json_has_the_contract_shape(roster_json, policy):
    _, doc = roster_json
    assert doc["policy"]["id"] == "suchen_2024"
    assert doc["policy"]["version"] == policy.version
    assert doc["policy"]["digest"] == policy.digest
    assert re.fullmatch(r"sha256:[0-9a-f]{64}", doc["policy"]["digest"])
    assert [c["id"] for c in doc["cases"]] == ["SC-2025-ANNUAL", "SC-2025-H1-XL"]
    assert [c["as_of"] for c in doc["cases"]] == ["2025-12-31", "2025-06-30"]
    for case in doc["cases"]:
        assert case["errors"] == []
        assert isinstance(case["determinations"], list) and case["determinations"]
        for d in case["determinations"]:
            assert {"subject", "decision", "value", "explanation"} <= set(d), d
            assert d["decision"] in policy.output_decisions()
            for node in explanations(d["explanation"]):
                assert {"rule", "clause", "text", "because"} <= set(node), (d["subject"], d["decision"], sorted(node))
                assert isinstance(node["because"], list)
            decision = policy.decisions.get(d["decision"])
            if decision is not None and decision.hit != "collect" and d["explanation"]["rule"] in policy.rules:
                # one rule decided it: the facts it used are listed with their values
                # (collect and 待定 explanations: see test_every_explanation_lists_its_facts)
                assert isinstance(d["explanation"]["facts"], dict), (d["subject"], d["decision"])
    p11 = next(d for d in doc["cases"][0]["determinations"] if (d["subject"], d["decision"]) == ("P11", "annual_grade"))
    assert p11["value"] == "称职"
    assert p11["explanation"]["rule"] == "annual.competent" and p11["explanation"]["clause"] == "二(二)8(2)"
    assert p11["explanation"]["facts"]["good_months"]["value"] == 4
    subjects = {d["subject"] for c in doc["cases"] for d in c["determinations"]}
    assert {"P01", "P44", "XL04", "CTR-QU", "CTR-XL", "I01", "I24"} <= subjects


def test_json_determination_count_matches_the_table_summary(roster_json, roster_table):
    _, doc = roster_json
    total = sum(len(c["determinations"]) for c in doc["cases"])
    assert f"判定 {len(doc['cases'])} 个案例，共 {total} 项判定；出错 0 处" in roster_table.stdout


def test_every_explanation_lists_its_facts(roster_json):
    _, doc = roster_json
    missing = sorted({(d["decision"]) for c in doc["cases"] for d in c["determinations"]
                      if "facts" not in d["explanation"]})
    assert missing == []


def test_every_explanation_text_is_verbatim_in_the_source(roster_json):
    _, doc = roster_json
    texts = 0
    for case in doc["cases"]:
        for d in case["determinations"]:
            for node in explanations(d["explanation"]):
                assert node["text"] in SOURCE, (d["subject"], d["decision"], node["rule"], node["text"])
                texts += 1
    assert texts > 400


def test_default_output_masks_names_and_id_numbers(roster_json, roster_table):
    done, _ = roster_json
    for output in (done.stdout + done.stderr, roster_table.stdout + roster_table.stderr):
        leaked = [n for n in NAMES if n in output] + [i for i in ID_NUMBERS if i in output]
        assert leaked == []
    # the masked forms are there instead (first character of the name)
    assert "王*" in roster_table.stdout


def test_unmask_shows_names_and_id_numbers(roster_json_unmasked, roster_table_unmasked):
    done, doc = roster_json_unmasked
    assert [n for n in NAMES if n not in done.stdout] == []
    assert [i for i in ID_NUMBERS if i not in done.stdout] == []
    assert doc["cases"][0]["people"]["P01"] == {"name": "王婷", "id_number": "321302199004121008"}
    assert [n for n in NAMES if n not in roster_table_unmasked.stdout] == []


# --- why not -----------------------------------------------------------------------------

def test_why_not_excellent_names_the_not_full_year_rule(policy):
    """By the rules' titles, as an officer reads them (their ids are the JSON's)."""
    done = run("evaluate", ROSTER, "--subject", "P11", "--why-not", "优秀", "--decision", "annual_grade")
    assert done.returncode == 0, done.stderr
    flat = done.stdout.replace("\n", "").replace("│", "").replace(" ", "")
    for rule in ("annual.not_full_year", "annual.excellent"):
        assert policy.rules[rule].title.replace(" ", "") in flat and rule not in done.stdout
    assert "称职" in done.stdout


def test_why_not_in_json():
    done = run("evaluate", ROSTER, "--format", "json", "--subject", "P11", "--why-not", "优秀",
               "--decision", "annual_grade")
    assert done.returncode == 0, done.stderr
    doc = json.loads(done.stdout)
    why = doc["cases"][0]["why_not"]
    assert len(why) == 1 and why[0]["subject"] == "P11"
    assert why[0]["actual"] == "称职" and why[0]["reached"] is False
    by = [o["rule"] for r in why[0]["rules"] for o in r.get("set_aside_by", [])]
    assert by == ["annual.not_full_year"]
    # --subject limits the determinations too
    assert {d["subject"] for c in doc["cases"] for d in c["determinations"]} == {"P11"}


# --- validate and test ----------------------------------------------------------------------

def test_validate_real_policy_exits_0():
    done = run("validate")
    assert done.returncode == 0, done.stdout + done.stderr
    assert "通过" in done.stdout


def test_validate_broken_copy_exits_1_with_file_and_line(tmp_policy):
    rules = tmp_policy / "rules" / "assessment.yaml"
    text = rules.read_text(encoding="utf-8")
    rules.write_text(text.replace("when: bad_months <= param.basic_max_bad", "when: bad_month <= param.basic_max_bad"),
                     encoding="utf-8")
    # at the name itself, in the `when:` of rule annual.basic, not at the rule's `- id:` line
    line, row = next((i + 1, row) for i, row in enumerate(text.splitlines()) if "when: bad_months <= param.basic_max_bad" in row)
    done = run("validate", tmp_policy)
    assert done.returncode == 1, done.stdout + done.stderr
    assert f"{rules}:{line}:{row.index('bad_months') + 1}:" in done.stdout
    assert "未知的名称“bad_month”" in done.stdout and "您是否想输入“bad_months”" in done.stdout


def test_validate_broken_copy_json(tmp_policy):
    path = tmp_policy / "rules" / "windows.yaml"
    path.write_text(path.read_text(encoding="utf-8").replace("    hit: unique\n", "    hit: unique: oops\n", 1),
                    encoding="utf-8")
    done = run("validate", tmp_policy, "--format", "json")
    assert done.returncode == 1
    doc = json.loads(done.stdout)
    assert doc["valid"] is False
    broken = next(i + 1 for i, line in enumerate(path.read_text(encoding="utf-8").splitlines()) if "hit: unique: oops" in line)
    assert [(p["file"], p["line"]) for p in doc["problems"]] == [(str(path), broken)]


def test_policy_tests_exit_0():
    done = run("test")
    assert done.returncode == 0, done.stdout + done.stderr
    assert re.search(r"\b\d+ 个通过，0 个失败", done.stdout), done.stdout


@pytest.mark.parametrize("command, options", [
    ("evaluate", ["CASEFILE", "--policy", "--format", "--subject", "--explain", "--why-not", "--decision",
                  "--no-explanations", "--unmask"]),
    ("validate", ["POLICY_DIR", "--format"]),
    ("test", ["POLICY_DIR", "TESTFILE", "-k", "--format"]),
])
def test_subcommand_help(command, options):
    done = run(command, "--help")
    assert done.returncode == 0, done.stderr
    assert [o for o in options if o not in done.stdout] == []


def test_top_level_help_lists_the_commands():
    done = run("--help")
    assert done.returncode == 0
    assert all(c in done.stdout for c in ("evaluate", "validate", "test"))


# --- bad input --------------------------------------------------------------------------------

BAD_AMONG_GOOD = """\
cases:
  - id: GOOD-1
    as_of: 2025-12-31
    people:
      - {id: G1, birth_date: 1990-01-01, education: 本科, hired_on: 2020-01-01,
         certificates: [{type: 政务服务办事员, level: 一级/高级技师, obtained_on: 2020-06-01}]}
  - id: BAD
    as_of: 2025-12-31
    people:
      - id: B1
        birth_date: 1990-01-01
        hired_on: 2025-13-01
  - id: GOOD-2
    as_of: 2025-12-31
    centers:
      - {id: C1, level: 镇, windows: 4, clerks: 4}
"""


def test_bad_case_among_good_exits_1_but_reports_the_good_ones(tmp_path):
    path = tmp_path / "mixed.yaml"
    path.write_text(BAD_AMONG_GOOD, encoding="utf-8")
    done = run("evaluate", path, "--format", "json")
    assert done.returncode == 1, done.stderr
    doc = json.loads(done.stdout)
    cases = {c["id"]: c for c in doc["cases"]}
    assert set(cases) == {"GOOD-1", "BAD", "GOOD-2"}
    good1 = {(d["subject"], d["decision"]): d["value"] for d in cases["GOOD-1"]["determinations"]}
    assert good1[("G1", "skill_allowance")] == 600
    good2 = {(d["subject"], d["decision"]): d["value"] for d in cases["GOOD-2"]["determinations"]}
    assert good2[("C1", "window_quota_compliant")] is True
    assert cases["GOOD-1"]["errors"] == [] and cases["GOOD-2"]["errors"] == []
    assert cases["BAD"]["determinations"] == []
    [error] = cases["BAD"]["errors"]
    line = BAD_AMONG_GOOD.splitlines().index("        hired_on: 2025-13-01") + 1
    assert (error["file"], error["case"], error["path"], error["line"]) == \
        (str(path), "BAD", "cases[1].people[0].hired_on", line)
    assert "2025-13-01" in error["message"]


def test_bad_case_among_good_in_the_table(tmp_path):
    path = tmp_path / "mixed.yaml"
    path.write_text(BAD_AMONG_GOOD, encoding="utf-8")
    done = run("evaluate", path)
    assert done.returncode == 1
    assert "GOOD-1" in done.stdout and "GOOD-2" in done.stdout
    line = BAD_AMONG_GOOD.splitlines().index("        hired_on: 2025-13-01") + 1
    assert f"第{line}行" in done.stderr and "上岗日期" in done.stderr      # the field by its label, at its line
    assert "cases[1].people[0].hired_on" not in done.stderr


def test_unknown_decision_exits_2():
    done = run("evaluate", ROSTER, "--why-not", "优秀", "--decision", "annual_grades")
    assert done.returncode == 2
    assert "没有名为“annual_grades”的决定" in done.stderr and "您是否想输入“annual_grade”？" in done.stderr
    assert done.stdout == ""


def test_decision_by_chinese_label_and_booleans_as_shi_fou():
    done = run("evaluate", ROSTER, "--format", "json", "--subject", "P10", "--why-not", "否",
               "--decision", "建议换岗任用")
    assert done.returncode == 0, done.stderr
    why, = json.loads(done.stdout)["cases"][0]["why_not"]
    assert why["decision"] == "reassignment_recommended" and why["value"] is False
    assert why["actual"] is True and why["reached"] is False
    assert "取证情况不为“逾期未取证”（实际 逾期未取证）" in why["summary"]


def test_unknown_subject_exits_2_with_a_suggestion():
    done = run("evaluate", ROSTER, "--subject", "P111", "--why-not", "优秀", "--decision", "annual_grade")
    assert done.returncode == 2 and done.stdout == ""
    assert "没有编号为“P111”的对象" in done.stderr and "P11" in done.stderr


def test_a_subject_of_another_kind_exits_2():
    done = run("evaluate", ROSTER, "--subject", "CTR-QU", "--why-not", "优秀", "--decision", "annual_grade")
    assert done.returncode == 2
    assert "“CTR-QU”是政务（便民）服务中心，而“年度考核等次”判定的是办事员" in done.stderr


def test_a_value_the_decision_cannot_take_exits_2():
    done = run("evaluate", ROSTER, "--subject", "P11", "--why-not", "优异", "--decision", "annual_grade")
    assert done.returncode == 2
    assert "“优异”不是“年度考核等次”可能的取值" in done.stderr and "优秀" in done.stderr


def test_why_not_for_a_subject_without_that_determination_still_answers():
    done = run("evaluate", ROSTER, "--format", "json", "--subject", "P36", "--why-not", "100",
               "--decision", "skill_allowance")
    assert done.returncode == 0, done.stderr
    why, = json.loads(done.stdout)["cases"][0]["why_not"]
    assert why["actual"] is None and why["reached"] is False
    assert "上岗日期已提供（实际 未提供）" in why["summary"]


def test_why_not_without_decision_exits_2():
    done = run("evaluate", ROSTER, "--why-not", "优秀")
    assert done.returncode == 2


def test_missing_case_file_exits_2(tmp_path):
    done = run("evaluate", tmp_path / "nothing.yaml")
    assert done.returncode == 2
    assert "nothing.yaml" in done.stderr


# --- a bad id_number is never printed in full ----------------------------------------------------

_BAD_ID_CASE = """\
as_of: 2025-12-31
people:
  - id: P1
    name: 测试人
    id_number: "{id_number}"
    birth_date: 1990-01-01
"""


@pytest.mark.parametrize("id_number", [
    "3213021990010112345",   # 19 digits
    pytest.param("32130219900101123"),
    pytest.param("32130219900101123Y"),
])
@pytest.mark.parametrize("fmt", ["json", "table"])
def test_bad_id_number_is_not_printed_unmasked(tmp_path, id_number, fmt):
    path = tmp_path / "bad-id.yaml"
    path.write_text(_BAD_ID_CASE.format(id_number=id_number), encoding="utf-8")
    done = run("evaluate", path, "--format", fmt)
    assert done.returncode == 1
    output = done.stdout + done.stderr
    assert "id_number" in output           # the error is reported …
    assert id_number not in output         # … without the number in full
    assert "测试人" not in output


def test_appeal_names_the_decisions_it_knows_by_their_labels():
    done = run("appeal", ROSTER, "--subject", "P05", "--decision", "年度考核等级", "--want", "称职")
    assert done.returncode == 2
    assert "您是否想输入“年度考核等次”" in done.stderr and "年度考核等次（annual_grade）" in done.stderr, done.stderr


def test_appeal_takes_the_decision_by_its_chinese_label():
    done = run("appeal", ROSTER, "--subject", "P05", "--decision", "年度考核等次", "--want", "称职", "--format", "json")
    assert done.returncode == 0, done.stderr
    answer = json.loads(done.stdout)
    assert answer["decision"] == "annual_grade" and answer["actual"] == "基本称职"
    change, = answer["alternatives"][0]["changes"]
    assert (change["fact"], change["from"], change["to"]) == ("ratings.2025-04", "差", "一般")
