"""Rosters out: a case file as an .xlsx workbook or .csv files, the empty template, and `convert` between formats.

The layout is the reader's (roster.yaml), so what is written reads back the
same. Each value written is read back through spreadsheet.parse before it is
kept: a value the target format cannot hold as it is — text with spaces at its
ends, a number written as text, a field without a column — is an error naming
the field, and nothing is written (never a silent drop). Empty lists and maps
are written as empty cells, which read back as absent: the contract treats
both alike (no certificates, no ratings).
"""
from __future__ import annotations

import copy
import dataclasses

import csv
import datetime as dt
import json
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ..policy import schemas

from . import formats, spreadsheet

from ..common import outfiles, yamlio
from ..common.limits import MAX_PROBLEMS, Flaw
from ..common.locations import YamlError, locate, plain
from ..policy.model import Policy
from .cases import CaseError, personal_of
from .labels import Labels, labels_of
from ..common.privacy import Personal
from .spreadsheet import Column, Layout, Repeat, SheetLayout

__all__ = ["FORMATS", "ConvertError", "Source", "OutSheet", "sheets_for", "files_of", "csv_files", "write_csv", "write_xlsx",
           "sample_tree", "template_notes", "write_template", "read_any", "convert"]

FORMATS = {".yaml": "yaml", ".yml": "yaml", ".json": "json", ".xlsx": "xlsx", ".csv": "csv"}
_MONTH_KEY = re.compile(r"^\d{4}-(0[1-9]|1[0-2])$")


class ConvertError(ValueError):
    """What cannot be read, or cannot be said in the target format; nothing was written. `problems` are case
    errors as every case file's: at the value's place in the source (第5行 第9列, 人员!E5), the field named by its
    label in the message, its path for the JSON answer."""

    def __init__(self, problems: list[CaseError]):
        super().__init__("\n".join(map(str, problems)))
        self.problems = problems


def _file_error(file: str | Path, message: str, omitted: int = 0) -> CaseError:
    """A problem of a whole file (its format, a limit), at no value."""
    return CaseError(str(file), None, "", None, None, message, omitted_errors=omitted)


def _read_errors(e: spreadsheet.ReadError) -> list[CaseError]:
    return [CaseError.at(p.location, None, "", p.message) for p in e.problems]


@dataclass
class Source:
    """Where the tree being converted came from, to say where a problem is: the file, its tree as read (with
    positions, or a spreadsheet's cells: `locate`), and the policy's labels for its fields."""
    file: str = ""
    root: Any = None
    labels: Labels = field(default_factory=Labels)
    personal: Personal | None = None     # which fields hold names (records.yaml), for masking a problem's quote

    def problem(self, steps: tuple, message: str, key: bool = False) -> CaseError:
        """A problem of the value at `steps` (keys and indices from the top of the file), at its place (`key`: at
        its key, for a key with no place in the sheets); the case and the record it is in, by their ids."""
        steps = tuple(steps)
        tree = self.root
        case, rest = None, steps
        if steps[:1] == ("cases",) and len(steps) >= 2 and isinstance(steps[1], int):
            case = _id_at(tree, steps[:2])
            rest = steps[2:]
        elif isinstance(tree, dict) and "cases" not in tree:
            case = _id_at(tree, ())
        subject = kind = None
        if len(rest) >= 2 and rest[0] in self.labels.lists and isinstance(rest[1], int):
            kind = rest[0]
            subject = _id_at(tree, steps[:len(steps) - len(rest) + 2])
        error = CaseError.at(locate(self.root, steps, self.file, key=key), case, schemas.path_text(steps), message,
                             subject, kind)
        return error if self.personal is None else dataclasses.replace(error, held=self.personal.of(error.path))

    def of(self, steps: tuple, tail: str) -> CaseError:
        """A problem whose message begins with the field's label: 学历应为…, 人员第3条应为…"""
        return self.problem(steps, f"{self.labels.of(tuple(steps))}{tail}")


def _id_at(tree: Any, steps: tuple) -> str | None:
    node = tree
    for step in steps:
        try:
            node = node[step]
        except (KeyError, IndexError, TypeError):
            return None
    value = node.get("id") if isinstance(node, dict) else None
    return str(value) if isinstance(value, (str, int)) and not isinstance(value, bool) else None


