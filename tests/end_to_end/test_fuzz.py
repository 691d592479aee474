"""Fuzzing `run.py evaluate` with mutated rosters: whatever a roster file holds, the answer is JSON in valid
UTF-8, the exit status is 0 or 1, there is no traceback, every record read is accounted for, and no name or
ID number of the roster appears unmasked.

The roster is a slice of fixtures/roster_2025.yaml (8 people with names and ID numbers, their centers, some
items, and the second case whole). Each example applies 1–4 mutations — a dropped key, a value of the wrong
type, a huge or negative number, NaN or Infinity, an odd character (lone surrogate, control character, RTL
mark, 𠮷, byte order mark), an impossible date, a duplicated id, a list where a mapping stands or a mapping
where a list stands, a raw character in the file's text — then writes it as YAML, JSON, or JSON in a .yaml
file, in UTF-8, UTF-8 with BOM, GB18030 or UTF-16, and runs the command line on it in a subprocess.

The same roster converted to a workbook (.xlsx) and to CSV files (`run.py convert`) is fuzzed cell by cell:
1–4 cells (headers included) get a wrong word, a huge or negative number, an impossible date, an odd
character, a boolean, a blank, or another row's id, and the same checks hold.

FUZZ_EXAMPLES examples (100 by default, set by the environment variable of that name) for case files, half
as many for spreadsheets: each is one run of the command line, about a second.
"""
from __future__ import annotations

import copy
import io
import json
import os
import re
import resource
import subprocess
import sys
import tempfile
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from ruamel.yaml import YAML

from engine.common import yamlio

from conftest import ROOT

pytestmark = pytest.mark.slow   # fuzzing: hundreds of mutated rosters through the command line

ENV = dict(os.environ, COLUMNS="400", PYTHONIOENCODING="utf-8")
FUZZ_EXAMPLES = int(os.environ.get("FUZZ_EXAMPLES", "100"))
_RUNS = {"examples": 0}


def _base() -> dict:
    full = yamlio.plain(yamlio.load(ROOT / "fixtures" / "roster_2025.yaml"))
    first, second = full["cases"]
    people = first["people"][:4] + first["people"][23:25] + first["people"][35:37]
    centers = sorted({p.get("center") for p in people} - {None})
    first = dict(first, people=people, centers=[c for c in first["centers"] if c["id"] in centers],
                 items=first["items"][:3])
    return {"cases": [first, second]}


BASE = _base()
PEOPLE = [p for case in BASE["cases"] for p in case.get("people", [])]
SECRETS = sorted({p["name"] for p in PEOPLE if len(p.get("name") or "") > 1} |
                 {p["id_number"] for p in PEOPLE if p.get("id_number")})

WRONG = [5, -1, 0, "", "文本", True, None, [], {}, [1, 2], {"a": 1}, 1.5]
NUMBERS = [10**30, -10**30, 10**400, -1, -5, 2**63, 100001, 99999999, 1e308, -0.0]
NOT_NUMBERS = [float("nan"), float("inf"), float("-inf")]
ODD = ["\ud800", "\udfff", "\x00", "\x07", "\x1b[31m", "\x7f", "\x85", "\u202e", "\u200f", "\u2028", "𠮷", "\ufeff",
       "[/]", "[bold]", "\\", "\"", "'", "#", ": ", "- ", "&a ", "*a", "\n"]
DATES = ["2025-02-30", "2025-13-01", "0000-00-00", "9999-12-31", "2030-01-01", "2999-01-01", "1899-12-31",
         "2025-1-1", "20250101", "2025-02-29"]


def _slots(node, path=()):
    """Every (path, value) in the tree, the top excluded."""
    if isinstance(node, dict):
        for k, v in node.items():
            yield path + (k,), v
            yield from _slots(v, path + (k,))
    elif isinstance(node, list):
        for i, v in enumerate(node):
            yield path + (i,), v
            yield from _slots(v, path + (i,))


def _set(tree, path, value):
    node = tree
    for step in path[:-1]:
        node = node[step]
    node[path[-1]] = value


