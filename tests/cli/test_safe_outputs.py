"""What the commands write is safe to open and never replaces what they read.

Every command that writes a workbook or CSV file runs on a case file whose ids, names and other text begin with
each character that makes a spreadsheet program take a cell for a formula; every workbook written is read back
(cells and raw XML) and holds no formula, every CSV cell that begins with such a character carries a leading '.
Every way of naming an input as an output is refused with exit 2 in Chinese, the input's bytes unchanged."""
from __future__ import annotations

import csv
import io
import json
import os
import shutil
import zipfile
from pathlib import Path

import pytest

from conftest import POLICY_DIR, ROOT, cli, person
from engine.common.outfiles import FORMULA_START, formula_like

AMENDED = ROOT / "policies" / "examples" / "amendment_demo"
STAFF = {"direct": 2, "hrss": 1, "civil_affairs": 1}


def _hostile(with_blanks: bool = True) -> dict:
    """A case whose text begins with = + - @ (and, `with_blanks`, a tab and a carriage return, which no
    spreadsheet round trip keeps: the reader strips them); one record refused, so the errors sheet quotes text too."""
    starts = [c for c in FORMULA_START if with_blanks or c.strip()]
    people = [person(f"{c}P{n}", name=f"{c}cmd|' /C calc'!A0", center=f"{starts[0]}C1") for n, c in enumerate(starts)]
    people.append(person("=BAD", name="=HYPERLINK(\"http://x\")", education="=学历"))
    return {"id": "=SUM(1+1)", "as_of": "2025-12-31", "assessment_year": 2025, "people": people,
            "centers": [{"id": f"{starts[0]}C1", "name": "+86 便民中心", "level": "镇", "windows": 4, "staff": STAFF},
                        {"id": "@C2", "name": "-", "level": "镇", "windows": 4, "staff": STAFF}],
            "items": [{"id": "-I1", "name": "@事项", "department": "=部门", "center_level": "镇"}]}


def _write(path: Path, tree: dict) -> Path:
    path.write_text(json.dumps(tree, ensure_ascii=False, indent=1), encoding="utf-8")
    return path


def _formula_cells(path: Path) -> tuple[list[str], int]:
    """(what is wrong, how many formula-like texts were found) in a written workbook."""
    from openpyxl import load_workbook
    wrong, found = [], 0
    with zipfile.ZipFile(path) as z:   # the file as Excel reads it: a formula is an <f> element
        for name in z.namelist():
            if name.startswith("xl/worksheets/") and name.endswith(".xml"):
                data = z.read(name)
                if b"<f>" in data or b"<f " in data:
                    wrong.append(f"{path.name}:{name} holds a formula")
    wb = load_workbook(path)
    for ws in wb.worksheets:
        for row in ws.iter_rows():
            for c in row:
                if c.data_type == "f":
                    wrong.append(f"{path.name}!{ws.title}!{c.coordinate}: formula {c.value!r}")
                elif formula_like(c.value):
                    found += 1
                    if c.data_type != "s" or not c.quotePrefix:
                        wrong.append(f"{path.name}!{ws.title}!{c.coordinate}: {c.value!r} not quote-prefixed text")
    return wrong, found


def _csv_read(path: Path) -> str:
    with path.open(encoding="utf-8-sig", newline="") as f:   # a carriage return inside a cell stays one
        return f.read()


def _csv_cells(text: str, name: str) -> tuple[list[str], int]:
    """(cells that would open as a formula, how many cells carry the escaping ')."""
    wrong, escaped = [], 0
    for r, row in enumerate(csv.reader(io.StringIO(text, newline="")), 1):
        for c, cell in enumerate(row, 1):
            if formula_like(cell):
                wrong.append(f"{name}:{r}:{c}: {cell!r}")
            escaped += cell[:1] == "'" and formula_like(cell[1:])
    return wrong, escaped


