"""The command line: `evaluate`, `validate`, `test`, `replay`, `appeal`, `letter`, sheets, `diff`, `generate`. Thin: parse arguments, call the stages, print."""
from __future__ import annotations

import argparse
import datetime as dt
import sys
from pathlib import Path

from rich.console import Console
from rich.markup import escape
from rich.text import Text

from ..tools import decisionlog

from ..outputs import answer, letter, progress, terminal

from ..pipeline import parallel
from ..casefiles.cases import load_cases
from ..pipeline.evaluate import Evaluator, account, evaluate_file
from ..explain.explainer import Explainer
from ..explain.wording import shown
from ..policy.loader import PolicyLoadError
from ..tools.validate import load_or_raise
from ..tools.policytests import find_policy, run_policy_tests
from ..tools.validate import problems_of
from ..tools.questions import check_subject, check_value, coerce, find_decision, subjects_of
from ..common import privacy

DEFAULT_POLICY = str(Path(__file__).resolve().parents[2] / "policies" / "suchen_2024")

EPILOG_EVALUATE = """\
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

EPILOG_REPLAY = """\
examples:
  python run.py evaluate fixtures/roster_2025.yaml --log decisions.jsonl
  python run.py replay decisions.jsonl --cases fixtures/roster_2025.yaml
  python run.py replay decisions.jsonl --cases fixtures/roster_2025.yaml --format json | jq .summary

Exit status: 0 every record reproduced, 1 some did not, 2 bad usage, unreadable log (FILE:LINE) or policy.
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



