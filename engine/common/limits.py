"""What a case file may hold, checked before anything copies, validates or prints it.

A case file comes from outside: an office's export, a colleague's script, an
attacker. Everything downstream (the schema check, `plain`, locating, the
engine, the printers) walks values recursively and assumes real text and
finite numbers, so those assumptions are checked here first, one record at a
time, without recursion and within a budget:

- nesting at most MAX_DEPTH levels from the top of the file (a case file needs 8);
- at most MAX_RECORD_VALUES values in one record or in a case's own fields, and at
  most MAX_REPEATED values repeated through YAML aliases in the whole file, so an
  alias bomb (billion laughs) costs the records that use it, never the run;
- no record that contains itself (`&a [*a]`);
- text without lone surrogates or control characters, at most MAX_TEXT characters;
  keys that are text; numbers that are finite (no NaN, no Infinity);
- no `Flaw`: what the readers put where they found something unreadable (a
  duplicate key, nesting too deep to parse, a number too long to convert).

A problem costs the record it is in (or the case, for the case's own fields),
located at the value; the file's other records go on.

Rosters in spreadsheets (engine/casefiles/spreadsheet.py) are bounded to hold
no more than a text file of MAX_BYTES: about 50,000 people. An .xlsx is a zip
of XML, so its stored size says little: before any XML is parsed, each member's
unzipped size and compression ratio are checked, and the rows, columns, cells
and XML elements are counted as they are read (the `dimension` a sheet declares
is not trusted). Beyond a limit the file is refused with a located error;
nothing past it is read.
"""
from __future__ import annotations

import math
import re
from dataclasses import dataclass, field
from typing import Any

__all__ = ["MAX_BYTES", "MAX_ROWS", "MAX_COLUMNS", "MAX_CELLS", "MAX_CELL_TEXT", "MAX_MEMBERS", "MAX_UNZIPPED",
           "MAX_RATIO", "RATIO_FROM", "MAX_XML_PART", "MAX_XML_ELEMENTS", "MAX_XML_RUN", "MAX_DEPTH", "MAX_RECORD_VALUES",
           "MAX_REPEATED", "MAX_TEXT", "MAX_PROBLEMS", "MAX_FILE_ERRORS", "Flaw", "Hazard", "SHIELD", "text_problem",
           "number_problem", "Walk", "UNSOUND", "scalar_problem", "shown_key", "MAX_LOG_LINE", "MAX_LOG_PROBLEMS", "MAX_PARAMETER",
           "MAX_GENERATED_PEOPLE", "GENERATED_YEARS", "MAX_SEED", "RECURSIVE", "TOO_DEEP", "too_long", "duplicate_key"]

MAX_BYTES = 40 * 1024 * 1024      # a case file's size; ~50,000 people at the fixture's ~800 bytes each (a district has hundreds)
MAX_DEPTH = 32                    # nesting levels from the top of the file
MAX_RECORD_VALUES = 5_000         # values in one record (a person has ~60), aliases expanded
MAX_REPEATED = 100_000            # values repeated through aliases in one file
MAX_TEXT = 1_000                  # characters in one text value or key
# Errors kept. A file within the limits above can still be all bad values: 50,000 rows of ~60 cells, each row
# giving ~60 schema errors, were 3 million errors (~30 KB a record: 1.5 GB) held and then all written to the
# JSON. The record is refused by its first error; the rest only help whoever corrects it.
MAX_PROBLEMS = 20                 # errors listed per record (then one line: how many more); refused either way
MAX_FILE_ERRORS = 2_000           # errors listed per file: a person reads a few hundred, and a column typed wrong
                                  #   shows its pattern long before; later bad records are refused and counted
                                  #   (one summary entry), each still errored in the account

