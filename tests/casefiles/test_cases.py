"""engine/casefiles/cases.py `load_cases`: bad input gets a clear error (file, case, field path, line, what
was expected, what was found); the good cases of the same file still come through; aliases
normalise to the document's own terms.

Case files are written as YAML text so that the line of every bad value is known.
"""
from __future__ import annotations

import textwrap
from pathlib import Path

import pytest

from engine.casefiles.cases import load_cases

PERSON = """\
as_of: 2025-12-31
people:
  - id: P1
    birth_date: 1990-01-01
    education: 本科
    hired_on: 2020-01-01
"""


def write(tmp_path: Path, text: str, name: str = "case.yaml") -> Path:
    path = tmp_path / name
    path.write_text(textwrap.dedent(text), encoding="utf-8")
    return path


def line_of(path: Path, needle: str) -> int:
    hits = [i + 1 for i, line in enumerate(path.read_text(encoding="utf-8").splitlines()) if needle in line]
    assert len(hits) == 1, f"«{needle}» on lines {hits}"
    return hits[0]


def one_error(case_file):
    """The one error of the file; a bad record leaves its case standing without that record."""
    assert len(case_file.errors) == 1, [str(e) for e in case_file.errors]
    error = case_file.errors[0]
    if error.kind is not None:
        case, = [c for c in case_file.cases if c.id == error.case]
        assert [(r.kind, r.subject) for r in case.rejected] == [(error.kind, error.subject)]
        assert error.subject not in [r["id"] for r in case.records[error.kind]]
    else:
        assert error.case not in [c.id for c in case_file.cases]
    return error


# --- one bad value each ------------------------------------------------------------

def test_rating_not_in_the_document(tmp_path, policy):
    path = write(tmp_path, PERSON + "    ratings:\n      2025-01: 好\n      2025-02: 很好\n")
    e = one_error(load_cases(path, policy))
    assert e.file == str(path)
    assert e.case == "case-1"
    assert e.path == "people[0].ratings.2025-02"
    assert e.line == line_of(path, "很好")
    assert "月度考核等次（2025-02）应为 好、一般、差、暂停 之一" in e.message     # the field by its label
    assert "很好" in e.message
    # and the one-line rendering carries all of it: the file, the value's own line and column, no path
    assert str(e).startswith(f"{path} 第{e.line}行 第{e.col}列（案例 case-1）：") and "ratings" not in str(e)


@pytest.mark.parametrize("field", ["hired_on", "birth_date", "as_of"])
def test_impossible_date(tmp_path, policy, field):
    text = PERSON.replace(f"{field}: ", f"{field}: 2025-13-01 #", 1)
    path = write(tmp_path, text)
    e = one_error(load_cases(path, policy))
    assert e.path == (field if field == "as_of" else f"people[0].{field}")
    assert e.line == line_of(path, "2025-13-01")
    assert "不是真实的日期" in e.message
    assert "2025-13-01" in e.message


def test_february_30th_is_not_a_date(tmp_path, policy):
    path = write(tmp_path, PERSON.replace("hired_on: 2020-01-01", "hired_on: 2023-02-29"))
    e = one_error(load_cases(path, policy))
    assert e.path == "people[0].hired_on" and "2023-02-29" in e.message and "不是真实的日期" in e.message
    assert "2023年2月只有 28 日" in e.message and "2023-02-28" in e.message


def test_missing_birth_date(tmp_path, policy):
    path = write(tmp_path, PERSON.replace("    birth_date: 1990-01-01\n", ""))
    e = one_error(load_cases(path, policy))
    assert e.path == "people[0].birth_date"                 # the field missing, placed at its record
    assert e.message == "未填写出生日期（必填）"
    assert e.line == line_of(path, "- id: P1")


def test_negative_windows(tmp_path, policy):
    path = write(tmp_path, PERSON + "centers:\n  - id: C1\n    level: 镇\n    windows: -1\n")
    e = one_error(load_cases(path, policy))
    assert e.path == "centers[0].windows"
    assert e.line == line_of(path, "windows: -1")
    assert "-1" in e.message and "不小于 0" in e.message


