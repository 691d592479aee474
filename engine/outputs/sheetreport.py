"""Determinations out as spreadsheets: `evaluate --format xlsx|csv`.

One row per subject with every determination as a column (headed by the
decision's Chinese label, the scenario companion's label for its companion)
and a reason column (each determination's rules by title, with their clauses); the
errors; a summary (how often each value occurs per decision, and the sums of
the numeric decisions per center — numeric because their values are numbers,
so no decision is named here); and the record account (读入 = 判定 + 出错).
Names are masked unless asked otherwise, as everywhere.
"""
from __future__ import annotations

import csv
import io
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TextIO

from ..formula import expr

from . import answer
from ..casefiles.cases import CaseFile, personal_of
from ..casefiles.labels import kinds_of
from ..pipeline.evaluate import CaseResult, account
from ..policy.model import Policy
from ..pipeline.resolve import Determination
from ..common.words import shown
from ..common import outfiles, privacy

__all__ = ["SIDE_TABLES", "REASON", "UNDECIDED", "FAILED", "Block", "Table", "Subjects", "cell", "reason",
           "subjects", "errors", "counts", "numeric_decisions", "center_sums", "books", "tables", "write_xlsx",
           "one_table", "write_csv_blocks", "csv_text", "csv_paths", "write_csv"]

SIDE_TABLES = ("错误", "汇总", "记录核对")   # the tables beside the determinations (CSV: FILE.错误.csv …)
REASON = "依据"
UNDECIDED = "记录有误，未判定（见“错误”表）"
FAILED = "本案例未能判定（见“错误”表）"


@dataclass
class Block:
    header: list[str]
    rows: list[list[Any]] = field(default_factory=list)
    title: str | None = None


@dataclass
class Table:
    name: str
    blocks: list[Block]


@dataclass
class Subjects:
    """The determinations of one kind of subject: its columns, and one row (a header → value map) per subject."""
    kind: str
    label: str
    columns: list[str]            # identifying columns, then decision labels, then the reason
    decisions: list[str]
    rows: list[dict[str, Any]] = field(default_factory=list)


# --- building ---------------------------------------------------------------------------

def cell(value: Any) -> Any:
    """A determination as a cell: numbers stay numbers, 是/否, lists joined with 、, nothing as an empty cell."""
    value = expr.plain(value)
    if value is None:
        return None
    if isinstance(value, (bool, list, tuple, dict)):
        return shown(value)
    return value


def _kind_of(policy: Policy, name: str) -> str:
    if name in policy.decisions:
        return policy.decisions[name].subject
    return next(d.subject for d in policy.decisions.values() if d.scenarios and d.scenarios.possible == name)


def reason(policy: Policy, rules: dict, d: Determination) -> str:
    """`年度考核等次：“好”累计2次以上且无“差”（二(二)8(2)）`: the decision, the titles of the rules behind its value and
    their clauses, as an officer reads them (the JSON answer keeps the rules' ids); the scenarios' clause where the
    value was worked out over every way the pending months may go."""
    owner = policy.decisions.get(d.decision) or next(
        x for x in policy.decisions.values() if x.scenarios and x.scenarios.possible == d.decision)
    label = answer.decision_label(policy, d.decision)
    if owner.scenarios and d.how in ("scenarios", "possible"):
        worked = "按各种可能推算" + ("，结果不一" if d.how == "scenarios" else "")
        return f"{label}：{worked}（{owner.scenarios.clause}）"
    ids = list(dict.fromkeys(f.rule.id for f in d.firings))
    return f"{label}：" + "、".join(f"{rules[i].title}（{rules[i].clause}）" for i in ids) if ids else "—"


def subjects(policy: Policy, results: list[CaseResult], unmask: bool) -> list[Subjects]:
    rules = policy.rules
    out = []
    # the record's own columns beside the decisions: facts.yaml `shown` (field → header) of each kind
    extras = {k: [(header, key) for key, header in policy.kinds[k].shown.items()] if k in policy.kinds else []
              for k, _, _ in kinds_of(policy)}
    for kind, plural, label in kinds_of(policy):
        names = [n for n in policy.output_decisions() if _kind_of(policy, n) == kind]
        labels = [answer.decision_label(policy, n) for n in names]
        table = Subjects(kind, label, ["案例", "编号", *(h for h, _ in extras[kind]), *labels, REASON], names)
        for result in results:
            values = {(d.subject, d.decision): d for d in result.determinations}
            for record in result.case.records.get(plural, []):
                row: dict[str, Any] = {"案例": _id(result.case.id, unmask),
                                       "编号": _id(record["id"], unmask)}
                for header, key in extras[kind]:
                    raw = record.get(key)
                    # as records.yaml marks the field: a person's name masked, a center's or an item's never
                    mark = personal_of(policy).of(f"{plural}[0].{key}")
                    row[header] = raw if unmask else privacy.mask_field(raw, mark)
                row["名称"] = row.get(extras[kind][0][0]) if extras[kind] else None   # the first shown column, for one_table
                reasons = []
                for name, head in zip(names, labels):
                    d = values.get((record["id"], name))
                    if d is not None:
                        row[head] = cell(d.value)
                        reasons.append(reason(policy, rules, d))
                row[REASON] = FAILED if result.failed else "；".join(reasons)
                table.rows.append(row)
            for r in result.case.rejected:
                if r.kind == plural:
                    table.rows.append({"案例": _id(result.case.id, unmask),
                                       "编号": _id(r.subject, unmask), REASON: UNDECIDED})
        if table.rows:
            out.append(table)
    return out


