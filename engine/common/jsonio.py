"""JSON case files in: the standard library when the file is right, a positioned reader to say where it is not.

ruamel reads JSON as YAML, which is almost but not quite JSON: it turns NaN
into the text "NaN" and a character written as two escapes ("\\ud842\\udfb7",
as Python's json writes 𠮷) into two lone surrogates. So JSON is read as
JSON: `fast` with the standard library, refusing duplicate keys; `positioned`
with a small reader that keeps every value's line and column (in `.lc`, as
ruamel does, so `locations.locate` works unchanged) and puts a `Flaw` where a
value cannot be given — a duplicate key, nesting deeper than MAX_DEPTH, a
number too long to convert — so that the flaw costs its record, not the file.
"""
from __future__ import annotations

import bisect
import json
import re
from json.decoder import scanstring
from typing import Any

import orjson

from .limits import MAX_DEPTH, TOO_DEEP, Flaw, duplicate_key, shown_key, too_long
from .locations import Location, YamlError

__all__ = ["fast", "JsonMap", "JsonList", "positioned", "write", "encode", "as_json_value"]


class _Duplicate(ValueError):
    pass


def _unique(pairs: list[tuple[str, Any]]) -> dict:
    out = dict(pairs)
    if len(out) != len(pairs):
        raise _Duplicate()
    return out


def fast(text: str) -> Any | None:
    """The data, or None when the positioned reader must look (a duplicate key, a syntax error, deep nesting)."""
    try:
        return json.loads(text, object_pairs_hook=_unique, strict=False)
    except (ValueError, RecursionError):
        return None


class _Lines:
    """Offsets → 0-based (line, column), computed only for the values an error points at."""

    def __init__(self, text: str):
        self.starts = [0] + [m.end() for m in re.finditer("\n", text)]

    def at(self, offset: int) -> tuple[int, int]:
        line = bisect.bisect_right(self.starts, offset) - 1
        return line, offset - self.starts[line]


class _Positions:
    """The part of ruamel's `.lc` that `locate` reads: the container's start, each key's and each value's."""
    __slots__ = ("lines", "start", "keys", "values")

    def __init__(self, lines: _Lines, start: int):
        self.lines, self.start = lines, start
        self.keys: dict = {}
        self.values: dict | list = {}

    @property
    def line(self) -> int:
        return self.lines.at(self.start)[0]

    @property
    def col(self) -> int:
        return self.lines.at(self.start)[1]

    def key(self, k) -> tuple[int, int]:
        return self.lines.at(self.keys[k])

    def value(self, k) -> tuple[int, int]:
        return self.lines.at(self.values[k])

    def item(self, i: int) -> tuple[int, int]:
        return self.lines.at(self.values[i])


class JsonMap(dict):
    lc: _Positions


class JsonList(list):
    lc: _Positions


_SPACE = re.compile(r"[ \t\n\r]*")
_NUMBER = re.compile(r"-?(?:0|[1-9]\d*)(\.\d+)?([eE][-+]?\d+)?")
_SKIP = re.compile(r'"[^"\\]*(?:\\.[^"\\]*)*"|[\[\]{}]', re.S)
_CONSTANTS = (("true", True), ("false", False), ("null", None),
              ("NaN", float("nan")), ("Infinity", float("inf")), ("-Infinity", float("-inf")))
_MAX_DIGITS = 4000   # Python refuses to convert longer integers (sys.int_info.default_max_str_digits)


