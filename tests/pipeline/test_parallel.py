"""engine/pipeline/parallel.py: worker processes decide the same as one process, in input order; a crash costs one case."""
from __future__ import annotations

import datetime as dt
import faulthandler
import io
import json
import os
import random
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from rich.console import Console

from conftest import ROOT, write_case
from engine.pipeline import parallel
from engine.outputs import answer, progress
from engine.common import yamlio
from engine.common import locations
from engine.casefiles.cases import load_cases
from engine.pipeline.evaluate import Evaluator

ROSTER = ROOT / "fixtures" / "roster_2025.yaml"
RATINGS = ["好", "一般", "一般", "差", "暂停"]
LEVELS = ["五级/初级工", "四级/中级工", "三级/高级工", "二级/技师", "一级/高级技师"]


def _person(rng: random.Random, n: int) -> dict:
    hired = dt.date(2016, 1, 1) + dt.timedelta(days=rng.randrange(0, 3500))
    p = {"id": f"G{n:04d}", "birth_date": str(dt.date(1985, 1, 1) + dt.timedelta(days=rng.randrange(0, 5000))),
         "education": rng.choice(["中专", "大专", "本科"]), "hired_on": str(hired), "center": "C1",
         "ratings": {f"2025-{m:02d}": rng.choice(RATINGS) for m in range(1, 13)}}
    if rng.random() < 0.8:
        p["certificates"] = [{"type": "政务服务办事员", "level": rng.choice(LEVELS),
                              "obtained_on": str(hired + dt.timedelta(days=rng.randrange(0, 500)))}]
    return p


def _generated(count: int, seed: int = 26) -> list[dict]:
    """Cases of very different sizes (the first the largest), so that workers finish out of order."""
    rng = random.Random(seed)
    cases = []
    for c in range(count):
        people = [_person(rng, 100 * c + i) for i in range(max(1, 12 - 3 * c))]
        cases.append({"id": f"GEN-{c}", "as_of": "2025-12-31", "people": people,
                      "centers": [{"id": "C1", "level": "镇", "windows": 4}]})
    return cases


@pytest.fixture(scope="module")
def casefile(tmp_path_factory) -> Path:
    """The shipped roster's cases, then generated ones, in one file."""
    roster = locations.plain(yamlio.load(ROSTER))["cases"]
    path = tmp_path_factory.mktemp("parallel") / "cases.json"
    path.write_text(json.dumps({"cases": roster + _generated(5)}, ensure_ascii=False, default=str), encoding="utf-8")
    return path


def _cli(*args) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "run.py", *map(str, args)], cwd=ROOT, capture_output=True, text=True,
                          encoding="utf-8", env=dict(os.environ, PYTHONIOENCODING="utf-8"), timeout=600)


def _values(results) -> list[tuple]:
    return [(r.case.id, sorted((d.subject, d.decision, json.dumps(d.value, ensure_ascii=False, default=str))
                               for d in r.determinations), r.errors) for r in results]


@pytest.mark.slow   # run.py in a subprocess
def test_cli_gives_the_same_answer_with_one_and_two_jobs(casefile):
    """Determinations, explanations and errors, byte for byte: the results rebuilt from workers read the same."""
    one, two = _cli("evaluate", casefile, "--format", "json", "--jobs", "1"), _cli("evaluate", casefile, "--format", "json", "--jobs", "2")
    assert one.returncode == two.returncode == 0, (one.stderr, two.stderr)
    assert one.stdout == two.stdout
    doc = json.loads(two.stdout)
    ids = [c["id"] for c in doc["cases"]]
    assert ids == ["SC-2025-ANNUAL", "SC-2025-H1-XL"] + [f"GEN-{c}" for c in range(5)]
    assert all(c["determinations"] and "explanation" in c["determinations"][0] for c in doc["cases"])
    assert one.stderr == two.stderr == ""   # not a terminal: no progress bar


@pytest.mark.slow   # run.py in a subprocess
def test_cli_rejects_a_bad_job_count(casefile):
    done = _cli("evaluate", casefile, "--jobs", "0")
    assert done.returncode == 2 and "--jobs" in done.stderr