@pytest.fixture(scope="module")
def written(tmp_path_factory):
    """Every command that writes a workbook or CSV file, run on the hostile case: {command: (code, stdout, stderr)}."""
    d = tmp_path_factory.mktemp("written")
    case = _write(d / "hostile.yaml", _hostile())
    plain = _write(d / "plain_starts.yaml", _hostile(with_blanks=False))
    runs = {
        "evaluate xlsx": cli("evaluate", case, "--format", "xlsx", "--out", d / "r.xlsx", "--jobs", "1"),
        "evaluate xlsx unmasked": cli("evaluate", case, "--format", "xlsx", "--out", d / "u.xlsx", "--unmask", "--jobs", "1"),
        "evaluate csv": cli("evaluate", case, "--format", "csv", "--out", d / "r.csv", "--jobs", "1"),
        "evaluate csv unmasked": cli("evaluate", case, "--format", "csv", "--out", d / "u.csv", "--unmask", "--jobs", "1"),
        "evaluate csv stdout": cli("evaluate", case, "--format", "csv", "--unmask", "--jobs", "1"),
        "diff xlsx": cli("diff", POLICY_DIR, AMENDED, "--cases", case, "--report", d / "d.xlsx", "--jobs", "1"),
        "diff xlsx unmasked": cli("diff", POLICY_DIR, AMENDED, "--cases", case, "--report", d / "du.xlsx", "--unmask",
                                  "--jobs", "1"),
        "convert xlsx": cli("convert", plain, d / "c.xlsx"),
        "convert csv": cli("convert", plain, d / "c.csv"),
        "template xlsx": cli("template", d / "t.xlsx"),
        "template csv": cli("template", d / "t.csv"),
    }
    runs["evaluate converted"] = cli("evaluate", d / "c.xlsx", "--format", "xlsx", "--out", d / "rc.xlsx", "--jobs", "1")
    runs["convert back"] = cli("convert", d / "c.xlsx", d / "back.json")
    return d, runs


def test_every_command_ran(written):
    _, runs = written
    for name, (code, _, err) in runs.items():
        assert "Traceback" not in err, name
        assert code in (0, 1), f"{name}: {err}"          # 1: the record refused on purpose


def test_no_workbook_holds_a_formula(written):
    d, _ = written
    books = sorted(d.glob("*.xlsx"))
    assert {p.name for p in books} == {"r.xlsx", "u.xlsx", "d.xlsx", "du.xlsx", "c.xlsx", "t.xlsx", "rc.xlsx"}
    for book in books:
        wrong, found = _formula_cells(book)
        assert not wrong, "\n".join(wrong)
        if book.name in ("u.xlsx", "du.xlsx", "c.xlsx", "rc.xlsx"):   # the hostile text is there, as text
            assert found >= 8, book.name


def test_masked_names_keep_no_formula_character(written):
    from openpyxl import load_workbook
    d, _ = written
    ws = load_workbook(d / "r.xlsx")["判定-人员"]
    header = [c.value for c in ws[1]]
    names = [row[header.index("姓名")] for row in ws.iter_rows(min_row=2, values_only=True)]
    assert names and all(n is None or (n.startswith("*") and set(n) == {"*"}) for n in names), names


def test_every_csv_cell_that_would_open_as_a_formula_carries_a_quote(written):
    d, runs = written
    files = sorted(d.glob("[rut]*.csv"))
    assert {p.name for p in files} >= {"r.csv", "r.错误.csv", "r.汇总.csv", "r.记录核对.csv", "u.csv", "t.csv"}
    escaped = 0
    for f in files:
        wrong, n = _csv_cells(_csv_read(f), f.name)
        assert not wrong, "\n".join(wrong)
        escaped += n
    wrong, n = _csv_cells(runs["evaluate csv stdout"][1], "stdout")
    assert not wrong, "\n".join(wrong)
    assert n >= 8 and escaped >= 16
    text = _csv_read(d / "u.csv")
    assert "'=P0" in text and "'\tP4" in text and "'\rP5" in text and "'=SUM(1+1)" in text


def test_numbers_stay_numbers_in_csv(written):
    """Each person's allowances are written as numbers; the budget sums as numbers, never quoted."""
    d, _ = written
    rows = list(csv.reader(io.StringIO(_csv_read(d / "u.csv"), newline="")))
    total = rows[0].index("补贴合计（元/月）")
    values = [r[total] for r in rows[1:] if r[total]]
    assert values and all(v.lstrip("-").isdigit() for v in values)


def test_a_csv_roster_round_trips_formula_text(written):
    """convert writes formula-like text to CSV with a leading ' (never live) and reads it back without it."""
    d, runs = written
    code, _, err = runs["convert csv"]
    assert code == 0, err
    people = (d / "c.csv").read_text(encoding="utf-8-sig")
    assert "'=P0" in people and "\n=P0" not in people and ",=P0" not in people
    code, _, err = cli("convert", d / "c.csv", d / "back_csv.json")
    assert code == 0, err
    back = json.loads((d / "back_csv.json").read_text(encoding="utf-8"))
    original = json.loads((d / "plain_starts.yaml").read_text(encoding="utf-8"))
    assert back["id"] == original["id"] == "=SUM(1+1)"
    assert [p["id"] for p in back["people"]] == [p["id"] for p in original["people"]]
    assert [p["name"] for p in back["people"]] == [p["name"] for p in original["people"]]
    assert back["items"] == original["items"]


