#!/usr/bin/env python3
"""The hostile run: mutated rosters through every command that reads them, and what went wrong.

    python benchmarks/hostile_run.py --sheets 1000 --texts 1000 --seed 26 --out /tmp/hostile
    python benchmarks/hostile_run.py --out /tmp/hostile --resume           # go on where a run stopped
    python benchmarks/hostile_run.py --seed 26 --out /tmp/hostile --only 17  # one input again, its runs shown

Measured, never asserted (a script, not a test). Inputs are built from the shipped fixtures (slices of
fixtures/roster_2025.yaml and fixtures/corpus_500.yaml, and the same as .xlsx and .csv made by sheetwrite):
--sheets N spreadsheets (even numbers .xlsx, odd .csv) and --texts N case files (even .yaml, odd .json), input
i made from (--seed, i) alone, so that any input can be made again (--only). Each gets 1–4 mutations:

  .xlsx  cells (names and 18-digit ID numbers, formulas as formulas and as text `=cmd|' /C calc'!A0`, `+`, `-`,
         `@`, a tab, huge numbers, 5,000-digit numbers as text, booleans, errors, dates, blanks, headers),
         merged cells, extra, renamed, copied or removed sheets, a cell at XFD1048576; then in the sheet XML
         entity declarations (internal, billion laughs, external), numbers such as 1e999, <f> formulas, deep
         nesting; in the zip wrong sizes and CRCs, damaged compressed data, missing or duplicate members,
         truncation, flipped bytes;
  .csv   the same cell values; a quote left open, NULs, huge fields, no, double or UTF-16 byte order marks,
         GB18030, UTF-16 and broken UTF-8, CR or CRLF line ends, another delimiter, a sibling file gone or
         emptied, flipped, truncated and spliced bytes, runs of one byte inserted;
  .yaml  values of the wrong type, huge numbers, NaN and infinities, impossible dates, odd characters
  .json  (U+FFFE, lone surrogates, NUL, bidi marks), names and ID numbers put into any field, a person as one
         line of text, formulas, duplicated records (YAML aliases), alias bombs, 10,000-deep nesting, raw
         tokens (1e999, a 5,000-digit number, .nan, NaN), encodings, and the byte mutations above.

One input in --heavy-every (default 200) is heavy instead: a sheet that unzips to 1.5 GB, 200,000 rows, a
60 MB run of one byte; heavy inputs are run through `evaluate --format json` only.

Each input goes through the commands that read it, each run alone (--mode fork: a child forked from a process
that has the engine imported and the policy loaded, which calls engine.cli.main; --mode subprocess: `run.py`),
with an address space of --memory-mb (1024) and --timeout seconds (60), --workers (2) at a time:
evaluate as a table, as JSON, `--format xlsx --out` and `--format csv --out` into a fresh folder; convert to the
other formats; and in turn one of letter (.docx), appeal, or evaluate --log then replay. Counted:

  traceback      stderr holds "Traceback", or the exit status is not one the CLI documents (0, 1, 2, 3)
  unbalanced     exit status 3: the record account did not balance (documented, but a bug)
  hang           killed at --timeout
  memory         MemoryError, or killed by a signal (a C allocation failing under the address-space limit)
  formula        a written .xlsx with a formula cell (openpyxl data_type 'f', or <f> in the sheet XML), or a
                 written .csv cell starting with = + - @ tab or CR that is not a number
  id_in_clear    an ID number of the input (planted or not) verbatim in stdout, stderr or a written file
                 (convert's output is a copy of the input and is exempt; 321302********1008 is fine)
  name_in_clear  a name from the input's name fields (or a person written as one line) verbatim, likewise
  name_elsewhere a name planted into another field (an id, a center, a date) verbatim: the engine cannot know
                 it is a name; counted apart
  unreadable_output  a written .xlsx, .csv or .docx that cannot be read back (half a file, left by a crash)
  input_changed  an input file's bytes changed by a command

DIR gets runs.jsonl (one line per input: each run's command, status, seconds, peak memory, findings),
summary.json (the counts, the traceback signatures, the slowest runs) and failures/KIND/NNNNN-COMMAND/ for up
to 5 inputs per kind (and one per traceback signature), each with the input files, command.txt (the run.py
command line that reproduces it), stdout/stderr tails and mutations.txt.
"""
from __future__ import annotations

import argparse
import collections
import contextlib
import copy
import csv
import datetime as dt
import hashlib
import io
import json
import multiprocessing
import os
import random
import re
import resource
import shutil
import signal
import struct
import subprocess
import sys
import time
import traceback
import zipfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

DOCUMENTED = {0, 1, 2, 3}
KINDS = ["traceback", "unbalanced", "hang", "memory", "formula", "unreadable_output", "id_in_clear", "name_in_clear",
         "name_elsewhere", "input_changed"]
KEEP = 5                       # reproducing inputs kept per kind

# fictitious people planted into the inputs (none of these strings occurs in the policy folder)
NAMES = ["欧阳秀兰", "司马春燕", "诸葛建国", "上官婉清", "皇甫志强", "慕容雪梅", "东方振华", "令狐德胜"]
FORMULAS = ["=1+1", "=cmd|' /C calc'!A0", "+1+2", "-2+3", "@SUM(1,2)", "=HYPERLINK(\"http://x.invalid\",\"点此\")",
            "\t=1+1", "\r=1+1", "=SUM(A1:A2)", "-cmd|' /C calc'!A0", "+cmd|' /C calc'!A0", "@cmd"]
ODD = ["\ud800", "\udfff", "\x00", "\x07", "\x1b[31m", "\x7f", "\u202e", "\u200f", "\u2028", "𠮷", "\ufeff", "\ufffe",
       "\uffff", "[/]", "[bold]", "\\", "\"", "'", "#", ": ", "- ", "&a ", "*a", "\n", "<t>", "&amp;"]
WRONG = [5, -1, 0, "", "文本", True, None, [], {}, [1, 2], {"a": 1}, 1.5]
HUGE = [10**30, -10**30, 10**400, 2**63, 2**64 + 1, 1e308, -1e308, 99999999, 10**4999]
NOT_NUMBERS = [float("nan"), float("inf"), float("-inf")]
DATES = ["2025-02-30", "2025-13-01", "0000-00-00", "9999-12-31", "1899-12-31", "2025-1-1", "20250101", "99999-01-01"]
RAW_TOKENS = ["1e999", "-1e999", "1" + "0" * 5000, ".nan", ".inf", "NaN", "Infinity", "-0", "0x7fffffffffffffffff",
              "0o777777777777777777777", "1_000_000", "!!binary aGVsbG8=", "!!python/object/apply:os.system ['echo']",
              "2025-12-31T25:61:61", "~", "!!set {a, b}", "'\\ud800'", "\"\\ud800\"", "\"\\0\""]


def id_number(rng: random.Random) -> str:
    born = dt.date(1960, 1, 1) + dt.timedelta(days=rng.randrange(365 * 45))
    tail = f"{rng.randrange(1000):03d}" + rng.choice("0123456789X")
    return "321302" + born.strftime("%Y%m%d") + tail


# --- the base rosters ----------------------------------------------------------------------------------

def base_trees() -> list[dict]:
    """The shipped roster whole, slices of it, and slices of the generated corpus: plain trees."""
    from engine.common import locations, yamlio
    roster = locations.plain(yamlio.load(ROOT / "fixtures" / "roster_2025.yaml"))
    corpus = locations.plain(yamlio.load(ROOT / "fixtures" / "corpus_500.yaml"))
    rng = random.Random(15)
    roster, corpus = pure(roster), pure(corpus)
    trees = [roster]
    first, second = roster["cases"]
    for size in (3, 6, 10, 16):
        people = rng.sample(first["people"], size)
        trees.append({"cases": [sliced(first, people), second]})
    trees.append({"cases": [second]})
    trees.append(sliced(first, first["people"][:5]))        # one case at the top, no `cases:`
    for size in (8, 25):
        case = corpus["cases"][rng.randrange(len(corpus["cases"]))]
        trees.append({"cases": [sliced(case, rng.sample(case["people"], size))]})
    return trees


def pure(node):
    """Plain Python types (the readers' int and str subclasses are not for a safe dumper)."""
    if isinstance(node, dict):
        return {pure(k): pure(v) for k, v in node.items()}
    if isinstance(node, list):
        return [pure(v) for v in node]
    for kind in (bool, int, float, str):
        if isinstance(node, kind):
            return kind(node)
    return node


