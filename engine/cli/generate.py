"""`run.py generate`: a fictitious roster (the same seed, the same file), to compare versions and measure."""
from __future__ import annotations

from . import options

__all__ = ["add_parser", "run"]


def add_parser(subparsers) -> None:
    ge = subparsers.add_parser("generate", help="生成虚构的名册（同一种子得到同一文件），用于比较与性能测试",
                               description="生成逼真的虚构名册：年龄、学历、两类证书、工作年限、月度考核（多为一般，好不超过比例，"
                                           "少量差与暂停）、各层级的多个中心、服务事项，含2月29日出生或上岗的人员。")
    ge.add_argument("--people", type=options.positive, required=True, metavar="N")
    ge.add_argument("--seed", type=int, default=1, metavar="S")
    ge.add_argument("--out", required=True, metavar="FILE.yaml")
    ge.add_argument("--year", type=int, default=2025, metavar="YEAR", help="考核年度（默认2025）")
    options.add_policy(ge, options.POLICY_HELP_ZH)


def run(args) -> int:
    from ..tools import generate
    err = options.console(stderr=True)
    policy = options.load_policy(args.policy)
    options.check_outputs([args.out], options.policy_files(policy))
    tree = generate.generate(policy, args.people, args.seed, args.year)
    command = f"python run.py generate --people {args.people} --seed {args.seed} --out {args.out}" + (
        f" --year {args.year}" if args.year != 2025 else "")
    with options.writing(args.out):
        generate.write(tree, args.out, command)
    err.print(f"已写出 {args.out}：{args.people} 人，{len(tree['cases'])} 个案例", highlight=False)
    return 0
