"""What the commands share: their common options (each defined once here), the consoles, loading the policy,
the usage error, the files a command may write, and logging determinations before they are given out."""
from __future__ import annotations

import argparse
import contextlib
from pathlib import Path
from typing import Callable, Iterable, Iterator

from rich.console import Console
from rich.markup import escape
from rich.text import Text

from ..casefiles import sheetwrite, spreadsheet
from ..common import outfiles
from ..common.privacy import mask_free_text, mask_message, printable
from ..common.words import os_reason
from ..policy.loader import PolicyLoadError
from ..policy.model import Policy
from ..tools import decisionlog
from ..tools.validate import load_or_raise
from ..outputs import terminal

__all__ = ["DEFAULT_POLICY", "POLICY_HELP", "POLICY_HELP_ZH", "FORMAT_HELP", "FORMAT_HELP_ZH", "SHEETS_EPILOG",
           "MASKED_HELP", "UsageError", "console", "load_policy", "need_file", "case_files", "policy_files",
           "check_outputs", "writing", "log_first", "positive", "percent", "add_casefile", "add_casefiles", "add_cases",
           "CASE_SUFFIXES", "case_paths",
           "add_policy", "add_policy_dir", "add_format", "add_subject", "add_decision", "add_case",
           "add_unmask", "add_log", "add_jobs"]

DEFAULT_POLICY = str(Path(__file__).resolve().parents[2] / "policies" / "suchen_2024")

POLICY_HELP = "政策目录（默认 policies/suchen_2024）"
FORMAT_HELP = "输出格式：table 表格，供人阅读（默认）；json 供其他程序读取"
POLICY_HELP_ZH, FORMAT_HELP_ZH = POLICY_HELP, FORMAT_HELP   # the names of when the help was half English
MASKED_HELP = "原样显示姓名和身份证号（默认遮蔽为 王*、321302********1234；输出请妥善保管）"

SHEETS_EPILOG = """\
示例：
  python run.py template 名册.xlsx
  python run.py convert fixtures/roster_2025.yaml 名册.xlsx
  python run.py convert 名册.xlsx 名册.yaml
  python run.py evaluate 名册.xlsx --format xlsx --out 判定结果.xlsx

名册的工作表、表头与字段的对应写在政策目录的 roster.yaml 中（要给表头加别称，改那里）。CSV 名册是一组文件：名册.csv 为人员，名册.案例.csv、名册.中心.csv、名册.事项.csv 放在旁边。
从不覆盖读入的文件。
退出码：0 已写出；2 用法错误、找不到或读不了文件，或有内容在目标格式中无法原样表示（逐项列出，不写文件）。
"""   # template's and convert's


class UsageError(Exception):
    """Bad usage, or a file, policy or name a command cannot use: `main` reports it (prints the lines on stderr)
    and exits with status 2. Each line is rich markup as printed (or a Text), with Console.print's `highlight` and
    `soft_wrap`; `a + b` prints a's lines, then b's."""

    def __init__(self, *lines: str | Text, highlight: bool = False, soft_wrap: bool | None = None):
        super().__init__("\n".join(map(str, lines)))
        self.lines = [(line, highlight, soft_wrap) for line in lines]

    def __add__(self, other: UsageError) -> UsageError:
        joined = UsageError(*(line for line, _, _ in self.lines + other.lines))
        joined.lines = self.lines + other.lines
        return joined

    def report(self, console: Console) -> int:
        """Print the lines on `console` (stderr); the exit status of bad usage, 2."""
        for line, highlight, soft_wrap in self.lines:
            console.print(line, highlight=highlight, soft_wrap=soft_wrap)
        return 2


def console(stderr: bool = False) -> Console:
    """Rich output. Messages on stderr into a pipe or file stay whole lines (a `file:line:col` is not broken at
    80 columns, so grep finds it); stdout's tables and trees keep rich's layout, which soft wrap would crop."""
    out = Console(stderr=stderr)
    out.soft_wrap = stderr and not out.is_terminal
    return out


