"""`run.py diff` out: the terminal summary, the JSON, and a memo attachment (.md, .xlsx). All in Chinese;
names and ID numbers masked unless asked otherwise (engine/common/privacy.py's helpers)."""
from __future__ import annotations

from pathlib import Path
from typing import Any

from rich.console import Console
from rich.markup import escape
from rich.table import Table

from ..tools.diff import Change, Side
from .answer import decision_label
from ..common import outfiles
from ..common.privacy import mask_name, outward, printable, shown_id
from ..common.words import shown

__all__ = ["KIND_WORDS", "document", "reason_text", "version_line", "render", "markdown", "workbook"]

KIND_WORDS = {"person": "人", "center": "个中心", "item": "项事项"}


def document(base: Side, new: Side, found: list[Change], summary: dict, unmask: bool = False) -> dict:
    changes = []
    for c in found:
        entry = c.as_json()
        if c.name:
            entry["name"] = c.name if unmask else mask_name(c.name)
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
    texts = [r["text"] for r in c.reasons]
    if limit is not None and len(texts) > limit:
        texts = texts[:limit] + [f"等{len(texts)}条"]
    return "；".join(texts) or "两版本的说明中未找到不同之处"


def _money(v: Any) -> str:
    return f"{v:,.0f}" if isinstance(v, (int, float)) else str(v)


def version_line(title: str, side: Side) -> str:
    commit = f" · 提交 {side.commit[:12]}" if side.commit else ""
    demo = f" · 【演示，非真实文件】{side.policy.demonstration}" if side.policy.demonstration else ""
    return f"{title}：{side.label} · {side.policy.id} 版本 {side.policy.version} · {side.policy.digest[:19]}{commit}{demo}"


def render(console: Console, base: Side, new: Side, found: list[Change], summary: dict, unmask: bool = False,
           show: int = 200) -> None:
    console.print(f"[bold]{escape(base.policy.document_number)}[/] 两个版本的比较", highlight=False)
    console.print(escape(version_line("原版本", base)), highlight=False)
    console.print(escape(version_line("新版本", new)), highlight=False)
    console.print(f"有变化的判定 [bold]{summary['changed_records']}[/] 条，涉及 {summary['subjects_changed']} 个对象；"
                  f"仅一个版本出错的记录 {summary['errors_changed']} 条", highlight=False)
    if summary["by_decision"]:
        t = Table(title="各判定的变化条数")
        t.add_column("判定")
        t.add_column("变化", justify="right")
        for name, n in summary["by_decision"].items():
            t.add_row(escape(_label(base, new, name)), str(n))
        console.print(t)
    _distribution(console, base, new, summary)
    _allowance(console, base, new, summary.get("allowance"))
    _favourable(console, base, new, summary["favourable"])
    if found:
        t = Table(title=f"变化明细（前{min(show, len(found))}条，共{len(found)}条）" if len(found) > show else "变化明细")
        for col in ("案例", "对象", "判定", "原 → 新", "原因"):
            t.add_column(col, overflow="fold")
        for c in found[:show]:
            t.add_row(shown_id(c.case, unmask), escape(_who(c, unmask)), escape(_label(base, new, c.decision)),
                      escape(f"{shown(c.old)} → {shown(c.new)}"), escape(reason_text(c, 4)))
        console.print(t)
    else:
        console.print("[green]两个版本对每条记录的判定相同。[/]")


def _distribution(console: Console, base: Side, new: Side, summary: dict) -> None:
    rows = [(name, value, d["before"].get(value, 0), d["after"].get(value, 0))
            for name, d in summary["distribution"].items()
            for value in dict.fromkeys(list(d["before"]) + list(d["after"]))]
    if not rows:
        return
    t = Table(title="各判定取值的分布（原 → 新）")
    for col, justify in (("判定", "left"), ("取值", "left"), ("原", "right"), ("新", "right"), ("增减", "right")):
        t.add_column(col, justify=justify)
    for name, value, before, after in rows:
        t.add_row(escape(_label(base, new, name)), escape(_value_word(value)), str(before), str(after),
                  f"{after - before:+d}" if after != before else "")
    console.print(t)


def _value_word(key: str) -> str:
    return {"true": "是", "false": "否", "null": "（无）"}.get(key, key)


def _allowance(console: Console, base: Side, new: Side, money: dict | None) -> None:
    if not money:
        return
    label = _label(base, new, money["decision"])
    console.print(f"{escape(label)}：增加 [green]{money['better']}[/] 人，减少 [red]{money['worse']}[/] 人，"
                  f"不变 {money['unchanged']} 人", highlight=False)
    t = Table(title=f"补贴预算（元；年度 = 月度 × {money['per_year']}）")
    for col, justify in (("中心", "left"), ("人数", "right"), ("月度·原", "right"), ("月度·新", "right"), ("月度·增减", "right"),
                         ("年度·原", "right"), ("年度·新", "right"), ("年度·增减", "right")):
        t.add_column(col, justify=justify)
    for center, r in money["by_center"].items():
        t.add_row(printable(center), str(r["people_after"]), _money(r["before"]), _money(r["after"]), f"{r['delta']:+,.0f}",
                  _money(r["annual_before"]), _money(r["annual_after"]), f"{r['annual_delta']:+,.0f}")
    tot = money["total"]
    t.add_row("[bold]合计[/]", "", _money(tot["before"]), _money(tot["after"]), f"{tot['delta']:+,.0f}",
              _money(tot["annual_before"]), _money(tot["annual_after"]), f"{tot['annual_delta']:+,.0f}")
    console.print(t)


def _favourable(console: Console, base: Side, new: Side, moves: dict) -> None:
    lines = [f"{_label(base, new, name)}：新增符合 {m['newly']}，不再符合 {m['no_longer']}"
             for name, m in moves.items() if m["newly"] or m["no_longer"]]
    for line in lines:
        console.print(escape(line), highlight=False)


