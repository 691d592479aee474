"""Rosters in spreadsheets: an .xlsx workbook or .csv files read into the case contract's tree, every value located.

Which sheet, which header, which field and which type is data — the policy's
roster.yaml, checked against schemas/roster.schema.json — not code. A cell is
read leniently (trimmed; Excel and text dates to ISO; 是/否, √/×, 有/无 to
booleans) and what cannot be read stays as the raw text, so that the case
schema reports it at its cell: `file:人员!E5: 列“学历”`. What cannot be placed
at all — an unknown or repeated header, a sheet nobody reads, a row of an
unknown case — is a ReadError listing every such problem: never silently
ignored. Template sample rows (编号 示例-…) are skipped, with a warning.

Nothing a file holds breaks a run: a roster is bounded as a text case file is
(engine/common/limits.py: its size, and rows, columns, cells, XML counted as
they are read); an .xlsx is checked as a zip before it is unzipped and parsed
without entities; a CSV file is read with strict quoting, a quote left open
found at its line. What the file as a whole cannot give is a ReadError naming
the part, sheet and row or line (it costs that file); a cell that cannot be
read is a `Flaw`, which costs the record it is in, at its cell.
"""
from __future__ import annotations

import codecs
import csv
import datetime as dt
import functools
import io
import math
import re
import warnings
import zipfile
import zlib
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Iterable
from xml.parsers import expat

from ..policy import schemas

from ..common import yamlio
from ..policy.model import Policy
from ..policy.records import case_schema
from ..common.words import near
from ..common.limits import (MAX_BYTES, MAX_CELLS, MAX_CELL_TEXT, MAX_COLUMNS, MAX_MEMBERS, MAX_RATIO, MAX_ROWS,
                             MAX_UNZIPPED, MAX_XML_ELEMENTS, MAX_XML_PART, MAX_XML_RUN, RATIO_FROM, Flaw,
                             shown_key)
from ..common.outfiles import csv_value
from ..common.privacy import mask_free_text, mask_name, mask_text
from ..common.locations import Located, Location, YamlError, locate, plain
from ..common.problems import Problem

__all__ = ["year_of", "get_path", "LAYOUT_FILE", "ReadError", "Column", "Repeat", "Months", "Entry", "SheetLayout", "Layout",
           "load_layout", "choices", "text", "parse", "month", "month_header", "column_letter", "Sheet",
           "Book", "open_book", "decode", "csv_siblings", "read"]

LAYOUT_FILE = "roster.yaml"


class ReadError(ValueError):
    """The roster cannot be read as a whole; `problems` holds every Problem found, the first one first (the
    readers find them as (location, message) pairs)."""

    def __init__(self, location: Location, message: str, more: Iterable[tuple[Location, str]] = ()):
        super().__init__(f"{location}: {message}")
        self.location, self.message = location, message
        self.problems: list[Problem] = [Problem(where, "", said) for where, said in [(location, message), *more]]

    @classmethod
    def of(cls, problems: list[tuple[Location, str]]) -> "ReadError":
        (location, message), *rest = problems
        more = getattr(problems, "more", 0)
        if more:
            rest.append((Location(location.file), f"另有 {more:,} 处问题未列出"))
        return cls(location, message, rest)


class _Problems(list):
    """A roster's problems: the first ones kept, the rest only counted (a sheet of junk must not fill memory)."""
    more = 0

    def append(self, item) -> None:
        if len(self) < _SHOWN_PROBLEMS:
            super().append(item)
        else:
            self.more += 1


# --- the layout (roster.yaml) --------------------------------------------------

@dataclass(frozen=True)
class Column:
    header: str
    path: tuple[str, ...]        # within its record: ("staff", "direct")
    type: str                    # text | id | digits | date | int | bool | months
    aliases: tuple[str, ...] = ()
    choices: str | None = None   # a vocabulary.yaml list, for the template's drop-downs

    @property
    def headers(self) -> tuple[str, ...]:
        return (self.header, *self.aliases)


@dataclass(frozen=True)
class Repeat:
    """Numbered groups of columns: 证书1类别, 证书1等级 … → certificates[0].type, certificates[0].level …"""
    field: str
    prefix: str
    parts: tuple[Column, ...]
    groups: int = 3              # how many groups the template offers (`template_groups:`); a roster may hold more

    def header(self, n: int, part: Column) -> str:
        return f"{self.prefix}{n}{part.header}"

    @property
    def pattern(self) -> re.Pattern:
        words = sorted((h for p in self.parts for h in p.headers), key=len, reverse=True)
        return re.compile(rf"^{re.escape(self.prefix)}(\d+)({'|'.join(map(re.escape, words))})$")

    def part(self, header: str) -> Column:
        return next(p for p in self.parts if header in p.headers)


@dataclass(frozen=True)
class Months:
    """One column per month: 1月…12月 of the case's assessment year, or 2025-03 / 2025年3月 for any month."""
    field: str
    column: Column               # its type and choices (header and path unused)


Entry = Column | Repeat | Months


@dataclass(frozen=True)
class SheetLayout:
    kind: str                    # case | people | centers | items
    name: str
    aliases: tuple[str, ...]
    entries: tuple[Entry, ...]   # in the order the template writes them

    @property
    def columns(self) -> tuple[Column, ...]:
        return tuple(e for e in self.entries if isinstance(e, Column))

    @property
    def repeats(self) -> tuple[Repeat, ...]:
        return tuple(e for e in self.entries if isinstance(e, Repeat))

    @property
    def months(self) -> Months | None:
        return next((e for e in self.entries if isinstance(e, Months)), None)


@dataclass(frozen=True)
class Layout:
    file: str
    sheets: dict[str, SheetLayout]          # by kind
    case_column: Column                      # 案例编号 on 人员/中心/事项 when a workbook holds several cases
    sample_prefix: str
    booleans: dict[str, bool]                # lower-cased word → value
    separators: tuple[str, ...]
    ignored_sheets: tuple[str, ...]
    template_rows: int = 500
    sample: dict | None = None               # the template's sample case ({year} stands for the year)
    years: tuple[str, ...] = ()              # the case's year fields (records.yaml): the year of the 1月…12月 columns
    notes: tuple[str, ...] = ()              # the template's 说明 sheet ({case_sheet} … filled in)

    @property
    def kinds(self) -> tuple[str, ...]:
        """The record lists the roster has a sheet for, in its order (the first is FILE.csv itself)."""
        return tuple(k for k in self.sheets if k != "case")

    @property
    def case_headers(self) -> str:
        return "、".join(c.header for c in self.sheets["case"].columns)

    def kind_of_sheet(self, name: str) -> str | None:
        return next((s.kind for s in self.sheets.values() if name in (s.name, *s.aliases)), None)


def load_layout(policy: Policy) -> Layout:
    """The policy's roster.yaml as a Layout; any problem with it is a ReadError pointing into roster.yaml."""
    path = Path(policy.root) / (policy.roster or LAYOUT_FILE)
    name = str(path)
    if not path.is_file():
        raise ReadError(Location(name), f"政策目录中没有 {LAYOUT_FILE}（名册版式），无法读写表格")
    try:
        tree = yamlio.load(path)
    except YamlError as e:
        raise ReadError(e.location, e.message) from None
    found = schemas.problems(plain(tree), "roster", name, tree, chinese=True) if isinstance(tree, dict) else []
    if not isinstance(tree, dict) or found:
        raise ReadError.of([(p.location, f"{p.path}: {p.message}") for p in found] or [(Location(name, 1, 1), "应为映射")])
    data = plain(tree)
    problems: list[tuple[Location, str]] = []
    sheets = {}
    schema = case_schema(schemas.schema("case"), policy.records)
    template = data.get("template") or {}
    # The older form `template: {<a repeat's list field>: N}` (file format 3 as first written, e.g. git revision
    # 3bd7862) still reads: the groups of that repeat.
    older = {k: v for k, v in template.items() if k not in _TEMPLATE_KEYS}
    repeated: set[str] = set()
    for i, raw in enumerate(data["sheets"]):
        where = locate(tree, ["sheets", i], name)
        if raw["kind"] in sheets:
            problems.append((where, f"“{raw['kind']}”的表定义了两次"))
        sheets[raw["kind"]] = _sheet_layout(raw, policy, schema, lambda p, m, i=i: problems.append(
            (locate(tree, ["sheets", i, *p], name), m)), older)
        repeated |= {c["repeat"] for c in raw["columns"] if "repeat" in c}
    for key in older:
        if key not in repeated:
            problems.append((locate(tree, ["template", key], name, key=True),
                             f"“{key}”不是 template 的键（{'、'.join(_TEMPLATE_KEYS)}），也不是重复列组（repeat）的字段"
                             f"{near(key, [*_TEMPLATE_KEYS, *sorted(repeated)])}"))
    for kind in ("case",) if "case" not in sheets else ():
        problems.append((Location(name, 1, 1), f"缺少 kind: {kind} 的表"))
    for i, raw in enumerate(data["sheets"]):
        if raw["kind"] != "case" and raw["kind"] not in policy.records.lists:
            problems.append((locate(tree, ["sheets", i, "kind"], name), f"“{raw['kind']}”不是 records.yaml 中的记录列表"
                             f"（{'、'.join(policy.records.lists)}）{near(raw['kind'], policy.records.lists)}"))
    if problems:
        raise ReadError.of(problems)
    words = {str(w).lower(): value for value in (True, False) for w in data["booleans"]["true" if value else "false"]}
    cc = data["case_column"]
    return Layout(name, sheets, Column(cc["header"], ("case",), "id", tuple(cc.get("aliases") or ())),
                  data["sample_prefix"], words, tuple(data["separators"]), tuple(data.get("ignored_sheets") or ()),
                  template.get("rows", 500), template.get("sample"),
                  tuple(n for n, f in policy.records.case_fields.items() if f.type == "year"),
                  tuple(template.get("notes") or ()))