# Spreadsheets. A person is one row of ~60 columns; 40 MB of YAML holds ~50,000 people (~700 bytes each), and
# the same 50,000 people are ~105 MB of sheet XML as openpyxl writes it (~2.1 KB a row), ~9 MB zipped.
MAX_ROWS = 50_000                 # rows of one sheet or CSV file, blank rows included (a district has hundreds)
MAX_COLUMNS = 1_000               # columns of one row: a person needs ~60; MAX_RECORD_VALUES bounds a record anyway
MAX_CELLS = 3_000_000             # cells of one roster, the blanks inside each row included: 50,000 rows × 60
MAX_CELL_TEXT = 32_767            # characters of one CSV field: Excel's own limit for a cell
MAX_MEMBERS = 1_000               # files inside an .xlsx: a roster has ~15 (sheets, styles, relationships)
MAX_UNZIPPED = 256 * 2**20        # an .xlsx's members unzipped, all together: twice the ~120 MB of 50,000 people
MAX_RATIO = 100                   # unzipped bytes per zipped byte of one member larger than RATIO_FROM: sheet
RATIO_FROM = 2**20                #   XML deflates 5–15× (a run of identical blank rows ~50×); a zip bomb ~1000×
MAX_XML_PART = 4 * 2**20          # a workbook part parsed whole (workbook, relationships, styles): KBs in any real file
MAX_XML_ELEMENTS = 10_000_000     # XML elements of one workbook: a cell is 2–4 (<c><v>, <c><is><t>), so MAX_CELLS ×
                                  #   3 and the rows; each costs ~1 µs to parse, so this bounds the time too
MAX_XML_RUN = 2**20               # bytes of XML between two tags (a text or a tag's attributes): a cell's 32,767
                                  #   characters are at most ~200 KB escaped; without it one text node could take GBs


# what the readers and the walk say of a collection that holds itself, of nesting too deep, of a number too long
RECURSIVE = "通过 YAML 别名包含了它自身（如 &a [*a]），无法读取"
TOO_DEEP = f"嵌套超过 {MAX_DEPTH} 层，无法读取（案例文件只需 8 层）"


def too_long(digits: int) -> str:
    return f"数有 {digits:,} 位，过长，无法读取"


def duplicate_key(key: str, first: int | None) -> str:
    where = f"（第一次在第 {first} 行）" if first else ""
    return f"键“{key}”在同一映射中出现了两次{where}，不知以哪个为准，两个值都不用：请删去一个"


@dataclass(frozen=True)
class Flaw:
    """Stands in a tree where a reader found a value it could not give: the record holding it is refused."""
    message: str
    line: int | None = None        # 1-based, where the reader found it (a duplicate key: the second one)
    col: int | None = None

    def __str__(self) -> str:
        return f"<{self.message}>"


@dataclass(frozen=True)
class Hazard:
    path: tuple                    # from the top of the file
    message: str
    line: int | None = None        # when the reader knew better than the path (a Flaw)
    col: int | None = None


# C0 and C1 controls, lone surrogates, and the stand-ins `yamlio` puts for raw controls (so YAML can parse the rest)
_BAD_CHAR = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\ud800-\udfff\U0010ff00-\U0010ffff]")
SHIELD = 0x10FF00   # yamlio writes a raw control character U+00XX as U+10FFXX


def text_problem(text: str) -> str | None:
    """Why `text` cannot be a value of a case (None when it can)."""
    if len(text) > MAX_TEXT:
        return f"文字至多 {MAX_TEXT} 个字，这里有 {len(text):,} 个"
    if text.isprintable():
        return None
    bad = _BAD_CHAR.search(text)
    if bad is None:
        return None
    char = bad.group()
    where = f"第 {bad.start() + 1} 个字符"
    if "\ud800" <= char <= "\udfff":
        return f"{where}是落单的代理码 U+{ord(char):04X}，不是字符（\\u 转义写坏了？）"
    code = ord(char) - SHIELD if ord(char) >= SHIELD else ord(char)
    code += 0xFF00 if code in (0xFE, 0xFF) else 0            # U+FFFE and U+FFFF, shielded the same way
    return f"{where}是控制字符 U+{code:04X}（看不见的字符，多由复制粘贴带入）：请删去"


