"""Files the program writes: never one of its inputs, written whole or not at all, with cells a spreadsheet
program opens as text, never as a formula.

Every writer of a workbook, a CSV file, a report, a letter or a generated roster goes through here:
`check_not_input` before anything is computed or written, `write_files` (or `write_text`) to write, and
`csv_cell` / `xlsx_cell` for each cell. The decision log is appended to, not replaced, so it only takes
part in `check_not_input`.
"""
from __future__ import annotations

import os
import re
import tempfile
from pathlib import Path
from typing import Any, Callable, Iterable

__all__ = ["FORMULA_START", "OutputError", "formula_like", "file_text", "report_cell", "csv_cell", "csv_value", "xlsx_cell", "append_row", "same_file",
           "files_under", "check_not_input", "check_folder", "write_files", "text_writer", "write_text"]

# What makes Excel, WPS or LibreOffice read a typed or imported cell as a formula (OWASP, "CSV injection")
FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


class OutputError(ValueError):
    """An output that must not or cannot be written (it is an input, its folder is missing): nothing was written.
    `problems` are Chinese sentences naming the paths."""

    def __init__(self, problems: list[str]):
        super().__init__("\n".join(problems))
        self.problems = problems


# --- cells ---------------------------------------------------------------------------------------

def formula_like(value: Any) -> bool:
    """Text a spreadsheet program would take for a formula if it were typed in. A number is never text."""
    return isinstance(value, str) and value.startswith(FORMULA_START)


# What XML 1.0 (a workbook, a .docx) cannot hold, and UTF-8 cannot encode (a lone surrogate, which a JSON
# escape can carry in): a report shows it as U+FFFD, as the terminal does, rather than fail to be written.
_NOT_IN_FILE = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")


def file_text(value: Any) -> Any:
    """Text as a report file can hold it (see _NOT_IN_FILE); anything else as it is. Not for `convert`, which
    refuses such text rather than write something else."""
    return _NOT_IN_FILE.sub("\ufffd", value) if isinstance(value, str) else value


def report_cell(value: Any) -> Any:
    """A report's CSV cell: text a file can hold, never a formula."""
    return csv_cell(file_text(value))


def csv_cell(value: Any) -> Any:
    """A CSV cell as written: text that would open as a formula gets a leading ' (the usual defence), so Excel
    and WPS show it as text; so does text that itself starts with ', so that `csv_value` can undo exactly one.
    Anything else as it is."""
    return "'" + value if formula_like(value) or isinstance(value, str) and value.startswith("'") else value


def csv_value(cell: str) -> str:
    """A CSV cell as read: the inverse of `csv_cell`. One leading ' comes off when what follows would open as a
    formula or is another ' (as Excel reads a typed '=…); a ' before anything else is the text's own."""
    return cell[1:] if cell[:1] == "'" and (formula_like(cell[1:]) or cell[1:2] == "'") else cell


def xlsx_cell(cell: Any) -> Any:
    """An openpyxl cell holding text kept a string cell (openpyxl makes "=…" a formula and "#N/A" an error), and
    text that would turn into a formula when edited marked quote-prefixed, as Excel marks a typed '=…."""
    if isinstance(cell.value, str):
        cell.data_type = "s"
        if formula_like(cell.value):
            cell.quotePrefix = True
    return cell


def append_row(ws: Any, values: list) -> None:
    """`ws.append(values)` with every text cell one a workbook can hold (file_text) made safe by `xlsx_cell`."""
    values = [file_text(v) for v in values]
    ws.append(values)
    row = ws.max_row   # append writes below every cell: a row with text in it is the last
    for col, value in enumerate(values, 1):
        if isinstance(value, str):
            xlsx_cell(ws.cell(row=row, column=col))


# --- which files -------------------------------------------------------------------------------

def same_file(a: str | Path, b: str | Path) -> bool:
    """One file under two names: the same inode (hard links, symlinks), or the same path once resolved."""
    try:
        return os.path.samefile(a, b)
    except OSError:   # one does not exist (yet)
        pass
    try:
        return Path(a).resolve() == Path(b).resolve()
    except (OSError, RuntimeError):   # a symlink loop
        return os.path.abspath(a) == os.path.abspath(b)