def _console(stderr: bool = False) -> Console:
    """Rich output. Messages on stderr into a pipe or file stay whole lines (a `file:line:col` is not broken at
    80 columns, so grep finds it); stdout's tables and trees keep rich's layout, which soft wrap would crop."""
    console = Console(stderr=stderr)
    console.soft_wrap = stderr and not console.is_terminal
    return console

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
    ev.add_argument("casefile", metavar="CASEFILE", help="a case file (fact-model v1): YAML, JSON, or a roster .xlsx/.csv")
    ev.add_argument("--policy", default=DEFAULT_POLICY, metavar="DIR", help="policy folder (default: policies/suchen_2024)")
    ev.add_argument("--format", choices=["table", "json", "xlsx", "csv"], default="table",
                    help="table for people (default), json for pipelines, xlsx/csv one row per subject (--out)")
    ev.add_argument("--out", metavar="FILE", help="with --format xlsx (required) or csv (default: stdout): the file to write")
    ev.add_argument("--subject", metavar="ID", help="only this person, center or item")
    ev.add_argument("--explain", nargs="?", const="full", choices=answer.EXPLAIN_SIZES, metavar="none|brief|full",
                    help="explanations: json default brief (rule, clause, the facts' values; clause texts, parameters and "
                         "interpretations once, in the top-level `references`), full (each self-contained, with the rules "
                         "that gave way and every derivation), none; in the table, --explain prints each explanation tree")
    ev.add_argument("--why-not", metavar="VALUE", dest="why_not",
                    help="explain why VALUE was not reached for --decision (e.g. 优秀, 600, 是/否, true/false)")
    ev.add_argument("--decision", metavar="NAME",
                    help="the decision --why-not is about, by id or Chinese label (annual_grade or 年度考核等次)")
    ev.add_argument("--no-explanations", action="store_true", help="the same as --explain none")
    ev.add_argument("--unmask", action="store_true", help="show names and ID numbers (masked by default)")
    ev.add_argument("--log", metavar="FILE.jsonl", help="append one JSON line per determination (policy version and "
                    "digest, input digest, value, rules fired; no names or ID numbers) for `replay`")
    ev.add_argument("--jobs", type=_positive, default=None, metavar="N",
                    help=f"worker processes deciding cases (default: all cores, here {parallel.default_jobs()}; 1: in process)")

    va = sub.add_parser("validate", help="check a policy folder; every problem at once, with file:line:col",
                        description="检查政策目录的每个文件，一次报告全部问题，各在出错的键或值的 文件:行:列："
                                    "YAML 语法、键与写法（提示“您是否想输入”）、名称、参数、条款引用与逐字引文（指出第一个不同的字）、"
                                    "参数中的数在所引条款原文中（或写明 reference 修改文件）、循环、永不适用的规则。",
                        epilog="示例：\n  python run.py validate\n  python run.py validate policies/suchen_2024 --format json\n\n"
                               "退出码：0 通过（可有警告），1 有错误。JSON 的结构见 README“Validating and testing the policy”。",
                        formatter_class=argparse.RawDescriptionHelpFormatter)
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
                        description="运行政策自带的 YAML 测试（办事人员编写），每个失败给出行号、原因与实得值的解释。"
                                    "PATH 可以是政策目录、测试文件夹或一个测试文件（向上查找 policy.yaml）。",
                        epilog="示例：\n"
                               "  python run.py test\n"
                               "  python run.py test policies/suchen_2024/tests/allowances.yaml\n"
                               "  python run.py test policies/suchen_2024 -k 技能补贴\n\n"
                               "退出码：0 全部通过，1 有测试失败或测试文件有错，2 政策有错、找不到政策或没有测试。",
                        formatter_class=argparse.RawDescriptionHelpFormatter)
    te.add_argument("policy", metavar="POLICY_DIR", nargs="?", default=DEFAULT_POLICY,
                    help="政策目录，或测试文件、测试文件夹（默认 policies/suchen_2024）")
    te.add_argument("files", nargs="*", metavar="TESTFILE", help="只运行这些测试文件")
    te.add_argument("-k", metavar="NAME", dest="only", help="只运行名称含 NAME 的测试")
    te.add_argument("--format", choices=["text", "json"], default="text")
    te.add_argument("--unmask", action="store_true", help="show names and ID numbers in messages (masked by default)")

    rp = sub.add_parser("replay", help="re-decide the cases of a decision log and check that they reproduce",
                        description="Re-decide every case of CASEFILE under the policy and compare with each record "
                                    "of LOGFILE (written by `evaluate --log`): reproduced, different, "
                                    "policy_differs (logged under another policy digest) or input_differs "
                                    "(the case changed or is absent).",
                        epilog=EPILOG_REPLAY, formatter_class=argparse.RawDescriptionHelpFormatter)
    rp.add_argument("log", metavar="LOGFILE", help="a decision log (JSON lines) written by `evaluate --log`")
    rp.add_argument("--cases", required=True, metavar="CASEFILE", help="the case file the log was written from")
    rp.add_argument("--policy", default=DEFAULT_POLICY, metavar="DIR", help="policy folder (default: policies/suchen_2024)")
    rp.add_argument("--format", choices=["table", "json"], default="table", help="table for people (default), json for pipelines")

    le = sub.add_parser("letter", help="write the determination letter (决定告知书) of one person, center or item",
                        description="Write a 决定告知书 for one subject of CASEFILE: every determination with its rule, "
                                    "clause and words, condition, facts, parameters and interpretations; the answers to "
                                    "--why-not; the policy's version and digest and each decision id (as in the log).",
                        epilog="examples:\n"
                               "  python run.py letter fixtures/roster_2025.yaml --subject P11 --out P11.docx\n"
                               "  python run.py letter fixtures/roster_2025.yaml --subject P11 --why-not annual_grade=优秀 --out P11.html\n"
                               "  python run.py letter fixtures/roster_2025.yaml --subject CTR-QU --out CTR-QU.md --log decisions.jsonl\n\n"
                               "Names and ID numbers are masked unless --unmask is given.\n"
                               "Exit status: 0 written, 1 the subject's case had errors, 2 bad usage, unknown subject or "
                               "decision, or policy.", formatter_class=argparse.RawDescriptionHelpFormatter)
    le.add_argument("casefile", metavar="CASEFILE", help="a YAML or JSON case file (fact-model v1)")
    le.add_argument("--subject", required=True, metavar="ID", help="the person, center or item the letter is about")
    le.add_argument("--out", required=True, metavar="FILE", help="FILE.docx, FILE.html (A4, printable) or FILE.md")
    le.add_argument("--case", metavar="CASE_ID", help="the case, when the subject's id occurs in several")
    le.add_argument("--why-not", metavar="DECISION=VALUE", dest="why_not", action="append", default=[],
                    help="also answer why VALUE was not reached (decision by id or Chinese label; repeatable)")
    le.add_argument("--unmask", action="store_true", help="show the name and ID number (masked by default)")
    le.add_argument("--log", metavar="FILE.jsonl", help="append the letter's determinations to this decision log")
    le.add_argument("--policy", default=DEFAULT_POLICY, metavar="DIR", help="policy folder (default: policies/suchen_2024)")
    _sheet_parsers(sub)
    _diff_parsers(sub)
    _analysis_parsers(sub)
    return parser


def _positive(text: str) -> int:
    if not text.isdigit() or int(text) < 1:
        raise argparse.ArgumentTypeError(f"expected a whole number ≥ 1, found “{text}”")
    return int(text)


def main(argv: list[str] | None = None) -> int:
    for stream in (sys.stdout, sys.stderr):
        # whatever a case file held (a lone surrogate in an id), what is printed stays valid text, escaped
        if hasattr(stream, "reconfigure"):
            stream.reconfigure(errors="backslashreplace")
    args = _parser().parse_args(argv)
    return {"evaluate": _evaluate, "validate": _validate, "test": _test, "replay": _replay,
            "appeal": _appeal, "letter": _letter, "template": _template, "convert": _convert,
            "diff": _diff, "generate": _generate, "coverage": _coverage, "analyze": _analyze}[args.command](args)


