"""No name or ID number in clear in what a command says back: a person written as one line of
text quoted in its error, CSV rows swallowed by an open quote, `appeal --subject` and `letter --subject` echoing
an ID number or a name, `replay` showing an ID number found in a log line. Each is checked on stdout, stderr and
the JSON, masked by default and shown with --unmask."""
from __future__ import annotations

import csv
import json
from pathlib import Path

import openpyxl
import pytest

from conftest import cli, person, write_case

ID = "321302199001011008"           # made up, as the fixtures' (its check digit is wrong)
OTHER_ID = "321302198805052345"
NAME = "吴某某"
BIRTH = ID[6:14]                    # what masking hides: the birth date


@pytest.fixture(autouse=True)
def wide(monkeypatch):
    monkeypatch.setenv("COLUMNS", "400")


def case(*people, case_id="C1") -> dict:
    return {"id": case_id, "as_of": "2025-12-31", "assessment_year": 2025, "people": list(people),
            "centers": [], "items": []}


def assert_hidden(text: str, *secrets: str) -> None:
    assert [s for s in secrets if s in text] == [], text[-2000:]


@pytest.fixture(scope="module")
def one_line(tmp_path_factory) -> Path:
    """A case whose second person is written as one line of text: id, name and ID number."""
    return write_case({"cases": [case(person("P1", name="王小明", id_number=OTHER_ID), f"P10 {NAME} {ID}")]},
                      tmp_path_factory.mktemp("one-line"))


@pytest.mark.parametrize("fmt", ["table", "json"])
def test_a_person_written_as_one_line_is_masked_in_its_error(one_line, fmt):
    code, out, err = cli("evaluate", one_line, "--format", fmt)
    assert code == 1
    assert "P10" in out + err and "吴*" in out + err           # the error is still there, and says what it found
    assert_hidden(out + err, NAME, ID, BIRTH)
    code, out, err = cli("evaluate", one_line, "--format", fmt, "--unmask")
    assert NAME in out + err and ID in out + err


def test_a_person_written_as_one_line_is_masked_in_the_workbook(one_line, tmp_path):
    report = tmp_path / "out.xlsx"
    code, _, err = cli("evaluate", one_line, "--format", "xlsx", "--out", report)
    assert code == 1, err
    book = openpyxl.load_workbook(report)
    cells = " ".join(str(c.value) for sheet in book for row in sheet.iter_rows() for c in row if c.value is not None)
    assert "吴*" in cells
    assert_hidden(cells, NAME, ID, BIRTH)


def test_a_person_written_as_one_line_is_masked_by_letter_and_appeal(one_line):
    code, out, err = cli("letter", one_line, "--subject", "P1", "--out", one_line.with_suffix(".md"))
    assert code == 1 and "吴*" in err
    assert_hidden(out + err, NAME, ID, BIRTH)
    code, out, err = cli("appeal", one_line, "--subject", "P1", "--decision", "annual_grade", "--want", "优秀")
    assert code == 1 and "吴*" in err
    assert_hidden(out + err, NAME, ID, BIRTH)
    code, out, err = cli("appeal", one_line, "--subject", "P1", "--decision", "annual_grade", "--want", "优秀", "--unmask")
    assert NAME in err and ID in err


def test_rows_swallowed_by_an_open_quote_are_masked(tmp_path):
    people = [person(f"P{i}", name=name, id_number=f"3213021990010{i}100{i}")
              for i, name in enumerate(["赵一一", "钱二二", "孙三三", "李四四"], 1)]
    source = write_case({"cases": [case(*people)]}, tmp_path)
    roster = tmp_path / "roster.csv"
    code, _, err = cli("convert", source, roster)
    assert code == 0, err
    rows = list(csv.reader(roster.open(encoding="utf-8-sig")))
    text = roster.read_text(encoding="utf-8-sig").split("\n")
    column = rows[0].index("学历")
    cells = rows[2]                                    # P2: a quote opened in 学历 and never closed
    cells[column] = '"' + cells[column]
    text[2] = ",".join(cells)
    roster.write_text("\n".join(text), encoding="utf-8")
    secrets = [p["name"] for p in people[1:]] + [p["id_number"] for p in people] + [p["id_number"][6:14] for p in people]
    for fmt in ("table", "json"):
        code, out, err = cli("evaluate", roster, "--format", fmt)
        assert code in (0, 1, 2), err
        assert_hidden(out + err, *secrets)


