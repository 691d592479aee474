"""The second real document, 财政部 税务总局公告2023年第6号 (policies/xiaowei_2023), of another shape than
suchen_2024 — enterprises with quarterly reports, and 个体工商户 — through every command, with the engine unchanged
for it: validate, test, coverage, analyze, evaluate (YAML, and a workbook made by template/convert), letter, diff
against a marked demonstration amendment, appeal, generate (cases from the declaration alone)."""
from __future__ import annotations

import json
import re

import pytest

from conftest import ROOT, cli

XW = ROOT / "policies" / "xiaowei_2023"
DEMO = ROOT / "policies" / "examples" / "xiaowei_amendment_demo"
CASES = ROOT / "fixtures" / "xiaowei_2023.yaml"
ENGLISH = re.compile(r"[A-Za-z]{4,}")


@pytest.fixture(scope="module")
def answers() -> dict:
    code, out, err = cli("evaluate", CASES, "--policy", XW, "--format", "json", "--jobs", "1")
    assert code == 0, err
    doc = json.loads(out)
    assert doc["account"]["balanced"]
    return {(c["id"], d["subject"], d["decision"]): d["value"] for c in doc["cases"] for d in c["determinations"]}


@pytest.mark.parametrize("folder", [XW, DEMO])
def test_it_validates(folder):
    code, out, err = cli("validate", folder)
    assert code == 0 and "\n通过 " in "\n" + out and "错误" not in out, out + err


def test_its_officer_tests_pass_and_cover_every_clause():
    code, out, err = cli("test", XW)
    assert code == 0 and "0 个失败" in out, out + err
    code, out, err = cli("coverage", XW, "--fail-under", "100")
    assert code == 0 and "编码率 100.0%" in out, out + err
    code, out, err = cli("analyze", XW)
    assert code == 0 and "空缺 0 处，冲突 0 处" in out, out + err


def test_the_sample_is_decided_as_the_document_says(answers):
    year = "2023年度汇算"
    # E02: income exactly 300万元, headcount mean 293.75 although the last quarter ends at 320: 小型微利企业
    assert answers[(year, "E02", "small_low_profit")] is True and answers[(year, "E02", "relief_income")] == 25
    assert answers[(year, "E02", "relief_tax")] == 5
    # E03: 250 staff and 60 dispatched workers make 310: over 300
    assert answers[(year, "E03", "small_low_profit")] is False and answers[(year, "E03", "relief_income")] == 0
    # E05: opened mid-year, two quarters: (15 + 35) / 2 people, (100 + 230) / 2 万元
    assert answers[(year, "E05", "small_low_profit")] is True and answers[(year, "E05", "relief_tax")] == 3
    assert answers[(year, "B02", "halved_income")] == 100 and answers[(year, "B01", "halved_income")] == 12
    # the tax year 2025 is after the measure: nothing is relieved
    assert answers[("2025年度汇算", "E11", "relief_income")] == 0 and answers[("2025年度汇算", "B11", "halved_income")] == 0


def test_a_workbook_from_template_and_convert_decides_the_same(answers, tmp_path):
    template = tmp_path / "模板.xlsx"
    assert cli("template", template, "--policy", XW)[0] == 0 and template.is_file()
    book = tmp_path / "名册.xlsx"
    code, _, err = cli("convert", CASES, book, "--policy", XW)
    assert code == 0, err
    code, out, err = cli("evaluate", book, "--policy", XW, "--format", "json", "--jobs", "1")
    assert code == 0, err
    again = {(c["id"], d["subject"], d["decision"]): d["value"] for c in json.loads(out)["cases"]
             for d in c["determinations"]}
    assert again == answers


def test_the_letter_to_an_enterprise_is_chinese(tmp_path):
    out = tmp_path / "告知书.md"
    code, _, err = cli("letter", CASES, "--policy", XW, "--subject", "E02", "--out", out)
    assert code == 0, err
    text = out.read_text(encoding="utf-8")
    assert "乙制造有限公司：" in text and "该企业" in text and "小型微利企业：是" in text
    assert "60（待发文单位确认）日内" in text and "行政复议" in text   # notice.yaml, each value to be confirmed
    body = text.split("附注")[0]
    assert not [line for line in body.splitlines() if ENGLISH.search(line)], body


def test_diff_against_the_demonstration_amendment():
    code, out, err = cli("diff", XW, DEMO, "--cases", CASES, "--format", "json", "--jobs", "1")
    assert code == 0, err
    changes = {(c["subject"], c["decision"], c["old"], c["new"]) for c in json.loads(out)["changes"]}
    assert changes == {("E11", "relief_income", 0, 22.5), ("E11", "relief_tax", 0, 4.5), ("B11", "halved_income", 0, 15)}


def test_an_enterprise_appeals_with_its_own_quarterly_reports():
    """E04 is refused only for its industry: correcting that finding gives 是 — decided again with its quarterly
    reports (records naming it go with it); an enterprise's name is no person's and is shown whole."""
    code, out, err = cli("appeal", CASES, "--policy", XW, "--subject", "E04", "--decision", "small_low_profit",
                         "--want", "是", "--format", "json")
    assert code == 0, err
    doc = json.loads(out)
    assert doc["name"] == "丁建材有限公司"
    assert [[(c["fact"], c["from"], c["to"]) for c in a["changes"]] for a in doc["alternatives"]] == [
        [("restricted", True, False)]]


def test_generate_makes_cases_from_the_declaration(tmp_path):
    out = tmp_path / "g.yaml"
    code, _, err = cli("generate", "--people", "10", "--seed", "1", "--out", out, "--policy", XW)
    assert code == 0, err
    code, doc, err = cli("evaluate", out, "--policy", XW, "--format", "json", "--jobs", "1")
    assert code in (0, 1) and json.loads(doc)["account"]["balanced"], err
