"""Rosters in spreadsheets: an .xlsx workbook or .csv files read into the case contract's tree, every value located.

Which sheet, which header, which field and which type is data — the policy's
roster.yaml, checked against schemas/roster.schema.json — not code. A cell is
read leniently (trimmed; Excel and text dates to ISO; 是/否, √/×, 有/无 to
booleans) and what cannot be read stays as the raw text, so that the case
schema reports it at its cell: `file:人员!E5: 列“学历”`. What cannot be placed
at all — an unknown or repeated header, a sheet nobody reads, a row of an
unknown case — is a ReadError listing every such problem: never silently
ignored. Template sample rows (编号 示例-…) are skipped, with a warning.
"""
from __future__ import annotations

import codecs
import csv
import datetime as dt
import functools
import io
import re
import zipfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Iterable

from ..policy import schemas

from ..common import yamlio
from ..policy.model import Policy
from ..common.words import near
from ..common.locations import Located, Location, YamlError, locate, plain

__all__ = ["year_of", "get_path", "KINDS", "LAYOUT_FILE", "ReadError", "Column", "Repeat", "Months", "Entry", "SheetLayout", "Layout",
           "load_layout", "choices", "text", "parse", "month", "month_header", "column_letter", "Sheet",
           "Book", "open_book", "decode", "csv_siblings", "read"]

KINDS = ("people", "centers", "items")
LAYOUT_FILE = "roster.yaml"


class ReadError(ValueError):
    """The roster cannot be read as a whole; `problems` holds every (location, message) found, the first one first."""

    def __init__(self, location: Location, message: str, more: Iterable[tuple[Location, str]] = ()):
        super().__init__(f"{location}: {message}")
        self.location, self.message = location, message
        self.problems: list[tuple[Location, str]] = [(location, message), *more]

    @classmethod
    def of(cls, problems: list[tuple[Location, str]]) -> "ReadError":
        (location, message), *rest = problems
        return cls(location, message, rest)


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
    template_certificates: int = 3
    sample: dict | None = None               # the template's sample case ({year} stands for the year)

    def kind_of_sheet(self, name: str) -> str | None:
        return next((s.kind for s in self.sheets.values() if name in (s.name, *s.aliases)), None)


_SCHEMA_OF_KIND = {"people": "person", "centers": "center", "items": "item"}


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
    found = schemas.problems(plain(tree), "roster", name, tree) if isinstance(tree, dict) else []
    if not isinstance(tree, dict) or found:
        raise ReadError.of([(p.location, f"{p.path}: {p.message}") for p in found] or [(Location(name, 1, 1), "应为映射")])
    data = plain(tree)
    problems: list[tuple[Location, str]] = []
    sheets = {}
    for i, raw in enumerate(data["sheets"]):
        where = locate(tree, ["sheets", i], name)
        if raw["kind"] in sheets:
            problems.append((where, f"“{raw['kind']}”的表定义了两次"))
        sheets[raw["kind"]] = _sheet_layout(raw, policy, lambda p, m, i=i: problems.append(
            (locate(tree, ["sheets", i, *p], name), m)))
    for kind in ("case", *KINDS):
        if kind not in sheets:
            problems.append((Location(name, 1, 1), f"缺少 kind: {kind} 的表"))
    if problems:
        raise ReadError.of(problems)
    words = {str(w).lower(): value for value in (True, False) for w in data["booleans"]["true" if value else "false"]}
    cc = data["case_column"]
    template = data.get("template") or {}
    return Layout(name, sheets, Column(cc["header"], ("case",), "id", tuple(cc.get("aliases") or ())),
                  data["sample_prefix"], words, tuple(data["separators"]), tuple(data.get("ignored_sheets") or ()),
                  template.get("rows", 500), template.get("certificates", 3), template.get("sample"))


def _sheet_layout(raw: dict, policy: Policy, problem) -> SheetLayout:
    kind = raw["kind"]
    schema = schemas.schema("case")
    props = schema["properties"] if kind == "case" else schema["$defs"][_SCHEMA_OF_KIND[kind]]["properties"]
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
            entries.append(Repeat(c["repeat"], c["prefix"], parts))
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
    """One column per key of a map attribute of the person fact, headed by its label in facts.yaml."""
    attribute = policy.kinds["person"].attributes.get(c["each"]) if "person" in policy.kinds else None
    if c["each"] not in props or attribute is None or not attribute.fields:
        problem(["each"], f"“{c['each']}”不是 facts.yaml 中 person 带 fields 的映射字段")
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
        # a whole number as text; more digits than a count can have stays text, refused at its cell by the schema
        return int(float(shown)) if _INT.match(shown) and len(shown) <= 18 else shown
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