@pytest.fixture(scope="module")
def id_person(tmp_path_factory) -> Path:
    """A case whose person's id is an ID number."""
    return write_case({"cases": [case(person(ID, name=NAME, id_number=ID))]}, tmp_path_factory.mktemp("id-person"))


@pytest.mark.parametrize("subject", [OTHER_ID, "王小明"])
def test_appeal_does_not_echo_an_unknown_subject(id_person, subject):
    args = ("appeal", id_person, "--subject", subject, "--decision", "annual_grade", "--want", "优秀")
    code, out, err = cli(*args)
    assert code == 2 and "未找到" in err
    assert_hidden(out + err, subject, ID, BIRTH, OTHER_ID[6:14], "小明")
    code, out, err = cli(*args, "--unmask")
    assert code == 2 and subject in err


@pytest.mark.parametrize("fmt", ["table", "json"])
def test_appeal_masks_a_subject_that_is_an_id_number(id_person, fmt):
    args = ("appeal", id_person, "--subject", ID, "--decision", "annual_grade", "--want", "优秀", "--format", fmt)
    code, out, err = cli(*args)
    assert code == 0, err
    assert "321302********1008" in out
    assert_hidden(out + err, ID, BIRTH, NAME)
    code, out, err = cli(*args, "--unmask")
    assert code == 0 and ID in out and NAME in out


@pytest.mark.parametrize("subject", [OTHER_ID, "王小明"])
def test_letter_does_not_echo_an_unknown_subject(id_person, tmp_path, subject):
    args = ("letter", id_person, "--subject", subject, "--out", tmp_path / "letter.md")
    code, out, err = cli(*args)
    assert code == 2 and "没有编号为" in err
    assert_hidden(out + err, subject, ID, BIRTH, OTHER_ID[6:14], "小明")
    code, out, err = cli(*args, "--unmask")
    assert code == 2 and subject in err


@pytest.mark.parametrize("subject", [OTHER_ID, "王小明"])
def test_evaluate_does_not_echo_an_unknown_subject(id_person, subject):
    code, out, err = cli("evaluate", id_person, "--subject", subject)
    assert code == 2 and "没有编号为" in err
    assert_hidden(out + err, subject, ID, BIRTH, OTHER_ID[6:14], "小明")
    code, out, err = cli("evaluate", id_person, "--subject", subject, "--unmask")
    assert code == 2 and subject in err


def test_replay_masks_an_id_number_found_in_a_log_line(id_person, tmp_path):
    log = tmp_path / "log.jsonl"
    code, _, err = cli("evaluate", id_person, "--log", log)
    assert code == 0, err
    records = [json.loads(line) for line in log.read_text(encoding="utf-8").splitlines()]
    assert_hidden(log.read_text(encoding="utf-8"), ID, NAME)
    # a log line holding an ID number in clear (an old or hand-edited log): as case, subject and value
    records[0].update(case=OTHER_ID, subject=ID, value=f"{ID} 核对")
    log.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in records), encoding="utf-8")
    for fmt in ("table", "json"):
        code, out, err = cli("replay", log, "--cases", id_person, "--format", fmt)
        assert code == 1, err
        assert "321302********1008" in out
        assert_hidden(out + err, ID, OTHER_ID, BIRTH)
        code, out, err = cli("replay", log, "--cases", id_person, "--format", fmt, "--unmask")
        assert ID in out and OTHER_ID in out
