"""`run.py analyze`: every input of each decision through the compiled rules: gaps, overlaps, conflicts."""
from __future__ import annotations

from rich.markup import escape

from ..outputs import answer
from ..tools.questions import find_decision
from . import options
from .options import UsageError

__all__ = ["add_parser", "run"]


def add_parser(subparsers) -> None:
    an = subparsers.add_parser("analyze", help="规则分析：找出空缺、重叠、冲突和从不生效的规则",
                               description="检查规则是否完备、是否自相矛盾：对每项输入取值有限（或可归并为有限几类）的判定，"
                                           "把全部可能的输入组合交给规则引擎判定，报告：没有规则适用的输入（空缺）、多条规则同时成立时"
                                           "按声明的优先顺序谁胜出（重叠）、两条规则结论不同且没有优先顺序（冲突）、从不胜出的规则、"
                                           "从未用到的例外。取值无法归并为有限几类的判定如实说明，不抽样。",
                               epilog="示例：\n  python run.py analyze policies/suchen_2024\n"
                                      "  python run.py analyze --decision 年度考核等次\n"
                                      "  python run.py analyze policies/suchen_2024 --format json > 分析.json\n\n"
                                      "退出码：0 无空缺、无冲突；1 有空缺或冲突；2 用法错误、政策无法加载。")
    options.add_policy_dir(an, "政策目录（默认 policies/suchen_2024）")
    options.add_format(an, ["table", "json"], options.FORMAT_HELP)
    an.add_argument("--decision", metavar="NAME", action="append", default=[],
                    help="只分析这项判定，编号或中文名称均可（可重复）")


def run(args) -> int:
    from ..tools import analyze
    from ..outputs import analysis
    policy = options.load_policy(args.policy)
    for name in args.decision:
        if find_decision(policy, name)[0] is None:
            raise UsageError(f"[red]{escape(find_decision(policy, name)[1])}[/]")
    wanted = [find_decision(policy, n)[0] for n in args.decision] or None
    try:
        result = analyze.analyze(policy, wanted)
    except analyze.AnalysisError as e:
        raise UsageError(f"[red]{escape(str(e))}[/]", soft_wrap=True) from None
    if args.format == "json":
        answer.write_json(result.as_json(), indent=1)
    else:
        analysis.render(options.console(), policy, result)
    return 1 if result.has_problems else 0