def _records(tree) -> list[tuple[str, dict]]:
    out = []
    for case in tree.get("cases", []) if isinstance(tree, dict) and isinstance(tree.get("cases"), list) else []:
        for kind in ("people", "centers", "items"):
            value = case.get(kind) if isinstance(case, dict) else None
            out += [(kind, r) for r in value if isinstance(r, dict)] if isinstance(value, list) else []
    return out


def mutate(data, tree) -> None:
    """One mutation of `tree`, in place."""
    slots = list(_slots(tree))
    kind = data.draw(st.sampled_from(["drop", "wrong", "number", "nan", "unicode", "unicode_key", "date", "dup_id",
                                      "list_for_map", "map_for_list"]), label="mutation")
    if kind == "dup_id":
        records = [r for r in _records(tree) if "id" in r]
        if len(records) > 1:
            a, b = data.draw(st.lists(st.sampled_from(range(len(records))), min_size=2, max_size=2), label="records")
            records[a][1]["id"] = records[b][1]["id"]
        return
    if kind == "drop":
        maps = [(p, v) for p, v in slots if isinstance(v, dict) and v] + ([((), tree)] if tree else [])
        if not maps:
            return
        path, node = data.draw(st.sampled_from(maps), label="mapping")
        del node[data.draw(st.sampled_from(sorted(node, key=str)), label="key")]
        return
    if kind == "unicode_key":
        maps = [(p, v) for p, v in slots if isinstance(v, dict) and v]
        if not maps:
            return
        _, node = data.draw(st.sampled_from(maps), label="mapping")
        key = data.draw(st.sampled_from(sorted(node, key=str)), label="key")
        node[f"{key}{data.draw(st.sampled_from(ODD), label='char')}"] = node.pop(key)
        return
    if kind == "unicode":
        texts = [(p, v) for p, v in slots if isinstance(v, str)]
        if not texts:
            return
        path, text = data.draw(st.sampled_from(texts), label="text")
        at = data.draw(st.integers(0, len(text)), label="at")
        _set(tree, path, text[:at] + data.draw(st.sampled_from(ODD), label="char") + text[at:])
        return
    if kind in ("list_for_map", "map_for_list"):
        want = dict if kind == "list_for_map" else list
        shaped = [(p, v) for p, v in slots if isinstance(v, want)]
        if shaped:
            path, value = data.draw(st.sampled_from(shaped), label="slot")
            _set(tree, path, [value] if want is dict else {"0": value[0] if value else None})
        return
    if kind == "date":
        dated = [(p, v) for p, v in slots if isinstance(v, str) and re.fullmatch(r"\d{4}-\d{2}-\d{2}", v)]
        if not dated:
            return
        path, _ = data.draw(st.sampled_from(dated), label="date")
        _set(tree, path, data.draw(st.sampled_from(DATES), label="value"))
        return
    if not slots:
        return
    path, _ = data.draw(st.sampled_from(slots), label="slot")
    pool = {"wrong": WRONG, "number": NUMBERS, "nan": NOT_NUMBERS}[kind]
    _set(tree, path, copy.deepcopy(data.draw(st.sampled_from(pool), label="value")))


def _yaml_text(tree) -> str:
    y = YAML(typ="safe", pure=True)
    y.allow_unicode = True
    y.default_flow_style = False
    out = io.StringIO()
    y.dump(tree, out)
    return out.getvalue()


def write(data, tree, directory: str) -> Path:
    form = data.draw(st.sampled_from(["yaml", "json", "json-as-yaml"]), label="format")
    text = _yaml_text(tree) if form == "yaml" else json.dumps(tree, ensure_ascii=data.draw(st.booleans(), label="ascii"),
                                                                indent=data.draw(st.sampled_from([None, 1]), label="indent"))
    if data.draw(st.integers(0, 4), label="raw") == 0:    # a raw character into the text itself
        at = data.draw(st.integers(0, len(text)), label="raw_at")
        text = text[:at] + data.draw(st.sampled_from(ODD), label="raw_char") + text[at:]
    encoding = data.draw(st.sampled_from(["utf-8", "utf-8", "utf-8-sig", "gb18030", "utf-16"]), label="encoding")
    try:
        raw = text.encode(encoding)
    except UnicodeEncodeError:                             # a lone surrogate: written as the bytes it would be
        raw = text.encode("utf-8" if encoding == "gb18030" else encoding, "surrogatepass")
    path = Path(directory) / ("roster.json" if form == "json" else "roster.yaml")
    path.write_bytes(raw)
    return path


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

