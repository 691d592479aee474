"""Rosters as spreadsheets: reading .xlsx/.csv (cells located, lenient cells, strict headers), the template,
`convert` without loss, and `evaluate --format xlsx|csv`."""
from __future__ import annotations

import re

import csv
import datetime as dt
import io
import os
import subprocess
import sys
from pathlib import Path

import pytest
from openpyxl import Workbook, load_workbook

from engine.outputs import sheetreport

from engine.casefiles import sheetwrite, spreadsheet

from engine.common import yamlio
from engine.common import locations
from engine.casefiles.cases import load_cases
from engine.pipeline.evaluate import Evaluator, account

from conftest import ROOT

ROSTER = ROOT / "fixtures" / "roster_2025.yaml"
ENV = dict(os.environ, COLUMNS="400", PYTHONIOENCODING="utf-8")

CASE = [["案例编号", "T1"], ["判定日", "2025-12-31"], ["考核年度", 2025]]
PEOPLE_HEADER = ["编号", "姓名", "身份证号", "出生日期", "学历", "上岗日期", "所属中心", "试用期",
                 "证书1类别", "证书1等级", "证书1取得日期", "1月", "2月"]
CENTERS = [["编号", "名称", "层级", "窗口数"], ["C1", "某镇便民服务中心", "镇", 4]]


def person(n: int, education="本科", **cells) -> list:
    row = {"编号": f"P{n}", "姓名": f"王{n}", "身份证号": f"32130219900101{n:04d}", "出生日期": "1990-01-01",
           "学历": education, "上岗日期": "2020-03-01", "所属中心": "C1", "试用期": "否",
           "证书1类别": "政务服务办事员", "证书1等级": "四级", "证书1取得日期": "2020-09-01", "1月": "好", "2月": "一般"}
    row.update(cells)
    return [row[h] for h in PEOPLE_HEADER]


def workbook(path: Path, sheets: dict[str, list[list]]) -> Path:
    wb = Workbook()
    wb.remove(wb.active)
    for name, rows in sheets.items():
        ws = wb.create_sheet(name)
        for row in rows:
            ws.append(row)
    wb.save(path)
    return path


def basic(tmp_path: Path, people: list[list] | None = None, header: list[str] | None = None, name="r.xlsx") -> Path:
    rows = [header or PEOPLE_HEADER] + (people if people is not None else [person(1), person(2), person(3), person(4)])
    return workbook(tmp_path / name, {"案例": CASE, "人员": rows, "中心": CENTERS})


def values(path, policy) -> dict:
    """(case, subject, decision) → value."""
    case_file = load_cases(path, policy)
    evaluator = Evaluator(policy)
    return {(r.case.id, d.subject, d.decision): d.value
            for r in (evaluator.evaluate(c) for c in case_file.cases) for d in r.determinations}


def run(*args) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, str(ROOT / "run.py"), *map(str, args)], cwd=ROOT, env=ENV,
                          capture_output=True, text=True, encoding="utf-8", timeout=300)


@pytest.fixture(scope="module")
def yaml_values(policy):
    return values(ROSTER, policy)


# --- round trips ------------------------------------------------------------------------------

@pytest.mark.parametrize("suffix", [".xlsx", ".csv"])
def test_roster_through_a_spreadsheet_gives_the_same_determinations(tmp_path, policy, yaml_values, suffix):
    written, _ = sheetwrite.convert(ROSTER, tmp_path / f"roster{suffix}", policy)
    if suffix == ".csv":   # the people in FILE.csv, the rest beside it
        assert {p.name for p in written} == {"roster.csv", "roster.案例.csv", "roster.中心.csv", "roster.事项.csv"}
    case_file = load_cases(tmp_path / f"roster{suffix}", policy)
    assert case_file.errors == []
    assert [c.id for c in case_file.cases] == ["SC-2025-ANNUAL", "SC-2025-H1-XL"]
    got = values(tmp_path / f"roster{suffix}", policy)
    assert len(yaml_values) > 400
    assert got == yaml_values


def _without_empties(value):
    if isinstance(value, dict):
        return {str(k): _without_empties(v) for k, v in value.items() if v not in ([], {}, None)}
    if isinstance(value, list):
        return [_without_empties(v) for v in value]
    return value


@pytest.mark.parametrize("middle", ["r.xlsx", "r.csv", "r.json"])
def test_convert_there_and_back_keeps_the_contract_tree(tmp_path, policy, middle):
    sheetwrite.convert(ROSTER, tmp_path / middle, policy)
    sheetwrite.convert(tmp_path / middle, tmp_path / "back.yaml", policy)
    before = _without_empties(locations.plain(yamlio.load(ROSTER)))
    after = locations.plain(yamlio.load(tmp_path / "back.yaml"))
    assert _without_empties(after) == before
    assert after["cases"][0]["people"][0]["probation"] is False       # 否 is kept, not read as "absent"