def load_policy(path: str) -> Policy:
    """The policy folder loaded and validated; else a UsageError with every problem."""
    try:
        return load_or_raise(path)
    except PolicyLoadError as e:
        raise UsageError(f"[red]政策 {escape(str(path))} 无法加载：[/]", soft_wrap=True) + \
            UsageError(*terminal.error_lines(e.problems)) from None


def need_file(path: str | Path) -> None:
    """A UsageError 「找不到文件 …」 unless `path` is a file."""
    shown = escape(printable(str(path)))   # as typed, controls escaped
    if Path(path).is_dir():
        raise UsageError(f"[red]{shown} 是文件夹，这里应是一个文件[/]")
    if not Path(path).is_file():
        raise UsageError(f"[red]找不到文件 {shown}[/]")


CASE_SUFFIXES = (".yaml", ".yml", ".json", ".xlsx", ".csv")   # what a folder's case files are


def case_paths(given: Iterable[str], policy: Policy) -> list[Path]:
    """The case files named: each file as given; for a folder, its case files (CASE_SUFFIXES; not its subfolders,
    hidden files or Excel's ~$ lock files), sorted by name, a CSV roster's side files (FILE.案例.csv …) left to be
    read with their roster. A file named twice is read once. UsageError: a path that is not there, a folder
    without case files."""
    out: list[Path] = []
    missing: list[str] = []
    for text in given:
        path = Path(text)
        if not path.exists():
            missing.append(text)
        elif path.is_dir():
            found = sorted(p for p in path.iterdir() if p.is_file() and p.suffix.lower() in CASE_SUFFIXES
                           and not p.name.startswith((".", "~$")))
            sides = {side for p in found if p.suffix.lower() == ".csv" for side in case_files(p, policy) if side != p}
            found = [p for p in found if p not in sides]
            if not found:
                raise UsageError(f"[red]文件夹 {escape(printable(text))} 中没有案例文件"
                                 f"（{'、'.join(CASE_SUFFIXES)}）[/]")
            out.extend(found)
        else:
            out.append(path)
    if missing:
        raise UsageError(*(f"[red]{escape(_not_found(text))}[/]" for text in missing))
    seen: set[Path] = set()
    unique = []
    for path in out:
        if path.resolve() not in seen:
            seen.add(path.resolve())
            unique.append(path)
    return unique


def _not_found(text: str) -> str:
    """A case file's name is echoed as typed; anything else (a name typed by mistake?) is masked as free text."""
    if Path(text).suffix.lower() in CASE_SUFFIXES:
        return f"找不到文件 {printable(text)}"
    return mask_message(f"找不到案例文件或文件夹“{mask_free_text(printable(text))}”"
                        f"（案例文件以 {'、'.join(CASE_SUFFIXES)} 结尾）")


def case_files(path: str | Path, policy: Policy) -> list[Path]:
    """The files a case file is: a CSV roster and its siblings (FILE.案例.csv, FILE.中心.csv, FILE.事项.csv); else itself."""
    try:
        return sheetwrite.files_of(Path(path), policy)
    except spreadsheet.ReadError:   # no roster layout: reading or writing it says so
        return [Path(path)]


def policy_files(policy: Policy) -> list[Path]:
    """Every file of the policy folder (each may have been read)."""
    return outfiles.files_under(policy.root)


def check_outputs(outputs: Iterable[str | Path | None], inputs: Iterable[str | Path]) -> None:
    """Before anything is computed: a UsageError when an output is one of the inputs (the same file by any name),
    two outputs are one file, or an output's folder does not exist. None among the outputs is no file."""
    wanted = [o for o in outputs if o]
    try:
        outfiles.check_not_input(wanted, inputs)
        for o in wanted:
            outfiles.check_folder(o)
    except outfiles.OutputError as e:
        raise UsageError(*(f"[red]{escape(p)}[/]" for p in e.problems)) from None