def _load(path: str, console: Console):
    try:
        return load_or_raise(path)
    except PolicyLoadError as e:
        console.print(f"[red]政策 {escape(str(path))} 无法加载：[/]", highlight=False, soft_wrap=True)
        terminal.render_errors(console, e.problems)
        return None


def _evaluate(args) -> int:
    out = _console()
    err = _console(stderr=True)
    if (args.why_not is None) != (args.decision is None):
        err.print("[red]--why-not VALUE and --decision NAME go together[/]")
        return 2
    message = _sheet_usage(args)
    if message:
        err.print(f"[red]{escape(message)}[/]", highlight=False)
        return 2
    policy = _load(args.policy, err)
    if policy is None:
        return 2
    if args.decision:
        args.decision, message = find_decision(policy, args.decision)
        if args.decision is None:
            err.print(f"[red]{escape(message)}[/]")
            return 2
    if not Path(args.casefile).is_file():
        err.print(f"[red]{escape(args.casefile)}: no such file[/]")
        return 2
    case_file = load_cases(args.casefile, policy)
    with progress.bar(err, case_file.cases) as advance:
        results = parallel.evaluate_cases(Evaluator(policy), case_file.cases, args.jobs, advance)
    want = coerce(args.why_not) if args.why_not is not None else None
    message = check_subject(policy, results, args.subject, args.decision) or (
        check_value(policy, results, args.decision, want) if args.why_not is not None else "")
    if message:   # a "did you mean" lists ids, which may be ID numbers
        err.print(f"[red]{escape(message if args.unmask else privacy.mask_text(message))}[/]")
        return 2
    failed = bool(case_file.errors) or any(r.errors for r in results)
    if args.log and not _append_log(args.log, policy, results, args.subject, err):
        return 2
    for warning in case_file.warnings:
        err.print(f"[yellow]注意[/] {escape(warning)}", highlight=False)
    if args.format in ("xlsx", "csv"):
        return _evaluate_sheets(args, policy, case_file, results, failed, err)
    if args.format == "json":
        explain = _explain_size(args, "brief")
        with progress.bar(err, case_file.cases, "说明") as advance:   # explaining costs more than deciding: in workers too
            rendered = parallel.render_cases(
                lambda r: answer.rendered_case(r, policy, explain, args.unmask, args.subject),
                results, args.jobs if explain != "none" else 1, advance)
        doc = answer.document(policy, case_file, results, explain, args.unmask, args.subject, rendered)
        if args.why_not is not None:
            for case, result in zip(doc["cases"], results):
                ex = Explainer(policy, result)
                case["why_not"] = privacy.outward([ex.why_not(s, args.decision, want)
                                                  for s in subjects_of(policy, result, args.decision, args.subject)], args.unmask)
        answer.write_json(doc)
        if not doc["account"]["balanced"]:
            err.print(f"[red]{escape(terminal.account_line(doc['account']))}[/]")
            return 3
        return 1 if failed else 0
    out.print(f"[bold]{policy.document_number}[/] {policy.title} · 版本 {policy.version} · {policy.digest[:19]}")
    terminal.render_errors(err, [e for e in case_file.errors], args.unmask)
    for result in results:
        terminal.render_case(out, policy, result, args.unmask, args.subject)
        ex = Explainer(policy, result)
        if _explain_size(args, "none") != "none":
            for d in result.determinations:
                if args.subject is None or d.subject == args.subject:
                    label = answer.decision_label(policy, d.decision)
                    out.print(terminal.explanation_tree(ex.determination(d), f"[bold]{escape(privacy.shown_id(d.subject, args.unmask))}[/] · {escape(label)} = "
                                                      f"[bold]{escape(shown(d.value))}[/]"))
        if args.why_not is not None:
            for s in subjects_of(policy, result, args.decision, args.subject):
                out.print(terminal.why_not_tree(privacy.outward(ex.why_not(s, args.decision, want), args.unmask)))
    total = sum(len(r.determinations) for r in results)
    errors = len([e for e in case_file.errors if e.case not in {r.case.id for r in results}]) + sum(len(r.errors) for r in results)
    out.print(f"{len(results)} case(s) evaluated, {total} determinations; {errors} error(s)")
    books = account(case_file, results)
    out.print(terminal.account_line(books))
    return 3 if not books["balanced"] else 1 if failed else 0


def _explain_size(args, default: str) -> str:
    """none, brief or full, from --explain SIZE, --explain alone (full) and --no-explanations (none)."""
    if args.no_explanations:
        return "none"
    return args.explain or default


def _appeal(args) -> int:
    from ..tools.appeal import command  # the counterfactual search; only this command loads it
    err = _console(stderr=True)
    policy = _load(args.policy, err)
    if policy is None:
        return 2
    if args.decision:
        # by id or Chinese label, as everywhere; an unknown name falls through to the search's own message
        args.decision = find_decision(policy, args.decision)[0] or args.decision
    return command(policy, args.casefile, args.subject, args.decision, args.want, args.case, args.format,
                   args.unmask, _console(), err)


