"""`run.py analyze` out, for people: the analysis of every decision as a table, then what was found in each."""
from __future__ import annotations

from rich.console import Console
from rich.text import Text

from ..common.words import cn_date
from ..policy.model import Policy
from ..tools.analyze import Analysis
from .terminal import fitted_table, flowing, say

__all__ = ["render"]


def render(console: Console, policy: Policy, analysis: Analysis) -> None:
    """A table of every decision analysed, then each decision's gaps, conflicts, overlaps, masked rules and
    unneeded exceptions, with an example input each. Lines break where Chinese text may, never inside an id, a
    number or a word of the policy (engine/outputs/terminal.py)."""
    say(console, flowing(Text(f"{policy.document_number} 规则分析：穷举 {sum(d.enumerated for d in analysis.decisions):,} "
                              f"种输入，用时 {analysis.seconds:.1f} 秒", style="bold"), policy))
    dated = len({d.since for d in analysis.decisions}) > 1
    rows = []
    for d in analysis.decisions:   # the decision by its label, here and heading its section below
        rows.append([d.label + (f" {d.since}起" if dated else ""), f"{d.enumerated:,}" if d.finite else "未穷举",
                     _count(len(d.gaps)), str(len(d.overlaps)), _count(len(d.conflicts)),
                     "、".join(policy.rules[r].title for r in d.masked) or "0", str(len(d.unneeded_exceptions))])
    headers = ["决定", "穷举", "空缺", "重叠", "冲突", "从不胜出", "未用到的例外"]
    table = fitted_table(headers, rows, console.width, policy, right=(1, 2, 3, 4, 6), whole=(1,))
    if table is not None:
        console.print(table)
    else:   # too narrow for the columns: a decision a line
        for row in rows:
            say(console, flowing(Text(row[0], style="bold") + Text("：" + "，".join(f"{h} {v}" for h, v in
                                                                                    zip(headers[1:], row[1:]))), policy))
    for d in analysis.decisions:
        lines: list[Text] = []
        if not d.finite:
            lines.append(Text.assemble(("未穷举", "yellow"), f"：{d.reason}"))
        lines += [Text(f"抽象：{n}") for n in d.notes]
        for name, found in (("空缺", d.gaps), ("冲突", d.conflicts)):
            for g in found:
                lines.append(Text.assemble((name, "red"), f"（{g['count']} 种输入）{g['summary']}"))
                lines.append(Text(f"  例：{g['examples'][0]}"))
        lines += [Text(f"重叠（{o['count']} 种输入）{o['summary']}") for o in d.overlap_summary]
        if len(d.overlaps) > len(d.overlap_summary):
            lines.append(Text(f"（按结论归并；逐组 {len(d.overlaps)} 组见 --format json 的 overlaps）"))
        lines += [Text(f"从不胜出：“{policy.rules[r].title}”") for r in d.masked]
        lines += [Text(f"未用到的例外：{u['summary']}") for u in d.unneeded_exceptions]
        lines += [Text.assemble(("不一致", "red"), f"：{x}") for x in d.inconsistent]
        if lines:
            console.print()
            say(console, flowing(Text.assemble((d.label, "bold"), f"（{cn_date(d.since)}起的参数）" +
                                               (f"：穷举 {d.enumerated:,} 种输入，{d.seconds:.1f} 秒" if d.finite else "")),
                                 policy))
            for line in lines:
                say(console, flowing(Text("  ") + line, policy))
    total = sum(d.enumerated for d in analysis.decisions)
    console.print()
    say(console, flowing(f"共穷举 {total:,} 种输入，用时 {analysis.seconds:.1f} 秒；空缺 "
                         f"{sum(len(d.gaps) for d in analysis.decisions)} 处，冲突 "
                         f"{sum(len(d.conflicts) for d in analysis.decisions)} 处，重叠 "
                         f"{sum(len(d.overlaps) for d in analysis.decisions)} 组", policy))


def _count(n: int) -> Text:
    return Text(str(n), style="red" if n else "")
