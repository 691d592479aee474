"""Fuzzing every command's arguments: whatever the command line holds,
`main` answers with an exit status the command documents and no exception escapes it, and no input named on
the command line is changed.

The commands and their options are read from the parser (engine.cli.COMMANDS); each example is one command
with a few of its options, in any order, sometimes with a stray token. Values come from a small vocabulary
that depends on what the option is: paths to read (a small roster as .yaml, .json, .xlsx and .csv, a decision
log, a copy of the policy, a policy test file, a folder, a missing file, `..`, git revisions), paths to write
(every extension, a missing folder, a folder, `..`, and the inputs themselves), numbers (0, -1, huge, NaN,
1e308, text), the option's choices and wrong ones, ids, names of decisions and values. Each example runs in
a folder of its own under tmp_path, with fresh copies of the inputs, so a command that writes can only write
there; the repository's `git status` is the same after the property.

In process (`main`, stdout and stderr captured), bounded: an example that runs past 60 s raises TimeoutError
(SIGALRM), and the address space is bounded (RLIMIT_AS) so a runaway allocation is a MemoryError, not the
machine's memory. FUZZ_ARGUMENT_EXAMPLES (150) examples.

The faults this fuzz was written against (a report into a missing folder, an output that is an input,
`generate --year 99999`, `diff git:…/../…`, `generate --people` without a bound) are each kept below as a test.
"""
from __future__ import annotations

import argparse
import collections
import contextlib
import hashlib
import io
import json
import os
import resource
import shutil
import signal
import subprocess
import sys
import traceback
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, note, settings
from hypothesis import strategies as st

import engine.cli
from engine.cli import COMMANDS

from conftest import POLICY_DIR, ROOT, cli
from mutations import BASE, yaml_text

pytestmark = pytest.mark.slow   # fuzzes

EXAMPLES = int(os.environ.get("FUZZ_ARGUMENT_EXAMPLES", "150"))
TIMEOUT = 60
MEMORY = 3 << 30                # above the test process's own address space (a few hundred MB)

# the exit statuses each command documents (its --help epilog; README); 2 is also argparse's usage error
DOCUMENTED = {"evaluate": {0, 1, 2}, "validate": {0, 1, 2}, "appeal": {0, 1, 2}, "test": {0, 1, 2},
              "replay": {0, 1, 2}, "letter": {0, 1, 2}, "template": {0, 2}, "convert": {0, 2}, "diff": {0, 1, 2},
              "generate": {0, 2}, "coverage": {0, 1, 2}, "analyze": {0, 1, 2}}

INPUTS = ["case.yaml", "case.json", "case.xlsx", "case.csv", "log.jsonl"]    # copied into each example's folder


# --- what the parser says ------------------------------------------------------------------------------

def _subparsers() -> dict[str, argparse.ArgumentParser]:
    top = engine.cli.parser()
    action = next(a for a in top._actions if isinstance(a, argparse._SubParsersAction))
    return dict(action.choices)


SUBPARSERS = _subparsers()
OPTION_NAMES = sorted({s for p in SUBPARSERS.values() for a in p._actions for s in a.option_strings})


def _writes(command: str, action: argparse.Action) -> bool:
    """Whether the option or argument names a file the command writes."""
    return action.dest in ("out", "report", "target") or (action.dest == "log" and command != "replay")


# --- the vocabulary ------------------------------------------------------------------------------------

def _reads(material: Path) -> list[str]:
    policy = material / "policy"
    return ["case.yaml", "case.json", "case.xlsx", "case.csv", "log.jsonl", "./case.yaml", "../case.yaml",
            str(policy), str(policy / "tests" / "eligibility.yaml"), str(policy / "tests"), str(POLICY_DIR),
            str(ROOT / "policies" / "examples" / "amendment_demo"), "missing.yaml", "missing.xlsx", "missing.csv",
            "missing/", "..", ".", "", " ", "-", "/nonexistent-hostile/x.yaml", "case", "case.txt",
            "git:HEAD:policies/suchen_2024", "git:HEAD:policies/../policies/suchen_2024", "git:nosuch:policies/x",
            "git:", "git:HEAD:", "--format", "=cmd|' /C calc'!A0", "321302199004121008"]


