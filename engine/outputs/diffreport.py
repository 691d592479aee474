"""`run.py diff` out: the terminal summary, the JSON, and a memo attachment (.md, .xlsx). All in Chinese, in the
policy's words (labels, titles, the wording of values); the JSON keeps ids. Names and ID numbers masked unless asked
otherwise (engine/common/privacy.py's helpers).

The terminal fits its width (80 columns in a pipe): the budget drops its least needed columns (the annual before
and after, then the monthly ones, then the head count — the totals are also said in a sentence) rather than cut a
center's id or an amount, and each change is a short block whose reasons break only where Chinese text may
(engine/outputs/terminal.py's `flowing`).
"""
from __future__ import annotations

import datetime as dt
import re
from pathlib import Path
from typing import Any

from rich.cells import cell_len
from rich.console import Console
from rich.padding import Padding
from rich.text import Text

from ..casefiles.labels import labels_of
from ..tools.diff import Change, Side
from .answer import decision_label
from .terminal import chrome, flowing, new_table, say
from ..common import outfiles
from ..common.privacy import mask_name, outward, printable, shown_id
from ..common.words import shown

__all__ = ["document", "reason_text", "version_line", "effective_line", "movement_text",
           "budget_note", "render", "markdown", "workbook"]


# The budget's columns: header, the row's key, how shown; in the order they are dropped when the width is short.
_BUDGET = [("{group}", "group"), ("判定日", "as_of"), ("{unit}数", "subjects_after"), ("月度·原", "before"), ("月度·新", "after"),
           ("月度·增减", "delta"), ("年度·原", "annual_before"), ("年度·新", "annual_after"), ("年度·增减", "annual_delta")]
_DROPPED_FIRST = ["annual_before", "annual_after", "before", "after", "subjects_after"]
_SIGNED = {"delta", "annual_delta"}


def document(base: Side, new: Side, found: list[Change], summary: dict, unmask: bool = False) -> dict:
    changes = []
    for c in found:
        entry = c.as_json()
        if c.name:
            entry["name"] = c.name if unmask else mask_name(c.name)
        entry["decision_label"] = _label(base, new, c.decision) if c.decision else None
        changes.append(entry)
    # the headers hold hashes (digest, commit): long digit runs that are not ID numbers, so they are not masked
    return {"base": base.header(), "new": new.header(), "changes": outward(changes, unmask), "summary": outward(summary, unmask)}


def _label(base: Side, new: Side, name: str | None) -> str:
    if name is None:
        return "记录错误"
    return decision_label(new.policy, name) if name in new.policy.decisions or name not in base.policy.decisions \
        else decision_label(base.policy, name)


def _who(c: Change, unmask: bool) -> str:
    who = shown_id(c.subject if c.subject is not None else "（整个案例）", unmask)
    if c.name:
        who += f" {printable(c.name if unmask else mask_name(c.name))}"
    return who


def reason_text(c: Change, limit: int | None = None) -> str:
    texts = _reasons(c, limit)
    return "；".join(texts) or "两版本的说明中未找到不同之处"


def _reasons(c: Change, limit: int | None = None) -> list[str]:
    texts = [r["text"] for r in c.reasons]
    if limit is not None and len(texts) > limit:
        texts = texts[:limit] + [f"等共{len(texts)}条"]
    return texts


def _money(v: Any) -> str:
    return f"{v:,.0f}" if isinstance(v, (int, float)) else str(v)


def _signed(v: Any) -> str:
    return f"{v:+,.0f}" if isinstance(v, (int, float)) else str(v)


def version_line(title: str, side: Side) -> str:
    commit = f" · 提交 {side.commit[:12]}" if side.commit else ""
    demo = f" · 【演示，非真实文件】{side.policy.demonstration}" if side.policy.demonstration else ""
    return f"{title}：{side.label} · {side.policy.document_number} 版本 {side.policy.version} · {side.policy.digest[:19]}{commit}{demo}"


def _days(base: Side, new: Side) -> dict[str, str]:
    """Each case's 判定日."""
    return {case: day.isoformat() for case, day in {**base.days, **new.days}.items()}