def test_an_xlsx_roster_round_trips_formula_text(written):
    d, _ = written
    back = json.loads((d / "back.json").read_text(encoding="utf-8"))
    original = json.loads((d / "plain_starts.yaml").read_text(encoding="utf-8"))
    assert back["id"] == original["id"] == "=SUM(1+1)"
    assert [p["id"] for p in back["people"]] == [p["id"] for p in original["people"]]
    assert [p["name"] for p in back["people"]] == [p["name"] for p in original["people"]]
    assert back["items"] == original["items"]


# --- never an input ------------------------------------------------------------------------------

def _roster(d: Path) -> Path:
    return _write(d / "roster.yaml", {"id": "C1", "as_of": "2025-12-31", "assessment_year": 2025,
                                      "people": [person("P1", name="王婷"), person("P2", name="李明")],
                                      "centers": [{"id": "CT", "name": "中心", "level": "镇", "windows": 4, "staff": STAFF}],
                                      "items": [{"id": "I1", "name": "事项", "department": "人社", "center_level": "镇"}]})


@pytest.fixture(scope="module")
def converted(tmp_path_factory) -> Path:
    """A roster as YAML, as a workbook, and as CSV files (FILE.csv and its siblings), converted once."""
    folder = tmp_path_factory.mktemp("inputs")
    yaml = _roster(folder)
    for target in ("roster.xlsx", "roster.csv"):
        code, _, err = cli("convert", yaml, folder / target)
        assert code == 0, err
    assert {p.name for p in folder.glob("roster.*.csv")} == {"roster.案例.csv", "roster.中心.csv", "roster.事项.csv"}
    return folder


@pytest.fixture
def inputs(converted, tmp_path):
    """The converted roster's files, a fresh copy for each test (which may rename, link or write beside them)."""
    for path in converted.iterdir():
        shutil.copy2(path, tmp_path / path.name)
    return tmp_path


def _snapshot(folder: Path) -> dict:
    return {p.name: p.read_bytes() for p in sorted(folder.iterdir()) if p.is_file()}


def _refused(folder: Path, *args, names: tuple = ()) -> str:
    before = _snapshot(folder)
    code, _, err = cli(*args)
    assert code == 2, err
    assert "Traceback" not in err and "同一个文件" in err, err
    for name in names:
        assert str(folder / name) in err, (name, err)
    assert _snapshot(folder) == before            # nothing written, nothing replaced, nothing left behind
    return err


def test_evaluate_log_into_the_case_file(inputs):
    _refused(inputs, "evaluate", inputs / "roster.yaml", "--log", inputs / "roster.yaml", "--jobs", "1",
             names=("roster.yaml",))


def test_evaluate_out_over_the_roster(inputs):
    _refused(inputs, "evaluate", inputs / "roster.xlsx", "--format", "xlsx", "--out", inputs / "roster.xlsx",
             names=("roster.xlsx",))
    _refused(inputs, "evaluate", inputs / "roster.csv", "--format", "csv", "--out", inputs / "roster.csv",
             names=("roster.csv",))


def test_evaluate_out_over_a_sibling_of_the_csv_roster(inputs):
    err = _refused(inputs, "evaluate", inputs / "roster.csv", "--format", "csv", "--out", inputs / "roster.中心.csv")
    assert str(inputs / "roster.中心.csv") in err
    # the other way round: FILE.错误.csv beside the output is the roster read
    os.rename(inputs / "roster.xlsx", inputs / "r.错误.xlsx")
    _refused(inputs, "evaluate", inputs / "r.错误.xlsx", "--format", "csv", "--out", inputs / "r.xlsx",
             names=("r.错误.xlsx",))


def test_evaluate_out_through_a_symlink_or_a_hard_link(inputs):
    (inputs / "link.xlsx").symlink_to(inputs / "roster.xlsx")
    os.link(inputs / "roster.yaml", inputs / "hard.jsonl")
    _refused(inputs, "evaluate", inputs / "roster.xlsx", "--format", "xlsx", "--out", inputs / "link.xlsx",
             names=("link.xlsx", "roster.xlsx"))
    _refused(inputs, "evaluate", inputs / "roster.yaml", "--log", inputs / "hard.jsonl", names=("hard.jsonl",))


def test_evaluate_two_outputs_in_one_file(inputs):
    _refused(inputs, "evaluate", inputs / "roster.yaml", "--format", "xlsx", "--out", inputs / "o.xlsx",
             "--log", inputs / "o.xlsx")


