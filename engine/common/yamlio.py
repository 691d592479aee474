"""YAML in, with every value's line and column kept, loaded safely.

ruamel's round-trip loader records positions (`.lc`) and builds only plain
mappings, sequences and scalars. A policy file is read by libyaml's C parser
where that gives the same tree and positions (`_quick`: four times faster),
else, and for every error's words, by the pure-Python reader. Two deliberate changes: timestamps stay
strings (so `2025-13-01` is a located field error for one case, not a crash
of the whole file), and duplicate keys are errors (a second `value:` must not
silently win).

Case files come from outside and are read by `read_case` and `parse_case_yaml`:
at most MAX_BYTES, decoded as UTF-8 (then GB18030, or UTF-16/32 with a byte
order mark, saying so) — JSON goes to engine/common/jsonio.py — and whatever a
reader cannot give — a duplicate key, nesting too deep to parse, a number too
long, a raw control character — left in the tree as a `Flaw` or a marked
character, so that it costs the record it is in (engine/common/limits.py), not the
file. Policy files keep `load`: only regular files of at most MAX_BYTES (`read_regular`: a FIFO or a device
would block or never end), UTF-8, and any duplicate key is an error.
"""
from __future__ import annotations

import codecs
import os
import re
import stat
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ruamel.yaml import YAML
from ruamel.yaml.main import CParser   # libyaml's reader, scanner, parser and composer in C (ruamel.yaml.clib); None without
from ruamel.yaml.constructor import DuplicateKeyError, RoundTripConstructor, SafeConstructor
from ruamel.yaml.error import MarkedYAMLError
from ruamel.yaml.events import CollectionEndEvent, MappingStartEvent, SequenceStartEvent, StreamEndEvent

from .limits import MAX_BYTES, MAX_DEPTH, RECURSIVE, SHIELD, TOO_DEEP, Flaw, duplicate_key, shown_key, too_long
from .locations import Located, Location, YamlError

__all__ = ["MAX_POLICY_VALUES", "read_regular", "load", "load_bytes", "loads", "CaseText", "read_case", "decode", "positioned",
           "parse_case_yaml", "join_surrogates"]


class _Constructor(RoundTripConstructor):
    pass


_Constructor.add_constructor("tag:yaml.org,2002:timestamp", RoundTripConstructor.construct_yaml_str)


class _LongNumber(Exception):
    """An integer longer than Python converts (4,300 digits), where it is written."""

    def __init__(self, digits: int, line: int, col: int):
        super().__init__(digits, line, col)
        self.digits, self.line, self.col = digits, line, col


def _policy_int(constructor, node):
    try:
        return RoundTripConstructor.construct_yaml_int(constructor, node)
    except ValueError:
        mark = node.start_mark
        raise _LongNumber(len(str(node.value)), mark.line + 1, mark.column + 1) from None


_Constructor.add_constructor("tag:yaml.org,2002:int", _policy_int)


class _FastConstructor(SafeConstructor):
    pass


_FastConstructor.add_constructor("tag:yaml.org,2002:timestamp", SafeConstructor.construct_yaml_str)


def _yaml() -> YAML:
    y = YAML(typ="rt")
    y.Constructor = _Constructor
    y.allow_duplicate_keys = False
    return y


class _CConstructor(_Constructor):
    comment_handling = None   # the round-trip constructor asks its loader this; the C loader has no comments


def _c_yaml() -> YAML:
    """The same loader (constructor, resolver, positions) on libyaml's C parser: about four times faster."""
    y = _yaml()
    y.Reader = y.Scanner = None
    y.Parser, y.Constructor = CParser, _CConstructor
    return y


_OPENS = (MappingStartEvent, SequenceStartEvent)
_C_DEPTH = 1000   # libyaml's composer recurses in C: a file nested ~30,000 deep overflows the stack (a crash)


def _shallow(text: str, lines: list[str]) -> bool:
    """Whether `text` certainly nests less than _C_DEPTH. An upper bound: every bracket, and per line twice its
    indent (a sequence may sit at its key's indent) plus each `-`, `?` and `:` that may open a level on it."""
    flows = text.count("[") + text.count("{")
    if flows >= _C_DEPTH:
        return False
    deepest = max((2 * (len(line) - len(line.lstrip())) + line.count("-") + line.count("?") + line.count(":")
                   for line in lines), default=0)
    return flows + deepest + 2 < _C_DEPTH


