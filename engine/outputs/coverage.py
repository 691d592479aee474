"""`run.py coverage` out, for people: each clause's status, and what the policy tests never exercise."""
from __future__ import annotations

from rich.console import Console
from rich.padding import Padding
from rich.text import Text

from ..common.words import cn_date, shown
from ..formula import expr
from ..policy.model import Policy
from ..tools.coverage import DESCRIPTIVE, ENCODED, OPEN, STATUS_LABEL, Coverage
from .terminal import fitted_table, flowing, say

__all__ = ["render"]


def render(console: Console, policy: Policy, cov: Coverage) -> None:
    """Every clause with its status, the totals, then the rules and parameter values no policy test exercises, by
    their titles and labels. Tables and lines break where Chinese text may, never inside a rule's title or the
    policy's words (engine/outputs/terminal.py)."""
    colour = {ENCODED: "green", DESCRIPTIVE: "dim", OPEN: "red"}
    width = console.width
    say(console, flowing(Text(f"{policy.document_number} 条款覆盖（{len(cov.clauses)} 条）", style="bold"), policy))
    rows = []
    for c in cov.clauses:
        if c.status == ENCODED:
            what = Text(_encoded_by(policy, c.rules, c.parameters, c.derivations))
            if c.warning:
                what.append(f"\n{c.warning}", style="yellow")
        else:
            what = Text(c.reason)
        rows.append([c.clause, c.title, Text(STATUS_LABEL[c.status], style=colour[c.status]), what])
    table = fitted_table(["条款", "标题", "状态", "规则 / 参数 / 理由"], rows, width, policy, whole=(0, 2))
    if table is not None:
        console.print(table)
    else:   # a rule's title too long to share a line with the rest: a clause a block, its rules below
        for clause, title, status, what in rows:
            say(console, flowing(Text.assemble((f"{clause} {title}", "bold"), " ", status), policy),
                Padding(flowing(what, policy), (0, 0, 0, 2), expand=False))
    say(console, flowing(f"已编码 {cov.count(ENCODED)}，说明性 {cov.count(DESCRIPTIVE)}，未编码 {cov.count(OPEN)}，"
                         f"共 {len(cov.clauses)} 条；可判定条款的编码率 {cov.percent:.1f}%", policy),
        flowing(f"政策测试 {cov.tests} 条：未被任何测试检验的规则 {len(cov.untested_rules)} 条，"
                f"参数取值 {len(cov.untested_parameters)} 项", policy))
    if cov.untested_rules:
        rules = policy.rules
        say(console, flowing("未被测试检验的规则（没有一条测试所检查的判定由它得出）", policy, "italic"))
        _table(console, ["规则", "条款"], [[rules[r].title, rules[r].clause] for r in cov.untested_rules], policy)
    if cov.untested_parameters:
        rows = []
        for u in cov.untested_parameters:
            head, _, rest = u.path.partition(".")
            parameter = policy.parameters[head]
            value = parameter.at(u.since).value if parameter.at(u.since) else None
            for key in rest.split(".") if rest else ():
                value = value.get(key) if isinstance(value, dict) else None
            named = parameter.label + (f"（{'、'.join(rest.split('.'))}）" if rest else "")
            rows.append([named, shown(expr.plain(value), parameter.unit), cn_date(u.since), u.clause or ""])
        say(console, flowing("未被测试读取的参数取值（测试所检查的判定从未读取它）", policy, "italic"))
        _table(console, ["参数", "取值", "起始日", "条款"], rows, policy)
    for p in cov.problems:
        say(console, flowing(Text.assemble(("注意", "yellow"), f" {p}"), policy))


def _encoded_by(policy: Policy, rules, parameters, derivations) -> str:
    """What encodes a clause as an officer reads it: rules by their titles, parameters and derived facts by their
    labels (the JSON keeps the ids)."""
    def label(name: str) -> str:
        return next((found for kind in policy.kinds.values() if (found := kind.label_of(name))), name)
    parts = [("规则", [f"“{policy.rules[r].title}”" if r in policy.rules else r for r in rules]),
             ("参数", [policy.parameters[p].label if p in policy.parameters else p for p in parameters]),
             ("派生事实", [label(d) for d in derivations])]
    return "；".join(f"{head} {'、'.join(dict.fromkeys(names))}" for head, names in parts if names)


def _table(console: Console, headers: list[str], rows: list[list], policy: Policy) -> None:
    """A table when it fits; else each row a line, its values joined (never one cut inside)."""
    table = fitted_table(headers, rows, console.width, policy)
    if table is not None:
        console.print(table)
        return
    for row in rows:
        say(console, flowing("  " + " · ".join(f"{h} {v}" for h, v in zip(headers, row) if str(v)), policy))