def effective_line(summary: dict) -> str | None:
    """From when the new version's changes apply: the first day of each changed parameter with its document, and
    what no date bounds (a rule, a fact's derivation, a reading)."""
    when = summary.get("effective") or {}
    by_day: dict[tuple[str, str | None], list[str]] = {}
    for p in when.get("parameters") or ():
        by_day.setdefault((p["since"], p.get("reference")), []).append(f"“{p['label']}”")
    parts = [f"自{day}起{'（依据' + ref + '）' if ref else ''}：" + "、".join(labels) for (day, ref), labels in sorted(by_day.items())]
    undated = [u for u in when.get("undated") or () if u["kind"] != "interpretation"]
    if undated:
        parts.append("不限日期：" + "、".join(f"规则“{u['title']}”" if u["kind"] == "rule" else f"“{u['label']}”的算法"
                                           for u in undated))
    readings = sum(1 for u in when.get("undated") or () if u["kind"] == "interpretation")
    if not parts and not readings:
        return None
    return "改变的适用日期：" + ("；".join(parts) or "无参数改变") + (f"；另有{readings}项解释改写" if readings else "")


def budget_note(summary: dict) -> str | None:
    """Why a center's budget does not move: its case is judged before the changes apply."""
    money, when = summary.get("allowance"), summary.get("effective") or {}
    if not money:
        return None
    early = sorted({r["case"] for r in money["by_group"].values() if r.get("before_effective") and r.get("case")})
    if not early:
        return None
    days = {r["case"]: r["as_of"] for r in money["by_group"].values() if r.get("case")}
    return (f"改变自{when['date']}起适用：判定日在此之前的案例 "
            + "、".join(f"{shown_id(c)}（判定日 {days[c]}）" for c in early) + " 仍按原规定判定，其各中心的预算增减为 0。")


def movement_text(move: dict, unit: str) -> str:
    """「新增为“是” 2 人，不再为“是” 0 人」; for favourable values 「新增为“合格/有条件合格” …」."""
    words = "/".join(shown(v) for v in move["values"])
    return f"新增为“{words}” {move['newly']} {unit}，不再为“{words}” {move['no_longer']} {unit}"


def _unit(side: Side, kind: str) -> str:
    """How a count of the kind reads (records.yaml `counted:`): 5 人, 2 个中心."""
    declared = side.policy.records.kinds.get(kind)
    spec = side.policy.kinds.get(kind)
    return declared.unit if declared else f"个{spec.label}" if spec else "个"


def _budget_words(side: Side, money: dict) -> dict[str, str]:
    """The budget's words for its rows and counts: what the money decision's subjects are grouped under (中心,
    the sheet of the record their first relation names) and how a count of them reads (人)."""
    decision = side.policy.decisions.get(money["decision"])
    kind = side.policy.records.kinds.get(decision.subject) if decision else None
    target = side.policy.records.kinds.get(kind.refs[kind.group]) if kind and kind.group else None
    group = labels_of(side.policy).sheets.get(target.list, target.label) if target else "分组"
    return {"group": group, "unit": kind.unit if kind else "个"}


def _moves(base: Side, new: Side, summary: dict) -> list[str]:
    return [f"{_label(base, new, name)}：{movement_text(m, _unit(new, m['subject']))}"
            for name, m in (summary.get("transitions") or {}).items() if m["newly"] or m["no_longer"]]


def _totals_line(money: dict, unit: str) -> str:
    t = money["total"]
    return (f"合计 {t['subjects_after']} {unit}：月度 {_money(t['before'])} → {_money(t['after'])}（{_signed(t['delta'])}），"
            f"年度 {_money(t['annual_before'])} → {_money(t['annual_after'])}（{_signed(t['annual_delta'])}）")


# --- the terminal -----------------------------------------------------------------------------

def _say(console: Console, text: str, policy=None, style: str = "", indent: int = 0) -> None:
    line = flowing(text, policy, style)
    if indent:
        console.print(Padding(line, (0, 0, 0, indent), expand=False))
    else:
        say(console, line)