def test_what_a_spreadsheet_cannot_say_is_an_error_naming_it(tmp_path, policy):
    case = {"id": "T", "as_of": "2025-12-31",
            "people": [{"id": "P1", "birth_date": "1990-01-01", "nickname": "小王", "name": "王五 ",
                        "ratings": {"2025-13": "好"}},
                       {"id": "示例-9", "birth_date": "1990-01-01"}],
            "centers": [{"id": "C1", "level": "镇", "windows": "3"}]}
    source = tmp_path / "case.json"
    source.write_text(__import__("json").dumps(case, ensure_ascii=False), encoding="utf-8")
    for target in ("out.xlsx", "out.csv"):
        with pytest.raises(sheetwrite.ConvertError) as e:
            sheetwrite.convert(source, tmp_path / target, policy)
        said = {p.path: p for p in e.value.problems}
        assert set(said) == {"people[0].nickname",         # no column for it
                             "people[0].name",             # trailing space would be trimmed
                             "people[0].ratings.2025-13",  # not a month: no header can hold it
                             "people[1].id",               # would be skipped as a template sample
                             "centers[0].windows"}         # text "3" would come back as the number 3
        # each at its value's line, the field by its label, the record it costs by its id
        assert said["people[0].name"].message.startswith("姓名填的“王五 ”") and said["people[0].name"].line == 1
        assert said["people[1].id"].message.startswith("编号“示例-9”") and said["people[1].id"].subject == "示例-9"
        assert said["centers[0].windows"].message.startswith("窗口数") and said["centers[0].windows"].kind == "centers"
        assert not [p for p in e.value.problems if "people[" in p.message or "centers[" in p.message]
        assert not (tmp_path / target).exists()


def test_a_json_case_file_is_converted_as_json_is_read(tmp_path, policy):
    """convert reads a .json case file as evaluate does (JSON, not YAML): 𠮷 written as two escapes, as Python's
    json writes it, is one character (read as YAML it was two lone surrogates, and refused), and NaN is a number
    a sheet cannot hold, refused by name (read as YAML it was the text "NaN", written to the sheet)."""
    source = tmp_path / "case.json"
    source.write_text('{"id": "T", "as_of": "2025-12-31", "people": [{"id": "P1", "name": "\\ud842\\udfb7\u4e94", '
                      '"birth_date": "1990-01-01"}]}', encoding="utf-8")
    sheetwrite.convert(source, tmp_path / "out.xlsx", policy)
    back = spreadsheet.read(tmp_path / "out.xlsx", policy)
    assert locations.plain(dict(back))["people"][0]["name"] == "\U00020bb7五"
    source.write_text('{"id": "T", "as_of": "2025-12-31", "people": [{"id": "P1", "birth_date": NaN}]}',
                      encoding="utf-8")
    with pytest.raises(sheetwrite.ConvertError) as e:
        sheetwrite.convert(source, tmp_path / "nan.xlsx", policy)
    assert [p.path for p in e.value.problems] == ["people[0].birth_date"]
    assert "出生日期填的非数（NaN）" in e.value.problems[0].message   # said in words, not as Python's nan
    assert not (tmp_path / "nan.xlsx").exists()


def test_the_reader_gives_what_openpyxl_gives_for_written_workbooks(tmp_path, policy):
    """The workbook reader (engine/casefiles/spreadsheet.py reads sheets itself, bounded) gives what openpyxl's
    read-only worksheet gives, cell for cell: the converted fixture, the template (dates, styles, drop-downs,
    frozen panes, sample rows) and cells of each type openpyxl writes — except a time of day or a duration, which
    has no type in a case file and is read as its text (12:30:00, 5:00:00)."""
    def as_read(value):
        return value.isoformat() if isinstance(value, dt.time) else str(value) if isinstance(value, dt.timedelta) \
            else value

    sheetwrite.convert(ROSTER, tmp_path / "r.xlsx", policy)
    sheetwrite.write_template(tmp_path / "t.xlsx", policy, dt.date(2025, 6, 1))
    workbook(tmp_path / "v.xlsx", {"案例": CASE, "人员": [PEOPLE_HEADER, [1, 2.5, -0.0, True, False, 10**15, 1e-7, None, "",
                                                                  "  文本 ", dt.datetime(2025, 1, 2, 3, 4, 5),
                                                                  dt.date(1999, 12, 31), dt.time(12, 30),
                                                                  dt.timedelta(hours=5)], [], [None, "末"]]})
    for path in (tmp_path / "r.xlsx", tmp_path / "t.xlsx", tmp_path / "v.xlsx"):
        theirs = []
        for sheet in load_workbook(path, read_only=True, data_only=True).worksheets:
            sheet.reset_dimensions()
            theirs.append((sheet.title, [tuple(map(as_read, r)) for r in sheet.iter_rows(values_only=True)]))
        mine = [(s.name, s.rows) for s in spreadsheet.open_book(path, spreadsheet.load_layout(policy)).sheets]
        assert mine == theirs