def _validate(args) -> int:
    console = _console()
    policy, problems = problems_of(args.policy)
    errors = [p for p in problems if p.severity == "error"]
    if args.format == "json":
        answer.write_json({"policy": args.policy, "valid": not errors, "problems": [p.as_json() for p in problems]},
                          indent=1)
        return 1 if errors else 0
    for p in problems:
        colour, word = ("red", "错误") if p.severity == "error" else ("yellow", "警告")
        console.print(f"[{colour}]{word}[/] {escape(str(p))}", highlight=False, soft_wrap=True)
    if errors:
        console.print(f"[red]{len(errors)} 处错误[/]：{escape(args.policy)}", highlight=False)
        return 1
    n_rules = len(policy.rules)
    console.print(f"[green]通过[/] {policy.document_number} v{policy.version}：{len(policy.decisions)} 项决定、"
                  f"{n_rules} 条规则、{len(policy.parameters)} 个参数、{len(policy.interpretations)} 条解释、"
                  f"{len(policy.clauses)} 个条款" + (f"；{len(problems)} 个警告" if problems else ""), highlight=False)
    return 0


def _test(args) -> int:
    console, err = _console(), _console(stderr=True)
    root, found = find_policy(args.policy)
    if root is None:
        err.print(f"[red]{escape(args.policy)}：找不到政策（此处及其上级目录都没有 policy.yaml）[/]", highlight=False, soft_wrap=True)
        return 2
    policy = _load(str(root), err)
    if policy is None:
        return 2
    files = [Path(f) for f in args.files] if args.files else found
    if files is None and not policy.tests_dir:
        err.print(f"[red]{escape(str(root / 'policy.yaml'))}：没有写 tests（测试文件夹）[/]", highlight=False, soft_wrap=True)
        return 2
    outcomes, problems = run_policy_tests(policy, files, only=args.only)
    if not outcomes and not problems:
        what = f"名称含“{args.only}”的测试" if args.only else "测试"
        err.print(f"[red]没有找到{escape(what)}：{escape(' '.join(map(str, files or [policy.tests_dir])))}[/]", highlight=False, soft_wrap=True)
        return 2
    failed = [o for o in outcomes if not o.passed]
    if args.format == "json":
        answer.write_json(privacy.outward({"passed": len(outcomes) - len(failed), "failed": len(failed),
                                  "problems": [p.as_json() for p in problems],
                                  "failures": [{"file": o.file, "line": o.line, "name": o.name, "clause": o.clause,
                                                "failures": terminal.policy_test_failures(o, args.unmask),
                                                "got": [{"value": head, "explanation": tree} for head, tree in o.got]}
                                               for o in failed]},
                                 args.unmask),
                          indent=1)
    else:
        terminal.render_errors(console, problems, args.unmask)
        for o in failed:
            console.print(f"[red]失败[/] {escape(privacy.printable(o.file))}:{o.line} {escape(privacy.printable(o.name))}",
                          highlight=False)
            for f in terminal.policy_test_failures(o, args.unmask):
                console.print(Text("     " + privacy.printable(f)), highlight=False)
            for head, tree in o.got:   # what was got, and why: the explanation an officer reads to fix the test or the rule
                console.print(terminal.explanation_tree(privacy.outward(tree, args.unmask),
                                                      f"     实得 {escape(privacy.printable(privacy.outward(head, args.unmask)))}"))
        console.print(f"{len(outcomes) - len(failed)} 个通过，{len(failed)} 个失败"
                      + (f"，测试文件中有 {len(problems)} 处错误" if problems else ""), highlight=False)
    return 1 if failed or problems else 0


def _append_log(path: str, policy, results, subject: str | None, err: Console) -> bool:
    """Log before printing: a determination that cannot be logged is not given out."""
    run, time = decisionlog.new_run()
    ref = decisionlog.PolicyRef.of(policy)
    records = [rec for r in results for rec in decisionlog.records_for(r, ref, run, time, subject)]
    try:
        decisionlog.append(path, records)
    except OSError as e:
        err.print(f"[red]{path}: cannot append to the log ({e.strerror})[/]", highlight=False)
        return False
    return True


def _replay(args) -> int:
    err = _console(stderr=True)
    try:
        records = decisionlog.read(args.log)
    except decisionlog.LogError as e:
        for problem in e.problems:
            err.print(f"[red]✗[/] {problem}", highlight=False)
        return 2
    if not Path(args.cases).is_file():
        err.print(f"[red]{args.cases}: no such file[/]", highlight=False)
        return 2
    policy = _load(args.policy, err)
    if policy is None:
        return 2
    case_file, results = evaluate_file(args.cases, policy)
    terminal.render_errors(err, case_file.errors)   # such cases are absent now: their records read input_differs
    ref = decisionlog.PolicyRef.of(policy)
    outcomes = decisionlog.replay(records, decisionlog.current(results), ref)
    if args.format == "json":
        answer.write_json(decisionlog.replay_json(outcomes, ref))
    else:
        out = _console()
        out.print(f"[bold]{policy.document_number}[/] 重放 {args.log} · 现行政策 {policy.id} 版本 {policy.version} · "
                  f"{policy.digest[:19]}", highlight=False)
        out.print(decisionlog.replay_table(outcomes, f"判定记录（{len(outcomes)}）"))
        out.print(decisionlog.summary_line(outcomes), highlight=False)
    return 0 if all(o.status == "reproduced" for o in outcomes) else 1


