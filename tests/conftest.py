"""Shared fixtures for the engine's unit tests.

Fixture names here are shared by every test module: `policy`, `evaluator`,
`tmp_policy`, and the plain helper `decide(policy, evaluator, case_dict)`.
"""
from __future__ import annotations

import atexit
import contextlib
import io
import itertools
import json
import os
import pickle
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

import pytest
from hypothesis import HealthCheck, settings

# 300 random cases per property in the test run; fewer under mutation testing, where every mutant reruns them.
_SLOW = [HealthCheck.too_slow, HealthCheck.function_scoped_fixture]
settings.register_profile("default", max_examples=300, deadline=None, suppress_health_check=_SLOW)
settings.register_profile("mutation", max_examples=10, deadline=None, suppress_health_check=_SLOW)
settings.load_profile("mutation" if os.environ.get("MUTANT_UNDER_TEST") else "default")

# Schema checks that passed are remembered (engine/common/passed.py) in a folder of this run's, never the user's
# cache: the commands a test starts inherit it; the process that made it removes it when it ends.
if "SUCHEN_POLICY_CACHE" not in os.environ:
    os.environ["SUCHEN_POLICY_CACHE"] = _PASSES = tempfile.mkdtemp(prefix="policy-passes-")
    atexit.register(shutil.rmtree, _PASSES, True)

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from engine.casefiles.cases import load_cases  # noqa: E402
from engine.pipeline.evaluate import Evaluator  # noqa: E402
from engine.tools.validate import load_or_raise

POLICY_DIR = ROOT / "policies" / "suchen_2024"

_counter = itertools.count()


# --- reading once: two memos of the YAML parser (ruamel's pure-Python reader) and one of the shipped policies'
# loading, put in place when pytest starts (pytest_configure): what modules read while collected is not read again

_PARSED: dict[str, bytes] = {}
_KNOWN_CASE_TEXTS: set[str] = set()
_CASE_TREES: dict[tuple[str, bool], bytes] = {}
_REAL: dict[str, object] = {}


def _policy_files_parsed_once(yamlio) -> None:
    """Each distinct text of a policy file is parsed once per test process (`yamlio.load`, ruamel's pure-Python
    round trip): parsing the same files again for every copy of the policy was over half of the fast tests' time.

    The memo is keyed by the file's text, which is all the parse reads (the path only names the file in an
    error, and a file that fails to parse is never kept). Every caller gets its own copy, made by a pickle round
    trip: it keeps ruamel's positions, formats and comments exactly (copy.deepcopy loses the positions of empty
    collections). Spreadsheets and every subprocess run are read as always; case files, below."""
    real = _REAL["load"] = yamlio.load

    def load(path):
        try:
            if not Path(path).is_file():            # a FIFO would block read_text: the real reader refuses it
                return real(path)
            text = Path(path).read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError):
            return real(path)                       # the real reader says what is wrong
        if text in _PARSED:
            return pickle.loads(_PARSED[text])
        tree = real(path)                           # a YamlError leaves nothing behind
        _PARSED[text] = pickle.dumps(tree, pickle.HIGHEST_PROTOCOL)
        return tree

    yamlio.load = load


def parsed_once(path: str | Path) -> Path:
    """Let the text of this case file (a roster a test generated, that many of its tests read as it is) be parsed once
    per test process, as the shipped fixtures are (`_known_case_files_parsed_once`); returns the path."""
    _KNOWN_CASE_TEXTS.add(Path(path).read_bytes().decode("utf-8"))   # as yamlio.read_case decodes it
    return Path(path)


def _known_case_files_parsed_once(yamlio) -> None:
    """The text of a shipped case file (fixtures/*.yaml: the roster, the 500-person corpus), or of one a test named
    with `parsed_once`, is parsed once per test process and way of reading (`fast` or positioned): hundreds of
    commands read them, and parsing them was over a quarter of the fast tests' time (the corpus alone takes 1.3 s).
    Any other text — an edited copy, a hostile or damaged file — is parsed for real every time, so no bound on
    parsing is ever measured on a memo.

    Keyed by the whole text (the name only names the file in an error, and a text that fails to parse is never
    kept); every caller gets its own copy by a pickle round trip, positions kept."""
    for path in (ROOT / "fixtures").glob("*.yaml"):
        parsed_once(path)
    real = _REAL["parse_case_yaml"] = yamlio.parse_case_yaml

    def parse_case_yaml(source, fast=False):
        if source.text not in _KNOWN_CASE_TEXTS:
            return real(source, fast)
        key = (source.text, fast)
        if key in _CASE_TREES:
            return pickle.loads(_CASE_TREES[key])
        tree = real(source, fast)
        _CASE_TREES[key] = pickle.dumps(tree, pickle.HIGHEST_PROTOCOL)
        return tree

    yamlio.parse_case_yaml = parse_case_yaml


