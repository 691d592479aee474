"""`run.py appeal`: what the person's own facts would have had to be for the wanted value (counterfactual)."""
from __future__ import annotations

from rich.console import Console
from rich.markup import escape

from ..common import locations, privacy
from ..outputs import answer
from ..outputs import appeal as outputs
from ..pipeline.evaluate import Evaluator
from ..tools.questions import find_decision
from . import options
from .options import UsageError

__all__ = ["EPILOG", "add_parser", "run", "command"]

EPILOG = """\
示例：
  python run.py appeal fixtures/roster_2025.yaml --subject P11 --decision 年度考核等次 --want 优秀
  python run.py appeal fixtures/roster_2025.yaml --subject P05 --decision 年度考核等次 --want 称职
  python run.py appeal fixtures/roster_2025.yaml --subject P01 --decision skill_allowance --want 400 --format json
  python run.py appeal fixtures/roster_2025.yaml --subject P37 --decision eligibility --want 合格

哪些事实可以改变、怎样改变、代价多少，由政策目录的 appeals.yaml 规定（出生日期等不可改）；会改变他人判定的改动（如超出中心“好”的20%限额）不作为方案。
json 中每处改动的 fact 是案例文件中（该办事员记录内）的位置，如 ratings.2025-03、certificates[0].obtained_on；把改动写入案例文件再判定，即得 value。
姓名默认遮蔽，--unmask 原样显示。
退出码：0 已给出答案（可选的方案，或无法达到及其理由）；1 案例文件有错误；2 用法错误、找不到文件或对象、政策无法加载。
"""


def add_parser(subparsers) -> None:
    ap = subparsers.add_parser("appeal", help="申诉：本人事实怎样不同才能得到期望的结果（反事实）",
                               description="申诉（反事实）：本人的哪些事实本应不同，才能得到期望的结果。按代价从低到高搜索 "
                                           "appeals.yaml 允许的改变（至多几处），每个方案都经规则引擎重新判定；找不到时说明阻碍的"
                                           "规则、条款及其不可更改的事实。--decision 与 --want 必须给出。",
                               epilog=EPILOG)
    options.add_casefile(ap, "案例文件（YAML 或 JSON，判定合同 v1）")
    options.add_subject(ap, "申诉人（办事员编号，必填）")
    options.add_decision(ap, "申诉的判定（必填），编号或中文名称均可，如 annual_grade 或 年度考核等次")
    ap.add_argument("--want", metavar="VALUE", help="期望的结果（必填），如 优秀、400、是、否")
    options.add_case(ap, "案例编号（文件中有多个案例含此人时指定）")
    options.add_format(ap, ["table", "json"], options.FORMAT_HELP)
    options.add_policy(ap)
    options.add_unmask(ap, options.MASKED_HELP)


def run(args) -> int:
    policy = options.load_policy(args.policy)
    if args.decision:
        # by id or Chinese label, as everywhere; an unknown name falls through to the search's own message
        args.decision = find_decision(policy, args.decision)[0] or args.decision
    return command(policy, args.casefile, args.subject, args.decision, args.want, args.case, args.format,
                   args.unmask, options.console(), options.console(stderr=True))


def command(policy, casefile: str, subject: str | None, decision: str | None, want_text: str | None,
            case: str | None, fmt: str, unmask: bool, out: Console, err: Console) -> int:
    """`run` once the policy is loaded, on the consoles given (as the tests call it, in process): 0 answered
    (alternatives, already so, or not reachable with the reason), 1 the case does not load, 2 bad usage (the
    UsageError reported on `err`, as `main` reports it)."""
    from ..tools import appeal  # the counterfactual search; only this command loads it
    try:
        question = appeal.asked(policy, casefile, subject, decision, want_text, case)
    except appeal.Unaskable as e:
        # it echoes --subject and --case as typed: masked as free text (a name, an ID number) unless --unmask
        shown = (lambda text: text) if unmask else (lambda text: privacy.mask_echo(text, subject, case))
        return UsageError(f"[red]{escape(shown(e.message))}[/]{escape(shown(e.detail))}").report(err)
    except locations.YamlError as e:
        outputs.render_problems(err, [str(e)], unmask)
        return 1
    try:
        result = appeal.appeal(policy, Evaluator(policy), question.case, question.subject, question.decision,
                               question.want, casefile, question.prefix)
    except appeal.AppealError as e:
        outputs.render_problems(err, e.messages, unmask)
        return 1
    if fmt == "json":
        answer.write_json(appeal.to_json(result, policy, unmask), indent=1)
    else:
        outputs.render(out, result, policy, unmask)
    return 0
