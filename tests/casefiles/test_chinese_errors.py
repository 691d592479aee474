"""Everyday mistakes in a case file — YAML, JSON, .xlsx, .csv — each said in Chinese: the field
named by its label (学历, not people[0].education), at the value's own line and column or cell, once, with what
was typed shown (a misspelt word is not masked as if it were a name; a name and an ID number still are).

Each case file is evaluated in process (`run.py evaluate`, table and JSON); every error line printed is checked by
`english`, which finds the English words left once ids, cells, quoted values and the file's path are taken out.
"""
from __future__ import annotations

import csv
import json
import re
from pathlib import Path

import pytest
from openpyxl import Workbook

from conftest import POLICY_DIR, cli
from engine.tools.validate import load_or_raise
from engine.casefiles.cases import load_cases, personal_of
from engine.common.privacy import mask_error

NAME, ID = "王婷婷", "321302199001011234"
# product and format names an officer meets on screen; anything else in Latin letters is English
ALLOWED = {"YAML", "JSON", "Excel", "CSV", "UTF", "GB18030", "GBK", "X"}


@pytest.fixture(autouse=True)
def wide(monkeypatch):
    monkeypatch.setenv("COLUMNS", "400")      # one message a line


def english(line: str, *ids: str) -> list[str]:
    """The English words of a printed line, once the file's path, quoted values, ids and cells are taken out."""
    text = re.sub(r"\S*\.(yaml|json|xlsx|csv)\b", " ", line)                     # the file, roster.yaml
    text = re.sub(r"“[^”]*”|「[^」]*」", " ", text)                             # what was typed, the policy's words
    for i in sorted(ids, key=len, reverse=True):
        text = text.replace(i, " ")
    text = re.sub(r"\b[A-Z]{1,3}\d+\b|[A-Z]列|\b0x[0-9A-F]+\b|U\+[0-9A-F]+", " ", text)  # cells, bytes, characters
    return [w for w in re.findall(r"[A-Za-z_][A-Za-z_0-9.\[\]]*", text) if w not in ALLOWED]


def printed(path: Path) -> tuple[list[str], list[dict]]:
    """The error lines `evaluate` prints (stderr's ✗ list and the table's 错误 lines) and the JSON's errors."""
    code, out, err = cli("evaluate", path, "--jobs", "1")
    assert code in (0, 1), err
    lines = [line for line in (out + err).splitlines() if line.startswith(("✗", "错误"))]
    code, out, err = cli("evaluate", path, "--jobs", "1", "--format", "json")
    doc = json.loads(out)
    return lines, list(doc.get("errors") or []) + [e for c in doc["cases"] for e in c["errors"]]


PERSONAL = personal_of(load_or_raise(POLICY_DIR))   # which fields of the shipped policy's case files hold names

def check(path: Path, expected: dict[str, tuple[str, str, list[str]]], ids=("T1", "P1", "P2", "C1")) -> list[str]:
    """`expected`: JSON path → (place, label, words the message holds). Each error is there once, at its place,
    naming its field by its label; every printed line is Chinese; no path is printed."""
    lines, errors = printed(path)
    record_errors = [e for e in errors if e["path"] in expected]
    assert sorted(e["path"] for e in record_errors) == sorted(expected), errors        # one per cause
    for e in record_errors:
        place, label, words = expected[e["path"]]
        assert e["message"].startswith(label) or label in e["message"], e
        shown = mask_error(e, PERSONAL.of(e["path"]))["message"]
        assert all(w in shown for w in words), (shown, words)
        ours = [line for line in lines if line.startswith("✗") and shown in line]
        assert len(ours) == 1, (shown, lines)                                      # printed once in the list
        assert f" {place}（案例 T1）：" in ours[0], (place, ours[0])
        assert len([line for line in lines if line.startswith("错误") and shown in line]) <= 1
    for line in lines:
        assert not english(line, *ids), (english(line, *ids), line)
        assert "people[" not in line and ".education" not in line, line
    assert NAME not in "\n".join(lines) and ID not in "\n".join(lines)                 # masked by default
    return lines


