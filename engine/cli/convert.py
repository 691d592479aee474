"""`run.py convert`: a case file from one of YAML, JSON, XLSX, CSV into another, losing nothing."""
from __future__ import annotations

from pathlib import Path

from rich.markup import escape

from ..common import privacy
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


def run(args) -> int:
    from ..casefiles import sheetwrite, spreadsheet
    from ..casefiles.cases import personal_of
    err = options.console(stderr=True)
    options.need_file(args.source)
    policy = options.load_policy(args.policy)
    options.check_outputs(options.case_files(args.target, policy),
                          options.case_files(args.source, policy) + options.policy_files(policy))
    try:
        with options.writing(args.target):
            written, warnings = sheetwrite.convert(Path(args.source), Path(args.target), policy)
    except (sheetwrite.ConvertError, spreadsheet.ReadError) as e:
        lines = e.problems if isinstance(e, sheetwrite.ConvertError) else [str(p) for p in e.problems]
        personal = personal_of(policy)
        raise UsageError(*(f"[red]✗[/] {escape(_masked(line, personal))}" for line in lines),
                         f"[red]未写出 {escape(args.target)}：{len(lines)} 处问题[/]") from None
    for warning in warnings:
        err.print(f"[yellow]注意[/] {escape(warning)}", highlight=False)
    options.console().print(f"已写出 {escape('、'.join(map(str, written)))}", highlight=False)
    return 0


def _masked(line: str, personal) -> str:
    """A problem «path：message» with what it quotes masked as the value at that path deserves (a name as a name),
    as every case error is (privacy.mask_error)."""
    path, sep, message = line.partition("：")
    if not sep:
        return privacy.mask_text(line)
    return privacy.mask_text(path) + sep + privacy.mask_error({"message": message, "path": path}, personal.of(path))["message"]