_TEMPLATE_KEYS = ("rows", "sample", "notes")


def _sheet_layout(raw: dict, policy: Policy, schema: dict, problem, older: dict | None = None) -> SheetLayout:
    """One sheet of roster.yaml; `schema`: the case schema records.yaml declares, made once for every sheet;
    `older`: the template's groups per repeat in the older form (`template: {field: N}`)."""
    kind = raw["kind"]
    declared = policy.records.of_list(kind)
    props = schema["properties"] if kind == "case" else schema["$defs"][declared.name]["properties"] if declared else {}
    entries: list[Entry] = []
    for j, c in enumerate(raw["columns"]):
        if "header" in c:
            entries.append(_column(c, props, kind, policy, lambda p, m, j=j: problem(["columns", j, *p], m)))
        elif "each" in c:
            entries.extend(_each_columns(c, props, kind, policy, lambda p, m, j=j: problem(["columns", j, *p], m)))
        elif "repeat" in c:
            inner = (props.get(c["repeat"]) or {}).get("items", {}).get("properties")
            if inner is None:
                problem(["columns", j, "repeat"], f"“{c['repeat']}”不是{kind}记录中的列表字段")
                inner = {}
            parts = tuple(_column(p, inner, kind, policy, lambda q, m, j=j, k=k: problem(["columns", j, "parts", k, *q], m))
                          for k, p in enumerate(c["parts"]))
            entries.append(Repeat(c["repeat"], c["prefix"], parts,
                                  c.get("template_groups", (older or {}).get(c["repeat"], 3))))
        else:
            if "additionalProperties" not in (props.get(c["months"]) or {}):
                problem(["columns", j, "months"], f"“{c['months']}”不是{kind}记录中按月份的字段")
            entries.append(Months(c["months"], Column(c["months"], (c["months"],), c["type"], (), c.get("choices"))))
    seen: dict[str, str] = {}
    for e in entries:
        for h in (e.headers if isinstance(e, Column) else ()):
            if h in seen:
                problem(["columns"], f"表头“{h}”指向两个字段（{seen[h]}、{'.'.join(e.path)}）")
            seen[h] = ".".join(e.path)
    return SheetLayout(kind, raw["name"], tuple(raw.get("aliases") or ()), tuple(entries))


def _column(c: dict, props: dict, kind: str, policy: Policy, problem) -> Column:
    path = tuple(c["field"].split("."))
    node = {"properties": props}
    for step in path:
        node = (node.get("properties") or {}).get(step)
        if node is None:
            problem(["field"], f"“{c['field']}”不是案例合同中{kind}记录的字段（schemas/case.schema.json）")
            break
    if c.get("choices") and c["choices"] not in policy.vocabulary:
        problem(["choices"], f"vocabulary.yaml 中没有“{c['choices']}”")
    return Column(c["header"], path, c["type"], tuple(c.get("aliases") or ()), c.get("choices"))


def _each_columns(c: dict, props: dict, kind: str, policy: Policy, problem) -> list[Column]:
    """One column per key of a map attribute of the sheet's kind of fact, headed by its label in facts.yaml."""
    declared = policy.records.of_list(kind)
    fact_kind = policy.kinds.get(declared.name) if declared else None
    attribute = fact_kind.attributes.get(c["each"]) if fact_kind else None
    if c["each"] not in props or attribute is None or not attribute.fields:
        problem(["each"], f"“{c['each']}”不是 facts.yaml 中 {declared.name if declared else kind} 带 fields 的映射字段")
        return []
    aliases = c.get("aliases") or {}
    for key in aliases:
        if key not in attribute.fields:
            problem(["aliases", key], f"facts.yaml 的 {c['each']} 中没有“{key}”")
    return [Column(label, (c["each"], key), c["type"], tuple(aliases.get(key) or ()))
            for key, label in attribute.fields.items()]


def choices(policy: Policy, name: str | None) -> list[str]:
    """The canonical words of a vocabulary list (a certificate level's of every type), for drop-downs."""
    entry = policy.vocabulary.get(name or "") or {}
    if "by_type" in entry:
        return list(dict.fromkeys(w for words in entry["by_type"].values() for w in words))
    values = entry.get("values") or []
    return list(values) if isinstance(values, list) else list(values)


# --- cells ---------------------------------------------------------------------

_DATE = re.compile(r"^(\d{4})\s*[-/.年]\s*(\d{1,2})\s*[-/.月]\s*(\d{1,2})\s*日?(?:[ T]\d{1,2}:\d{2}(?::\d{2}(?:\.\d+)?)?)?$")
_MONTH = re.compile(r"^(\d{4})\s*[-/.年]\s*(\d{1,2})\s*月?$")
_MONTH_OF_YEAR = re.compile(r"^(\d{1,2})\s*月$")
_INT = re.compile(r"^[+-]?\d+(?:\.0*)?$")


def text(value: Any) -> str | None:
    """A cell as trimmed text, None when empty; 12.0 (how Excel stores 12) reads as 12."""
    if value is None:
        return None
    if isinstance(value, bool):
        return "TRUE" if value else "FALSE"
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    if isinstance(value, dt.datetime):
        value = value.date() if value.time() == dt.time() else value
    if isinstance(value, (dt.date, dt.datetime)):
        return value.isoformat()
    out = str(value).strip()
    return out or None


def parse(value: Any, kind: str, layout: Layout, year: int | None = None) -> Any:
    """One cell as the contract's value of `kind`; None for an empty cell; the raw text when it cannot be read."""
    if isinstance(value, Flaw):
        return value            # a cell the reader could not give: the record holding it is refused, at this cell
    shown = text(value)
    if shown is None:
        return None
    if kind == "id":
        return _as_int(value) if _is_number(value) and _as_int(value) is not None else shown
    if kind == "digits":
        return shown if isinstance(value, str) else value   # a number here has lost digits: the schema says so
    if kind == "date":
        return _date(value, shown)
    if kind == "int":
        if _is_number(value):
            return _as_int(value) if _as_int(value) is not None else value
        return _int(shown)
    if kind == "number":   # an amount: a number cell as it is, a typed 12.5 (or 1,200.5) read as written
        if _is_number(value):
            return _as_int(value) if _as_int(value) is not None else value
        return _number(shown)
    if kind == "bool":
        return value if isinstance(value, bool) else layout.booleans.get(shown.lower(), shown)
    if kind == "months":
        if isinstance(value, (dt.date, dt.datetime)):   # Excel turns a typed 2025-05 into 2025-05-01
            return [f"{value.year}-{value.month:02d}"]
        tokens = [shown]
        for sep in layout.separators:
            tokens = [t.strip() for part in tokens for t in part.split(sep)]
        return [month(t, year) or t for t in tokens if t]
    return shown


def _int(shown: str) -> Any:
    """12, +12, 12.0 as the integer (exactly: int(float()) overflowed on 400 digits and lost the 17th); a number
    of more digits than any count has (5,000 of them) is a Flaw, which costs its record at the cell."""
    if not _INT.match(shown):
        return shown                # not an integer: the schema says so, at the cell
    whole = shown.split(".")[0]
    digits = len(whole.lstrip("+-"))
    if digits > _INT_DIGITS:
        return Flaw(f"应为整数，这个数却有 {digits:,} 位（至多 {_INT_DIGITS} 位）")
    return int(whole)


_INT_DIGITS = 18                # an int64; a roster's integers are counts and years
_NUMBER = re.compile(r"^[+-]?\d{1,18}(?:\.\d{1,12})?$")


