"""The command line, `python run.py COMMAND …`: one module per command, each `add_parser(subparsers)` and
`run(args) -> int`, which calls the library and hands the result to a renderer in engine/outputs. The options
and helpers several commands share are in options.py; a usage error is one exception (options.UsageError)
that `main` prints and turns into exit status 2."""
from __future__ import annotations

import argparse
import sys

from . import (analyze, appeal, convert, coverage, diff, evaluate, generate, letter, policytest, replay, template,
               validate)
from .options import UsageError, console

__all__ = ["COMMANDS", "UsageError", "main", "parser"]

# name → module, in the order `run.py --help` lists them
COMMANDS = {"evaluate": evaluate, "validate": validate, "appeal": appeal, "test": policytest, "replay": replay,
            "letter": letter, "template": template, "convert": convert, "diff": diff, "generate": generate,
            "coverage": coverage, "analyze": analyze}


def parser() -> argparse.ArgumentParser:
    top = argparse.ArgumentParser(
        prog="run.py",
        description="宿区政办发〔2024〕26号 as policy-as-code: evaluate cases against the policy's YAML rules, "
                    "explain each determination down to the clause, validate and test the policy files.",
        formatter_class=argparse.RawDescriptionHelpFormatter)
    subparsers = top.add_subparsers(dest="command", required=True, metavar="COMMAND")
    for command in COMMANDS.values():
        command.add_parser(subparsers)
    return top


def main(argv: list[str] | None = None) -> int:
    for stream in (sys.stdout, sys.stderr):
        # whatever a case file held (a lone surrogate in an id), what is printed stays valid text, escaped
        if hasattr(stream, "reconfigure"):
            stream.reconfigure(errors="backslashreplace")
    args = parser().parse_args(argv)
    try:
        return COMMANDS[args.command].run(args)
    except UsageError as e:
        return e.report(console(stderr=True))