def sliced(case: dict, people: list) -> dict:
    centers = {p.get("center") for p in people}
    out = dict(case, people=copy.deepcopy(people), centers=[c for c in case.get("centers", []) if c["id"] in centers])
    if case.get("items"):
        out["items"] = [i for i in case["items"] if i.get("center") in centers][:6]
    return out


def secrets_of(tree) -> tuple[set, set]:
    """(names, ID numbers) held in the name and id_number fields of people."""
    names, ids = set(), set()

    def walk(node):
        if isinstance(node, dict):
            person = "birth_date" in node or "id_number" in node        # a center and an item have names too
            if person and isinstance(node.get("name"), str) and len(node["name"]) > 1:
                names.add(node["name"])
            if isinstance(node.get("id_number"), str):
                ids.add(node["id_number"])
            for v in node.values():
                walk(v)
        elif isinstance(node, list):
            for v in node:
                walk(v)
    walk(tree)
    return names, ids


def build_bases(base: Path) -> list[dict]:
    """Each base tree as .yaml, .xlsx and .csv (via sheetwrite), once, in DIR/base; the ones convert accepts."""
    from engine.casefiles import sheetwrite
    from engine.cli import options
    policy = options.load_policy(options.DEFAULT_POLICY)
    made = []
    for n, tree in enumerate(base_trees()):
        folder = base / f"b{n}"
        folder.mkdir(parents=True, exist_ok=True)
        source = folder / "roster.yaml"
        if not source.exists():
            source.write_text(yaml_text(tree), encoding="utf-8")
            try:
                sheetwrite.convert(source, folder / "roster.xlsx", policy)
                sheetwrite.convert(source, folder / "roster.csv", policy)
            except sheetwrite.ConvertError as e:      # a text base only
                print(f"base {n} not as spreadsheets: {e.problems[:2]}", file=sys.stderr)
        names, ids = secrets_of(tree)
        subject = next(v["id"] for _, v in slots(tree) if isinstance(v, dict) and "birth_date" in v)
        made.append({"folder": str(folder), "tree": tree, "names": sorted(names), "ids": sorted(ids),
                     "subject": subject, "sheets": (folder / "roster.csv").exists()})
    return made


def build_heavy(base: Path, first: dict) -> dict:
    """The heavy inputs, made once: a sheet XML that unzips to 1.5 GB, 200,000 rows as .xlsx and .csv."""
    heavy = base / "heavy"
    heavy.mkdir(exist_ok=True)
    members = read_zip((Path(first["folder"]) / "roster.xlsx").read_bytes())
    sheet = max((n for n in members if n.startswith("xl/worksheets/")), key=lambda n: len(members[n]))
    bomb = heavy / "bomb.xlsx"
    if not bomb.exists():
        with zipfile.ZipFile(bomb, "w", zipfile.ZIP_DEFLATED, compresslevel=9) as z:
            for name, data in members.items():
                if name != sheet:
                    z.writestr(name, data)
            with z.open(sheet, "w", force_zip64=True) as out:
                head, _, rest = members[sheet].partition(b"<sheetData>")
                out.write(head + b"<sheetData>")
                chunk = b" " * (1 << 24)
                for _ in range(96):                                  # 96 × 16 MB of spaces = 1.5 GB
                    out.write(chunk)
                out.write(rest)
    rows = heavy / "rows.xlsx"
    if not rows.exists():
        text = members[sheet].decode()
        found = list(re.finditer(r'<row r="(\d+)"[^>]*>.*?</row>', text, re.S))
        row = found[-1].group()
        head, tail = text[:found[0].start()], text[found[-1].end():]
        with zipfile.ZipFile(rows, "w", zipfile.ZIP_DEFLATED) as z:
            for name, data in members.items():
                if name != sheet:
                    z.writestr(name, data)
            with z.open(sheet, "w", force_zip64=True) as out:
                out.write(re.sub(r"<dimension[^>]*/>", "", head).encode())
                for match in found[:1]:
                    out.write(match.group().encode())
                for r in range(2, 200_002):
                    out.write(re.sub(r'r="([A-Z]+)?\d+"', lambda m: f'r="{m.group(1) or ""}{r}"', row).encode())
                out.write(tail.encode())
    csv_rows = heavy / "rows.csv"
    if not csv_rows.exists():
        lines = (Path(first["folder"]) / "roster.csv").read_text(encoding="utf-8-sig").splitlines(keepends=True)
        with open(csv_rows, "w", encoding="utf-8-sig") as out:
            out.write(lines[0])
            for r in range(200_000):
                out.write(lines[1 + r % (len(lines) - 1)])
        for sibling in Path(first["folder"]).glob("roster.*.csv"):
            shutil.copy(sibling, heavy / sibling.name.replace("roster.", "rows.", 1))
    return {"bomb": str(bomb), "rows_xlsx": str(rows), "rows_csv": str(csv_rows)}


def yaml_text(tree) -> str:
    from ruamel.yaml import YAML
    yaml = YAML(typ="safe", pure=True)
    yaml.default_flow_style = False
    yaml.allow_unicode = True
    yaml.width = 4096
    out = io.StringIO()
    yaml.dump(tree, out)
    return out.getvalue()


# --- mutations -----------------------------------------------------------------------------------------

class Plan:
    """What one input's mutations did: a line each, and the secrets they planted (name → where)."""

    def __init__(self, rng: random.Random, names: list, ids: list):
        self.rng, self.steps = rng, []
        self.names = {n: "name" for n in names}      # names in name fields
        self.ids = set(ids)

    def note(self, text: str) -> None:
        self.steps.append(text)

    def secret(self, own_field: bool) -> str:
        """A name, an ID number, or a person as one line of text, to plant; remembered."""
        rng = self.rng
        # distinct pools, so that a name found in clear says whether it stood in a name field
        pool = NAMES[:4] + sorted(self.names) if own_field else NAMES[4:]
        name, number = rng.choice(pool), id_number(rng)
        kind = rng.choice(["name", "id", "id", "line"])
        if kind in ("name", "line"):
            self.names.setdefault(name, "name" if own_field else "elsewhere")
        if kind in ("id", "line"):
            self.ids.add(number)
        return {"name": name, "id": number, "line": f"P10 {name} {number}"}[kind]


def slots(node, path=(), seen=None):
    """Every (path, value) below the top; a list or mapping met again (an alias, a bomb's layer) is not entered
    again, so the walk is as long as the tree's text, not as its expansion."""
    seen = set() if seen is None else seen
    if id(node) in seen:
        return
    if isinstance(node, (dict, list)):
        seen.add(id(node))
    items = node.items() if isinstance(node, dict) else enumerate(node) if isinstance(node, list) else ()
    for k, v in items:
        yield path + (k,), v
        yield from slots(v, path + (k,), seen)


def put(tree, path, value):
    node = tree
    for key in path[:-1]:
        node = node[key]
    node[path[-1]] = value


