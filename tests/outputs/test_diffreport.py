"""engine/outputs/diffreport.py: the diff memo as an officer reads it — the terminal at 80 columns (a pipe's width),
the .md and the .xlsx — on the README's example (the policy against the hypothetical amendment, over
fixtures/corpus_500.yaml) and docs/diff.md's (1.0.0 from git against the policy, --only-changed). What each
check expects is read from the comparison's own data (the changes, the summary), never listed here."""
from __future__ import annotations

import datetime as dt
import io
import json
import os
import re
from contextlib import contextmanager

import pytest
from rich.cells import cell_len
from rich.console import Console

from engine.outputs import diffreport
from engine.tools import diff
from engine.tools.validate import load_or_raise
from conftest import POLICY_DIR, cli
from corpus_diffs import CORPUS, DEMO

# With test_diff_memo / test_diffreport, on one worker: the corpus compared under two policy versions (conftest's
# demo_diff and leap_diff, made once per process) is then made once in a run, not on both workers.
pytestmark = pytest.mark.xdist_group("corpus_diffs")

ASCII_WORD = re.compile(r"[A-Za-z_]{2,}")   # an id or a value name (mar_1, full_years, eligibility.over_age)


@pytest.fixture(scope="module")
def demo(demo_diff):
    return demo_diff.base, demo_diff.new, demo_diff.found, diff.summary(demo_diff)


@pytest.fixture(scope="module")
def leap(leap_diff):
    return leap_diff.base, leap_diff.new, leap_diff.found, diff.summary(leap_diff, only_changed=True)


def rendered(compared, width: int = 80) -> str:
    base, new, found, summary = compared
    console = Console(file=io.StringIO(), width=width, color_system=None, force_terminal=False)
    diffreport.render(console, base, new, found, summary)
    return console.file.getvalue()


def fits(text: str, width: int) -> None:
    too_wide = [line for line in text.splitlines() if cell_len(line.rstrip()) > width]
    assert not too_wide, too_wide[:3]


@contextmanager
def columns(n: int):
    """A pipe's console (rich reads COLUMNS) of n columns, as an officer piping the output gets."""
    was = os.environ.get("COLUMNS")
    os.environ["COLUMNS"] = str(n)
    try:
        yield
    finally:
        if was is None:
            del os.environ["COLUMNS"]
        else:
            os.environ["COLUMNS"] = was


def test_a_yes_no_decision_reads_newly_yes(leap):
    """docs/diff.md's example: the two people newly recommended for reassignment are said to be newly 是."""
    base, new, found, summary = leap
    text = rendered(leap)
    decision = new.policy.decisions["reassignment_recommended"]
    newly = sum(1 for c in found if c.decision == decision.name and c.old is False and c.new is True)
    gone = sum(1 for c in found if c.decision == decision.name and c.old is True and c.new is False)
    assert newly
    assert f"{decision.label}：新增为“是” {newly} 人，不再为“是” {gone} 人" in text
    assert not re.search(r"新增符合|不再符合", text)
    status = new.policy.decisions["certificate_status"]   # a decision with favourable values is said by them
    words = "/".join(status.favourable)
    lost = sum(1 for c in found if c.decision == status.name and c.old in status.favourable and c.new not in status.favourable)
    assert f"{status.label}：新增为“{words}” 0 人，不再为“{words}” {lost} 人" in text
    fits(text, 80)


def budget_lines(text: str) -> list[str]:
    start = text.index("预算：")
    return text[start:].splitlines()


@pytest.mark.parametrize("width", [80, 56, 50])
def test_the_budget_fits_with_every_center_and_total_whole(demo, width):
    """At 80 columns (a table without the annual before and after), 56 (fewer columns still) and 50 (no table fits:
    a line per center, wrapped between words), every center's id, its case's 判定日 and its change, and every total,
    appear whole; in a table, on the center's own line."""
    base, new, found, summary = demo
    text = rendered(demo, width)
    fits(text, width)
    lines = budget_lines(text)
    money = summary["allowance"]
    starts = []
    for row in money["by_group"].values():
        center = f"{row['case']}/{row['group']}"
        (at,) = [i for i, line in enumerate(lines) if re.search(rf"(^|\s){re.escape(center)}(\s|（|$)", line)]
        starts.append(at)
    assert starts == sorted(starts)
    table = "│" in lines[starts[0]]
    for row, at, end in zip(money["by_group"].values(), starts, starts[1:] + [starts[-1] + (1 if table else 2)]):
        block = " ".join(lines[at:end])
        assert row["as_of"] in block and f"{row['delta']:+,}" in block and f"{row['annual_delta']:+,}" in block, block
    total = money["total"]
    for key in ("before", "after", "annual_before", "annual_after"):
        assert any(f"{total[key]:,}" in line for line in lines), key
    for key in ("delta", "annual_delta"):
        assert any(f"{total[key]:+,}" in line for line in lines), key


def test_an_unchanged_budget_is_explained_by_the_date(demo):
    base, new, found, summary = demo
    text = rendered(demo)
    day = summary["effective"]["date"]
    early = {r["case"]: r["as_of"] for r in summary["allowance"]["by_group"].values() if r["as_of"] < day}
    assert early
    note = diffreport.budget_note(summary)
    assert day in note and all(f"{case}（判定日 {as_of}）" in note for case, as_of in early.items())
    assert re.sub(r"\s", "", note) in re.sub(r"\s", "", text)
    line = diffreport.effective_line(summary)
    for p in summary["effective"]["parameters"]:
        assert p["label"] in line and p["since"] in line and p["reference"] in line