def _letter(args) -> int:
    """One subject's 决定告知书; the determinations are logged (with --log) before the letter is written."""
    err = _console(stderr=True)
    write, message = letter.writer_for(args.out)
    if write is None or not Path(args.casefile).is_file():
        err.print(f"[red]{escape(message or f'{args.casefile}：文件不存在')}[/]", highlight=False)
        return 2
    policy = _load(args.policy, err)
    if policy is None:
        return 2
    case_file, results = evaluate_file(args.casefile, policy)
    result, message = letter.pick_case(results, args.subject, args.case)
    if result is None and case_file.errors:
        message += f"（另有 {len({e.case for e in case_file.errors})} 个案例未能读取）"
    questions = []
    for asked in args.why_not if result is not None else ():
        name, sep, text = asked.partition("=")
        decision, message = find_decision(policy, name.strip()) if sep else (None, f"“{asked}”应写作 决定=取值，如 annual_grade=优秀")
        message = message or check_subject(policy, [result], args.subject, decision) or \
            check_value(policy, [result], decision, coerce(text))
        if message:
            break
        questions.append(letter.Question(decision, coerce(text)))
    if message:
        err.print(f"[red]{escape(message if args.unmask else privacy.mask_text(message))}[/]", highlight=False)
        return 2
    if result.errors:
        for e in result.errors:
            err.print(f"[red]错误[/] {escape(e['case'])} {escape(e['path'])}: "
                      f"{escape(e['message'] if args.unmask else privacy.mask_text(e['message']))}", highlight=False)
        err.print(f"[red]案例“{escape(privacy.mask_text(result.case.id))}”有错误，未生成告知书[/]", highlight=False)
        return 1
    run, time = decisionlog.new_run()
    records = decisionlog.records_for(result, decisionlog.PolicyRef.of(policy), run, time, args.subject)
    try:   # logged before the letter is written: a determination that cannot be logged is not given out
        if args.log:
            decisionlog.append(args.log, records)
    except OSError as e:
        err.print(f"[red]{escape(args.log)}：无法写入判定记录（{e.strerror}）[/]", highlight=False)
        return 2
    doc = letter.build(policy, result, args.subject, records, dt.date.today(), tuple(questions), args.unmask,
                       logged=bool(args.log))
    try:
        write(doc, Path(args.out))
    except OSError as e:
        err.print(f"[red]{escape(args.out)}：无法写入（{e.strerror}）[/]", highlight=False)
        return 2
    _console().print(f"已写出 {escape(args.out)}：{len(records)} 项决定", highlight=False)
    return 0



# --- spreadsheets: evaluate --format xlsx|csv, template, convert ---------------------------------

EPILOG_SHEETS = """\
示例：
  python run.py template 名册.xlsx
  python run.py convert fixtures/roster_2025.yaml 名册.xlsx
  python run.py convert 名册.xlsx 名册.yaml
  python run.py evaluate 名册.xlsx --format xlsx --out 判定结果.xlsx

表头、工作表与字段的对应见 policies/…/roster.yaml；CSV：FILE.csv 为人员，FILE.案例.csv、FILE.中心.csv、FILE.事项.csv 在旁。
退出码：0 已写出，2 用法错误、文件读不了，或有内容在目标格式中无法原样表示（逐项列出，不写文件）。
"""


def _sheet_parsers(sub) -> None:
    tp = sub.add_parser("template", help="写出空白名册模板（.xlsx：表头、示例行、下拉框、日期格式）",
                        description="写出一份空白名册：roster.yaml 中的每张表和每个表头，每张表一行示例（编号以“示例”开头，"
                                    "读入时跳过），学历、等次、证书类别/等级、中心层级与是/否的下拉框，日期格式。",
                        epilog=EPILOG_SHEETS, formatter_class=argparse.RawDescriptionHelpFormatter)
    tp.add_argument("out", metavar="FILE.xlsx", help="要写出的模板（.xlsx；.csv 则只有表头和示例行）")
    tp.add_argument("--policy", default=DEFAULT_POLICY, metavar="DIR", help="政策目录（默认 policies/suchen_2024）")
    cv = sub.add_parser("convert", help="在 YAML、JSON、XLSX、CSV 之间转换案例文件（不丢失内容）",
                        description="把案例文件转换为另一种格式（按扩展名）：.yaml .json .xlsx .csv。目标格式无法原样表示的内容"
                                    "逐项报错（字段路径及原因），不写文件，绝不悄悄丢弃。",
                        epilog=EPILOG_SHEETS, formatter_class=argparse.RawDescriptionHelpFormatter)
    cv.add_argument("source", metavar="IN", help="输入：.yaml .json .xlsx .csv")
    cv.add_argument("target", metavar="OUT", help="输出：.yaml .json .xlsx .csv（CSV 另写 OUT.案例.csv 等）")
    cv.add_argument("--policy", default=DEFAULT_POLICY, metavar="DIR", help="政策目录（默认 policies/suchen_2024）")