@dataclass
class OutSheet:
    kind: str                       # case | people | centers | items
    name: str
    header: list[str]
    columns: list[Column]           # each header's type and drop-down list
    rows: list[list[Any]] = field(default_factory=list)   # cell values: text, numbers, dates, 是/否
    pairs: bool = False             # the 案例 sheet of one case: 项目 | 值, no header row
    samples: int = 0                # leading rows that are the template's samples


# --- the tree as sheets ----------------------------------------------------------

def sheets_for(tree: Any, layout: Layout, target: str, template: bool = False,
               source: Source | None = None) -> list[OutSheet]:
    """The case file's tree as sheets for `target` (xlsx | csv); raises ConvertError naming what cannot be said,
    where it is in `source` (the file the tree was read from)."""
    source = source or Source(root=tree)
    problems: list[CaseError] = []
    if isinstance(tree, dict) and "cases" in tree:
        problems += [source.problem((k,), f"“cases:”旁的字段“{k}”在表格中没有位置：多个案例时，每个案例的字段应写在"
                                          "“cases:”的列表项里", key=True) for k in tree if k != "cases"]
        cases = tree["cases"] if isinstance(tree["cases"], list) else []
        if not isinstance(tree["cases"], list):
            problems.append(source.problem(("cases",), "“cases:”下应为案例的列表（每个案例以“- ”开头），"
                                                       f"实为{schemas.found_text(tree['cases'])}"))
        prefix = lambda i: ("cases", i)   # noqa: E731
        several = True
    elif isinstance(tree, dict):
        cases, prefix, several = [tree], (lambda i: ()), False
    else:
        raise ConvertError([source.problem((), "应为一个案例（id、as_of 等“键: 值”），或“cases:”下的案例列表，"
                                               f"实为{schemas.found_text(tree)}")])
    sheets = [_case_sheet(cases, layout, target, prefix, several, problems, source)]
    years = [spreadsheet.year_of(c, layout.years) if isinstance(c, dict) else None for c in cases]
    for kind in layout.kinds:
        records = []
        for i, case in enumerate(cases):
            entries = case.get(kind) if isinstance(case, dict) else None
            if entries is not None and not isinstance(entries, list):
                problems.append(source.of((*prefix(i), kind), f"应为记录的列表，实为{schemas.found_text(entries)}"))
                continue
            records += [(i, j, r) for j, r in enumerate(entries or [])]
        if records or template or (kind == layout.kinds[0] and target == "csv"):   # FILE.csv itself holds the first
            sheets.append(_record_sheet(kind, records, cases, years, layout, target, prefix, several, template,
                                        problems, source))
    if problems:
        raise ConvertError(problems)
    return sheets


def _case_sheet(cases: list, layout: Layout, target: str, prefix, several: bool, problems: list,
                source: Source) -> OutSheet:
    spec = layout.sheets["case"]
    known = {c.path[0] for c in spec.columns} | set(layout.kinds)
    sheet = OutSheet("case", spec.name, [c.header for c in spec.columns], list(spec.columns), pairs=not several)
    ids: dict[str, int] = {}
    for i, case in enumerate(cases):
        if not isinstance(case, dict):
            problems.append(source.of(prefix(i), f"应为一个案例（id、as_of 等“键: 值”），实为{schemas.found_text(case)}"))
            continue
        problems += [source.problem((*prefix(i), k), f"{spec.name}表中没有字段“{k}”的位置（可用："
                                                     f"{'、'.join(c.header for c in spec.columns)}）", key=True)
                     for k in case if k not in known]
        if several:
            key = str(case.get("id", ""))
            if "id" not in case or key in ids:
                problems.append(source.of((*prefix(i), "id"), "缺失：多个案例的名册靠案例编号区分各行" if "id" not in case
                                          else f"“{key}”与第{ids[key] + 1}个案例的相同：多个案例的名册靠案例编号区分各行"))
            ids.setdefault(key, i)
        cells = [_cell(case.get(c.path[0]), c, layout, target, None, (*prefix(i), c.path[0]), problems, source)
                 for c in spec.columns]
        if several:
            sheet.rows.append(cells)
        else:
            sheet.rows += [[c.header, v] for c, v in zip(spec.columns, cells) if v is not None]
    return sheet


