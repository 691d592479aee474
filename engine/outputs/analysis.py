"""`run.py analyze` out, for people: the analysis of every decision as a table, then what was found in each."""
from __future__ import annotations

from rich.console import Console
from rich.markup import escape
from rich.table import Table

from ..policy.model import Policy
from ..tools.analyze import Analysis

__all__ = ["render"]


def render(console: Console, policy: Policy, analysis: Analysis) -> None:
    """A table of every decision analysed, then each decision's gaps, conflicts, overlaps, masked rules and
    unneeded exceptions, with an example input each."""
    table = Table(title=f"{policy.document_number} 规则分析：穷举 {sum(d.enumerated for d in analysis.decisions):,} 种输入，"
                        f"用时 {analysis.seconds:.1f} 秒")
    for column in ("决定", "穷举", "空缺", "重叠", "冲突", "从不胜出", "未用到的例外"):
        table.add_column(column, overflow="fold")
    dated = len({d.since for d in analysis.decisions}) > 1
    for d in analysis.decisions:
        enumerated = f"{d.enumerated:,}" if d.finite else "未穷举"
        table.add_row(escape(f"{d.label}（{d.decision}）" + (f" {d.since}起" if dated else "")), enumerated, _count(len(d.gaps), "red"),
                      str(len(d.overlaps)), _count(len(d.conflicts), "red"), escape("、".join(d.masked)) or "0",
                      str(len(d.unneeded_exceptions)))
    console.print(table)
    for d in analysis.decisions:
        lines = []
        if not d.finite:
            lines.append(f"[yellow]未穷举[/]：{escape(d.reason)}")
        lines += [f"抽象：{escape(n)}" for n in d.notes]
        lines += [f"[red]空缺[/]（{g['count']} 种输入）{escape(g['summary'])}\n    例：{escape(g['examples'][0])}" for g in d.gaps]
        lines += [f"[red]冲突[/]（{c['count']} 种输入）{escape(c['summary'])}\n    例：{escape(c['examples'][0])}" for c in d.conflicts]
        lines += [f"重叠（{o['count']} 种输入）{escape(o['summary'])}" for o in d.overlap_summary]
        if len(d.overlaps) > len(d.overlap_summary):
            lines.append(f"（按结论归并；逐组 {len(d.overlaps)} 组见 --format json 的 overlaps）")
        lines += [f"从不胜出：{escape(r)}（{escape(policy.rules[r].title)}）" for r in d.masked]
        lines += [f"未用到的例外：{escape(u['summary'])}" for u in d.unneeded_exceptions]
        lines += [f"[red]不一致[/]：{escape(x)}" for x in d.inconsistent]
        if lines:
            console.print(f"\n[bold]{escape(d.label)}[/]（{escape(d.decision)}；{d.since}起的参数）" +
                          (f"：穷举 {d.enumerated:,} 种输入，{d.seconds:.1f} 秒" if d.finite else ""), highlight=False)
            for line in lines:
                console.print("  " + line, highlight=False)
    total = sum(d.enumerated for d in analysis.decisions)
    console.print(f"\n共穷举 {total:,} 种输入，用时 {analysis.seconds:.1f} 秒；空缺 {sum(len(d.gaps) for d in analysis.decisions)} 处，"
                  f"冲突 {sum(len(d.conflicts) for d in analysis.decisions)} 处，重叠 {sum(len(d.overlaps) for d in analysis.decisions)} 组",
                  highlight=False)


def _count(n: int, colour: str) -> str:
    return f"[{colour}]{n}[/]" if n else "0"
