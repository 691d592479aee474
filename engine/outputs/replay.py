"""`run.py replay` out, for people: each logged determination with whether it reproduces, and the counts."""
from __future__ import annotations

from rich.console import Console
from rich.table import Table
from rich.text import Text

from ..common.words import shown
from ..policy.model import Policy
from ..tools.decisionlog import STATUS_LABELS, STATUSES, Outcome, summary

__all__ = ["STATUS_STYLES", "render", "summary_line", "replay_table"]

STATUS_STYLES = {"reproduced": "green", "different": "red", "policy_differs": "yellow", "input_differs": "magenta"}


def render(console: Console, policy: Policy, log: str, outcomes: list[Outcome]) -> None:
    """The policy replayed under, the table of records, the counts."""
    console.print(f"[bold]{policy.document_number}[/] 重放 {log} · 现行政策 {policy.id} 版本 {policy.version} · "
                  f"{policy.digest[:19]}", highlight=False)
    console.print(replay_table(outcomes, f"判定记录（{len(outcomes)}）"))
    console.print(summary_line(outcomes), highlight=False)


def summary_line(outcomes: list[Outcome]) -> str:
    counts = summary(outcomes)
    return f"共 {len(outcomes)} 条记录：" + "，".join(f"{STATUS_LABELS[s]} {counts[s]}" for s in STATUSES)


def replay_table(outcomes: list[Outcome], title: str) -> Table:
    table = Table(title=title, title_justify="left", header_style="bold")
    for column in ("记录", "案例", "对象", "判定", "状态"):
        table.add_column(column, no_wrap=True)
    for column in ("记录值", "现值", "说明"):
        table.add_column(column, overflow="fold")
    for o in outcomes:
        r = o.record
        table.add_row(r.decision_id[:8], r.case, r.subject, r.decision,
                      Text(STATUS_LABELS[o.status], style=STATUS_STYLES[o.status]),
                      shown(r.value), shown(o.now) if o.found else "",
                      o.detail)
    return table