def _number(shown: str) -> Any:
    """12.5, 1,200.5 as the number; anything else as its text, for the schema to refuse at the cell."""
    plain_text = shown.replace(",", "")
    if not _NUMBER.match(plain_text):
        return shown
    return int(plain_text) if "." not in plain_text else float(plain_text)


def _is_number(value: Any) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool)


def _as_int(value: Any) -> int | None:
    if isinstance(value, int) and not isinstance(value, bool):
        return value
    return int(value) if isinstance(value, float) and value.is_integer() else None


def _date(value: Any, shown: str) -> Any:
    if isinstance(value, dt.datetime):
        return value.date().isoformat()
    if isinstance(value, dt.date):
        return value.isoformat()
    if not isinstance(value, str):
        return value            # a bare number is no date: the schema reports it
    m = _DATE.match(shown)
    if m:
        try:
            return dt.date(int(m[1]), int(m[2]), int(m[3])).isoformat()
        except ValueError:
            pass
    return shown


def month(token: str, year: int | None) -> str | None:
    """2025-05, 2025/5, 2025年5月 → 2025-05; 5月 → in `year`; None when it is no month."""
    m = _MONTH.match(token)
    if m and 1 <= int(m[2]) <= 12:
        return f"{m[1]}-{int(m[2]):02d}"
    m = _MONTH_OF_YEAR.match(token)
    if m and year is not None and 1 <= int(m[1]) <= 12:
        return f"{year}-{int(m[1]):02d}"
    return None


def month_header(header: str) -> str | int | None:
    """A rating column's month: "2025-03" for a header naming its year, 3 for 3月 (the case's year), else None."""
    m = _MONTH_OF_YEAR.match(header)
    if m and 1 <= int(m[1]) <= 12:
        return int(m[1])
    return month(header, None)


@functools.lru_cache(maxsize=None)
def column_letter(index: int) -> str:
    """0 → A, 26 → AA."""
    out = ""
    index += 1
    while index:
        index, rest = divmod(index - 1, 26)
        out = chr(65 + rest) + out
    return out


# --- workbooks and CSV files --------------------------------------------------

@dataclass
class Sheet:
    name: str
    file: str                  # the file its cells are in (each CSV file is one sheet)
    rows: list[tuple]          # cell values, the sheet's first row first


@dataclass
class Book:
    sheets: list[Sheet]
    warnings: list[str] = field(default_factory=list)
    meta: dict = field(default_factory=dict)


def open_book(path: Path, layout: Layout) -> Book:
    if path.suffix.lower() == ".csv":
        return _open_csv(path, layout)
    return _open_xlsx(path)


# --- .xlsx: bounded before it is parsed, parsed without growing ------------------------------------------------
#
# An .xlsx is a zip of XML parts. Nothing in it is trusted: the zip's directory is bounded before zipfile reads
# it, every member's unzipped size and ratio before anything is unzipped (limits.MAX_UNZIPPED, MAX_RATIO), and
# XML is parsed by defusedxml with DTDs forbidden (no entity is ever expanded, no external file fetched). The
# workbook's own small parts (content types, workbook, relationships, styles; each at most MAX_XML_PART) are read
# with openpyxl's classes; the sheets and the shared strings, which grow with the roster, are read here, element by
# element, each element dropped once read, with rows, columns, cells and elements counted against the limits as
# they come (a sheet's declared `dimension` is not read). Any failure — damaged compression, a bad CRC, malformed
# XML, a missing part — is a ReadError naming the part (and the sheet and row): it costs the file, never the run.

_MAIN = "http://schemas.openxmlformats.org/spreadsheetml/2006/main "     # expat's names: namespace, space, tag
_ROW, _CELL, _VALUE, _FORMULA, _INLINE, _TEXT, _PHONETIC, _STRING = (
    f"{_MAIN}{tag}" for tag in ("row", "c", "v", "f", "is", "t", "rPh", "si"))
_CELL_ELEMENTS = 1_000          # elements inside one cell or shared string (rich text runs): a few in any real file
_NUMBER_DIGITS = 40             # characters of a number cell: a double has 17 significant digits
_CELL_CHARACTERS = 4 * MAX_CELL_TEXT   # characters of one cell's XML text; Excel's own limit is MAX_CELL_TEXT
_REF = re.compile(r"^\$?([A-Za-z]{1,3})\$?(\d+)$")
_SHOWN_PROBLEMS = 200           # problems listed for one roster; the rest are counted


@dataclass
class _Reading:
    """Where in a roster the reading is, for the error that stops it, and what it may still read."""
    file: str
    part: str = ""
    sheet: str | None = None
    row: int | None = None      # 1-based
    cells: int = 0
    elements: int = 0

    def location(self) -> Location:
        if self.sheet is None:
            return Location(self.file, self.row, 1 if self.row else None)
        return Location(self.file, self.row, 1 if self.row else None, self.sheet, f"A{self.row}" if self.row else None)

    def where(self) -> str:
        return (f"工作表“{self.sheet}”" if self.sheet is not None else self.part) + (f"第 {self.row} 行" if self.row else "")

    def refuse(self, message: str) -> ReadError:
        where = self.where()
        return ReadError(self.location(), f"{where}：{message}" if where else message)

    def count_cells(self, n: int) -> None:
        self.cells += n
        if self.cells > MAX_CELLS:
            raise self.refuse(f"名册的单元格超过 {MAX_CELLS:,} 个（一份名册至多约 {MAX_ROWS:,} 人、每人约 60 列），"
                              f"余下不再读取；请拆分文件")

    def count_element(self) -> None:
        self.elements += 1
        if self.elements > MAX_XML_ELEMENTS:
            raise self.refuse(f"工作簿的 XML 元素超过 {MAX_XML_ELEMENTS:,} 个（{MAX_CELLS:,} 个单元格也用不了这么多），"
                              f"余下不再读取")


class _Strings(list):
    """The shared strings; a cell may index them only from 0 up (a negative index is no string of the file)."""

    def __getitem__(self, index):
        if isinstance(index, int) and index < 0:
            raise IndexError(index)
        return super().__getitem__(index)


def _parse(archive: zipfile.ZipFile, member: str, reader, reading: _Reading) -> None:
    """Feed one XML member to `reader`'s start/end/text handlers through expat, with defusedxml's guards: a
    DTD is refused where it starts, so no entity is ever declared, expanded or fetched. (defusedxml's own
    ElementTree is its pure-Python one, 4–5× slower on a sheet: these are the guards it installs on expat.)
    No more than MAX_XML_RUN bytes may stand between two tags: no single text or tag grows without bound."""
    from defusedxml import DTDForbidden, EntitiesForbidden, ExternalReferenceForbidden

    def doctype(name, sysid, pubid, internal):
        raise DTDForbidden(name, sysid, pubid)

    def entity(name, parameter, value, base, sysid, pubid, notation):
        raise EntitiesForbidden(name, value, base, sysid, pubid, notation)

    def unparsed(name, base, sysid, pubid, notation):
        raise EntitiesForbidden(name, None, base, sysid, pubid, notation)

    def external(context, base, sysid, pubid):
        raise ExternalReferenceForbidden(context, base, sysid, pubid)

    parser = expat.ParserCreate(namespace_separator=" ")
    parser.StartDoctypeDeclHandler, parser.EntityDeclHandler = doctype, entity
    parser.UnparsedEntityDeclHandler, parser.ExternalEntityRefHandler = unparsed, external
    parser.StartElementHandler, parser.EndElementHandler = reader.start, reader.end
    parser.CharacterDataHandler = reader.text
    parser.buffer_text = True
    reading.part = shown_key(member)
    run = 0
    with archive.open(member) as raw:
        while True:
            data = raw.read(65536)
            last = data.rfind(b"<")
            gap = run + (data.find(b"<") if last >= 0 else len(data))
            if gap > MAX_XML_RUN:
                raise reading.refuse(f"{reading.part} 中有超过 {MAX_XML_RUN // 2**20} MB 的连续文本（Excel 的单元格至多 "
                                     f"{MAX_CELL_TEXT:,} 个字符），不予读取")
            run = len(data) - last - 1 if last >= 0 else gap
            parser.Parse(data, not data)
            if not data:
                return