def test_results_keep_the_input_order(policy, casefile):
    cases = load_cases(casefile, policy).cases
    finished = []
    results = parallel.evaluate_cases(Evaluator(policy), cases, jobs=2, on_result=lambda r: finished.append(r.case.id))
    assert [r.case.id for r in results] == [c.id for c in cases]
    assert sorted(finished) == sorted(c.id for c in cases)
    assert _values(results) == _values(Evaluator(policy).evaluate(c) for c in cases)


def test_rebuilt_results_use_the_parent_policy_objects(policy, casefile):
    evaluator = Evaluator(policy)
    cases = load_cases(casefile, policy).cases[:3]
    results = parallel.evaluate_cases(evaluator, cases, jobs=2)
    for result in results:
        variants = evaluator.compiled_for(result.case.as_of).variants
        assert result.firings and all(f.variant is variants[f.variant.name] for f in result.firings)
        by_id = {id(f) for f in result.firings}
        assert all(id(f) in by_id for d in result.determinations for f in d.firings + d.blocks)
        assert all(f in result.facts for d in result.determinations for f in d.facts)


def test_jobs_1_decides_in_this_process(policy, casefile, monkeypatch):
    pids = set()
    real = parallel._decide

    def record(evaluator, case):
        pids.add(os.getpid())
        return real(evaluator, case)
    monkeypatch.setattr(parallel, "_decide", record)
    parallel.evaluate_cases(Evaluator(policy), load_cases(casefile, policy).cases[:3], jobs=1)
    assert pids == {os.getpid()}


def _crash_on(monkeypatch, log: Path, crash) -> None:
    """Workers write `case pid` to `log` for every attempt; `crash(case_id, attempt)` says when to die."""
    real = parallel._decide

    def decide(evaluator, case):
        lines = log.read_text().splitlines() if log.exists() else []
        attempt = sum(1 for line in lines if line.split()[0] == case.id)
        with log.open("a") as f:
            f.write(f"{case.id} {os.getpid()}\n")
        if crash(case.id, attempt):
            faulthandler.disable()   # pytest's handler would print the worker's stack: only noise here
            os.kill(os.getpid(), signal.SIGSEGV)   # as the C core does
        return real(evaluator, case)
    monkeypatch.setattr(parallel, "_decide", decide)


def test_a_crashing_case_costs_only_itself(policy, casefile, monkeypatch, tmp_path):
    cases = load_cases(casefile, policy).cases
    doomed = cases[3].id
    log = tmp_path / "attempts.txt"
    _crash_on(monkeypatch, log, lambda case_id, attempt: case_id == doomed)
    results = parallel.evaluate_cases(Evaluator(policy), cases, jobs=2)
    assert [r.case.id for r in results] == [c.id for c in cases]
    crashed = results[3]
    assert crashed.determinations == [] and [e.message for e in crashed.errors] == [parallel.CRASHED]
    assert crashed.errors[0].case == doomed
    others = [r for r in results if r is not crashed]
    assert _values(others) == _values(Evaluator(policy).evaluate(c) for c in cases if c.id != doomed)
    # tried twice; the second time alone, in a fresh worker that decided nothing else
    attempts = [line.split() for line in log.read_text().splitlines()]
    pids = [pid for case_id, pid in attempts if case_id == doomed]
    assert len(pids) == 2 and pids[0] != pids[1]
    assert [case_id for case_id, pid in attempts if pid == pids[1]] == [doomed]


def test_a_case_whose_worker_died_once_is_decided_on_retry(policy, casefile, monkeypatch, tmp_path):
    cases = load_cases(casefile, policy).cases
    _crash_on(monkeypatch, tmp_path / "attempts.txt", lambda case_id, attempt: case_id == cases[0].id and attempt == 0)
    results = parallel.evaluate_cases(Evaluator(policy), cases, jobs=2)
    assert _values(results) == _values(Evaluator(policy).evaluate(c) for c in cases)
    assert not any(r.errors for r in results)


