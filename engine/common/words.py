"""One answer to each small question about values, for every stage: how a value reads to an officer,
whether two values are the same, which known word a misspelt one was probably meant to be.

Before this module each stage had its own: two notions of equal values, two readings of a typed value, six
"did you mean" helpers with different cutoffs; here there is one of each. (How a null is shown still differs
between appeals, schema messages and letters: those are to move here too.)
"""
from __future__ import annotations

import datetime as dt
import difflib
import errno
from fractions import Fraction
from typing import Any, Iterable

__all__ = ["shown", "cn_date", "parse_value", "same_value", "near", "os_reason", "NEAR", "NULL_WORDS", "TRUE_WORDS",
           "FALSE_WORDS"]


def shown(value: Any, unit: str | None = None) -> str:
    """A value as an officer reads it: 是/否, 未提供, lists joined with 、, numbers without a trailing .0."""
    if value is None:
        return "未提供"
    if value is True:
        return "是"
    if value is False:
        return "否"
    if isinstance(value, (list, tuple)):
        return "、".join(shown(v) for v in value) if value else "无"
    if isinstance(value, dict):
        return "；".join(f"{k} {shown(v, unit)}" for k, v in value.items()) if value else "无"
    if isinstance(value, Fraction):
        value = value.numerator if value.denominator == 1 else float(value)
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    if isinstance(value, dt.date):
        value = value.isoformat()
    return f"{value}{unit or ''}"


def cn_date(day: dt.date | str) -> str:
    """A date as a Chinese text says it: 2025年12月31日 (a `dt.date`, or the YYYY-MM-DD text JSON keeps)."""
    if isinstance(day, str):
        day = dt.date.fromisoformat(day)
    return f"{day.year}年{day.month}月{day.day}日"


NULL_WORDS = ("null", "空", "无")   # what a user types for "no value"
TRUE_WORDS = ("true", "是")
FALSE_WORDS = ("false", "否")


def parse_value(text: str) -> Any:
    """A value typed by a user (`--why-not`, `--want`, `--why-not DECISION=VALUE`, a policy test's expected
    value): 是/否 and true/false are yes/no, null/空/无 is no value, numbers are numbers, the rest is text."""
    stripped = text.strip()
    lowered = stripped.lower()
    if lowered in TRUE_WORDS:
        return True
    if lowered in FALSE_WORDS:
        return False
    if lowered in NULL_WORDS:
        return None
    for kind in (int, float):
        try:
            number = kind(stripped)
        except ValueError:
            continue
        if number == number and abs(number) != float("inf"):   # `nan` and `inf` are words here, not numbers
            return number
    return stripped


def _plain(value):
    if isinstance(value, Fraction):
        return value.numerator if value.denominator == 1 else float(value)
    if isinstance(value, tuple):
        return list(value)
    return value


def same_value(a, b) -> bool:
    """Values compare as the JSON shows them: 100 == 100.0, lists item by item, mappings key by key (in any
    order); a yes/no is never a number and no value equals only no value. Everywhere: why-not, appeals,
    replay, diff, policy tests."""
    a, b = _plain(a), _plain(b)
    if a is None or b is None or isinstance(a, bool) or isinstance(b, bool):
        return a is b
    if isinstance(a, (int, float)) and isinstance(b, (int, float)):
        return a == b
    if isinstance(a, list) and isinstance(b, list):
        return len(a) == len(b) and all(same_value(x, y) for x, y in zip(a, b))
    if isinstance(a, dict) and isinstance(b, dict):
        return a.keys() == b.keys() and all(same_value(a[k], b[k]) for k in a)
    return type(a) is type(b) and a == b


NEAR = 0.5   # difflib's ratio from which a known word is offered: `whne` → `when`, `忧秀` → `优秀`, `P111` → `P11`


def near(name: Any, options: Iterable) -> str:
    """"；您是否想输入“when”？" for the known word closest to a misspelt one (“P02”或“P22” when two are as
    close), else "": every "did you mean" of the program."""
    known = list(dict.fromkeys(str(o) for o in options))
    word = str(name)
    scored = []
    for option in known:
        matcher = difflib.SequenceMatcher(None, word, option)
        if matcher.real_quick_ratio() >= NEAR and matcher.quick_ratio() >= NEAR and matcher.ratio() >= NEAR:
            scored.append((matcher.ratio(), option))
    if not scored:
        return ""
    best = max(score for score, _ in scored)
    closest = [option for score, option in scored if score == best][:3]   # in the order the options are known
    return "；您是否想输入" + "或".join(f"“{c}”" for c in closest) + "？"


_OS_REASONS = {errno.EACCES: "没有权限", errno.EPERM: "没有权限", errno.ENOENT: "文件或文件夹不存在",
               errno.EISDIR: "这是文件夹", errno.ENOTDIR: "路径中有一段不是文件夹", errno.ENOSPC: "磁盘已满",
               errno.EROFS: "只读的磁盘", errno.EEXIST: "已存在", errno.ENAMETOOLONG: "文件名太长",
               errno.EBUSY: "正被占用", errno.ETXTBSY: "正被占用", errno.EDQUOT: "超出磁盘配额",
               errno.EIO: "读写出错（磁盘或网络）", errno.EMFILE: "打开的文件太多", errno.ELOOP: "链接循环"}


def os_reason(error: OSError) -> str:
    """Why a file could not be read or written, in Chinese (the system's own words, strerror, are English);
    an unforeseen cause by its errno name."""
    return _OS_REASONS.get(error.errno, f"系统错误 {errno.errorcode.get(error.errno, error.errno)}"
                           if error.errno else type(error).__name__)