def test_the_checker_finds_english():
    assert english("✗ /tmp/a.yaml 第5行 第9列（案例 T1）：people[0].education: expected one of 本科", "T1") == [
        "people[0].education", "expected", "one", "of"]
    assert english("✗ /tmp/a.xlsx 人员!E5（案例 T1）：学历应为 本科 之一，实为“bad”", "T1") == []


# --- YAML and JSON --------------------------------------------------------------------------------------------

YAML = f"""\
id: T1
as_of: 2025-12-31
assessment_year: 2025
centers:
  - {{id: C1, level: 镇, windows: 4}}
people:
  - {{id: P1, name: {NAME}, birth_date: 1990-02-30, education: 本料, hired_on: 2024-01-01, probation: 否, id_number: {ID}, center: C1}}
  - id: P2
    name: 李四
    educaton: 本科
    probation: 是
    center: C1
"""


def place_of(path: Path, needle: str, line_needle: str | None = None) -> str:
    """第L行 第C列 of the first `needle` on the line holding `line_needle` (default: the needle's own)."""
    lines = path.read_text(encoding="utf-8").splitlines()
    n = next(i for i, line in enumerate(lines) if (line_needle or needle) in line)
    return f"第{n + 1}行 第{lines[n].index(needle) + 1}列"


def test_everyday_mistakes_in_yaml(tmp_path, policy):
    path = tmp_path / "t1.yaml"
    path.write_text(YAML, encoding="utf-8")
    check(path, {
        "people[0].birth_date": (place_of(path, "1990-02-30"), "出生日期", ["“1990-02-30”", "不是真实的日期", "1990-02-28"]),
        "people[0].education": (place_of(path, "本料"), "学历", ["实为“本料”", "您是否想输入“本科”"]),
        "people[0].id_number": (place_of(path, ID), "身份证号", ["应按文本填写", "321302********1234", "末位 X"]),
        "people[1].birth_date": (place_of(path, "id: P2"), "出生日期", ["未填写出生日期"]),
        "people[1].educaton": (place_of(path, "educaton"), "educaton", ["不认识的字段", "您是否想输入“education”"]),
    })
    # 否 and 是 for a yes/no are read as the sheets read them, not refused
    case_file = load_cases(path, policy)
    assert not [e for e in case_file.errors if "probation" in e.path]


@pytest.mark.parametrize("word, value", [("否", False), ("是", True), ("×", False), ("√", True), ("无", False),
                                         ("有", True), ("N", False), ("y", True)])
def test_the_rosters_yes_no_words_are_read_in_yaml_and_json(tmp_path, policy, word, value):
    for suffix in ("yaml", "json"):
        path = tmp_path / f"yes-no.{suffix}"
        path.write_text(json.dumps({"id": "T1", "as_of": "2025-12-31", "people": [
            {"id": "P1", "birth_date": "1990-01-01", "probation": word,
             "attestations": {"healthy": word}}]}, ensure_ascii=False), encoding="utf-8")
        case_file = load_cases(path, policy)
        assert case_file.errors == [], [str(e) for e in case_file.errors]
        person, = case_file.cases[0].records["people"]
        assert person["probation"] is value and person["attestations"]["healthy"] is value


def test_a_word_that_is_no_yes_or_no_says_which_words_are(tmp_path, policy):
    path = tmp_path / "t.yaml"
    path.write_text("id: T1\nas_of: 2025-12-31\npeople:\n  - {id: P1, birth_date: 1990-01-01, probation: 不是}\n",
                    encoding="utf-8")
    error, = load_cases(path, policy).errors
    assert error.message == "试用期应填 是 或 否，实为“不是”"
    assert (error.line, error.col) == (4, path.read_text(encoding="utf-8").splitlines()[3].index("不是") + 1)


