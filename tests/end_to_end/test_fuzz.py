"""Fuzzing `run.py evaluate` with mutated rosters: whatever a roster file holds, the answer is JSON in valid
UTF-8, the exit status is 0 or 1, there is no traceback, every record read is accounted for, and no name or
ID number of the roster appears unmasked.

The roster is a slice of fixtures/roster_2025.yaml (8 people with names and ID numbers, their centers, some
items, and the second case whole). Each example applies 1–4 mutations — a dropped key, a value of the wrong
type, a huge or negative number, NaN or Infinity, an odd character (lone surrogate, control character, RTL
mark, 𠮷, byte order mark), an impossible date, a duplicated id, a list where a mapping stands or a mapping
where a list stands, a raw character in the file's text — then writes it as YAML, JSON, or JSON in a .yaml
file, in UTF-8, UTF-8 with BOM, GB18030 or UTF-16, and runs the command line on it in a subprocess.
The roster and the mutations are in tests/mutations.py.

The same roster converted to a workbook (.xlsx) and to CSV files (`run.py convert`) is fuzzed cell by cell:
1–4 cells (headers included) get a wrong word, a huge or negative number, an impossible date, an odd
character, a boolean, a blank, or another row's id, and the same checks hold.

FUZZ_EXAMPLES examples (100 by default, set by the environment variable of that name) for case files, half
as many for spreadsheets: each is one run of the command line, about a second.
"""
from __future__ import annotations

import copy
import json
import os
import resource
import subprocess
import sys
import tempfile
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from conftest import ROOT
from mutations import BASE, SECRETS, mutate, mutate_csv, mutate_xlsx, write, yaml_text

pytestmark = pytest.mark.slow   # fuzzing: hundreds of mutated rosters through the command line

ENV = dict(os.environ, COLUMNS="400", PYTHONIOENCODING="utf-8")
FUZZ_EXAMPLES = int(os.environ.get("FUZZ_EXAMPLES", "100"))
_RUNS = {"examples": 0}


def _bounded() -> None:
    resource.setrlimit(resource.RLIMIT_AS, (1 << 30, 1 << 30))


@settings(max_examples=FUZZ_EXAMPLES, deadline=None)
@given(st.data())
def test_mutated_rosters_are_answered_in_json_balanced_and_masked(data):
    tree = copy.deepcopy(BASE)
    for _ in range(data.draw(st.integers(1, 4), label="mutations")):
        mutate(data, tree)
    with tempfile.TemporaryDirectory(prefix="fuzz-") as directory:
        path = write(data, tree, directory)
        done = subprocess.run([sys.executable, "run.py", "evaluate", str(path), "--format", "json"], cwd=ROOT, env=ENV,
                              capture_output=True, timeout=60, preexec_fn=_bounded)
    _RUNS["examples"] += 1
    _answered_balanced_and_masked(done)


def _answered_balanced_and_masked(done: subprocess.CompletedProcess) -> None:
    """Exit 0 or 1, no traceback, valid UTF-8, JSON whose record account balances, no secret in any output."""
    stderr = done.stderr.decode("utf-8")                  # strict: valid UTF-8
    assert done.returncode in (0, 1), (done.returncode, stderr[-3000:])
    assert "Traceback" not in stderr, stderr[-3000:]
    stdout = done.stdout.decode("utf-8")
    doc = json.loads(stdout)
    assert doc["account"]["balanced"], doc["account"]
    leaked = [s for s in SECRETS if s in stdout or s in stderr]
    assert not leaked, leaked


# --- spreadsheets: the roster as .xlsx and .csv, mutated cell by cell ------------------------------------

def _sheet_forms() -> dict[str, Path]:
    """The fuzz roster as one workbook and as CSV files (`run.py convert`), made once."""
    directory = Path(tempfile.mkdtemp(prefix="fuzz-sheets-"))
    source = directory / "roster.yaml"
    source.write_text(yaml_text(BASE), encoding="utf-8")
    for target in ("roster.xlsx", "roster.csv"):
        done = subprocess.run([sys.executable, "run.py", "convert", str(source), str(directory / target)], cwd=ROOT,
                              env=ENV, capture_output=True, timeout=120)
        assert done.returncode == 0, done.stderr.decode("utf-8")
    return {"xlsx": directory / "roster.xlsx", "csv": directory / "roster.csv", "dir": directory}


_FORMS: dict[str, Path] = {}


@settings(max_examples=max(1, FUZZ_EXAMPLES // 2), deadline=None)
@given(st.data())
def test_mutated_spreadsheets_are_answered_in_json_balanced_and_masked(data):
    if not _FORMS:
        _FORMS.update(_sheet_forms())
    form = data.draw(st.sampled_from(["xlsx", "csv"]), label="form")
    with tempfile.TemporaryDirectory(prefix="fuzz-") as directory:
        if form == "xlsx":
            path = Path(directory) / "roster.xlsx"
            mutate_xlsx(data, _FORMS["xlsx"], path)
        else:
            path = mutate_csv(data, _FORMS["dir"], Path(directory))
        done = subprocess.run([sys.executable, "run.py", "evaluate", str(path), "--format", "json"], cwd=ROOT, env=ENV,
                              capture_output=True, timeout=120, preexec_fn=_bounded)
    _RUNS["sheets"] = _RUNS.get("sheets", 0) + 1
    _answered_balanced_and_masked(done)


def test_the_fuzzing_ran_its_examples():
    """Makes the count visible in the test log (`pytest -s` prints it) and fails if hypothesis ran none."""
    if _RUNS["examples"]:
        print(f"\nfuzz: {_RUNS['examples']} mutated rosters through run.py evaluate (FUZZ_EXAMPLES={FUZZ_EXAMPLES})")
        assert _RUNS["examples"] >= min(FUZZ_EXAMPLES, 10)
    if _RUNS.get("sheets"):
        print(f"fuzz: {_RUNS['sheets']} mutated spreadsheets (.xlsx, .csv) through run.py evaluate")
        assert _RUNS["sheets"] >= min(FUZZ_EXAMPLES // 2, 5)