class _SharedStrings:
    """The shared strings part, one <si> at a time, each as openpyxl's read_string_table gives it: its <t>, then
    each run's <t>, without the phonetic guides (<rPh>)."""

    def __init__(self, reading: _Reading):
        self.reading, self.strings = reading, _Strings()
        self.depth = self.inside = self.count = self.phonetic = self.size = 0
        self.parts: list[str] | None = None      # the texts of the <si> being read
        self.collect: list[str] | None = None

    def start(self, name: str, attrs: dict) -> None:
        self.reading.count_element()
        self.depth += 1
        if self.inside:
            self.count += 1
            if self.count > _CELL_ELEMENTS:
                raise self.reading.refuse(f"第 {len(self.strings) + 1} 个共享字符串含超过 {_CELL_ELEMENTS} 个 XML 元素")
            if name == _TEXT and not self.phonetic:
                self.collect = self.parts
            elif name == _PHONETIC:
                self.phonetic += 1
        elif name == _STRING:
            self.inside, self.parts, self.count, self.phonetic, self.size = self.depth, [], 0, 0, 0

    def end(self, name: str) -> None:
        if self.depth == self.inside:
            self.strings.append("".join(self.parts).replace("x005F_", ""))
            self.inside, self.parts, self.collect = 0, None, None
            if len(self.strings) > MAX_CELLS:
                raise self.reading.refuse(f"共享字符串超过 {MAX_CELLS:,} 个，余下不再读取")
        elif name == _TEXT:
            self.collect = None
        elif name == _PHONETIC and self.inside:
            self.phonetic -= 1
        self.depth -= 1

    def text(self, data: str) -> None:
        if self.collect is not None:
            self.size += len(data)
            if self.size > _CELL_CHARACTERS:
                raise self.reading.refuse(f"第 {len(self.strings) + 1} 个共享字符串超过 {_CELL_CHARACTERS:,} 个字符")
            self.collect.append(data)


class _SheetRows:
    """A worksheet's rows as tuples of cell values, blank rows as (), each row as wide as its last cell — as
    openpyxl's read-only worksheet gives them after reset_dimensions, without trusting the declared dimension.
    Only the row being read is held; rows, columns, cells and elements are counted as they come."""

    def __init__(self, strings: _Strings, epoch, dates: set, durations: set, reading: _Reading):
        from openpyxl.utils.datetime import from_excel, from_ISO8601
        self.from_excel, self.from_iso = from_excel, from_ISO8601
        self.strings, self.epoch, self.dates, self.durations, self.reading = strings, epoch, dates, durations, reading
        self.rows: list[tuple] = []
        self.row: dict[int, Any] | None = None
        self.depth = self.row_depth = self.cell_depth = 0
        self.column = 0                          # the last cell's column: a cell without a reference is the next one
        # the cell being read (while cell_depth): its attributes, elements, <v>, inline string, formula
        self.cell: dict = {}
        self.count = self.phonetic = self.size = 0
        self.value: list[str] | None = None
        self.inline: list[str] | None = None
        self.collect: list[str] | None = None    # where the text being read goes: value, inline or nowhere
        self.formula = False

    def start(self, name: str, attrs: dict) -> None:
        reading = self.reading
        reading.elements += 1
        if reading.elements > MAX_XML_ELEMENTS:
            reading.count_element()
        self.depth += 1
        if self.cell_depth:
            self.count += 1
            if self.count > _CELL_ELEMENTS:
                raise reading.refuse(f"一个单元格含超过 {_CELL_ELEMENTS} 个 XML 元素")
            if name == _TEXT:
                if self.inline is not None and not self.phonetic:
                    self.collect = self.inline
            elif name == _VALUE:
                if self.value is None:
                    self.value = self.collect = []
            elif name == _INLINE:
                self.inline = []
            elif name == _PHONETIC:
                self.phonetic += 1
            elif name == _FORMULA:
                self.formula = True
        elif name == _CELL:
            if self.row is not None and self.depth == self.row_depth + 1:
                self.cell, self.cell_depth, self.count, self.phonetic, self.size = attrs, self.depth, 0, 0, 0
                self.value = self.inline = self.collect = None
                self.formula = False
        elif name == _ROW:
            if self.row is not None:
                raise reading.refuse("一行套在另一行里")
            number = _row_number(attrs.get("r"), len(self.rows), reading)
            self.rows.extend([()] * (number - 1 - len(self.rows)))    # rows the file leaves out are blank
            self.row, self.row_depth, self.column, reading.row = {}, self.depth, 0, number

    def end(self, name: str) -> None:
        if self.cell_depth:
            if self.depth == self.cell_depth:
                self.cell_depth = 0
                self._cell_done()
            elif name == _TEXT or name == _VALUE:
                self.collect = None
            elif name == _PHONETIC:
                self.phonetic -= 1
        elif self.depth == self.row_depth and self.row is not None:
            width = max(self.row, default=0)
            self.reading.count_cells(width)
            self.rows.append(tuple(map(self.row.get, range(1, width + 1))))
            self.row = self.reading.row = None
        self.depth -= 1

    def text(self, data: str) -> None:
        if self.collect is not None:
            self.size += len(data)
            if self.size > _CELL_CHARACTERS:
                raise self.reading.refuse(f"一个单元格超过 {_CELL_CHARACTERS:,} 个字符（Excel 至多 {MAX_CELL_TEXT:,} 个）")
            self.collect.append(data)

    def _cell_done(self) -> None:
        cell = self.cell
        ref = cell.get("r")
        column = self.column + 1 if ref is None else _column_of(ref, self.reading)
        if column > MAX_COLUMNS:
            raise self.reading.refuse(f"第 {column_letter(column - 1)} 列（第 {column:,} 列）有单元格；一行至多读 "
                                      f"{MAX_COLUMNS:,} 列（一个人约 60 列）")
        self.column = column
        kind = cell.get("t", "n")
        if column in self.row:
            value: Any = Flaw(f"单元格 {self._ref()} 在文件中出现了两次")
        elif kind == "inlineStr":
            value = "".join(self.inline) if self.inline is not None else None
        else:
            value = self._value(kind, "".join(self.value) if self.value is not None else None)
        self.row[column] = value

    def _ref(self) -> str:
        return f"{column_letter(self.column - 1)}{self.reading.row}"

    def _value(self, kind: str, given: str | None) -> Any:
        """One cell's value as openpyxl reads it with data_only (shared strings, dates by their number format,
        booleans); what cannot be read is a Flaw, which costs the record the cell is in."""
        if kind == "e":
            return Flaw(f"单元格 {self._ref()} 是 Excel 的错误值 {(given or '')[:20]}（公式出错？）")
        if not given:
            if self.formula:
                return Flaw(f"单元格 {self._ref()} 是公式，文件中却没有它的计算结果：请在 Excel 中打开、保存后再读，"
                            f"或直接填入值")
            return None
        try:
            if kind == "s":
                return self.strings[int(given)]
            if kind == "n":
                if len(given) > _NUMBER_DIGITS:
                    return Flaw(f"单元格 {self._ref()} 的数有 {len(given):,} 个字符，无法表示为数值")
                value = float(given) if "." in given or "E" in given or "e" in given else int(given)
                if isinstance(value, float) and not math.isfinite(value):
                    return Flaw(f"单元格 {self._ref()} 的数 {given[:20]} 超出数值的范围")
                style = self.cell.get("s")
                if style and int(style) in self.dates:
                    try:
                        moment = self.from_excel(value, self.epoch, timedelta=int(style) in self.durations)
                        # a time of day or a duration has no type in a case file (YAML, JSON): kept as its text
                        return moment.isoformat() if isinstance(moment, dt.time) else \
                            str(moment) if isinstance(moment, dt.timedelta) else moment
                    except (OverflowError, ValueError):
                        return Flaw(f"单元格 {self._ref()} 设为日期格式，但 {given[:20]} 超出日期的范围")
                return value
            if kind == "b":
                return bool(int(given))
            if kind == "d":
                return self.from_iso(given)
        except IndexError:
            return Flaw(f"单元格 {self._ref()} 引用的共享字符串（第 {given[:20]} 个）不存在")
        except (ValueError, TypeError, OverflowError):
            return Flaw(f"单元格 {self._ref()} 的值“{given[:20]}”不合类型“{kind[:10]}”，无法读取")
        return given                                # "str" (a formula's text) and types openpyxl leaves as text


def _row_number(given: str | None, previous: int, reading: _Reading) -> int:
    if given is None:
        number = previous + 1
    elif given.isdigit() and len(given) <= 10 or re.fullmatch(r"\s*\d{1,10}(\.0*)?\s*", given):
        number = int(given.strip().split(".")[0])
    else:
        raise reading.refuse(f"第 {previous} 行之后的行号“{given[:20]}”不是正整数")
    if number <= previous:
        raise reading.refuse(f"行号 {number} 出现在第 {previous} 行之后（行的顺序有误）")
    if number > MAX_ROWS:
        reading.row = number
        raise reading.refuse(f"一张工作表至多读 {MAX_ROWS:,} 行（一个区县的名册只有几百人），余下不再读取；请拆分文件")
    return number


