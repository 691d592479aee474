"""`run.py appeal` out, for people: the appeal asked, the alternatives found (or why there are none), the search."""
from __future__ import annotations

from rich.console import Console
from rich.markup import escape
from rich.table import Table
from rich.text import Text

from ..common.privacy import mask_message, mask_name, printable, shown_id
from ..policy.model import Policy
from ..tools.appeal import Appeal, shown

__all__ = ["render", "render_problems"]


def render(console: Console, a: Appeal, policy: Policy, unmask: bool = False) -> None:
    """The appeal for people: who asks for what, then the alternatives (or why there are none) and the search."""
    head = Table.grid(padding=(0, 2))
    head.add_column(style="bold")
    head.add_column()
    name = printable((a.name if unmask else mask_name(a.name)) or "")
    head.add_row("申诉人", Text(f"{shown_id(a.subject, unmask)} {name}".strip() + f"（案例 {shown_id(a.case_id, unmask)}）"))
    head.add_row("决定", f"{policy.decisions[a.decision].label}（{a.decision}）")
    head.add_row("实际", shown(a.actual) if a.applicable else "不适用")
    head.add_row("期望", shown(a.want))
    console.print(head)
    s = a.search
    if a.reached:
        console.print("[green]实际已是期望值，无需改变[/]")
    elif a.alternatives:
        table = Table(title=f"可选方案（{len(a.alternatives)} 个，代价均为 {a.alternatives[0].cost}，改动少的在前）",
                      title_justify="left", header_style="bold", show_lines=True)
        table.add_column("#", no_wrap=True)
        table.add_column("改动", overflow="fold")
        table.add_column("代价", no_wrap=True)
        table.add_column("重新判定")
        for i, alt in enumerate(a.alternatives, 1):
            e = alt.explanation
            table.add_row(str(i), "\n".join(m.text for m in alt.moves), str(alt.cost),
                          f"{shown(alt.value)} ← {e.get('rule', '')} {e.get('clause', '')}".strip())
        console.print(table)
    else:
        console.print(f"[bold]可选方案[/]：[red]{a.unreachable}[/]", highlight=False)
    console.print(f"[dim]可改变的事实 {s.facts} 项、单项改动 {s.moves} 种；重新判定 {s.candidates} 个方案，"
                  f"用时 {s.seconds:.2f} 秒{'' if s.isolated else '（按整个案例判定）'}[/]", highlight=False)


def render_problems(console: Console, messages: list[str], unmask: bool = False) -> None:
    """Why the case file or the case cannot be read (the appeal is not searched)."""
    for message in messages:
        console.print(f"[red]✗[/] {escape(printable(message if unmask else mask_message(message)))}", highlight=False)
