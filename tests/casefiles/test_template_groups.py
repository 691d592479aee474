"""How many numbered column groups (证书1类别 … 证书N取得日期) the template offers is roster.yaml's `template_groups:`
on the repeat column; the older form `template: {<the repeat's list field>: N}` (file format 3 as first written, the
1.0.0 restatement 3bd7862) still reads, and a template key that is neither is refused at its line."""
from __future__ import annotations

import datetime as dt

import pytest
from openpyxl import load_workbook

from conftest import edit, line_of
from engine.casefiles import sheetwrite, spreadsheet
from engine.tools.validate import load_or_raise, problems_of

NEW = "        template_groups: 3   # 模板给出的证书列组数\n"
TEMPLATE = "template:\n  rows: 500            # 模板中设好格式和下拉框的行数\n"


def offered(policy, tmp_path) -> tuple[int, list[str]]:
    """The repeat's groups as the layout reads them, and the template's numbered headers of that repeat."""
    layout = spreadsheet.load_layout(policy)
    (repeat,) = layout.sheets[layout.kinds[0]].repeats
    path = tmp_path / "t.xlsx"
    sheetwrite.write_template(path, policy, dt.date(2025, 6, 1))
    sheet = load_workbook(path)[layout.sheets[layout.kinds[0]].name]
    headers = [c.value for c in sheet[1] if isinstance(c.value, str) and repeat.pattern.match(c.value)]
    return repeat.groups, headers


def test_the_shipped_roster_offers_three_groups(policy, tmp_path):
    groups, headers = offered(policy, tmp_path)
    assert groups == 3 and len(headers) == 9
    assert headers[-3:] == ["证书3类别", "证书3等级", "证书3取得日期"]


def test_the_groups_are_data_on_the_repeat_column(tmp_policy, tmp_path):
    edit(tmp_policy, "roster.yaml", NEW, NEW.replace("3", "5", 1))
    groups, headers = offered(load_or_raise(tmp_policy), tmp_path)
    assert groups == 5 and len(headers) == 15 and "证书5取得日期" in headers and "证书6类别" not in headers


def test_the_older_template_key_still_reads(tmp_policy, tmp_path):
    """The repeat's list field under `template:`, as git revisions of the policy write it."""
    edit(tmp_policy, "roster.yaml", NEW, "")
    edit(tmp_policy, "roster.yaml", TEMPLATE, TEMPLATE + "  certificates: 4      # 证书列组数\n")
    groups, headers = offered(load_or_raise(tmp_policy), tmp_path)
    assert groups == 4 and len(headers) == 12 and "证书4类别" in headers


def test_without_either_the_template_offers_three(tmp_policy, tmp_path):
    edit(tmp_policy, "roster.yaml", NEW, "")
    assert offered(load_or_raise(tmp_policy), tmp_path)[0] == 3


def errors(root) -> list:
    return [p for p in problems_of(root)[1] if p.severity == "error"]


def test_a_template_key_naming_no_repeat_is_refused_at_its_line(tmp_policy):
    edit(tmp_policy, "roster.yaml", TEMPLATE, TEMPLATE + "  certficates: 4\n")
    (problem,) = errors(tmp_policy)
    assert problem.location.file.endswith("roster.yaml")
    assert problem.location.line == line_of(tmp_policy / "roster.yaml", "certficates: 4")
    assert "“certficates”不是 template 的键" in problem.message and "您是否想输入“certificates”" in problem.message


@pytest.mark.parametrize("groups", ["0", "21", "three"])
def test_the_group_count_is_a_small_number(tmp_policy, groups):
    edit(tmp_policy, "roster.yaml", NEW, NEW.replace("3", groups, 1))
    assert [p.location.file.endswith("roster.yaml") for p in errors(tmp_policy)] == [True]