def _open_xlsx(path: Path) -> Book:
    from openpyxl import load_workbook
    from openpyxl.utils.exceptions import InvalidFileException
    try:
        wb = load_workbook(path, read_only=True, data_only=True)
    except FileNotFoundError:
        raise ReadError(Location(str(path)), "文件不存在") from None
    except (InvalidFileException, zipfile.BadZipFile, KeyError, OSError, ValueError) as e:
        raise ReadError(Location(str(path)), f"无法作为 xlsx 工作簿打开（{type(e).__name__}: {e}）") from None
    try:
        sheets = []
        for ws in wb.worksheets:
            ws.reset_dimensions()   # a dimension written wrong by another program must not cut rows off
            sheets.append(Sheet(ws.title, str(path), [tuple(r) for r in ws.iter_rows(values_only=True)]))
    finally:
        wb.close()
    return Book(sheets, meta={"format": "xlsx"})


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
    return {kind: path if kind == "people" else path.with_name(f"{path.stem}.{sheet.name}{path.suffix}")
            for kind, sheet in layout.sheets.items()}


def _open_csv(path: Path, layout: Layout) -> Book:
    book = Book([], meta={"format": "csv", "encodings": {}})
    for kind, file in csv_siblings(path, layout).items():
        if kind != "people" and not file.is_file():
            continue
        try:
            raw = file.read_bytes()
        except FileNotFoundError:
            raise ReadError(Location(str(file)), "文件不存在") from None
        try:
            content, encoding = decode(raw)
        except UnicodeDecodeError as e:
            raise ReadError(Location(str(file)), f"既不是 UTF-8/UTF-16 也不是 GB18030 编码的文本（第 {e.start} 字节）") from None
        book.meta["encodings"][str(file)] = encoding
        if encoding != "UTF-8":
            book.warnings.append(f"{file}：不是 UTF-8 编码，已按 {encoding} 读取")
        first = content.split("\n", 1)[0]
        delimiter = "\t" if "\t" in first and "," not in first else ","   # Excel's "Unicode text" is tab-separated
        try:
            rows = [tuple(r) for r in csv.reader(io.StringIO(content, newline=""), delimiter=delimiter)]
        except csv.Error as e:
            raise ReadError(Location(str(file)), f"CSV 格式有误：{e}") from None
        book.sheets.append(Sheet(layout.sheets[kind].name, str(file), rows))
    return book


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


@dataclass
class _Case:
    data: dict
    locations: dict[tuple, Location]
    at: Location
    year: int | None = None
    records: dict[str, list[tuple[dict, dict]]] = field(default_factory=lambda: {k: [] for k in KINDS})


def read(path: str | Path, policy: Policy) -> Located:
    """The roster as the case contract's tree, each value's path located at its cell (raises ReadError)."""
    layout = load_layout(policy)
    path = Path(path)
    book = open_book(path, layout)
    problems: list[tuple[Location, str]] = []
    by_kind = _classify(book.sheets, layout, problems, str(path))
    if "case" not in by_kind:
        where = csv_siblings(path, layout)["case"] if path.suffix.lower() == ".csv" else f"工作表“{layout.sheets['case'].name}”"
        problems.append((Location(str(path)), f"缺少{where}（案例编号、判定日、考核年度）"))
        raise ReadError.of(problems)
    cases, table = _read_cases(by_kind["case"], layout, problems)
    for kind in KINDS:
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


def year_of(data: dict) -> int | None:
    if isinstance(data.get("assessment_year"), int):
        return data["assessment_year"]
    as_of = data.get("as_of")
    return int(as_of[:4]) if isinstance(as_of, str) and re.match(r"^\d{4}-\d{2}-\d{2}$", as_of) else None