def _record_sheet(kind: str, records: list, cases: list, years: list, layout: Layout, target: str, prefix,
                  several: bool, template: bool, problems: list, source: Source) -> OutSheet:
    spec = layout.sheets[kind]
    header: list[str] = [layout.case_column.header] if several else []
    columns: list[Column] = [layout.case_column] if several else []
    slots: list[tuple] = [("case",)] if several else []   # what fills each column: a field path, a group part, a month
    for entry in spec.entries:
        for h, column, slot in _entry_columns(entry, records, years, layout, template):
            header.append(h)
            columns.append(column)
            slots.append(slot)
    sheet = OutSheet(kind, spec.name, header, columns, samples=len(records) if template else 0)
    for i, j, record in records:
        where = (*prefix(i), kind, j)
        if not isinstance(record, dict):
            problems.append(source.of(where, f"应为一条记录（编号、各字段的“键: 值”），实为{schemas.found_text(record)}"))
            continue
        _check_keys(record, spec, where, problems, source)
        record_id = record.get("id")
        if not template and isinstance(record_id, str) and record_id.startswith(layout.sample_prefix):
            problems.append(source.of((*where, "id"), f"“{record_id}”以“{layout.sample_prefix}”开头，读入时会当作模板示例行跳过"))
        sheet.rows.append([_slot_cell(slot, column, record, cases[i], years[i], layout, target, where, problems, source)
                           for slot, column in zip(slots, columns)])
    return sheet


def _entry_columns(entry, records: list, years: list, layout: Layout, template: bool):
    """(header, column, slot) for one layout entry: a column; n numbered groups; the months used (1月…12月 always)."""
    if isinstance(entry, Column):
        return [(entry.header, entry, ("field", entry.path))]
    if isinstance(entry, Repeat):
        count = max([len(r.get(entry.field) or []) for _, _, r in records
                     if isinstance(r, dict) and isinstance(r.get(entry.field), list)] + [1])
        count = max(count, entry.groups) if template else count
        return [(entry.header(n, p), p, ("repeat", entry.field, n - 1, p.path[0]))
                for n in range(1, count + 1) for p in entry.parts]
    out = [(f"{m}月", entry.column, ("month", m)) for m in range(1, 13)]
    fixed = set()
    for i, _, r in records:
        months = r.get(entry.field) if isinstance(r, dict) else None
        for key in months if isinstance(months, dict) else ():
            if isinstance(key, str) and _MONTH_KEY.match(key) and not (years[i] and key.startswith(f"{years[i]}-")):
                fixed.add(key)
    return out + [(key, entry.column, ("month", key)) for key in sorted(fixed)]


def _check_keys(record: dict, spec: SheetLayout, where: tuple, problems: list, source: Source) -> None:
    """Every field of the record must have a column; maps and lists must have the shape the columns hold."""
    shape: dict = {}
    for e in spec.entries:
        if isinstance(e, Column):
            node = shape
            for step in e.path[:-1]:
                node = node.setdefault(step, {})
            node[e.path[-1]] = None
        elif isinstance(e, Repeat):
            shape[e.field] = [{p.path[0]: None for p in e.parts}]
        else:
            shape[e.field] = "months"
    _walk(record, shape, where, problems, source)


def _walk(value: Any, shape: Any, where: tuple, problems: list, source: Source) -> None:
    if isinstance(shape, dict):
        if not isinstance(value, dict):
            problems.append(source.of(where, f"应为“键: 值”的映射，实为{schemas.found_text(value)}，表格中无法表示"))
            return
        for k, v in value.items():
            if k not in shape:
                problems.append(source.problem((*where, k), f"名册没有字段“{k}”的列（roster.yaml 未定义）", key=True))
            elif shape[k] is not None:
                _walk(v, shape[k], (*where, k), problems, source)
    elif isinstance(shape, list):
        if not isinstance(value, list):
            problems.append(source.of(where, f"应为列表，实为{schemas.found_text(value)}，表格中无法表示"))
            return
        for j, v in enumerate(value):
            _walk(v, shape[0], (*where, j), problems, source)
    elif shape == "months":
        if not isinstance(value, dict):
            problems.append(source.of(where, f"应为按月份（如 2025-03）的映射，实为{schemas.found_text(value)}，"
                                             "表格中无法表示"))
            return
        problems += [source.problem((*where, k), f"{source.labels.of(where)}的键“{k}”不是年-月形式的月份"
                                                 "（如 2025-03），无法作为表头", key=True)
                     for k in value if not (isinstance(k, str) and _MONTH_KEY.match(k))]