def _stall_on(monkeypatch, case_id: str) -> None:
    """The worker deciding this case hangs (as a core stuck inside durable_rules would)."""
    real = parallel._decide

    def decide(evaluator, case):
        if case.id == case_id:
            time.sleep(600)
        return real(evaluator, case)
    monkeypatch.setattr(parallel, "_decide", decide)


def test_a_stalled_worker_costs_only_its_case(policy, casefile, monkeypatch):
    cases = load_cases(casefile, policy).cases[2:5]
    _stall_on(monkeypatch, cases[1].id)
    started = time.monotonic()
    results = parallel.evaluate_cases(Evaluator(policy), cases, jobs=2, stall_seconds=1)
    assert time.monotonic() - started < 60
    assert [e.message for e in results[1].errors] == [parallel.STALLED.format(seconds=1)]
    assert results[0].determinations and results[2].determinations and not results[0].errors


def test_an_exception_in_a_worker_is_raised_here(policy, casefile, monkeypatch):
    """A bug is not a crash: it is raised, as it would be in process, not reported as the case's error."""
    def decide(evaluator, case):
        raise ZeroDivisionError("a bug")
    monkeypatch.setattr(parallel, "_decide", decide)
    with pytest.raises(parallel.WorkerError, match="ZeroDivisionError: a bug"):
        parallel.evaluate_cases(Evaluator(policy), load_cases(casefile, policy).cases[:3], jobs=2)


def test_bounds_hold_in_workers(policy, casefile):
    cases = load_cases(casefile, policy).cases
    results = parallel.evaluate_cases(Evaluator(policy, max_messages=200, by_class=False), cases, jobs=2)
    bounded = [r for r in results if r.errors]
    assert bounded and all("事实与结论超过200条" in r.errors[0].message for r in bounded)
    assert len(bounded) < len(results)


def test_empty_cases_in_workers(policy, tmp_path):
    path = write_case({"cases": [{"id": f"E{n}", "as_of": "2025-12-31", "people": []} for n in range(3)]}, tmp_path)
    results = parallel.evaluate_cases(Evaluator(policy), load_cases(path, policy).cases, jobs=2)
    assert [(r.case.id, r.determinations, r.errors) for r in results] == [(f"E{n}", [], []) for n in range(3)]


def test_progress_bar_only_on_a_terminal(policy, casefile):
    cases = load_cases(casefile, policy).cases[:2]
    results = [Evaluator(policy).evaluate(c) for c in cases]
    for terminal in (False, True):
        out = io.StringIO()
        console = Console(file=out, force_terminal=terminal, width=120)
        with progress.bar(console, cases) as advance:
            for r in results:
                advance(r)
        text = out.getvalue()
        assert ("条/秒" in text and "2/2" in text) if terminal else text == ""


# --- deciding and rendering in one pass (stream_cases) ------------------------------------------------------

def _streamed(policy, cases, jobs: int, batch: int | None = None, explain: str = "brief") -> list[answer.Part]:
    render = answer.CaseRenderer(policy, explain)
    return list(parallel.stream_cases(Evaluator(policy), cases, render, jobs=jobs, batch=batch))


def _written(policy, case_file, parts: list[answer.Part], explain: str = "brief") -> str:
    out = io.StringIO()
    writer = answer.AnswerWriter(policy, explain, stream=out)
    for part in parts:
        writer.add(part)
    writer.add_file(case_file, {c.id for c in case_file.cases})
    writer.close()
    return out.getvalue()