WRITES = ["out.xlsx", "out.csv", "out.docx", "out.html", "out.md", "out.yaml", "out.json", "out.jsonl", "out.txt",
          "out", "新建/结果.xlsx", "missing/deeper/out.xlsx", "missing/out.csv", "../out.md", ".", "..", "", " ",
          "out.XLSX", "out.xlsx.csv", "=1+1.csv", "/nonexistent-hostile/out.xlsx", *INPUTS]
NUMBERS = ["0", "1", "2", "3", "-1", "99999", "1e308", "9" * 30, "NaN", "inf", "1.5", "", "abc", "1900", "2999",
           "0x10", "١٢"]
TEXTS = ["P01", "P02", "P36", "CTR-QU", "I01", "SC-2025-ANNUAL", "nosuch", "", " ", "..", "=1+1",
         "321302199004121008", "王婷", "annual_grade", "年度考核等次", "eligibility", "skill_allowance", "优秀",
         "合格", "400", "是", "true", "nan", "1e308", "annual_grade=优秀", "annual_grade=", "=", "x=y",
         "eligibility=合格", "[red]", "\u202e", "-", "--unmask"]
NOISE = OPTION_NAMES + ["--", "-", "-x", "--nosuch", "", "..", "--help=x", "--format=", "--jobs=0"]


SENSIBLE = {"jobs": ["1", "2"], "people": ["1", "3", "20"], "seed": ["1", "26", "-5"], "year": ["2024", "2025", "2026"],
            "fail_under": ["0", "50", "100"], "subject": ["P01", "P02", "P36", "CTR-QU", "I01"],
            "decision": ["annual_grade", "eligibility", "年度考核等次", "skill_allowance"],
            "want": ["优秀", "合格", "400", "是"], "case": ["SC-2025-ANNUAL", "SC-2025-H1-XL"],
            "why_not": ["annual_grade=优秀", "eligibility=合格"], "only": ["grade", "合格", "P0"],
            "casefile": ["case.yaml", "case.json", "case.xlsx", "case.csv"], "cases": ["case.yaml", "case.xlsx"],
            "source": ["case.yaml", "case.json", "case.xlsx", "case.csv"], "base": ["POLICY", "DEMO"],
            "new": ["POLICY", "DEMO"], "policy": ["POLICY"], "files": ["TESTFILE"]}
# what a command needs beyond argparse's `required`, always given (its value may still be hostile)
ANCHORS = {"appeal": {"subject", "decision", "want"}, "diff": {"cases"}, "evaluate": {"jobs"}}
TARGETS = {"evaluate": ["out.xlsx", "out.csv"], "letter": ["out.docx", "out.html", "out.md"],
           "diff": ["out.md", "out.xlsx"], "generate": ["out.yaml", "out.json"], "template": ["out.xlsx", "out.csv"],
           "convert": ["out.xlsx", "out.csv", "out.yaml", "out.json"]}


def _sensible(command: str, action: argparse.Action, material: Path) -> list[str]:
    if action.dest == "log":
        return ["log.jsonl"] if command == "replay" else ["new.jsonl", "log.jsonl"]
    if _writes(command, action):
        return TARGETS[command]
    if action.choices:
        return sorted(map(str, action.choices))
    paths = {"POLICY": str(material / "policy"), "DEMO": str(ROOT / "policies" / "examples" / "amendment_demo"),
             "TESTFILE": str(material / "policy" / "tests" / "eligibility.yaml")}
    return [paths.get(v, v) for v in SENSIBLE.get(action.dest, TEXTS)]


