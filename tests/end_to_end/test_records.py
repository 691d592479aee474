"""One bad cell costs one person: a malformed record is an error naming its subject; the rest is decided,
center counts that would include it are undecided with the reason, and every record read is accounted for."""
from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from engine.casefiles.cases import load_cases
from engine.pipeline.evaluate import Evaluator, account

from conftest import ROOT

ROSTER = ROOT / "fixtures" / "roster_2025.yaml"
ENV = dict(os.environ, COLUMNS="400", PYTHONIOENCODING="utf-8")


def _roster_with(tmp_path, old: str, new: str) -> Path:
    text = ROSTER.read_text(encoding="utf-8")
    assert text.count(old) == 1, old
    path = tmp_path / "roster.yaml"
    path.write_text(text.replace(old, new), encoding="utf-8")
    return path


def _evaluate(path, policy):
    case_file = load_cases(path, policy)
    evaluator = Evaluator(policy)
    return case_file, [evaluator.evaluate(c) for c in case_file.cases]


def _values(results) -> dict:
    return {(r.case.id, d.subject, d.decision): d.value for r in results for d in r.determinations}


def test_one_bad_rating_costs_one_person_and_the_counts_of_their_center(tmp_path, policy):
    _, before = _evaluate(ROSTER, policy)
    path = _roster_with(tmp_path, "2025-04: 差, 2025-05: 一般, 2025-06: 一般,\n                  2025-07: 一般, 2025-08: 好",
                        "2025-04: 很好, 2025-05: 一般, 2025-06: 一般,\n                  2025-07: 一般, 2025-08: 好")
    case_file, after = _evaluate(path, policy)
    error, = case_file.errors
    assert (error.case, error.subject, error.kind, error.path) == (
        "SC-2025-ANNUAL", "P05", "people", "cases[0].people[4].ratings.2025-04")
    assert error.line == next(i + 1 for i, line in enumerate(path.read_text(encoding="utf-8").splitlines())
                              if "很好" in line)
    old, new = _values(before), _values(after)
    # everyone else is decided exactly as before, P05 not at all
    people = {p["id"] for r in before for p in r.case.records["people"]}
    assert {s for (_, s, _) in new if s in people} == people - {"P05"}
    changed = {k for k in new if new[k] != old.get(k)}
    # P05's center counts people: its 20% check and (clerks not given) its ratio are undecided, never guessed
    assert ("SC-2025-ANNUAL", "CTR-QU", "good_rating_violations") not in new
    assert ("SC-2025-ANNUAL", "CTR-QU", "clerk_ratio_compliant") not in new
    assert ("SC-2025-ANNUAL", "CTR-QU", "window_quota_compliant") in new       # counts no people
    assert changed == set()
    reasons = [e for r in after for e in r.errors if e.path.endswith("[CTR-QU]")]
    assert {e.path for e in reasons} == {"good_rating_violations[CTR-QU]", "clerk_ratio_compliant[CTR-QU]"}
    assert all("P05" in e.message and "无法计入本中心" in e.message for e in reasons)
    books = account(case_file, after)
    assert books["people"] == {"read": 48, "decided": 47, "errored": 1} and books["balanced"]


def test_an_unknown_center_is_an_error_on_that_person(tmp_path, policy):
    p05 = "hired_on: 2019-03-01\n        probation: false\n        center: "
    path = _roster_with(tmp_path, p05 + "CTR-QU", p05 + "NO-SUCH-CENTER")
    case_file, results = _evaluate(path, policy)
    error, = case_file.errors
    assert (error.subject, error.path) == ("P05", "cases[0].people[4].center")
    assert "NO-SUCH-CENTER" in error.message
    assert "P05" not in {d.subject for r in results for d in r.determinations}
    # a person at a center the case does not hold is not counted anywhere: no center is left undecided
    assert not [e for r in results for e in r.errors if e.kind is None]


@pytest.mark.slow   # run.py in a subprocess
def test_the_cli_reports_the_person_and_balances_the_account(tmp_path):
    path = _roster_with(tmp_path, "      - id: P05\n        name: 陈静\n        id_number: \"321322199406082481\"\n"
                                  "        birth_date: 1994-06-08",
                        "      - id: P05\n        name: 陈静\n        id_number: \"321322199406082481\"\n"
                        "        birth_date: 1994-13-08")
    done = subprocess.run([sys.executable, "run.py", "evaluate", str(path), "--format", "json"], cwd=ROOT, env=ENV,
                          capture_output=True, text=True, encoding="utf-8", timeout=300)
    assert done.returncode == 1, done.stderr
    doc = json.loads(done.stdout)
    case = doc["cases"][0]
    error, = [e for e in case["errors"] if e.get("kind") == "people"]
    assert error["subject"] == "P05" and error["path"] == "cases[0].people[4].birth_date"
    assert len({d["subject"] for d in case["determinations"] if d["subject"].startswith("P")}) == 43
    assert doc["account"]["people"] == {"read": 48, "decided": 47, "errored": 1} and doc["account"]["balanced"]
    assert len([c for c in doc["cases"] if c["id"] == "SC-2025-ANNUAL"]) == 1
    table = subprocess.run([sys.executable, "run.py", "evaluate", str(path)], cwd=ROOT, env=ENV,
                           capture_output=True, text=True, encoding="utf-8", timeout=300)
    assert "错误 SC-2025-ANNUAL P05 第" in table.stdout
    assert "记录核对：人员 读入 48 = 判定 47 + 出错 1" in table.stdout


def test_a_case_whose_own_fields_are_wrong_costs_its_records_and_says_so(tmp_path, policy):
    path = tmp_path / "c.yaml"
    path.write_text(json.dumps({"cases": [
        {"id": "A", "as_of": "2025-13-01", "people": [{"id": "P1", "birth_date": "1990-01-01"}],
         "centers": [{"id": "C", "level": "镇", "windows": 4}]},
        {"id": "B", "as_of": "2025-12-31", "people": [{"id": "P2", "birth_date": "1990-01-01"}]}]}), encoding="utf-8")
    case_file, results = _evaluate(path, policy)
    assert [r.case.id for r in results] == ["B"]
    books = account(case_file, results)
    assert books["people"] == {"read": 2, "decided": 1, "errored": 1}
    assert books["centers"] == {"read": 1, "decided": 0, "errored": 1} and books["balanced"]
