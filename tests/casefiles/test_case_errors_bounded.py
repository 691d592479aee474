"""engine/casefiles/cases.py keeps a bounded number of errors: a record lists limits.MAX_PROBLEMS and one line
saying how many more, a file limits.MAX_FILE_ERRORS and one summary of the bad records and cases beyond them.
What is not listed is still counted: every record read is decided or errored, and the errors the kept lines stand
for add up to those an uncapped reading finds.
"""
from __future__ import annotations

import csv
import io
import json
from pathlib import Path

import pytest

from conftest import cli, person
from engine.casefiles import cases
from engine.casefiles.cases import load_cases
from engine.common import limits
from engine.pipeline.evaluate import Evaluator, account

CENTER = {"id": "C1", "name": "某镇便民服务中心", "level": "镇", "windows": 4}


def bad_person(pid: str) -> dict:
    """A person of ~50 errors (one per value): dates, words and types wrong, 24 ratings that are numbers, 8 broken certificates."""
    return {"id": pid, "birth_date": "x", "education": 9, "hired_on": "y", "center": "C1",
            "ratings": {f"{y}-{m:02d}": m for y in (2024, 2025) for m in range(1, 13)},
            "certificates": [{"type": 9, "level": [], "obtained_on": "x"}] * 8}


def case(case_id: str, people: list[dict], **own) -> dict:
    return {"id": case_id, "as_of": "2025-12-31", "centers": [dict(CENTER)], "people": people, **own}


def write(tmp_path: Path, doc: dict) -> Path:
    path = tmp_path / "roster.json"
    path.write_text(json.dumps(doc, ensure_ascii=False), encoding="utf-8")
    return path


def uncapped(monkeypatch, path: Path, policy):
    with monkeypatch.context() as m:
        m.setattr(cases, "MAX_PROBLEMS", 10**9)
        m.setattr(cases, "MAX_FILE_ERRORS", 10**9)
        return load_cases(path, policy)


def balanced(case_file, policy) -> dict:
    evaluator = Evaluator(policy)
    books = account(case_file, [evaluator.evaluate(c) for c in case_file.cases])
    assert books["balanced"], books
    return books


def test_a_record_lists_its_first_errors_and_one_line_for_the_rest(tmp_path, policy, monkeypatch):
    path = write(tmp_path, case("A", [bad_person("P1"), person("P2", center="C1")]))
    full = [e for e in uncapped(monkeypatch, path, policy).errors if e.subject == "P1"]
    assert len(full) > limits.MAX_PROBLEMS + 10
    case_file = load_cases(path, policy)
    listed = [e for e in case_file.errors if e.subject == "P1"]
    assert listed[:-1] == full[:limits.MAX_PROBLEMS]
    more = listed[-1]
    assert more.message == f"……另有 {len(full) - limits.MAX_PROBLEMS} 处错误未列出"
    assert (more.path, more.kind, more.case, more.line) == ("people[0]", "people", "A", 1)
    assert more.as_json()["omitted"] == {"errors": len(full) - limits.MAX_PROBLEMS}
    assert sum(e.stands_for for e in listed) == len(full)
    assert {p["id"] for p in case_file.cases[0].records["people"]} == {"P2"}
    assert balanced(case_file, policy)["people"] == {"read": 2, "decided": 1, "errored": 1}


def test_a_file_of_bad_records_keeps_a_bounded_number_of_errors_and_counts_every_record(tmp_path, policy,
                                                                                     monkeypatch):
    """Two cases of 75 bad and 25 good people each, then a case whose own as_of is wrong: the errors kept stop
    near MAX_FILE_ERRORS, one summary counts the records and the case beyond, and the account balances."""
    def people(case_no: int) -> list[dict]:
        return [bad_person(f"B{case_no}-{i}") if i % 4 else person(f"G{case_no}-{i}", center="C1") for i in range(100)]
    doc = {"cases": [case("A", people(1)), case("B", people(2)), case("C", [person("P1")], as_of="2025-13-01")]}
    path = write(tmp_path, doc)
    full = uncapped(monkeypatch, path, policy)
    assert len(full.errors) > 3 * limits.MAX_FILE_ERRORS
    case_file = load_cases(path, policy)

    kept = case_file.errors
    assert len(kept) <= limits.MAX_FILE_ERRORS + limits.MAX_PROBLEMS + 1 + 1   # a record kept whole, the summary
    summary = kept[-1]
    listed = {(e.case, e.subject) for e in kept[:-1] if e.subject}
    rejected = [(c.id, r.subject) for c in case_file.cases for r in c.rejected]
    assert len(rejected) == 150 and listed <= set(rejected)
    assert (summary.omitted_records, summary.omitted_cases) == (150 - len(listed), 1)
    assert summary.message == (f"……另有 {150 - len(listed)} 条记录、1 个案例有误（共 {summary.omitted_errors:,} 处错误），"
                               f"未逐条列出：一个文件至多列出 {limits.MAX_FILE_ERRORS:,} 处错误。它们均未判定，已计为出错")
    assert summary.case is None and summary.as_json()["omitted"] == {
        "errors": summary.omitted_errors, "records": summary.omitted_records, "cases": 1}
    # the kept lines stand for every error found
    assert sum(e.stands_for for e in kept) == len(full.errors)
    # every record is decided or errored: the 50 good people, 150 bad, the failed case's one
    books = balanced(case_file, policy)
    assert books["people"] == {"read": 201, "decided": 50, "errored": 151}
    assert case_file.failed_cases == {"C": {"people": 1, "centers": 1, "items": 0}}
    # each case keeps only what the file's budget let it list
    assert sum(len(c.errors) for c in case_file.cases) == len(kept) - 1