# a command line each command accepts, for examples that change one or two of its values (so that they reach the
# command's own checks, not only the parser's); POLICY and DEMO stand for the policy copy and the amendment demo
TEMPLATES = {
    "evaluate": [["case.yaml", "--jobs", "1"], ["case.xlsx", "--format", "xlsx", "--out", "out.xlsx", "--jobs", "1"],
                 ["case.csv", "--format", "csv", "--out", "out.csv", "--jobs", "1"],
                 ["case.json", "--format", "json", "--subject", "P01", "--why-not", "优秀", "--decision", "annual_grade",
                  "--jobs", "1"], ["case.yaml", "--log", "new.jsonl", "--jobs", "1"]],
    "appeal": [["case.yaml", "--subject", "P02", "--decision", "annual_grade", "--want", "优秀"]],
    "letter": [["case.yaml", "--subject", "P01", "--out", "out.docx", "--why-not", "annual_grade=优秀"],
               ["case.xlsx", "--subject", "CTR-QU", "--out", "out.html"]],
    "replay": [["log.jsonl", "--cases", "case.yaml"]],
    "diff": [["POLICY", "DEMO", "--cases", "case.yaml", "--jobs", "1", "--report", "out.md"]],
    "convert": [["case.yaml", "out.xlsx"], ["case.csv", "out.json"]], "template": [["out.xlsx"]],
    "generate": [["--people", "3", "--seed", "1", "--out", "out.yaml"]], "validate": [["POLICY"]],
    "test": [["POLICY"]], "coverage": [["POLICY"]], "analyze": [["POLICY", "--decision", "annual_grade"]]}
WRITING_FLAGS = {"--out", "--report", "--log"}


@st.composite
def command_lines(draw, material: Path) -> list[str]:
    """One command with some of its options (from its parser), or one of TEMPLATES with a value or two changed."""
    reads = _reads(material)
    command = draw(st.sampled_from(sorted(COMMANDS)))
    if draw(st.booleans()):
        paths = {"POLICY": str(material / "policy"), "DEMO": str(ROOT / "policies" / "examples" / "amendment_demo")}
        argv = [command] + [paths.get(v, v) for v in draw(st.sampled_from(TEMPLATES[command]))]
        for _ in range(draw(st.integers(0, 2))):
            at = draw(st.integers(1, len(argv) - 1)) if len(argv) > 1 else 1
            writes = (argv[at - 1] in WRITING_FLAGS and command != "replay") or (
                command in ("convert", "template") and at == len(argv) - 1 and not argv[at].startswith("-"))
            argv[at:at + 1] = [draw(st.sampled_from(WRITES if writes else reads + TEXTS + NUMBERS + NOISE))]
        return argv
    parser = SUBPARSERS[command]

    def value(action: argparse.Action) -> str:
        """Mostly a value the option expects (so that the command gets past its parser), else anything hostile."""
        if draw(st.integers(0, 9)) < 6:
            return draw(st.sampled_from(_sensible(command, action, material)))
        if _writes(command, action):
            return draw(st.sampled_from(WRITES))
        if action.choices:
            return draw(st.sampled_from(sorted(map(str, action.choices)) + ["", "yaml", "TABLE", "xlsx", "docx"]))
        if action.dest in ("jobs", "people", "seed", "year", "fail_under"):
            return draw(st.sampled_from(NUMBERS))
        if action.dest in ("casefile", "cases", "source", "log", "policy", "files", "base", "new"):
            return draw(st.sampled_from(reads))
        return draw(st.sampled_from(TEXTS))

    positionals, options = [], []
    for action in parser._actions:
        if isinstance(action, argparse._HelpAction):
            continue
        if not action.option_strings:
            count = {None: 1, "?": draw(st.integers(0, 1)), "*": draw(st.integers(0, 2))}.get(action.nargs, 1)
            positionals += [value(action) for _ in range(count)]
        elif action.required or action.dest in ANCHORS.get(command, ()) or draw(st.integers(0, 3)) == 0:
            flag = draw(st.sampled_from(action.option_strings))
            if action.nargs == 0:
                options.append([flag])
            elif action.nargs == "?" and draw(st.booleans()):
                options.append([flag])
            else:
                options.append([flag, value(action)])
    options = draw(st.permutations(options))
    argv = [command] + positionals + [token for option in options for token in option]
    for _ in range(draw(st.integers(1, 2)) if draw(st.integers(0, 5)) == 0 else 0):
        argv.insert(draw(st.integers(1, len(argv))), draw(st.sampled_from(NOISE)))
    return argv