# --- reading cells --------------------------------------------------------------------------------

def test_excel_date_cells_and_text_dates_read_alike(tmp_path, policy):
    rows = [person(1, 出生日期=dt.datetime(1990, 3, 1)), person(2, 出生日期="1990/3/1"),
            person(3, 出生日期="1990年3月1日"), person(4, 出生日期=" 1990-03-01 ")]
    tree = spreadsheet.read(basic(tmp_path, rows), policy)
    assert [p["birth_date"] for p in tree["people"]] == ["1990-03-01"] * 4
    assert tree["people"][0]["certificates"][0]["obtained_on"] == "2020-09-01"


def test_cells_are_trimmed_and_yes_no_words_read_as_booleans(tmp_path, policy):
    header = PEOPLE_HEADER + ["选聘条件①", "选聘条件②", "选聘条件④", "选聘条件⑤", "选聘条件⑥"]
    words = [["是", "否", "√", "×", "有"], ["无", "true", "false", "Y", "N"]]
    rows = [person(1, education="本科 ") + words[0], person(2, 编号=" P2 ") + words[1]]
    tree = spreadsheet.read(basic(tmp_path, rows, header), policy)
    one, two = tree["people"]
    assert one["education"] == "本科" and two["id"] == "P2"
    keys = ["political", "law_abiding", "service_minded", "follows_rules", "fulfils_duties"]
    assert [one["attestations"][k] for k in keys] == [True, False, True, False, True]
    assert [two["attestations"][k] for k in keys] == [False, True, False, True, False]
    assert one["probation"] is False


def test_empty_cells_are_absent_and_unreadable_cells_stay_raw(tmp_path, policy):
    rows = [person(1, 上岗日期=None, 试用期="也许")]
    tree = spreadsheet.read(basic(tmp_path, rows), policy)
    p = tree["people"][0]
    assert "hired_on" not in p
    assert p["probation"] == "也许"        # kept as written: the case schema reports it, at its cell
    error, = load_cases(tmp_path / "r.xlsx", policy).errors
    assert (error.sheet, error.cell, error.column, error.subject) == ("人员", "H2", "试用期", "P1")


def test_month_headers_and_month_lists(tmp_path, policy):
    header = PEOPLE_HEADER + ["2024-12", "2025年3月", "末位月份"]
    rows = [person(1) + ["差", "好", "2025-05、2025年6月"], person(2) + [None, None, "5月，6月"]]
    tree = spreadsheet.read(basic(tmp_path, rows, header), policy)
    one, two = tree["people"]
    assert one["ratings"] == {"2025-01": "好", "2025-02": "一般", "2024-12": "差", "2025-03": "好"}
    assert one["bottom_ranked"] == ["2025-05", "2025-06"] and two["bottom_ranked"] == ["2025-05", "2025-06"]
    assert tree.locations[("people", 0, "ratings", "2024-12")].cell == "N2"
    assert tree.locations[("people", 1, "bottom_ranked", 1)].column == "末位月份"


def test_a_bad_cell_is_an_error_at_its_cell_naming_the_person_and_the_rest_is_decided(tmp_path, policy):
    path = basic(tmp_path, [person(1), person(2), person(3), person(4, education="很好")])
    case_file = load_cases(path, policy)
    error, = case_file.errors
    assert (error.sheet, error.cell, error.column, error.subject, error.kind) == ("人员", "E5", "学历", "P4", "people")
    assert str(error).startswith(f"{path} 人员!E5（案例 T1）：学历应为") and "很好" in str(error)
    decided = values(path, policy)
    assert {s for (_, s, _) in decided if s.startswith("P")} == {"P1", "P2", "P3"}
    assert decided[("T1", "P1", "education_allowance")] == 100
    result = Evaluator(policy).evaluate(case_file.cases[0])
    assert account(case_file, [result])["people"] == {"read": 4, "decided": 3, "errored": 1}