def mutate_tree(tree, plan: Plan, yaml: bool):
    """One mutation of a plain tree (in place, or a new top); aliases only when it is written as YAML."""
    rng = plan.rng
    every = list(slots(tree))
    if not every:
        return tree
    path, value = rng.choice(every)
    where = ".".join(map(str, path))
    kind = rng.choice(["secret", "secret", "formula", "formula", "wrong", "huge", "nan", "odd", "date", "drop",
                       "person_line", "swap", "duplicate", "bomb", "many", "secret_name_field"])
    if kind == "secret_name_field":
        people = [p for p, v in every if isinstance(v, dict) and "birth_date" in v]
        if people:
            person = rng.choice(people)
            field = rng.choice(["name", "id_number", "id"])
            value = plan.secret(own_field=field != "id") if field != "id_number" else id_number(rng)
            plan.ids.add(value) if field == "id_number" else None
            put(tree, person + (field,), value)
            plan.note(f"{'.'.join(map(str, person + (field,)))} = {value!r}")
            return tree
        kind = "secret"
    if kind == "secret":
        value = plan.secret(own_field=path[-1] == "name")
        put(tree, path, value)
    elif kind == "formula":
        targets = [p for p, v in every if p[-1] in ("id", "name", "center", "education", "type", "level", "department")]
        path = rng.choice(targets) if targets and rng.random() < 0.7 else path
        value = rng.choice(FORMULAS)
        put(tree, path, value)
        where = ".".join(map(str, path))
    elif kind == "wrong":
        put(tree, path, value := copy.deepcopy(rng.choice(WRONG)))
    elif kind == "huge":
        put(tree, path, value := rng.choice(HUGE))
    elif kind == "nan":
        put(tree, path, value := rng.choice(NOT_NUMBERS))
    elif kind == "odd":
        text = str(value) if isinstance(value, (str, int)) else "文本"
        at = rng.randrange(len(text) + 1)
        put(tree, path, value := text[:at] + rng.choice(ODD) + text[at:])
    elif kind == "date":
        put(tree, path, value := rng.choice(DATES))
    elif kind == "drop":
        parent = path[:-1]
        node = tree
        for key in parent:
            node = node[key]
        del node[path[-1]]
        value = "(dropped)"
    elif kind == "person_line":
        people = [p for p, v in every if isinstance(v, dict) and "birth_date" in v]
        if people:
            path = rng.choice(people)
            value = plan.secret(own_field=True) if rng.random() < 0.3 else f"P10 {rng.choice(NAMES[:4])} {id_number(rng)}"
            if value.startswith("P10 "):
                _, name, number = value.split()
                plan.names.setdefault(name, "name")
                plan.ids.add(number)
            put(tree, path, value)
            where = ".".join(map(str, path))
    elif kind == "swap":
        put(tree, path, value := ([value] if isinstance(value, dict) else {"0": value} if isinstance(value, list)
                                  else [value, value]))
    elif kind == "duplicate":
        lists = [(p, v) for p, v in every if isinstance(v, list) and v and isinstance(v[0], dict)]
        if lists:
            path, items = rng.choice(lists)
            one = rng.choice(items)
            items.append(one if yaml else copy.deepcopy(one))      # the same object: written as an alias
            value, where = "(a record twice)", ".".join(map(str, path))
    elif kind == "bomb" and yaml:
        layer = ["哈"] * 10
        for _ in range(rng.randrange(4, 10)):
            layer = [layer] * 10
        put(tree, path, layer)
        value = "(alias bomb)"
    elif kind == "many":
        lists = [(p, v) for p, v in every if isinstance(v, list) and v and isinstance(v[0], dict)]
        if lists:
            path, items = rng.choice(lists)
            items.extend(copy.deepcopy(items) * rng.randrange(2, 60))
            value, where = f"({len(items)} records)", ".".join(map(str, path))
    plan.note(f"tree {kind}: {where} = {short(value)}")
    return tree


def short(value) -> str:
    if isinstance(value, int) and abs(value) > 10**100:     # repr refuses ints past 4,300 digits
        return f"an integer of {len(str(abs(value))) if abs(value) < 10**4000 else 'over 4000'} digits"
    text = repr(value)
    return text if len(text) < 80 else text[:60] + f"… ({len(text)} chars)"


def mutate_bytes(data: bytes, plan: Plan, others: list[bytes]) -> bytes:
    """One byte-level mutation: flips, truncation, a splice with another file, a run of one byte."""
    rng = plan.rng
    kind = rng.choice(["flip", "truncate", "splice", "run", "nul", "bad_utf8"])
    at = rng.randrange(len(data) + 1) if data else 0
    if kind == "flip":
        data = bytearray(data)
        for _ in range(rng.randrange(1, 9)):
            if data:
                data[rng.randrange(len(data))] ^= 1 << rng.randrange(8)
        data = bytes(data)
    elif kind == "truncate":
        data = data[:at]
    elif kind == "splice" and others:
        other = rng.choice(others)
        data = data[:at] + other[rng.randrange(len(other) + 1):]
    elif kind == "run":
        size = rng.choice([1000, 100_000, 1 << 20, 4 << 20])
        data = data[:at] + rng.choice([b"a", b"[", b"{", b"9", b" ", b"\"", b"-", "汉".encode()]) * size + data[at:]
        kind += f" of {size}"
    elif kind == "nul":
        data = data[:at] + b"\x00" * rng.randrange(1, 64) + data[at:]
    else:
        data = data[:at] + rng.choice([b"\xff\xfe", b"\xc3", b"\xed\xa0\x80", b"\xe4\xb8", b"\x80\x80"]) + data[at:]
    plan.note(f"bytes {kind} at {at}")
    return data


def mutate_text(text: str, plan: Plan, yaml: bool) -> str:
    """A raw token or deep nesting in place of one scalar of the written YAML or JSON."""
    rng = plan.rng
    pattern = (r"(?m)^(\s*(?:- )?[A-Za-z_0-9\-]+: )([^\n\[{&*]+)$" if yaml
               else r"(\"[A-Za-z_0-9\-]+\": )(\"[^\"\n]*\"|-?\d[\d.eE+\-]*|true|false|null)")
    found = list(re.finditer(pattern, text))
    if not found:
        return text
    match = rng.choice(found)
    kind = rng.choice(["token", "token", "deep", "deep_map"])
    depth = rng.choice([40, 1000, 10_000, 100_000])
    if kind == "token":
        token = rng.choice(RAW_TOKENS)
        if not yaml and token.startswith(("!!", ".", "~", "0x", "0o", "'")):
            token = rng.choice(["NaN", "Infinity", "-Infinity", "1e999", "1" + "0" * 5000, "-0", "\"\\ud800\""])
    elif kind == "deep":
        token = "[" * depth + "1" + "]" * depth
    else:
        token = ("{a: " if yaml else "{\"a\": ") * depth + "1" + "}" * depth
    plan.note(f"text {kind}: {match.group(1).strip()} {short(token)}")
    return text[:match.start(2)] + token + text[match.end(2):]


def make_text(plan: Plan, base: dict, suffix: str, work: Path, others: list[bytes]) -> list[Path]:
    rng = plan.rng
    tree = copy.deepcopy(base["tree"])
    yaml = suffix == ".yaml" and rng.random() < 0.8          # some .yaml files hold JSON
    for _ in range(rng.randrange(1, 5)):
        tree = mutate_tree(tree, plan, yaml)
    try:
        text = yaml_text(tree) if yaml else json.dumps(tree, ensure_ascii=rng.random() < 0.2, indent=1, default=str)
    except (RecursionError, ValueError, TypeError) as e:
        plan.note(f"not written ({type(e).__name__}): written without the last mutations")
        text = yaml_text(base["tree"]) if yaml else json.dumps(base["tree"], ensure_ascii=False, indent=1, default=str)
    if rng.random() < 0.35:
        text = mutate_text(text, plan, yaml)
    encoding = rng.choice(["utf-8"] * 6 + ["utf-8-sig", "gb18030", "utf-16", "utf-16-le", "latin-1"])
    data = text.encode(encoding, errors="surrogatepass" if encoding.startswith("utf") else "replace")
    if encoding != "utf-8":
        plan.note(f"encoding {encoding}")
    if rng.random() < 0.3:
        data = mutate_bytes(data, plan, others)
    path = work / f"roster{suffix}"
    path.write_bytes(data)
    return [path]


# spreadsheets

def read_zip(data: bytes) -> dict[str, bytes]:
    with zipfile.ZipFile(io.BytesIO(data)) as z:
        return {i.filename: z.read(i) for i in z.infolist()}


def write_zip(members: dict[str, bytes] | list[tuple[str, bytes]], stored: bool = False) -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_STORED if stored else zipfile.ZIP_DEFLATED) as z:
        for name, data in (members.items() if isinstance(members, dict) else members):
            with contextlib.suppress(Exception), _quiet():
                z.writestr(name, data)
    return out.getvalue()


@contextlib.contextmanager
def _quiet():
    import warnings
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        yield


def cell_value(plan: Plan, header: str):
    """A hostile value for a cell whose column header is `header`; (value, as a formula?)."""
    rng = plan.rng
    kind = rng.choice(["secret", "secret", "formula", "formula_text", "formula_text", "huge", "digits", "wrong",
                       "bool", "error", "date", "blank", "odd"])
    if kind == "secret":
        return plan.secret(own_field=header in ("姓名", "身份证号")), False
    if kind == "formula":
        return rng.choice(["=1+1", "=SUM(A1:A3)", "=cmd|' /C calc'!A0", "=HYPERLINK(\"http://x.invalid\",\"x\")"]), True
    if kind == "formula_text":
        return rng.choice(FORMULAS), False
    if kind == "huge":
        return rng.choice([1e308, -1e308, 10**30, 2**63, 123456789012345678]), False
    if kind == "digits":
        return rng.choice(["1" * 5000, "9" * 19, "1e999", "-0", "NaN", "inf"]), False
    if kind == "wrong":
        return rng.choice(["文本", "-1", "0", "1.5", " ", "是否", "TRUE"]), False
    if kind == "bool":
        return rng.choice([True, False]), False
    if kind == "error":
        return rng.choice(["#N/A", "#DIV/0!", "#REF!"]), None
    if kind == "date":
        return rng.choice([dt.datetime(1900, 1, 1), dt.datetime(9999, 12, 31), dt.date(2025, 2, 28)] + DATES), False
    if kind == "blank":
        return None, False
    return "文本" + rng.choice(ODD[4:]), False


