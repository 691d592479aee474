"""argparse in Chinese: the parser every command is built with (`Parser`) and its help layout (`Formatter`).

argparse makes every text it prints itself — `usage:`, the section headings, `-h`'s help, each usage error —
by looking up its English string with gettext (`_()` and `ngettext()`, module globals of argparse) at the
moment it needs it. That lookup is its translation hook, so the fixed strings are translated there, from a
catalog below, rather than by taking apart the English afterwards (the values in an English message cannot be
told from its words reliably) or by copying argparse's methods. A gettext catalog installed the usual way
would depend on the process's locale and domain, which a command should not; the lookup is replaced only
while one of this parser's own methods runs (`_in_chinese`), so other argparse users in the process (pytest)
are left as they were. Where argparse's message cannot be translated word for word, the parser says it
itself: an unknown command or choice with "您是否想输入…" (`_check_value`), unknown options and extra
arguments named one by one (`parse_args`). Every usage error ends as `options.UsageError` — the message, the
usage, where to read more — which `main` prints on stderr, exit status 2, as for every other bad usage.
"""
from __future__ import annotations

import argparse
import contextlib
import re
from typing import Iterator

from rich.cells import cell_len
from rich.markup import escape

from ..common.privacy import mask_free_text, mask_message, printable
from ..common.words import near
from ..outputs.terminal import fold
from .options import UsageError

__all__ = ["Parser", "Formatter", "USAGE"]

USAGE = "用法："

_HEADING = re.compile(r"^([^\s:]+):$", re.MULTILINE)   # a section's heading line, as argparse writes it

# argparse's messages (as in its source, Python 3.11 to 3.13) → Chinese; placeholders kept, so argparse fills them
_CATALOG = {
    "usage: ": USAGE,
    "positional arguments": "参数",
    "options": "选项",
    "optional arguments": "选项",                                    # Python ≤ 3.9's heading
    "show this help message and exit": "显示本说明并退出",
    "argument %(argument_name)s: %(message)s": "%(argument_name)s %(message)s",
    "the following arguments are required: %s": "缺少必需的参数：%s",
    "one of the arguments %s is required": "%s 须给出其中之一",
    "unrecognized arguments: %s": "不认识的参数：%s",
    "expected one argument": "后面应跟一个值",
    "expected at most one argument": "后面至多跟一个值",
    "expected at least one argument": "后面应至少跟一个值",
    "expected %s argument": "后面应跟 %s 个值",
    "expected %s arguments": "后面应跟 %s 个值",
    "invalid %(type)s value: %(value)r": "的取值“%(value)s”无效",
    "invalid choice: %(value)r (choose from %(choices)s)": "不能取“%(value)s”；可选：%(choices)s",
    "not allowed with argument %s": "不能与 %s 同时使用",
    "ignored explicit argument %r": "不接受取值“%s”",
    "ambiguous option: %(option)s could match %(matches)s": "选项 %(option)s 不明确，可以是 %(matches)s",
    "unexpected option string: %s": "多余的选项 %s",
    "can't open '%(filename)s': %(error)s": "无法打开“%(filename)s”：%(error)s",
    "%(prog)s: error: %(message)s\n": "%(prog)s：%(message)s\n",
}

def _gettext(message: str) -> str:
    return _CATALOG.get(message, message)


def _ngettext(singular: str, plural: str, n: int) -> str:
    return _gettext(singular if n == 1 else plural)


@contextlib.contextmanager
def _in_chinese() -> Iterator[None]:
    """argparse's lookups answered from the catalog while one of the parser's methods runs (they call one
    another: each puts back what it found)."""
    saved = argparse._, argparse.ngettext
    argparse._, argparse.ngettext = _gettext, _ngettext
    try:
        yield
    finally:
        argparse._, argparse.ngettext = saved


