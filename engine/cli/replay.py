"""`run.py replay`: re-decide the cases of a decision log and check that they reproduce."""
from __future__ import annotations

import argparse
from pathlib import Path

from rich.text import Text

from ..common.privacy import mask_text, printable
from ..outputs import replay, terminal
from ..pipeline.evaluate import evaluate_file
from ..tools import decisionlog
from . import options
from .options import UsageError

__all__ = ["EPILOG", "add_parser", "run"]

EPILOG = """\
examples:
  python run.py evaluate fixtures/roster_2025.yaml --log decisions.jsonl
  python run.py replay decisions.jsonl --cases fixtures/roster_2025.yaml
  python run.py replay decisions.jsonl --cases fixtures/roster_2025.yaml --format json | jq .summary

The log is read line by line, as it is replayed: a log of any size takes the same memory. A line that is not
a record (damaged, too long, nested too deep) is reported as FILE:LINE and costs that line only.
Exit status: 0 every record reproduced, 1 some did not or some lines are not records, 2 bad usage, a log that
cannot be read at all, or a policy that does not load.
"""


def add_parser(subparsers) -> None:
    rp = subparsers.add_parser("replay", help="re-decide the cases of a decision log and check that they reproduce",
                               description="Re-decide every case of CASEFILE under the policy and compare with each record "
                                           "of LOGFILE (written by `evaluate --log`): reproduced, different, "
                                           "policy_differs (logged under another policy digest) or input_differs "
                                           "(the case changed or is absent).",
                               epilog=EPILOG, formatter_class=argparse.RawDescriptionHelpFormatter)
    rp.add_argument("log", metavar="LOGFILE", help="a decision log (JSON lines) written by `evaluate --log`")
    options.add_cases(rp, "the case file the log was written from")
    options.add_policy(rp)
    options.add_format(rp, ["table", "json"], options.FORMAT_HELP)
    options.add_unmask(rp, "show ID numbers found in the log or the case file (masked by default)")


def run(args) -> int:
    err = options.console(stderr=True)
    try:
        items = decisionlog.open_log(args.log)   # opened now, read as it is replayed
    except decisionlog.LogError as e:
        raise UsageError(*(Text.assemble(("✗", "red"), " ", printable(p if args.unmask else mask_text(p)))
                           for p in e.problems)) from None
    if not Path(args.cases).is_file():
        raise UsageError(Text(f"{printable(args.cases)}: no such file", style="red"))
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
