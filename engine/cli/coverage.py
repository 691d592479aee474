"""`run.py coverage`: each clause encoded, descriptive or open; the rules and values no policy test exercises."""
from __future__ import annotations

from ..outputs import answer
from . import options

__all__ = ["add_parser", "run"]


def add_parser(subparsers) -> None:
    co = subparsers.add_parser("coverage", help="条款覆盖：哪些条款已写成规则、哪些未写；哪些规则没有测试",
                               description="列出 source.txt 的每条条款：已编码（由哪些规则、参数引用）、说明性（clauses.yaml 的 "
                                           "descriptive: 写明理由）或未编码；并运行政策测试，读取其所检查判定的触发记录，列出从未被"
                                           "检验的规则和参数取值。",
                               epilog="示例：\n  python run.py coverage policies/suchen_2024\n"
                                      "  python run.py coverage policies/suchen_2024 --format json > 覆盖.json\n"
                                      "  python run.py coverage policies/suchen_2024 --fail-under 100\n\n"
                                      "退出码：0 完成；1 可判定条款的编码率低于 --fail-under；2 用法错误、政策无法加载。")
    options.add_policy_dir(co, "政策目录（默认 policies/suchen_2024）")
    options.add_format(co, ["table", "json"], options.FORMAT_HELP)
    co.add_argument("--fail-under", type=options.percent, default=None, metavar="N", dest="fail_under",
                    help="可判定条款（已编码＋未编码）中已编码的百分比低于 N 时退出码为 1")


def run(args) -> int:
    from ..tools import coverage
    from ..outputs import coverage as outputs
    policy = options.load_policy(args.policy)
    cov = coverage.coverage(policy)
    if args.format == "json":
        answer.write_json(cov.as_json(), indent=1)
    else:
        outputs.render(options.console(), policy, cov)
    if args.fail_under is not None and cov.percent < args.fail_under:
        options.console(stderr=True).print(f"[red]可判定条款的编码率 {cov.percent:.1f}% 低于 --fail-under {args.fail_under:g}%[/]",
                                           highlight=False)
        return 1
    return 0