# Where the readers differ (found by tests/common/test_yaml_c_reader.py) the pure reader reads the file. In the
# text: a byte order mark, a tab, a control or line-separator character (libyaml accepts some the pure reader
# refuses), a block scalar's header run into a comment (`>#`), a tag, anchor or alias, a directive or document
# marker (the policy files use none). In the tree (`_unusual`): an empty value (libyaml places it at the next
# token) and a tagged scalar such as `=` (its style differs).
_UNLIKE = re.compile("[\t\ufeff\x00-\x08\x0b-\x1f\x7f-\x9f\u2028\u2029]|[|>][-+0-9]*#|(?:^ *|[:?-] +|[\\[{,] *)[!&*]"
                     "|^(?:%|---|\\.\\.\\.)", re.M)   # `!`, `&`, `*` only where a node starts: `a != b` is text


def _quick(text: str) -> Any:
    """The tree read by libyaml when that is safe and gives the pure reader's tree; None to read with the pure
    reader, which also says what is wrong in the words below (the C reader's errors are not those words)."""
    if CParser is None or _UNLIKE.search(text):
        return None
    lines = text.split("\n")
    if not _shallow(text, lines):
        return None
    try:
        tree = _c_yaml().load(text)
    except Exception:
        return None
    return None if _unusual(tree, lines) else tree


_USUAL = (str, int, float, dict, list)   # bool is an int
_NULL = re.compile(r"(?:null|Null|NULL|~)(?=$|[\s,\]}#])")


def _unusual(tree: Any, lines: list[str]) -> bool:
    """Whether a key or value is of another type (a tagged scalar), the tree is no mapping or list (a scalar alone:
    a block scalar at the left margin reads differently, `|` then `#`), or a value is an empty one (None where no
    `null` or `~` is written: the readers place those differently)."""
    if not isinstance(tree, (dict, list)):
        return True
    stack, seen = [tree], set()
    while stack:
        node = stack.pop()
        if id(node) in seen:   # an alias is looked at once
            continue
        seen.add(id(node))
        if isinstance(node, dict) and not all(isinstance(k, _USUAL) for k in node):
            return True
        for i, (key, value) in enumerate(node.items() if isinstance(node, dict) else enumerate(node)):
            if value is None:
                try:   # a merged key (`<<:`) has no place of its own
                    line, col = node.lc.value(key) if isinstance(node, dict) else node.lc.item(i)
                except (KeyError, TypeError):
                    return True
                if not _NULL.match(lines[line] if line < len(lines) else "", col):
                    return True
            elif isinstance(value, (dict, list)):
                stack.append(value)
            elif not isinstance(value, _USUAL):
                return True
    return False


MAX_POLICY_VALUES = 1_000_000   # values in one policy file, aliases expanded (the real files hold a few thousand)


def read_regular(path: str | Path, limit: int = MAX_BYTES) -> bytes:
    """The bytes of a policy folder's file; a YamlError in Chinese, located at the file, for anything else.

    Only a regular file is opened (a symlink is followed to it): a FIFO would block the reader forever and a
    device (/dev/zero) never ends. The type is checked before opening, and again on the open descriptor —
    opened non-blocking, so a FIFO swapped in between cannot block either; at most `limit` bytes are read.
    """
    name = str(path)
    try:
        before = os.stat(path)
    except FileNotFoundError:
        raise YamlError(Location(name), "文件不存在") from None
    except OSError as e:
        raise YamlError(Location(name), f"无法读取（{e.strerror}）") from None
    refused = _not_regular(before, limit)
    if refused:
        raise YamlError(Location(name), refused)
    try:
        fd = os.open(path, os.O_RDONLY | os.O_NONBLOCK | getattr(os, "O_NOCTTY", 0))
    except OSError as e:
        raise YamlError(Location(name), f"无法读取（{e.strerror}）") from None
    with os.fdopen(fd, "rb") as f:
        refused = _not_regular(os.fstat(fd), limit)
        if refused:
            raise YamlError(Location(name), refused)
        try:
            data = f.read(limit + 1)
        except OSError as e:
            raise YamlError(Location(name), f"无法读取（{e.strerror}）") from None
    if len(data) > limit:     # grew while being read
        raise YamlError(Location(name), _too_big(len(data), limit))
    return data


