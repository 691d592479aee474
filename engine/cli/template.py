"""`run.py template`: a blank roster workbook (sheets, headers, an example row, drop-downs, date formats)."""
from __future__ import annotations

import datetime as dt
from pathlib import Path

from rich.markup import escape

from ..outputs import terminal
from . import options
from .options import UsageError

__all__ = ["add_parser", "run"]


def add_parser(subparsers) -> None:
    tp = subparsers.add_parser("template", help="写出空白名册模板（.xlsx：表头、示例行、下拉框、日期格式）",
                               description="写出一份空白名册：roster.yaml 中的每张表和每个表头，每张表一行示例（编号以“示例”开头，"
                                           "读入时跳过），学历、等次、证书类别/等级、中心层级与是/否的下拉框，日期格式。",
                               epilog=options.SHEETS_EPILOG)
    tp.add_argument("out", metavar="FILE.xlsx", help="要写出的模板（.xlsx；.csv 则只有表头和示例行）")
    options.add_policy(tp)


def run(args) -> int:
    from ..casefiles import sheetwrite, spreadsheet
    policy = options.load_policy(args.policy)
    options.check_outputs(options.case_files(args.out, policy), options.policy_files(policy))
    try:
        with options.writing(args.out):
            written = sheetwrite.write_template(Path(args.out), policy, dt.date.today())
    except (sheetwrite.ConvertError, spreadsheet.ReadError) as e:
        raise UsageError(*terminal.error_lines(e.problems)) from None
    options.console().print(f"已写出模板 {escape('、'.join(map(str, written)))}", highlight=False,
                            soft_wrap=True)   # a path is kept whole, as in a message
    return 0