def test_a_missing_required_value_points_at_its_own_cell(tmp_path, policy):
    path = basic(tmp_path, [person(1), person(2, 出生日期=None)])
    error, = load_cases(path, policy).errors
    column = "ABCDEFGHIJKLM"[PEOPLE_HEADER.index("出生日期")]
    assert (error.sheet, error.cell, error.subject) == ("人员", f"{column}3", "P2")   # the blank cell, not A3
    assert error.message == "未填写出生日期（必填）"


@pytest.mark.parametrize("bad, says", [("学位", "不认识的表头“学位”"), ("学历", "表头“学历”重复"),
                                       ("最高学历", "不认识的表头“最高学历”"), ("人员编号", "是同一字段")])
def test_unknown_and_repeated_headers_are_errors(tmp_path, policy, bad, says):
    header = PEOPLE_HEADER + [bad]
    path = basic(tmp_path, [person(1) + ["x"]], header)
    with pytest.raises(spreadsheet.ReadError) as e:
        spreadsheet.read(path, policy)
    assert says in e.value.message and e.value.location.cell == "N1"
    case_file = load_cases(path, policy)            # through load_cases: an error of the file, nothing decided
    assert case_file.cases == [] and says in case_file.errors[0].message


def test_data_without_a_header_and_unknown_sheets_are_errors(tmp_path, policy):
    rows = [PEOPLE_HEADER, person(1) + [None, "备注"]]
    path = workbook(tmp_path / "r.xlsx", {"案例": CASE, "人员": rows, "中心": CENTERS, "Sheet1": [["x"]]})
    with pytest.raises(spreadsheet.ReadError) as e:
        spreadsheet.read(path, policy)
    messages = [p.message for p in e.value.problems]
    assert any("不认识的工作表“Sheet1”" in m for m in messages)
    assert any("O列没有表头" in m and "“备*”" in m for m in messages)   # quoted as a name is masked


def test_the_header_mapping_is_data(tmp_policy, tmp_path):
    from conftest import edit
    from engine.tools.validate import load_or_raise
    edit(tmp_policy, "roster.yaml", "{header: 学历, field: education, type: text, choices: education}",
         "{header: 学历, field: education, type: text, choices: education, aliases: [最高学历]}")
    header = [("最高学历" if h == "学历" else h) for h in PEOPLE_HEADER]
    tree = spreadsheet.read(basic(tmp_path, [person(1, education="硕士")], header), load_or_raise(tmp_policy))
    assert tree["people"][0]["education"] == "硕士"


def test_several_cases_need_the_case_column(tmp_path, policy):
    cases = [["案例编号", "判定日", "考核年度"], ["A", "2025-12-31", 2025], ["B", "2024-12-31", 2024]]
    path = workbook(tmp_path / "r.xlsx", {"案例": cases, "人员": [PEOPLE_HEADER, person(1)], "中心": CENTERS})
    with pytest.raises(spreadsheet.ReadError) as e:
        spreadsheet.read(path, policy)
    assert "须有“案例编号”列" in e.value.message
    header = ["案例编号"] + PEOPLE_HEADER
    path = workbook(tmp_path / "r2.xlsx", {"案例": cases, "人员": [header, ["A"] + person(1), ["B"] + person(2)],
                                            "中心": [["案例编号"] + CENTERS[0], ["A"] + CENTERS[1], ["B"] + CENTERS[1]]})
    tree = spreadsheet.read(path, policy)
    assert [[p["id"] for p in c["people"]] for c in tree["cases"]] == [["P1"], ["P2"]]
    assert tree["cases"][1]["people"][0]["ratings"] == {"2024-01": "好", "2024-02": "一般"}   # 1月 of case B's year


# --- CSV --------------------------------------------------------------------------------------------

def _csv(path: Path, rows: list[list], encoding: str, delimiter: str = ",") -> None:
    buffer = io.StringIO()
    csv.writer(buffer, delimiter=delimiter).writerows([["" if v is None else v for v in r] for r in rows])
    path.write_bytes(buffer.getvalue().encode(encoding))


@pytest.mark.parametrize("encoding, said", [("gbk", "GB18030"), ("utf-16", "UTF-16"), ("utf-8-sig", None), ("utf-8", None)])
def test_csv_in_the_encodings_offices_save(tmp_path, policy, encoding, said):
    _csv(tmp_path / "名册.csv", [PEOPLE_HEADER, person(1, 姓名="张晓明"), person(2, education="很好")], encoding)
    _csv(tmp_path / "名册.案例.csv", CASE, encoding)
    _csv(tmp_path / "名册.中心.csv", CENTERS, encoding)
    case_file = load_cases(tmp_path / "名册.csv", policy)
    error, = case_file.errors
    assert (error.file, error.sheet, error.cell, error.column, error.subject) == (
        str(tmp_path / "名册.csv"), "人员", "E3", "学历", "P2")
    assert [p["name"] for p in case_file.cases[0].records["people"]] == ["张晓明"]
    if said:
        assert any(said in w for w in case_file.warnings)
        assert spreadsheet.read(tmp_path / "名册.csv", policy).meta["encodings"][str(tmp_path / "名册.csv")] == said
    else:
        assert case_file.warnings == []