_KINDS = ((stat.S_ISDIR, "这是一个文件夹，不是文件"), (stat.S_ISFIFO, "这是一个命名管道（FIFO），不是普通文件"),
          (stat.S_ISCHR, "这是一个设备（字符设备，如 /dev/zero，读之不尽），不是普通文件"), (stat.S_ISBLK, "这是一个块设备，不是普通文件"),
          (stat.S_ISSOCK, "这是一个套接字，不是普通文件"))


def _not_regular(st: os.stat_result, limit: int) -> str | None:
    """Why a file of this status is not read (None when it is)."""
    for test, words in _KINDS:
        if test(st.st_mode):
            return words + ("" if test is stat.S_ISDIR else "，不予读取：政策文件夹只读普通文件")
    if not stat.S_ISREG(st.st_mode):
        return "不是普通文件，不予读取：政策文件夹只读普通文件"
    if st.st_size > limit:
        return _too_big(st.st_size, limit)
    return None


def _too_big(size: int, limit: int) -> str:
    return f"文件大小 {size / 2**20:.1f} MB，超过上限 {limit // 2**20} MB，不予读取"


def load(path: str | Path) -> Any:
    """Parse one policy (or policy test) file; every failure a YamlError with the line, in Chinese."""
    return load_bytes(read_regular(path), str(path))


def load_bytes(data: bytes, name: str) -> Any:
    """Parse a policy file's bytes (as `read_regular` gave them); every failure a YamlError with the line, in Chinese.

    These files are the officers', but a broken or hostile one must still cost a located message: nesting
    too deep for the parser and aliases that expand beyond MAX_POLICY_VALUES (a billion laughs) are refused.
    """
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as e:
        raise YamlError(Location(name), f"不是 UTF-8 文本（第 {e.start} 字节：{e.reason}）；请另存为 UTF-8") from None
    text = text.replace("\r\n", "\n").replace("\r", "\n")   # as read_text's universal newlines did
    quick = _quick(text)
    if quick is not None:
        big = _oversized(quick, MAX_POLICY_VALUES)
        if big is None:
            return quick
    try:
        tree = _yaml().load(text)
    except _LongNumber as e:
        raise YamlError(Location(name, e.line, e.col), f"数有 {e.digits} 位，过长，无法读取") from None
    except DuplicateKeyError as e:
        mark = e.problem_mark
        raise YamlError(Location(name, mark.line + 1, mark.column + 1), f"键重复：{_duplicate(e.problem or '')}") from None
    except MarkedYAMLError as e:
        mark = e.problem_mark or e.context_mark
        raise YamlError(Location(name, mark.line + 1 if mark else None, mark.column + 1 if mark else None),
                        f"YAML 语法错误：{_syntax_words(e.problem or e.context or '')}") from None
    except RecursionError:
        raise YamlError(Location(name, _deep_line(text) or _deep_flow_line(text)), "嵌套过深，无法读取") from None
    except Exception as e:   # ruamel's own limits (an unhashable key …): the file's error, never a traceback
        raise YamlError(Location(name), f"YAML 无法读取：{type(e).__name__}: {e}") from None
    big = _oversized(tree, MAX_POLICY_VALUES)
    if big is not None:
        line, col, why = big
        raise YamlError(Location(name, line, col), why)
    return tree


_SYNTAX_WORDS = (   # ruamel's usual complaints, as an officer would read them; the English stays in brackets
    ("mapping values are not allowed here", "此处不能写“键: 值”（冒号后的内容需加引号，或缩进有误）"),
    ("could not find expected ':'", "缺少冒号“:”"),
    ("that cannot start any token", "有不能开始一个值的字符（缩进中的制表符？）"),
    ("expected <block end>", "缩进不一致"),
    ("found undefined alias", "引用了未定义的别名"),
    ("while scanning a quoted scalar", "引号没有闭合"),
    ("found unexpected end of stream", "引号或括号没有闭合"),
    ("expected ',' or ']'", "方括号列表没有闭合或缺少逗号"),
    ("expected ',' or '}'", "花括号映射没有闭合或缺少逗号"),
)


def _syntax_words(problem: str) -> str:
    for english, chinese in _SYNTAX_WORDS:
        if english in problem:
            return f"{chinese}（{problem}）"
    return problem