def _slot_cell(slot: tuple, column: Column, record: dict, case, year: int | None, layout: Layout, target: str,
               where: tuple, problems: list, source: Source) -> Any:
    if slot[0] == "case":
        return _cell(case.get("id"), column, layout, target, year, where, problems, source)
    if slot[0] == "field":
        return _cell(spreadsheet.get_path(record, slot[1]), column, layout, target, year, (*where, *slot[1]), problems,
                     source)
    if slot[0] == "repeat":
        _, name, index, part = slot
        entries = record.get(name) if isinstance(record.get(name), list) else []
        entry = entries[index] if index < len(entries) and isinstance(entries[index], dict) else {}
        return _cell(entry.get(part), column, layout, target, year, (*where, name, index, part), problems, source)
    key = slot[1] if isinstance(slot[1], str) else (f"{year}-{slot[1]:02d}" if year else None)
    months = spreadsheet.get_path(record, column.path)
    value = months.get(key) if isinstance(months, dict) and key else None
    return _cell(value, column, layout, target, year, (*where, column.path[0], key), problems, source)


def _cell(value: Any, column: Column, layout: Layout, target: str, year: int | None, where: tuple, problems: list,
          source: Source) -> Any:
    """The cell for a value, checked by reading it back; a value that would not come back the same is a problem."""
    if value is None or value == [] or value == {}:
        return None
    value = _bare(value)
    if column.type == "bool" and isinstance(value, str) and value.strip().lower() in layout.booleans:
        value = layout.booleans[value.strip().lower()]     # 是/否 … in a YAML or JSON case file: read as the sheet reads it
    if column.type == "digits" and isinstance(value, (int, float)) and not isinstance(value, bool):
        problems.append(source.of(where, f"应按文本填写（加引号）：填的是数字 {schemas.found_text(value)}，"
                                         "数字会丢失末位 X 或末几位"))
        return None
    if isinstance(value, dict) or isinstance(value, list) and column.type != "months":   # where a cell holds one value
        problems.append(source.of(where, f"应为单个值，实为{'列表' if isinstance(value, list) else '映射'}，一个单元格放不下"))
        return None
    cell = _to_cell(value, column.type, target)
    if isinstance(cell, str) and _SURROGATE.search(cell):
        problems.append(source.of(where, f"填的{schemas.found_text(value)}含无法编码的字符（孤立的代理码位），"
                                         f"{target.upper()} 中无法保存"))
        return None
    if isinstance(cell, str) and target == "xlsx" and _ILLEGAL.search(cell):
        problems.append(source.of(where, f"填的{schemas.found_text(value)}含控制字符或 XML 不能容纳的字符，XLSX 中无法保存"))
        return None
    back = spreadsheet.parse(cell if target == "xlsx" else _csv_text(cell), column.type, layout, year)
    if not _same(back, value, column.type):
        problems.append(source.of(where, f"填的{schemas.found_text(value)}无法在 {target.upper()} 中原样表示"
                                         f"（读回为{schemas.found_text(back)}）"))
        return None
    return cell


def _flaws(tree: Any, at: tuple = ()):
    """The Flaws a reader left in a tree, in reading order, each with its path."""
    if isinstance(tree, Flaw):
        yield at, tree
    elif isinstance(tree, dict):
        for key, value in tree.items():
            yield from _flaws(value, (*at, key))
    elif isinstance(tree, list):
        for i, value in enumerate(tree):
            yield from _flaws(value, (*at, i))


_SURROGATE = re.compile("[\ud800-\udfff]")
_ILLEGAL = re.compile(r"[\000-\010\013\014\016-\037\ufffe\uffff]")   # what XML 1.0 cannot hold



def _to_cell(value: Any, kind: str, target: str) -> Any:
    if kind == "bool" and isinstance(value, bool):
        return "是" if value else "否"
    if kind == "date" and isinstance(value, str) and target == "xlsx" and re.match(r"^\d{4}-\d{2}-\d{2}$", value):
        try:
            return dt.date.fromisoformat(value)
        except ValueError:
            return value
    if kind == "months" and isinstance(value, list) and all(isinstance(v, str) for v in value):
        return "、".join(value)
    return value


def _csv_text(cell: Any) -> str:
    return cell.isoformat() if isinstance(cell, dt.date) else "" if cell is None else str(cell)