# --- running one, bounded ------------------------------------------------------------------------------

class Escaped(Exception):
    pass


def _alarm(signum, frame):
    raise TimeoutError(f"still running after {TIMEOUT} s")


@contextlib.contextmanager
def _bounded():
    soft, hard = resource.getrlimit(resource.RLIMIT_AS)
    resource.setrlimit(resource.RLIMIT_AS, (MEMORY, hard))
    previous = signal.signal(signal.SIGALRM, _alarm)
    signal.alarm(TIMEOUT)
    try:
        yield
    finally:
        signal.alarm(0)
        signal.signal(signal.SIGALRM, previous)
        resource.setrlimit(resource.RLIMIT_AS, (soft, hard))


def answer(argv: list[str], folder: Path) -> tuple[int | None, str, str, BaseException | None]:
    """main(argv) in `folder`: (exit status, stdout, stderr, the exception that escaped main, if any)."""
    out, err = io.StringIO(), io.StringIO()
    here = os.getcwd()
    os.chdir(folder)
    try:
        with _bounded(), contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
            try:
                return engine.cli.main(list(argv)), out.getvalue(), err.getvalue(), None
            except SystemExit as e:          # argparse: --help, bad usage
                return (e.code if isinstance(e.code, int) else 2), out.getvalue(), err.getvalue(), None
            except BaseException as e:       # what run.py would show as a traceback
                return None, out.getvalue(), err.getvalue(), e
    finally:
        os.chdir(here)


def _read(argv: list[str]) -> list[str]:
    """The values of argv that may be read: all but those only written (after --out, --report, --log but replay's,
    convert's OUT, template's FILE); a file named both ways is an input."""
    written = {at + 1 for at, v in enumerate(argv) if v in WRITING_FLAGS and argv[0] != "replay"}
    written |= {2} if argv[0] == "convert" else {1} if argv[0] == "template" else set()
    return [v for at, v in enumerate(argv) if at and at not in written]


def _digest(path: Path) -> str | None:
    return hashlib.sha256(path.read_bytes()).hexdigest() if path.is_file() else None


# --- the property --------------------------------------------------------------------------------------

@pytest.fixture(scope="module")
def material(tmp_path_factory) -> Path:
    """A small roster in four formats, a decision log of it, a copy of the policy: copied into each example."""
    folder = tmp_path_factory.mktemp("arguments")
    shutil.copytree(POLICY_DIR, folder / "policy")
    (folder / "case.yaml").write_text(yaml_text(BASE), encoding="utf-8")
    (folder / "case.json").write_text(json.dumps(BASE, ensure_ascii=False, default=str), encoding="utf-8")
    for target in ("case.xlsx", "case.csv"):
        code, _, err = cli("convert", folder / "case.yaml", folder / target)
        assert code == 0, err
    code, _, err = cli("evaluate", folder / "case.yaml", "--log", folder / "log.jsonl", "--format", "json",
                       "--explain", "none", "--jobs", "1")
    assert code in (0, 1) and (folder / "log.jsonl").stat().st_size, err
    return folder


def _repository() -> str:
    """The repository's files as git sees them: what a command wrongly written to would change."""
    return subprocess.run(["git", "status", "--porcelain", "--untracked-files=all"], cwd=ROOT,
                          capture_output=True, text=True).stdout


