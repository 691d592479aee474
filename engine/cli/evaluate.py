"""`run.py evaluate`: decide every case of one case file or several; the determinations as tables and trees,
JSON or sheets. The JSON answer is written case by case as the cases are decided (memory holds the cases in flight
and one file's cases, not the answers); the table and the sheets keep every result until the end."""
from __future__ import annotations

import sys
from pathlib import Path

from rich.markup import escape

from ..casefiles.cases import CaseFile, load_cases, read_unchecked
from ..casefiles.labels import kinds_of
from ..common import privacy
from ..common.words import os_reason
from ..explain.trace import Trace
from ..explain.why import Why
from ..explain.whynot import WhyNot
from ..outputs import answer, progress, terminal
from ..pipeline import parallel
from ..pipeline.evaluate import CaseResult, Evaluator, account
from ..common.words import parse_value
from ..tools import decisionlog
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
  python run.py evaluate 一季度.xlsx 二季度.xlsx 各区名册/ --format json > 全市判定结果.json
  python run.py evaluate fixtures/roster_2025.yaml --log 判定记录.jsonl

案例文件可以是 Excel 名册（python run.py template 名册.xlsx 得到空白的一份）、CSV 名册，或 YAML、JSON 文件（fixtures/roster_2025.yaml 即一例）。一处填错只影响该条记录：其余照常判定，错误写明文件、表、单元格（或行）和应填什么。最后一行“记录核对”：每类记录读入多少、判定多少、出错多少。
可以一次给出多个案例文件或文件夹（文件夹中的案例文件按文件名顺序读取，不含子文件夹）：合为一份结果、一行记录核对。json 格式边判定边写出，人数再多也不必全部留在内存中；表格、xlsx、csv 格式要等全部判定完才写出，结果都留在内存中，人数很多时请用 json。
姓名和身份证号默认遮蔽，--unmask 原样显示。
退出码：0 全部判定；1 有记录出错（其余已判定）；2 用法错误、找不到文件、政策无法加载（不作判定）；3 记录核对不平（程序缺陷，请报告）。
"""


def add_parser(subparsers) -> None:
    ev = subparsers.add_parser("evaluate", help="判定名册：每个人、中心、事项的各项判定及其依据",
                               description="按政策判定案例文件中的每个案例：每个办事员、中心、事项的各项判定（选聘资格、取证期限、"
                                           "补贴、年度考核等次、是否建议换岗、窗口配备……），以表格列出；可逐项解释到条款原文，"
                                           "回答“为何不是另一个结果”，或写成 Excel、CSV、JSON。",
                               epilog=EPILOG)
    options.add_casefiles(ev, "案例文件：Excel 名册（.xlsx）、CSV 名册（.csv），或 YAML、JSON 文件；可给多个，"
                              "或给文件夹（读其中的案例文件）")
    options.add_policy(ev)
    options.add_format(ev, ["table", "json", "xlsx", "csv"],
                       "输出格式：table 表格（默认）；json 供其他程序读取，边判定边写出；xlsx、csv 每个对象一行"
                       "（用 --out 写入文件）。table、xlsx、csv 要把全部结果留在内存中，人数很多时请用 json")
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
    paths = options.case_paths(args.casefile, policy)
    options.check_outputs(_outputs(args) + [args.log],
                          [f for p in paths for f in options.case_files(p, policy)] + options.policy_files(policy))
    evaluator = Evaluator(policy)
    want = parse_value(args.why_not) if args.why_not is not None else None
    if args.format == "json":
        return _json(args, policy, evaluator, paths, want, err)
    files = [load_cases(p, policy) for p in paths]
    case_file = _merged(files)
    _check_question(args, policy, evaluator, case_file.cases, want)
    with progress.bar(err, case_file.cases) as advance:
        results = parallel.evaluate_cases(evaluator, case_file.cases, args.jobs, advance)
    failed = bool(case_file.errors) or any(r.errors for r in results)
    if args.log:
        options.log_first(args.log, policy, results, args.subject,
                          lambda reason: _unlogged(args.log, reason))
    for warning in case_file.warnings:
        err.print(f"[yellow]注意[/] {escape(warning)}", highlight=False)
    if args.format in ("xlsx", "csv"):
        return _sheets(args, policy, case_file, results, failed, err)
    books = account(case_file, results)
    terminal.render_evaluation(out, err, policy, case_file, results, _explainer(policy, args, want), books,
                               args.unmask, args.subject)
    return 3 if not books["balanced"] else 1 if failed else 0


def _check_question(args, policy, evaluator: Evaluator, cases: list, want) -> None:
    """--subject (and --decision, --why-not) asked of the cases read, before any is decided: else a UsageError."""
    if args.subject is None and args.why_not is None:
        return
    message = check_subject(policy, [CaseResult(c) for c in cases], args.subject, args.decision) or (
        check_value(policy, [evaluator.start(c) for c in cases[:1]], args.decision, want)
        if args.why_not is not None else "")
    if message:   # a "did you mean" lists ids, which may be ID numbers; --subject is echoed as typed (a name?)
        raise UsageError(f"[red]{escape(message if args.unmask else privacy.mask_echo(message, args.subject))}[/]",
                         highlight=True)


def _json(args, policy, evaluator: Evaluator, paths: list[Path], want, err) -> int:
    """--format json: each file's cases decided and written in workers, case by case, in input order; each file read
    when its turn comes and let go once written (all read first when a --subject is asked: it is checked first)."""
    explain = _explain_size(args, "brief")
    asked = args.subject is not None or args.why_not is not None
    loaded: list[CaseFile | None] = [load_cases(p, policy) for p in paths] if asked else [None] * len(paths)
    if asked:
        _check_question(args, policy, evaluator, [c for f in loaded for c in f.cases], want)
    render = answer.CaseRenderer(policy, explain, args.unmask, args.subject, _why_not(policy, args, want),
                                 _logger(args, policy))
    writer = answer.AnswerWriter(policy, explain, args.unmask)
    several = len(paths) > 1
    label = (lambda path: f"判定 {path.name}") if several else (lambda path: "判定")

    lost: dict[str, str] = {}   # the file's cases a worker died on: not decided again when it is read whole

    def written(cases, then, days=None) -> int:
        """The cases decided and written in turn, up to the first that gives None; how many were written."""
        done = 0
        with progress.bar(err, cases, label(path)) as advance:
            for part in parallel.stream_cases(evaluator, cases, then, args.jobs, days=days, lost=lost):
                if part is None:
                    break
                if part.log:   # logged before it is given out
                    _append(args.log, part.log)
                writer.add(part)
                advance(sum(v["decided"] + v["errored"] for v in part.books.values() if isinstance(v, dict)))
                done += 1
        return done

    def clean(result):   # from a file not yet read whole: an error, which may want lines, sends it to load_cases
        return None if result.errors else render(result)

    for n, path in enumerate(paths):
        case_file, loaded[n], done, parsed = loaded[n], None, 0, None
        lost.clear()   # case ids are a file's own
        if case_file is None:
            unchecked = read_unchecked(path, policy)   # checked case by case in the workers, while clean
            if unchecked is not None:
                done = written(unchecked, clean, unchecked.days())
                if done == len(unchecked):
                    _file_done(writer, unchecked.file, unchecked.ids, several, err)
                    unchecked = None   # let go before the next file is read
                    continue
                parsed, unchecked = (None if unchecked.released else unchecked.parsed), None
            case_file = load_cases(path, policy, parsed)
        written(case_file.cases[done:], render)
        _file_done(writer, case_file, [c.id for c in case_file.cases], several, err)
        case_file = parsed = None   # let go before the next file is read
    books = writer.close(files=several)
    if not books["balanced"]:
        err.print(f"[red]{escape(terminal.account_line(books, _called(policy)))}[/]")
        return 3
    return 1 if writer.errored else 0


def _file_done(writer: answer.AnswerWriter, case_file: CaseFile, ids: list[str], several: bool, err) -> None:
    """After a file's decided cases: the rest of it in the answer; its warnings on stderr (naming it, of several)."""
    writer.add_file(case_file, set(ids), several)
    for warning in case_file.warnings:
        err.print(f"[yellow]注意[/] {escape(f'{case_file.path}：' if several else '')}{escape(warning)}", highlight=False)