def test_excel_unicode_text_is_utf16_and_tab_separated(tmp_path, policy):
    _csv(tmp_path / "r.csv", [PEOPLE_HEADER, person(1, 姓名="张晓明")], "utf-16", "\t")
    _csv(tmp_path / "r.案例.csv", CASE, "utf-16", "\t")
    _csv(tmp_path / "r.中心.csv", CENTERS, "utf-16", "\t")
    tree = spreadsheet.read(tmp_path / "r.csv", policy)
    assert tree["people"][0]["name"] == "张晓明" and tree["as_of"] == "2025-12-31"


def test_csv_without_its_case_file_says_which_file_is_missing(tmp_path, policy):
    _csv(tmp_path / "r.csv", [PEOPLE_HEADER, person(1)], "utf-8")
    with pytest.raises(spreadsheet.ReadError) as e:
        spreadsheet.read(tmp_path / "r.csv", policy)
    assert "r.案例.csv" in e.value.message


# --- template ---------------------------------------------------------------------------------------

def test_a_template_filled_by_hand_evaluates(tmp_path, policy):
    path = tmp_path / "名册.xlsx"
    sheetwrite.write_template(path, policy, dt.date(2025, 6, 1))
    wb = load_workbook(path)
    assert wb.sheetnames == ["案例", "人员", "中心", "事项", "说明"]
    people = wb["人员"]
    header = [c.value for c in people[1]]
    assert people["A2"].value.startswith("示例")
    lists = {str(dv.sqref).split()[0].split(":")[0][:-1]: dv.formula1 for dv in people.data_validations.dataValidation
             for _ in [0]}
    column = {h: spreadsheet.column_letter(i) for i, h in enumerate(header)}
    dropdowns = {rng.split(":")[0].rstrip("0123456789"): dv.formula1
                 for dv in people.data_validations.dataValidation for rng in str(dv.sqref).split()}
    assert "本科" in dropdowns[column["学历"]] and "好,一般,差,暂停" in dropdowns[column["1月"]]
    assert "是,否" in dropdowns[column["试用期"]] and "四级/中级工" in dropdowns[column["证书1等级"]]
    assert "政务服务办事员" in dropdowns[column["证书1类别"]]
    assert "镇" in {rng.split(":")[0].rstrip("0123456789"): dv.formula1 for dv in wb["中心"].data_validations.dataValidation
                    for rng in str(dv.sqref).split()}["C"]
    assert people.cell(row=10, column=header.index("出生日期") + 1).number_format == "yyyy-mm-dd"
    assert lists
    # an officer fills it in: the case, one person under the sample, the center
    wb["案例"]["B1"] = "镇2025"
    filled = {"编号": "Z1", "姓名": "李四", "出生日期": dt.datetime(1992, 5, 6), "学历": "硕士",
              "上岗日期": dt.datetime(2019, 1, 1), "试用期": "否", "所属中心": "ZC", "证书1类别": "政务服务办事员",
              "证书1等级": "三级/高级工", "证书1取得日期": "2019/6/1", "3月": "好"}
    for h, v in filled.items():
        people.cell(row=3, column=header.index(h) + 1, value=v)
    for h in header:
        if h.startswith("选聘条件"):
            people.cell(row=3, column=header.index(h) + 1, value="√")
    wb["中心"].append(["ZC", "中扬镇便民服务中心", "镇", 4, None, 2, 1, 1])
    wb.save(path)
    case_file = load_cases(path, policy)
    assert case_file.errors == []
    assert any("示例-P1" in w for w in case_file.warnings)       # the sample row was skipped, and it says so
    case, = case_file.cases
    assert case.id == "镇2025" and [p["id"] for p in case.records["people"]] == ["Z1"]
    got = values(path, policy)
    assert got[("镇2025", "Z1", "education_allowance")] == 200
    assert got[("镇2025", "Z1", "skill_allowance")] == 200
    assert got[("镇2025", "ZC", "staffing_compliant")] is True


# --- evaluate --format xlsx | csv -------------------------------------------------------------------------