JSON = json.dumps({"id": "T1", "as_of": "2025-12-31", "assessment_year": 2025,
                   "centers": [{"id": "C1", "level": "镇", "windows": 4}],
                   "people": [{"id": "P1", "name": NAME, "birth_date": "1990-02-30", "education": "本料",
                               "probation": "否", "id_number": int(ID), "center": "C1"},
                              {"id": "P2", "name": "李四", "educaton": "本科", "center": "C1"}]},
                  ensure_ascii=False, indent=1)


def test_everyday_mistakes_in_json(tmp_path):
    path = tmp_path / "t1.json"
    path.write_text(JSON, encoding="utf-8")
    check(path, {
        "people[0].birth_date": (place_of(path, '"1990-02-30"'), "出生日期", ["“1990-02-30”", "不是真实的日期"]),
        "people[0].education": (place_of(path, '"本料"'), "学历", ["实为“本料”", "您是否想输入“本科”"]),
        "people[0].id_number": (place_of(path, ID), "身份证号", ["应按文本填写", "321302********1234"]),
        "people[1].birth_date": (_record_place(path, '"id": "P2"'), "出生日期", ["未填写出生日期"]),
        "people[1].educaton": (place_of(path, '"educaton"'), "educaton", ["不认识的字段"]),
    })


def _record_place(path: Path, inside: str) -> str:
    """Where the JSON record holding `inside` opens: its `{`."""
    lines = path.read_text(encoding="utf-8").splitlines()
    n = next(i for i, line in enumerate(lines) if inside in line)
    while "{" not in lines[n]:
        n -= 1
    return f"第{n + 1}行 第{lines[n].index('{') + 1}列"


@pytest.mark.parametrize("suffix, text, line, words", [
    ("yaml", "id: T1\nas_of: 2025-12-31\nbottom: [1, 2\nassessment_year: 2025\n", 3, "方括号“[”没有闭合"),
    ("yaml", "id: T1\n\tas_of: 2025-12-31\n", 2, "制表符"),
    ("yaml", "id: T1\nas_of: 2025-12-31\n  people: []\n", 3, "YAML 语法错误"),
    ("json", '{"id": "T1",\n "as_of": "2025-12-31"\n "people": []}\n', 3, "逗号"),
    ("json", '{"id": "T1",\n "as_of": "2025-12-31",\n}\n', 3, "加双引号的键"),
])
def test_a_syntax_slip_is_said_in_chinese_at_its_line(tmp_path, suffix, text, line, words):
    path = tmp_path / f"slip.{suffix}"
    path.write_text(text, encoding="utf-8")
    lines, errors = printed(path)
    error, = errors
    assert error["line"] == line and words in error["message"], error
    assert len(lines) == 1 and not english(lines[0]), lines


@pytest.mark.parametrize("make, says", [
    (lambda p: p.write_bytes(b"\x00\x01" * 20), "不是文本文件"),
    (lambda p: p.write_bytes("id: 甲\nas_of: 2025-12-31\n".encode("gbk") + b"\xff\xff\xff"), "既不是 UTF-8 也不是 GB18030"),
    (lambda p: p.mkdir(), "文件夹"),
    (lambda p: None, "文件不存在"),
])
def test_files_that_cannot_be_read_say_why_in_chinese(tmp_path, policy, make, says):
    path = tmp_path / "case.yaml"
    make(path)
    error, = load_cases(path, policy).errors          # (evaluate itself refuses a missing file before reading it)
    assert says in error.message and not english(str(error)), str(error)


# --- spreadsheets ---------------------------------------------------------------------------------------------

HEADER = ["编号", "姓名", "身份证号", "出生日期", "学历", "上岗日期", "所属中心", "试用期"]
ROWS = [["P1", NAME, ID, "2025年2月30日", "本料", "2020-03-01", "C1", "否"],
        ["P2", "李四", int(ID), None, "本科", "2020-03-01", "C1", "不是"]]
CASE = [["案例编号", "T1"], ["判定日", "2025-12-31"], ["考核年度", 2025]]
CENTERS = [["编号", "名称", "层级", "窗口数"], ["C1", "某镇便民服务中心", "镇", 4]]


