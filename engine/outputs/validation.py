"""`run.py validate` out: every problem of the policy folder (file:line:col), for people and as JSON."""
from __future__ import annotations

from rich.console import Console
from rich.markup import escape
from rich.text import Text

from ..common.problems import Problem
from ..policy.model import Policy
from .terminal import flowing, say

__all__ = ["as_json", "render"]


def as_json(path: str, problems: list[Problem]) -> dict:
    return {"policy": path, "valid": not any(p.severity == "error" for p in problems),
            "problems": [p.as_json() for p in problems]}


def render(console: Console, path: str, policy: Policy | None, problems: list[Problem]) -> None:
    """Each error and warning, then the count of errors, or what the valid policy holds."""
    errors = [p for p in problems if p.severity == "error"]
    for p in problems:
        colour, word = ("red", "错误") if p.severity == "error" else ("yellow", "警告")
        console.print(f"[{colour}]{word}[/] {escape(str(p))}", highlight=False, soft_wrap=True)
    if errors:
        console.print(f"[red]{len(errors)} 处错误[/]：{escape(path)}", highlight=False)
        return
    n_rules = len(policy.rules)
    say(console, flowing(Text.assemble(("通过", "green"), f" {policy.document_number} v{policy.version}：{len(policy.decisions)} "
                                       f"项决定、{n_rules} 条规则、{len(policy.parameters)} 个参数、"
                                       f"{len(policy.interpretations)} 条解释、{len(policy.clauses)} 个条款"
                                       + (f"；{len(problems)} 个警告" if problems else "")), policy))
