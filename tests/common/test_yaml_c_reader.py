"""Policy files read by libyaml's C parser give the pure-Python reader's tree, positions and errors, or are left
to it: deep nesting never reaches the C parser (it would overflow the stack), and an error is always worded by
the pure-Python reader."""
from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings, strategies as st

from engine.common import yamlio
from engine.common.locations import YamlError

ROOT = Path(__file__).resolve().parents[2]

pytestmark = pytest.mark.skipif(yamlio.CParser is None, reason="ruamel.yaml.clib is not installed")


def _pure(text: str):
    return yamlio._yaml().load(text)


def _typed(value):
    """A tree with every value's type spelled out: 1, 1.0, True and "1" differ."""
    if isinstance(value, dict):
        return ("map", [(_typed(k), _typed(v)) for k, v in value.items()])
    if isinstance(value, list):
        return ("list", [_typed(v) for v in value])
    return (type(value).__name__, repr(value))


def _pure_case(text: str):
    return yamlio._case_yaml(fast=True).load(text)


def _same(a, b, path="") -> None:
    """Equal values of equal types, and every mapping key, value and item at the same line and column."""
    assert type(a) is type(b), path
    if isinstance(a, dict):
        assert list(a) == list(b), path
        assert (a.lc.line, a.lc.col) == (b.lc.line, b.lc.col), path
        for k in a:
            assert a.lc.key(k) == b.lc.key(k) and a.lc.value(k) == b.lc.value(k), f"{path}/{k}"
            _same(a[k], b[k], f"{path}/{k}")
    elif isinstance(a, list):
        assert len(a) == len(b) and (a.lc.line, a.lc.col) == (b.lc.line, b.lc.col), path
        for i, (x, y) in enumerate(zip(a, b)):
            assert a.lc.item(i) == b.lc.item(i), f"{path}[{i}]"
            _same(x, y, f"{path}[{i}]")
    else:
        assert repr(a) == repr(b) and (a == b or a != a), path   # NaN is not equal to itself


SHIPPED = sorted(p for d in ("policies", "fixtures", "tests") for p in (ROOT / d).rglob("*.yaml"))


def test_every_shipped_yaml_file_reads_the_same_in_c():
    read = 0
    for path in SHIPPED:
        text = path.read_text(encoding="utf-8")
        quick = yamlio._quick(text)
        if quick is None:
            continue
        _same(_pure(text), quick, str(path.relative_to(ROOT)))
        read += 1
    assert read > 50   # the C reader is really used on the policy files


# YAML's significant characters, some scalars that resolve differently in YAML 1.1 and 1.2, and control characters
_PIECES = st.sampled_from(["a", "b", "1", "0x1F", "010", "0o10", "1_000", "1:20", "yes", "no", "on", "~", "null",
                           "2025-13-01", "1e3", ".5", "-", ": ", ":", " ", "  ", "\n", "\t", "- ", "? ", "[", "]",
                           "{", "}", ",", "#", "'", '"', "\\", "&a ", "*a", "!!str ", "|", ">", "%", "@", "`",
                           "\x00", "\x07", "\x85", "\u2028", "\ufeff", "中文", "---", "...", "a: null", "- ~",
                           "k:", "NULL", "<<: ", "=", ".NaN", "%YAML 1.1\n", ">-\n  x\n"])


def _same_typed(pure, quick) -> None:
    assert _typed(quick) == _typed(pure)


# (the C reader, the pure reader, how their trees must agree): a policy file's tree with its positions; a case
# file's fast tree, type for type
READERS = {"policy": (yamlio._quick, _pure, _same), "case": (yamlio._quick_case, _pure_case, _same_typed)}


