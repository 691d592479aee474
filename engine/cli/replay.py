"""`run.py replay`: re-decide the cases of a decision log and check that they reproduce."""
from __future__ import annotations

import argparse
from pathlib import Path

from ..outputs import answer, replay, terminal
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

Exit status: 0 every record reproduced, 1 some did not, 2 bad usage, unreadable log (FILE:LINE) or policy.
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


def run(args) -> int:
    err = options.console(stderr=True)
    try:
        records = decisionlog.read(args.log)
    except decisionlog.LogError as e:
        raise UsageError(*(f"[red]✗[/] {problem}" for problem in e.problems)) from None
    if not Path(args.cases).is_file():
        raise UsageError(f"[red]{args.cases}: no such file[/]")
    policy = options.load_policy(args.policy)
    case_file, results = evaluate_file(args.cases, policy)
    terminal.render_errors(err, case_file.errors)   # such cases are absent now: their records read input_differs
    ref = decisionlog.PolicyRef.of(policy)
    outcomes = decisionlog.replay(records, decisionlog.current(results), ref)
    if args.format == "json":
        answer.write_json(decisionlog.replay_json(outcomes, ref))
    else:
        replay.render(options.console(), policy, args.log, outcomes)
    return 0 if all(o.status == "reproduced" for o in outcomes) else 1
