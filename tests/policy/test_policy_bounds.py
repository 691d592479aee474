"""Hostile policy folders: a rule file that is a FIFO, a `source:` that is an endless device,
parameter values far beyond any a policy states. Each is a located Chinese error of validate — never a hang,
a MemoryError or a traceback — and every value validate lets through computes in every later stage.

The FIFO and device runs are subprocesses bounded in time (30 s) and memory (1 GiB): a regression fails the
test instead of hanging it or taking the machine."""
from __future__ import annotations

import math
import os
import resource
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from engine.common.limits import MAX_PARAMETER
from engine.policy.loader import load_policy
from engine.tools.validate import check

from conftest import POLICY_DIR, ROOT, amend, cli, line_of

TIMEOUT = 30
ADDRESS_SPACE = 1 << 30


def _bounded() -> None:
    resource.setrlimit(resource.RLIMIT_AS, (ADDRESS_SPACE, ADDRESS_SPACE))


def run(*args) -> subprocess.CompletedProcess:
    """run.py in a child bounded in time and memory; no traceback in what it says."""
    done = subprocess.run([sys.executable, "run.py", *map(str, args)], cwd=ROOT, capture_output=True,
                          timeout=TIMEOUT, preexec_fn=_bounded, env=dict(os.environ, COLUMNS="400"))
    err = done.stderr.decode("utf-8")
    assert "Traceback" not in err and "MemoryError" not in err, err
    return done


def all_problems(root: Path):
    policy, problems = load_policy(root)
    return problems + (check(policy) if policy is not None else [])


# --- files that are not regular files ------------------------------------------------------------------------

@pytest.mark.slow   # run.py in a subprocess
@pytest.mark.parametrize("command", ["validate", "evaluate"])
def test_a_rule_file_that_is_a_fifo_is_refused_at_once(tmp_policy, command):
    fifo = tmp_policy / "rules" / "windows.yaml"
    fifo.unlink()
    os.mkfifo(fifo)
    args = [tmp_policy] if command == "validate" else [ROOT / "fixtures" / "roster_2025.yaml", "--policy", tmp_policy]
    done = run(command, *args)
    err = done.stdout.decode("utf-8") + done.stderr.decode("utf-8")
    assert done.returncode in (1, 2)
    assert f"{fifo}: 这是一个命名管道（FIFO）" in err


@pytest.mark.slow   # run.py in a subprocess
@pytest.mark.parametrize("device", ["/dev/zero", "/dev/urandom"])
def test_a_source_that_is_an_endless_device_is_refused_at_the_source_key(tmp_policy, device):
    if not Path(device).exists():
        pytest.skip(f"no {device} here")
    manifest = tmp_policy / "policy.yaml"
    manifest.write_text(manifest.read_text(encoding="utf-8").replace("source: source.txt", f"source: {device}"),
                        encoding="utf-8")
    done = run("validate", tmp_policy)
    out = done.stdout.decode("utf-8")
    assert done.returncode == 1
    line = line_of(manifest, "source:")
    assert f"{manifest}:{line}:" in out and f"无法读取文件原文 {device}" in out and "设备" in out, out


def test_a_source_that_is_a_folder_or_missing_is_located_at_the_source_key(tmp_policy):
    manifest = tmp_policy / "policy.yaml"
    for source, words in (("rules", "文件夹"), ("nowhere.txt", "文件不存在")):
        manifest.write_text(manifest.read_text(encoding="utf-8").replace("source: source.txt", f"source: {source}")
                            .replace("source: rules", f"source: {source}"), encoding="utf-8")
        policy, problems = load_policy(tmp_policy)
        assert policy is None
        [problem] = [p for p in problems if p.path == "source"]
        assert problem.location.line == line_of(manifest, "source:") and words in problem.message


def test_a_policy_yaml_that_is_a_folder_is_refused_by_name(tmp_policy):
    (tmp_policy / "policy.yaml").unlink()
    (tmp_policy / "policy.yaml").mkdir()
    policy, problems = load_policy(tmp_policy)
    assert policy is None and [p.message for p in problems] == ["这是一个文件夹，不是文件"]


# --- parameter values ----------------------------------------------------------------------------------------

SKILL = "        二级/技师: 400\n"    # parameters/allowances.yaml: a leaf with a unit (元/月)