def render(console: Console, base: Side, new: Side, found: list[Change], summary: dict, unmask: bool = False,
           show: int = 200) -> None:
    words = new.policy
    _say(console, Text.assemble((base.policy.document_number, "bold"), " 两个版本的比较"), words)
    _say(console, version_line("原版本", base), words)
    _say(console, version_line("新版本", new), words)
    _say(console, f"有变化的判定 {summary['changed_records']} 条，涉及 {summary['subjects_changed']} 个对象；"
                  f"仅一个版本出错的记录 {summary['errors_changed']} 条", words)
    line = effective_line(summary)
    if line:
        _say(console, line, words)
    if summary["by_decision"]:
        rows = [[_label(base, new, name), str(n)] for name, n in summary["by_decision"].items()]
        _table(console, "各判定的变化条数", ["判定", "变化"], rows, {1})
    _distribution(console, base, new, summary)
    _allowance(console, base, new, summary, unmask)
    for text in _moves(base, new, summary):
        _say(console, text, words)
    if found:
        _details(console, base, new, found, unmask, show)
    else:
        _say(console, "两个版本对每条记录的判定相同。", words, "green")


def _widths(headers: list[str], rows: list[list[str]]) -> list[int]:
    return [max([cell_len(h), *(cell_len(r[i]) for r in rows)]) for i, h in enumerate(headers)]


def _fits(headers: list[str], rows: list[list[str]], width: int) -> bool:
    return sum(_widths(headers, rows)) + chrome(len(headers)) <= width


def _table(console: Console, title: str, headers: list[str], rows: list[list[str]], right: set[int],
           bold_last: bool = False) -> bool:
    """A table whose every cell is whole (none is ever broken); False, printing nothing, when it does not fit."""
    if not _fits(headers, rows, console.width):
        return False
    table = new_table()
    for i, (h, w) in enumerate(zip(headers, _widths(headers, rows))):
        table.add_column(h, width=w, no_wrap=True, justify="right" if i in right else "left")
    for n, row in enumerate(rows):
        table.add_row(*row, style="bold" if bold_last and n == len(rows) - 1 else None)
    _say(console, title, style="italic")
    console.print(table)
    return True


def _distribution(console: Console, base: Side, new: Side, summary: dict) -> None:
    rows = []
    for name, d in summary["distribution"].items():
        for value in dict.fromkeys(list(d["before"]) + list(d["after"])):
            before, after = d["before"].get(value, 0), d["after"].get(value, 0)
            rows.append([_label(base, new, name), _value_word(value), str(before), str(after),
                         f"{after - before:+d}" if after != before else ""])
    if rows and not _table(console, "各判定取值的分布（原 → 新）", ["判定", "取值", "原", "新", "增减"], rows, {2, 3, 4}):
        for row in rows:
            _say(console, f"{row[0]}“{row[1]}”：{row[2]} → {row[3]}", new.policy)


def _value_word(key: str) -> str:
    return {"true": "是", "false": "否", "null": "（无）"}.get(key, key)


def _budget_cell(row: dict, key: str, unmask: bool) -> str:
    value = row.get(key)
    if key == "group":
        return shown_id(row.get("label_group") or value, unmask)
    if key == "as_of":
        return value or "—"
    if key == "subjects_after":
        return "" if value in (None, "") else str(value)
    return _signed(value) if key in _SIGNED else _money(value)


def _allowance(console: Console, base: Side, new: Side, summary: dict, unmask: bool = False) -> None:
    money = summary.get("allowance")
    if not money:
        return
    words = new.policy
    said = _budget_words(new, money)
    unit = said["unit"]
    _say(console, f"{_label(base, new, money['decision'])}：增加 {money['better']} {unit}，减少 {money['worse']} {unit}，"
                  f"不变 {money['unchanged']} {unit}", words)
    rows = [dict(r, label_group=c if r.get("case") is None else f"{r['case']}/{r['group']}")
            for c, r in money["by_group"].items()]
    rows.append(dict(money["total"], label_group="合计", as_of=None, subjects_after=money["total"]["subjects_after"]))
    keys = [k for _, k in _BUDGET]
    title = f"预算：{_label(base, new, money['decision'])}（年度 = 月度 × {money['per_year']}）"
    for drop in range(len(_DROPPED_FIRST) + 1):
        kept = [k for k in keys if k not in _DROPPED_FIRST[:drop]]
        headers = [h.format(**said) for h, k in _BUDGET if k in kept]
        cells = [[_budget_cell(r, k, unmask) for k in kept] for r in rows]
        cells[-1][kept.index("as_of")] = ""
        if _table(console, title, headers, cells, {i for i, k in enumerate(kept) if k not in ("group", "as_of")}, True):
            break
    else:   # not even the center, its date and the changes fit a line: a line per center
        _say(console, title, style="italic")
        for r in rows[:-1]:
            _say(console, f"{_budget_cell(r, 'group', unmask)}（判定日 {_budget_cell(r, 'as_of', unmask)}）：{r['subjects_after']} {unit}，"
                          f"月度 {_money(r['before'])} → {_money(r['after'])}（{_signed(r['delta'])}），年度 {_signed(r['annual_delta'])}",
                 words)
    _say(console, _totals_line(money, unit), words, "bold")
    note = budget_note(summary)
    if note:
        _say(console, note, words)