SHIPPED_POLICIES = (POLICY_DIR, ROOT / "policies" / "examples" / "amendment_demo")
_LOADED: dict[str, tuple[tuple, object]] = {}


def _files_of(folder: str) -> tuple:
    """What a policy folder holds, as the loader would find it changed: every entry's path, kind, size and time."""
    out = []
    for top, dirs, files in os.walk(folder):
        dirs.sort()
        for name in sorted(files + dirs):
            st = os.lstat(os.path.join(top, name))
            out.append((top, name, st.st_mode, st.st_size, st.st_mtime_ns))
    return tuple(out)


def _shipped_policies_loaded_once(options) -> None:
    """A command run in process (`cli`) loads and checks the policy anew each time; for the shipped folders (the policy
    and the amendment demo, named by their paths as `--policy`'s default and the tests name them) the Policy a run
    loaded is given to the next run in this process while no file of the folder has changed (they never do: tests
    write only into copies). A Policy is not changed by the commands that read it. A folder that does not load, or
    any other folder (every copy a test edits), is loaded and checked every time."""
    real = _REAL["options.load_or_raise"] = options.load_or_raise
    shipped = {str(p) for p in SHIPPED_POLICIES}

    def load_or_raise(directory):
        if str(directory) not in shipped:
            return real(directory)
        files = _files_of(str(directory))
        kept = _LOADED.get(str(directory))
        if kept is not None and kept[0] == files:
            return kept[1]
        policy = real(directory)              # a PolicyLoadError leaves nothing behind
        _LOADED[str(directory)] = (files, policy)
        return policy

    options.load_or_raise = load_or_raise


@pytest.hookimpl(optionalhook=True)
def pytest_xdist_make_scheduler(config, log):
    """`--dist loadgroup` (pyproject.toml) as loadfile, but files marked with one `xdist_group` run on one worker:
    each file's tests on one worker (its module fixtures made once), and a group's files together (the session
    fixtures they share made once in the run, not on every worker)."""
    if config.getvalue("dist") != "loadgroup":
        return None
    from xdist.scheduler import LoadGroupScheduling

    class FileOrGroupScheduling(LoadGroupScheduling):
        def _split_scope(self, nodeid: str) -> str:
            group = super()._split_scope(nodeid)
            return "@" + group if group != nodeid else nodeid.split("::", 1)[0]

    return FileOrGroupScheduling(config, log)


def pytest_configure(config):
    """TESTS_PARSE_EVERY_TIME=1 leaves the memos out."""
    if os.environ.get("TESTS_PARSE_EVERY_TIME") == "1":
        return
    from engine.cli import options
    from engine.common import yamlio
    _policy_files_parsed_once(yamlio)
    _known_case_files_parsed_once(yamlio)
    _shipped_policies_loaded_once(options)


def pytest_unconfigure(config):
    from engine.cli import options
    from engine.common import yamlio
    for name, real in _REAL.items():
        setattr(options, name.split(".")[1], real) if name.startswith("options.") else setattr(yamlio, name, real)
    _REAL.clear()


@pytest.fixture(scope="session")
def policy():
    """The real policy, loaded and checked once per test session."""
    return load_or_raise(str(POLICY_DIR))


@pytest.fixture(scope="session")
def demo_diff(policy):
    """The README's diff example, made once: the corpus under the policy and the hypothetical amendment."""
    from corpus_diffs import DEMO, compared
    return compared(policy, load_or_raise(str(DEMO)))


@pytest.fixture(scope="session")
def leap_diff(policy):
    """docs/diff.md's example, made once: the corpus under 1.0.0 (from git) and the policy."""
    from corpus_diffs import ONE_OH, compared
    from engine.tools.gitpolicy import materialised
    if subprocess.run(["git", "-C", str(ROOT), "cat-file", "-e", ONE_OH + "^{commit}"], capture_output=True).returncode:
        pytest.skip("the 1.0.0 commit is not in this clone")
    with materialised(f"git:{ONE_OH}:policies/suchen_2024", repo=ROOT) as (root, commit):
        old = load_or_raise(root)
    return compared(old, policy, "git", commit)


@pytest.fixture
def evaluator(policy):
    return Evaluator(policy)


@pytest.fixture
def tmp_policy(tmp_path):
    """A private copy of the policy folder (for tests that edit it); returns its path."""
    target = tmp_path / "policy"
    shutil.copytree(POLICY_DIR, target)
    return target


def write_case(case_dict: dict, directory: str | Path | None = None) -> Path:
    """Write a case (or `{"cases": [...]}`) as JSON (which is YAML) to a fresh file; returns its path."""
    directory = Path(directory) if directory is not None else Path(tempfile.mkdtemp(prefix="case-"))
    path = directory / f"case-{next(_counter)}.yaml"
    path.write_text(json.dumps(case_dict, ensure_ascii=False, indent=1), encoding="utf-8")
    return path