@pytest.mark.slow   # run.py in a subprocess
def test_evaluate_writes_a_workbook_with_every_determination_masked(tmp_path, policy, yaml_values):
    out = tmp_path / "判定.xlsx"
    done = run("evaluate", ROSTER, "--format", "xlsx", "--out", out)
    assert done.returncode == 0, done.stderr
    wb = load_workbook(out)
    assert wb.sheetnames == ["判定-人员", "判定-中心", "判定-事项", "错误", "汇总", "记录核对"]
    rows = list(wb["判定-人员"].iter_rows(values_only=True))
    header = rows[0]
    labels = [policy.decisions[n].label for n in policy.decisions if policy.decisions[n].subject == "person"]
    assert set(labels) <= set(header) and "仍可能的年度考核等次" in header and header[-1] == "依据"
    p11 = next(r for r in rows if r[1] == "P11")
    name = next(p["name"] for c in locations.plain(yamlio.load(ROSTER))["cases"] for p in c["people"] if p["id"] == "P11")
    assert p11[header.index("姓名")] == name[0] + "*" * (len(name) - 1)
    assert p11[header.index("年度考核等次")] == "称职"
    competent = policy.rules["annual.competent"]   # the rule by its title and clause, never its id
    assert f"年度考核等次：{competent.title}（{competent.clause}）" in p11[header.index("依据")]
    assert not re.search(r"[a-z_]+\.[a-z_]+", p11[header.index("依据")])
    assert len(rows) - 1 == 48
    names = {p.get("name") for c in locations.plain(yamlio.load(ROSTER))["cases"] for p in c["people"]}
    assert not any(str(cell) in names for r in rows for cell in r if cell)
    books = list(wb["记录核对"].iter_rows(values_only=True))
    assert ("人员", 48, 48, 0) in books and ("核对", "平衡", None, None) in books
    summary = list(wb["汇总"].iter_rows(values_only=True))
    assert ("年度考核等次", "优秀", 6) in [r[:3] for r in summary]
    sums = summary[[r[0] for r in summary].index("数值决定按中心合计") + 1]
    assert "补贴合计（元/月）" in sums and "技能补贴（元/月）" in sums
    qu = next(r for r in summary if r[:2] == ("SC-2025-ANNUAL", "CTR-QU"))
    expected = sum(v for (c, s, d), v in yaml_values.items() if d == "monthly_allowance_total" and c == "SC-2025-ANNUAL"
                   and s in {f"P{i:02d}" for i in range(1, 24)})
    assert qu[2] == 23 and qu[sums.index("补贴合计（元/月）")] == expected


@pytest.mark.slow   # run.py in a subprocess
def test_evaluate_errors_sheet_and_csv(tmp_path, policy):
    path = basic(tmp_path, [person(1), person(2, education="很好")])
    tables = sheetreport.tables(policy, *_evaluated(path, policy), unmask=True)
    errors = next(t for t in tables if t.name == "错误").blocks[0]
    assert errors.header == ["案例", "对象", "位置", "信息"]
    (case, subject, where, message), = [r for r in errors.rows if r[1] == "P2"]
    assert case == "T1" and where.endswith("人员!E3") and "学历" in message and "很好" in message
    assert len([r for r in errors.rows if r[1] != "P2"]) == 2     # the center's decisions that count people
    people = next(t for t in tables if t.name == "判定-人员").blocks[0]
    assert [r[people.header.index("依据")] for r in people.rows if r[1] == "P2"] == [sheetreport.UNDECIDED]
    assert [r[people.header.index("姓名")] for r in people.rows if r[1] == "P1"] == ["王1"]   # unmasked on request
    done = run("evaluate", path, "--format", "csv")
    assert done.returncode == 1   # a record had an error
    table = list(csv.reader(io.StringIO(done.stdout)))
    assert table[0][:4] == ["案例", "类别", "编号", "名称"] and "选聘资格" in table[0]
    assert ["T1", "人员", "P1", "王*"] == table[1][:4] and "人员!E3" in done.stderr


def _evaluated(path, policy):
    case_file = load_cases(path, policy)
    evaluator = Evaluator(policy)
    return case_file, [evaluator.evaluate(c) for c in case_file.cases]


def test_numeric_decisions_are_found_by_their_values(policy):
    case_file, results = _evaluated(ROSTER, policy)
    assert sheetreport.numeric_decisions(policy, results) == [
        "skill_allowance", "seniority_allowance", "education_allowance", "monthly_allowance_total"]