_VERSION_KINDS = ("parameter", "rule_added", "rule_removed", "rule_changed", "interpretation")


def _details(console: Console, base: Side, new: Side, found: list[Change], unmask: bool, show: int) -> None:
    """What differs between the versions, each said once and numbered (a parameter, a rule, a reading: the same for
    everyone it touches); then a block per change, under its case and 判定日: who, which decision, old → new, and
    its reasons — the numbers of the differences it rests on, the rule that now applies, the facts that moved. A
    change whose reasons are those of the one above says so."""
    words = new.policy
    days = _days(base, new)
    shown_found = found[:show]
    numbers: dict[str, int] = {}
    for c in shown_found:
        for r in c.reasons:
            if r["kind"] in _VERSION_KINDS:
                numbers.setdefault(r["text"], len(numbers) + 1)
    console.print()
    if numbers:
        _say(console, "两个版本的不同之处（下列变化的原因，按编号引用）", words, "bold")
        for text, n in numbers.items():
            _say(console, f"〔{n}〕{text}", words, indent=2)
    more = f"（共{len(found)}条，列出前{len(shown_found)}条；全部见 --report 或 --format json）" if len(found) > show else f"（{len(found)}条）"
    _say(console, "变化明细" + more, words, "bold")
    case, previous = None, None
    for c in shown_found:
        if c.case != case:
            case, previous = c.case, None
            day = f" · 判定日 {days[c.case]}" if c.case in days else ""
            _say(console, f"{shown_id(c.case, unmask)}{day}", words, "bold")
        _say(console, f"{_who(c, unmask)} · {_label(base, new, c.decision)}：{shown(c.old)} → {shown(c.new)}", words, indent=2)
        cited = "".join(f"〔{numbers[r['text']]}〕" for r in c.reasons if r["text"] in numbers)
        own = [r["text"] for r in c.reasons if r["text"] not in numbers]
        text = "原因：" + "；".join(([cited] if cited else []) + own) if cited or own else "两版本的说明中未找到不同之处"
        _say(console, "原因同上" if text == previous else text, words, "dim", indent=4)
        previous = text


# --- files ---------------------------------------------------------------------------------

def markdown(base: Side, new: Side, found: list[Change], summary: dict, unmask: bool = False) -> str:
    out = [f"# {base.policy.document_number} 两个版本的比较", "",
           f"- {version_line('原版本', base)}", f"- {version_line('新版本', new)}",
           f"- 有变化的判定 {summary['changed_records']} 条，涉及 {summary['subjects_changed']} 个对象；"
           f"仅一个版本出错的记录 {summary['errors_changed']} 条"]
    line = effective_line(summary)
    if line:
        out.append(f"- {line}")
    out.append("")
    money = summary.get("allowance")
    if money:
        said = _budget_words(new, money)
        unit = said["unit"]
        out += [f"## 预算：{_label(base, new, money['decision'])}（年度 = 月度 × {money['per_year']}）", "",
                f"增加 {money['better']} {unit}，减少 {money['worse']} {unit}，不变 {money['unchanged']} {unit}。"
                f"{_totals_line(money, unit)}。", "",
                f"| {said['group']} | 判定日 | {unit}数 | 月度·原 | 月度·新 | 月度·增减 | 年度·原 | 年度·新 | 年度·增减 |",
                "|---|---|--:|--:|--:|--:|--:|--:|--:|"]
        for center, r in list(money["by_group"].items()) + [("**合计**", dict(money["total"], as_of=None))]:
            out.append(f"| {_cell(shown_id(center, unmask))} | {r.get('as_of') or ''} | {r['subjects_after']} | {_money(r['before'])} | "
                       f"{_money(r['after'])} | {_signed(r['delta'])} | {_money(r['annual_before'])} | "
                       f"{_money(r['annual_after'])} | {_signed(r['annual_delta'])} |")
        note = budget_note(summary)
        out += ["", note, ""] if note else [""]
    out += ["## 各判定取值的分布", "", "| 判定 | 取值 | 原 | 新 | 增减 |", "|---|---|--:|--:|--:|"]
    for name, d in summary["distribution"].items():
        for value in dict.fromkeys(list(d["before"]) + list(d["after"])):
            b, a = d["before"].get(value, 0), d["after"].get(value, 0)
            out.append(f"| {_cell(_label(base, new, name))} | {_cell(_value_word(value))} | {b} | {a} | {a - b:+d} |")
    moves = _moves(base, new, summary)
    if moves:
        out += ["", "## 新增与不再", ""] + [f"- {m}" for m in moves]
    days = _days(base, new)
    out += ["", "## 变化明细", "", "| 案例 | 判定日 | 对象 | 判定 | 原 → 新 | 原因 |", "|---|---|---|---|---|---|"]
    for c in found:
        out.append(f"| {_cell(shown_id(c.case, unmask))} | {days.get(c.case, '')} | {_cell(_who(c, unmask))} | "
                   f"{_cell(_label(base, new, c.decision))} | {_cell(shown(c.old))} → {_cell(shown(c.new))} | {_cell(reason_text(c))} |")
    return "\n".join(out) + "\n"