def test_every_command_answers_any_arguments(material, tmp_path):
    repository = _repository()
    counter = iter(range(10**9))
    statuses = collections.Counter()

    @settings(max_examples=EXAMPLES, deadline=None, database=None,
              suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture,
                                     HealthCheck.data_too_large])
    @given(st.data())
    def property(data):
        argv = data.draw(command_lines(material), label="argv")
        if argv[0] == "generate":
            # --people up to its bound (50,000) is legitimate but takes minutes: kept small here
            argv = [v if not (at and argv[at - 1] == "--people" and v.isdigit() and 2000 < int(v) <= 50_000) else "3"
                    for at, v in enumerate(argv)]
        folder = tmp_path / f"{next(counter):04d}"
        folder.mkdir()
        for name in INPUTS:
            shutil.copy(material / name, folder / name)
        for sibling in material.glob("case.*.csv"):
            shutil.copy(sibling, folder / sibling.name)
        named = [folder / v for v in _read(argv) if (folder / v).is_file()] + [
            Path(v) for v in argv if v.startswith(str(material)) and Path(v).is_file()]
        before = {p: _digest(p) for p in named}
        code, out, err, error = answer(argv, folder)
        statuses[argv[0], code if error is None else type(error).__name__] += 1
        changed = [p.name for p, digest in before.items() if _digest(p) != digest]
        note(f"argv: {argv}\nexit status {code}\nstderr: {err[-2000:]}")
        assert error is None, "".join(traceback.format_exception(error))[-4000:]
        assert code in DOCUMENTED[argv[0]], f"exit status {code} for {argv}: {err[-1000:]}"
        assert "Traceback" not in err
        assert not changed, changed

    property()
    assert _repository() == repository, "a command wrote into the repository"
    print("examples by command and exit status:", dict(sorted(statuses.items(), key=str)))


# --- the faults this fuzz was written against, each kept as a test ----------------------------------------------

def _reproduce(material: Path, tmp_path: Path, *argv: str):
    for name in INPUTS:
        shutil.copy(material / name, tmp_path / name)
    for sibling in material.glob("case.*.csv"):
        shutil.copy(sibling, tmp_path / sibling.name)
    before = {name: _digest(tmp_path / name) for name in INPUTS}
    code, out, err, error = answer(list(argv), tmp_path)
    assert error is None, "".join(traceback.format_exception(error))[-3000:]
    assert code in DOCUMENTED[argv[0]]
    assert {name: _digest(tmp_path / name) for name in INPUTS} == before


@pytest.mark.parametrize("argv", [
    ["evaluate", "case.yaml", "--format", "xlsx", "--out", "missing/deeper/out.xlsx", "--jobs", "1"],
    ["evaluate", "case.yaml", "--log", "case.yaml", "--jobs", "1"],
    ["evaluate", "case.xlsx", "--format", "xlsx", "--out", "case.xlsx", "--jobs", "1"],
    ["generate", "--people", "3", "--out", "missing/out.yaml"],
    ["template", "missing/out.xlsx"],
], ids=["out-into-missing-folder", "log-onto-the-case-file", "out-onto-the-roster", "generate-into-missing-folder",
        "template-into-missing-folder"])
def test_outputs_never_harm_inputs(material, tmp_path, argv):
    _reproduce(material, tmp_path, *argv)


def test_generate_year_is_bounded(material, tmp_path):
    _reproduce(material, tmp_path, "generate", "--people", "3", "--year", "99999", "--out", "out.yaml")


def test_diff_git_path_with_dots(material, tmp_path):
    code, _, err = cli("diff", "git:HEAD:policies/../policies/suchen_2024", str(POLICY_DIR),
                       "--cases", material / "case.yaml", "--jobs", "1")
    assert code in DOCUMENTED["diff"], err


def test_generate_people_is_bounded(tmp_path):
    """In a subprocess bounded to 1 GB and 60 s: a billion people is refused (or streamed), never a MemoryError."""
    done = subprocess.run([sys.executable, "run.py", "generate", "--people", "1000000000", "--out",
                           str(tmp_path / "out.yaml")], cwd=ROOT, capture_output=True, text=True, timeout=120,
                          preexec_fn=lambda: resource.setrlimit(resource.RLIMIT_AS, (1 << 30, 1 << 30)))
    assert done.returncode in DOCUMENTED["generate"] and "Traceback" not in done.stderr, done.stderr[-2000:]
