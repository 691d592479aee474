"""Fuzzing `run.py evaluate` with mutated rosters: whatever a roster file holds, the answer is JSON in valid
UTF-8, the exit status is 0 or 1, there is no traceback, every record read is accounted for, and no name or
ID number of the roster appears unmasked.

The roster is a slice of fixtures/roster_2025.yaml (8 people with names and ID numbers, their centers, some
items, and the second case whole). Each example applies 1–4 mutations — a dropped key, a value of the wrong
type, a huge or negative number, NaN or Infinity, an odd character (lone surrogate, control character, RTL
mark, 𠮷, byte order mark), an impossible date, a duplicated id, a list where a mapping stands or a mapping
where a list stands, a raw character in the file's text — then writes it as YAML, JSON, or JSON in a .yaml
file, in UTF-8, UTF-8 with BOM, GB18030 or UTF-16, and runs the command line on it.
The roster and the mutations are in tests/mutations.py.

The same roster converted to a workbook (.xlsx) and to CSV files (`run.py convert`) is fuzzed cell by cell:
1–4 cells (headers included) get a wrong word, a huge or negative number, an impossible date, an odd
character, a boolean, a blank, or another row's id, and the same checks hold.

Each property runs twice, with the same mutations and the same assertions (`_answered_balanced_and_masked`):
- in this process, FUZZ_EXAMPLES examples (100 by default; half as many spreadsheets): the command line's
  `main(["evaluate", FILE, "--format", "json", "--jobs", "1"])`, the shipped policy loaded once, stdout and
  stderr bytes through UTF-8 streams that `main` sets to the same error handler as in run.py, bounded to 60 s;
  an exception out of `main` is what the interpreter would print, a traceback with exit status 1;
- in a subprocess, FUZZ_PROCESS_EXAMPLES examples (10 by default; half as many spreadsheets): `run.py
  evaluate` itself, with its default worker processes, bounded to 60 s (120 s for a spreadsheet) and 1 GiB of
  address space, for what only a real process shows: its exit status, a crash or a hang contained, memory
  bounded.
"""
from __future__ import annotations

import contextlib
import copy
import io
import json
import os
import resource
import signal
import subprocess
import sys
import tempfile
import threading
import traceback
from collections import Counter
from dataclasses import dataclass
from pathlib import Path
from unittest import mock

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import engine.cli
from engine.cli import options

from conftest import POLICY_DIR, ROOT, cli
from mutations import BASE, SECRETS, mutate, mutate_csv, mutate_xlsx, write, yaml_text

# One worker runs them all, in order: the count at the end sees every property's examples.
pytestmark = [pytest.mark.slow, pytest.mark.xdist_group("fuzz")]

ENV = dict(os.environ, COLUMNS="400", PYTHONIOENCODING="utf-8")
FUZZ_EXAMPLES = int(os.environ.get("FUZZ_EXAMPLES", "100"))
FUZZ_PROCESS_EXAMPLES = int(os.environ.get("FUZZ_PROCESS_EXAMPLES", "10"))
_RUNS: Counter[str] = Counter()


@dataclass
class Answer:
    returncode: int
    stdout: bytes
    stderr: bytes


# --- the two ways of asking --------------------------------------------------------------------------

def _bounded() -> None:
    resource.setrlimit(resource.RLIMIT_AS, (1 << 30, 1 << 30))


def in_a_process(path: Path, timeout: int = 60) -> Answer:
    """`run.py evaluate PATH --format json` in a subprocess, bounded in time and address space."""
    done = subprocess.run([sys.executable, "run.py", "evaluate", str(path), "--format", "json"], cwd=ROOT, env=ENV,
                          capture_output=True, timeout=timeout, preexec_fn=_bounded)
    return Answer(done.returncode, done.stdout, done.stderr)