@pytest.mark.slow   # run.py in a subprocess
def test_cli_template_convert_and_usage(tmp_path):
    done = run("template", tmp_path / "t.xlsx")
    assert done.returncode == 0 and (tmp_path / "t.xlsx").is_file(), done.stderr
    done = run("convert", ROSTER, tmp_path / "r.csv")
    assert done.returncode == 0, done.stderr
    assert (tmp_path / "r.案例.csv").read_bytes().startswith(b"\xef\xbb\xbf")   # BOM: Excel opens it as UTF-8
    bad = tmp_path / "bad.yaml"
    bad.write_text("id: X\nas_of: 2025-12-31\npeople:\n  - {id: P1, birth_date: 1990-01-01, shoe_size: 42}\n",
                   encoding="utf-8")
    done = run("convert", bad, tmp_path / "bad.xlsx")
    assert done.returncode == 2 and f"{bad} 第4行 第38列（案例 X）：名册没有字段“shoe_size”" in done.stderr, done.stderr
    assert "people[0]" not in done.stderr and not (tmp_path / "bad.xlsx").exists()
    done = run("evaluate", ROSTER, "--format", "xlsx")
    assert done.returncode == 2 and "--out" in done.stderr


def test_roster_yaml_is_part_of_the_policy_validated_and_digested(tmp_policy):
    """policy.yaml lists roster.yaml: `validate` checks it against the case fields, and it is in the digest."""
    from conftest import edit
    from engine.policy.loader import load_policy
    from engine.tools.validate import check
    before, _ = load_policy(tmp_policy)
    assert before is not None and before.roster == "roster.yaml"
    assert not [p for p in check(before) if p.severity == "error"]
    edit(tmp_policy, "roster.yaml", "{header: 学历, field: education, type: text, choices: education}",
         "{header: 学历, field: eduction, type: text, choices: education}")
    after, problems = load_policy(tmp_policy)
    assert after is not None and after.digest != before.digest
    found = [p for p in problems + check(after) if p.location.file.endswith("roster.yaml")]
    assert found and any("eduction" in p.message for p in found), [str(p) for p in found]
    text = (tmp_policy / "roster.yaml").read_text(encoding="utf-8")
    assert found[0].location.line == text[:text.index("field: eduction")].count("\n") + 1


def test_a_lost_header_does_not_leak_the_column_it_headed(tmp_path):
    """Found by the fuzzer: with 姓名's header blanked, the names stood in a headerless column and the error
    quoted one in clear. Now such a cell is quoted masked, as a name is."""
    import csv
    import io
    import json

    from conftest import cli
    from engine.common import yamlio
    roster = locations.plain(yamlio.load(ROOT / "fixtures" / "roster_2025.yaml"))
    names = [p["name"] for c in roster["cases"] for p in c.get("people", []) if len(p.get("name") or "") > 1]
    assert cli("convert", ROOT / "fixtures" / "roster_2025.yaml", tmp_path / "r.csv")[0] == 0
    people = tmp_path / "r.csv"
    rows = list(csv.reader(io.StringIO(people.read_text(encoding="utf-8-sig"))))
    rows[0][rows[0].index("姓名")] = ""
    out = io.StringIO()
    csv.writer(out).writerows(rows)
    people.write_text(out.getvalue(), encoding="utf-8-sig")
    code, stdout, stderr = cli("evaluate", people, "--format", "json")
    assert code == 1 and json.loads(stdout)["errors"]
    assert not [n for n in names if n in stdout or n in stderr]


@pytest.mark.parametrize("suffix", [".xlsx", ".csv"])
def test_a_name_in_the_header_row_is_not_quoted_in_clear(tmp_path, suffix):
    """Found by the fuzzer (a cell copied from another row, here 王婷 from the row below, into 姓名's header): an
    unknown header close to no known one may be data, and is quoted masked (a misspelt header, close to a known
    one, is quoted whole with the suggestion)."""
    import json

    from conftest import cli
    roster = locations.plain(yamlio.load(ROSTER))
    names = [p["name"] for c in roster["cases"] for p in c.get("people", []) if len(p.get("name") or "") > 1]
    people = tmp_path / f"r{suffix}"
    assert cli("convert", ROSTER, people)[0] == 0
    if suffix == ".xlsx":
        book = load_workbook(people)
        sheet = book["人员"]
        column = next(c for c in sheet[1] if c.value == "姓名").column
        sheet.cell(1, column).value = sheet.cell(2, column).value
        book.save(people)
    else:
        rows = list(csv.reader(io.StringIO(people.read_text(encoding="utf-8-sig"))))
        column = rows[0].index("姓名")
        rows[0][column] = rows[1][column]
        out = io.StringIO()
        csv.writer(out).writerows(rows)
        people.write_text(out.getvalue(), encoding="utf-8-sig")
    code, stdout, stderr = cli("evaluate", people, "--format", "json")
    assert code == 1 and json.loads(stdout)["errors"]
    assert not [n for n in names if n in stdout or n in stderr]