def _duplicate(problem: str) -> str:
    m = re.search(r'found duplicate key "(.*?)"(?: with value|$)', problem)
    return f"“{m.group(1)}”在同一映射中出现了两次，不知以哪个为准：请删去一个" if m else problem


def _oversized(tree: Any, limit: int) -> tuple[int | None, int | None, str] | None:
    """(line, col, why) of the first collection that holds itself or, aliases expanded, more than `limit`
    values; None when the tree is fine. Each collection is sized once (memoised), so the walk is linear in
    the text even when the expansion is astronomical."""
    sizes: dict[int, int] = {}
    on_path: set[int] = set()
    stack: list[tuple[Any, bool]] = [(tree, False)]

    def children(node):
        return list(node.values()) if isinstance(node, dict) else list(node)

    def at(node):
        lc = getattr(node, "lc", None)
        return (lc.line + 1, lc.col + 1) if lc is not None else (None, None)
    while stack:
        node, leaving = stack.pop()
        if not isinstance(node, (dict, list)) or (not leaving and id(node) in sizes):
            continue
        if leaving:
            on_path.discard(id(node))
            size = 1 + sum(sizes.get(id(c), 1) for c in children(node))
            if size > limit:
                return (*at(node), f"YAML 别名（&/*）展开后超过 {limit} 个值（别名炸弹？），不予读取")
            sizes[id(node)] = size
            continue
        if id(node) in on_path:
            return (*at(node), "YAML 别名使这里包含了它自身（如 &a [*a]），不予读取")
        on_path.add(id(node))
        stack.append((node, True))
        stack.extend((c, False) for c in reversed(children(node)) if isinstance(c, (dict, list)))
    return None


def loads(text: str, name: str = "<text>") -> Any:
    try:
        return _yaml().load(text)
    except _LongNumber as e:
        raise YamlError(Location(name, e.line, e.col), too_long(e.digits)) from None
    except DuplicateKeyError as e:
        mark = e.problem_mark
        raise YamlError(Location(name, mark.line + 1, mark.column + 1), f"键重复：{_duplicate(e.problem or '')}") from None
    except MarkedYAMLError as e:
        raise _syntax(e, name) from None


# a flow collection left open is found where the next line starts: said where its bracket was opened
_OPENED = {"expected ',' or ']'": "方括号“[”", "expected ',' or '}'": "花括号“{”", "while scanning a quoted scalar": "引号",
           "found unexpected end of stream": "引号或括号"}


def _syntax(e: MarkedYAMLError, name: str) -> YamlError:
    """A case file's YAML syntax error in an officer's words (no parser English), at the line to correct."""
    problem = f"{e.context or ''} {e.problem or ''}"
    mark = e.problem_mark or e.context_mark
    opened = next((what for english, what in _OPENED.items() if english in problem), None)
    if opened and e.context_mark is not None:
        mark = e.context_mark
        line = mark.line + 1
        return YamlError(Location(name, line, mark.column + 1), f"YAML 语法错误：第{line}行的{opened}没有闭合"
                                                                 + ("或缺少逗号" if "括号“" in opened else ""))
    words = next((chinese for english, chinese in _SYNTAX_WORDS if english in problem), None)
    line = mark.line + 1 if mark else None
    col = mark.column + 1 if mark else None
    return YamlError(Location(name, line, col), f"YAML 语法错误：{words or '此处的写法有误（请检查缩进、冒号和引号）'}")


# --- case files ----------------------------------------------------------------------------------------------

@dataclass(frozen=True)
class CaseText:
    """A case file's text, and how it was read."""
    name: str
    text: str
    encoding: str        # utf-8, gb18030, utf-16, utf-32
    json: bool           # by its suffix: read as JSON, not as YAML
    why: str = ""        # why not UTF-8

    @property
    def note(self) -> str | None:
        """What the reader should know about the encoding (None for UTF-8)."""
        if self.encoding == "utf-8":
            return None
        return (f"不是 UTF-8 编码，已按 {self.encoding.upper()}{'（GBK）' if self.encoding == 'gb18030' else ''} 读取"
                + (f"（{self.why}）" if self.why else "") + "；请把案例文件另存为 UTF-8")