def mutate_workbook(path: Path, plan: Plan) -> None:
    """Mutations through openpyxl: cells, merged cells, sheets."""
    from openpyxl import load_workbook
    rng = plan.rng
    wb = load_workbook(path)
    for _ in range(rng.randrange(1, 4)):
        ws = rng.choice(wb.worksheets)
        kind = rng.choice(["cell", "cell", "cell", "cell", "header", "merge", "extra", "copy", "remove", "rename",
                           "far", "rows"])
        rows, cols = max(ws.max_row, 1), max(ws.max_column, 1)
        if kind in ("cell", "header"):
            r = 1 if kind == "header" else rng.randrange(1, rows + 1)
            c = rng.randrange(1, cols + 1)
            header = str(ws.cell(1, c).value or "")
            value, formula = cell_value(plan, header)
            cell = ws.cell(r, c)
            try:
                with _quiet():
                    cell.value = value
            except ValueError:                      # a control character openpyxl will not write
                plan.note(f"xlsx {kind} {ws.title}!{cell.coordinate}: {short(value)} not writable")
                continue
            if formula is False and isinstance(value, str):
                cell.data_type = "s"                # text that only looks like a formula
            elif formula is None:
                cell.data_type = "e"
            plan.note(f"xlsx {kind} {ws.title}!{cell.coordinate} ({header}) = {short(value)}"
                      f"{' as a formula' if formula else ''}")
        elif kind == "merge":
            r, c = rng.randrange(1, rows + 1), rng.randrange(1, cols + 1)
            ref = f"{ws.cell(r, c).coordinate}:{ws.cell(min(r + rng.randrange(3), rows), min(c + rng.randrange(3), cols)).coordinate}"
            ws.merge_cells(ref)
            plan.note(f"xlsx merged {ws.title}!{ref}")
        elif kind == "extra":
            title = rng.choice(["Sheet", "人员 (2)", "说明", "=1+1", "x" * 31, "'", "人员"[:1]])
            extra = wb.create_sheet(title)
            extra["A1"], extra["B2"] = plan.secret(own_field=False), rng.choice(FORMULAS)
            plan.note(f"xlsx extra sheet {extra.title!r}")
        elif kind == "copy":
            wb.copy_worksheet(ws)
            plan.note(f"xlsx sheet {ws.title} copied")
        elif kind == "remove" and len(wb.worksheets) > 1:
            wb.remove(ws)
            plan.note(f"xlsx sheet {ws.title} removed")
        elif kind == "rename":
            old, ws.title = ws.title, rng.choice(["人员", "Sheet1", ws.title + " ", ws.title.upper() + "1"])
            plan.note(f"xlsx sheet {old} renamed {ws.title!r}")
        elif kind == "far":
            ws.cell(1048576, 16384, rng.choice(["x", plan.secret(own_field=False)]))
            plan.note(f"xlsx {ws.title}!XFD1048576 written")
        else:
            r = rng.randrange(2, rows + 1) if rows > 1 else 1
            values = [ws.cell(r, c).value for c in range(1, cols + 1)]
            for _ in range(rng.randrange(1, 300)):
                ws.append(values)
            plan.note(f"xlsx {ws.title} row {r} repeated")
    wb.save(path)


def _zip_entries(data: bytes, signature: bytes) -> list[int]:
    return [m.start() for m in re.finditer(re.escape(signature), data)]