def test_the_json_answer_holds_the_bounded_errors(tmp_path, policy):
    path = write(tmp_path, case("A", [bad_person(f"B{i}") for i in range(120)] + [person("P1", center="C1")]))
    code, out, err = cli("evaluate", path, "--format", "json", "--explain", "none")
    assert code == 1, err
    doc = json.loads(out)
    errors = [e for e in doc["cases"][0]["errors"] if e.get("kind") == "people"]   # not the center's undecided
    assert len(errors) <= limits.MAX_FILE_ERRORS + limits.MAX_PROBLEMS + 1
    summary, = doc["errors"]
    assert summary["omitted"]["records"] == 120 - len({e["subject"] for e in errors})
    assert doc["account"]["people"] == {"read": 121, "decided": 1, "errored": 120}
    assert [d["subject"] for d in doc["cases"][0]["determinations"] if d["subject"] == "P1"]


def test_an_incomplete_center_names_its_first_rejected_people(tmp_path, policy):
    path = write(tmp_path, case("A", [bad_person(f"B{i}") for i in range(30)]))
    reason = load_cases(path, policy).cases[0].incomplete[("center", "C1")]
    assert reason.startswith("B0（第1行）、B1（第1行）") and reason.endswith(" 等 30 条记录有误，无法计入本中心")
    assert reason.count("（第1行）") == limits.MAX_PROBLEMS


@pytest.mark.slow   # run.py in a bounded child
def test_a_roster_of_bad_rows_is_answered_in_bounded_memory(tmp_path):
    """3,000 people as CSV, every cell but the ids and names wrong (~40 errors a row): without the caps 290 MB at
    its peak and 56 MB of JSON, growing with each row; with them ~65 MB and under 1 MB. (A generated roster,
    converted: its people's rows spoiled and repeated under new ids.)"""
    from end_to_end.test_hostile import PEAK_BOUND_KB, evaluate
    assert cli("generate", "--people", 20, "--seed", 3, "--out", tmp_path / "g.yaml")[0] == 0
    assert cli("convert", tmp_path / "g.yaml", tmp_path / "g.csv")[0] == 0
    people = tmp_path / "g.csv"
    header, *rows = csv.reader(io.StringIO(people.read_text(encoding="utf-8-sig")))
    kept = {header.index(h): h for h in ("案例编号", "编号", "所属中心", "姓名")}
    spoiled = [[f"{v}-{n}" if kept.get(i) == "编号" else v if i in kept else "x" for i, v in enumerate(row)]
               for n in range(3000 // len(rows)) for row in rows]
    assert len(spoiled) == 3000
    out = io.StringIO()
    csv.writer(out).writerows([header] + spoiled)
    people.write_text(out.getvalue(), encoding="utf-8")

    done = evaluate(people, "--explain", "none")
    doc = done.doc
    assert doc["account"]["people"] == {"read": 3000, "decided": 0, "errored": 3000}
    assert len(done.stdout) < 2 * 2**20 and done.peak_kb < PEAK_BOUND_KB // 2, (len(done.stdout), done.peak_kb)
    listed = [e for c in doc["cases"] for e in c["errors"] if e.get("kind") == "people"]   # not centers undecided
    assert len(listed) <= limits.MAX_FILE_ERRORS + limits.MAX_PROBLEMS + 1
    summary, = doc["errors"]
    assert summary["omitted"]["records"] + len({(e["case"], e["subject"]) for e in listed}) == 3000
    assert summary["omitted"]["errors"] > 30 * summary["omitted"]["records"]