@contextlib.contextmanager
def writing(path: str | Path) -> Iterator[None]:
    """What goes wrong writing `path` (written whole or not at all, by outfiles) as a UsageError."""
    try:
        yield
    except outfiles.OutputError as e:
        raise UsageError(*(f"[red]{escape(p)}[/]" for p in e.problems)) from None
    except OSError as e:
        raise UsageError(f"[red]{escape(str(path))}：无法写入（{escape(os_reason(e))}）[/]") from None


def log_first(path: str | None, policy: Policy, results: list, subject: str | None,
              unwritable: Callable[[str], str]) -> list[decisionlog.Record]:
    """The determinations' records, appended to the log at `path` (when given) before anything is printed or
    written: a determination that cannot be logged is not given out (UsageError `unwritable(reason)`)."""
    run, time = decisionlog.new_run()
    ref = decisionlog.PolicyRef.of(policy)
    records = [rec for r in results for rec in decisionlog.records_for(r, ref, run, time, subject)]
    if path:
        try:
            decisionlog.append(path, records)
        except OSError as e:
            raise UsageError(unwritable(os_reason(e))) from None
    return records


def positive(text: str) -> int:
    if not text.isdigit() or int(text) < 1:
        raise argparse.ArgumentTypeError(f"应为不小于 1 的整数，实为“{printable(text)}”")
    return int(text)


def percent(text: str) -> float:
    """A percentage, 0 to 100 (coverage --fail-under)."""
    try:
        value = float(text)
    except ValueError:
        value = None
    if value is None or not 0 <= value <= 100:
        raise argparse.ArgumentTypeError(f"应为 0 至 100 的百分数，实为“{printable(text)}”")
    return value


# --- the options several commands take ---------------------------------------------------------------

def add_casefile(parser: argparse.ArgumentParser, help: str) -> None:
    parser.add_argument("casefile", metavar="CASEFILE", help=help)


def add_casefiles(parser: argparse.ArgumentParser, help: str) -> None:
    """One case file or more, or folders of them (`case_paths` lists what they name)."""
    parser.add_argument("casefile", metavar="CASEFILE", nargs="+", help=help)


def add_cases(parser: argparse.ArgumentParser, help: str) -> None:
    parser.add_argument("--cases", required=True, metavar="CASEFILE", help=help)


def add_policy(parser: argparse.ArgumentParser, help: str = POLICY_HELP) -> None:
    parser.add_argument("--policy", default=DEFAULT_POLICY, metavar="DIR", help=help)


def add_policy_dir(parser: argparse.ArgumentParser, help: str | None = None) -> None:
    """The policy folder as the command's argument (validate, test, coverage, analyze)."""
    parser.add_argument("policy", metavar="POLICY_DIR", nargs="?", default=DEFAULT_POLICY, help=help)


def add_format(parser: argparse.ArgumentParser, choices: list[str], help: str | None = None) -> None:
    """--format, the first choice by default."""
    parser.add_argument("--format", choices=choices, default=choices[0], help=help)


def add_subject(parser: argparse.ArgumentParser, help: str, required: bool = False) -> None:
    parser.add_argument("--subject", required=required, metavar="ID", help=help)


def add_decision(parser: argparse.ArgumentParser, help: str) -> None:
    parser.add_argument("--decision", metavar="NAME", help=help)


def add_case(parser: argparse.ArgumentParser, help: str) -> None:
    parser.add_argument("--case", metavar="CASE_ID", help=help)


def add_unmask(parser: argparse.ArgumentParser, help: str) -> None:
    parser.add_argument("--unmask", action="store_true", help=help)


def add_log(parser: argparse.ArgumentParser, help: str) -> None:
    parser.add_argument("--log", metavar="FILE.jsonl", help=help)


def add_jobs(parser: argparse.ArgumentParser, help: str) -> None:
    parser.add_argument("--jobs", type=positive, default=None, metavar="N", help=help)
