"""`run.py validate`: check a policy folder; every problem at once, with file:line:col."""
from __future__ import annotations

import argparse

from rich.markup import escape

from ..outputs import answer
from ..tools.validate import problems_of
from . import options

__all__ = ["add_parser", "run"]


def add_parser(subparsers) -> None:
    va = subparsers.add_parser("validate", help="check a policy folder; every problem at once, with file:line:col",
                               description="检查政策目录的每个文件，一次报告全部问题，各在出错的键或值的 文件:行:列："
                                           "YAML 语法、键与写法（提示“您是否想输入”）、名称、参数、条款引用与逐字引文（指出第一个不同的字）、"
                                           "参数中的数在所引条款原文中（或写明 reference 修改文件）、循环、永不适用的规则。",
                               epilog="示例：\n  python run.py validate\n  python run.py validate policies/suchen_2024 --format json\n\n"
                                      "退出码：0 通过（可有警告），1 有错误。JSON 的结构见 README“Validating and testing the policy”。",
                               formatter_class=argparse.RawDescriptionHelpFormatter)
    options.add_policy_dir(va)
    options.add_format(va, ["text", "json"])


def run(args) -> int:
    console = options.console()
    policy, problems = problems_of(args.policy)
    errors = [p for p in problems if p.severity == "error"]
    if args.format == "json":
        answer.write_json({"policy": args.policy, "valid": not errors, "problems": [p.as_json() for p in problems]},
                          indent=1)
        return 1 if errors else 0
    for p in problems:
        colour, word = ("red", "错误") if p.severity == "error" else ("yellow", "警告")
        console.print(f"[{colour}]{word}[/] {escape(str(p))}", highlight=False, soft_wrap=True)
    if errors:
        console.print(f"[red]{len(errors)} 处错误[/]：{escape(args.policy)}", highlight=False)
        return 1
    n_rules = len(policy.rules)
    console.print(f"[green]通过[/] {policy.document_number} v{policy.version}：{len(policy.decisions)} 项决定、"
                  f"{n_rules} 条规则、{len(policy.parameters)} 个参数、{len(policy.interpretations)} 条解释、"
                  f"{len(policy.clauses)} 个条款" + (f"；{len(problems)} 个警告" if problems else ""), highlight=False)
    return 0
