"""`run.py diff`: two versions of the policy over one roster — whose determinations change, why, at what cost."""
from __future__ import annotations

from pathlib import Path

from rich.markup import escape

from ..common import outfiles
from ..outputs import answer
from ..tools.questions import find_decision
from . import options
from .options import UsageError

__all__ = ["EPILOG", "add_parser", "run"]

EPILOG = """\
示例：
  python run.py diff policies/suchen_2024 policies/examples/amendment_demo --cases fixtures/corpus_500.yaml
  python run.py diff git:3bd7862:policies/suchen_2024 policies/suchen_2024 --cases fixtures/corpus_500.yaml
  python run.py diff policies/suchen_2024 policies/examples/amendment_demo --cases fixtures/corpus_500.yaml --report 比较.xlsx
  python run.py diff policies/suchen_2024 policies/examples/amendment_demo --cases fixtures/corpus_500.yaml --decision 选聘资格 --only-changed

BASE 与 NEW 为政策目录，或 git:提交:路径（从 git 版本库的某次提交中读出，不改动当前文件）。原因取自两个版本的说明：参数（原值、新值，条款与起始日）、规则（新增、删除、条件改变）、解释、事实。
姓名、身份证号默认遮蔽，--unmask 原样显示。
退出码：0 完成（--fail-on-change 时：没有变化）；1 --fail-on-change 且有变化；2 用法错误、找不到文件或提交、政策无法加载。
"""


def add_parser(subparsers) -> None:
    df = subparsers.add_parser("diff", help="比较两个政策版本：同一名册下谁的判定改变、为什么、预算多少",
                               description="用两个政策版本分别判定同一批案例，列出每条改变的判定及其原因（读自两个版本的说明），"
                                           "以及各判定的分布、补贴增减人数、按中心与合计的月度和年度补贴预算、新增符合与不再符合。",
                               epilog=EPILOG)
    df.add_argument("base", metavar="BASE", help="原版本：政策目录，或 git:提交:路径（如 git:HEAD~1:policies/suchen_2024）")
    df.add_argument("new", metavar="NEW", help="新版本：政策目录，或 git:提交:路径")
    options.add_cases(df, "案例文件（YAML、JSON、.xlsx、.csv）")
    options.add_format(df, ["table", "json"], options.FORMAT_HELP_ZH)
    df.add_argument("--report", metavar="FILE.md|FILE.xlsx", help="另写一份报告（Markdown 或 Excel）附于公文")
    df.add_argument("--only-changed", action="store_true", dest="only_changed", help="汇总只列有变化的判定与中心")
    options.add_decision(df, "只比较这一判定（编号或中文名称）：汇总与预算随之缩小，不涉及金额的判定不列预算")
    df.add_argument("--fail-on-change", action="store_true", dest="fail_on_change", help="有变化时退出码为1（用于持续集成）")
    options.add_unmask(df, "显示姓名与身份证号（默认遮蔽）")
    options.add_jobs(df, "判定所用进程数（默认：全部核心；1：本进程）")


def run(args) -> int:
    from ..tools import diff
    from ..outputs import diffreport
    out, err = options.console(), options.console(stderr=True)
    if args.report and Path(args.report).suffix.lower() not in (".md", ".xlsx"):
        raise UsageError(f"[red]--report 只写 .md 或 .xlsx：{escape(args.report)}[/]", highlight=True)
    options.need_file(args.cases)
    versions, unusable = [], None
    for text in (args.base, args.new):   # both are read, and what is wrong with either is said
        try:
            versions.append(_load_version(text))
        except UsageError as e:
            unusable = e if unusable is None else unusable + e
    if unusable is not None:
        raise unusable
    (old_policy, old_commit), (new_policy, new_commit) = versions
    options.check_outputs([args.report], [f for p in (old_policy, new_policy)
                                          for f in options.case_files(args.cases, p) + options.policy_files(p)])
    wanted = None
    if args.decision:
        names = {find_decision(p, args.decision)[0] for p in (old_policy, new_policy)} - {None}
        if not names:
            raise UsageError(f"[red]{escape(find_decision(new_policy, args.decision)[1])}[/]", highlight=True)
        wanted = names
    compared = diff.compare_file(args.cases, diff.Side(args.base, old_commit, old_policy),
                                 diff.Side(args.new, new_commit, new_policy), wanted, args.jobs)
    base, new, found = compared.base, compared.new, compared.found
    summary = diff.summary(compared, only_changed=args.only_changed)
    if args.format == "json":
        answer.write_json(diffreport.document(base, new, found, summary, args.unmask))
    else:
        diffreport.render(out, base, new, found, summary, args.unmask)
    if args.report:
        with options.writing(args.report):
            if args.report.lower().endswith(".md"):
                outfiles.write_text(args.report, outfiles.file_text(diffreport.markdown(base, new, found, summary, args.unmask)))
            else:
                diffreport.workbook(args.report, base, new, found, summary, args.unmask)
        err.print(f"已写出报告 {escape(args.report)}", highlight=False)
    return 1 if args.fail_on_change and found else 0


def _load_version(text: str):
    """(policy, commit) for a folder or git:REV:path; a UsageError when it cannot be loaded."""
    from ..tools.gitpolicy import GitPolicyError, materialised
    try:
        with materialised(text) as (root, commit):
            if not (root / "policy.yaml").is_file():
                raise UsageError(f"[red]{escape(text)}：不是政策目录（没有 policy.yaml）[/]", highlight=True)
            return options.load_policy(str(root)), commit
    except GitPolicyError as e:
        raise UsageError(f"[red]{escape(str(e))}[/]", highlight=True) from None
