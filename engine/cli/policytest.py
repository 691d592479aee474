"""`run.py test`: the policy's own YAML tests (tests/*.yaml in the policy folder). Named policytest, not test,
so that neither pytest nor a reader takes it for a test module."""
from __future__ import annotations

import argparse
from pathlib import Path

from rich.markup import escape

from ..outputs import answer, policytests
from ..tools.policytests import find_policy, run_policy_tests
from . import options
from .options import UsageError

__all__ = ["add_parser", "run"]


def add_parser(subparsers) -> None:
    te = subparsers.add_parser("test", help="run the policy's own YAML tests (tests/*.yaml in the policy folder)",
                               description="运行政策自带的 YAML 测试（办事人员编写），每个失败给出行号、原因与实得值的解释。"
                                           "PATH 可以是政策目录、测试文件夹或一个测试文件（向上查找 policy.yaml）。",
                               epilog="示例：\n"
                                      "  python run.py test\n"
                                      "  python run.py test policies/suchen_2024/tests/allowances.yaml\n"
                                      "  python run.py test policies/suchen_2024 -k 技能补贴\n\n"
                                      "退出码：0 全部通过，1 有测试失败或测试文件有错，2 政策有错、找不到政策或没有测试。",
                               formatter_class=argparse.RawDescriptionHelpFormatter)
    options.add_policy_dir(te, "政策目录，或测试文件、测试文件夹（默认 policies/suchen_2024）")
    te.add_argument("files", nargs="*", metavar="TESTFILE", help="只运行这些测试文件")
    te.add_argument("-k", metavar="NAME", dest="only", help="只运行名称含 NAME 的测试")
    options.add_format(te, ["text", "json"])
    options.add_unmask(te, "show names and ID numbers in messages (masked by default)")


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