def _sheet_usage(args) -> str:
    """--out goes with xlsx/csv; xlsx needs it; explanations and why-not are for table and json."""
    if args.format == "xlsx" and not args.out:
        return "--format xlsx 需要 --out FILE.xlsx"
    if args.out and args.format not in ("xlsx", "csv"):
        return "--out 只用于 --format xlsx 或 csv"
    if args.format in ("xlsx", "csv") and (args.why_not is not None or args.explain):
        return "--why-not、--explain 用于 table 或 json 格式"
    return ""


def _evaluate_sheets(args, policy, case_file, results, failed: bool, err: Console) -> int:
    from ..outputs import sheetreport
    try:
        if args.format == "xlsx":
            sheetreport.write_xlsx(sheetreport.tables(policy, case_file, results, args.unmask), Path(args.out))
            written = [args.out]
        elif args.out:
            written = [str(p) for p in sheetreport.write_csv(policy, case_file, results, Path(args.out), args.unmask)]
        else:
            sys.stdout.write(sheetreport.csv_text([sheetreport.one_table(policy, results, args.unmask)]))
            terminal.render_errors(err, case_file.errors, args.unmask)
            written = []
    except OSError as e:
        err.print(f"[red]{escape(str(args.out))}：无法写入（{e.strerror}）[/]", highlight=False)
        return 2
    books = account(case_file, results)
    if written:
        err.print(f"已写出 {escape('、'.join(written))}", highlight=False)
    err.print(terminal.account_line(books), highlight=False)
    return 3 if not books["balanced"] else 1 if failed else 0


def _template(args) -> int:
    from ..casefiles import sheetwrite, spreadsheet
    err = _console(stderr=True)
    policy = _load(args.policy, err)
    if policy is None:
        return 2
    try:
        written = sheetwrite.write_template(Path(args.out), policy, dt.date.today())
    except (sheetwrite.ConvertError, spreadsheet.ReadError) as e:
        for line in e.problems if isinstance(e, sheetwrite.ConvertError) else [f"{w}: {m}" for w, m in e.problems]:
            err.print(f"[red]✗[/] {escape(line)}", highlight=False)
        return 2
    except OSError as e:
        err.print(f"[red]{escape(args.out)}：无法写入（{e.strerror}）[/]", highlight=False)
        return 2
    _console().print(f"已写出模板 {escape('、'.join(map(str, written)))}", highlight=False)
    return 0


def _convert(args) -> int:
    from ..casefiles import sheetwrite, spreadsheet
    err = _console(stderr=True)
    if not Path(args.source).is_file():
        err.print(f"[red]{escape(args.source)}：文件不存在[/]", highlight=False)
        return 2
    policy = _load(args.policy, err)
    if policy is None:
        return 2
    try:
        written, warnings = sheetwrite.convert(Path(args.source), Path(args.target), policy)
    except (sheetwrite.ConvertError, spreadsheet.ReadError) as e:
        lines = e.problems if isinstance(e, sheetwrite.ConvertError) else [f"{w}: {m}" for w, m in e.problems]
        for line in lines:
            err.print(f"[red]✗[/] {escape(privacy.mask_text(line))}", highlight=False)
        err.print(f"[red]未写出 {escape(args.target)}：{len(lines)} 处问题[/]", highlight=False)
        return 2
    except OSError as e:
        err.print(f"[red]{escape(args.target)}：无法写入（{e.strerror}）[/]", highlight=False)
        return 2
    for warning in warnings:
        err.print(f"[yellow]注意[/] {escape(warning)}", highlight=False)
    _console().print(f"已写出 {escape('、'.join(map(str, written)))}", highlight=False)
    return 0


# --- diff and generate -------------------------------------------------------------------------

EPILOG_DIFF = """\
示例：
  python run.py diff policies/suchen_2024 policies/examples/amendment_demo --cases fixtures/corpus_500.yaml
  python run.py diff git:2c2e563:policies/suchen_2024 policies/suchen_2024 --cases fixtures/corpus_500.yaml
  python run.py diff A B --cases C --format json | jq .summary.allowance.total
  python run.py diff A B --cases C --report 比较.xlsx --decision 选聘资格 --only-changed

BASE 与 NEW 为政策目录，或 git:修订:路径（用 git 读出，不检出）。原因取自两个版本的说明：参数（原值、新值，
条款与起始日）、规则（新增、删除、条件改变）、解释、事实。姓名、身份证号默认遮蔽，--unmask 显示。
退出码：0 完成（--fail-on-change 时：没有变化），1 --fail-on-change 且有变化，2 用法或政策错误。
"""