def test_diff_report_over_the_cases(inputs):
    _refused(inputs, "diff", POLICY_DIR, POLICY_DIR, "--cases", inputs / "roster.xlsx", "--report", inputs / "roster.xlsx",
             names=("roster.xlsx",))


def test_convert_onto_its_input(inputs):
    _refused(inputs, "convert", inputs / "roster.yaml", inputs / "roster.yaml", names=("roster.yaml",))
    _refused(inputs, "convert", inputs / "roster.csv", inputs / "roster.事项.csv", names=("roster.事项.csv",))


def test_letter_over_the_case_file(inputs):
    _refused(inputs, "letter", inputs / "roster.yaml", "--subject", "P1", "--out", inputs / "roster.md",
             "--log", inputs / "roster.yaml", names=("roster.yaml",))


def test_a_policy_file_is_an_input(tmp_policy, tmp_path):
    before = (tmp_policy / "policy.yaml").read_bytes()
    code, _, err = cli("generate", "--people", "3", "--out", tmp_policy / "policy.yaml", "--policy", tmp_policy)
    assert code == 2 and "不会覆盖输入" in err and str(tmp_policy / "policy.yaml") in err
    assert (tmp_policy / "policy.yaml").read_bytes() == before
    roster = _roster(tmp_path)
    code, _, err = cli("evaluate", roster, "--policy", tmp_policy, "--log", tmp_policy / "roster.yaml")
    assert code == 2 and "不会覆盖输入" in err


def test_outputs_into_a_missing_folder_are_a_chinese_error(inputs):
    missing = inputs / "没有这个文件夹"
    for args in (("evaluate", inputs / "roster.yaml", "--format", "xlsx", "--out", missing / "r.xlsx"),
                 ("evaluate", inputs / "roster.yaml", "--log", missing / "log.jsonl"),
                 ("diff", POLICY_DIR, POLICY_DIR, "--cases", inputs / "roster.yaml", "--report", missing / "d.md"),
                 ("convert", inputs / "roster.yaml", missing / "r.json"),
                 ("template", missing / "t.xlsx"),
                 ("generate", "--people", "2", "--out", missing / "g.yaml"),
                 ("letter", inputs / "roster.yaml", "--subject", "P1", "--out", missing / "l.md")):
        before = _snapshot(inputs)
        code, _, err = cli(*args, *(("--jobs", "1") if args[0] in ("evaluate", "diff") else ()))
        assert code == 2 and "Traceback" not in err, (args, err)
        assert f"文件夹 {missing} 不存在" in err, (args, err)
        assert _snapshot(inputs) == before and not missing.exists()


def test_a_failed_write_leaves_neither_half_a_file_nor_a_temporary_one(inputs, monkeypatch):
    from openpyxl import Workbook

    def half(self, filename):
        Path(filename).write_bytes(b"PK\x03\x04 half")
        raise OSError(28, "No space left on device")
    monkeypatch.setattr(Workbook, "save", half)
    out = inputs / "判定.xlsx"
    out.write_bytes(b"last week's")
    before = _snapshot(inputs)
    code, _, err = cli("evaluate", inputs / "roster.yaml", "--format", "xlsx", "--out", out, "--jobs", "1")
    assert code == 2 and "无法写入" in err and "Traceback" not in err, err
    assert _snapshot(inputs) == before


def test_outputs_still_replace_a_previous_output(inputs):
    """An earlier report (not an input) is replaced whole, as before."""
    out = inputs / "判定.xlsx"
    out.write_bytes(b"last week's")
    code, _, err = cli("evaluate", inputs / "roster.yaml", "--format", "xlsx", "--out", out, "--jobs", "1")
    assert code == 0, err
    assert zipfile.is_zipfile(out)
    assert not [p for p in inputs.iterdir() if p.name.startswith(".")]


# --- text a file cannot hold ---------------------------------------------------------------------------

def _unholdable(d: Path) -> Path:
    """A case whose ids hold a control character and a lone surrogate (a JSON escape carries one in): the
    records are refused, and the reports quote their ids."""
    tree = {"id": "C1", "as_of": "2025-12-31", "assessment_year": 2025,
            "people": [person("P\u0001x"), person("P\ud800y"), person("P\uffffz")]}
    path = d / "odd.json"
    path.write_text(json.dumps(tree, ensure_ascii=True), encoding="utf-8")
    return path