# --- every fixture through both spreadsheet formats ----------------------------------------------------------------

def _zero_civil_affairs(tmp_path: Path) -> Path:
    """The roster with a center's staff.civil_affairs at 0: ruamel reads that 0 as a ScalarInt, which convert
    refused for CSV ("0 无法在 CSV 中原样表示（读回为 0）") while comparing exact types."""
    text = ROSTER.read_text(encoding="utf-8")
    assert text.count("civil_affairs: 1}") >= 1
    path = tmp_path / "zero.yaml"
    path.write_text(text.replace("civil_affairs: 1}", "civil_affairs: 0}", 1), encoding="utf-8")
    return path


# a fixture of another policy than the shipped default is read under its own
POLICY_OF = {"xiaowei_2023.yaml": ROOT / "policies" / "xiaowei_2023"}


def _policy_args(fixture: str) -> list:
    return ["--policy", POLICY_OF[fixture]] if fixture in POLICY_OF else []


def _determinations(path: Path, fixture: str = "") -> dict:
    from conftest import cli
    code, out, err = cli("evaluate", path, "--format", "json", "--explain", "none", *_policy_args(fixture))
    assert code in (0, 1), err
    doc = __import__("json").loads(out)
    assert doc["account"]["balanced"]
    return {c["id"]: (c["determinations"], [e["message"] for e in c["errors"]]) for c in doc["cases"]}


def _generated(tmp_path: Path, year: int) -> Path:
    """`run.py generate`'s roster of 300 people (three cases) for `year`: the same seed, the same file."""
    from conftest import cli
    path = tmp_path / f"generated_{year}.yaml"
    code, _, err = cli("generate", "--people", 300, "--seed", 11, "--year", year, "--out", path)
    assert code == 0, err
    return path


_BEFORE: dict[str, dict] = {}
# the small roster stays in the fast subset; the 500-case corpus and the generated rosters take 5–30 s each
ROUND_TRIPS = [pytest.param(p.name, marks=[] if p.stat().st_size < 200_000 else [pytest.mark.slow])
               for p in sorted((ROOT / "fixtures").glob("*.yaml"))] + \
              ["zero"] + [pytest.param(f"generated {year}", marks=pytest.mark.slow) for year in (2024, 2025)]


@pytest.mark.parametrize("fixture", ROUND_TRIPS)
@pytest.mark.parametrize("suffix", [".xlsx", ".csv"])
def test_every_fixture_converts_and_decides_the_same(tmp_path, fixture, suffix):
    """Every shipped fixture, the roster with a 0 in it, and the generator's roster of a leap year and of a common
    one: `run.py convert` to the spreadsheet, `run.py evaluate --format json --explain none` on both, the same
    determinations (and errors), case by case."""
    from conftest import cli
    if fixture == "zero":
        source = _zero_civil_affairs(tmp_path)
    elif fixture.startswith("generated"):
        source = _generated(tmp_path, int(fixture.split()[1]))
    else:
        source = ROOT / "fixtures" / fixture
    target = tmp_path / f"converted{suffix}"
    code, _, err = cli("convert", source, target, *_policy_args(fixture))
    assert code == 0, err
    if fixture not in _BEFORE:        # the YAML's own determinations, once per fixture
        _BEFORE[fixture] = _determinations(source, fixture)
    before, after = _BEFORE[fixture], _determinations(target, fixture)
    assert after == before
    assert sum(len(d) for d, _ in before.values()) > (10 if fixture in POLICY_OF else 100)


def test_convert_refuses_a_cell_the_reader_could_not_give(tmp_path):
    """A formula saved without its result (as openpyxl saves one) is a Flaw: convert names it and writes nothing."""
    from openpyxl import load_workbook
    from conftest import cli
    book = tmp_path / "r.xlsx"
    code, _, err = cli("convert", ROOT / "fixtures" / "roster_2025.yaml", book)
    assert code == 0, err
    wb = load_workbook(book)
    wb["人员"]["E2"] = "=1+1"
    wb.save(book)
    for target in ("r.yaml", "r.json", "r2.xlsx", "r.csv"):
        code, _, err = cli("convert", book, tmp_path / target)
        assert code == 2 and "公式" in err and "Traceback" not in err, err
        # at its cell, the field by its column's header, as every case-file error
        assert re.search(rf"r\.xlsx 人员!E2（案例 [^）]+）：{wb['人员']['E1'].value}：", err), err
        assert not (tmp_path / target).exists()