class _Reader:
    def __init__(self, text: str, name: str):
        self.text, self.name, self.lines = text, name, _Lines(text)

    def fail(self, offset: int, message: str) -> YamlError:
        line, col = self.lines.at(offset)
        return YamlError(Location(self.name, line + 1, col + 1), f"JSON 语法错误：{message}")

    def space(self, i: int) -> int:
        return _SPACE.match(self.text, i).end()

    def flaw(self, offset: int, message: str) -> Flaw:
        line, col = self.lines.at(offset)
        return Flaw(message, line + 1, col + 1)

    def value(self, i: int, depth: int) -> tuple[Any, int]:
        text = self.text
        c = text[i:i + 1]
        if c in ("{", "["):
            if depth > MAX_DEPTH:
                return self.flaw(i, TOO_DEEP), self.skip(i)
            return self.mapping(i, depth) if c == "{" else self.sequence(i, depth)
        if c == '"':
            try:
                return scanstring(text, i + 1, False)
            except json.JSONDecodeError as e:
                raise self.fail(e.pos, _JSON_WORDS.get(e.msg, "文字的写法有误")) from None
        number = _NUMBER.match(text, i)
        if number and number.group():
            return self.number(number, i), number.end()
        for word, constant in _CONSTANTS:
            if text.startswith(word, i):
                return constant, i + len(word)
        raise self.fail(i, "此处应有一个值（文字须加双引号；true、false、null 须小写）" if c else "文件意外结束（括号没有闭合？）")

    def number(self, match: re.Match, i: int) -> Any:
        written = match.group()
        if match.group(1) or match.group(2):
            return float(written)         # 1e999 is Infinity: the record's check refuses it
        if len(written) > _MAX_DIGITS:
            return self.flaw(i, too_long(len(written)))
        return int(written)

    def mapping(self, start: int, depth: int) -> tuple[JsonMap, int]:
        text, out = self.text, JsonMap()
        out.lc = where = _Positions(self.lines, start)
        i = self.space(start + 1)
        if text[i:i + 1] == "}":
            return out, i + 1
        while True:
            if text[i:i + 1] != '"':
                raise self.fail(i, "此处应为加双引号的键（多了一个逗号？）")
            key_at = i
            key, i = self.value(i, depth + 1)
            i = self.space(i)
            if text[i:i + 1] != ":":
                raise self.fail(i, "键之后应为冒号“:”")
            i = self.space(i + 1)
            value_at = i
            value, i = self.value(i, depth + 1)
            if key in out:
                first = where.key(key)[0] + 1
                out[key] = self.flaw(key_at, duplicate_key(shown_key(key), first))
            else:
                out[key], where.keys[key], where.values[key] = value, key_at, value_at
            i = self.space(i)
            c = text[i:i + 1]
            if c == "}":
                return out, i + 1
            if c != ",":
                raise self.fail(i, "此处应为逗号“,”或“}”（少了逗号，或花括号没有闭合？）")
            i = self.space(i + 1)

    def sequence(self, start: int, depth: int) -> tuple[JsonList, int]:
        text, out = self.text, JsonList()
        out.lc = where = _Positions(self.lines, start)
        where.values = offsets = []
        i = self.space(start + 1)
        if text[i:i + 1] == "]":
            return out, i + 1
        while True:
            offsets.append(i)
            value, i = self.value(i, depth + 1)
            out.append(value)
            i = self.space(i)
            c = text[i:i + 1]
            if c == "]":
                return out, i + 1
            if c != ",":
                raise self.fail(i, "此处应为逗号“,”或“]”（少了逗号，或方括号没有闭合？）")
            i = self.space(i + 1)

    def skip(self, start: int) -> int:
        """The end of the container opening at `start`, read without building it (and without recursion)."""
        depth = 0
        for m in _SKIP.finditer(self.text, start):
            token = m.group()
            if token[0] == '"':
                continue
            depth += 1 if token in "[{" else -1
            if depth == 0:
                return m.end()
        raise self.fail(start, "这个括号没有闭合")


# the standard library's complaints about a string (scanstring), as an officer reads them
_JSON_WORDS = {"Unterminated string starting at": "引号没有闭合", "Invalid control character at": "文字中有控制字符（换行须写作 \\n）",
               "Invalid \\escape": "无效的转义（反斜杠 \\ 须写作 \\\\）", "Invalid \\uXXXX escape": "无效的 \\u 转义"}


def positioned(text: str, name: str) -> Any:
    """The data with every value's position; None for an empty file. Syntax errors raise YamlError with the line."""
    reader = _Reader(text, name)
    i = reader.space(0)
    if i == len(text):
        return None
    value, end = reader.value(i, 0)
    end = reader.space(end)
    if end != len(text):
        raise reader.fail(end, "JSON 已经结束，其后还有内容（多了一个括号，或少了一个逗号？）")
    return value


def as_json_value(value):
    """What orjson leaves to us: a float read by ruamel (a float subclass) is the float it is, as json writes it."""
    if isinstance(value, float):
        return float(value)
    raise TypeError(f"{type(value).__name__} is not JSON")


_OPTIONS = orjson.OPT_INDENT_2 | orjson.OPT_NON_STR_KEYS


def encode(doc: Any, depth: int = 0) -> bytes:
    """`doc` as `write` writes it, without the final newline, to stand `depth` levels deep in a document written
    piece by piece (each line after the first indented two spaces a level: a JSON string holds no raw newline)."""
    data = orjson.dumps(doc, default=as_json_value, option=_OPTIONS)
    return data.replace(b"\n", b"\n" + b"  " * depth) if depth else data


def write(doc: Any, stream) -> None:
    """An answer as JSON on `stream` (a text stream such as stdout): orjson, two-space indents, UTF-8 as is.
    The standard library's indenting encoder is pure Python: 2.8 s for a 10,000-person brief answer, 0.13 here."""
    stream.flush()
    data = orjson.dumps(doc, default=as_json_value, option=_OPTIONS | orjson.OPT_APPEND_NEWLINE)
    buffer = getattr(stream, "buffer", None)
    if buffer is not None:
        buffer.write(data)
        buffer.flush()
    else:   # a StringIO (tests capturing output)
        stream.write(data.decode("utf-8"))