@pytest.mark.parametrize("reader", list(READERS))
@settings(max_examples=400, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(text=st.lists(_PIECES, max_size=40).map("".join))
def test_c_and_pure_readers_agree_on_arbitrary_text(reader, text):
    """Whatever the C reader gives is the pure reader's tree; where it gives nothing the pure reader decides."""
    quick_of, pure_of, same = READERS[reader]
    quick = quick_of(text)
    if quick is None:
        return
    try:
        pure = pure_of(text)
    except Exception as e:   # the C reader accepted what the pure reader refuses
        pytest.fail(f"the C reader read {text!r}, the pure reader refused it: {e}")
    same(pure, quick)


@pytest.mark.parametrize("text", ["[" * 5000 + "]" * 5000, "- " * 5000 + "x\n",
                                  "".join(" " * i + f"k{i}:\n" for i in range(800)) + " " * 800 + "v\n"])
def test_deep_nesting_is_left_to_the_pure_reader(text):
    assert not yamlio._shallow(text, text.split("\n"))
    assert yamlio._quick(text) is None


@pytest.mark.slow
def test_a_policy_file_nested_30000_deep_is_an_error_not_a_crash(tmp_path):
    """libyaml's composer would overflow the C stack here (a segmentation fault): the file is read by the pure
    reader, which says it is nested too deep."""
    path = tmp_path / "deep.yaml"
    path.write_text("- " * 30_000 + "x\n", encoding="utf-8")
    code = ("import sys; from engine.common import yamlio; from engine.common.locations import YamlError\n"
            "try:\n    yamlio.load(sys.argv[1])\nexcept YamlError as e:\n    print(e)\n")
    done = subprocess.run([sys.executable, "-c", code, str(path)], capture_output=True, text=True, cwd=ROOT,
                          timeout=300)
    assert done.returncode == 0, done.stderr[-500:]
    assert "嵌套过深" in done.stdout


@pytest.mark.parametrize("text", ["|\n#", ">\n#", "|-\n#\n", "plain", "1"])
def test_a_file_that_is_a_scalar_alone_is_left_to_the_pure_reader(text):
    """A block scalar at the left margin: libyaml reads `#` as a comment, the pure reader as the text (found by
    hypothesis). No policy or case file is a scalar alone; the pure reader reads it and the loader says so."""
    assert yamlio._quick(text) is None and yamlio._quick_case(text) is None


def test_errors_are_the_pure_readers_words(tmp_path):
    """A duplicate key and a syntax error: the C reader refuses them and the message is the pure reader's."""
    for text, words in (("a: 1\na: 2\n", "键重复"), ("a: [1, 2\nb: 3\n", "YAML 语法错误"),
                        ("a: >#\n  x\n", "YAML 语法错误")):
        assert yamlio._quick(text) is None
        with pytest.raises(YamlError) as e:
            yamlio.load_bytes(text.encode(), "p.yaml")
        assert words in str(e.value)


def test_an_alias_bomb_is_left_to_the_pure_reader_and_refused():
    text = "a: &a [1, 1, 1, 1, 1, 1, 1, 1, 1, 1]\n" + "".join(
        f"{chr(98 + i)}: &{chr(98 + i)} [{', '.join(['*' + chr(97 + i)] * 10)}]\n" for i in range(6))
    assert yamlio._quick(text) is None
    with pytest.raises(YamlError) as e:
        yamlio.load_bytes(text.encode(), "bomb.yaml")
    assert "别名" in str(e.value)


# --- case files: the fast (position-free) tree ----------------------------------------------------------------

def test_every_shipped_case_file_reads_the_same_in_c():
    read = 0
    for path in sorted((ROOT / "fixtures").glob("*.yaml")):
        text = path.read_text(encoding="utf-8")
        quick = yamlio._quick_case(text)
        assert quick is not None, path   # the shipped rosters are read in C, flow lists and all
        assert _typed(quick) == _typed(_pure_case(text)), path
        read += 1
    assert read >= 3


@pytest.mark.parametrize("text", ["a: " + "[" * 40 + "]" * 40 + "\n", "- " * 40 + "x\n",
                                  "a: |\n  " + "[" * 40 + "\n",   # text, which the pure reader's cut reads as flows
                                  "x: [" + "a, " * 2000 + "b]\n" + "".join(f"k{i}: [{i}]\n" for i in range(1500))])
def test_a_case_file_nesting_deep_is_left_to_the_pure_reader_and_a_wide_one_is_not(text):
    wide = text.startswith("x:")
    assert not yamlio._shallow(text, text.split("\n")) or not wide   # more brackets than the rough bound allows
    assert (yamlio._quick_case(text) is not None) == wide


def test_a_duplicate_key_in_a_case_file_is_the_pure_readers_flaw():
    text = "cases:\n- id: A\n  id: B\n"
    assert yamlio._quick_case(text) is None
    flaw = _pure_case(text)["cases"][0]["id"]
    assert isinstance(flaw, yamlio.Flaw)


@pytest.mark.slow
def test_a_case_file_nested_30000_deep_is_an_error_not_a_crash(tmp_path):
    """libyaml's composer would overflow the C stack on 30,000 block levels (a segmentation fault): its parse events
    are counted first (its parser's stack is on the heap), and the pure reader says the file nests too deep."""
    path = tmp_path / "deep.yaml"
    path.write_text("- " * 30_000 + "x\n", encoding="utf-8")
    code = ("import sys; from engine.common import yamlio; from engine.common.locations import YamlError\n"
            "try:\n    yamlio.parse_case_yaml(yamlio.read_case(sys.argv[1]), fast=True)\n"
            "except YamlError as e:\n    print(e)\n")
    done = subprocess.run([sys.executable, "-c", code, str(path)], capture_output=True, text=True, cwd=ROOT,
                          timeout=300)
    assert done.returncode == 0, done.stderr[-500:]
    assert "嵌套" in done.stdout
