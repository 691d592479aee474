"""`run.py generate`: a fictitious roster (the same seed, the same file), to compare versions and measure."""
from __future__ import annotations

import re

from rich.markup import escape

from ..common.limits import GENERATED_YEARS, MAX_GENERATED_PEOPLE
from ..common.privacy import mask_text, printable
from . import options

__all__ = ["add_parser", "run"]


def add_parser(subparsers) -> None:
    ge = subparsers.add_parser("generate", help="生成虚构的名册（同一种子得到同一文件），用于比较与性能测试",
                               description="生成逼真的虚构名册：各类记录的数量与各字段的分布按政策的 generate.yaml"
                                           "（宿城区方案：年龄、学历、两类证书、工作年限、月度考核多为一般、好不超过比例、"
                                           "少量差与暂停，各层级的多个中心、服务事项，含2月29日出生或上岗的人员）；"
                                           "没有 generate.yaml 的政策按 records.yaml 的声明生成。姓名与身份证号都是虚构的。",
                               epilog="示例：\n"
                                      "  python run.py generate --people 500 --seed 26 --out 试验名册.yaml\n"
                                      "  python run.py diff policies/suchen_2024 policies/examples/amendment_demo --cases 试验名册.yaml\n\n"
                                      "同样的 --people、--seed、--year 总是得到同样的文件；.yaml 文件开头记下生成它的命令（.json 读得更快，但不记命令）。"
                                      "不覆盖政策目录中的文件。\n"
                                      "退出码：0 已写出；2 用法错误（数不在范围内）、政策无法加载、无法写出。")
    # the numbers are read as text and checked in `run`, so that every refusal is one Chinese message (exit 2)
    ge.add_argument("--people", required=True, metavar="N", help=f"人数，1 至 {MAX_GENERATED_PEOPLE:,}")
    ge.add_argument("--seed", default="1", metavar="S", help="随机种子（默认1），至多 18 位的整数")
    ge.add_argument("--out", required=True, metavar="FILE.yaml", help="要写出的名册：.yaml 或 .json")
    ge.add_argument("--year", default="2025", metavar="YEAR",
                    help=f"考核年度（默认2025），{GENERATED_YEARS[0]} 至 {GENERATED_YEARS[1]}")
    options.add_policy(ge)


_WHOLE = re.compile(r"[+-]?[0-9]{1,40}")   # longer is out of every bound anyway (and int() of 5,000 digits fails)


def _whole(text: str | list, option: str) -> int:
    text = text.strip() if isinstance(text, str) else ""   # argparse gives [] for `--people=--`
    if _WHOLE.fullmatch(text):
        return int(text)
    shown = escape(printable(mask_text(text[:40] + ("…" if len(text) > 40 else ""))))
    raise options.UsageError(f"[red]{option} 应为整数，实为“{shown}”[/]")


def run(args) -> int:
    from ..tools import generate
    err = options.console(stderr=True)
    people, seed, year = (_whole(args.people, "--people"), _whole(args.seed, "--seed"), _whole(args.year, "--year"))
    problems = generate.bounds_problems(people, seed, year)
    if problems:
        raise options.UsageError(*(f"[red]{escape(p)}[/]" for p in problems))
    policy = options.load_policy(args.policy)
    options.check_outputs([args.out], options.policy_files(policy))
    try:
        tree = generate.generate(policy, people, seed, year)
    except generate.GenerateError as e:
        raise options.UsageError(f"[red]{escape(str(e))}[/]") from None
    command = f"python run.py generate --people {people} --seed {seed} --out {args.out}" + (
        f" --year {year}" if year != 2025 else "")
    with options.writing(args.out):
        generate.write(tree, args.out, command, generate.header_note(policy))
    counts = [(sum(len(c.get(k.list) or []) for c in tree["cases"]), k.unit) for k in policy.records.kinds.values()]
    held = "、".join(f"{n:,} {unit}" for n, unit in counts if n)
    err.print(f"已写出 {escape(args.out)}：{held}，{len(tree['cases'])} 个案例", highlight=False)
    return 0
