"""`run.py letter`: the determination letter (决定告知书) of one person, center or item."""
from __future__ import annotations

import dataclasses
import datetime as dt
from pathlib import Path

from rich.markup import escape

from ..common import privacy
from ..outputs import letter
from ..pipeline.evaluate import evaluate_file
from ..common.words import parse_value
from ..tools.questions import check_subject, check_value, find_decision
from . import options
from ..outputs import terminal
from .options import UsageError

__all__ = ["add_parser", "run"]


def add_parser(subparsers) -> None:
    le = subparsers.add_parser("letter", help="写决定告知书：一个人、中心或事项的判定及其依据",
                               description="为案例文件中的一个对象（办事员、中心或事项）写决定告知书：各项判定及其依据的规则、"
                                           "条款与原文，用到的事实和参数，所作的解释；--why-not 所问的“为何不是”；政策版本与"
                                           "各项判定的编号（与判定记录一致）。",
                               epilog="示例：\n"
                                      "  python run.py letter fixtures/roster_2025.yaml --subject P11 --out P11告知书.docx\n"
                                      "  python run.py letter fixtures/roster_2025.yaml --subject P11 --why-not 年度考核等次=优秀 --out P11告知书.html\n"
                                      "  python run.py letter fixtures/roster_2025.yaml --subject CTR-QU --out CTR-QU告知书.md --log 判定记录.jsonl\n\n"
                                      ".docx 可在 WPS、Word 中修改，.html 可按 A4 打印，.md 为纯文本；三者内容相同。\n"
                                      "告知书写明收件人的完整姓名；身份证号默认遮蔽，需要时用 --unmask。\n"
                                      "退出码：0 已写出；1 该对象所在的案例有错误（不写告知书）；2 用法错误、找不到文件、"
                                      "对象或判定、政策无法加载。")
    options.add_casefile(le, "案例文件：Excel、CSV 名册，或 YAML、JSON 文件")
    options.add_subject(le, "告知书写给谁：办事员、中心或事项的编号（必填）", required=True)
    le.add_argument("--out", required=True, metavar="FILE", help="要写出的告知书（必填）：FILE.docx、FILE.html 或 FILE.md")
    options.add_case(le, "案例编号（此编号的对象出现在多个案例中时指定）")
    le.add_argument("--why-not", metavar="DECISION=VALUE", dest="why_not", action="append", default=[],
                    help="另外说明为何不是这个结果，写作 判定=结果（判定用编号或中文名称），如 年度考核等次=优秀；可重复")
    le.add_argument("--decision", metavar="决定", action="append", default=[],
                    help="告知书只写这项决定（决定名或中文名称，可重复）；不给时写 --why-not 所问的决定，都不给时写全部决定")
    options.add_unmask(le, "显示完整身份证号（默认遮蔽；姓名在告知书中总是完整写出，以便寄送本人）")
    options.add_log(le, "把告知书中的判定追加到这份判定记录（以后可用 replay 复核）")
    options.add_policy(le)


def run(args) -> int:
    """One subject's 决定告知书; the determinations are logged (with --log) before the letter is written."""
    err = options.console(stderr=True)
    write, message = letter.writer_for(args.out)
    if write is None or not Path(args.casefile).is_file():
        raise UsageError(f"[red]{escape(message or f'找不到文件 {args.casefile}')}[/]")
    policy = options.load_policy(args.policy)
    options.check_outputs([args.out, args.log], options.case_files(args.casefile, policy) + options.policy_files(policy))
    case_file, results = evaluate_file(args.casefile, policy)
    result, message = letter.pick_case(results, args.subject, args.case)
    if result is None and case_file.errors:
        message += f"（另有 {len({e.case for e in case_file.errors})} 个案例未能读取）"
    questions = []
    for asked in args.why_not if result is not None else ():
        name, sep, text = asked.partition("=")
        decision, message = find_decision(policy, name.strip()) if sep else (None, f"“{asked}”应写作 决定=取值，如 annual_grade=优秀")
        message = message or check_subject(policy, [result], args.subject, decision) or \
            check_value(policy, [result], decision, parse_value(text))
        if message:
            break
        questions.append(letter.Question(decision, parse_value(text)))
    decisions = []
    for name in args.decision if result is not None and not message else ():
        decision, message = find_decision(policy, name.strip())
        message = message or check_subject(policy, [result], args.subject, decision)
        if message:
            break
        decisions.append(decision)
    if message:
        # it echoes --subject and --case as typed: masked as free text (a name, an ID number) unless --unmask
        raise UsageError(f"[red]{escape(message if args.unmask else privacy.mask_echo(message, args.subject, args.case))}[/]")
    if result.errors:
        for line in terminal.error_lines(result.errors, args.unmask):
            err.print(line)
        err.print(f"[red]案例“{escape(privacy.mask_text(result.case.id))}”有错误，未生成告知书[/]", highlight=False)
        return 1
    # the log holds what the letter states: the determinations asked about (all, when none was asked)
    asked = tuple(dict.fromkeys(decisions or [q.decision for q in questions]))
    kept = letter.chosen(policy, [d for d in result.determinations if d.subject == args.subject], asked)
    records = options.log_first(args.log, policy, [dataclasses.replace(result, determinations=kept)], args.subject,
                                lambda reason: f"[red]{escape(args.log)}：无法写入判定记录（{reason}）[/]")
    doc = letter.build(policy, result, args.subject, records, dt.date.today(), tuple(questions), args.unmask,
                       logged=bool(args.log), decisions=tuple(decisions))
    with options.writing(args.out):
        write(doc, Path(args.out))
    options.console().print(f"已写出 {escape(args.out)}：{len(records)} 项决定", highlight=False, soft_wrap=True)
    return 0