@contextlib.contextmanager
def _deadline(seconds: int):
    """TimeoutError in this (main) thread after `seconds`: a hang fails the example instead of the run."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return

    def expired(signum, frame):
        raise TimeoutError(f"no answer after {seconds} s")
    previous = signal.signal(signal.SIGALRM, expired)
    signal.setitimer(signal.ITIMER_REAL, seconds)
    try:
        yield
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)


def in_process(path: Path, policy, timeout: int = 60) -> Answer:
    """The same command through `engine.cli.main` in this process, with the policy already loaded, and
    the cases decided here too (--jobs 1: forking the test process for each example costs more than deciding).

    stdout and stderr are UTF-8 text streams over bytes, as run.py's are under PYTHONIOENCODING=utf-8 (main
    sets their error handler, as it does in run.py); COLUMNS=400 as in ENV. An exception out of main becomes
    what the interpreter would make of it: the traceback on stderr and exit status 1."""
    real_load = options.load_or_raise

    def load(folder):
        return policy if Path(folder).resolve() == POLICY_DIR.resolve() else real_load(folder)

    out = io.TextIOWrapper(io.BytesIO(), encoding="utf-8")
    err = io.TextIOWrapper(io.BytesIO(), encoding="utf-8")
    with mock.patch.object(options, "load_or_raise", load), mock.patch.dict(os.environ, {"COLUMNS": "400"}), \
            contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        try:
            with _deadline(timeout):
                code = engine.cli.main(["evaluate", str(path), "--format", "json", "--jobs", "1"])
        except SystemExit as e:                           # as the interpreter exits on it
            code = 0 if e.code is None else e.code if isinstance(e.code, int) else 1
            if not isinstance(e.code, (int, type(None))):
                err.write(f"{e.code}\n")
        except Exception:
            err.write(traceback.format_exc())
            code = 1
        out.flush()
        err.flush()
    return Answer(code, out.buffer.getvalue(), err.buffer.getvalue())


def _answered_balanced_and_masked(done: Answer) -> None:
    """Exit 0 or 1, no traceback, valid UTF-8, JSON whose record account balances, no secret in any output."""
    stderr = done.stderr.decode("utf-8")                  # strict: valid UTF-8
    assert done.returncode in (0, 1), (done.returncode, stderr[-3000:])
    assert "Traceback" not in stderr, stderr[-3000:]
    stdout = done.stdout.decode("utf-8")
    doc = json.loads(stdout)
    assert doc["account"]["balanced"], doc["account"]
    leaked = [s for s in SECRETS if s in stdout or s in stderr]
    assert not leaked, leaked


# --- case files: the roster as YAML or JSON, mutated as a tree --------------------------------------------

def _roster_example(data, ask, kind: str) -> None:
    tree = copy.deepcopy(BASE)
    for _ in range(data.draw(st.integers(1, 4), label="mutations")):
        mutate(data, tree)
    with tempfile.TemporaryDirectory(prefix="fuzz-") as directory:
        done = ask(write(data, tree, directory))
    _RUNS[kind] += 1
    _answered_balanced_and_masked(done)


@settings(max_examples=FUZZ_EXAMPLES, deadline=None)
@given(st.data())
def test_mutated_rosters_are_answered_in_json_balanced_and_masked(policy, data):
    _roster_example(data, lambda path: in_process(path, policy), "rosters")


@settings(max_examples=FUZZ_PROCESS_EXAMPLES, deadline=None)
@given(st.data())
def test_mutated_rosters_are_answered_by_a_bounded_process(data):
    _roster_example(data, in_a_process, "rosters in a process")


# --- spreadsheets: the roster as .xlsx and .csv, mutated cell by cell ------------------------------------

@pytest.fixture(scope="module")
def sheet_forms(tmp_path_factory) -> dict[str, Path]:
    """The fuzz roster as one workbook and as CSV files (`run.py convert`), made once."""
    directory = tmp_path_factory.mktemp("fuzz-sheets")
    source = directory / "roster.yaml"
    source.write_text(yaml_text(BASE), encoding="utf-8")
    for target in ("roster.xlsx", "roster.csv"):
        code, _, err = cli("convert", source, directory / target)
        assert code == 0, err
    return {"xlsx": directory / "roster.xlsx", "csv": directory / "roster.csv", "dir": directory}


def _sheet_example(data, forms: dict[str, Path], ask, kind: str) -> None:
    form = data.draw(st.sampled_from(["xlsx", "csv"]), label="form")
    with tempfile.TemporaryDirectory(prefix="fuzz-") as directory:
        if form == "xlsx":
            path = Path(directory) / "roster.xlsx"
            mutate_xlsx(data, forms["xlsx"], path)
        else:
            path = mutate_csv(data, forms["dir"], Path(directory))
        done = ask(path)
    _RUNS[kind] += 1
    _answered_balanced_and_masked(done)


@settings(max_examples=max(1, FUZZ_EXAMPLES // 2), deadline=None)
@given(st.data())
def test_mutated_spreadsheets_are_answered_in_json_balanced_and_masked(policy, sheet_forms, data):
    _sheet_example(data, sheet_forms, lambda path: in_process(path, policy, timeout=120), "sheets")


@settings(max_examples=max(1, FUZZ_PROCESS_EXAMPLES // 2), deadline=None)
@given(st.data())
def test_mutated_spreadsheets_are_answered_by_a_bounded_process(sheet_forms, data):
    _sheet_example(data, sheet_forms, lambda path: in_a_process(path, timeout=120), "sheets in a process")


def test_the_fuzzing_ran_its_examples():
    """Makes the counts visible in the test log (`pytest -s` prints them) and fails if hypothesis ran too few."""
    wanted = {"rosters": (FUZZ_EXAMPLES, 10), "rosters in a process": (FUZZ_PROCESS_EXAMPLES, 10),
              "sheets": (FUZZ_EXAMPLES // 2, 5), "sheets in a process": (FUZZ_PROCESS_EXAMPLES // 2, 5)}
    for kind, (asked, least) in wanted.items():
        if _RUNS[kind]:
            print(f"\nfuzz: {_RUNS[kind]} mutated {kind} through run.py evaluate ({asked} asked)")
            assert _RUNS[kind] >= min(asked, least)