@pytest.mark.parametrize("batch", [1, 3])
def test_batches_in_workers_give_the_answer_of_one_process(policy, casefile, batch):
    """Each worker decides and renders its batch; the answer written from what comes back is byte for byte the
    one made in process, and the one `document` makes of whole results."""
    case_file = load_cases(casefile, policy)
    one = _streamed(policy, case_file.cases, jobs=1)
    two = _streamed(policy, case_file.cases, jobs=2, batch=batch)
    assert [p.text for p in two] == [p.text for p in one]
    assert [(p.books, p.errored) for p in two] == [(p.books, p.errored) for p in one]
    text = _written(policy, case_file, two)
    assert text == _written(policy, case_file, one)
    whole = io.StringIO()
    answer.write_json(answer.document(policy, case_file, [Evaluator(policy).evaluate(c) for c in case_file.cases],
                                      "brief"), stream=whole)
    assert text == whole.getvalue()
    # each worker gives a reference once; in one process each is given once in all
    assert sum(len(p.refs.rules) for p in one) == len(json.loads(text)["references"]["rules"])


def test_a_crashing_case_costs_only_itself_when_batched(policy, casefile, monkeypatch, tmp_path):
    case_file = load_cases(casefile, policy)
    cases = case_file.cases
    doomed = cases[3].id
    log = tmp_path / "attempts.txt"
    _crash_on(monkeypatch, log, lambda case_id, attempt: case_id == doomed)
    parts = _streamed(policy, cases, jobs=2, batch=3)
    crashed = json.loads(parts[3].text)
    assert crashed["id"] == doomed and crashed["determinations"] == []
    assert [e["message"] for e in crashed["errors"]] == [parallel.CRASHED]
    assert parts[3].errored and all(v["errored"] == len(cases[3].records[k]) for k, v in parts[3].books.items()
                                    if isinstance(v, dict))
    monkeypatch.setattr(parallel, "_decide", lambda evaluator, case: evaluator.evaluate(case))
    alone = _streamed(policy, cases, jobs=1)
    assert [p.text for i, p in enumerate(parts) if i != 3] == [p.text for i, p in enumerate(alone) if i != 3]
    # the batch it was in went on: tried twice, the second time alone, in a fresh worker that decided nothing else
    attempts = [line.split() for line in log.read_text().splitlines()]
    pids = [pid for case_id, pid in attempts if case_id == doomed]
    assert len(pids) == 2 and pids[0] != pids[1]
    assert [case_id for case_id, pid in attempts if pid == pids[1]] == [doomed]
    assert sorted(case_id for case_id, _ in attempts if case_id != doomed) == sorted(c.id for c in cases if c.id != doomed)


@pytest.mark.slow   # waits on a stalled worker
def test_workers_run_no_further_ahead_than_the_window(policy, casefile, monkeypatch, tmp_path):
    """While the first case is slow, the other worker takes only what the window allows, then waits: what waits
    here to be written is bounded by the window, not the run."""
    cases = load_cases(casefile, policy).cases
    log = tmp_path / "began.txt"
    real = parallel._decide

    def decide(evaluator, case):
        with log.open("a") as f:
            f.write(f"{case.id} {time.monotonic()}\n")
        if case.id == cases[0].id:
            time.sleep(2)
        return real(evaluator, case)
    monkeypatch.setattr(parallel, "_decide", decide)
    monkeypatch.setattr(parallel, "WINDOW", 2)
    monkeypatch.setattr(parallel, "AHEAD", 1)
    seen = []
    for part in parallel.stream_cases(Evaluator(policy), cases, lambda r: r.case.id, jobs=2, batch=1):
        seen.append((part, time.monotonic()))
    assert [case_id for case_id, _ in seen] == [c.id for c in cases]
    first_done = seen[0][1]
    began = [line.split() for line in log.read_text().splitlines()]
    early = {case_id for case_id, at in began if float(at) < first_done - 0.5}
    assert early == {cases[0].id, cases[1].id}


@pytest.mark.slow   # waits on a stalled worker
def test_a_stalled_worker_costs_only_its_case_when_streamed(policy, casefile, monkeypatch):
    cases = load_cases(casefile, policy).cases[2:6]
    _stall_on(monkeypatch, cases[1].id)
    made = list(parallel.stream_cases(Evaluator(policy), cases, lambda r: [e.message for e in r.errors], jobs=2,
                                      stall_seconds=1, batch=2))
    assert made == [[], [parallel.STALLED.format(seconds=1)], [], []]
