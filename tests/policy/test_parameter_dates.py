"""Parameters that are dates, that end (`until:`), and that cite a source without a 文号 — in a copy of the
policy with a hypothetical measure (一次性岗位补贴: 于截止日前上岗者发放; the measure ends on a date; its amount
set by a 政府工作报告), YAML only; the shipped policy is never edited.

A date parameter decides a rule both ways as its date moves in the YAML; after its `until:` the amount reads
as no value, so the rule written for the lapse decides, and every explanation says from when; a bad `until`
or `reference` is refused at its line; a titled source is cited as 国务院《…》（2025年3月5日）."""
from __future__ import annotations

import json
import re

import pytest

from engine.explain.whynot import WhyNot
from engine.explain.why import Why
from engine.casefiles.cases import load_cases
from engine.pipeline.evaluate import Evaluator
from engine.tools.validate import load_or_raise, problems_of

from conftest import cli, edit, line_of, write_case
from dated_measure import CITED, REPORT, amended_copy, case


@pytest.fixture
def amended(tmp_path):
    return amended_copy(tmp_path / "policy")


def run(policy_root, case_dict: dict, tmp_path):
    policy = load_or_raise(policy_root)
    case_file = load_cases(write_case(case_dict, tmp_path), policy)
    assert not case_file.errors, case_file.errors
    result = Evaluator(policy).evaluate(case_file.cases[0])
    return policy, result


def subsidy(result) -> dict:
    return {d.subject: d.value for d in result.determinations if d.decision == "hiring_subsidy"}


# --- a date as a value ---------------------------------------------------------------------------------------

def test_a_date_parameter_decides_the_rule_and_moving_the_date_turns_it(amended, tmp_path):
    people = {"EARLY": "2019-05-01", "EDGE": "2025-06-30", "LATE": "2025-07-01"}
    _, result = run(amended, case("2025-09-30", **people), tmp_path)
    assert subsidy(result) == {"EARLY": True, "EDGE": True, "LATE": False}    # on the day itself: still in time
    edit(amended, "parameters/subsidy.yaml", "{value: 2025-06-30,", "{value: 2019-04-30,")
    _, result = run(amended, case("2025-09-30", **people), tmp_path)
    assert subsidy(result) == {"EARLY": False, "EDGE": False, "LATE": False}
    edit(amended, "parameters/subsidy.yaml", "{value: 2019-04-30,", "{value: 2025-07-01,")
    _, result = run(amended, case("2025-09-30", **people), tmp_path)
    assert subsidy(result) == {"EARLY": True, "EDGE": True, "LATE": True}


def test_a_date_parameter_is_shown_as_a_date_in_chinese(amended, tmp_path):
    policy, result = run(amended, case("2025-09-30", LATE="2025-07-01"), tmp_path)
    assert policy.parameters["subsidy_hired_by"].values[0].value.isoformat() == "2025-06-30"
    why = Why.of(policy, result).why("LATE", "hiring_subsidy")
    assert why["rule"] == "subsidy.hired_late"
    assert "上岗日期 ＞ 2025年6月30日" in why["sentence"], why["sentence"]
    entry = why["parameters"]["subsidy_hired_by"]
    assert entry["value"] == "2025-06-30" and entry["type"] == "date"     # JSON keeps the date as YYYY-MM-DD
    whynot = WhyNot.of(policy, result).why_not("LATE", "hiring_subsidy", True)
    assert "上岗日期 ≤ 2025年6月30日（实际 2025-07-01）" in whynot["summary"], whynot["summary"]
    code, out, _ = cli("evaluate", write_case(case("2025-09-30", LATE="2025-07-01"), tmp_path), "--policy", amended,
                       "--subject", "LATE", "--explain", "--jobs", "1")
    assert "一次性岗位补贴的上岗截止日 = 2025年6月30日" in re.sub(r"\s+", "", out).replace("=", " = "), out


def test_validate_knows_a_date_parameter_is_a_date(amended):
    """Compared with a number it is refused, at its place, in words saying it is a date."""
    path = edit(amended, "rules/subsidy.yaml", "when: hired_on > param.subsidy_hired_by and",
                "when: assessment_year > param.subsidy_hired_by and")
    policy, problems = problems_of(amended)
    errors = [p for p in problems if p.severity == "error"]
    assert len(errors) == 1, errors
    assert errors[0].location.line == line_of(path, "assessment_year > param.subsidy_hired_by")
    assert "参数“一次性岗位补贴的上岗截止日”（param.subsidy_hired_by）是日期" in errors[0].message