def files_under(folder: str | Path, limit: int = 10_000) -> list[Path]:
    """The files of a folder (a policy folder: every file it may have been read from), symlinked folders not
    followed; at most `limit` of them."""
    out: list[Path] = []
    for root, _, names in os.walk(folder):
        out += [Path(root, n) for n in names]
        if len(out) >= limit:
            break
    return out[:limit]


def check_not_input(outputs: Iterable[str | Path], inputs: Iterable[str | Path]) -> None:
    """Raise OutputError when an output is one of the inputs, or two outputs are one file."""
    outs = [Path(o) for o in outputs]
    ins = [Path(i) for i in inputs]
    problems = []
    for o in outs:
        clash = next((i for i in ins if same_file(o, i)), None)
        if clash is not None:
            problems.append(f"输出 {o} 与输入 {clash} 是同一个文件：不会覆盖输入，请另选输出文件")
    for n, o in enumerate(outs):
        twin = next((p for p in outs[:n] if same_file(o, p)), None)
        if twin is not None:
            problems.append(f"输出 {o} 与输出 {twin} 是同一个文件：请另选文件名")
    if problems:
        raise OutputError(problems)


def check_folder(path: str | Path) -> None:
    """Raise OutputError when the folder an output goes into does not exist (or is not a folder)."""
    folder = Path(path).parent
    if not folder.is_dir():
        raise OutputError([f"无法写出 {path}：文件夹 {folder} 不存在" if not folder.exists() else
                           f"无法写出 {path}：{folder} 不是文件夹"])


# --- writing -----------------------------------------------------------------------------------

def write_files(writers: dict[str | Path, Callable[[Path], None]]) -> list[Path]:
    """Each `writer(temporary)` writes its file under a temporary name in the target's folder; when all have
    written, each is renamed into place (os.replace), so a failure midway leaves neither a half-written file
    nor a temporary one. A symlinked target is written through (the link keeps pointing at the new file); a
    target that is no regular file (/dev/null, a pipe) is written into directly, never replaced.
    Raises OutputError for a missing folder, or what the writer raised (OSError…)."""
    targets = [(Path(os.path.realpath(p)) if Path(p).is_symlink() else Path(p), w) for p, w in writers.items()]
    for target, _ in targets:
        check_folder(target)
        if target.is_dir():
            raise OutputError([f"无法写出 {target}：这是一个文件夹"])
    made: list[tuple[Path, Path]] = []
    try:
        for target, writer in targets:
            if target.exists() and not target.is_file():   # /dev/null, a pipe: written into, never replaced
                writer(target)
                continue
            fd, name = tempfile.mkstemp(prefix=f".{target.stem[:40]}.", suffix=f".tmp{target.suffix}", dir=target.parent)
            os.close(fd)
            made.append((Path(name), target))
            writer(Path(name))
            os.chmod(name, _mode(target))
        for temporary, target in made:
            os.replace(temporary, target)
    except BaseException:
        for temporary, _ in made:
            temporary.unlink(missing_ok=True)
        raise
    return [Path(p) for p in writers]


def _mode(target: Path) -> int:
    """The file's permissions as a plain open() would leave them: kept when it exists, else 0666 less the umask
    (mkstemp makes 0600)."""
    try:
        return target.stat().st_mode & 0o7777
    except OSError:
        mask = os.umask(0)
        os.umask(mask)
        return 0o666 & ~mask


def text_writer(text: str, encoding: str = "utf-8", newline: str | None = None) -> Callable[[Path], None]:
    """A writer for write_files that writes `text`."""
    def writer(temporary: Path) -> None:
        with temporary.open("w", encoding=encoding, newline=newline) as f:
            f.write(text)
    return writer


def write_text(path: str | Path, text: str, encoding: str = "utf-8", newline: str | None = None) -> Path:
    """`text` into `path`, whole or not at all (see write_files)."""
    write_files({path: text_writer(text, encoding, newline)})
    return Path(path)