CELL_VALUES = ([str(v) for v in WRONG + NUMBERS] + DATES + ODD + ["很好", "是", "否", "√", "×", "有", "无", " 本科 ",
               "=1+1", "1e+16", "NaN", "-0", "３", "2025/02/29", "45000", "0.5"] + [10**20, -3, 1.5, True, False, None])


def _sheet_forms() -> dict[str, Path]:
    """The fuzz roster as one workbook and as CSV files (`run.py convert`), made once."""
    directory = Path(tempfile.mkdtemp(prefix="fuzz-sheets-"))
    source = directory / "roster.yaml"
    source.write_text(_yaml_text(BASE), encoding="utf-8")
    for target in ("roster.xlsx", "roster.csv"):
        done = subprocess.run([sys.executable, "run.py", "convert", str(source), str(directory / target)], cwd=ROOT,
                              env=ENV, capture_output=True, timeout=120)
        assert done.returncode == 0, done.stderr.decode("utf-8")
    return {"xlsx": directory / "roster.xlsx", "csv": directory / "roster.csv", "dir": directory}


_FORMS: dict[str, Path] = {}


def _cell_value(data):
    value = data.draw(st.sampled_from(CELL_VALUES), label="cell")
    if isinstance(value, str) and data.draw(st.booleans(), label="splice"):
        return f"{data.draw(st.sampled_from(ODD), label='odd')}{value}"
    return value


def _mutate_xlsx(data, source: Path, target: Path) -> None:
    from openpyxl import load_workbook
    from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE
    book = load_workbook(source)
    for _ in range(data.draw(st.integers(1, 4), label="cells")):
        sheet = book[data.draw(st.sampled_from(book.sheetnames), label="sheet")]
        row = data.draw(st.integers(1, max(1, sheet.max_row) + 1), label="row")
        col = data.draw(st.integers(1, max(1, sheet.max_column)), label="col")
        value = _cell_value(data)
        if data.draw(st.integers(0, 5), label="copy") == 0 and sheet.max_row > 2:
            value = sheet.cell(data.draw(st.integers(2, sheet.max_row), label="from"), col).value   # a duplicate
        if isinstance(value, str):
            value = ILLEGAL_CHARACTERS_RE.sub("", value.encode("utf-8", "replace").decode("utf-8"))
        sheet.cell(row, col).value = value
    book.save(target)


def _mutate_csv(data, directory: Path, target_dir: Path) -> Path:
    import csv
    files = sorted(directory.glob("roster*.csv"))
    tables = {f.name: list(csv.reader(io.StringIO(f.read_text(encoding="utf-8-sig")))) for f in files}
    for _ in range(data.draw(st.integers(1, 4), label="cells")):
        rows = tables[data.draw(st.sampled_from(sorted(tables)), label="file")]
        r = data.draw(st.integers(0, len(rows) - 1), label="row")
        c = data.draw(st.integers(0, max(0, len(rows[r]) - 1)), label="col")
        value = _cell_value(data)
        if rows[r]:
            rows[r][c] = "" if value is None else str(value)
    for name, rows in tables.items():
        out = io.StringIO()
        csv.writer(out).writerows(rows)
        text = out.getvalue()
        encoding = data.draw(st.sampled_from(["utf-8-sig", "utf-8", "gb18030"]), label="csv_encoding")
        (target_dir / name).write_bytes(text.encode(encoding, "surrogatepass" if encoding != "gb18030" else "replace"))
    return target_dir / "roster.csv"


@settings(max_examples=max(1, FUZZ_EXAMPLES // 2), deadline=None)
@given(st.data())
def test_mutated_spreadsheets_are_answered_in_json_balanced_and_masked(data):
    if not _FORMS:
        _FORMS.update(_sheet_forms())
    form = data.draw(st.sampled_from(["xlsx", "csv"]), label="form")
    with tempfile.TemporaryDirectory(prefix="fuzz-") as directory:
        if form == "xlsx":
            path = Path(directory) / "roster.xlsx"
            _mutate_xlsx(data, _FORMS["xlsx"], path)
        else:
            path = _mutate_csv(data, _FORMS["dir"], Path(directory))
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
