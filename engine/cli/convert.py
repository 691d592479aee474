"""`run.py convert`: a case file from one of YAML, JSON, XLSX, CSV into another, losing nothing."""
from __future__ import annotations

from pathlib import Path

from rich.markup import escape

from ..common import privacy
from ..outputs import answer, terminal
from . import options
from .options import UsageError

__all__ = ["add_parser", "run"]


def add_parser(subparsers) -> None:
    cv = subparsers.add_parser("convert", help="在 YAML、JSON、XLSX、CSV 之间转换案例文件（不丢失内容）",
                               description="把案例文件转换为另一种格式（按扩展名）：.yaml .json .xlsx .csv。目标格式无法原样表示的内容"
                                           "逐项报错（位置及原因），不写文件，绝不悄悄丢弃。",
                               epilog=options.SHEETS_EPILOG)
    cv.add_argument("source", metavar="IN", help="输入：.yaml .json .xlsx .csv")
    cv.add_argument("target", metavar="OUT", help="输出：.yaml .json .xlsx .csv（CSV 另写 OUT.案例.csv 等）")
    options.add_policy(cv)
    options.add_format(cv, ["text", "json"], "报告格式：text 供人阅读（默认）；json 供其他程序读取（问题带字段路径）")
    options.add_unmask(cv, options.MASKED_HELP)


def run(args) -> int:
    from ..casefiles import sheetwrite
    err = options.console(stderr=True)
    options.need_file(args.source)
    policy = options.load_policy(args.policy)
    options.check_outputs(options.case_files(args.target, policy),
                          options.case_files(args.source, policy) + options.policy_files(policy))
    try:
        with options.writing(args.target):
            written, warnings = sheetwrite.convert(Path(args.source), Path(args.target), policy)
    except sheetwrite.ConvertError as e:
        if args.format == "json":
            answer.write_json(_report(args, [], [], e.problems), indent=1)
            return 2
        raise UsageError(*terminal.error_lines(e.problems, args.unmask),
                         f"[red]未写出 {escape(args.target)}：{len(e.problems)} 处问题[/]") from None
    if args.format == "json":
        answer.write_json(_report(args, written, warnings, []), indent=1)
        return 0
    for warning in warnings:
        err.print(f"[yellow]注意[/] {escape(warning)}", highlight=False)
    options.console().print(f"已写出 {escape('、'.join(map(str, written)))}", highlight=False, soft_wrap=True)
    return 0


def _report(args, written: list, warnings: list[str], problems: list) -> dict:
    """The JSON answer: the files written, the reader's warnings, each problem with its file, place and path."""
    errors = [p.as_json() if args.unmask else privacy.mask_error(p.as_json(), p.held) for p in problems]
    return privacy.outward({"source": args.source, "target": args.target, "written": [str(w) for w in written],
                            "warnings": warnings, "errors": errors}, args.unmask)
