"""`run.py test`: the policy's own YAML tests (tests/*.yaml in the policy folder). Named policytest, not test,
so that neither pytest nor a reader takes it for a test module."""
from __future__ import annotations

from pathlib import Path

from rich.markup import escape

from ..outputs import answer, policytests
from ..tools.policytests import find_policy, run_policy_tests
from . import options
from .options import UsageError

__all__ = ["add_parser", "run"]


def add_parser(subparsers) -> None:
    te = subparsers.add_parser("test", help="运行政策自带的测试（政策目录的 tests/*.yaml）",
                               description="运行政策自带的测试：每个测试是一个案例和它应得的判定（政策目录 tests/ 中的 YAML 文件，"
                                           "由修改政策的人编写）。每个未通过的测试给出文件与行号、应得与实得的结果，以及实得结果的解释。"
                                           "POLICY_DIR 可以是政策目录、测试文件夹或一个测试文件（由此向上查找 policy.yaml）。",
                               epilog="示例：\n"
                                      "  python run.py test\n"
                                      "  python run.py test policies/suchen_2024/tests/allowances.yaml\n"
                                      "  python run.py test policies/suchen_2024 -k 技能补贴\n\n"
                                      "测试文件的写法见 README“修改政策”一节与 docs/policy-files.md。\n"
                                      "退出码：0 全部通过；1 有测试未通过或测试文件有错；2 用法错误、政策有错、找不到政策或没有测试。")
    options.add_policy_dir(te, "政策目录，或测试文件、测试文件夹（默认 policies/suchen_2024）")
    te.add_argument("files", nargs="*", metavar="TESTFILE", help="只运行这些测试文件")
    te.add_argument("-k", metavar="NAME", dest="only", help="只运行名称含 NAME 的测试")
    options.add_format(te, ["text", "json"], "输出格式：text 供人阅读（默认）；json 供其他程序读取")
    options.add_unmask(te, options.MASKED_HELP)


def run(args) -> int:
    root, found = find_policy(args.policy)
    if root is None:
        raise UsageError(f"[red]{escape(args.policy)}：找不到政策（此处及其上级目录都没有 policy.yaml）[/]", soft_wrap=True)
    policy = options.load_policy(str(root))
    files = [Path(f) for f in args.files] if args.files else found
    if files is None and not policy.tests_dir:
        raise UsageError(f"[red]{escape(str(root / 'policy.yaml'))}：没有写 tests（测试文件夹）[/]", soft_wrap=True)
    outcomes, problems = run_policy_tests(policy, files, only=args.only)
    if not outcomes and not problems:
        what = f"名称含“{args.only}”的测试" if args.only else "测试"
        raise UsageError(f"[red]没有找到{escape(what)}：{escape(' '.join(map(str, files or [policy.tests_dir])))}[/]",
                         soft_wrap=True)
    if args.format == "json":
        answer.write_json(policytests.as_json(outcomes, problems, args.unmask), indent=1)
    else:
        policytests.render(options.console(), outcomes, problems, args.unmask)
    return 1 if problems or any(not o.passed for o in outcomes) else 0