def test_type_date_refuses_a_value_that_is_no_date_at_its_line(amended):
    path = edit(amended, "parameters/subsidy.yaml", "{value: 2025-06-30,", "{value: 20250630,")
    _, problems = problems_of(amended)
    errors = [p for p in problems if p.severity == "error"]
    assert [(p.location.line, "type: date" in p.message) for p in errors] == [(line_of(path, "20250630"), True)]


# --- a value that ends ------------------------------------------------------------------------------------

def test_after_its_until_the_measure_has_lapsed_and_the_rule_for_the_lapse_decides(amended, tmp_path):
    _, before = run(amended, case("2025-12-31", EARLY="2019-05-01"), tmp_path)
    _, after = run(amended, case("2026-01-01", EARLY="2019-05-01"), tmp_path)
    assert subsidy(before) == {"EARLY": True}
    assert subsidy(after) == {"EARLY": False}
    (d,) = [d for d in after.determinations if d.decision == "hiring_subsidy"]
    assert [f.rule.id for f in d.firings] == ["subsidy.lapsed"]
    # without the until the measure goes on: the lapse is what changed the decision
    edit(amended, "parameters/subsidy.yaml", "      until: 2025-12-31\n", "")
    _, kept = run(amended, case("2026-01-01", EARLY="2019-05-01"), tmp_path)
    assert subsidy(kept) == {"EARLY": True}


def test_until_on_the_parameter_ends_it_too(amended, tmp_path):
    edit(amended, "parameters/subsidy.yaml", "      until: 2025-12-31\n", "")
    edit(amended, "parameters/subsidy.yaml", "  unit: 元\n", "  unit: 元\n  until: 2025-10-31\n")
    _, result = run(amended, case("2025-11-01", EARLY="2019-05-01"), tmp_path)
    assert subsidy(result) == {"EARLY": False}
    _, result = run(amended, case("2025-10-31", EARLY="2019-05-01"), tmp_path)
    assert subsidy(result) == {"EARLY": True}


def test_until_on_the_parameter_before_its_last_value_starts_is_refused_at_its_line(amended):
    edit(amended, "parameters/subsidy.yaml", "      until: 2025-12-31\n",
         "    2025-07-01: {value: 600, clause: 四(四), reference: 某政办发〔2025〕1号}\n")
    path = edit(amended, "parameters/subsidy.yaml", "  unit: 元\n", "  unit: 元\n  until: 2025-06-30\n")
    _, problems = problems_of(amended)
    errors = [p for p in problems if p.severity == "error"]
    assert [(p.location.line, p.path) for p in errors] == [(line_of(path, "until: 2025-06-30"), "subsidy_amount.until")]
    assert "早于其最后一个取值的起始日 2025-07-01" in errors[0].message


def test_every_explanation_says_from_when_the_measure_lapsed(amended, tmp_path):
    policy, result = run(amended, case("2026-03-01", EARLY="2019-05-01"), tmp_path)
    lapsed = "一次性岗位补贴金额已于2025年12月31日失效"
    why = Why.of(policy, result).why("EARLY", "hiring_subsidy")
    assert why["rule"] == "subsidy.lapsed" and why["sentence"] == lapsed
    entry = why["parameters"]["subsidy_amount"]
    assert entry["value"] is None and entry["lapsed"] is True and entry["until"] == "2025-12-31"
    assert entry["since"] == "2026-01-01" and entry["note"] == lapsed
    whynot = WhyNot.of(policy, result).why_not("EARLY", "hiring_subsidy", True)
    assert lapsed in whynot["summary"], whynot["summary"]
    path = write_case(case("2026-03-01", EARLY="2019-05-01"), tmp_path)
    _, out, _ = cli("evaluate", path, "--policy", amended, "--subject", "EARLY", "--explain", "--jobs", "1")
    assert lapsed in re.sub(r"\s+", "", out), out
    _, out, _ = cli("evaluate", path, "--policy", amended, "--format", "json", "--jobs", "1")
    brief = json.loads(out)
    (d,) = [d for d in brief["cases"][0]["determinations"] if d["decision"] == "hiring_subsidy"]
    assert d["explanation"]["sentence"] == lapsed
    (key,) = d["explanation"]["parameters"]
    assert brief["references"]["parameters"][key]["note"] == lapsed
    letter = tmp_path / "letter.md"
    cli("letter", path, "--policy", amended, "--subject", "EARLY", "--out", letter)
    assert lapsed in letter.read_text(encoding="utf-8")