def _bare(value: Any) -> Any:
    """A number or yes/no as Python's own type: ruamel.yaml reads `0`, `00`, `1_000`, `0x1F` or `1.50` as ScalarInt,
    HexInt, ScalarFloat…, which keep how the YAML spelt them. A cell holds the value, and reads back as int or
    float: compared as that, 0 is 0 (it was refused as "无法原样表示（读回为 0）")."""
    from ruamel.yaml.scalarbool import ScalarBoolean
    if isinstance(value, ScalarBoolean):
        return bool(value)
    if isinstance(value, int) and not isinstance(value, bool) and type(value) is not int:
        return int(value)
    if isinstance(value, float) and type(value) is not float:
        return float(value)
    return value


def _same(back: Any, value: Any, kind: str) -> bool:
    """Read back as written; for an id, 4 and "4" are one id (the contract reads both as text)."""
    if kind == "id" and isinstance(back, (str, int)) and isinstance(value, (str, int)) \
            and not isinstance(back, bool) and not isinstance(value, bool):
        return str(back) == str(value)
    return type(back) is type(value) and back == value


# --- writers ----------------------------------------------------------------------

def files_of(path: str | Path, policy: Policy) -> list[Path]:
    """The files a case file is (read from or written to): a CSV roster and its siblings FILE.案例.csv … (raises
    ReadError when the policy has no roster layout); else the file itself."""
    path = Path(path)
    if path.suffix.lower() == ".csv":
        return list(dict.fromkeys(spreadsheet.csv_siblings(path, spreadsheet.load_layout(policy)).values()))
    return [path]


def csv_files(path: Path, layout: Layout, sheets: list[OutSheet]) -> dict[str, Path]:
    names = spreadsheet.csv_siblings(path, layout)
    return {s.kind: names[s.kind] for s in sheets}


def write_csv(sheets: list[OutSheet], path: Path, layout: Layout) -> list[Path]:
    """One file per sheet, UTF-8 with a BOM (so that Excel opens it as UTF-8): FILE.csv the people, FILE.案例.csv …;
    all written, or none."""
    def writer(sheet: OutSheet):
        def write(temporary: Path) -> None:
            with temporary.open("w", encoding="utf-8-sig", newline="") as f:
                w = csv.writer(f)
                if not sheet.pairs:
                    w.writerow([outfiles.csv_cell(h) for h in sheet.header])
                for row in sheet.rows:
                    w.writerow([_csv_text(outfiles.csv_cell(c)) for c in row])   # a number stays a number
        return write
    return outfiles.write_files({csv_files(path, layout, [s])[s.kind]: writer(s) for s in sheets})


def write_xlsx(sheets: list[OutSheet], path: Path, layout: Layout, policy: Policy, notes: list[str] | None = None) -> None:
    """A workbook officers can fill in: bold frozen headers, dates formatted, ID numbers as text, drop-down lists."""
    from openpyxl import Workbook
    wb = Workbook()
    wb.remove(wb.active)
    for sheet in sheets:
        ws = wb.create_sheet(sheet.name)
        if sheet.pairs:
            _pairs_sheet(ws, sheet)
        else:
            _table_sheet(ws, sheet, layout, policy)
    if notes and layout.ignored_sheets:
        ws = wb.create_sheet(layout.ignored_sheets[0])
        for line in notes:
            outfiles.append_row(ws, [line])
        ws.column_dimensions["A"].width = 110
    outfiles.write_files({path: wb.save})


_HEADER_FILL = "DDEBF7"
_SAMPLE_FONT = "808080"
_FORMATS = {"date": "yyyy-mm-dd", "id": "@", "digits": "@", "text": "@"}


def _put(ws, row: int, col: int, value: Any, kind: str):
    cell = outfiles.xlsx_cell(ws.cell(row=row, column=col, value=value))   # text that looks like a formula stays text
    if kind in _FORMATS:
        cell.number_format = _FORMATS[kind]
    return cell


def _pairs_sheet(ws, sheet: OutSheet) -> None:
    from openpyxl.styles import Font
    kinds = {c.header: c.type for c in sheet.columns}
    for r, (key, value) in enumerate(sheet.rows, 1):
        outfiles.xlsx_cell(ws.cell(row=r, column=1, value=key)).font = Font(bold=True)
        _put(ws, r, 2, value, kinds.get(key, "text"))
    ws.column_dimensions["A"].width = 14
    ws.column_dimensions["B"].width = 20


