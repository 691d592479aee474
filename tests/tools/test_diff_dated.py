"""A diff of two versions of a measure whose deadline is a date parameter, moved later by a source without a 文号,
and whose amount lapses earlier (`until:`): the changed records, their reasons and the memo show the dates in
Chinese, say from when the amount lapsed, and cite the source by issuer, title and date; the JSON keeps the dates
as YYYY-MM-DD. Every expectation is read from the two versions' YAML edits, in copies of the policy."""
from __future__ import annotations

import json
import shutil

import pytest

from conftest import cli, edit, write_case
from dated_measure import CITED, REPORT, amended_copy, case


@pytest.fixture(scope="module")
def compared(tmp_path_factory):
    root = tmp_path_factory.mktemp("dated")
    old = amended_copy(root / "old")
    new = root / "new"
    shutil.copytree(old, new)
    edit(new, "parameters/subsidy.yaml", "    2024-12-27: {value: 2025-06-30, clause: 四(四)}\n",
         "    2024-12-27: {value: 2025-06-30, clause: 四(四)}\n"
         f"    2025-03-05: {{value: 2025-08-31, clause: 四(四), reference: {REPORT}}}\n")
    edit(new, "parameters/subsidy.yaml", "      until: 2025-12-31\n", "      until: 2025-10-31\n")
    cases = write_case({"cases": [case("2025-09-30", EARLY="2019-05-01", LATE="2025-07-01"),
                                  dict(case("2025-11-15", EARLY="2019-05-01"), id="SUB2")]}, root)
    code, out, err = cli("diff", old, new, "--cases", cases, "--format", "json", "--jobs", "1")
    assert code == 0, err
    memo = root / "memo.md"
    code, _, err = cli("diff", old, new, "--cases", cases, "--report", memo, "--jobs", "1")
    assert code == 0, err
    return json.loads(out), memo.read_text(encoding="utf-8")


def _changes(doc) -> dict:
    return {(c["case"], c["subject"]): c for c in doc["changes"] if c["decision"] == "hiring_subsidy"}


def test_the_later_deadline_and_the_earlier_lapse_change_exactly_these_records(compared):
    doc, _ = compared
    changes = _changes(doc)
    assert {k: (c["old"], c["new"]) for k, c in changes.items()} == {
        ("SUB", "LATE"): (False, True),        # hired 2025-07-01: after the old deadline, before the new one
        ("SUB2", "EARLY"): (True, False),      # judged 2025-11-15: the amount lapsed after 2025-10-31
    }


def test_the_date_reason_shows_the_dates_in_chinese_and_cites_the_titled_source(compared):
    doc, memo = compared
    (reason,) = [r for r in _changes(doc)[("SUB", "LATE")]["reasons"] if r.get("name") == "subsidy_hired_by"]
    assert reason["old"]["value"] == "2025-06-30" and reason["new"]["value"] == "2025-08-31"
    assert reason["new"]["type"] == "date" and reason["new"]["reference"] == CITED
    assert "2025年6月30日 → 2025年8月31日" in reason["text"] and f"依据{CITED}" in reason["text"]
    assert reason["text"] in memo
    assert f"自2025-03-05起（依据{CITED}）" in memo      # from when the change applies, by whose word


def test_the_lapse_reason_says_from_when(compared):
    doc, memo = compared
    (reason,) = [r for r in _changes(doc)[("SUB2", "EARLY")]["reasons"] if r.get("name") == "subsidy_amount"]
    assert reason["new"]["value"] is None and reason["new"]["lapsed"] is True
    assert reason["new"]["until"] == "2025-10-31" and reason["new"]["since"] == "2025-11-01"
    assert "已于2025年10月31日失效" in reason["text"] and "至2025年12月31日止" in reason["text"]
    assert reason["text"] in memo
    fired = [r for r in _changes(doc)[("SUB2", "EARLY")]["reasons"] if r["kind"] == "fired"]
    assert fired[0]["new"] == "subsidy.lapsed"
