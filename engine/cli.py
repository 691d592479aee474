"""The command line: `evaluate`, `validate`, `test`. Thin: parse arguments, call the stages, print."""
from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from rich.console import Console

from . import report
from .evaluate import Evaluator, evaluate_file
from .explain import Explainer
from .loader import PolicyLoadError, load_or_raise, load_policy
from .policytests import run_policy_tests
from .validate import check

DEFAULT_POLICY = str(Path(__file__).resolve().parent.parent / "policies" / "suchen_2024")

EPILOG_EVALUATE = """\
examples:
  python run.py evaluate fixtures/roster_2025.yaml
  python run.py evaluate fixtures/roster_2025.yaml --format json > determinations.json
  python run.py evaluate fixtures/roster_2025.yaml --subject P11 --explain
  python run.py evaluate fixtures/roster_2025.yaml --subject P11 --why-not 优秀 --decision annual_grade

A case file holds one case or many under `cases:` (see README, "Case files").
Names and ID numbers are masked unless --unmask is given.
Exit status: 0 all cases evaluated, 1 some case had errors, 2 bad usage or policy.
"""


EPILOG_APPEAL = """\
示例：
  python run.py appeal fixtures/roster_2025.yaml --subject P02 --decision annual_grade --want 优秀
  python run.py appeal fixtures/roster_2025.yaml --subject P01 --decision skill_allowance --want 400 --format json
  python run.py appeal fixtures/roster_2025.yaml --subject P37 --decision eligibility --want 合格

哪些事实可以改变、怎样改变、代价多少，由 policies/…/appeals.yaml 规定。json 中每处改动的 fact 是案例文件中
（该办事员记录内）的路径，如 ratings.2025-03、certificates[0].obtained_on；as_of 为案例的判定日。
把改动写入案例文件再判定，即得 value。姓名默认遮蔽，--unmask 显示。
退出码：0 已给出答案（可选方案，或无法达到及其理由），1 案例文件有错误，2 用法或政策错误。
"""


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="run.py",
        description="宿区政办发〔2024〕26号 as policy-as-code: evaluate cases against the policy's YAML rules, "
                    "explain each determination down to the clause, validate and test the policy files.",
        formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    ev = sub.add_parser("evaluate", help="decide every case of a case file (YAML or JSON)",
                        description="Evaluate every case of CASEFILE and print each determination with its explanation.",
                        epilog=EPILOG_EVALUATE, formatter_class=argparse.RawDescriptionHelpFormatter)
    ev.add_argument("casefile", metavar="CASEFILE", help="a YAML or JSON case file (fact-model v1)")
    ev.add_argument("--policy", default=DEFAULT_POLICY, metavar="DIR", help="policy folder (default: policies/suchen_2024)")
    ev.add_argument("--format", choices=["table", "json"], default="table", help="table for people (default), json for pipelines")
    ev.add_argument("--subject", metavar="ID", help="only this person, center or item")
    ev.add_argument("--explain", action="store_true", help="print the explanation tree of each determination (table format)")
    ev.add_argument("--why-not", metavar="VALUE", dest="why_not",
                    help="explain why VALUE was not reached for --decision (e.g. 优秀, 600, true)")
    ev.add_argument("--decision", metavar="NAME", help="the decision --why-not is about (e.g. annual_grade)")
    ev.add_argument("--no-explanations", action="store_true", help="json without explanation trees (faster, smaller)")
    ev.add_argument("--unmask", action="store_true", help="show names and ID numbers (masked by default)")

    va = sub.add_parser("validate", help="check a policy folder; every problem at once, with file:line:col",
                        description="Load and check every file of a policy folder: YAML syntax, JSON Schema, names, "
                                    "parameters, clause references and verbatim clause texts, cycles, unreachable rules.")
    va.add_argument("policy", metavar="POLICY_DIR", nargs="?", default=DEFAULT_POLICY)
    va.add_argument("--format", choices=["text", "json"], default="text")

    ap = sub.add_parser("appeal", help="申诉：本人事实怎样不同才能得到期望的结果（反事实）",
                        description="申诉（反事实）：本人的哪些事实本应不同，才能得到期望的结果。按代价从低到高搜索 "
                                    "appeals.yaml 允许的改变（至多几处），每个方案都经规则引擎重新判定；找不到时说明阻碍的"
                                    "规则、条款及其不可更改的事实。--decision 与 --want 必须给出。",
                        epilog=EPILOG_APPEAL, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("casefile", metavar="CASEFILE", help="案例文件（YAML 或 JSON，判定合同 v1）")
    ap.add_argument("--subject", metavar="ID", help="申诉人（办事员编号，必填）")
    ap.add_argument("--decision", metavar="NAME", help="申诉的决定（必填），如 annual_grade")
    ap.add_argument("--want", metavar="VALUE", help="期望的结果（必填）：优秀、400、是/否、true/false")
    ap.add_argument("--case", metavar="CASE_ID", help="案例编号（文件中有多个案例含此人时指定）")
    ap.add_argument("--format", choices=["table", "json"], default="table", help="table 供人阅读（默认），json 供程序处理")
    ap.add_argument("--policy", default=DEFAULT_POLICY, metavar="DIR", help="政策目录（默认 policies/suchen_2024）")
    ap.add_argument("--unmask", action="store_true", help="显示姓名（默认遮蔽）")

    te = sub.add_parser("test", help="run the policy's own YAML tests (tests/*.yaml in the policy folder)",
                        description="Run the officer-written policy tests and report each failure with its line.")
    te.add_argument("policy", metavar="POLICY_DIR", nargs="?", default=DEFAULT_POLICY)
    te.add_argument("files", nargs="*", metavar="TESTFILE", help="only these test files")
    te.add_argument("--format", choices=["text", "json"], default="text")
    return parser


def main(argv: list[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    return {"evaluate": _evaluate, "validate": _validate, "test": _test, "appeal": _appeal}[args.command](args)


def _load(path: str, console: Console):
    try:
        return load_or_raise(path)
    except PolicyLoadError as e:
        console.print(f"[red]The policy in {path} does not load:[/]")
        report.render_errors(console, e.problems)
        return None


def _coerce(text: str):
    """`--why-not 600` means the number, `true` the boolean; anything else is the text."""
    lowered = text.strip().lower()
    if lowered in ("true", "false"):
        return lowered == "true"
    if lowered == "null":
        return None
    try:
        return int(text)
    except ValueError:
        return text


def _evaluate(args) -> int:
    out = Console()
    err = Console(stderr=True)
    if (args.why_not is None) != (args.decision is None):
        err.print("[red]--why-not VALUE and --decision NAME go together[/]")
        return 2
    policy = _load(args.policy, err)
    if policy is None:
        return 2
    if args.decision and args.decision not in policy.decisions:
        err.print(f"[red]unknown decision «{args.decision}»; known: {', '.join(policy.decisions)}[/]")
        return 2
    if not Path(args.casefile).is_file():
        err.print(f"[red]{args.casefile}: no such file[/]")
        return 2
    evaluator = Evaluator(policy)
    case_file, results = evaluate_file(args.casefile, policy, evaluator)
    failed = bool(case_file.errors) or any(r.errors for r in results)
    if args.format == "json":
        doc = report.document(policy, case_file, results, explain=not args.no_explanations, unmask=args.unmask,
                              subject=args.subject)
        if args.why_not is not None:
            for case, result in zip(doc["cases"], results):
                ex = Explainer(policy, result)
                case["why_not"] = [ex.why_not(s, args.decision, _coerce(args.why_not)) for s in _subjects(result, args)]
        json.dump(doc, sys.stdout, ensure_ascii=False, indent=1)
        sys.stdout.write("\n")
        return 1 if failed else 0
    out.print(f"[bold]{policy.document_number}[/] {policy.title} · 版本 {policy.version} · {policy.digest[:19]}")
    report.render_errors(err, [e for e in case_file.errors], args.unmask)
    for result in results:
        report.render_case(out, policy, result, args.unmask, args.subject)
        ex = Explainer(policy, result)
        if args.explain:
            for d in result.determinations:
                if args.subject is None or d.subject == args.subject:
                    out.print(report.explanation_tree(ex.determination(d), f"[bold]{d.subject}[/] · {d.decision} = "
                                                      f"[bold]{report._shown(d.value)}[/]"))
        if args.why_not is not None:
            for s in _subjects(result, args):
                out.print(report.why_not_tree(ex.why_not(s, args.decision, _coerce(args.why_not))))
    total = sum(len(r.determinations) for r in results)
    out.print(f"{len(results)} case(s) evaluated, {total} determinations; "
              f"{len(case_file.errors) + sum(len(r.errors) for r in results)} error(s)")
    return 1 if failed else 0


def _subjects(result, args) -> list[str]:
    subjects = sorted({d.subject for d in result.determinations if d.decision == args.decision})
    return [s for s in subjects if args.subject is None or s == args.subject]


def _appeal(args) -> int:
    from .appeal import command  # the counterfactual search; only this command loads it
    err = Console(stderr=True)
    policy = _load(args.policy, err)
    if policy is None:
        return 2
    return command(policy, args.casefile, args.subject, args.decision, args.want, args.case, args.format,
                   args.unmask, Console(), err)


def _validate(args) -> int:
    console = Console()
    policy, problems = load_policy(args.policy)
    if policy is not None:
        problems = problems + check(policy)
    errors = [p for p in problems if p.severity == "error"]
    if args.format == "json":
        json.dump({"policy": args.policy, "valid": not errors, "problems": [p.as_json() for p in problems]},
                  sys.stdout, ensure_ascii=False, indent=1)
        sys.stdout.write("\n")
        return 1 if errors else 0
    for p in problems:
        colour = "red" if p.severity == "error" else "yellow"
        console.print(f"[{colour}]{p.severity}[/] {p}", highlight=False)
    if errors:
        console.print(f"[red]{len(errors)} error(s)[/] in {args.policy}")
        return 1
    n_rules = len(policy.rules)
    console.print(f"[green]ok[/] {policy.document_number} v{policy.version}: {len(policy.decisions)} decisions, "
                  f"{n_rules} rules, {len(policy.parameters)} parameters, {len(policy.interpretations)} interpretations, "
                  f"{len(policy.clauses)} clauses" + (f"; {len(problems)} warning(s)" if problems else ""))
    return 0


def _test(args) -> int:
    console = Console()
    policy = _load(args.policy, Console(stderr=True))
    if policy is None:
        return 2
    files = [Path(f) for f in args.files] if args.files else None
    outcomes, problems = run_policy_tests(policy, files)
    failed = [o for o in outcomes if not o.passed]
    if args.format == "json":
        json.dump({"passed": len(outcomes) - len(failed), "failed": len(failed),
                   "problems": [p.as_json() for p in problems],
                   "failures": [{"file": o.file, "line": o.line, "name": o.name, "failures": o.failures} for o in failed]},
                  sys.stdout, ensure_ascii=False, indent=1)
        sys.stdout.write("\n")
    else:
        report.render_errors(console, problems)
        for o in failed:
            console.print(f"[red]FAIL[/] {o.file}:{o.line} {o.name}", highlight=False)
            for f in o.failures:
                console.print(f"     {f}", highlight=False)
        console.print(f"{len(outcomes) - len(failed)} passed, {len(failed)} failed"
                      + (f", {len(problems)} problem(s) in test files" if problems else ""))
    return 1 if failed or problems else 0
