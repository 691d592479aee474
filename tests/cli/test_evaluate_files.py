"""`run.py evaluate A B DIR/`: several case files, or a folder's, in one run, with one answer and one account;
made in process (engine.cli.main, stdout and stderr captured)."""
from __future__ import annotations

import csv
import io
import json
import shutil

import pytest

from conftest import ROOT, cli, write_case
from engine.common import locations, yamlio

ROSTER = ROOT / "fixtures" / "roster_2025.yaml"
CORPUS = ROOT / "fixtures" / "corpus_500.yaml"


def _json(*argv) -> tuple[int, dict]:
    status, out, err = cli("evaluate", *argv, "--format", "json", "--explain", "none")
    assert status in (0, 1), err
    return status, json.loads(out)


@pytest.fixture(scope="module")
def bad_file(tmp_path_factory):
    """A file of three cases: the roster's first, one that cannot be read, one with a rejected record."""
    cases = locations.plain(yamlio.load(ROSTER))["cases"]
    bad = json.loads(json.dumps(cases[0], default=str))
    bad["id"], bad["people"][0]["birth_date"] = "BAD-RECORD", "1990-13-45"
    return write_case({"cases": [cases[0], {"id": "NO-DATE", "people": [{"id": "X1"}]}, bad]},
                      tmp_path_factory.mktemp("bad"))


def _added(*accounts: dict) -> dict:
    kinds = [k for k in accounts[0] if k != "balanced"]
    out = {k: {n: sum(a[k][n] for a in accounts) for n in ("read", "decided", "errored")} for k in kinds}
    return dict(out, balanced=True)


def test_several_files_give_one_answer_whose_account_is_the_sum(bad_file):
    one_status, one = _json(ROSTER, "--jobs", "1")
    bad_status, bad = _json(bad_file, "--jobs", "1")
    both_status, both = _json(ROSTER, bad_file, "--jobs", "2")
    assert (one_status, bad_status, both_status) == (0, 1, 1)
    assert both["account"] == _added(one["account"], bad["account"]) and both["account"]["balanced"]
    assert both["cases"] == one["cases"] + bad["cases"]
    assert both["files"] == [{"file": str(ROSTER), "cases": len(one["cases"])},
                             {"file": str(bad_file), "cases": len(bad["cases"])}]
    # errors name their file, as from that file alone
    errors = [e for c in both["cases"] for e in c["errors"]]
    assert errors and {e["file"] for e in errors} == {str(bad_file)}
    assert "files" not in one   # one file: the answer's shape as always


def test_a_folder_is_read_in_name_order(tmp_path, bad_file):
    folder = tmp_path / "名册"
    folder.mkdir()
    shutil.copy(bad_file, folder / "b.json")
    shutil.copy(ROSTER, folder / "a.yaml")
    (folder / "说明.txt").write_text("不是案例文件", encoding="utf-8")
    (folder / "~$a.xlsx").write_bytes(b"")   # Excel's lock file
    (folder / "sub").mkdir()
    shutil.copy(ROSTER, folder / "sub" / "c.yaml")
    status, doc = _json(folder, "--jobs", "1")
    assert status == 1
    assert [f["file"] for f in doc["files"]] == [str(folder / "a.yaml"), str(folder / "b.json")]
    _, named = _json(folder / "a.yaml", folder / "b.json", "--jobs", "1")
    assert doc == named


def test_a_csv_roster_in_a_folder_is_read_once_with_its_side_files(tmp_path):
    folder = tmp_path / "csv"
    folder.mkdir()
    status, _, err = cli("convert", ROSTER, folder / "名册.csv")
    assert status == 0, err
    assert len(list(folder.iterdir())) > 1   # 名册.csv and its side files (名册.案例.csv …)
    _, doc = _json(folder)
    _, alone = _json(folder / "名册.csv")
    assert doc == alone and "files" not in doc   # one case file: the side files are part of it


def test_a_file_named_twice_is_read_once():
    _, twice = _json(ROSTER, ROSTER.parent / ".." / "fixtures" / ROSTER.name)
    _, once = _json(ROSTER)
    assert twice == once


def test_the_table_takes_several_files(bad_file):
    status, out, err = cli("evaluate", ROSTER, bad_file, "--jobs", "1")
    assert status == 1
    _, one, _ = cli("evaluate", ROSTER, "--jobs", "1")
    _, doc = _json(ROSTER, bad_file)
    books = doc["account"]["people"]
    assert f"读入 {books['read']} = 判定 {books['decided']} + 出错 {books['errored']}" in out
    assert str(bad_file) in err   # its errors name it


def test_csv_output_takes_several_files(bad_file):
    status, out, err = cli("evaluate", ROSTER, CORPUS, "--format", "csv", "--jobs", "2")
    assert status == 0, err
    rows = list(csv.reader(io.StringIO(out)))
    _, roster, _ = cli("evaluate", ROSTER, "--format", "csv", "--jobs", "1")
    _, corpus, _ = cli("evaluate", CORPUS, "--format", "csv", "--jobs", "1")
    roster, corpus = list(csv.reader(io.StringIO(roster))), list(csv.reader(io.StringIO(corpus)))
    assert rows[0] == roster[0] == corpus[0]
    assert sorted(rows[1:]) == sorted(roster[1:] + corpus[1:])   # one table: each kind's rows together


def test_with_a_subject_every_file_is_searched(bad_file):
    status, out, err = cli("evaluate", bad_file, ROSTER, "--format", "json", "--subject", "P11", "--jobs", "2")
    assert status == 1, err
    doc = json.loads(out)
    assert {d["subject"] for c in doc["cases"] for d in c["determinations"]} == {"P11"}
    status, out, err = cli("evaluate", bad_file, ROSTER, "--format", "json", "--subject", "P999")
    assert status == 2 and out == "" and "没有编号为“P999”的对象" in err