def test_unknown_certificate_level(tmp_path, policy):
    path = write(tmp_path, PERSON + "    certificates:\n"
                                    "      - {type: 政务服务办事员, level: 六级, obtained_on: 2021-01-01}\n")
    e = one_error(load_cases(path, policy))
    assert e.path == "people[0].certificates[0].level"
    assert e.line == line_of(path, "六级")
    assert "六级" in e.message
    assert "五级/初级工" in e.message and "一级/高级技师" in e.message


def test_certificate_level_of_the_other_type(tmp_path, policy):
    path = write(tmp_path, PERSON + "    certificates:\n"
                                    "      - type: 政务服务办事员\n"
                                    "        level: 社会工作师\n"
                                    "        obtained_on: 2021-01-01\n")
    e = one_error(load_cases(path, policy))
    assert e.path == "people[0].certificates[0].level"
    assert e.line == line_of(path, "level: 社会工作师")
    assert "社会工作师" in e.message and "政务服务办事员" in e.message
    # it lists the levels valid for this type, not the social-work ones
    assert "五级/初级工、四级/中级工、三级/高级工、二级/技师、一级/高级技师 之一" in e.message
    assert "助理社会工作师" not in e.message


@pytest.mark.parametrize("text, found", [("- a\n- b\n", "list"), ("hello\n", "scalar")])
def test_top_of_file_not_a_case(tmp_path, policy, text, found):
    path = write(tmp_path, text)
    e = one_error(load_cases(path, policy))
    assert e.file == str(path)
    assert e.line == 1
    assert "应为一个案例" in e.message


@pytest.mark.parametrize("text, words", [("- a\n- b\n", "一个列表"), ("hello\n", "“hello”")])
def test_top_of_file_not_a_case_says_what_was_found_in_plain_words(tmp_path, policy, text, words):
    e = one_error(load_cases(write(tmp_path, text), policy))
    assert "CommentedSeq" not in e.message and "a str" not in e.message
    assert words in e.message


def test_cases_key_not_a_list(tmp_path, policy):
    path = write(tmp_path, "cases: nothing\n")
    e = one_error(load_cases(path, policy))
    assert e.path == "cases" and "列表" in e.message


def test_duplicate_person_ids_refuse_both_records(tmp_path, policy):
    path = write(tmp_path, PERSON + "  - id: P1\n    birth_date: 1991-01-01\n  - id: P2\n    birth_date: 1992-01-01\n")
    cf = load_cases(path, policy)
    assert [e.path for e in cf.errors] == ["people[0].id", "people[1].id"]
    assert all("P1" in e.message and "均未判定" in e.message for e in cf.errors)
    lines = [i + 1 for i, line in enumerate(path.read_text(encoding="utf-8").splitlines()) if "- id: P1" in line]
    assert [e.line for e in cf.errors] == lines
    assert [p["id"] for p in cf.cases[0].records["people"]] == ["P2"]          # the neighbour is still decided


def test_duplicate_case_ids_refuse_every_case_with_that_id(tmp_path, policy):
    path = write(tmp_path, """\
        cases:
          - {id: A, as_of: 2025-12-31, people: [{id: P1, birth_date: 1990-01-01}]}
          - {id: A, as_of: 2025-06-30}
          - {id: B, as_of: 2025-06-30}
        """)
    cf = load_cases(path, policy)
    assert [c.id for c in cf.cases] == ["B"]
    assert [e.path for e in cf.errors] == ["cases[0].id", "cases[1].id"]
    assert all("出现了 2 次" in e.message for e in cf.errors)
    assert cf.read["people"] == 1 and sum(held["people"] for held in cf.failed_cases.values()) == 1


def test_bad_id_number_is_an_error_at_its_line(tmp_path, policy):
    path = write(tmp_path, PERSON + '    id_number: "32130219900101123"\n')
    e = one_error(load_cases(path, policy))
    assert e.path == "people[0].id_number"
    assert e.line == line_of(path, "id_number")
    assert "18" in e.message