@pytest.mark.parametrize("text, words", [
    ("1e308", "绝对值应不超过"), ("-1e308", "绝对值应不超过"), ("1e20", "绝对值应不超过"),
    ("1000000000000001", "绝对值应不超过"), ("1" + "0" * 400, "401 位的整数"), ("-" + "9" * 40, "40 位的整数"),
    (".nan", "NaN"), (".inf", "无穷大"), ("-.inf", "负无穷大"), ("1e400", "无穷大"), ('"inf"', "应为数"),
    ('"nan"', "应为数"), ("9" * 5000, "5000 位"),
])
def test_a_parameter_value_out_of_range_is_a_located_error(tmp_policy, text, words):
    path = amend(tmp_policy, "parameters/allowances.yaml", SKILL, f"        二级/技师: {text}\n")
    errors = [p for p in all_problems(tmp_policy) if p.severity == "error"]
    assert len(errors) == 1, errors
    assert Path(errors[0].location.file) == path and errors[0].location.line == line_of(path, "二级/技师")
    assert words in errors[0].message


def test_extreme_values_in_a_parameter_without_a_unit_are_refused_too(tmp_policy):
    path = amend(tmp_policy, "parameters/windows.yaml", "      value: {direct: 2, hrss: 1, civil_affairs: 1}",
                 "      value: {direct: 2, hrss: 1, civil_affairs: 1, spare: " + "7" * 30 + "}")
    errors = [p for p in all_problems(tmp_policy) if p.severity == "error" and Path(p.location.file) == path]
    assert errors and "绝对值应不超过" in errors[0].message


def test_1e308_is_refused_by_validate_and_analyze_says_so_instead_of_crashing(tmp_policy):
    amend(tmp_policy, "parameters/allowances.yaml", SKILL, "        二级/技师: 1e308\n")
    code, out, err = cli("validate", tmp_policy)
    assert code == 1 and "绝对值应不超过" in out + err
    code, out, err = cli("analyze", tmp_policy)
    assert code == 2 and "绝对值应不超过" in err and "Traceback" not in err


def test_the_largest_value_allowed_still_computes(tmp_policy):
    amend(tmp_policy, "parameters/allowances.yaml", SKILL, f"        二级/技师: {MAX_PARAMETER}\n")
    code, out, err = cli("evaluate", ROOT / "fixtures" / "roster_2025.yaml", "--policy", tmp_policy, "--format", "json")
    assert code in (0, 1) and "Traceback" not in err, err


# --- fuzzing: any number in any numeric parameter leaf ---------------------------------------------------------

def _yaml_number(value) -> str:
    if isinstance(value, float) and math.isnan(value):
        return ".nan"
    if isinstance(value, float) and math.isinf(value):
        return ".inf" if value > 0 else "-.inf"
    return repr(value)


NUMBERS = st.one_of(
    st.floats(allow_nan=True, allow_infinity=True),
    st.integers(-10 ** 20, 10 ** 20),
    st.integers(-10 ** 400, 10 ** 400),
    st.sampled_from([MAX_PARAMETER, -MAX_PARAMETER, MAX_PARAMETER + 1, 1e15, 1.0000000000000002e15, 1e308, -1e308,
                     5e-324, 2 ** 53, 2 ** 63, 10 ** 400, 0, -0.0]))

LEAVES = [("parameters/allowances.yaml", SKILL, "        二级/技师: {}\n", "二级/技师:"),
          ("parameters/windows.yaml", "        镇: 4\n", "        镇: {}\n", "  镇: "),
          ("parameters/windows.yaml", "    2024-12-27: {value: 1, clause: 二(二)1-配比}",
           "    2024-12-27: {{value: {}, clause: 二(二)1-配比}}", "二(二)1-配比")]   # file, old, new, its line's needle


@pytest.mark.slow   # fuzzes: a policy folder loaded and checked per example
@settings(max_examples=40)
@given(st.sampled_from(LEAVES), NUMBERS)
def test_any_number_in_a_parameter_is_refused_at_its_line_or_loads(tmp_path_factory, leaf, value):
    """The property: a value is refused — an error at its own line — exactly when it is no finite number within
    ±MAX_PARAMETER; otherwise the policy loads and checks without an error about it."""
    root = tmp_path_factory.mktemp("p") / "policy"
    shutil.copytree(POLICY_DIR, root)
    rel, old, new, needle = leaf
    path = amend(root, rel, old, new.format(_yaml_number(value)))
    line = line_of(path, needle)
    errors = [p for p in all_problems(root) if p.severity == "error"]
    finite = not (isinstance(value, float) and not math.isfinite(value))
    allowed = finite and abs(value) <= MAX_PARAMETER
    at_line = [p for p in errors if Path(p.location.file) == path and p.location.line == line]
    if allowed:
        assert not errors, errors
    else:
        assert at_line and errors == at_line, errors