def _diff_parsers(sub) -> None:
    df = sub.add_parser("diff", help="比较两个政策版本：同一名册下谁的判定改变、为什么、预算多少",
                        description="用两个政策版本分别判定同一批案例，列出每条改变的判定及其原因（读自两个版本的说明），"
                                    "以及各判定的分布、补贴增减人数、按中心与合计的月度和年度补贴预算、新增符合与不再符合。",
                        epilog=EPILOG_DIFF, formatter_class=argparse.RawDescriptionHelpFormatter)
    df.add_argument("base", metavar="BASE", help="原版本：政策目录或 git:修订:路径")
    df.add_argument("new", metavar="NEW", help="新版本：政策目录或 git:修订:路径")
    df.add_argument("--cases", required=True, metavar="CASEFILE", help="案例文件（YAML、JSON、.xlsx、.csv）")
    df.add_argument("--format", choices=["table", "json"], default="table", help="table 供人阅读（默认），json 供程序处理")
    df.add_argument("--report", metavar="FILE.md|FILE.xlsx", help="另写一份报告（Markdown 或 Excel）附于公文")
    df.add_argument("--only-changed", action="store_true", dest="only_changed", help="汇总只列有变化的判定与中心")
    df.add_argument("--decision", metavar="NAME", help="只比较这一判定（编号或中文名称）")
    df.add_argument("--fail-on-change", action="store_true", dest="fail_on_change", help="有变化时退出码为1（用于持续集成）")
    df.add_argument("--unmask", action="store_true", help="显示姓名与身份证号（默认遮蔽）")
    df.add_argument("--jobs", type=_positive, default=None, metavar="N", help="判定所用进程数（默认：全部核心；1：本进程）")
    ge = sub.add_parser("generate", help="生成虚构的名册（同一种子得到同一文件），用于比较与性能测试",
                        description="生成逼真的虚构名册：年龄、学历、两类证书、工作年限、月度考核（多为一般，好不超过比例，"
                                    "少量差与暂停）、各层级的多个中心、服务事项，含2月29日出生或上岗的人员。")
    ge.add_argument("--people", type=_positive, required=True, metavar="N")
    ge.add_argument("--seed", type=int, default=1, metavar="S")
    ge.add_argument("--out", required=True, metavar="FILE.yaml")
    ge.add_argument("--year", type=int, default=2025, metavar="YEAR", help="考核年度（默认2025）")
    ge.add_argument("--policy", default=DEFAULT_POLICY, metavar="DIR", help="政策目录（默认 policies/suchen_2024）")


def _generate(args) -> int:
    from ..tools import generate
    err = _console(stderr=True)
    policy = _load(args.policy, err)
    if policy is None:
        return 2
    tree = generate.generate(policy, args.people, args.seed, args.year)
    command = f"python run.py generate --people {args.people} --seed {args.seed} --out {args.out}" + (
        f" --year {args.year}" if args.year != 2025 else "")
    generate.write(tree, args.out, command)
    err.print(f"已写出 {args.out}：{args.people} 人，{len(tree['cases'])} 个案例", highlight=False)
    return 0


def _load_version(text: str, err: Console):
    """(policy, commit) for a folder or git:REV:path; None and a printed reason when it cannot be loaded."""
    from ..tools.gitpolicy import GitPolicyError, materialised
    try:
        with materialised(text) as (root, commit):
            if not (root / "policy.yaml").is_file():
                err.print(f"[red]{escape(text)}：不是政策目录（没有 policy.yaml）[/]")
                return None
            policy = _load(str(root), err)
            return None if policy is None else (policy, commit)
    except GitPolicyError as e:
        err.print(f"[red]{escape(str(e))}[/]")
        return None


def _diff(args) -> int:
    from ..tools import diff
    from ..outputs import diffreport
    out, err = _console(), _console(stderr=True)
    if args.report and Path(args.report).suffix.lower() not in (".md", ".xlsx"):
        err.print(f"[red]--report 只写 .md 或 .xlsx：{escape(args.report)}[/]")
        return 2
    if not Path(args.cases).is_file():
        err.print(f"[red]{escape(args.cases)}: no such file[/]")
        return 2
    versions = [_load_version(text, err) for text in (args.base, args.new)]
    if None in versions:
        return 2
    (old_policy, old_commit), (new_policy, new_commit) = versions
    wanted = None
    if args.decision:
        names = {find_decision(p, args.decision)[0] for p in (old_policy, new_policy)} - {None}
        if not names:
            err.print(f"[red]{escape(find_decision(new_policy, args.decision)[1])}[/]")
            return 2
        wanted = names
    old_cases, new_cases = diff.case_files(args.cases, old_policy, new_policy)
    base = diff.decide(args.base, old_commit, old_policy, args.cases, args.jobs, case_file=old_cases)
    new = diff.decide(args.new, new_commit, new_policy, args.cases, args.jobs, case_file=new_cases)
    found = diff.changes(base, new, wanted, args.jobs)
    summary = diff.summary(base, new, found, wanted, args.only_changed)
    if args.format == "json":
        answer.write_json(diffreport.document(base, new, found, summary, args.unmask))
    else:
        diffreport.render(out, base, new, found, summary, args.unmask)
    if args.report:
        if args.report.lower().endswith(".md"):
            Path(args.report).write_text(diffreport.markdown(base, new, found, summary, args.unmask), encoding="utf-8")
        else:
            diffreport.workbook(args.report, base, new, found, summary, args.unmask)
        err.print(f"已写出报告 {escape(args.report)}", highlight=False)
    return 1 if args.fail_on_change and found else 0