def _id(value: Any, unmask: bool) -> Any:
    """A case, subject or center id in a sheet: masked when it looks like an ID number (as everywhere), unless
    `unmask`; an id that is a number stays one."""
    if unmask or value is None:
        return value
    masked = privacy.mask_text(str(value))
    return value if masked == str(value) else masked


def errors(case_file: CaseFile, results: list[CaseResult], unmask: bool) -> Block:
    """One row per error: where it is in an officer's words (file, and 第5行 第9列 or 人员!E5), and the message,
    which names the field by its label (the field's path is the JSON answer's)."""
    decided = {r.case.id for r in results}
    found = [e for e in case_file.errors if e.case not in decided] + [e for r in results for e in r.errors]
    block = Block(["案例", "对象", "位置", "信息"])
    for e in found:
        shown_e = e.as_json() if unmask else privacy.mask_error(e.as_json(), e.held)
        where = " ".join(x for x in (e.file, e.place) if x)
        block.rows.append([_id(e.case, unmask), _id(e.subject, unmask),
                           where if unmask else privacy.mask_text(where), shown_e["message"]])
    return block


def counts(policy: Policy, results: list[CaseResult]) -> Block:
    """How often each value occurs, per decision, in the policy's order of decisions and values."""
    tally: dict[str, dict[str, int]] = {}
    for r in results:
        for d in r.determinations:
            value = cell(d.value)
            key = "（空）" if value is None else str(value)
            tally.setdefault(d.decision, {}).setdefault(key, 0)
            tally[d.decision][key] += 1
    block = Block(["决定", "取值", "个数"], title="各决定的取值分布")
    for name in policy.output_decisions():
        decision = policy.decisions.get(name)
        order = [str(cell(v)) for v in (decision.values or ())] if decision else []
        found = tally.get(name, {})
        for value in sorted(found, key=lambda v: (order.index(v) if v in order else len(order), _number_first(v))):
            block.rows.append([answer.decision_label(policy, name), value, found[value]])
    return block


def _number_first(text: str) -> tuple:
    try:
        return (0, float(text), "")
    except ValueError:
        return (1, 0.0, text)


def numeric_decisions(policy: Policy, results: list[CaseResult]) -> list[str]:
    """Decisions on a kind grouped under another (a person's, by center) every value of which is a number (the
    allowances): found from the values, not by name."""
    seen: dict[str, bool] = {}
    grouped = {k.name for k in policy.records.kinds.values() if k.group}   # kinds summed by the record they name
    for r in results:
        for d in r.determinations:
            value = expr.plain(d.value)
            if value is None or _kind_of(policy, d.decision) not in grouped:
                continue
            number = isinstance(value, (int, float)) and not isinstance(value, bool)
            seen[d.decision] = seen.get(d.decision, True) and number
    return [n for n in policy.output_decisions() if seen.get(n)]


def center_sums(policy: Policy, results: list[CaseResult], unmask: bool = False) -> Block:
    """The numeric decisions summed by the record their subjects are grouped under (a person's center: the first
    relation records.yaml declares for the kind the sums are of)."""
    names = numeric_decisions(policy, results)
    grouped = next((k for k in policy.records.kinds.values() if k.group and any(
        policy.decisions[n].subject == k.name for n in names)), None)
    called = {k: label for _, k, label in kinds_of(policy)}
    group_label = called.get(policy.records.kinds[grouped.refs[grouped.group]].list, "") if grouped else ""
    block = Block(["案例", group_label, f"{grouped.unit}数" if grouped else "",
                   *(answer.decision_label(policy, n) for n in names)], title=f"数值决定按{group_label}合计")
    total = [0] * len(names)
    people = 0
    for r in results:
        values = {(d.subject, d.decision): expr.plain(d.value) for d in r.determinations}
        centers: dict[str, list] = {}
        for p in r.case.records.get(grouped.list, []) if grouped else ():
            if not r.failed:
                centers.setdefault(p.get(grouped.group) or "（未分配）", []).append(p["id"])
        for center, ids in centers.items():
            sums = [sum(values.get((i, n)) or 0 for i in ids) for n in names]
            block.rows.append([_id(r.case.id, unmask), _id(center, unmask), len(ids), *sums])
            total = [a + b for a, b in zip(total, sums)]
            people += len(ids)
    block.rows.append(["合计", "", people, *total])
    return block


