"""The command line, `python run.py COMMAND …`: one module per command, each `add_parser(subparsers)` and
`run(args) -> int`, which calls the library and hands the result to a renderer in engine/outputs. The options
and helpers several commands share are in options.py; a usage error is one exception (options.UsageError)
that `main` prints and turns into exit status 2."""
from __future__ import annotations

import argparse
import gc
import sys

from . import (analyze, appeal, convert, coverage, diff, evaluate, generate, letter, policytest, replay, template,
               validate)
from .options import UsageError, console
from .parsing import Parser

__all__ = ["COMMANDS", "DESCRIPTION", "EPILOG", "UsageError", "main", "parser"]

# name → module, in the order `run.py --help` lists them: an officer's tasks first (the README's order), then
# editing the policy, then comparing versions
COMMANDS = {"evaluate": evaluate, "template": template, "convert": convert, "appeal": appeal, "letter": letter,
            "replay": replay, "validate": validate, "test": policytest, "coverage": coverage, "analyze": analyze,
            "diff": diff, "generate": generate}


DESCRIPTION = """\
宿区政办发〔2024〕26号 政策的规则引擎：按政策目录中的规则判定名册里的每个人、中心和事项，每项判定都能解释到条款原文；并可回答“为何不是”、申诉、写决定告知书、比较两个政策版本，以及校验、测试政策文件。
"""

EPILOG = """\
示例：
  python run.py evaluate fixtures/roster_2025.yaml
  python run.py evaluate fixtures/roster_2025.yaml --subject P11 --explain
  python run.py validate
  python run.py evaluate --help

每个命令的 --help 有它的说明、示例和退出码。
退出码：0 完成，1 有案例或记录出错（各命令的说明中写明），2 用法错误、找不到文件、政策无法加载。
"""


def parser() -> argparse.ArgumentParser:
    top = Parser(prog="run.py", description=DESCRIPTION, epilog=EPILOG)
    subparsers = top.add_subparsers(dest="command", required=True, metavar="COMMAND", title="命令")
    for command in COMMANDS.values():
        command.add_parser(subparsers)
    return top


# A run makes millions of small objects and almost no cycles: the collector's default (a young collection every
# 700 allocations, the whole heap every so often) took a fifth of a roster's run and a third of a 50,000-person
# case's. Rarer collections, for the command and the workers it forks (measured: 10,000 people, brief, one
# process, 5.6 s → 4.4 s; the 50,000-person case 23 s → 15 s; peak memory the same).
_GC_THRESHOLDS = (50_000, 20, 20)


def main(argv: list[str] | None = None) -> int:
    gc.set_threshold(*_GC_THRESHOLDS)
    for stream in (sys.stdout, sys.stderr):
        # whatever a case file held (a lone surrogate in an id), what is printed stays valid text, escaped
        if hasattr(stream, "reconfigure"):
            stream.reconfigure(errors="backslashreplace")
    try:
        try:
            args = parser().parse_args(argv)
        except SystemExit as e:   # --help printed, argparse's exit (0): returned, as every status is
            return int(e.code or 0)
        return COMMANDS[args.command].run(args)
    except UsageError as e:
        return e.report(console(stderr=True))