def number_problem(value: float) -> str | None:
    if math.isnan(value):
        return "NaN（非数）不是有效的值"
    if math.isinf(value):
        return f"{'负' if value < 0 else ''}无穷大（{'-' if value < 0 else ''}Infinity）不是有效的值"
    return None


_SCALARS = (str, bool, int, float, type(None))


@dataclass
class Walk:
    """The walks over one file's records: containers seen so far (seeing one again is an alias repeating it)."""
    seen: set[int] = field(default_factory=set)
    repeated: int = 0
    quick: bool = True    # try `_sound` first (False: always the careful walk, as the tests compare)

    def _sound(self, node: Any, depth: int, records: frozenset) -> Any:
        """The quick look: plain JSON values only (the types a JSON file gives), every text printable and short
        enough, every number finite, not too deep or too many, no container seen before in the file. A plain copy
        of the node (the lists of `records` left as they are) means the careful walk would find nothing (and the
        containers are then recorded as seen, as that walk would); UNSOUND only sends the node to the careful
        walk, which says what is wrong, if anything."""
        ids: list[int] = []
        copy = _sound_copy(node, depth, ids, [MAX_RECORD_VALUES], records)
        if copy is UNSOUND or not self.seen.isdisjoint(ids) or len(set(ids)) != len(ids):
            return UNSOUND
        self.seen.update(ids)
        return copy

    def sound_copy(self, node: Any, at: tuple | list) -> Any:
        """A record's plain copy when the quick look finds it sound, else UNSOUND (then `hazards` says why): one
        walk where the look and the copy made two."""
        return self._sound(node, len(at), _NO_RECORDS) if self.quick else UNSOUND

    def hazards(self, node: Any, at: tuple | list, records: frozenset = frozenset()) -> list[Hazard]:
        """The problems of one record (or of a case's own fields) at path `at`; empty when it may be read.

        `records`: keys of `node` whose lists hold records, walked each on its own (not here).
        """
        at = tuple(at)
        if self.quick and self._sound(node, len(at), records) is not UNSOUND:
            return []
        found: list[Hazard] = []
        values = 0
        on_path: set[int] = set()
        stack: list[tuple[Any, tuple, bool, bool]] = [(node, at, False, False)]   # node, path, repeating, leaving
        while stack and len(found) < MAX_PROBLEMS:
            item, path, repeating, leaving = stack.pop()
            if leaving:
                on_path.discard(id(item))
                continue
            values += 1
            if values > MAX_RECORD_VALUES:
                return found + [Hazard(at, f"含超过 {MAX_RECORD_VALUES:,} 个值（别名展开后），一条记录远用不了这么多："
                                           "是别名炸弹吗？")]
            if repeating:
                self.repeated += 1
                if self.repeated > MAX_REPEATED:
                    return found + [Hazard(path, f"本文件中 YAML 别名（*）重复的值超过 {MAX_REPEATED:,} 个，"
                                                 "余下的不再读取")]
            if isinstance(item, (dict, list)):
                if id(item) in on_path:
                    found.append(Hazard(path, RECURSIVE))
                    continue
                if len(path) > MAX_DEPTH:
                    found.append(Hazard(path, TOO_DEEP))
                    continue
                repeating = repeating or id(item) in self.seen
                self.seen.add(id(item))
                on_path.add(id(item))
                stack.append((item, path, repeating, True))
                children = list(item.items()) if isinstance(item, dict) else list(enumerate(item))
                children = children[:MAX_RECORD_VALUES + 1]   # more could not pass anyway
                for key, value in reversed(children):
                    problem = _key_problem(key) if isinstance(item, dict) else None
                    if problem:
                        found.append(Hazard(path + (shown_key(key),), problem))
                    elif not (path == at and key in records and isinstance(value, list)):
                        stack.append((value, path + (key,), repeating, False))
                continue
            problem = scalar_problem(item)
            if problem is not None:
                line, col = (item.line, item.col) if isinstance(item, Flaw) else (None, None)
                found.append(Hazard(path, problem, line, col))
        return found