def _why_not(policy, args, want):
    """The answers a case's JSON adds under "why_not" (with --why-not): each subject of the decision's kind."""
    if args.why_not is None:
        return None

    def answers(result) -> list:
        why_not = WhyNot.of(policy, result)
        return [why_not.why_not(s, args.decision, want) for s in subjects_of(policy, result, args.decision, args.subject)]
    return answers


def _logger(args, policy):
    """With --log: each result's decision-log records (one run id and time for the whole run); the log is opened
    once first, so a log that cannot be written stops the run before anything is decided."""
    if not args.log:
        return None
    _append(args.log, [])
    run, time = decisionlog.new_run()
    ref = decisionlog.PolicyRef.of(policy)
    return lambda result: decisionlog.records_for(result, ref, run, time, args.subject)


def _append(path: str, records: list) -> None:
    try:
        decisionlog.append(path, records)
    except OSError as e:
        raise UsageError(_unlogged(path, os_reason(e))) from None


def _unlogged(path: str, reason: str) -> str:
    return f"[red]{escape(path)}：无法追加判定记录（{escape(str(reason))}）[/]"


def _merged(files: list[CaseFile]) -> CaseFile:
    """Several case files as one, for the table and the sheets: their cases and errors in turn, what they read
    added up, each file's warnings naming it."""
    if len(files) == 1:
        return files[0]
    read = {k: sum(f.read[k] for f in files) for k in files[0].read}
    return CaseFile("、".join(f.path for f in files), [c for f in files for c in f.cases],
                    [e for f in files for e in f.errors], read,
                    {f"{f.path}:{case_id}": held for f in files for case_id, held in f.failed_cases.items()},
                    warnings=[f"{f.path}：{w}" for f in files for w in f.warnings])


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