def _table_sheet(ws, sheet: OutSheet, layout: Layout, policy: Policy) -> None:
    from openpyxl.styles import Font, PatternFill
    from openpyxl.utils import get_column_letter
    bold, fill = Font(bold=True), PatternFill("solid", fgColor=_HEADER_FILL)
    for c, h in enumerate(sheet.header, 1):
        cell = outfiles.xlsx_cell(ws.cell(row=1, column=c, value=h))
        cell.font, cell.fill = bold, fill
        ws.column_dimensions[get_column_letter(c)].width = max(8, min(40, 2 * len(h) + 2))
    grey = Font(italic=True, color=_SAMPLE_FONT)
    for r, row in enumerate(sheet.rows, 2):
        for c, (value, column) in enumerate(zip(row, sheet.columns), 1):
            cell = _put(ws, r, c, value, column.type)
            if r - 2 < sheet.samples:
                cell.font = grey
    last = max(len(sheet.rows) + 1, layout.template_rows + 1)
    if sheet.samples:   # the template: blank rows formatted, so that dates and ID numbers are typed right
        for r in range(len(sheet.rows) + 2, last + 1):
            for c, column in enumerate(sheet.columns, 1):
                if column.type in _FORMATS:
                    ws.cell(row=r, column=c).number_format = _FORMATS[column.type]
    _drop_downs(ws, sheet, layout, policy, last)
    ws.freeze_panes = "B2"


def _drop_downs(ws, sheet: OutSheet, layout: Layout, policy: Policy, last: int) -> None:
    """One list validation per column with a vocabulary (学历, 等次, 证书类别/等级, 中心层级) or a yes/no."""
    from openpyxl.utils import get_column_letter
    from openpyxl.worksheet.datavalidation import DataValidation
    made: dict[tuple, DataValidation] = {}
    for c, column in enumerate(sheet.columns, 1):
        words = ["是", "否"] if column.type == "bool" else spreadsheet.choices(policy, column.choices)
        formula = '"' + ",".join(words) + '"'
        if not words or len(formula) > 255 or any("," in w for w in words):   # Excel's limit for an inline list
            continue
        key = tuple(words)
        if key not in made:
            made[key] = DataValidation(type="list", formula1=formula, allow_blank=True, showErrorMessage=True,
                                       errorTitle="不在可选范围内", error="请从下拉列表中选择：" + "、".join(words),
                                       promptTitle=column.header, prompt="可选：" + "、".join(words), showInputMessage=True)
            ws.add_data_validation(made[key])
        letter = get_column_letter(c)
        made[key].add(f"{letter}2:{letter}{last}")


# --- template and convert ---------------------------------------------------------------

def sample_tree(policy: Policy, layout: Layout, year: int) -> dict:
    """The case to fill in, with one sample row per sheet (编号 示例-…, skipped when read): roster.yaml's
    `template.sample`, `{year}` in it read as the year, `{sample}` as the sample prefix."""
    def fill(node):
        if isinstance(node, str):
            text = node.replace("{year}", str(year)).replace("{sample}", layout.sample_prefix)
            return int(text) if node == "{year}" else text
        if isinstance(node, dict):
            return {fill(k): fill(v) for k, v in node.items()}
        if isinstance(node, list):
            return [fill(v) for v in node]
        return node
    return fill(copy.deepcopy(layout.sample or {"id": "{year}", "as_of": "{year}-12-31"}))


def template_notes(layout: Layout, policy: Policy) -> list[str]:
    """The template's 说明 sheet: roster.yaml's `template: notes:`, the names of this roster filled in."""
    names = {"document_number": policy.document_number, "layout_file": Path(layout.file).name,
             "case_sheet": layout.sheets["case"].name, "sample_prefix": layout.sample_prefix,
             "case_column": layout.case_column.header}
    out = []
    for line in layout.notes:
        for key, value in names.items():
            line = line.replace("{" + key + "}", value)
        out.append(line)
    return out


def write_template(path: Path, policy: Policy, today: dt.date) -> list[Path]:
    layout = spreadsheet.load_layout(policy)
    target = FORMATS.get(path.suffix.lower())
    if target not in ("xlsx", "csv"):
        raise ConvertError([_file_error(path, "模板只能是 .xlsx 或 .csv")])
    sheets = sheets_for(sample_tree(policy, layout, today.year), layout, target, template=True)
    if target == "csv":
        return write_csv(sheets, path, layout)
    write_xlsx(sheets, path, layout, policy, template_notes(layout, policy))
    return [path]