class Formatter(argparse.RawDescriptionHelpFormatter):
    """The help's layout: a description or epilog keeps its lines as written, and an indented line (an
    example command, which must stay whole to be copied) is never broken; other lines, and each option's help,
    are broken to the width counting a Chinese character as two columns and only where Chinese typesetting
    allows (argparse counts characters and breaks only at spaces)."""

    def _fill_text(self, text: str, width: int, indent: str) -> str:
        lines = []
        for line in text.splitlines():
            if not line.strip() or line[0].isspace():
                lines.append(indent + line if line.strip() else "")
            else:
                lines.extend(indent + part for part in fold(line, max(width - len(indent), 20)))
        return "\n".join(lines) + "\n"

    def _split_lines(self, text: str, width: int) -> list[str]:
        return fold(" ".join(text.split()), max(width, 20))

    def format_help(self) -> str:
        # argparse ends a heading with an ASCII colon
        return _HEADING.sub(r"\1：", super().format_help())

    def _format_usage(self, usage, actions, groups, prefix) -> str:
        # argparse lines up the usage by the prefix's length in characters: 用法： is 3 characters but 6 columns,
        # so the usage is laid out after as many spaces as it is wide, and the prefix takes their place.
        # A prefix given ("" for the commands' prog) is argparse's own business.
        if prefix is not None:
            return super()._format_usage(usage, actions, groups, prefix)
        room = " " * cell_len(USAGE)
        text = super()._format_usage(usage, actions, groups, room)
        return USAGE + text[len(room):]


class Parser(argparse.ArgumentParser):
    """ArgumentParser whose help and usage errors are Chinese (module docstring); every command's parser is one
    (add_subparsers makes the commands' parsers of the parser's class)."""

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("formatter_class", Formatter)
        self.commands = None   # the subcommands' action, once add_subparsers has made it
        with _in_chinese():
            super().__init__(*args, **kwargs)

    def add_subparsers(self, **kwargs):
        self.commands = super().add_subparsers(**kwargs)
        return self.commands

    def parse_known_args(self, args=None, namespace=None):
        with _in_chinese():
            return super().parse_known_args(args, namespace)

    def parse_args(self, args=None, namespace=None):
        """As argparse's, but what is not understood is reported by the command's own parser (its usage, its
        options for "您是否想输入"), one line per word, not by the top-level parser in one line."""
        parsed, extras = self.parse_known_args(args, namespace)
        if extras:
            command = self.commands.choices.get(getattr(parsed, self.commands.dest, None)) if self.commands else None
            (command or self).unrecognized(extras)
        return parsed

    def format_usage(self) -> str:
        with _in_chinese():
            return super().format_usage()

    def format_help(self) -> str:
        with _in_chinese():
            return super().format_help()

    def unrecognized(self, extras: list[str]) -> None:
        """What the parser did not take: each unknown option (with the nearest known one), each extra argument;
        a word just after an unknown option is taken as its value, not reported again."""
        options = [o for action in self._actions for o in action.option_strings]
        messages, after_option = [], False
        for word in extras:
            name = word.split("=", 1)[0]
            if name.startswith("-") and len(name) > 1 and not name.lstrip("-").isdigit():
                messages.append(f"不认识的选项“{_typed(name)}”" + near(name, options))
                after_option = "=" not in word
            elif after_option:
                after_option = False
            else:
                messages.append(f"多余的参数“{_typed(word)}”")
        self.fail(*messages)

    def _check_value(self, action, value) -> None:
        # argparse's check of a choice, in the parser's own words: its message's template cannot say which
        # choice was meant ("您是否想输入"), and a command is named as a command
        if action.choices is None or value in action.choices:
            return
        choices = [str(c) for c in action.choices]
        if action is self.commands:
            message = f"不认识的命令“{_typed(value)}”" + (near(value, choices) or f"；可用的命令：{'、'.join(choices)}")
        else:
            name = "/".join(action.option_strings) or action.metavar or action.dest
            message = f"{name} 不能取“{_typed(value)}”" + (near(value, choices) or f"；可选：{'、'.join(choices)}")
        raise argparse.ArgumentError(None, message)

    def error(self, message: str):
        self.fail(message)

    def fail(self, *messages: str):
        """The usage error: each message, the command's usage, where to read more (UsageError: exit status 2).
        A value argparse quotes (实为“…”) is masked as free text, an ID number anywhere."""
        raise UsageError(*(f"[red]{escape(printable(mask_message(m)))}[/]" for m in messages),
                         escape(self.format_usage().rstrip()),
                         f"（{escape(self.prog)} --help 有说明与示例）", soft_wrap=True)


def _typed(value) -> str:
    """What was typed, as a message quotes it: it may be anything (a name, an ID number), so masked as free
    text is (张三 → 张*; an ASCII word stays as it is)."""
    return mask_free_text(str(value))