_BOMS = ((codecs.BOM_UTF32_LE, "utf-32"), (codecs.BOM_UTF32_BE, "utf-32"), (codecs.BOM_UTF8, "utf-8-sig"),
         (codecs.BOM_UTF16_LE, "utf-16"), (codecs.BOM_UTF16_BE, "utf-16"))
_EXPECTED = "案例文件应为 UTF-8 编码的 YAML 或 JSON 文本（GB18030/GBK，以及带字节顺序标记的 UTF-16 也可读）"


def read_case(path: str | Path) -> CaseText:
    """A case file's text: refused beyond MAX_BYTES (never read whole), decoded as `decode` says."""
    path = Path(path)
    name = str(path)
    try:
        with path.open("rb") as f:
            data = f.read(MAX_BYTES + 1)
    except FileNotFoundError:
        raise YamlError(Location(name), "文件不存在") from None
    except IsADirectoryError:
        raise YamlError(Location(name), "这是一个文件夹，不是案例文件") from None
    except OSError as e:
        raise YamlError(Location(name), f"无法读取（{e.strerror}）") from None
    if len(data) > MAX_BYTES:
        size = path.stat().st_size if path.is_file() else len(data)
        raise YamlError(Location(name), f"文件有 {size / 2**20:.1f} MB；案例文件至多 {MAX_BYTES // 2**20} MB，"
                                        "此文件不予读取：请按案例或中心拆分")
    text, encoding, why = decode(data, name)
    return CaseText(name, text, encoding, path.suffix.lower() == ".json", why)


def decode(data: bytes, name: str) -> tuple[str, str, str]:
    """(text, encoding, why not UTF-8): a byte order mark decides; else UTF-8, else GB18030; binary is refused."""
    for bom, encoding in _BOMS:
        if data.startswith(bom):
            try:
                return data.decode(encoding), "utf-8" if encoding == "utf-8-sig" else encoding, "文件开头有字节顺序标记"
            except UnicodeDecodeError as e:
                raise YamlError(_byte_location(name, data, e.start),
                                f"以 {encoding.upper()} 的字节顺序标记开头，内容却不是 {encoding.upper()}（第 {e.start} 字节"
                                f"无法解码）") from None
    nul = data.find(b"\0")
    if nul >= 0 and (nul < 1024 or data.count(b"\0") * 1000 > len(data)):
        raise YamlError(_byte_location(name, data, nul), f"不是文本文件（第 {nul} 字节是空字节；是不带字节顺序标记的 "
                                                          f"UTF-16，或 Excel 工作簿改了扩展名？）：{_EXPECTED}")
    try:
        return data.decode("utf-8"), "utf-8", ""
    except UnicodeDecodeError as e:
        utf8 = e
    try:
        text = data.decode("gb18030")
    except UnicodeDecodeError:
        raise YamlError(_byte_location(name, data, utf8.start),
                        f"既不是 UTF-8 也不是 GB18030 文本（第 {utf8.start} 字节为 0x{data[utf8.start]:02X}）："
                        f"{_EXPECTED}") from None
    line = data.count(b"\n", 0, utf8.start) + 1
    return text, "gb18030", f"第 {line} 行的字节 0x{data[utf8.start]:02X} 不是 UTF-8"


def _byte_location(name: str, data: bytes, offset: int) -> Location:
    line_start = data.rfind(b"\n", 0, offset) + 1
    return Location(name, data.count(b"\n", 0, offset) + 1, offset - line_start + 1)


def positioned(tree: Any) -> bool:
    """Whether `locate` can give lines in `tree` (else the caller reads again with positions)."""
    return hasattr(tree, "lc") or isinstance(tree, Located)


def parse_case_yaml(source: CaseText, fast: bool = False) -> Any:
    """The tree of a YAML case file. `fast`: without positions when the file reads cleanly (by libyaml where that
    gives the pure reader's tree, `_quick_case`); positioned otherwise."""
    if fast:
        quick = _quick_case(source.text)
        if quick is not None:
            return quick
        try:
            return _parse_yaml(source.text, source.name, fast=True)
        except YamlError:
            pass   # the positioned reader says where
    return _parse_yaml(source.text, source.name, fast=False)


