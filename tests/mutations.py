"""Mutations of a roster for the fuzz tests (tests/end_to_end/test_fuzz.py), and the roster they start from.

The roster is a slice of fixtures/roster_2025.yaml (8 people with names and ID numbers, their centers, some
items, and the second case whole); SECRETS are its names and ID numbers, which no answer may show in clear.
`mutate` applies one mutation to the tree (a dropped key, a value of the wrong type, a huge or negative number,
NaN or Infinity, an odd character, an impossible date, a duplicated id, a list where a mapping stands or a
mapping where a list stands); `write` writes it as YAML, JSON or JSON in a .yaml file, in one of the encodings
an office uses, sometimes with a raw character in the text. `mutate_xlsx` and `mutate_csv` change 1–4 cells of
the roster as a workbook or as CSV files. tests/policy/test_schemas.py mutates records with `mutate` too.
"""
from __future__ import annotations

import copy
import io
import json
import re
from pathlib import Path

from hypothesis import strategies as st
from ruamel.yaml import YAML

from engine.common import yamlio
from engine.common import locations

from conftest import ROOT


def _base() -> dict:
    full = locations.plain(yamlio.load(ROOT / "fixtures" / "roster_2025.yaml"))
    first, second = full["cases"]
    people = first["people"][:4] + first["people"][23:25] + first["people"][35:37]
    centers = sorted({p.get("center") for p in people} - {None})
    first = dict(first, people=people, centers=[c for c in first["centers"] if c["id"] in centers],
                 items=first["items"][:3])
    return {"cases": [first, second]}


BASE = _base()
PEOPLE = [p for case in BASE["cases"] for p in case.get("people", [])]
NAMES = sorted({p["name"] for p in PEOPLE if len(p.get("name") or "") > 1})
SECRETS = sorted(set(NAMES) | {p["id_number"] for p in PEOPLE if p.get("id_number")})

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


def yaml_text(tree) -> str:
    y = YAML(typ="safe", pure=True)
    y.allow_unicode = True
    y.default_flow_style = False
    out = io.StringIO()
    y.dump(tree, out)
    return out.getvalue()


def write(data, tree, directory: str) -> Path:
    form = data.draw(st.sampled_from(["yaml", "json", "json-as-yaml"]), label="format")
    text = yaml_text(tree) if form == "yaml" else json.dumps(tree, ensure_ascii=data.draw(st.booleans(), label="ascii"),
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


CELL_VALUES = ([str(v) for v in WRONG + NUMBERS] + DATES + ODD + ["很好", "是", "否", "√", "×", "有", "无", " 本科 ",
               "=1+1", "1e+16", "NaN", "-0", "３", "2025/02/29", "45000", "0.5"] + [10**20, -3, 1.5, True, False, None])


def cell_value(data):
    value = data.draw(st.sampled_from(CELL_VALUES), label="cell")
    if isinstance(value, str) and data.draw(st.booleans(), label="splice"):
        return f"{data.draw(st.sampled_from(ODD), label='odd')}{value}"
    return value


def mutate_xlsx(data, source: Path, target: Path) -> list:
    """1–4 cells of the workbook changed; returns the values written into a header row (row 1)."""
    from openpyxl import load_workbook
    from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE
    book = load_workbook(source)
    headers = []
    for _ in range(data.draw(st.integers(1, 4), label="cells")):
        sheet = book[data.draw(st.sampled_from(book.sheetnames), label="sheet")]
        row = data.draw(st.integers(1, max(1, sheet.max_row) + 1), label="row")
        col = data.draw(st.integers(1, max(1, sheet.max_column)), label="col")
        value = cell_value(data)
        if data.draw(st.integers(0, 5), label="copy") == 0 and sheet.max_row > 2:
            value = sheet.cell(data.draw(st.integers(2, sheet.max_row), label="from"), col).value   # a duplicate
        if isinstance(value, str):
            value = ILLEGAL_CHARACTERS_RE.sub("", value.encode("utf-8", "replace").decode("utf-8"))
        sheet.cell(row, col).value = value
        if row == 1:
            headers.append(value)
    book.save(target)
    return headers


def mutate_csv(data, directory: Path, target_dir: Path) -> Path:
    import csv
    files = sorted(directory.glob("roster*.csv"))
    tables = {f.name: list(csv.reader(io.StringIO(f.read_text(encoding="utf-8-sig")))) for f in files}
    for _ in range(data.draw(st.integers(1, 4), label="cells")):
        rows = tables[data.draw(st.sampled_from(sorted(tables)), label="file")]
        r = data.draw(st.integers(0, len(rows) - 1), label="row")
        c = data.draw(st.integers(0, max(0, len(rows[r]) - 1)), label="col")
        value = cell_value(data)
        if rows[r]:
            rows[r][c] = "" if value is None else str(value)
    for name, rows in tables.items():
        out = io.StringIO()
        csv.writer(out).writerows(rows)
        text = out.getvalue()
        encoding = data.draw(st.sampled_from(["utf-8-sig", "utf-8", "gb18030"]), label="csv_encoding")
        (target_dir / name).write_bytes(text.encode(encoding, "surrogatepass" if encoding != "gb18030" else "replace"))
    return target_dir / "roster.csv"