# --- a JSON file checked case by case in the workers -----------------------------------------------------------

def _whole(policy, path, decide=None) -> str:
    """The answer made the old way: the file read whole, every case decided, then the document written."""
    from engine.casefiles.cases import load_cases
    from engine.common import jsonio
    from engine.outputs import answer
    from engine.pipeline.evaluate import Evaluator
    case_file = load_cases(path, policy)
    evaluator = Evaluator(policy)
    results = [(decide or evaluator.evaluate)(c) for c in case_file.cases]
    out = io.StringIO()
    jsonio.write(answer.document(policy, case_file, results, "brief"), out)
    return out.getvalue()


def _corpus_json(tmp_path, change=None):
    """Twelve cases of eight people: the corpus's first people, a case to each center of the corpus's cases."""
    cases = []
    for whole in json.loads(json.dumps(locations.plain(yamlio.load(CORPUS))["cases"], default=str)):
        for n in range(3):
            people = whole["people"][8 * n:8 * n + 8]
            cases.append(dict(whole, id=f"{whole['id']}-{n}", people=people, items=[]))
    if change:
        change(cases)
    path = tmp_path / "cases.json"
    path.write_text(json.dumps({"cases": cases}, ensure_ascii=False), encoding="utf-8")
    return path


def _bad_birth(cases):
    cases[6]["people"][0]["birth_date"] = "1990-13-45"


def _no_date(cases):
    del cases[3]["as_of"]


def _same_id(cases):
    cases[5]["id"] = cases[4]["id"]


@pytest.mark.parametrize("change", [None, _bad_birth, _no_date, _same_id])
@pytest.mark.parametrize("jobs", ["1", "2"])
def test_a_json_file_checked_case_by_case_gives_the_answer_read_whole(policy, tmp_path, change, jobs):
    """Clean, its cases are checked where they are decided; at the first case that does not read cleanly the
    file is read whole (every error with its line) and the rest decided from there: the bytes are the same."""
    path = _corpus_json(tmp_path, change)
    status, out, err = cli("evaluate", path, "--format", "json", "--jobs", jobs)
    assert status == (0 if change is None else 1), err
    assert out == _whole(policy, path)


def test_a_case_whose_run_fails_sends_the_file_to_be_read_whole(policy, tmp_path, monkeypatch):
    """An error of the run names the case's line, which only a reading of the whole file gives."""
    from engine.pipeline import parallel
    from engine.pipeline.evaluate import Evaluator
    path = _corpus_json(tmp_path)
    doomed = json.loads(path.read_text(encoding="utf-8"))["cases"][5]["id"]
    evaluator = Evaluator(policy)
    read_whole = []

    def decide(evaluator, case):
        return evaluator.failed(case, "规则运行出错") if case.id == doomed else evaluator.evaluate(case)
    monkeypatch.setattr(parallel, "_decide", decide)
    import engine.cli.evaluate as command
    real = command.load_cases
    monkeypatch.setattr(command, "load_cases", lambda *a, **k: read_whole.append(a[0]) or real(*a, **k))
    status, out, err = cli("evaluate", path, "--format", "json", "--jobs", "1")
    assert status == 1 and read_whole == [path]
    assert out == _whole(policy, path, lambda c: decide(evaluator, c))


def test_a_case_whose_worker_dies_is_not_decided_again_when_the_file_is_read_whole(policy, tmp_path, monkeypatch):
    """Its worker died twice (the second time alone): the file is read whole for the error's line, and the case is
    given as failed again, not decided twice more; the answer is that of the file read whole."""
    import faulthandler
    import os
    import signal
    from engine.pipeline import parallel
    path = _corpus_json(tmp_path)
    doomed = json.loads(path.read_text(encoding="utf-8"))["cases"][5]["id"]
    attempts = tmp_path / "attempts.txt"
    real = parallel._decide

    def decide(evaluator, case):
        if case.id == doomed:
            with attempts.open("a") as f:
                f.write(f"{os.getpid()}\n")
            faulthandler.disable()
            os.kill(os.getpid(), signal.SIGSEGV)   # as the C core does
        return real(evaluator, case)
    monkeypatch.setattr(parallel, "_decide", decide)
    status, out, err = cli("evaluate", path, "--format", "json", "--jobs", "2")
    assert status == 1, err
    assert len(attempts.read_text().splitlines()) == 2
    from engine.pipeline.evaluate import Evaluator
    evaluator = Evaluator(policy)
    assert out == _whole(policy, path, lambda c: evaluator.failed(c, parallel.CRASHED) if c.id == doomed
                         else evaluator.evaluate(c))


def test_the_log_holds_every_file_determinations_in_order(tmp_path, bad_file):
    log = tmp_path / "判定记录.jsonl"
    status, out, err = cli("evaluate", ROSTER, bad_file, "--format", "json", "--explain", "none",
                           "--log", log, "--jobs", "2")
    assert status == 1, err
    doc = json.loads(out)
    records = [json.loads(line) for line in log.read_text(encoding="utf-8").splitlines()]
    assert sorted((r["case"], r["subject"], r["decision"]) for r in records) == \
        sorted((c["id"], d["subject"], d["decision"]) for c in doc["cases"] for d in c["determinations"])
    cases = [c["id"] for c in doc["cases"] if c["determinations"]]
    assert list(dict.fromkeys(r["case"] for r in records)) == list(dict.fromkeys(cases))   # case by case, in order
    assert len({r["run"] for r in records}) == 1