class _CaseReading:
    """Constructor changes for case files: what cannot be given becomes a Flaw in the tree, costing its record."""

    def check_mapping_key(self, node, key_node, mapping, key, value) -> bool:
        if key not in mapping:
            return True
        try:
            first = mapping.lc.key(key)[0] + 1
        except (AttributeError, KeyError, TypeError):
            first = None
        mark = key_node.start_mark
        mapping[key] = Flaw(duplicate_key(shown_key(key), first), mark.line + 1, mark.column + 1)
        return False

    def construct_object(self, node, deep=False):
        if node in self.recursive_objects and node not in self.constructed_objects:
            # an alias to a collection still being built (&a [*a]): ruamel would put None here, silently
            mark = node.start_mark
            return Flaw(RECURSIVE, mark.line + 1, mark.column + 1)
        return super().construct_object(node, deep)

    def construct_scalar(self, node):
        value = super().construct_scalar(node)
        return join_surrogates(value) if isinstance(value, str) and _SURROGATE.search(value) else value

    def construct_yaml_int(self, node):
        try:
            return super().construct_yaml_int(node)
        except ValueError:       # longer than Python converts
            mark = node.start_mark
            return Flaw(too_long(len(str(node.value))), mark.line + 1, mark.column + 1)

    def construct_too_deep(self, node):
        mark = node.start_mark
        return Flaw(TOO_DEEP, mark.line + 1, mark.column + 1)


class _CaseConstructor(_CaseReading, _Constructor):
    pass


class _CaseFastConstructor(_CaseReading, _FastConstructor):
    pass


for _c in (_CaseConstructor, _CaseFastConstructor):
    _c.add_constructor("!too-deep", _CaseReading.construct_too_deep)
    _c.add_constructor("tag:yaml.org,2002:int", _CaseReading.construct_yaml_int)

_SURROGATE = re.compile(r"[\ud800-\udfff]")
_PAIR = re.compile(r"[\ud800-\udbff][\udc00-\udfff]")


def join_surrogates(text: str) -> str:
    """"\ud842\udfb7" read as two escapes is one character, 𠮷; a lone surrogate stays (and is refused later)."""
    return _PAIR.sub(lambda m: m.group().encode("utf-16-le", "surrogatepass").decode("utf-16-le"), text)


# YAML refuses raw control characters in the whole stream; each becomes a private-use stand-in (U+10FFxx)
# so the rest of the file is read and the one value holding it is refused (limits.text_problem).
_RAW_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x84\x86-\x9f\ufffe\uffff]")


def _shield(text: str) -> str:
    return _RAW_CONTROL.sub(lambda m: chr(SHIELD + (ord(m.group()) & 0xFF)), text)


def _quick_case(text: str) -> Any:
    """A case file's tree (without positions) read by libyaml, three to four times faster, when the pure reader
    would give the same: no text the readers read differently (`_UNLIKE`), nothing the pure reader's text would
    cut as nested too deep, nothing nested MAX_DEPTH deep (counted first: libyaml's composer recurses in C), and
    a tree of plain values only (a duplicate key or an over-long number, which become a Flaw, is left to the
    pure reader, as is anything the C reader refuses). None: read it with the pure reader."""
    if CParser is None or _UNLIKE.search(text) or _cut_deep_flows(text, MAX_DEPTH) != text:
        return None
    if not _nests_less(text, MAX_DEPTH):
        return None
    y = _case_yaml(fast=True)
    y.Reader = y.Scanner = None
    y.Parser = CParser
    try:
        tree = y.load(text)
    except Exception:
        return None
    return tree if isinstance(tree, (dict, list)) and _plain_tree(tree) else None


def _nests_less(text: str, limit: int) -> bool:
    """Whether no collection nests `limit` deep, counted on libyaml's parse events: its parser keeps its stack
    on the heap, unlike its composer, which recurses once per level (a roster with a flow list per person holds
    more brackets than `_shallow`'s rough bound allows, yet nests a few levels)."""
    parser, depth = CParser(text), 0
    try:
        while True:
            event = parser.get_event()
            if isinstance(event, _OPENS):
                depth += 1
                if depth >= limit:
                    return False
            elif isinstance(event, CollectionEndEvent):
                depth -= 1
            elif isinstance(event, StreamEndEvent):
                return True
    except Exception:   # not YAML libyaml reads: the pure reader says why
        return False