def _read_cases(sheet: Sheet, layout: Layout, problems: list) -> tuple[list[_Case], bool]:
    """The 案例 sheet: two columns (项目, 值) for one case, or a header row and one case per row."""
    spec = layout.sheets["case"]
    headers = {h: c for c in spec.columns for h in c.headers}
    rows = _rows(sheet)
    if not rows:
        problems.append((Location(sheet.file, sheet=sheet.name), f"工作表“{sheet.name}”是空的（应有案例编号、判定日、考核年度）"))
        return [], False
    first = rows[0][1]
    table = len(first) > 1 and text(first[1]) in headers
    cases = _case_table(sheet, rows, spec, layout, problems) if table else [_case_pairs(sheet, rows, headers, layout, problems)]
    for case in cases:
        case.year = year_of(case.data)
    return cases, table


def _case_pairs(sheet: Sheet, rows, headers: dict, layout: Layout, problems: list) -> _Case:
    case = _Case({}, {}, _cell(sheet, rows[0][0], 0, None))
    seen: dict[tuple, int] = {}     # field → the row that gave it
    for n, cells in rows:
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
            problems.append((where, f"不认识的表头“{h}”{near(h, known)}（表头见 {Path(layout.file).name} 的“{spec.name}”表）"))
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
        if i not in headed and text(value) is not None:
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
        record, locations = _record(sheet, n, cells, bindings, months, layout, case.year, problems)
        case.records[spec.kind].append((record, locations))
    if skipped:
        warnings.append(f"已跳过模板示例行（编号以“{layout.sample_prefix}”开头）：{'、'.join(skipped)}")


def _case_of(sheet: Sheet, n: int, cells: tuple, case_b: _Binding | None, ids: dict, cases: list[_Case],
             layout: Layout, problems: list) -> int | None:
    if not cases:
        return None
    if case_b is None:
        return 0
    value = text(cells[case_b.index]) if case_b.index < len(cells) else None
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
            year: int | None, problems: list) -> tuple[dict, dict]:
    """One row as a record and the location of each of its paths (empty cells located too)."""
    record: dict = {}
    locations: dict[tuple, Location] = {(): _cell(sheet, n, 0, None)}
    groups: dict[tuple[str, int], tuple[dict, dict]] = {}
    for b in bindings:
        if b.target == "case":
            continue
        where = _cell(sheet, n, b.index, b.header)
        value = parse(cells[b.index] if b.index < len(cells) else None, b.column.type, layout, year)
        if b.target == "repeat":
            name, number, part = b.path
            entry, where_parts = groups.setdefault((name, number), ({}, {}))
            where_parts.setdefault((), where)           # the group's first column locates the entry
            where_parts[(part,)] = where
            if value is not None:
                entry[part] = value
            continue
        if b.target == "month":
            key = b.month if isinstance(b.month, str) else (f"{year}-{b.month:02d}" if year is not None else b.header)
            path = (months, key)
        else:
            path = b.path
        if b.target == "month" and value is not None and get_path(record, path) is not None:
            problems.append((where, f"“{b.header}”与 {locations[path].cell}（“{locations[path].column}”）是同一月份，两处都有值"))
            continue
        locations[path] = where
        if value is not None:
            _put(record, path, value)
        if isinstance(value, list):   # a month list: each month is where the list is
            locations.update({path + (i,): where for i in range(len(value))})
    for name in dict.fromkeys(k[0] for k in groups):
        filled = sorted(number for (g, number), (entry, _) in groups.items() if g == name and entry)
        for index, number in enumerate(filled):
            entry, where_parts = groups[(name, number)]
            record.setdefault(name, []).append(entry)
            for sub, where in where_parts.items():
                locations[(name, index, *sub)] = where
    return record, locations


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
    locations: dict[tuple, Location] = {(): Location(file)}
    entries = []
    for i, case in enumerate(cases):
        prefix = ("cases", i) if table else ()
        data = dict(case.data)
        locations[prefix] = case.at
        for path, where in case.locations.items():
            locations[prefix + path] = where
        for kind in KINDS:
            if case.records[kind]:
                data[kind] = [r for r, _ in case.records[kind]]
                for j, (_, where) in enumerate(case.records[kind]):
                    for path, loc in where.items():
                        locations[prefix + (kind, j, *path)] = loc
        entries.append(data)
    tree = {"cases": entries} if table else (entries[0] if entries else {})
    return Located(tree, locations, file, warnings=book.warnings, meta=book.meta)