def _column_of(ref: str, reading: _Reading) -> int:
    """B5 → 2; $B$5 and b5 too."""
    letters = ref.rstrip("0123456789")
    column = _column_index(letters) if len(letters) < len(ref) else None
    if column is None:
        m = _REF.match(ref)
        if m is None:
            raise reading.refuse(f"单元格坐标“{ref[:20]}”无法识别（应如 B5）")
        column = _column_index(m[1])
    return column


@functools.lru_cache(maxsize=4096)
def _column_index(letters: str) -> int | None:
    """A → 1, AA → 27; None when it is no column name (at most three letters)."""
    if not (1 <= len(letters) <= 3 and letters.isascii() and letters.isalpha()):
        return None
    column = 0
    for letter in letters.upper():
        column = column * 26 + ord(letter) - 64
    return column


def _open_xlsx(path: Path) -> Book:
    name = str(path)
    reading = _Reading(name)
    try:
        size = path.stat().st_size
    except FileNotFoundError:
        raise ReadError(Location(name), "文件不存在") from None
    except OSError as e:
        raise ReadError(Location(name), f"无法读取（{e.strerror}）") from None
    if size > MAX_BYTES:
        raise ReadError(Location(name), f"文件有 {size / 2**20:.1f} MB；名册至多 {MAX_BYTES // 2**20} MB，"
                                        f"此文件不予读取：请按案例或中心拆分")
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")     # openpyxl warns of what it leaves out (extensions, odd styles)
            _check_directory(path, reading)
            with zipfile.ZipFile(path) as archive:
                _check_members(archive, reading)
                sheets = _read_workbook(archive, reading)
    except ReadError:
        raise
    except _BROKEN as e:
        message = _broken(e, reading)
        raise ReadError(reading.location(), message) from None
    return Book(sheets, meta={"format": "xlsx"})


def _check_directory(path: Path, reading: _Reading) -> None:
    """The zip's directory is bounded before zipfile reads it: a 40 MB file could list ~500,000 members."""
    with path.open("rb") as f:
        f.seek(0, 2)
        size = f.tell()
        f.seek(max(0, size - (22 + 65535 + 76)))
        tail = f.read()
    at = tail.rfind(b"PK\x05\x06")
    if at < 0 or len(tail) - at < 22:
        return                                      # no zip at all: zipfile says so
    count, length = int.from_bytes(tail[at + 10:at + 12], "little"), int.from_bytes(tail[at + 12:at + 16], "little")
    if at >= 76 and tail[at - 20:at - 16] == b"PK\x06\x07" and tail[at - 76:at - 72] == b"PK\x06\x06":
        count, length = int.from_bytes(tail[at - 44:at - 36], "little"), int.from_bytes(tail[at - 36:at - 28], "little")
    if count > MAX_MEMBERS or length > MAX_MEMBERS * 1024:
        raise reading.refuse(f"不像名册工作簿：zip 目录列出 {count:,} 个文件（{length / 1024:,.0f} KB）；xlsx 名册只有十几个，"
                             f"至多读 {MAX_MEMBERS} 个")


def _check_members(archive: zipfile.ZipFile, reading: _Reading) -> None:
    """Every member's unzipped size, as the directory declares it (zipfile never unzips past it: a member
    that holds more fails its CRC), before anything is unzipped."""
    members = archive.infolist()
    if len(members) > MAX_MEMBERS:
        raise reading.refuse(f"不像名册工作簿：含 {len(members):,} 个文件；xlsx 名册只有十几个，至多读 {MAX_MEMBERS} 个")
    total = 0
    for info in members:
        total += info.file_size
        if info.file_size > RATIO_FROM and info.file_size > MAX_RATIO * max(info.compress_size, 1):
            raise reading.refuse(f"{shown_key(info.filename)} 解压后 {info.file_size / 2**20:,.0f} MB，是压缩后的 "
                                 f"{info.file_size // max(info.compress_size, 1):,} 倍（压缩炸弹？）：工作表的 XML 通常压缩 "
                                 f"5–15 倍，超过 {MAX_RATIO} 倍不予读取")
    if total > MAX_UNZIPPED:
        raise reading.refuse(f"解压后共 {total / 2**20:,.0f} MB，超过 {MAX_UNZIPPED // 2**20} MB 的上限（{MAX_ROWS:,} 人的名册"
                             f"解压后约 120 MB），不予读取：请拆分文件")


def _part(archive: zipfile.ZipFile, name: str, reading: _Reading):
    """A small part of the workbook (content types, workbook, relationships, styles) as an XML element."""
    from defusedxml.ElementTree import fromstring
    reading.part = shown_key(name)
    info = archive.getinfo(name)
    if info.file_size > MAX_XML_PART:
        raise reading.refuse(f"{reading.part} 解压后 {info.file_size / 2**20:,.1f} MB；这一部分在任何名册中都只有几 KB，"
                             f"超过 {MAX_XML_PART // 2**20} MB 不予读取")
    # read in a bounded piece, never archive.read: a member claiming a huge compressed size would make zipfile
    # ask the file for that many bytes at once (a MemoryError before anything is checked)
    with archive.open(name) as f:
        data = f.read(MAX_XML_PART + 1)
    if len(data) > MAX_XML_PART:
        raise reading.refuse(f"{reading.part} 解压后超过 {MAX_XML_PART // 2**20} MB（文件中写的大小与实际不符）；"
                             f"这一部分在任何名册中都只有几 KB，不予读取")
    return fromstring(data, forbid_dtd=True)


def _read_workbook(archive: zipfile.ZipFile, reading: _Reading) -> list[Sheet]:
    from openpyxl.packaging.manifest import Manifest
    from openpyxl.packaging.relationship import get_dependents, get_rels_path
    from openpyxl.packaging.workbook import WorkbookPackage
    from openpyxl.reader.excel import _find_workbook_part
    from openpyxl.styles.stylesheet import Stylesheet
    from openpyxl.utils.datetime import CALENDAR_MAC_1904, WINDOWS_EPOCH
    from openpyxl.xml.constants import ARC_CONTENT_TYPES, ARC_STYLE, SHARED_STRINGS

    manifest = Manifest.from_tree(_part(archive, ARC_CONTENT_TYPES, reading))
    workbook = _find_workbook_part(manifest).PartName[1:]
    package = WorkbookPackage.from_tree(_part(archive, workbook, reading))
    rels_path = get_rels_path(workbook)
    _part(archive, rels_path, reading)              # checked here; get_dependents resolves the targets' paths
    rels = get_dependents(archive, rels_path).to_dict()
    dates, durations = set(), set()
    if ARC_STYLE in archive.namelist():
        styles = Stylesheet.from_tree(_part(archive, ARC_STYLE, reading))
        if styles.cell_styles:                      # as openpyxl's apply_stylesheet decides
            dates, durations = styles.date_formats, styles.timedelta_formats
    shared = _SharedStrings(reading)
    found = manifest.find(SHARED_STRINGS)
    if found is not None:
        _parse(archive, found.PartName[1:], shared, reading)
    epoch = CALENDAR_MAC_1904 if package.properties.date1904 else WINDOWS_EPOCH
    sheets = []
    for child in package.sheets:
        reading.part, reading.sheet = shown_key(workbook), child.name
        if not child.id or child.id not in rels:
            raise reading.refuse(f"{reading.part} 中工作表“{child.name}”没有指向其内容的关系（r:id）")
        rel = rels[child.id]
        if "chartsheet" in (rel.Type or ""):
            continue                                # a chart: no cells
        if rel.target not in archive.namelist():
            raise reading.refuse(f"工作表“{child.name}”的内容 {shown_key(rel.target)} 不在文件中")
        rows = _SheetRows(shared.strings, epoch, dates, durations, reading)
        _parse(archive, rel.target, rows, reading)
        sheets.append(Sheet(child.name, reading.file, rows.rows))
        reading.sheet = None
    return sheets


_BROKEN = (zipfile.BadZipFile, zlib.error, EOFError, OSError, RuntimeError, NotImplementedError, SyntaxError, expat.ExpatError,
           ValueError, KeyError, IndexError, TypeError, AttributeError, OverflowError)