def decide(policy, evaluator, case_dict: dict) -> dict:
    """Evaluate one case dict; returns {(subject, decision): value}.

    Fails the test if the case does not load or its evaluation reports errors.
    """
    path = write_case(case_dict)
    try:
        case_file = load_cases(path, policy)
        assert not case_file.errors, [str(e) for e in case_file.errors]
        assert len(case_file.cases) == 1, f"expected one case, got {len(case_file.cases)}"
        result = evaluator.evaluate(case_file.cases[0])
        assert not result.errors, result.errors
        return {(d.subject, d.decision): d.value for d in result.determinations}
    finally:
        shutil.rmtree(path.parent, ignore_errors=True)


def edit(root: Path, rel: str, old: str, new: str) -> Path:
    """Replace the one occurrence of `old` in root/rel by `new` (fails the test if not exactly one)."""
    path = root / rel
    text = path.read_text(encoding="utf-8")
    assert text.count(old) == 1, f"{rel}: expected exactly one «{old}», found {text.count(old)}"
    path.write_text(text.replace(old, new), encoding="utf-8")
    return path


def remarked(tmp_path: Path, person_name: bool = False, center_name: bool = True, item_name: bool = True):
    """A copy of the shipped policy whose records.yaml marks the names otherwise than it ships: a person's name not
    personal, a center's and an item's personal — to show masking follows the declaration, not the field's name."""
    import shutil
    from engine.tools.validate import load_or_raise as load
    root = tmp_path / "remarked"
    shutil.copytree(POLICY_DIR, root)
    if not person_name:
        edit(root, "records.yaml", "name: {label: 姓名, type: text, personal: true}", "name: {label: 姓名, type: text}")
    records = (root / "records.yaml").read_text(encoding="utf-8")
    assert records.count("name: {label: 名称, type: text}") == 2
    parts = records.split("name: {label: 名称, type: text}")
    marks = ["name: {label: 名称, type: text" + (", personal: true}" if on else "}") for on in (center_name, item_name)]
    (root / "records.yaml").write_text(parts[0] + marks[0] + parts[1] + marks[1] + parts[2], encoding="utf-8")
    return load(str(root))


def line_of(path: Path, needle: str) -> int:
    """1-based number of the one line of `path` containing `needle`."""
    hits = [i + 1 for i, line in enumerate(path.read_text(encoding="utf-8").splitlines()) if needle in line]
    assert len(hits) == 1, f"{path}: «{needle}» on lines {hits}, expected exactly one"
    return hits[0]


def cli(*args) -> tuple[int, str, str]:
    """run.py's main in this process, stdout/stderr captured (usable in module-scoped fixtures, unlike capsys)."""
    from engine.cli import main
    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        try:
            code = main([str(a) for a in args])
        except SystemExit as e:   # argparse: --help, bad usage
            code = e.code
    return code, out.getvalue(), err.getvalue()


CERT = {"type": "政务服务办事员", "level": "四级/中级工", "obtained_on": "2012-06-01"}
ALL_TRUE = {k: True for k in ("political", "law_abiding", "service_minded", "follows_rules", "fulfils_duties",
                              "communication_and_computer", "healthy", "obeys_assignment")}


def person(pid: str = "P1", **over) -> dict:
    """A person record with every field filled (a certificate, every attestation, twelve ratings of 2025);
    `over` replaces fields, a None drops one."""
    p = {"id": pid, "birth_date": "1990-05-01", "education": "本科", "attestations": dict(ALL_TRUE),
         "certificates": [dict(CERT)], "hired_on": "2013-01-01", "probation": False,
         "ratings": {f"2025-{m:02d}": "一般" for m in range(1, 13)}}
    p.update(over)
    return {k: v for k, v in p.items() if v is not None}


AMENDING = "某政办发〔2025〕1号"   # a made-up amending document: a changed parameter value must name one


def amend(root: Path, rel: str, old: str, new: str, reference: str = AMENDING) -> Path:
    """As `edit`, for a parameter value: the dated entry holding it then names the amending document
    (`reference:`), as validate requires of a number the clause does not say."""
    path = edit(root, rel, old, new)
    lines = path.read_text(encoding="utf-8").split("\n")
    at = next(i for i, line in enumerate(lines) if new.strip() and new.strip().split("\n")[0] in line)
    if "{value:" in lines[at]:
        lines[at] = lines[at][:lines[at].rindex("}")] + f", reference: {reference}" + lines[at][lines[at].rindex("}"):]
    else:
        clause = max(i for i in range(at) if lines[i].strip().startswith("clause:"))
        indent = lines[clause][:len(lines[clause]) - len(lines[clause].lstrip())]
        lines.insert(clause + 1, f"{indent}reference: {reference}")
    path.write_text("\n".join(lines), encoding="utf-8")
    return path
