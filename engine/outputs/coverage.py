"""`run.py coverage` out, for people: each clause's status, and what the policy tests never exercise."""
from __future__ import annotations

from rich.console import Console
from rich.markup import escape
from rich.table import Table

from ..formula import expr
from ..policy.model import Policy
from ..tools.coverage import DESCRIPTIVE, ENCODED, OPEN, STATUS_LABEL, Coverage

__all__ = ["render"]


def render(console: Console, policy: Policy, cov: Coverage) -> None:
    """Every clause with its status, the totals, then the rules and parameter values no policy test exercises."""
    colour = {ENCODED: "green", DESCRIPTIVE: "dim", OPEN: "red"}
    table = Table(title=f"{policy.document_number} 条款覆盖（{len(cov.clauses)} 条）", show_lines=False)
    for column in ("条款", "标题", "状态", "规则 / 参数 / 理由"):
        table.add_column(column, overflow="fold")
    for c in cov.clauses:
        if c.status == ENCODED:
            what = "、".join(c.rules + tuple(f"param.{p}" for p in c.parameters) + tuple(f"派生:{d}" for d in c.derivations))
            what += f"\n[yellow]{escape(c.warning)}[/]" if c.warning else ""
        else:
            what = c.reason
        table.add_row(escape(c.clause), escape(c.title), f"[{colour[c.status]}]{STATUS_LABEL[c.status]}[/]",
                      what if c.warning else escape(what))
    console.print(table)
    console.print(f"已编码 {cov.count(ENCODED)}，说明性 {cov.count(DESCRIPTIVE)}，未编码 {cov.count(OPEN)}，"
                  f"共 {len(cov.clauses)} 条；可判定条款的编码率 {cov.percent:.1f}%", highlight=False)
    console.print(f"政策测试 {cov.tests} 条：未被任何测试检验的规则 {len(cov.untested_rules)} 条，"
                  f"参数取值 {len(cov.untested_parameters)} 项", highlight=False)
    if cov.untested_rules:
        rules = policy.rules
        t = Table(title="未被测试检验的规则（没有一条测试所检查的判定由它得出）")
        for column in ("规则", "标题", "条款"):
            t.add_column(column, overflow="fold")
        for r in cov.untested_rules:
            t.add_row(escape(r), escape(rules[r].title), escape(rules[r].clause))
        console.print(t)
    if cov.untested_parameters:
        t = Table(title="未被测试读取的参数取值（测试所检查的判定从未读取它）")
        for column in ("参数", "名称", "取值", "起始日", "条款"):
            t.add_column(column, overflow="fold")
        for u in cov.untested_parameters:
            head, _, rest = u.path.partition(".")
            parameter = policy.parameters[head]
            value = parameter.at(u.since).value if parameter.at(u.since) else None
            for key in rest.split(".") if rest else ():
                value = value.get(key) if isinstance(value, dict) else None
            t.add_row(escape(u.path), escape(parameter.label), escape(str(expr.plain(value))),
                      u.since.isoformat(), escape(u.clause or ""))
        console.print(t)
    for p in cov.problems:
        console.print(f"[yellow]注意[/] {escape(p)}", highlight=False)