def test_validate_takes_the_lapse_rules_without_a_warning(amended):
    """Each rule holds only before the lapse or only after it: no 'never applies' for either."""
    _, problems = problems_of(amended)
    assert not [p for p in problems if p.path.startswith("subsidy.")], problems


def test_a_rule_reading_the_lapsed_parameter_in_no_period_is_still_warned(amended):
    edit(amended, "rules/subsidy.yaml", "when: param.subsidy_amount == null\n",
         "when: param.subsidy_amount == null and param.subsidy_amount != null\n")
    _, problems = problems_of(amended)
    warned = [p for p in problems if p.path == "subsidy.lapsed"]
    assert len(warned) == 1 and warned[0].severity == "warning" and "任何日期都不会适用" in warned[0].message


@pytest.mark.parametrize("until, why", [("2024-12-01", "早于其起始日"), ("2026-01-01", "不早于下一个取值的起始日")])
def test_a_bad_until_is_refused_at_its_line(amended, until, why):
    edit(amended, "parameters/subsidy.yaml", "      until: 2025-12-31\n",
         f"      until: {until}\n    2026-01-01: {{value: 300, clause: 四(四), reference: 某政办发〔2025〕1号}}\n")
    _, problems = problems_of(amended)
    errors = [p for p in problems if p.severity == "error"]
    assert len(errors) == 1, errors
    path = amended / "parameters" / "subsidy.yaml"
    assert (errors[0].location.file, errors[0].location.line) == (str(path), line_of(path, f"until: {until}"))
    assert why in errors[0].message and "until" in errors[0].message


# --- a source without a 文号 -------------------------------------------------------------------------------

def test_a_titled_source_is_cited_by_issuer_title_and_date(amended, tmp_path):
    edit(amended, "parameters/subsidy.yaml", "      value: 500\n", f"      value: 800\n      reference: {REPORT}\n")
    policy, result = run(amended, case("2025-09-30", EARLY="2019-05-01"), tmp_path)
    why = Why.of(policy, result).why("EARLY", "hiring_subsidy")
    assert why["parameters"]["subsidy_amount"]["reference"] == CITED
    assert why["amended_by"] == [CITED]
    path = write_case(case("2025-09-30", EARLY="2019-05-01"), tmp_path)
    _, out, _ = cli("evaluate", path, "--policy", amended, "--subject", "EARLY", "--explain", "--jobs", "1")
    assert f"依据{CITED}" in re.sub(r"\s+", "", out), out
    letter = tmp_path / "letter.md"
    cli("letter", path, "--policy", amended, "--subject", "EARLY", "--out", letter)
    assert f"依据{CITED}" in letter.read_text(encoding="utf-8")


@pytest.mark.parametrize("reference, said", [
    ("国务院2025年政府工作报告", "写明文号的文件"),                                   # no 文号, and no mapping
    ("{issuer: 国务院, titel: 2025年政府工作报告, date: 2025-03-05}", "{issuer: 发文机关, title: 标题"),
    ("{issuer: 国务院, title: 2025年政府工作报告}", "缺少必填的键 “date”"),
    ("{issuer: 国务院, title: 2025年政府工作报告, date: 2025-02-30}", "应为真实存在的日期"),
])
def test_a_reference_in_neither_form_is_refused_at_its_line(amended, reference, said):
    path = edit(amended, "parameters/subsidy.yaml", "      value: 500\n", f"      value: 500\n      reference: {reference}\n")
    _, problems = problems_of(amended)
    errors = [p for p in problems if p.severity == "error"]
    assert len(errors) == 1, errors
    assert (errors[0].location.file, errors[0].location.line) == (str(path), line_of(path, "reference:"))
    assert said in errors[0].message and errors[0].path.startswith("subsidy_amount.values.2024-12-27.reference")


def test_the_shipped_policy_has_none_of_it(policy):
    assert "hiring_subsidy" not in policy.decisions and "subsidy_amount" not in policy.parameters
