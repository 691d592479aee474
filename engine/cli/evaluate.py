"""`run.py evaluate`: decide every case of a case file; the determinations as tables and trees, JSON or sheets."""
from __future__ import annotations

import argparse
import sys
from pathlib import Path

from rich.markup import escape

from ..casefiles.cases import load_cases
from ..common import privacy
from ..explain.trace import Trace
from ..explain.why import Why
from ..explain.whynot import WhyNot
from ..outputs import answer, progress, terminal
from ..pipeline import parallel
from ..pipeline.evaluate import Evaluator, account
from ..common.words import parse_value
from ..tools.questions import check_subject, check_value, find_decision, subjects_of
from . import options
from .options import UsageError

__all__ = ["EPILOG", "add_parser", "run"]

EPILOG = """\
examples:
  python run.py evaluate fixtures/roster_2025.yaml
  python run.py evaluate fixtures/roster_2025.yaml --format json > determinations.json
  python run.py evaluate fixtures/roster_2025.yaml --subject P11 --explain
  python run.py evaluate fixtures/roster_2025.yaml --subject P11 --why-not 优秀 --decision annual_grade
  python run.py evaluate fixtures/roster_2025.yaml --log decisions.jsonl

A case file holds one case or many under `cases:` (see README, "Case files").
Names and ID numbers are masked unless --unmask is given.
Exit status: 0 all cases evaluated, 1 some case had errors, 2 bad usage or policy.
"""


def add_parser(subparsers) -> None:
    ev = subparsers.add_parser("evaluate", help="decide every case of a case file (YAML or JSON)",
                               description="Evaluate every case of CASEFILE and print each determination with its explanation.",
                               epilog=EPILOG, formatter_class=argparse.RawDescriptionHelpFormatter)
    options.add_casefile(ev, "a case file (fact-model v1): YAML, JSON, or a roster .xlsx/.csv")
    options.add_policy(ev)
    options.add_format(ev, ["table", "json", "xlsx", "csv"],
                       "table for people (default), json for pipelines, xlsx/csv one row per subject (--out)")
    ev.add_argument("--out", metavar="FILE", help="with --format xlsx (required) or csv (default: stdout): the file to write")
    options.add_subject(ev, "only this person, center or item")
    ev.add_argument("--explain", nargs="?", const="full", choices=answer.EXPLAIN_SIZES, metavar="none|brief|full",
                    help="explanations: json default brief (rule, clause, the facts' values; clause texts, parameters and "
                         "interpretations once, in the top-level `references`), full (each self-contained, with the rules "
                         "that gave way and every derivation), none; in the table, --explain prints each explanation tree")
    ev.add_argument("--why-not", metavar="VALUE", dest="why_not",
                    help="explain why VALUE was not reached for --decision (e.g. 优秀, 600, 是/否, true/false)")
    options.add_decision(ev, "the decision --why-not is about, by id or Chinese label (annual_grade or 年度考核等次)")
    ev.add_argument("--no-explanations", action="store_true", help="the same as --explain none")
    options.add_unmask(ev, "show names and ID numbers (masked by default)")
    options.add_log(ev, "append one JSON line per determination (policy version and "
                        "digest, input digest, value, rules fired; no names or ID numbers) for `replay`")
    options.add_jobs(ev, f"worker processes deciding cases (default: all cores, here {parallel.default_jobs()}; 1: in process)")


