"""`run.py evaluate`: decide every case of a case file; the determinations as tables and trees, JSON or sheets."""
from __future__ import annotations

import sys
from pathlib import Path

from rich.markup import escape

from ..casefiles.cases import load_cases
from ..casefiles.labels import kinds_of
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
示例：
  python run.py evaluate fixtures/roster_2025.yaml
  python run.py evaluate 名册.xlsx --format xlsx --out 判定结果.xlsx
  python run.py evaluate fixtures/roster_2025.yaml --subject P11 --explain
  python run.py evaluate fixtures/roster_2025.yaml --subject P11 --why-not 优秀 --decision 年度考核等次
  python run.py evaluate fixtures/roster_2025.yaml --format json > 判定结果.json
  python run.py evaluate fixtures/roster_2025.yaml --log 判定记录.jsonl

案例文件可以是 Excel 名册（python run.py template 名册.xlsx 得到空白的一份）、CSV 名册，或 YAML、JSON 文件（fixtures/roster_2025.yaml 即一例）。一处填错只影响该条记录：其余照常判定，错误写明表、单元格（或行）和应填什么。最后一行“记录核对”：每类记录读入多少、判定多少、出错多少。
姓名和身份证号默认遮蔽，--unmask 原样显示。
退出码：0 全部判定；1 有记录出错（其余已判定）；2 用法错误、找不到文件、政策无法加载（不作判定）；3 记录核对不平（程序缺陷，请报告）。
"""


def add_parser(subparsers) -> None:
    ev = subparsers.add_parser("evaluate", help="判定名册：每个人、中心、事项的各项判定及其依据",
                               description="按政策判定案例文件中的每个案例：每个办事员、中心、事项的各项判定（选聘资格、取证期限、"
                                           "补贴、年度考核等次、是否建议换岗、窗口配备……），以表格列出；可逐项解释到条款原文，"
                                           "回答“为何不是另一个结果”，或写成 Excel、CSV、JSON。",
                               epilog=EPILOG)
    options.add_casefile(ev, "案例文件：Excel 名册（.xlsx）、CSV 名册（.csv），或 YAML、JSON 文件")
    options.add_policy(ev)
    options.add_format(ev, ["table", "json", "xlsx", "csv"],
                       "输出格式：table 表格（默认）；json 供其他程序读取；xlsx、csv 每个对象一行（用 --out 写入文件）")
    ev.add_argument("--out", metavar="FILE", help="要写出的文件：--format xlsx 时必填；csv 时不填则打印在屏幕上")
    options.add_subject(ev, "只看这一个人、中心或事项（编号，如 P11、CTR-QU、I01）")
    ev.add_argument("--explain", nargs="?", const="full", choices=answer.EXPLAIN_SIZES, metavar="none|brief|full",
                    help="解释的详略：单写 --explain 即 full，在表格后逐项列出解释树（规则、条款原文、事实、参数、解释，"
                         "以及让位的规则）；brief 简要（json 的默认：条款原文、参数与解释集中列在顶层 references 中）；"
                         "none 不解释")
    ev.add_argument("--why-not", metavar="VALUE", dest="why_not",
                    help="为何不是这个结果：逐条说明能得出它的规则为何没有得出（与 --decision 同用；如 优秀、600、是、否）")
    options.add_decision(ev, "--why-not 所问的判定，编号或中文名称均可（annual_grade 或 年度考核等次）")
    ev.add_argument("--no-explanations", action="store_true", help="不附解释，同 --explain none")
    options.add_unmask(ev, options.MASKED_HELP)
    options.add_log(ev, "把每项判定追加一行到判定记录（政策版本与摘要、输入摘要、结果、所用规则；不含姓名和身份证号），"
                        "以后可用 replay 复核")
    options.add_jobs(ev, f"同时判定的进程数（默认：全部核心，本机 {parallel.default_jobs()} 个；1：不另开进程）")


def run(args) -> int:
    out = options.console()
    err = options.console(stderr=True)
    if (args.why_not is None) != (args.decision is None):
        raise UsageError("[red]--why-not 与 --decision 须同时给出：问哪项判定、为何不是哪个结果，"
                         "如 --why-not 优秀 --decision 年度考核等次[/]", highlight=True)
    message = _sheet_usage(args)
    if message:
        raise UsageError(f"[red]{escape(message)}[/]")
    policy = options.load_policy(args.policy)
    if args.decision:
        args.decision, message = find_decision(policy, args.decision)
        if args.decision is None:
            raise UsageError(f"[red]{escape(message)}[/]", highlight=True)
    options.need_file(args.casefile)
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
            err.print(f"[red]{escape(terminal.account_line(doc['account'], _called(policy)))}[/]")
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
        return "--format xlsx 须用 --out 指定要写出的文件，如 --out 判定结果.xlsx"
    if args.out and args.format not in ("xlsx", "csv"):
        return "--out 只用于 --format xlsx 或 csv"
    if args.format in ("xlsx", "csv") and (args.why_not is not None or args.explain):
        return "--why-not、--explain 只用于 table 或 json 格式"
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
    err.print(terminal.account_line(books, _called(policy)), highlight=False)
    return 3 if not books["balanced"] else 1 if failed else 0


def _called(policy) -> dict[str, str]:
    """What each list of records is called in the account line: 人员, 中心 …"""
    return {k: label for _, k, label in kinds_of(policy)}