def test_reports_write_what_a_file_cannot_hold_as_replacement_characters(tmp_path):
    source = _unholdable(tmp_path)
    for fmt in ("xlsx", "csv"):
        code, _, err = cli("evaluate", source, "--format", fmt, "--out", tmp_path / f"r.{fmt}", "--jobs", "1")
        assert code == 1 and "Traceback" not in err, err
    from openpyxl import load_workbook
    texts = [str(c.value) for ws in load_workbook(tmp_path / "r.xlsx").worksheets for row in ws.iter_rows()
             for c in row if c.value is not None]
    written = "\n".join(texts) + (tmp_path / "r.错误.csv").read_text(encoding="utf-8-sig")
    assert "P\ufffdx" in written and "P\ufffdy" in written and "P\ufffdz" in written
    assert not any(ch in written for ch in "\u0001\ud800\uffff")


def test_convert_to_json_keeps_a_lone_surrogate_as_its_escape(tmp_path):
    source = _unholdable(tmp_path)
    code, _, err = cli("convert", source, tmp_path / "back.json")
    assert code == 0, err
    assert json.loads((tmp_path / "back.json").read_text(encoding="utf-8")) == json.loads(source.read_text(encoding="utf-8"))


def test_an_id_that_is_an_id_number_is_masked_in_the_reports(tmp_path):
    """As in the table and the JSON: a case or person id that is an ID number is masked unless --unmask."""
    number = "321302197610252083"
    path = _write(tmp_path / "ids.json", {"id": "C" + number, "as_of": "2025-12-31", "assessment_year": 2025,
                                         "people": [person(number), person("P2", birth_date="1990-02-30")]})
    from openpyxl import load_workbook

    def texts(unmask: bool) -> str:
        flag = ["--unmask"] if unmask else []
        out = tmp_path / ("u" if unmask else "m")
        out.mkdir()
        for fmt in ("xlsx", "csv"):
            code, _, err = cli("evaluate", path, "--format", fmt, "--out", out / f"r.{fmt}", "--jobs", "1", *flag)
            assert code in (0, 1), err
        cells = [str(c.value) for ws in load_workbook(out / "r.xlsx").worksheets for row in ws.iter_rows()
                 for c in row if c.value is not None]
        return "\n".join(cells) + "".join(p.read_text(encoding="utf-8-sig") for p in out.glob("*.csv"))

    masked, clear = texts(False), texts(True)
    assert number not in masked and "321302********2083" in masked
    assert number in clear


def test_convert_refuses_what_one_cell_cannot_hold(tmp_path):
    """A list where the sheet has one cell, a lone surrogate: refused by name, nothing written (were tracebacks)."""
    path = tmp_path / "odd.json"
    path.write_text(json.dumps({"id": "C1", "as_of": "2025-12-31", "assessment_year": 2025,
                                "people": [person("P\ud800", birth_date=["2023-05-27", "2023-05-27"])]},
                               ensure_ascii=True), encoding="utf-8")
    for target in ("o.xlsx", "o.csv"):
        code, _, err = cli("convert", path, tmp_path / target)
        assert code == 2 and "Traceback" not in err and "单个值" in err and "无法编码" in err, err
        assert not (tmp_path / target).exists()


def test_an_id_number_in_any_text_is_masked_in_the_table_and_the_workbook(tmp_path):
    number = "321302196603067923"
    path = _write(tmp_path / "items.json", {"id": "C1", "as_of": "2025-12-31", "assessment_year": 2025, "people": [],
                                           "items": [{"id": "I1", "name": "事项", "department": f"P10 {number}",
                                                      "center_level": "镇"}]})
    code, out, err = cli("evaluate", path, "--jobs", "1")
    assert code == 0 and number not in out + err and "321302********7923" in out
    code, _, err = cli("evaluate", path, "--format", "xlsx", "--out", tmp_path / "r.xlsx", "--jobs", "1")
    assert code == 0, err
    with zipfile.ZipFile(tmp_path / "r.xlsx") as z:
        assert not any(number.encode() in z.read(n) for n in z.namelist())


def test_convert_to_xlsx_refuses_what_xml_cannot_hold_and_masks_the_name_it_quotes(tmp_path):
    path = tmp_path / "odd.json"
    path.write_text(json.dumps({"id": "C1", "as_of": "2025-12-31", "assessment_year": 2025,
                                "people": [person("P1", name="\u0000向红"), person("P2", education="本科\ufffe")]},
                               ensure_ascii=True), encoding="utf-8")
    code, _, err = cli("convert", path, tmp_path / "o.xlsx")
    assert code == 2 and "Traceback" not in err and err.count("XML 不能容纳") == 2, err
    assert "向红" not in err and "本科" in err       # the name masked; a vocabulary word shown