# --- files ---------------------------------------------------------------------------------

def markdown(base: Side, new: Side, found: list[Change], summary: dict, unmask: bool = False) -> str:
    out = [f"# {base.policy.document_number} 两个版本的比较", "",
           f"- {version_line('原版本', base)}", f"- {version_line('新版本', new)}",
           f"- 有变化的判定 {summary['changed_records']} 条，涉及 {summary['subjects_changed']} 个对象；"
           f"仅一个版本出错的记录 {summary['errors_changed']} 条", ""]
    money = summary.get("allowance")
    if money:
        out += [f"## 补贴（{_label(base, new, money['decision'])}）", "",
                f"增加 {money['better']} 人，减少 {money['worse']} 人，不变 {money['unchanged']} 人。", "",
                "| 中心 | 人数 | 月度·原 | 月度·新 | 月度·增减 | 年度·原 | 年度·新 | 年度·增减 |", "|---|--:|--:|--:|--:|--:|--:|--:|"]
        for center, r in list(money["by_center"].items()) + [("**合计**", dict(money["total"], people_after=""))]:
            out.append(f"| {_cell(center)} | {r['people_after']} | {_money(r['before'])} | {_money(r['after'])} | "
                       f"{r['delta']:+,.0f} | {_money(r['annual_before'])} | {_money(r['annual_after'])} | {r['annual_delta']:+,.0f} |")
        out.append("")
    out += ["## 各判定取值的分布", "", "| 判定 | 取值 | 原 | 新 | 增减 |", "|---|---|--:|--:|--:|"]
    for name, d in summary["distribution"].items():
        for value in dict.fromkeys(list(d["before"]) + list(d["after"])):
            b, a = d["before"].get(value, 0), d["after"].get(value, 0)
            out.append(f"| {_label(base, new, name)} | {_cell(_value_word(value))} | {b} | {a} | {a - b:+d} |")
    moves = [(n, m) for n, m in summary["favourable"].items() if m["newly"] or m["no_longer"]]
    if moves:
        out += ["", "## 新增符合与不再符合", ""] + [f"- {_label(base, new, n)}：新增符合 {m['newly']}，不再符合 {m['no_longer']}"
                                               for n, m in moves]
    out += ["", "## 变化明细", "", "| 案例 | 对象 | 判定 | 原 → 新 | 原因 |", "|---|---|---|---|---|"]
    for c in found:
        out.append(f"| {_cell(shown_id(c.case, unmask))} | {_cell(_who(c, unmask))} | {_label(base, new, c.decision)} | "
                   f"{_cell(shown(c.old))} → {_cell(shown(c.new))} | {_cell(reason_text(c))} |")
    return "\n".join(out) + "\n"


def _cell(text: Any) -> str:
    return str(text).replace("|", "\\|").replace("\n", " ")


def workbook(path: str | Path, base: Side, new: Side, found: list[Change], summary: dict, unmask: bool = False) -> None:
    from openpyxl import Workbook
    from openpyxl.styles import Font
    wb = Workbook()
    ws = wb.active
    ws.title = "汇总"
    outfiles.append_row(ws, ["项目", "内容"])
    for row in (("原版本", version_line("原版本", base)), ("新版本", version_line("新版本", new)),
                ("有变化的判定", summary["changed_records"]), ("涉及对象", summary["subjects_changed"]),
                ("仅一个版本出错的记录", summary["errors_changed"])):
        outfiles.append_row(ws, list(row))
    money = summary.get("allowance")
    if money:
        outfiles.append_row(ws, ["补贴增加人数", money["better"]])
        outfiles.append_row(ws, ["补贴减少人数", money["worse"]])
        outfiles.append_row(ws, ["补贴不变人数", money["unchanged"]])
    outfiles.append_row(ws, [])
    outfiles.append_row(ws, ["判定", "取值", "原", "新", "增减"])
    for name, d in summary["distribution"].items():
        for value in dict.fromkeys(list(d["before"]) + list(d["after"])):
            b, a = d["before"].get(value, 0), d["after"].get(value, 0)
            outfiles.append_row(ws, [_label(base, new, name), _value_word(value), b, a, a - b])
    for name, m in summary["favourable"].items():
        if m["newly"] or m["no_longer"]:
            outfiles.append_row(ws, [_label(base, new, name), "新增符合 / 不再符合", m["newly"], m["no_longer"]])
    if money:
        bs = wb.create_sheet("预算")
        outfiles.append_row(bs, ["中心", "人数", "月度·原", "月度·新", "月度·增减", "年度·原", "年度·新", "年度·增减"])
        for center, r in money["by_center"].items():
            outfiles.append_row(bs, [center, r["people_after"], r["before"], r["after"], r["delta"], r["annual_before"], r["annual_after"], r["annual_delta"]])
        t = money["total"]
        outfiles.append_row(bs, ["合计", None, t["before"], t["after"], t["delta"], t["annual_before"], t["annual_after"], t["annual_delta"]])
    cs = wb.create_sheet("变化明细")
    outfiles.append_row(cs, ["案例", "对象", "姓名", "判定", "原", "新", "原因"])
    for c in found:
        outfiles.append_row(cs, [shown_id(c.case, unmask), shown_id(c.subject if c.subject is not None else "", unmask),
                                 (c.name if unmask else mask_name(c.name)) if c.name else "", _label(base, new, c.decision),
                                 shown(c.old), shown(c.new), reason_text(c)])
    for sheet in wb.worksheets:
        for cell in sheet[1]:
            cell.font = Font(bold=True)
    outfiles.write_files({path: wb.save})