_PLAIN_SCALARS = frozenset((str, bool, int, type(None)))
_NO_RECORDS: frozenset = frozenset()   # below the top of a record no key holds a list of records


UNSOUND: Any = object()   # what the quick look gives for a node it cannot pass


def _sound_copy(node: Any, depth: int, ids: list, budget: list, records: frozenset) -> Any:
    kind = type(node)
    budget[0] -= 1
    if budget[0] < 0:
        return UNSOUND
    if kind is str:
        return node if len(node) <= MAX_TEXT and node.isprintable() else UNSOUND
    if kind in _PLAIN_SCALARS:
        return node
    if kind is float:
        return node if math.isfinite(node) else UNSOUND
    if kind is dict:
        if depth > MAX_DEPTH:
            return UNSOUND
        ids.append(id(node))
        out = {}
        for key, value in node.items():
            if type(key) is not str or len(key) > MAX_TEXT or not key.isprintable():
                return UNSOUND
            if records and key in records and type(value) is list:
                out[key] = value
                continue
            value = _sound_copy(value, depth + 1, ids, budget, _NO_RECORDS)
            if value is UNSOUND:
                return UNSOUND
            out[key] = value
        return out
    if kind is list:
        if depth > MAX_DEPTH:
            return UNSOUND
        ids.append(id(node))
        out = []
        for value in node:
            value = _sound_copy(value, depth + 1, ids, budget, _NO_RECORDS)
            if value is UNSOUND:
                return UNSOUND
            out.append(value)
        return out
    return UNSOUND   # a Flaw, a tagged value, anything else: the careful walk says what


def scalar_problem(value: Any) -> str | None:
    if isinstance(value, Flaw):
        return value.message
    if isinstance(value, str):
        return text_problem(value)
    if isinstance(value, float):
        return number_problem(value)
    if isinstance(value, _SCALARS):
        return None
    return f"应为文字、数、是/否、列表或映射，实为 {type(value).__name__} 类型的值（用了 YAML 标签“!…”？）"


def _key_problem(key: Any) -> str | None:
    if not isinstance(key, str):
        return f"键应为文字，实为 {shown_key(key)}"
    problem = text_problem(key)
    return f"键中{problem}" if problem else None


def shown_key(key: Any) -> str:
    if isinstance(key, str):
        return _BAD_CHAR.sub(lambda m: f"\\u{ord(m.group()):04x}", key[:50])
    if isinstance(key, (bool, int, type(None))):
        return "null" if key is None else str(key).lower() if isinstance(key, bool) else str(key)
    if isinstance(key, float):
        return repr(key)
    return f"a {type(key).__name__}"


# --- policy folders and generated rosters ---------------------------------------------------------------

# A parameter value's magnitude. The engine compares numbers exactly only up to 2^53−1 (pipeline/runtime
# SAFE_INTEGER) and a rule multiplies amounts by months and people: 10^15 leaves room for that, and is far above
# any amount, count or ratio a policy document states (1e308 would pass a schema and break every later stage).
MAX_PARAMETER = 10 ** 15
# People in one generated roster: what the case reader accepts whole (MAX_BYTES at ~700 bytes a person: 35 MB
# for 50,000). More would be written only to be refused when read, after minutes of work and gigabytes of memory.
MAX_GENERATED_PEOPLE = 50_000
GENERATED_YEARS = (1900, 2999)    # assessment years: the dates a case file may hold (schemas/case.schema.json)
MAX_SEED = 10 ** 18 - 1           # a seed is written into every case id (GEN-<seed>-01): at most 18 digits

# --- the decision log (tools/decisionlog.py), read line by line by `replay` ----------------------------------
# A record is under 1 KB; a line past MAX_LOG_LINE is not a record and is never held whole (a 1 GB line, a file
# without newlines), only skipped. Its JSON is nested at most MAX_DEPTH levels, as a case file's.
MAX_LOG_LINE = 1024 * 1024        # bytes in one line of a decision log
MAX_LOG_PROBLEMS = 100            # bad lines reported one by one; past this they are only counted