def _cell(text: Any) -> str:
    return str(text).replace("|", "\\|").replace("\n", " ")


_AMOUNT = "#,##0"
_ISO_DAY = re.compile(r"\d{4}-\d{2}-\d{2}")
_DELTA = "+#,##0;-#,##0;0"


def _xlsx_value(value: Any) -> Any:
    """A determination's value as a spreadsheet cell holds it: a number as a number, a date as a date, else words."""
    if isinstance(value, bool) or value is None or isinstance(value, (list, tuple, dict)):
        return shown(value)
    if isinstance(value, (int, float, dt.date)):
        return value
    if isinstance(value, str) and _ISO_DAY.fullmatch(value):
        try:
            return dt.date.fromisoformat(value)
        except ValueError:
            pass
    return shown(value)


def workbook(path: str | Path, base: Side, new: Side, found: list[Change], summary: dict, unmask: bool = False) -> None:
    """汇总, 预算 and 变化明细: numbers stored as numbers (amounts as #,##0, changes signed), dates as dates, each
    column as wide as its contents (reasons wrapped), the header row bold and frozen."""
    from openpyxl import Workbook
    wb = Workbook()
    ws = wb.active
    ws.title = "汇总"
    outfiles.append_row(ws, ["项目", "内容", "原", "新"])
    for row in (("原版本", version_line("原版本", base)), ("新版本", version_line("新版本", new)),
                ("有变化的判定（条）", summary["changed_records"]), ("涉及对象（个）", summary["subjects_changed"]),
                ("仅一个版本出错的记录（条）", summary["errors_changed"])):
        outfiles.append_row(ws, list(row))
    line = effective_line(summary)
    if line:
        outfiles.append_row(ws, ["改变的适用日期", line.partition("：")[2]])
    money = summary.get("allowance")
    if money:
        label = _label(base, new, money["decision"])
        for what, key in (("增加", "better"), ("减少", "worse"), ("不变", "unchanged")):
            outfiles.append_row(ws, [f"{label}{what}（人）", money[key]])
        t = money["total"]
        outfiles.append_row(ws, [f"{label}月度合计", None, t["before"], t["after"]])
        outfiles.append_row(ws, [f"{label}年度合计", None, t["annual_before"], t["annual_after"]])
        for row in ws.iter_rows(min_row=ws.max_row - 1, min_col=3, max_col=4):
            for cell in row:
                cell.number_format = _AMOUNT
        note = budget_note(summary)
        if note:
            outfiles.append_row(ws, ["说明", note])
    for name, m in (summary.get("transitions") or {}).items():
        if m["newly"] or m["no_longer"]:
            words = "/".join(shown(v) for v in m["values"])
            unit = _unit(new, m["subject"])
            outfiles.append_row(ws, [f"{_label(base, new, name)}：新增为“{words}”（{unit}）", m["newly"]])
            outfiles.append_row(ws, [f"{_label(base, new, name)}：不再为“{words}”（{unit}）", m["no_longer"]])
    outfiles.append_row(ws, [])
    outfiles.append_row(ws, ["判定", "取值", "原", "新", "增减"])
    _bold(ws, ws.max_row)
    for name, d in summary["distribution"].items():
        for value in dict.fromkeys(list(d["before"]) + list(d["after"])):
            b, a = d["before"].get(value, 0), d["after"].get(value, 0)
            outfiles.append_row(ws, [_label(base, new, name), _value_word(value), b, a, a - b])
            ws.cell(row=ws.max_row, column=5).number_format = _DELTA
    sheets = [(ws, {1: 40, 2: 80})]
    if money:
        bs = wb.create_sheet("预算")
        said = _budget_words(new, money)
        outfiles.append_row(bs, [said["group"], "案例", "判定日", f"{said['unit']}数", "月度·原", "月度·新", "月度·增减", "年度·原", "年度·新",
                                 "年度·增减", "判定日早于改变适用之日"])
        total = dict(money["total"], group="合计", case=None, as_of=None, before_effective=None)
        for r in list(money["by_group"].values()) + [total]:
            outfiles.append_row(bs, [shown_id(r["group"], unmask), shown_id(r["case"], unmask) if r.get("case") else None,
                                     dt.date.fromisoformat(r["as_of"]) if r.get("as_of") else None, r["subjects_after"],
                                     r["before"], r["after"], r["delta"], r["annual_before"], r["annual_after"], r["annual_delta"],
                                     None if r.get("before_effective") is None else ("是" if r["before_effective"] else "否")])
            row = bs.max_row
            bs.cell(row=row, column=3).number_format = "yyyy-mm-dd"
            for col in (5, 6, 8, 9):
                bs.cell(row=row, column=col).number_format = _AMOUNT
            for col in (7, 10):
                bs.cell(row=row, column=col).number_format = _DELTA
        _bold(bs, bs.max_row)
        sheets.append((bs, {}))
    cs = wb.create_sheet("变化明细")
    outfiles.append_row(cs, ["案例", "判定日", "对象", "姓名", "判定", "原", "新", "原因"])
    days = _days(base, new)
    for c in found:
        outfiles.append_row(cs, [shown_id(c.case, unmask), dt.date.fromisoformat(days[c.case]) if c.case in days else None,
                                 shown_id(c.subject if c.subject is not None else "", unmask),
                                 (c.name if unmask else mask_name(c.name)) if c.name else "", _label(base, new, c.decision),
                                 _xlsx_value(c.old), _xlsx_value(c.new), reason_text(c)])
        row = cs.max_row
        cs.cell(row=row, column=2).number_format = "yyyy-mm-dd"
        for col in (6, 7):
            cell = cs.cell(row=row, column=col)
            if isinstance(cell.value, (dt.date, dt.datetime)):
                cell.number_format = "yyyy-mm-dd"
            elif isinstance(cell.value, (int, float)):
                cell.number_format = _AMOUNT if float(cell.value).is_integer() else "#,##0.00"
    sheets.append((cs, {8: 100}))
    for sheet, caps in sheets:
        _bold(sheet, 1)
        sheet.freeze_panes = "A2"
        _fit_columns(sheet, caps)
    outfiles.write_files({path: wb.save})


def _bold(sheet, row: int) -> None:
    from openpyxl.styles import Font
    for cell in sheet[row]:
        cell.font = Font(bold=True)


def _fit_columns(sheet, caps: dict[int, int]) -> None:
    """Each column as wide as its widest cell as shown (a Chinese character counts two), at most its cap (60
    unless given), longer text wrapped."""
    from openpyxl.styles import Alignment
    from openpyxl.utils import get_column_letter
    widest: dict[int, int] = {}
    for row in sheet.iter_rows():
        for cell in row:
            if cell.value is None:
                continue
            if isinstance(cell.value, (dt.date, dt.datetime)):
                width = 10
            elif isinstance(cell.value, (int, float)):
                width = len(f"{cell.value:+,.0f}")
            else:
                width = max(cell_len(line) for line in str(cell.value).split("\n"))
            widest[cell.column] = max(widest.get(cell.column, 0), width)
    for col, width in widest.items():
        cap = caps.get(col, 60)
        sheet.column_dimensions[get_column_letter(col)].width = min(width, cap) + 2
        if width > cap:
            for (cell,) in sheet.iter_rows(min_col=col, max_col=col, min_row=2):
                cell.alignment = Alignment(wrap_text=True, vertical="top")