def _expected_cells(at) -> dict:
    return {
        "people[0].birth_date": (at("D2"), "出生日期", ["“2025年2月30日”", "不是真实的日期", "2025-02-28"]),
        "people[0].education": (at("E2"), "学历", ["实为“本料”", "您是否想输入“本科”"]),
        "people[1].id_number": (at("C3"), "身份证号", ["应按文本填写", "在 Excel 中设为文本格式"]),
        "people[1].birth_date": (at("D3"), "出生日期", ["未填写出生日期"]),          # the blank cell, not A3
        "people[1].probation": (at("H3"), "试用期", ["应填 是 或 否", "实为“不是”"]),
    }


def test_everyday_mistakes_in_a_workbook(tmp_path):
    path = tmp_path / "roster.xlsx"
    book = Workbook()
    book.remove(book.active)
    for name, rows in {"案例": CASE, "人员": [HEADER, *ROWS], "中心": CENTERS}.items():
        sheet = book.create_sheet(name)
        for row in rows:
            sheet.append(row)
    book.save(path)
    check(path, _expected_cells(lambda cell: f"人员!{cell}"))


def test_everyday_mistakes_in_csv_files(tmp_path):
    path = tmp_path / "roster.csv"
    for file, rows in ((path, [HEADER, *ROWS]), (tmp_path / "roster.案例.csv", CASE),
                       (tmp_path / "roster.中心.csv", CENTERS)):
        with file.open("w", encoding="utf-8", newline="") as f:
            csv.writer(f).writerows(rows)
    # in a CSV file a number typed in 身份证号 is text already: only the other four mistakes stand
    expected = _expected_cells(lambda cell: f"第{cell[1:]}行 {cell[0]}列")
    del expected["people[1].id_number"]
    check(path, expected)


def test_an_unknown_header_is_said_at_its_cell_with_the_header_meant(tmp_path):
    path = tmp_path / "roster.xlsx"
    book = Workbook()
    book.remove(book.active)
    header = [("学力" if h == "学历" else h) for h in HEADER]
    for name, rows in {"案例": CASE, "人员": [header, ROWS[0]], "中心": CENTERS}.items():
        sheet = book.create_sheet(name)
        for row in rows:
            sheet.append(row)
    book.save(path)
    lines, errors = printed(path)
    error, = errors
    assert (error["sheet"], error["cell"]) == ("人员", "E1")
    assert "不认识的表头“学力”；您是否想输入“学历”？" in error["message"]
    assert len(lines) == 1 and not english(lines[0]), lines


# --- masking: a name is masked, a misspelt word is not -------------------------------------------------------

@pytest.mark.parametrize("path, shown", [
    ("people[0].education", "实为“本料”"),                     # a vocabulary word: shown whole
    ("people[0].ratings.2025-03", "实为“很好”"),
    ("people[0].birth_date", "填的“1990-02-30”"),
])
def test_a_value_of_a_field_that_is_no_name_is_shown_whole(path, shown, policy):
    message = f"某字段应为…，{shown}"
    assert mask_error({"path": path, "message": message}, personal_of(policy).of(path))["message"] == message


@pytest.mark.parametrize("path", ["people[0].name", "cases[0].people[1]", "", "people[0].nickname", "people"])
def test_a_name_a_whole_record_or_an_unknown_place_is_masked(path, policy):
    masked = mask_error({"path": path, "message": f"应为…，实为“P10 {NAME} {ID}”"}, personal_of(policy).of(path))["message"]
    assert NAME not in masked and ID not in masked and ID[6:14] not in masked and "P" in masked


def test_long_digit_runs_are_masked_in_any_field(policy):
    path = "people[0].education"
    masked = mask_error({"path": path, "message": "学历应为…，实为“19900101本科”"}, personal_of(policy).of(path))["message"]
    assert "19900101" not in masked and "本科" in masked