def books(policy: Policy, case_file: CaseFile, results: list[CaseResult]) -> Block:
    ledger = account(case_file, results)
    block = Block(["类别", "读入", "判定", "出错"])
    for _, plural, label in kinds_of(policy):
        v = ledger[plural]
        block.rows.append([label, v["read"], v["decided"], v["errored"]])
    block.rows.append(["核对", "平衡" if ledger["balanced"] else "不平衡（程序错误，请报告）", None, None])
    return block


def tables(policy: Policy, case_file: CaseFile, results: list[CaseResult], unmask: bool = False) -> list[Table]:
    """The workbook: 判定-人员/中心/事项, 错误, 汇总, 记录核对."""
    out = [Table(f"判定-{s.label}", [Block(s.columns, [[row.get(c) for c in s.columns] for row in s.rows])])
           for s in subjects(policy, results, unmask)]
    side = ([errors(case_file, results, unmask)], [counts(policy, results), center_sums(policy, results, unmask)],
            [books(policy, case_file, results)])
    return out + [Table(name, blocks) for name, blocks in zip(SIDE_TABLES, side)]


# --- writing ---------------------------------------------------------------------------

def write_xlsx(tables_: list[Table], path: Path) -> None:
    from openpyxl import Workbook
    from openpyxl.styles import Font, PatternFill
    from openpyxl.utils import get_column_letter
    wb = Workbook()
    wb.remove(wb.active)
    bold, fill = Font(bold=True), PatternFill("solid", fgColor="DDEBF7")
    for t in tables_:
        ws = wb.create_sheet(t.name)
        widths: dict[int, int] = {}
        for n, block in enumerate(t.blocks):
            if n:
                ws.append([])
            if block.title:
                outfiles.append_row(ws, [block.title])
                ws.cell(row=ws.max_row, column=1).font = Font(bold=True, size=12)
            outfiles.append_row(ws, block.header)
            for c in range(1, len(block.header) + 1):
                ws.cell(row=ws.max_row, column=c).font, ws.cell(row=ws.max_row, column=c).fill = bold, fill
            for row in block.rows:
                outfiles.append_row(ws, row)   # an id, name or note "=…" stays text
            for c, h in enumerate(block.header, 1):
                longest = max([len(str(h))] + [len(str(r[c - 1])) for r in block.rows[:200] if c - 1 < len(r) and r[c - 1] is not None])
                widths[c] = max(widths.get(c, 0), min(60, 2 * longest + 2))
        for c, w in widths.items():
            ws.column_dimensions[get_column_letter(c)].width = w
        if len(t.blocks) == 1 and not t.blocks[0].title:
            ws.freeze_panes = "C2" if t.name.startswith("判定") else "A2"
    outfiles.write_files({path: wb.save})


def one_table(policy: Policy, results: list[CaseResult], unmask: bool) -> Block:
    """Every subject in one table (for CSV): 案例, 类别, 编号, 名称, every decision's column, 依据."""
    groups = subjects(policy, results, unmask)
    labels = [answer.decision_label(policy, n) for n in policy.output_decisions()]
    header = ["案例", "类别", "编号", "名称", *labels, REASON]
    block = Block(header)
    for s in groups:
        for row in s.rows:
            row = dict(row, 类别=s.label)
            block.rows.append([row.get(h) for h in header])
    return block


def write_csv_blocks(blocks: list[Block], stream: TextIO) -> None:
    """The blocks one after another, a blank line between; text that would open as a formula gets a leading '."""
    w = csv.writer(stream)
    for n, block in enumerate(blocks):
        if n:
            w.writerow([])
        if block.title:
            w.writerow([outfiles.report_cell(block.title)])
        w.writerow([outfiles.report_cell(h) for h in block.header])
        w.writerows([["" if v is None else outfiles.report_cell(v) for v in row] for row in block.rows])


def csv_text(blocks: list[Block]) -> str:
    buffer = io.StringIO()
    write_csv_blocks(blocks, buffer)
    return buffer.getvalue()


def csv_paths(path: Path) -> list[Path]:
    """The files `write_csv` writes: FILE.csv, then FILE.错误.csv, FILE.汇总.csv, FILE.记录核对.csv."""
    path = Path(path)
    return [path] + [path.with_name(f"{path.stem}.{name}{path.suffix}") for name in SIDE_TABLES]


def write_csv(policy: Policy, case_file: CaseFile, results: list[CaseResult], path: Path, unmask: bool) -> list[Path]:
    """FILE.csv the determinations; FILE.错误.csv, FILE.汇总.csv, FILE.记录核对.csv beside it (UTF-8 with BOM, for
    Excel); all written, or none."""
    side = {t.name: t.blocks for t in tables(policy, case_file, results, unmask) if t.name in SIDE_TABLES}
    blocks = [[one_table(policy, results, unmask)]] + [side[name] for name in SIDE_TABLES]
    return outfiles.write_files({target: outfiles.text_writer(csv_text(b), "utf-8-sig", newline="")
                                 for target, b in zip(csv_paths(path), blocks)})