def _broken(e: Exception, reading: _Reading) -> str:
    """Why a workbook cannot be read, in words, naming the part it failed in."""
    from defusedxml import DefusedXmlException
    text = str(e)
    if isinstance(e, DefusedXmlException):
        why = "含 DTD 或实体声明（<!DOCTYPE …>、<!ENTITY …>）：Excel 从不写这些，为安全起见不予读取"
    elif isinstance(e, expat.ExpatError):
        why = f"的 XML 格式有误（XML 第 {e.lineno} 行第 {e.offset + 1} 个字符处）"
    elif isinstance(e, SyntaxError):       # xml.etree's ParseError and lxml's XMLSyntaxError
        position = getattr(e, "position", None)
        why = "的 XML 格式有误" + (f"（XML 第 {position[0]} 行第 {position[1]} 个字符处）" if position else "")
    elif isinstance(e, zipfile.BadZipFile):
        why = "的压缩数据已损坏（校验和不符）" if "CRC" in text else "不是有效的 zip 压缩包（xlsx 工作簿是 zip 文件；是 .xls 或别的文件改了扩展名吗？）"
    elif isinstance(e, (zlib.error, EOFError)):
        why = "的压缩数据已损坏，无法解压"
    elif isinstance(e, RuntimeError) and ("encrypted" in text or "password" in text):
        why = "已加密（设有打开密码）：请另存为不加密的工作簿"
    elif isinstance(e, NotImplementedError):
        why = "使用了不支持的压缩方式"
    elif isinstance(e, KeyError):
        missing = re.search(r"named '([^']*)'", text)
        why = f"缺少 {shown_key(missing[1] if missing else text)}"
    elif isinstance(e, UnicodeError):
        why = "的 XML 编码无法识别"
    elif isinstance(e, OSError) and "workbook part" in text:     # openpyxl: the content types name no workbook
        why = "未列出工作簿（workbook.xml）：不是 Excel 工作簿？"
    elif isinstance(e, OSError):
        why = f"无法读取（{e.strerror or type(e).__name__}）"
    else:
        why = f"的内容不合工作簿的格式（{type(e).__name__}）"
    where = reading.part or "文件"
    if isinstance(e, zipfile.BadZipFile):
        reading.row = None                      # a CRC is checked at the end of the part: no row is to blame
    if reading.sheet is not None:
        where += f"（工作表“{reading.sheet}”{f'第 {reading.row} 行' if reading.row else ''}）"
    elif where[-1].isascii():
        where += " "                            # xl/styles.xml 的…
    return f"无法作为 xlsx 工作簿读取：{where}{why}"


# --- .csv ---------------------------------------------------------------------------------------------------------

def decode(data: bytes) -> tuple[str, str]:
    """Text and its encoding: a BOM decides; else UTF-8; else GB18030 (a superset of GBK, as Chinese Excel saves CSV)."""
    if data.startswith(codecs.BOM_UTF8):
        return data[len(codecs.BOM_UTF8):].decode("utf-8"), "UTF-8"
    if data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        return data.decode("utf-16"), "UTF-16"
    try:
        return data.decode("utf-8"), "UTF-8"
    except UnicodeDecodeError:
        return data.decode("gb18030"), "GB18030"


def csv_siblings(path: Path, layout: Layout) -> dict[str, Path]:
    """Each kind's CSV file: the people in FILE.csv itself, the others in FILE.中心.csv, FILE.事项.csv, FILE.案例.csv."""
    first = layout.kinds[0] if layout.kinds else None
    return {kind: path if kind == first else path.with_name(f"{path.stem}.{sheet.name}{path.suffix}")
            for kind, sheet in layout.sheets.items()}


def _open_csv(path: Path, layout: Layout) -> Book:
    book = Book([], meta={"format": "csv", "encodings": {}})
    reading = _Reading(str(path))
    for kind, file in csv_siblings(path, layout).items():
        if file != path and not file.is_file():
            continue
        try:
            with file.open("rb") as f:
                raw = f.read(MAX_BYTES + 1)
        except FileNotFoundError:
            raise ReadError(Location(str(file)), "文件不存在") from None
        except OSError as e:
            raise ReadError(Location(str(file)), f"无法读取（{e.strerror}）") from None
        if len(raw) > MAX_BYTES:
            raise ReadError(Location(str(file)), f"文件超过 {MAX_BYTES // 2**20} MB，不予读取：请按案例或中心拆分")
        try:
            content, encoding = decode(raw)
        except UnicodeDecodeError as e:
            raise ReadError(Location(str(file)), f"既不是 UTF-8/UTF-16 也不是 GB18030 编码的文本（第 {e.start} 字节）") from None
        book.meta["encodings"][str(file)] = encoding
        if encoding != "UTF-8":
            book.warnings.append(f"{file}：不是 UTF-8 编码，已按 {encoding} 读取")
        first = content.split("\n", 1)[0]
        delimiter = "\t" if "\t" in first and "," not in first else ","   # Excel's "Unicode text" is tab-separated
        rows = _csv_rows(content, delimiter, str(file), reading)
        book.sheets.append(Sheet(layout.sheets[kind].name, str(file), rows))
    return book


_CELL_LINES = 10               # lines of one quoted CSV cell (an address over a few lines); more: a quote left open


def _csv_rows(content: str, delimiter: str, file: str, reading: _Reading) -> list[tuple]:
    """The rows of one CSV file, strictly quoted and bounded; a quote left open is found where it was opened."""
    reader = csv.reader(io.StringIO(content, newline=""), delimiter=delimiter, strict=True)
    rows: list[tuple] = []
    limit = csv.field_size_limit(MAX_CELL_TEXT)     # the module's own limit, restored below
    try:
        while True:
            start = reader.line_num + 1                 # the line this row starts on
            try:
                row = next(reader)
            except StopIteration:
                return rows
            except csv.Error as e:
                raise ReadError(Location(file, start, 1), _csv_broken(str(e), start, reader.line_num, delimiter)) from None
            if len(rows) >= MAX_ROWS:
                raise ReadError(Location(file, start, 1), f"第 {start} 行：一个 CSV 文件至多读 {MAX_ROWS:,} 行（一个区县的"
                                                          f"名册只有几百人），余下不再读取；请拆分文件")
            if len(row) > MAX_COLUMNS:
                raise ReadError(Location(file, start, 1), f"第 {start} 行有 {len(row):,} 列；一行至多读 {MAX_COLUMNS:,} 列"
                                                          f"（一个人约 60 列）")
            width = len(rows[0]) if rows else len(row)
            for i, value in enumerate(row):
                if ("\n" in value or "\r" in value) and _swallowed(value, delimiter, width):
                    lines = value.splitlines()
                    raise ReadError(Location(file, start, i + 1),
                                    f"第 {start} 行 {column_letter(i)} 列的单元格以引号开始，到第 {reader.line_num} 行才结束，"
                                    f"其间 {len(lines) - 1} 行都被读进了这一个单元格（“{_masked(lines[0])}”…）："
                                    f"多半是少了一个引号，请检查第 {start} 行")
            reading.file, reading.part, reading.row = file, Path(file).name, start
            reading.count_cells(len(row))
            rows.append(tuple(map(csv_value, row)))     # a ' written before formula-like text comes off
    finally:
        csv.field_size_limit(limit)