def run(args) -> int:
    out = options.console()
    err = options.console(stderr=True)
    if (args.why_not is None) != (args.decision is None):
        raise UsageError("[red]--why-not VALUE and --decision NAME go together[/]", highlight=True)
    message = _sheet_usage(args)
    if message:
        raise UsageError(f"[red]{escape(message)}[/]")
    policy = options.load_policy(args.policy)
    if args.decision:
        args.decision, message = find_decision(policy, args.decision)
        if args.decision is None:
            raise UsageError(f"[red]{escape(message)}[/]", highlight=True)
    if not Path(args.casefile).is_file():
        raise UsageError(f"[red]{escape(args.casefile)}: no such file[/]", highlight=True)
    options.check_outputs(_outputs(args) + [args.log], options.case_files(args.casefile, policy) + options.policy_files(policy))
    case_file = load_cases(args.casefile, policy)
    with progress.bar(err, case_file.cases) as advance:
        results = parallel.evaluate_cases(Evaluator(policy), case_file.cases, args.jobs, advance)
    want = parse_value(args.why_not) if args.why_not is not None else None
    message = check_subject(policy, results, args.subject, args.decision) or (
        check_value(policy, results, args.decision, want) if args.why_not is not None else "")
    if message:   # a "did you mean" lists ids, which may be ID numbers; --subject is echoed as typed (a name?)
        raise UsageError(f"[red]{escape(message if args.unmask else privacy.mask_echo(message, args.subject))}[/]",
                         highlight=True)
    failed = bool(case_file.errors) or any(r.errors for r in results)
    if args.log:
        options.log_first(args.log, policy, results, args.subject,
                          lambda reason: f"[red]{escape(args.log)}：无法追加判定记录（{escape(str(reason))}）[/]")
    for warning in case_file.warnings:
        err.print(f"[yellow]注意[/] {escape(warning)}", highlight=False)
    if args.format in ("xlsx", "csv"):
        return _sheets(args, policy, case_file, results, failed, err)
    if args.format == "json":
        explain = _explain_size(args, "brief")
        with progress.bar(err, case_file.cases, "说明") as advance:   # explaining costs more than deciding: in workers too
            rendered = parallel.render_cases(
                lambda r: answer.rendered_case(r, policy, explain, args.unmask, args.subject),
                results, args.jobs if explain != "none" else 1, advance)
        doc = answer.document(policy, case_file, results, explain, args.unmask, args.subject, rendered)
        if args.why_not is not None:
            for case, result in zip(doc["cases"], results):
                why_not = WhyNot.of(policy, result)
                case["why_not"] = privacy.outward([why_not.why_not(s, args.decision, want)
                                                  for s in subjects_of(policy, result, args.decision, args.subject)], args.unmask)
        answer.write_json(doc)
        if not doc["account"]["balanced"]:
            err.print(f"[red]{escape(terminal.account_line(doc['account']))}[/]")
            return 3
        return 1 if failed else 0
    books = account(case_file, results)
    terminal.render_evaluation(out, err, policy, case_file, results, _explainer(policy, args, want), books,
                               args.unmask, args.subject)
    return 3 if not books["balanced"] else 1 if failed else 0


def _explainer(policy, args, want):
    """For the table, per case as it is printed: each determination shown with its explanation (with --explain),
    and the answer to --why-not for each subject of the decision's kind."""
    explain = _explain_size(args, "none") != "none"

    def explained(result):
        trace = Trace.of(policy, result)
        why, why_not = Why(trace), WhyNot(trace)
        explanations = ((d, why.determination(d)) for d in result.determinations
                        if explain and (args.subject is None or d.subject == args.subject))
        answers = (privacy.outward(why_not.why_not(s, args.decision, want), args.unmask)
                   for s in (subjects_of(policy, result, args.decision, args.subject) if args.why_not is not None else ()))
        return explanations, answers
    return explained


def _explain_size(args, default: str) -> str:
    """none, brief or full, from --explain SIZE, --explain alone (full) and --no-explanations (none)."""
    if args.no_explanations:
        return "none"
    return args.explain or default


def _sheet_usage(args) -> str:
    """--out goes with xlsx/csv; xlsx needs it; explanations and why-not are for table and json."""
    if args.format == "xlsx" and not args.out:
        return "--format xlsx 需要 --out FILE.xlsx"
    if args.out and args.format not in ("xlsx", "csv"):
        return "--out 只用于 --format xlsx 或 csv"
    if args.format in ("xlsx", "csv") and (args.why_not is not None or args.explain):
        return "--why-not、--explain 用于 table 或 json 格式"
    return ""


def _outputs(args) -> list:
    """The files --out writes: the workbook, or FILE.csv and the tables beside it."""
    from ..outputs import sheetreport
    if not args.out:
        return []
    return sheetreport.csv_paths(Path(args.out)) if args.format == "csv" else [args.out]


def _sheets(args, policy, case_file, results, failed: bool, err) -> int:
    """--format xlsx|csv: one row per subject, in a workbook, CSV files or on stdout."""
    from ..outputs import sheetreport
    with options.writing(args.out):
        if args.format == "xlsx":
            sheetreport.write_xlsx(sheetreport.tables(policy, case_file, results, args.unmask), Path(args.out))
            written = [args.out]
        elif args.out:
            written = [str(p) for p in sheetreport.write_csv(policy, case_file, results, Path(args.out), args.unmask)]
        else:
            sys.stdout.write(sheetreport.csv_text([sheetreport.one_table(policy, results, args.unmask)]))
            terminal.render_errors(err, case_file.errors, args.unmask)
            written = []
    books = account(case_file, results)
    if written:
        err.print(f"已写出 {escape('、'.join(written))}", highlight=False)
    err.print(terminal.account_line(books), highlight=False)
    return 3 if not books["balanced"] else 1 if failed else 0
