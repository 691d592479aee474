"""`run.py replay`: re-decide the cases of a decision log and check that they reproduce."""
from __future__ import annotations

from rich.text import Text

from ..common.privacy import mask_text, printable
from ..outputs import replay, terminal
from ..pipeline.evaluate import evaluate_file
from ..tools import decisionlog
from . import options
from .options import UsageError

__all__ = ["EPILOG", "add_parser", "run"]

EPILOG = """\
示例：
  python run.py evaluate fixtures/roster_2025.yaml --log 判定记录.jsonl
  python run.py replay 判定记录.jsonl --cases fixtures/roster_2025.yaml
  python run.py replay 判定记录.jsonl --cases fixtures/roster_2025.yaml --format json > 复核.json

每条记录的状态：已复现；结果不同（原结果 → 现结果）；政策版本不同（记录时用的是另一版本的政策）；输入不同（案例已改变或已不在案例文件中）。
判定记录逐行读取、边读边复核，再大的记录也只占同样多的内存；损坏的一行（不是判定记录、过长、嵌套过深）写明 文件:行，只影响这一行。
身份证号默认遮蔽，--unmask 原样显示。
退出码：0 每条记录都已复现；1 有记录未复现，或有行无法读取；2 用法错误、找不到或完全读不了判定记录、政策无法加载。
"""


def add_parser(subparsers) -> None:
    rp = subparsers.add_parser("replay", help="复核判定记录：按现行政策重新判定，逐条核对能否复现",
                               description="按政策重新判定案例文件中的每个案例，与判定记录（evaluate --log 或 letter --log 写下的 "
                                           "LOGFILE）逐条核对：已复现、结果不同、政策版本不同或输入不同。",
                               epilog=EPILOG)
    rp.add_argument("log", metavar="LOGFILE", help="判定记录（evaluate --log 写下的 .jsonl 文件）")
    options.add_cases(rp, "写下这些记录时判定的案例文件")
    options.add_policy(rp)
    options.add_format(rp, ["table", "json"], options.FORMAT_HELP)
    options.add_unmask(rp, "原样显示判定记录和案例文件中的身份证号（默认遮蔽）")


def run(args) -> int:
    err = options.console(stderr=True)
    try:
        items = decisionlog.open_log(args.log)   # opened now, read as it is replayed
    except decisionlog.LogError as e:
        raise UsageError(*(Text.assemble(("✗", "red"), " ", printable(p if args.unmask else mask_text(p)))
                           for p in e.problems)) from None
    options.need_file(args.cases)
    policy = options.load_policy(args.policy)
    case_file, results = evaluate_file(args.cases, policy)
    terminal.render_errors(err, case_file.errors, args.unmask)   # such cases are absent now: their records read input_differs
    ref = decisionlog.PolicyRef.of(policy)
    outcomes = decisionlog.replay(items, decisionlog.current(results), ref)
    if args.format == "json":
        tally = replay.write_json(outcomes, ref, args.unmask)
    else:
        tally = replay.render(options.console(), err, policy, args.log, outcomes, args.unmask)
    return 0 if tally.all_reproduced else 1