def _plain_tree(tree: Any) -> bool:
    """Every key and value text, a number, yes/no, null, a mapping or a list (no Flaw, no other type)."""
    stack = [tree]
    while stack:
        node = stack.pop()
        items = node.items() if isinstance(node, dict) else enumerate(node)
        for key, value in items:
            if not isinstance(key, _USUAL):
                return False
            if isinstance(value, (dict, list)):
                stack.append(value)
            elif value is not None and not isinstance(value, _USUAL):
                return False
    return True


def _case_yaml(fast: bool) -> YAML:
    if fast:
        y = YAML(typ="safe", pure=True)
        y.Constructor = _CaseFastConstructor
    else:
        y = YAML(typ="rt")
        y.Constructor = _CaseConstructor
    y.allow_duplicate_keys = True      # the constructor turns a duplicate into a Flaw
    return y


def _parse_yaml(text: str, name: str, fast: bool) -> Any:
    text = _shield(text) if _RAW_CONTROL.search(text) else text
    # Deep flow nesting is cut out before ruamel sees it: its scanner takes time quadratic in the depth
    # (10,000 brackets: 10 s) and its composer recurses once per level.
    text = _cut_deep_flows(text, MAX_DEPTH)
    try:
        return _load_yaml(text, name, fast)
    except RecursionError:   # block nesting (indentation) too deep: no record can be cut out of that
        raise YamlError(Location(name, _deep_line(text)), f"嵌套超过 {MAX_DEPTH} 层，无法读取（案例文件只需 8 层）") from None


def _load_yaml(text: str, name: str, fast: bool) -> Any:
    try:
        return _case_yaml(fast).load(text)
    except RecursionError:
        raise
    except MarkedYAMLError as e:
        raise _syntax(e, name) from None
    except Exception:   # ruamel's own limits (an unhashable key …) cost the file, never a traceback
        raise YamlError(Location(name), "YAML 无法读取（用了 YAML 的复杂写法，如以列表或映射作键？）") from None


_FLOW = re.compile(r"""[\[\]{}"'#]""")
_QUOTED = {'"': re.compile(r'"[^"\\]*(?:\\.[^"\\]*)*"', re.S), "'": re.compile(r"'[^']*(?:''[^']*)*'", re.S)}


def _cut_deep_flows(text: str, limit: int) -> str:
    """Each flow collection nested deeper than `limit` replaced by a `!too-deep` scalar keeping its line breaks.

    A rough reading of YAML is enough to find `[[[[…` and keep the lines after it in
    place: quotes and comments are skipped, and outside a flow a bracket opens one
    only where a value starts (so `name: a[b` is text, as YAML reads it).
    """
    pieces, last, depth, start, i = [], 0, 0, None, 0
    while True:
        m = _FLOW.search(text, i)
        if m is None:
            break
        c, j = m.group(), m.start()
        i = j + 1
        if c == "#":
            if j == 0 or text[j - 1] in " \t\n":
                end = text.find("\n", j)
                i = len(text) if end < 0 else end
            continue
        k = j - 1
        while k >= 0 and text[k] in " \t":
            k -= 1
        starts_value = k < 0 or text[k] in "\n:[{,-?"
        if c in "\"'":
            quoted = _QUOTED[c].match(text, j) if starts_value else None
            i = quoted.end() if quoted else i
            continue
        if c in "[{":
            if depth == 0 and not starts_value:
                continue
            depth += 1
            if depth == limit + 1:
                start = j
        elif depth > 0:
            depth -= 1
            if depth == limit and start is not None:
                pieces += [text[last:start], "!too-deep _" + "\n" * text.count("\n", start, j)]
                last, start = j + 1, None
    if start is not None:
        pieces += [text[last:start], "!too-deep _" + "\n" * text.count("\n", start)]
        last = len(text)
    return "".join(pieces) + text[last:]


def _deep_flow_line(text: str) -> int | None:
    """The first line with a run of brackets deep enough to overflow the parser (a rough pointer, for messages)."""
    m = re.search(r"[\[{(]{%d}" % MAX_DEPTH, text)
    return text.count("\n", 0, m.start()) + 1 if m else None


def _deep_line(text: str) -> int | None:
    """The first line indented past any case file's needs, where block nesting too deep to read starts."""
    for n, line in enumerate(text.splitlines(), 1):
        if len(line) - len(line.lstrip(" -?")) > 4 * MAX_DEPTH:
            return n
    return None