def test_a_bad_record_in_the_middle_case_costs_only_that_record(tmp_path, policy):
    path = write(tmp_path, """\
        cases:
          - id: A
            as_of: 2025-12-31
            people:
              - {id: P1, birth_date: 1990-01-01, education: 本科}
          - id: B
            as_of: 2025-12-31
            people:
              - id: P2
                birth_date: 1990-01-01
                ratings: {2025-03: 很好}
          - id: C
            as_of: 2025-06-30
            people:
              - {id: P3, birth_date: 1991-01-01, education: 大专}
        """)
    cf = load_cases(path, policy)
    assert [c.id for c in cf.cases] == ["A", "B", "C"]      # B stands, without its one bad person
    assert [p["id"] for p in cf.cases[0].records["people"]] == ["P1"]
    assert cf.cases[1].records["people"] == [] and [r.subject for r in cf.cases[1].rejected] == ["P2"]
    assert str(cf.cases[2].as_of) == "2025-06-30"
    assert len(cf.errors) == 1
    e = cf.errors[0]
    assert (e.file, e.case, e.path) == (str(path), "B", "cases[1].people[0].ratings.2025-03")
    assert e.line == line_of(path, "很好")
    assert "好、一般、差、暂停" in e.message


def test_all_errors_of_one_case_are_reported(tmp_path, policy):
    path = write(tmp_path, PERSON.replace("hired_on: 2020-01-01", "hired_on: 2025-13-01")
                 + "    ratings: {2025-01: 很好}\n")
    cf = load_cases(path, policy)
    assert cf.cases[0].records["people"] == [] and [r.subject for r in cf.cases[0].rejected] == ["P1"]
    assert {e.path for e in cf.errors} == {"people[0].hired_on", "people[0].ratings.2025-01"}
    assert {e.subject for e in cf.errors} == {"P1"}


# --- aliases ------------------------------------------------------------------------

def test_aliases_normalise_to_the_document_terms(tmp_path, policy):
    path = write(tmp_path, PERSON.replace("education: 本科", "education: 专科") + """\
    certificates:
      - {type: 政务服务办事员, level: 五级, obtained_on: 2021-01-01}
      - {type: 政务服务办事员, level: 4, obtained_on: 2022-01-01}
      - {type: 社工证, level: 社会工作师, obtained_on: 2022-06-01}
      - {type: 行政办事员, level: "3", obtained_on: 2023-01-01}
      - {type: 政务服务办事员, level: 高级技师, obtained_on: 2024-01-01}
""")
    cf = load_cases(path, policy)
    assert cf.errors == [], [str(e) for e in cf.errors]
    person = cf.cases[0].records["people"][0]
    assert person["education"] == "大专"
    assert [(c["type"], c["level"]) for c in person["certificates"]] == [
        ("政务服务办事员", "五级/初级工"),
        ("政务服务办事员", "四级/中级工"),
        ("社会工作者", "社会工作师"),
        ("政务服务办事员", "三级/高级工"),
        ("政务服务办事员", "一级/高级技师"),
    ]


def test_center_level_alias(tmp_path, policy):
    path = write(tmp_path, PERSON + "centers:\n  - {id: C1, level: 村（社区）, windows: 2}\n"
                                    "items:\n  - {id: I1, department: 民政, center_level: 街道}\n")
    cf = load_cases(path, policy)
    assert cf.errors == [], [str(e) for e in cf.errors]
    assert cf.cases[0].records["centers"][0]["level"] == "村(社区)"
    assert cf.cases[0].records["items"][0]["center_level"] == "城区中心街道"


def test_single_case_file_defaults(tmp_path, policy):
    path = write(tmp_path, PERSON)
    cf = load_cases(path, policy)
    assert cf.errors == []
    case = cf.cases[0]
    assert case.id == "case-1"
    assert case.values["assessment_year"] == 2025   # default: the year of as_of
    assert case.file == str(path)


def test_a_blank_value_is_reported_on_its_own_line(policy, tmp_path):
    """`birth_date:` with nothing after it: at its key's line, not at the next line (where the parser looks next)."""
    path = tmp_path / "blank.yaml"
    path.write_text("as_of: 2025-12-31\npeople:\n  - id: P1\n    birth_date:\n    education: 本科\n"
                    "    hired_on: 2022-01-01\n", encoding="utf-8")
    case_file = load_cases(path, policy)
    [error] = [e for e in case_file.errors if e.path.endswith("birth_date")]
    assert (error.line, error.col) == (4, 5)