def test_reasons_read_as_words(demo, leap):
    """Neither the terminal's reasons nor the memo's reason column hold an id (mar_1, full_years, a rule id)."""
    for compared in (demo, leap):
        base, new, found, summary = compared
        text = rendered(compared)
        reasons = text[text.index("两个版本的不同之处"):]
        lines = [line for line in reasons.splitlines() if not re.match(r"\S", line) or line.startswith("两个")]
        assert lines and not [line for line in lines if ASCII_WORD.search(line)]
        memo = diffreport.markdown(base, new, found, summary)
        rows = [line.split(" | ")[-1] for line in memo.splitlines() if line.startswith("| ") and line.count(" | ") == 5]
        assert len(rows) == len(found) + 1
        assert not [r for r in rows[1:] if ASCII_WORD.search(r)]


def test_the_leap_day_memo_names_each_value_by_its_words(leap):
    base, new, found, summary = leap
    labels = new.policy.parameters["leap_day_anniversary"].labels
    text = re.sub(r"\s", "", rendered(leap))
    assert f"{labels['mar_1']}→{labels['feb_28']}" in text
    assert "mar_1" not in text and "feb_28" not in text


def test_decision_narrows_summary_and_budget(tmp_path):
    """The README's `--decision 选聘资格`: only that decision, and no budget (it holds no money decision)."""
    with columns(80):
        code, out, err = cli("diff", POLICY_DIR, DEMO, "--cases", CORPUS, "--jobs", "1", "--decision", "选聘资格")
    assert code == 0, err
    fits(out, 80)
    money = [d.label for d in load_or_raise(DEMO).decisions.values() if d.money]
    assert "预算：" not in out and not [label for label in money if label in out]
    assert "选聘资格：新增为“合格/有条件合格”" in out
    code, out, err = cli("diff", POLICY_DIR, DEMO, "--cases", CORPUS, "--jobs", "1", "--decision", "选聘资格",
                         "--format", "json")
    summary = json.loads(out)["summary"]
    assert summary["allowance"] is None and set(summary["transitions"]) == {"eligibility"}


def test_the_workbook_has_widths_and_numbers(demo, tmp_path):
    from openpyxl import load_workbook
    base, new, found, summary = demo
    path = tmp_path / "比较.xlsx"
    diffreport.workbook(path, base, new, found, summary)
    wb = load_workbook(path)
    assert wb.sheetnames == ["汇总", "预算", "变化明细"]
    numeric = re.compile(r"[+-]?\d[\d,]*(\.\d+)?")
    for ws in wb.worksheets:
        used = {cell.column_letter for row in ws.iter_rows() for cell in row if cell.value is not None}
        widths = {k: v.width for k, v in ws.column_dimensions.items() if v.width}
        assert used <= set(widths), (ws.title, used - set(widths))
        texts = [cell for row in ws.iter_rows() for cell in row if isinstance(cell.value, str)]
        assert not [c.coordinate for c in texts if numeric.fullmatch(c.value)], ws.title   # no number stored as text
        for c in texts:   # a column is at least as wide as its header (a Chinese character two)
            if c.row == 1:
                assert widths[c.column_letter] >= cell_len(c.value), (ws.title, c.value)
    budget = wb["预算"]
    header = [c.value for c in budget[1]]
    rows = list(budget.iter_rows(min_row=2))
    money = summary["allowance"]
    assert len(rows) == len(money["by_group"]) + 1
    for row, (key, r) in zip(rows, list(money["by_group"].items())):
        cells = dict(zip(header, row))
        assert cells["月度·原"].value == r["before"] and cells["年度·增减"].value == r["annual_delta"]
        assert cells["月度·原"].number_format == "#,##0" and "#,##0" in cells["月度·增减"].number_format
        assert cells["判定日"].is_date and cells["判定日"].value.date() == dt.date.fromisoformat(r["as_of"])
    total = dict(zip(header, rows[-1]))
    assert total["年度·新"].value == money["total"]["annual_after"] and total["年度·新"].number_format == "#,##0"
    changes = wb["变化明细"]
    head = [c.value for c in changes[1]]
    money_names = {d.label for d in new.policy.decisions.values() if d.money}
    amounts = [dict(zip(head, row)) for row in changes.iter_rows(min_row=2) if row[head.index("判定")].value in money_names]
    assert amounts and all(isinstance(r["原"].value, (int, float)) and isinstance(r["新"].value, (int, float)) for r in amounts)
    assert all(r["原"].number_format == "#,##0" for r in amounts)


def test_the_readme_example_from_the_command_line(tmp_path):
    """`python run.py diff policies/suchen_2024 policies/examples/amendment_demo --cases fixtures/corpus_500.yaml`
    piped (80 columns): fits, no English, and the .md report beside it says the same."""
    report = tmp_path / "比较.md"
    with columns(80):
        code, out, err = cli("diff", POLICY_DIR, DEMO, "--cases", CORPUS, "--jobs", "1", "--report", report)
    assert code == 0, err
    fits(out, 80)
    memo = report.read_text(encoding="utf-8")
    for text in (out, memo):
        assert "判定日" in text and "改变的适用日期" in text and "新增为“" in text
        assert "新增符合" not in text
