"""`run.py appeal` out, for people: the appeal asked, the alternatives found (or why there are none), the search."""
from __future__ import annotations

from rich.console import Console
from rich.markup import escape
from rich.table import Table
from rich.text import Text

from ..common.privacy import mask_message, mask_name, printable, shown_id
from ..policy.model import Policy
from ..tools.appeal import Appeal
from ..common.words import shown
from .terminal import flowing, say

__all__ = ["render", "render_problems"]


def render(console: Console, a: Appeal, policy: Policy, unmask: bool = False) -> None:
    """The appeal for people: who asks for what, then the alternatives (or why there are none) and the search."""
    head = Table.grid(padding=(0, 2))
    head.add_column(style="bold")
    head.add_column()
    name = printable((a.name if unmask or not a.personal else mask_name(a.name)) or "")
    head.add_row("申诉人", Text(f"{shown_id(a.subject, unmask)} {name}".strip() + f"（案例 {shown_id(a.case_id, unmask)}）"))
    head.add_row("决定", policy.decisions[a.decision].label)
    head.add_row("实际", shown(a.actual) if a.applicable else "不适用")
    head.add_row("期望", shown(a.want))
    console.print(head)
    s = a.search
    if a.reached:
        console.print("[green]实际已是期望值，无需改变[/]")
    elif a.alternatives:
        _alternatives(console, a, policy)
    else:
        say(console, flowing(Text.assemble(("可选方案", "bold"), "：", (a.unreachable, "red")), policy))
    _excluded(console, a)
    say(console, flowing(f"可改变的事实 {s.facts} 项、单项改动 {s.moves} 种；重新判定 {s.candidates} 个方案，"
                          f"用时 {s.seconds:.2f} 秒{'' if s.isolated else '（按整个案例判定）'}", policy, "dim"))


def _title(policy: Policy, explanation: dict) -> str:
    """The rule that gives the value, by its title (its id is the JSON's)."""
    rule = policy.rules.get(explanation.get("rule", ""))
    return explanation.get("title") or (rule.title if rule is not None else str(explanation.get("rule", "")))


def _alternatives(console: Console, a: Appeal, policy: Policy) -> None:
    """One row per group of alternatives (another month of the same change is the same row); what a cost is, once."""
    rows = a.groups or []
    table = Table(title=f"可选方案（{len(rows)} 种，代价均为 {a.alternatives[0].cost}，改动少的在前）",
                  title_justify="left", header_style="bold", show_lines=True, expand=True)
    table.add_column("#", no_wrap=True)
    table.add_column("改动", overflow="fold", ratio=2)
    table.add_column("代价", no_wrap=True)
    table.add_column("重新判定", overflow="fold", ratio=1)
    for i, group in enumerate(rows, 1):
        first = group.members[0]
        e = first.explanation or next((m.explanation for m in a.alternatives if m.explanation), {})
        lines = [m.text for m in group.fixed] + _line(group)
        lines += [f"注意：{n['text']}" for n in dict((n["text"], n) for m in group.members for n in m.notes).values()]
        table.add_row(str(i), flowing("\n".join(lines), policy), str(group.cost),
                      flowing(f"{shown(first.value)} ← {_title(policy, e)} {e.get('clause', '')}".strip(), policy))
    console.print(table)
    if a.cost_means:
        say(console, flowing(a.cost_means, policy))


def _excluded(console: Console, a: Appeal) -> None:
    """The changes that would give the value but change another's determination: not offered, and why."""
    if not a.excluded_groups:
        return
    say(console, flowing(Text.assemble(("未采用的改变", "bold"), "（能得到期望值，但会改变他人或所在中心的判定；要保持这些"
                                         "判定，需他人的事实一并改变，不属本人申诉）：")))
    grid = Table.grid(padding=(0, 1))
    grid.add_column(no_wrap=True)
    grid.add_column()
    for group in a.excluded_groups:
        grid.add_row(" ✗", flowing("\n".join([m.text for m in group.fixed] + _line(group) + [f"会使{b}" for b in group.spaced])))
    console.print(grid)


def _line(group) -> list[str]:
    """A group's line; the places listed on their own line, apart by spaces, so that none is split."""
    return [group.head, " ".join(group.keys)] if group.head else [group.text]


def render_problems(console: Console, messages: list[str], unmask: bool = False) -> None:
    """Why the case file or the case cannot be read (the appeal is not searched)."""
    for message in messages:
        console.print(f"[red]✗[/] {escape(printable(message if unmask else mask_message(message)))}", highlight=False)