# --- coverage and analyze: what the policy encodes and tests; gaps and overlaps of its rules -----

def _analysis_parsers(sub) -> None:
    co = sub.add_parser("coverage", help="条款覆盖：每条条款已编码、说明性或未编码；测试从未检验的规则和参数取值",
                        description="列出 source.txt 的每条条款：已编码（由哪些规则、参数引用）、说明性（clauses.yaml 的 "
                                    "descriptive: 写明理由）或未编码；并运行政策测试，读取其所检查判定的触发记录，列出从未被"
                                    "检验的规则和参数取值。",
                        epilog="示例：\n  python run.py coverage policies/suchen_2024\n"
                               "  python run.py coverage policies/suchen_2024 --format json | jq .summary\n"
                               "  python run.py coverage policies/suchen_2024 --fail-under 100\n\n"
                               "退出码：0 正常，1 可判定条款的编码率低于 --fail-under，2 政策无法加载。",
                        formatter_class=argparse.RawDescriptionHelpFormatter)
    co.add_argument("policy", metavar="POLICY_DIR", nargs="?", default=DEFAULT_POLICY)
    co.add_argument("--format", choices=["table", "json"], default="table")
    co.add_argument("--fail-under", type=float, default=None, metavar="N", dest="fail_under",
                    help="可判定条款（已编码＋未编码）中已编码的百分比低于 N 时退出码为 1")
    an = sub.add_parser("analyze", help="规则分析：在有限取值域上穷举，找出空缺、重叠、冲突、从不生效的规则",
                        description="对每个输入取值有限（经抽象）的决定，构造全部取值组合的事实，经 durable_rules 中编译后的"
                                    "规则判定，报告：无规则适用的输入（空缺）、多条规则同时成立时按声明的优先顺序谁胜出（重叠）、"
                                    "两条规则结论不同且无优先顺序（冲突）、从不胜出的规则、从未用到的例外。取值域无法有限化的"
                                    "决定如实说明，不抽样。",
                        epilog="示例：\n  python run.py analyze policies/suchen_2024\n"
                               "  python run.py analyze policies/suchen_2024 --format json | jq '.decisions[].gaps'\n\n"
                               "退出码：0 无空缺、无冲突，1 有空缺或冲突，2 政策无法加载。",
                        formatter_class=argparse.RawDescriptionHelpFormatter)
    an.add_argument("policy", metavar="POLICY_DIR", nargs="?", default=DEFAULT_POLICY)
    an.add_argument("--format", choices=["table", "json"], default="table")
    an.add_argument("--decision", metavar="NAME", action="append", default=[], help="只分析这些决定（可重复）")


def _coverage(args) -> int:
    from ..tools import coverage
    policy = _load(args.policy, _console(stderr=True))
    if policy is None:
        return 2
    cov = coverage.coverage(policy)
    if args.format == "json":
        answer.write_json(cov.as_json(), indent=1)
    else:
        coverage.render(_console(), policy, cov)
    if args.fail_under is not None and cov.percent < args.fail_under:
        _console(stderr=True).print(f"[red]可判定条款的编码率 {cov.percent:.1f}% 低于 --fail-under {args.fail_under:g}%[/]",
                                   highlight=False)
        return 1
    return 0


def _analyze(args) -> int:
    from ..tools import analyze
    err = _console(stderr=True)
    policy = _load(args.policy, err)
    if policy is None:
        return 2
    for name in args.decision:
        if find_decision(policy, name)[0] is None:
            err.print(f"[red]{escape(find_decision(policy, name)[1])}[/]", highlight=False)
            return 2
    wanted = [find_decision(policy, n)[0] for n in args.decision] or None
    try:
        result = analyze.analyze(policy, wanted)
    except analyze.AnalysisError as e:
        err.print(f"[red]{escape(str(e))}[/]", highlight=False, soft_wrap=True)
        return 2
    if args.format == "json":
        answer.write_json(result.as_json(), indent=1)
    else:
        analyze.render(_console(), policy, result)
    return 1 if result.has_problems else 0