def _swallowed(value: str, delimiter: str, width: int) -> bool:
    """A quoted cell over several lines that looks like rows read into it: too many lines, or a line with
    about as many delimiters as a row has."""
    lines = value.splitlines()
    return len(lines) > _CELL_LINES or any(line.count(delimiter) >= max(1, (width - 1) // 2) for line in lines[1:])


def _masked(text: str) -> str:
    """A glimpse of a cell that may hold a name or an ID number: its first few characters, masked as a name is."""
    return mask_name(mask_text(text[:8]))


def _csv_broken(error: str, start: int, end: int, delimiter: str) -> str:
    if "field larger than field limit" in error:
        return (f"第 {start} 行起有一个单元格超过 {MAX_CELL_TEXT:,} 个字符（Excel 的单元格至多 {MAX_CELL_TEXT:,} 个）："
                f"多半是第 {start} 行的引号没有闭合，其后各行都被读进了这个单元格")
    if "unexpected end of data" in error:
        return (f"第 {start} 行的引号没有闭合：从这里到文件末尾（第 {end} 行）都被读成了一个单元格；请检查第 {start} 行的引号")
    if "NUL" in error:
        return f"第 {end} 行含 NUL 字符：这不是文本（CSV）文件？"
    if "expected after" in error:
        lines = f"第 {start} 行" if start == end else f"第 {start}–{end} 行"
        return (f"{lines}：引号不成对（第 {end} 行的引号之后应为分隔符“{delimiter}”；单元格内的引号应写成两个 \"\"）："
                f"请检查第 {start} 行起的引号")
    return f"第 {end} 行 CSV 格式有误（{error}）"


# --- reading -------------------------------------------------------------------

@dataclass(frozen=True)
class _Binding:
    """What one header means: a field of the record, a month of ratings, a part of a numbered group, or the case."""
    index: int                  # 0-based column
    header: str
    column: Column
    target: str                 # field | month | repeat | case
    path: tuple = ()            # field: within the record; repeat: (list field, n, part field)
    month: str | int | None = None

    @property
    def key(self) -> tuple:
        return ("month", self.month) if self.target == "month" else (self.target, *self.path)

    @functools.cached_property
    def spot(self) -> tuple[int, str]:
        """(column, header): where in its row a value of this binding is; one tuple for every row."""
        return (self.index, self.header)


@dataclass
class _Case:
    data: dict
    locations: dict[tuple, Location]
    at: Location
    year: int | None = None
    records: dict[str, list[tuple[dict, tuple]]] = field(default_factory=dict)   # list → (record, where: _record)


def read(path: str | Path, policy: Policy) -> Located:
    """The roster as the case contract's tree, each value's path located at its cell (raises ReadError)."""
    layout = load_layout(policy)
    path = Path(path)
    book = open_book(path, layout)
    problems: list[tuple[Location, str]] = _Problems()
    by_kind = _classify(book.sheets, layout, problems, str(path))
    if "case" not in by_kind:
        where = csv_siblings(path, layout)["case"] if path.suffix.lower() == ".csv" else f"工作表“{layout.sheets['case'].name}”"
        problems.append((Location(str(path)), f"缺少{where}（{layout.case_headers}）"))
        raise ReadError.of(problems)
    cases, table = _read_cases(by_kind["case"], layout, problems)
    for kind in layout.kinds:
        if kind in by_kind:
            _read_records(by_kind[kind], layout.sheets[kind], layout, cases, problems, book.warnings)
    if problems:
        raise ReadError.of(problems)
    return _tree(cases, table, str(path), book)


def _classify(sheets: list[Sheet], layout: Layout, problems: list, file: str) -> dict[str, Sheet]:
    out: dict[str, Sheet] = {}
    known = [n for s in layout.sheets.values() for n in (s.name, *s.aliases)]
    for sheet in sheets:
        kind = layout.kind_of_sheet(sheet.name.strip())
        if sheet.name.strip() in layout.ignored_sheets:
            continue
        if kind is None:
            problems.append((Location(file, sheet=sheet.name), f"不认识的工作表“{sheet.name}”{near(sheet.name, known)}"
                             f"（可用：{'、'.join(s.name for s in layout.sheets.values())}；"
                             f"“{'、'.join(layout.ignored_sheets)}”不读）"))
        elif kind in out:
            problems.append((Location(file, sheet=sheet.name), f"工作表“{sheet.name}”与“{out[kind].name}”是同一张表"))
        else:
            out[kind] = sheet
    return out


def _cell(sheet: Sheet, row: int, index: int, header: str | None) -> Location:
    return Location(sheet.file, row, index + 1, sheet.name, f"{column_letter(index)}{row}", header)


def _rows(sheet: Sheet) -> list[tuple[int, tuple]]:
    """(1-based row number, cells) of every row with something in it."""
    return [(n, cells) for n, cells in enumerate(sheet.rows, 1) if any(text(c) is not None for c in cells)]


def year_of(data: dict, years: tuple[str, ...]) -> int | None:
    """The year of a case's month columns (1月…12月): its first year field (records.yaml) as written, else the
    year of its date."""
    for name in years:
        if isinstance(data.get(name), int):
            return data[name]
    as_of = data.get("as_of")
    return int(as_of[:4]) if isinstance(as_of, str) and re.match(r"^\d{4}-\d{2}-\d{2}$", as_of) else None


def _read_cases(sheet: Sheet, layout: Layout, problems: list) -> tuple[list[_Case], bool]:
    """The 案例 sheet: two columns (项目, 值) for one case, or a header row and one case per row."""
    spec = layout.sheets["case"]
    headers = {h: c for c in spec.columns for h in c.headers}
    rows = _rows(sheet)
    if not rows:
        problems.append((Location(sheet.file, sheet=sheet.name), f"工作表“{sheet.name}”是空的（应有{layout.case_headers}）"))
        return [], False
    first = rows[0][1]
    table = len(first) > 1 and text(first[1]) in headers
    cases = _case_table(sheet, rows, spec, layout, problems) if table else [_case_pairs(sheet, rows, headers, layout, problems)]
    for case in cases:
        case.year = year_of(case.data, layout.years)
    return cases, table


def _case_pairs(sheet: Sheet, rows, headers: dict, layout: Layout, problems: list) -> _Case:
    case = _Case({}, {}, _cell(sheet, rows[0][0], 0, None))
    seen: dict[tuple, int] = {}     # field → the row that gave it
    for n, cells in rows:
        if cells and isinstance(cells[0], Flaw):
            problems.append((_cell(sheet, n, 0, None), cells[0].message))
            continue
        key = text(cells[0]) if cells else None
        column = headers.get(key or "")
        if column is None:
            problems.append((_cell(sheet, n, 0, None), f"案例表第一列应为项目名（{'、'.join(headers)}），"
                                                      f"不认识“{key or ''}”{near(key or '', headers)}"))
            continue
        if column.path in seen:
            problems.append((_cell(sheet, n, 0, None), f"项目“{key}”重复（另见第{seen[column.path]}行）"))
            continue
        seen[column.path] = n
        for i in range(2, len(cells)):
            if text(cells[i]) is not None:
                problems.append((_cell(sheet, n, i, key), f"案例表只有两列（项目、值），{column_letter(i)}{n} 多出“{_glimpse(text(cells[i]))}”"))
        where = _cell(sheet, n, 1, key)
        case.locations[column.path] = where
        value = parse(cells[1] if len(cells) > 1 else None, column.type, layout)
        if value is not None:
            case.data[column.path[0]] = value
    return case


def _case_table(sheet: Sheet, rows, spec: SheetLayout, layout: Layout, problems: list) -> list[_Case]:
    header_row, header = rows[0]
    bindings = _bindings(sheet, header_row, header, spec, layout, problems, with_case=False)
    out = []
    headed = _headed(header)
    for n, cells in rows[1:]:
        _headerless(sheet, n, cells, headed, problems)
        case = _Case({}, {}, _cell(sheet, n, 0, None))
        for b in bindings:
            case.locations[b.path] = _cell(sheet, n, b.index, b.header)
            value = parse(cells[b.index] if b.index < len(cells) else None, b.column.type, layout)
            if value is not None:
                case.data[b.path[0]] = value
        out.append(case)
    if not out:
        problems.append((Location(sheet.file, sheet=sheet.name), f"工作表“{sheet.name}”只有表头，没有案例"))
    return out


def _bindings(sheet: Sheet, row: int, header: tuple, spec: SheetLayout, layout: Layout, problems: list,
              with_case: bool = True) -> list[_Binding]:
    """What each header of the sheet's first row means; unknown and repeated headers are problems."""
    fields = {h: c for c in spec.columns for h in c.headers}
    out: list[_Binding] = []
    by_key: dict[tuple, str] = {}
    seen: dict[str, int] = {}
    for i, cell in enumerate(header):
        if isinstance(cell, Flaw):
            problems.append((_cell(sheet, row, i, None), f"表头：{cell.message}"))
            continue
        h = text(cell)
        if h is None:
            continue
        where = _cell(sheet, row, i, h)
        if h in seen:
            problems.append((where, f"表头“{h}”重复（另见 {column_letter(seen[h])}{row}）"))
            continue
        seen[h] = i
        b = _bind(h, i, spec, fields, layout, with_case)
        if b is None:
            known = list(fields) + ([layout.case_column.header] if with_case else [])
            hint = near(h, known)
            if not hint:   # not a header misspelt: maybe data in the header row (a damaged file), a name among it
                h = mask_free_text(h)
                where = _cell(sheet, row, i, h)
            problems.append((where, f"不认识的表头“{h}”{hint}（表头见 {Path(layout.file).name} 的“{spec.name}”表）"))
        elif b.key in by_key:
            problems.append((where, f"表头“{h}”与“{by_key[b.key]}”是同一字段"))
        else:
            by_key[b.key] = h
            out.append(b)
    return out


def _bind(h: str, i: int, spec: SheetLayout, fields: dict, layout: Layout, with_case: bool) -> _Binding | None:
    if with_case and h in layout.case_column.headers:
        return _Binding(i, h, layout.case_column, "case")
    if h in fields:
        return _Binding(i, h, fields[h], "field", fields[h].path)
    if spec.months is not None and month_header(h) is not None:
        return _Binding(i, h, spec.months.column, "month", month=month_header(h))
    for r in spec.repeats:
        m = r.pattern.match(h)
        if m:
            part = r.part(m[2])
            return _Binding(i, h, part, "repeat", (r.field, int(m[1]), part.path[0]))
    return None


def _glimpse(value: str) -> str:
    """A cell outside every known column, quoted in an error: it may be a name or an ID number (a header was
    lost), so only its first character is shown, as a name is masked."""
    return value[:1] + "*" * (len(value) - 1)


def _headed(header: tuple) -> frozenset[int]:
    """The columns with a header (a bad header is reported once, at the header)."""
    return frozenset(i for i, cell in enumerate(header) if text(cell) is not None)


def _headerless(sheet: Sheet, n: int, cells: tuple, headed: frozenset[int], problems: list) -> None:
    """Something written in a column without a header would be lost: say so."""
    for i, value in enumerate(cells):
        if i not in headed and isinstance(value, Flaw):
            problems.append((_cell(sheet, n, i, None), f"{column_letter(i)}列没有表头；{value.message}"))
        elif i not in headed and text(value) is not None:
            problems.append((_cell(sheet, n, i, None), f"{column_letter(i)}列没有表头，但第{n}行有“{_glimpse(text(value))}”"))


def _read_records(sheet: Sheet, spec: SheetLayout, layout: Layout, cases: list[_Case], problems: list,
                  warnings: list[str]) -> None:
    months = spec.months.field if spec.months else ""
    rows = _rows(sheet)
    if not rows:
        return
    header_row, header = rows[0]
    bindings = _bindings(sheet, header_row, header, spec, layout, problems)
    case_b = next((b for b in bindings if b.target == "case"), None)
    id_b = next((b for b in bindings if b.path == ("id",)), None)
    if case_b is None and len(cases) > 1:
        problems.append((_cell(sheet, header_row, 0, None), f"工作簿含 {len(cases)} 个案例，工作表“{sheet.name}”须有"
                                                             f"“{layout.case_column.header}”列"))
        return
    ids = {}
    for i, c in enumerate(cases):
        ids.setdefault(str(c.data.get("id", "")), i)
    skipped = []
    headed = _headed(header)
    for n, cells in rows[1:]:
        record_id = text(cells[id_b.index]) if id_b is not None and id_b.index < len(cells) else None
        if record_id is not None and record_id.startswith(layout.sample_prefix):
            skipped.append(f"{sheet.name}!{column_letter(id_b.index)}{n}（{record_id}）")
            continue
        _headerless(sheet, n, cells, headed, problems)
        index = _case_of(sheet, n, cells, case_b, ids, cases, layout, problems)
        if index is None:
            continue
        case = cases[index]
        record, row = _record(sheet, n, cells, bindings, months, layout, case.year, problems)
        case.records.setdefault(spec.kind, []).append((record, row))
    if skipped:
        warnings.append(f"已跳过模板示例行（编号以“{layout.sample_prefix}”开头）：{'、'.join(skipped)}")


def _case_of(sheet: Sheet, n: int, cells: tuple, case_b: _Binding | None, ids: dict, cases: list[_Case],
             layout: Layout, problems: list) -> int | None:
    if not cases:
        return None
    if case_b is None:
        return 0
    value = cells[case_b.index] if case_b.index < len(cells) else None
    if isinstance(value, Flaw):
        problems.append((_cell(sheet, n, case_b.index, case_b.header), value.message))
        return None
    value = text(value)
    if value is None:
        if len(cases) == 1:
            return 0
        problems.append((_cell(sheet, n, case_b.index, case_b.header), f"第{n}行没有填{case_b.header}（工作簿含 {len(cases)} 个案例）"))
        return None
    if value not in ids:
        problems.append((_cell(sheet, n, case_b.index, case_b.header),
                         f"案例表中没有案例“{value}”{near(value, ids)}（案例：{'、'.join(ids)}）"))
        return None
    return ids[value]


def _record(sheet: Sheet, n: int, cells: tuple, bindings: list[_Binding], months: str, layout: Layout,
            year: int | None, problems: list) -> tuple[dict, tuple[Sheet, int, dict]]:
    """One row as a record, and where it is: its sheet, its row, and the (column, header) of each of its paths
    (empty cells located too) — made into Locations only when asked (`_Places`)."""
    record: dict = {}
    spots: dict[tuple, tuple[int, str]] = {}
    groups: dict[tuple[str, int], tuple[dict, dict]] = {}
    for b in bindings:
        if b.target == "case":
            continue
        spot = b.spot
        value = parse(cells[b.index] if b.index < len(cells) else None, b.column.type, layout, year)
        if b.target == "repeat":
            name, number, part = b.path
            entry, group_spots = groups.setdefault((name, number), ({}, {}))
            group_spots.setdefault((), spot)            # the group's first column locates the entry
            group_spots[(part,)] = spot
            if value is not None:
                entry[part] = value
            continue
        if b.target == "month":
            key = b.month if isinstance(b.month, str) else (f"{year}-{b.month:02d}" if year is not None else b.header)
            path = (months, key)
        else:
            path = b.path
        if b.target == "month" and value is not None and get_path(record, path) is not None:
            other, header = spots[path]
            problems.append((_cell(sheet, n, b.index, b.header),
                             f"“{b.header}”与 {column_letter(other)}{n}（“{header}”）是同一月份，两处都有值"))
            continue
        spots[path] = spot
        if value is not None:
            _put(record, path, value)
        if isinstance(value, list):   # a month list: each month is where the list is
            spots.update({path + (i,): spot for i in range(len(value))})
    for name in dict.fromkeys(k[0] for k in groups):
        filled = sorted(number for (g, number), (entry, _) in groups.items() if g == name and entry)
        for index, number in enumerate(filled):
            entry, group_spots = groups[(name, number)]
            record.setdefault(name, []).append(entry)
            for sub, spot in group_spots.items():
                spots[(name, index, *sub)] = spot
    return record, (sheet, n, spots)


def get_path(record: dict, path: tuple) -> Any:
    node: Any = record
    for step in path:
        if not isinstance(node, dict) or step not in node:
            return None
        node = node[step]
    return node


def _put(record: dict, path: tuple, value: Any) -> None:
    node = record
    for step in path[:-1]:
        node = node.setdefault(step, {})
    node[path[-1]] = value


def _tree(cases: list[_Case], table: bool, file: str, book: Book) -> Located:
    """Several cases (a case table) under `cases:`; one case (two columns) at the root, as in a YAML case file."""
    fixed: dict[tuple, Location] = {(): Location(file)}
    rows: dict[tuple, tuple[Sheet, int, dict]] = {}
    entries = []
    for i, case in enumerate(cases):
        prefix = ("cases", i) if table else ()
        data = dict(case.data)
        fixed[prefix] = case.at
        for path, where in case.locations.items():
            fixed[prefix + path] = where
        for kind in case.records:
            if case.records.get(kind):
                data[kind] = [r for r, _ in case.records[kind]]
                for j, (_, row) in enumerate(case.records[kind]):
                    rows[prefix + (kind, j)] = row
        entries.append(data)
    tree = {"cases": entries} if table else (entries[0] if entries else {})
    return Located(tree, _Places(fixed, rows), file, warnings=book.warnings, meta=book.meta)


class _Places(Mapping):
    """Where each value of a roster's tree was read, as `locate` asks for it (`path in places`, `places[path]`):
    the cases and their own fields by path, each record by its row, the Location of a cell made when asked.
    (A dict of every cell's Location held 2.4 million of them, 1.2 GB, for 50,000 rows.)"""

    def __init__(self, fixed: dict[tuple, Location], rows: dict[tuple, tuple[Sheet, int, dict]]):
        self.fixed, self.rows = fixed, rows

    def _find(self, path: tuple) -> Location | None:
        path = tuple(path)
        if path in self.fixed:
            return self.fixed[path]
        for length in (2, 4):                   # (kind, j) in a one-case file, ("cases", i, kind, j) in a table
            row = self.rows.get(path[:length]) if len(path) >= length else None
            if row is not None:
                sheet, n, spots = row
                spot = spots.get(path[length:]) if len(path) > length else (0, None)
                return None if spot is None else _cell(sheet, n, spot[0], spot[1])
        return None

    def __getitem__(self, path: tuple) -> Location:
        found = self._find(path)
        if found is None:
            raise KeyError(path)
        return found

    def __contains__(self, path: object) -> bool:
        return isinstance(path, (tuple, list)) and self._find(tuple(path)) is not None

    def __iter__(self):
        yield from self.fixed
        for key, (_, _, spots) in self.rows.items():
            yield key
            yield from (key + rest for rest in spots)

    def __len__(self) -> int:
        return len(self.fixed) + sum(1 + len(spots) for _, _, spots in self.rows.values())
