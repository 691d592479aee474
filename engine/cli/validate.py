"""`run.py validate`: check a policy folder; every problem at once, with file:line:col."""
from __future__ import annotations

from ..outputs import answer, validation
from ..tools.validate import problems_of
from . import options

__all__ = ["add_parser", "run"]


def add_parser(subparsers) -> None:
    va = subparsers.add_parser("validate", help="校验政策目录：一次列出全部问题，各在出错的文件、行、列",
                               description="检查政策目录的每个文件，一次报告全部问题，各在出错的键或值的 文件:行:列，并说明应当怎样："
                                           "YAML 语法、键与写法（提示“您是否想输入”）、名称、参数、条款引用与逐字引文（指出第一个不同的字）、"
                                           "参数中的数在所引条款原文中（或写明 reference 修改文件）、循环、永不适用的规则。"
                                           "改过政策文件后先运行它，再运行 test。",
                               epilog="示例：\n  python run.py validate\n  python run.py validate policies/suchen_2024 --format json\n\n"
                                      "json 的字段见 docs/policy-files.md。\n"
                                      "退出码：0 通过（可有警告）；1 有错误；2 用法错误。")
    options.add_policy_dir(va, "要校验的政策目录（默认 policies/suchen_2024）")
    options.add_format(va, ["text", "json"], "输出格式：text 供人阅读（默认）；json 供其他程序读取")


def run(args) -> int:
    policy, problems = problems_of(args.policy)
    if args.format == "json":
        answer.write_json(validation.as_json(args.policy, problems), indent=1)
    else:
        validation.render(options.console(), args.policy, policy, problems)
    return 1 if any(p.severity == "error" for p in problems) else 0