def read_any(path: Path, policy: Policy) -> tuple[Any, list[str], Source]:
    """A case file of any format as the contract's plain tree, the reader's warnings, and where its values are."""
    kind = FORMATS.get(path.suffix.lower())
    if kind in ("xlsx", "csv"):
        try:
            tree = spreadsheet.read(path, policy)
        except spreadsheet.ReadError as e:
            raise ConvertError(_read_errors(e)) from None
        return plain(dict(tree)), tree.warnings, Source(str(path), tree, labels_of(policy), personal_of(policy))
    if kind is None:
        raise ConvertError([_file_error(path, f"不认识的格式（可用：{'、'.join(FORMATS)}）")])
    try:
        if kind == "json":   # read as every command reads a JSON case file (JSON, not YAML), with positions
            read = formats.parse(yamlio.read_case(path))
        else:
            read = yamlio.load(path)   # bounded as a policy file is (aliases expanded, nesting)
    except YamlError as e:
        raise ConvertError([_yaml_error(path, e)]) from None
    return plain(read), [], Source(str(path), read, labels_of(policy), personal_of(policy))


def _yaml_error(path: Path, e: YamlError) -> CaseError:
    """A case file that does not read, said as the case reader says it (its words for a syntax error, not the
    parser's English), else as yamlio found it."""
    try:
        formats.parse(yamlio.read_case(path))
    except YamlError as said:
        e = said
    return CaseError(str(path), None, "", e.location.line, e.location.col, e.message)


def convert(source: Path, target: Path, policy: Policy) -> tuple[list[Path], list[str]]:
    """Write `source` in `target`'s format (by extension); raises ConvertError and writes nothing if anything would be lost."""
    out = FORMATS.get(target.suffix.lower())
    if out is None:
        raise ConvertError([_file_error(target, f"不认识的格式（可用：{'、'.join(FORMATS)}）")])
    try:
        outfiles.check_not_input(files_of(target, policy), files_of(source, policy))
    except outfiles.OutputError as e:
        raise ConvertError([_file_error("", p) for p in e.problems]) from None
    except spreadsheet.ReadError as e:
        raise ConvertError(_read_errors(e)) from None
    tree, warnings, where = read_any(source, policy)
    flaws = [_flaw_error(where, at, flaw) for at, flaw in _flaws(tree)]
    if flaws:   # a value the reader could not give (a formula without its result, an error cell …): nothing to copy
        more = len(flaws) - MAX_PROBLEMS
        raise ConvertError(flaws[:MAX_PROBLEMS] + ([_file_error(source, f"……另有 {more:,} 处未列出", more)]
                                                   if more > 0 else []))
    if out == "json":
        # a lone surrogate (a JSON escape can carry one in) stays the escape it came as: UTF-8 cannot encode it
        text = _SURROGATE.sub(lambda m: f"\\u{ord(m.group()):04x}", json.dumps(tree, ensure_ascii=False, indent=1))
        outfiles.write_text(target, text + "\n")
        return [target], warnings
    if out == "yaml":
        _write_yaml(tree, target)
        return [target], warnings
    try:
        layout = spreadsheet.load_layout(policy)
    except spreadsheet.ReadError as e:
        raise ConvertError(_read_errors(e)) from None
    sheets = sheets_for(tree, layout, out, source=where)
    if out == "csv":
        return write_csv(sheets, target, layout), warnings
    write_xlsx(sheets, target, layout, policy)
    return [target], warnings


def _flaw_error(source: Source, at: tuple, flaw: Flaw) -> CaseError:
    """A value the reader could not give, at its cell (or the line the reader saw it on), named by its label."""
    error = source.of(at, f"：{flaw.message}")
    if flaw.line is None:
        return error
    return dataclasses.replace(error, line=flaw.line, col=flaw.col, sheet=None, cell=None, column=None)


def _write_yaml(tree: Any, target: Path) -> None:
    from ruamel.yaml import YAML
    y = YAML(typ="safe", pure=True)
    y.default_flow_style = False
    y.allow_unicode = True
    y.sort_base_mapping_type_on_output = False

    def write(temporary: Path) -> None:
        with temporary.open("w", encoding="utf-8") as f:
            y.dump(tree, f)
    outfiles.write_files({target: write})