def mutate_xlsx_bytes(data: bytes, plan: Plan, others: list[bytes]) -> bytes:
    """Mutations of the sheet XML and of the zip itself."""
    rng = plan.rng
    kind = rng.choice(["entity", "entity", "xxe", "number", "number", "formula_xml", "deep", "sizes", "crc",
                       "damage", "missing", "duplicate", "stored_sizes", "bytes"])
    members = read_zip(data)
    sheets = [n for n in members if n.startswith("xl/worksheets/") and n.endswith(".xml")]
    name = rng.choice(sheets) if sheets else next(iter(members))
    xml = members[name].decode("utf-8", "replace")
    if kind in ("entity", "xxe"):
        if kind == "entity" and rng.random() < 0.5:
            decl = "<!ENTITY e0 \"哈哈哈哈哈哈哈哈哈哈\">" + "".join(
                f"<!ENTITY e{i} \"{f'&e{i - 1};' * 10}\">" for i in range(1, 10))
            entity = "e9"
        elif kind == "entity":
            decl, entity = f"<!ENTITY e \"{plan.secret(own_field=False)}\">", "e"
        else:
            decl, entity = rng.choice(["<!ENTITY e SYSTEM \"file:///etc/passwd\">", "<!ENTITY e SYSTEM \"http://127.0.0.1:9/x\">",
                                       "<!ENTITY % p SYSTEM \"file:///etc/hostname\"> %p;<!ENTITY e \"x\">"]), "e"
        root = re.search(r"<worksheet\b", xml)
        xml = (xml[:root.start()] + f"<!DOCTYPE worksheet [{decl}]>" + xml[root.start():]) if root else xml
        cells = list(re.finditer(r"<t(?: [^>]*)?>([^<]*)</t>", xml))
        if cells:
            m = rng.choice(cells)
            xml = xml[:m.start(1)] + f"&{entity};" + xml[m.end(1):]
        note = f"{kind} {decl[:60]}"
    elif kind == "number":
        cells = list(re.finditer(r"<v>([^<]*)</v>", xml)) or list(re.finditer(r"<t(?: [^>]*)?>([^<]*)</t>", xml))
        token = rng.choice(["1e999", "-1e999", "1" * 5000, "NaN", "INF", "1e-999", "0x10", "", "9" * 400])
        if cells:
            m = rng.choice(cells)
            xml = xml[:m.start(1)] + token + xml[m.end(1):]
        note = f"number {short(token)}"
    elif kind == "formula_xml":
        cells = list(re.finditer(r"<c r=\"([A-Z]+\d+)\"[^>]*?(?:/>|>.*?</c>)", xml, re.S))
        formula = rng.choice(["1+1", "cmd|' /C calc'!A0", "SUM(A1:A3)", "HYPERLINK(\"http://x.invalid\",\"x\")"])
        if cells:
            m = rng.choice(cells)
            shown = rng.choice(["<v>2</v>", "<v>=1+1</v>", ""])
            xml = xml[:m.start()] + f"<c r=\"{m.group(1)}\"><f>{formula}</f>{shown}</c>" + xml[m.end():]
        note = f"<f>{formula}</f>"
    elif kind == "deep":
        depth = rng.choice([1000, 50_000])
        at = xml.find("<sheetData>")
        at = at + len("<sheetData>") if at >= 0 else len(xml) // 2
        xml = xml[:at] + "<x>" * depth + "</x>" * depth + xml[at:]
        note = f"deep {depth}"
    if kind in ("entity", "xxe", "number", "formula_xml", "deep"):
        members[name] = xml.encode("utf-8")
        plan.note(f"xlsx xml {name}: {note}")
        return write_zip(members)
    if kind == "missing":
        gone = rng.choice(sorted(members))
        del members[gone]
        plan.note(f"xlsx zip member {gone} removed")
        return write_zip(members)
    if kind == "duplicate":
        twice = rng.choice(sheets or sorted(members))
        other = others and read_zip(rng.choice(others)).get(twice)
        plan.note(f"xlsx zip member {twice} twice")
        return write_zip(list(members.items()) + [(twice, other or members[twice][: len(members[twice]) // 2])])
    if kind in ("sizes", "crc", "stored_sizes"):
        data = write_zip(members, stored=kind == "stored_sizes")
        mutable = bytearray(data)
        central = _zip_entries(data, b"PK\x01\x02")
        local = _zip_entries(data, b"PK\x03\x04")
        if central and local:
            i = rng.randrange(min(len(central), len(local)))
            if kind == "crc":
                struct.pack_into("<I", mutable, central[i] + 16, rng.getrandbits(32))
                struct.pack_into("<I", mutable, local[i] + 14, rng.getrandbits(32))
            else:
                size = rng.choice([0, 1, 100, 2**31 - 1, 2**32 - 2])
                which = rng.choice(["uncompressed", "compressed", "both"])
                if which in ("uncompressed", "both"):
                    struct.pack_into("<I", mutable, central[i] + 24, size)
                    struct.pack_into("<I", mutable, local[i] + 22, size)
                if which in ("compressed", "both"):
                    struct.pack_into("<I", mutable, central[i] + 20, size)
                    struct.pack_into("<I", mutable, local[i] + 18, size)
            plan.note(f"xlsx zip entry {i}: {kind} changed")
        return bytes(mutable)
    if kind == "damage":
        data = write_zip(members)
        local = _zip_entries(data, b"PK\x03\x04")
        mutable = bytearray(data)
        if local:
            start = rng.choice(local)
            name_len, extra_len = struct.unpack_from("<HH", data, start + 26)
            size = struct.unpack_from("<I", data, start + 18)[0]
            body = start + 30 + name_len + extra_len
            for _ in range(rng.randrange(1, 6)):
                if size:
                    mutable[body + rng.randrange(size)] ^= 0xFF
            plan.note(f"xlsx compressed data damaged at {start}")
        return bytes(mutable)
    return mutate_bytes(data, plan, others)


def make_xlsx(plan: Plan, base: dict, work: Path, others: list[bytes]) -> list[Path]:
    rng = plan.rng
    path = work / "roster.xlsx"
    shutil.copy(Path(base["folder"]) / "roster.xlsx", path)
    if rng.random() < 0.8:
        mutate_workbook(path, plan)
    if rng.random() < 0.55:
        path.write_bytes(mutate_xlsx_bytes(path.read_bytes(), plan, others))
    return [path]


def mutate_csv_cells(text: str, plan: Plan) -> str:
    rng = plan.rng
    rows = list(csv.reader(io.StringIO(text)))
    if not rows:
        return text
    for _ in range(rng.randrange(1, 4)):
        r = rng.randrange(len(rows))
        if not rows[r]:
            continue
        c = rng.randrange(len(rows[r]))
        header = rows[0][c] if c < len(rows[0]) else ""
        value, _ = cell_value(plan, header)
        value = "" if value is None else str(value)
        rows[r][c] = value
        plan.note(f"csv cell {r + 1}:{c + 1} ({header}) = {short(value)}")
    out = io.StringIO()
    csv.writer(out, lineterminator="\r\n" if "\r\n" in text else "\n").writerows(rows)
    return out.getvalue()


def mutate_csv_text(data: bytes, plan: Plan, others: list[bytes]) -> bytes:
    rng = plan.rng
    kind = rng.choice(["open_quote", "open_quote", "nul", "huge_field", "bom", "encoding", "line_ends", "delimiter",
                       "columns", "bytes"])
    text = data.decode("utf-8-sig", errors="replace")
    if kind == "open_quote":
        lines = text.split("\n")
        i = rng.randrange(len(lines))
        fields = lines[i].split(",")
        j = rng.randrange(len(fields))
        fields[j] = "\"" + fields[j]
        lines[i] = ",".join(fields)
        text = "\n".join(lines)
        note = f"a quote opened on line {i + 1}"
    elif kind == "nul":
        at = rng.randrange(len(text) + 1)
        text = text[:at] + "\x00" * rng.randrange(1, 5) + text[at:]
        note = f"NUL at {at}"
    elif kind == "huge_field":
        size = rng.choice([200_000, 2 << 20, 16 << 20])
        lines = text.split("\n")
        i = rng.randrange(1, len(lines)) if len(lines) > 1 else 0
        lines[i] = lines[i] + ",\"" + rng.choice(["a", "9", "汉"]) * size + "\""
        text = "\n".join(lines)
        note = f"a field of {size} characters on line {i + 1}"
    elif kind == "columns":
        lines = text.split("\n")
        i = rng.randrange(len(lines))
        lines[i] = lines[i] + "," * rng.choice([1, 50, 20_000]) if rng.random() < 0.5 else lines[i][: len(lines[i]) // 2]
        text = "\n".join(lines)
        note = f"line {i + 1} longer or shorter"
    elif kind == "line_ends":
        text = text.replace("\r\n", "\n").replace("\n", rng.choice(["\r", "\r\n", "\n\n", "\u2028"]))
        note = "line ends"
    elif kind == "delimiter":
        sep = rng.choice([";", "\t", "，"])
        text = text.replace(",", sep)
        note = f"delimiter {sep!r}"
    if kind in ("open_quote", "nul", "huge_field", "columns", "line_ends", "delimiter"):
        plan.note(f"csv {note}")
        return "\ufeff".encode() + text.encode("utf-8") if rng.random() < 0.8 else text.encode("utf-8")
    if kind == "bom":
        choice = rng.choice(["none", "double", "utf16", "utf32", "middle"])
        plan.note(f"csv byte order mark: {choice}")
        return {"none": text.encode(), "double": ("\ufeff\ufeff" + text).encode(),
                "utf16": ("\ufeff" + text).encode("utf-16-le"), "utf32": ("\ufeff" + text).encode("utf-32"),
                "middle": (text[: len(text) // 2] + "\ufeff" + text[len(text) // 2:]).encode()}[choice]
    if kind == "encoding":
        encoding = rng.choice(["gb18030", "utf-16", "big5", "latin-1", "cp1252"])
        plan.note(f"csv encoding {encoding}")
        return text.encode(encoding, errors="replace")
    return mutate_bytes(data, plan, others)


def make_csv(plan: Plan, base: dict, work: Path, others: list[bytes]) -> list[Path]:
    rng = plan.rng
    files = []
    for source in sorted(Path(base["folder"]).glob("roster*.csv")):
        shutil.copy(source, work / source.name)
        files.append(work / source.name)
    main = work / "roster.csv"
    target = main if rng.random() < 0.75 else rng.choice(files)
    if rng.random() < 0.06 and target != main:
        if rng.random() < 0.5:
            target.unlink()
            files.remove(target)
            plan.note(f"csv {target.name} removed")
        else:
            target.write_bytes(b"")
            plan.note(f"csv {target.name} emptied")
        return files
    text = target.read_text(encoding="utf-8-sig")
    if rng.random() < 0.7:
        text = mutate_csv_cells(text, plan)
    data = "\ufeff".encode() + text.encode("utf-8", errors="surrogatepass")
    if rng.random() < 0.6 or len(plan.steps) == 0:
        data = mutate_csv_text(data, plan, others)
    target.write_bytes(data)
    plan.note(f"(mutated file: {target.name})")
    return files


def make_heavy(plan: Plan, heavy: dict, kind: str, work: Path) -> list[Path]:
    rng = plan.rng
    if kind == "xlsx":
        source = Path(rng.choice([heavy["bomb"], heavy["rows_xlsx"]]))
        path = work / "roster.xlsx"
        shutil.copy(source, path)
        plan.note(f"heavy {source.name}")
        return [path]
    if kind == "csv":
        source = Path(heavy["rows_csv"])
        files = []
        for f in source.parent.glob("rows*.csv"):
            target = work / f.name.replace("rows", "roster", 1)
            shutil.copy(f, target)
            files.append(target)
        plan.note("heavy 200,000 csv rows")
        return files
    path = work / f"roster.{kind}"
    filler = rng.choice([b"#" * 60_000_000 + b"\n", b"[" * 60_000_000, b" " * 60_000_000])
    path.write_bytes(filler + yaml_text({"cases": []}).encode())
    plan.note(f"heavy 60 MB ({filler[:1]!r})")
    return [path]


# --- the inputs and their commands ---------------------------------------------------------------------

def kind_of(index: int, sheets: int) -> str:
    if index < sheets:
        return "xlsx" if index % 2 == 0 else "csv"
    return "yaml" if (index - sheets) % 2 == 0 else "json"


def make_input(index: int, kind: str, ctx: dict, work: Path) -> tuple[Plan, list[Path], bool, str]:
    rng = random.Random(f"{ctx['seed']}:{index}")
    base = rng.choice([b for b in ctx["bases"] if b["sheets"] or kind in ("yaml", "json")])
    plan = Plan(rng, base["names"], base["ids"])
    plan.note(f"base {Path(base['folder']).name} ({kind})")
    work.mkdir(parents=True, exist_ok=True)
    heavy = ctx["heavy_every"] and rng.randrange(ctx["heavy_every"]) == 0
    if heavy:
        if not ctx.get("heavy"):
            heavy = False
        else:
            return plan, make_heavy(plan, ctx["heavy"], kind, work), True, base["subject"]
    others = ctx["others"][kind]
    make = {"xlsx": make_xlsx, "csv": make_csv}.get(kind) or (lambda *a: make_text(*a[:2], "." + kind, *a[2:]))
    return plan, make(plan, base, work, others), False, base["subject"]


def commands(index: int, kind: str, main: Path, heavy: bool, subject: str) -> list[tuple[str, list[str]]]:
    """(name, argv with {OUT} for the run's own fresh folder) for one input."""
    src = str(main)
    if heavy:
        return [("evaluate_json", ["evaluate", src, "--format", "json", "--jobs", "1"])]
    runs = [("evaluate_table", ["evaluate", src, "--jobs", "1"]),
            ("evaluate_json", ["evaluate", src, "--format", "json", "--jobs", "1"]),
            ("evaluate_xlsx", ["evaluate", src, "--format", "xlsx", "--out", "{OUT}/判定结果.xlsx", "--jobs", "1"]),
            ("evaluate_csv", ["evaluate", src, "--format", "csv", "--out", "{OUT}/判定结果.csv", "--jobs", "1"])]
    targets = {"xlsx": ["csv", "yaml"], "csv": ["xlsx", "json"], "yaml": ["xlsx", "csv"], "json": ["xlsx", "csv"]}[kind]
    runs += [(f"convert_{t}", ["convert", src, f"{{OUT}}/converted.{t}"]) for t in targets]
    extra = index % 3
    if extra == 0:
        runs.append(("letter", ["letter", src, "--subject", subject, "--out", "{OUT}/letter.docx",
                                "--why-not", "annual_grade=优秀"]))
    elif extra == 1:
        runs.append(("appeal", ["appeal", src, "--subject", subject, "--decision", "annual_grade", "--want", "优秀"]))
    else:
        runs.append(("evaluate_log", ["evaluate", src, "--format", "json", "--explain", "none", "--jobs", "1",
                                      "--log", "{LOG}"]))
        runs.append(("replay", ["replay", "{LOG}", "--cases", src]))
    return runs


# --- running one command -------------------------------------------------------------------------------

def _vm_size() -> int:
    with open("/proc/self/status") as f:
        return next(int(line.split()[1]) << 10 for line in f if line.startswith("VmSize:"))


def _limits(memory: int, base: int = 0) -> None:
    """Bounded as `run.py` under `memory` would be: a forked child starts with its parent's address space, so
    what it holds beyond a fresh run.py's (`base`, measured once) is added to the bound."""
    os.setpgid(0, 0)
    if base:
        memory += max(0, _vm_size() - base)
    resource.setrlimit(resource.RLIMIT_AS, (memory, memory))
    resource.setrlimit(resource.RLIMIT_CORE, (0, 0))


def run_one(argv: list[str], cwd: Path, mode: str, memory: int, timeout: float, base: int = 0) -> dict:
    """One command in a child bounded in memory and time: exit status, signal, seconds, peak RSS, output files."""
    stdout, stderr = cwd / "stdout.txt", cwd / "stderr.txt"
    started = time.perf_counter()
    if mode == "subprocess":
        with open(stdout, "wb") as out, open(stderr, "wb") as err:
            child = subprocess.Popen([sys.executable, str(ROOT / "run.py"), *argv], cwd=cwd, stdout=out, stderr=err,
                                     stdin=subprocess.DEVNULL, env=dict(os.environ, COLUMNS="160", PYTHONIOENCODING="utf-8"),
                                     preexec_fn=lambda: _limits(memory))
        pid = child.pid
    else:
        pid = os.fork()
        if pid == 0:
            _child(argv, cwd, stdout, stderr, memory, base)
    status, usage, timed_out = _wait(pid, timeout)
    if mode == "subprocess":
        child.returncode = 0                  # reaped by _wait; keep Popen from waiting again
    seconds = time.perf_counter() - started
    code = os.waitstatus_to_exitcode(status)
    return {"rc": code if code >= 0 else None, "signal": -code if code < 0 else None, "timeout": timed_out,
            "seconds": round(seconds, 3), "maxrss_mb": round(usage.ru_maxrss / 1024, 1)}


def _child(argv, cwd, stdout, stderr, memory, base) -> None:
    """In the forked child: bounded, streams to files, engine.cli.main as run.py calls it; never returns."""
    code = 1
    try:
        _limits(memory, base)
        os.chdir(cwd)
        for fd, path in ((1, stdout), (2, stderr)):
            f = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o644)
            os.dup2(f, fd)
            os.close(f)
        os.dup2(os.open(os.devnull, os.O_RDONLY), 0)
        sys.stdout = io.TextIOWrapper(io.FileIO(1, "w", closefd=False), encoding="utf-8", line_buffering=False)
        sys.stderr = io.TextIOWrapper(io.FileIO(2, "w", closefd=False), encoding="utf-8", line_buffering=True)
        os.environ["COLUMNS"] = "160"
        import engine.cli
        try:
            code = engine.cli.main(argv)
        except SystemExit as e:               # argparse
            code = e.code if isinstance(e.code, int) else (0 if e.code is None else 1)
        except BrokenPipeError:
            code = 0
        except BaseException:                 # what the interpreter would print
            traceback.print_exc()
            code = 1
        sys.stdout.flush()
        sys.stderr.flush()
    except BaseException:
        with contextlib.suppress(BaseException):
            traceback.print_exc()
            sys.stderr.flush()
    finally:
        os._exit(code if isinstance(code, int) and 0 <= code < 256 else 1)


def _wait(pid: int, timeout: float):
    deadline, pause = time.monotonic() + timeout, 0.002
    while True:
        done, status, usage = os.wait4(pid, os.WNOHANG)
        if done:
            return status, usage, False
        if time.monotonic() > deadline:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(pid, signal.SIGKILL)
            with contextlib.suppress(ProcessLookupError):
                os.kill(pid, signal.SIGKILL)
            _, status, usage = os.wait4(pid, 0)
            return status, usage, True
        time.sleep(pause)
        pause = min(pause * 1.5, 0.05)


# --- what a run left behind ----------------------------------------------------------------------------

def read_capped(path: Path, cap: int = 64 << 20) -> str:
    with open(path, "rb") as f:
        return f.read(cap).decode("utf-8", errors="replace")


def zip_text(path: Path, cap: int = 64 << 20) -> str:
    """The text of every member of a written .xlsx or .docx, for the secrets (unescaped: names and digits are plain)."""
    parts, total = [], 0
    with zipfile.ZipFile(path) as z:
        for info in z.infolist():
            if total + info.file_size > cap:
                break
            total += info.file_size
            parts.append(z.read(info).decode("utf-8", errors="replace"))
    return "\n".join(parts)


def xlsx_formulas(path: Path) -> list[str]:
    """Formula cells of a written workbook: <f> in the sheet XML and openpyxl's data_type 'f'."""
    found = []
    with zipfile.ZipFile(path) as z:
        for name in z.namelist():
            if name.startswith("xl/worksheets/") and name.endswith(".xml"):
                xml = z.read(name).decode("utf-8", errors="replace")
                for m in re.finditer(r"<c r=\"([A-Z]+\d+)\"[^>]*>(?:(?!</c>).)*<f[ >/]", xml, re.S):
                    found.append(f"{name}:{m.group(1)}")
    if path.stat().st_size < 8 << 20:
        from openpyxl import load_workbook
        with _quiet():
            wb = load_workbook(path)
        for ws in wb.worksheets:
            for row in ws.iter_rows():
                for cell in row:
                    if cell.data_type == "f":
                        found.append(f"{ws.title}!{cell.coordinate} {str(cell.value)[:40]!r}")
    return sorted(set(found))[:10]


_NUMBER = re.compile(r"[+-]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?")


def csv_formulas(path: Path) -> list[str]:
    """Cells a spreadsheet would take as a formula: starting = + - @ tab CR, not a number, not escaped with '."""
    found = []
    text = read_capped(path).lstrip("\ufeff")
    with contextlib.suppress(csv.Error):
        for r, row in enumerate(csv.reader(io.StringIO(text, newline="")), 1):
            for c, cell in enumerate(row, 1):
                if cell[:1] in ("=", "+", "-", "@", "\t", "\r") and len(cell) > 1 and not _NUMBER.fullmatch(cell):
                    found.append(f"{path.name}:{r}:{c} {cell[:40]!r}")
    return found[:10]


def findings(run: dict, name: str, cwd: Path, plan: Plan, inputs: dict[Path, str], log: Path | None) -> dict:
    """The failure kinds one run shows."""
    found = {}
    err = read_capped(cwd / "stderr.txt")
    out = read_capped(cwd / "stdout.txt")
    if "Traceback" in err or (run["rc"] is not None and run["rc"] not in DOCUMENTED):
        lines = [line for line in err.strip().splitlines() if line and not line.startswith(" ")]
        last = re.sub(r"/\S*?/work/\d+/input/", "", lines[-1]) if lines else ""   # the same fault, one signature
        found["traceback"] = last[:200] if lines else f"exit status {run['rc']}"
        frames = re.findall(r'File "([^"]+)", line (\d+), in (\w+)', err)
        ours = [f for f in frames if "/engine/" in f[0]]
        if ours:
            f = ours[-1]
            found["traceback"] += f"  @ {f[0].split('/engine/')[-1]}:{f[1]} {f[2]}"
    if run["rc"] == 3:
        found["unbalanced"] = "exit status 3"
    if run["timeout"]:
        found["hang"] = f"killed after {run['seconds']:.0f} s"
    elif "MemoryError" in err or run["signal"]:
        found["memory"] = f"signal {run['signal']}" if run["signal"] else "MemoryError"
    texts = {"stdout": out, "stderr": err}
    formulas, unreadable = [], []
    for path in sorted(cwd.rglob("*")):
        if not path.is_file() or path.name in ("stdout.txt", "stderr.txt") or path.name.endswith(".jsonl"):
            continue
        try:
            if path.suffix == ".xlsx":
                formulas += xlsx_formulas(path)
            elif path.suffix == ".csv":
                formulas += csv_formulas(path)
            if not name.startswith("convert"):          # convert's output is the roster itself, names and all
                texts[path.name] = zip_text(path) if path.suffix in (".xlsx", ".docx") else read_capped(path)
        except Exception as e:                           # half a file, left by a crash
            unreadable.append(f"{path.name} ({type(e).__name__}: {str(e)[:80]})")
    if log and log.exists():
        texts[log.name] = read_capped(log)
    if formulas:
        found["formula"] = "; ".join(formulas[:3])
    if unreadable:
        found["unreadable_output"] = "; ".join(unreadable[:3])
    for where, text in texts.items():
        upper = text.upper()
        for number in sorted(plan.ids):
            if number.upper() in upper:
                found.setdefault("id_in_clear", f"{where}: {number}")
        for person, field in sorted(plan.names.items()):
            if person in text:
                found.setdefault("name_in_clear" if field == "name" else "name_elsewhere", f"{where}: {person}")
    changed = [p.name for p, digest in inputs.items() if digest != _digest(p)]
    if changed:
        found["input_changed"] = ", ".join(changed)
    return found


def _digest(path: Path) -> str | None:
    try:
        h = hashlib.sha256()
        with open(path, "rb") as f:
            for chunk in iter(lambda: f.read(1 << 20), b""):
                h.update(chunk)
        return h.hexdigest()
    except OSError:
        return None


def run_input(index: int, ctx: dict) -> dict:
    """Make input `index`, run its commands, check each; keep it when something failed."""
    kind = kind_of(index, ctx["sheets"])
    work = Path(ctx["out"]) / "work" / f"{index:05d}"
    shutil.rmtree(work, ignore_errors=True)
    try:
        plan, files, heavy, subject = make_input(index, kind, ctx, work / "input")
    except Exception as e:
        return {"index": index, "kind": kind, "error": f"{type(e).__name__}: {e}"[:300],
                "trace": traceback.format_exc()[-2000:], "runs": []}
    main = next(f for f in files if f.name == f"roster.{kind}") if any(f.name == f"roster.{kind}" for f in files) \
        else files[0]
    inputs = {f: _digest(f) for f in files}
    record = {"index": index, "kind": kind, "heavy": heavy, "mutations": plan.steps,
              "bytes": sum(f.stat().st_size for f in files if f.exists()), "runs": []}
    log = work / "decisions.jsonl"
    for n, (name, argv) in enumerate(commands(index, kind, main, heavy, subject)):
        cwd = work / f"{n}-{name}"
        cwd.mkdir()
        argv = [a.replace("{OUT}", str(cwd)).replace("{LOG}", str(log)) for a in argv]
        run = run_one(argv, cwd, ctx["mode"], ctx["memory"], ctx["timeout"], ctx["base_vm"])
        run.update(command=name, argv=argv)
        try:
            run["found"] = findings(run, name, cwd, plan, inputs, log if name == "evaluate_log" else None)
        except Exception as e:
            run["found"] = {"checker": f"{type(e).__name__}: {e}"[:200]}
        record["runs"].append(run)
    failed = {k for run in record["runs"] for k in run["found"]}
    if failed:
        keep(record, work, ctx, plan)
    if not ctx["keep_all"]:
        shutil.rmtree(work, ignore_errors=True)
    return record


def keep(record: dict, work: Path, ctx: dict, plan: Plan) -> None:
    """Up to KEEP inputs per failure kind (and the first of each traceback signature) under DIR/failures."""
    failures = Path(ctx["out"]) / "failures"
    for run in record["runs"]:
        for kind, what in run["found"].items():
            mine = failures / kind
            if mine.exists() and any(p.name.startswith(f"{record['index']:05d}-") for p in mine.iterdir()):
                continue                                 # one command per input and kind is enough
            folders = [mine / f"{record['index']:05d}-{run['command']}"]
            if kind == "traceback":
                signature = re.sub(r"[^\w.:@-]+", "_", what)[:90]
                folders.append(failures / "traceback-signatures" / signature)
            for folder in folders:
                if folder.exists():
                    continue
                parent = folder.parent
                taken = len(list(parent.iterdir())) if parent.exists() else 0
                if kind != "traceback" or folder.parent.name != "traceback-signatures":
                    if taken >= KEEP:
                        continue
                elif taken >= 60:
                    continue
                try:
                    folder.mkdir(parents=True)
                except FileExistsError:
                    continue
                inputs = folder / "input"
                shutil.copytree(work / "input", inputs, copy_function=_link_or_copy)
                cwd = work / f"{record['runs'].index(run)}-{run['command']}"
                for stream in ("stdout.txt", "stderr.txt"):
                    text = read_capped(cwd / stream, 1 << 20) if (cwd / stream).exists() else ""
                    (folder / stream).write_text(text[-20_000:], encoding="utf-8")
                if (work / "decisions.jsonl").exists():
                    shutil.copy(work / "decisions.jsonl", folder / "decisions.jsonl")
                argv = [a.replace(str(work / "input"), str(inputs)).replace(str(cwd), str(folder / "out"))
                        .replace(str(work / "decisions.jsonl"), str(folder / "decisions.jsonl")) for a in run["argv"]]
                (folder / "out").mkdir()
                (folder / "command.txt").write_text(
                    f"cd {ROOT} && python run.py " + " ".join(_quote(a) for a in argv) + "\n"
                    f"# {kind}: {what}\n# exit status {run['rc']}, signal {run['signal']}, {run['seconds']} s\n",
                    encoding="utf-8")
                (folder / "mutations.txt").write_text("\n".join(plan.steps) + "\n", encoding="utf-8")


def _link_or_copy(src, dst):
    try:
        os.link(src, dst)
    except OSError:
        shutil.copy2(src, dst)


def _quote(text: str) -> str:
    return text if re.fullmatch(r"[\w./=:@+-]+", text) else "'" + text.replace("'", "'\\''") + "'"


# --- the whole run -------------------------------------------------------------------------------------

_CTX: dict = {}


WORKER_MEMORY = 3 << 30          # a worker making inputs and reading outputs: a mistake of ours stays bounded too


def _init(ctx: dict) -> None:
    _CTX.update(ctx)
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    resource.setrlimit(resource.RLIMIT_AS, (WORKER_MEMORY, WORKER_MEMORY))


def _work(index: int) -> dict:
    return run_input(index, _CTX)


def prepare(args) -> dict:
    """Load the policy once (the children inherit it: `options.load_policy` memoised), make the bases."""
    import engine.cli
    from engine.cli import options
    loaded = {}
    real = options.load_policy

    def load_policy(path: str):
        key = str(Path(path).resolve())
        if key not in loaded:
            loaded[key] = real(path)
        return loaded[key]
    options.load_policy = load_policy
    load_policy(options.DEFAULT_POLICY)
    engine.cli.parser()                                   # imports every command's modules before forking
    import engine.outputs.sheetreport, engine.outputs.letter  # noqa: E401,F401
    out = Path(args.out)
    base_vm = int(subprocess.run(
        [sys.executable, "-c", "import engine.cli as c; from engine.cli import options as o; "
         "o.load_policy(o.DEFAULT_POLICY); c.parser(); import engine.outputs.sheetreport; "
         "print(next(int(l.split()[1]) << 10 for l in open('/proc/self/status') if l.startswith('VmSize:')))"],
        cwd=ROOT, capture_output=True, text=True, check=True).stdout)
    bases = build_bases(out / "base")
    heavy = build_heavy(out / "base", bases[0]) if args.heavy_every else None
    others = {"xlsx": [(Path(b["folder"]) / "roster.xlsx").read_bytes() for b in bases if b["sheets"]],
              "csv": [(Path(b["folder"]) / "roster.csv").read_bytes() for b in bases if b["sheets"]],
              "yaml": [(Path(b["folder"]) / "roster.yaml").read_bytes() for b in bases],
              "json": [json.dumps(b["tree"], ensure_ascii=False, default=str).encode() for b in bases]}
    return {"seed": args.seed, "sheets": args.sheets, "texts": args.texts, "out": str(out), "bases": bases,
            "heavy": heavy, "heavy_every": args.heavy_every, "others": others, "mode": args.mode,
            "memory": args.memory_mb << 20, "timeout": args.timeout, "keep_all": args.keep_all,
            "base_vm": base_vm if args.mode == "fork" else 0}


def summarise(records: list[dict], args, wall: float) -> dict:
    runs = [run for r in records for run in r["runs"]]
    kinds = collections.Counter()
    inputs_with = collections.Counter()
    by_command = collections.defaultdict(collections.Counter)
    signatures = collections.Counter()
    examples = {}
    for r in records:
        seen = set()
        for run in r["runs"]:
            for kind, what in run["found"].items():
                kinds[kind] += 1
                seen.add(kind)
                by_command[run["command"]][kind] += 1
                examples.setdefault(kind, {"input": r["index"], "format": r["kind"], "command": run["command"],
                                           "what": what, "mutations": r["mutations"]})
                if kind == "traceback":
                    signatures[what] += 1
        inputs_with.update(seen)
    return {
        "seed": args.seed, "mode": args.mode, "workers": args.workers, "timeout_s": args.timeout,
        "memory_limit_mb": args.memory_mb, "wall_s": round(wall, 1),
        "inputs": dict(collections.Counter(r["kind"] for r in records), total=len(records),
                       heavy=sum(bool(r.get("heavy")) for r in records),
                       not_made=sum(1 for r in records if r.get("error"))),
        "runs": len(runs),
        "runs_by_command": dict(collections.Counter(run["command"] for run in runs)),
        "exit_status": {str(k): v for k, v in sorted(collections.Counter(
            str(run["rc"]) if run["rc"] is not None else f"signal {run['signal']}" for run in runs).items())},
        "failures": {k: kinds.get(k, 0) for k in KINDS} | {k: v for k, v in kinds.items() if k not in KINDS},
        "inputs_with_failure": {k: inputs_with.get(k, 0) for k in KINDS},
        "failures_by_command": {c: dict(v) for c, v in sorted(by_command.items())},
        "traceback_signatures": dict(signatures.most_common(40)),
        "examples": examples,
        "seconds_per_run": {"mean": round(sum(x["seconds"] for x in runs) / max(len(runs), 1), 3),
                            "max": max((x["seconds"] for x in runs), default=0)},
        "peak_rss_mb": max((x["maxrss_mb"] for x in runs), default=0),
        "slowest": sorted(({"input": r["index"], "command": x["command"], "seconds": x["seconds"]}
                           for r in records for x in r["runs"]), key=lambda x: -x["seconds"])[:10],
    }


def print_table(summary: dict) -> None:
    inputs = summary["inputs"]
    print(f"\n敌意输入 hostile run: {inputs['total']} inputs ({', '.join(f'{k} {inputs.get(k, 0)}' for k in ('xlsx', 'csv', 'yaml', 'json'))}"
          f"; heavy {inputs['heavy']}), {summary['runs']} runs, {summary['wall_s']} s, mode {summary['mode']}, "
          f"peak RSS {summary['peak_rss_mb']} MB")
    print(f"exit status: {summary['exit_status']}")
    print(f"{'kind 类别':<22}{'runs 次':>8}{'inputs 份':>10}  example 示例")
    for kind in KINDS + [k for k in summary["failures"] if k not in KINDS]:
        n = summary["failures"].get(kind, 0)
        ex = summary["examples"].get(kind)
        shown = f"#{ex['input']} {ex['format']} {ex['command']}: {ex['what'][:90]}" if ex else ""
        print(f"{kind:<22}{n:>8}{summary['inputs_with_failure'].get(kind, 0):>10}  {shown}")
    if summary["traceback_signatures"]:
        print("tracebacks by signature:")
        for what, n in list(summary["traceback_signatures"].items())[:15]:
            print(f"  {n:>5}  {what[:150]}")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--sheets", type=int, default=100, help="mutated spreadsheets (half .xlsx, half .csv)")
    ap.add_argument("--texts", type=int, default=100, help="mutated case files (half .yaml, half .json)")
    ap.add_argument("--seed", type=int, default=26)
    ap.add_argument("--out", required=True, metavar="DIR")
    ap.add_argument("--workers", type=int, default=2)
    ap.add_argument("--timeout", type=float, default=60)
    ap.add_argument("--memory-mb", type=int, default=1024)
    ap.add_argument("--mode", choices=["fork", "subprocess"], default="fork")
    ap.add_argument("--heavy-every", type=int, default=200, help="one input in N is heavy (0: none)")
    ap.add_argument("--only", type=int, action="append", metavar="INDEX", help="run these inputs only, and show them")
    ap.add_argument("--resume", action="store_true", help="skip the inputs DIR/runs.jsonl already holds")
    ap.add_argument("--keep-all", action="store_true", help="keep every input and output under DIR/work")
    ap.add_argument("--summary", action="store_true", help="only summarise DIR/runs.jsonl (a run stopped early)")
    args = ap.parse_args()
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    settings = out / "settings.json"
    if args.resume and settings.exists():
        saved = json.loads(settings.read_text())
        args.sheets, args.texts, args.seed, args.heavy_every = (saved["sheets"], saved["texts"], saved["seed"],
                                                                 saved["heavy_every"])
    elif not args.only:
        settings.write_text(json.dumps({"sheets": args.sheets, "texts": args.texts, "seed": args.seed,
                                        "heavy_every": args.heavy_every}))
    if args.summary:
        records = [json.loads(line) for line in (out / "runs.jsonl").read_text().splitlines() if line.strip()]
        summary = summarise(records, args, 0.0)
        (out / "summary.json").write_text(json.dumps(summary, ensure_ascii=False, indent=1, default=str), encoding="utf-8")
        print_table(summary)
        return
    ctx = prepare(args)
    total = args.sheets + args.texts
    if args.only:
        for index in args.only:
            ctx["keep_all"] = True
            record = run_input(index, ctx)
            print(json.dumps(record, ensure_ascii=False, indent=1))
        return
    log = out / "runs.jsonl"
    records = []
    if args.resume and log.exists():
        records = [json.loads(line) for line in log.read_text().splitlines() if line.strip()]
    elif log.exists():
        log.unlink()
        shutil.rmtree(out / "failures", ignore_errors=True)
    done = {r["index"] for r in records}
    # sheets and texts in turn, so that a run stopped early has some of each format
    order = sorted(range(total), key=lambda i: (i if i < args.sheets else i - args.sheets, i >= args.sheets))
    todo = [i for i in order if i not in done]
    started = time.perf_counter()
    ctx_pool = multiprocessing.get_context("fork")
    with open(log, "a", encoding="utf-8") as sink, ctx_pool.Pool(args.workers, _init, (ctx,), maxtasksperchild=50) as pool:
        for n, record in enumerate(pool.imap_unordered(_work, todo), 1):
            sink.write(json.dumps(record, ensure_ascii=False, default=str) + "\n")
            sink.flush()
            records.append(record)
            bad = [k for run in record["runs"] for k in run["found"]]
            if bad or n % 50 == 0 or record.get("error"):
                elapsed = time.perf_counter() - started
                print(f"[{n}/{len(todo)} {elapsed:6.0f} s] #{record['index']} {record['kind']}: "
                      f"{', '.join(sorted(set(bad))) or record.get('error') or 'ok'}", flush=True)
    summary = summarise(records, args, time.perf_counter() - started)
    (out / "summary.json").write_text(json.dumps(summary, ensure_ascii=False, indent=1, default=str), encoding="utf-8")
    print_table(summary)
    print(f"\n{out / 'summary.json'}; reproducers under {out / 'failures'}")


if __name__ == "__main__":
    main()
