"""One answer to each small question about values, for every stage: how a value reads to an officer,
whether two values are the same, which known word a misspelt one was probably meant to be.

Before this module each stage had its own: a null read six ways, two notions of equal values, six
"did you mean" helpers with different cutoffs. Here there is one of each.
"""
from __future__ import annotations

import datetime as dt
import difflib
from fractions import Fraction
from typing import Any, Iterable

__all__ = ["shown", "same_value", "near", "NEAR"]


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


def _plain(value):
    if isinstance(value, Fraction):
        return value.numerator if value.denominator == 1 else float(value)
    if isinstance(value, (list, tuple)):
        return [_plain(v) for v in value]
    return value


def same_value(a, b) -> bool:
    """Values compare as the JSON shows them: 100 == 100.0, lists element-wise; a yes/no is never a number."""
    pa, pb = _plain(a), _plain(b)
    return repr(pa) == repr(pb) or (
        isinstance(pa, (int, float)) and not isinstance(a, bool)
        and isinstance(pb, (int, float)) and not isinstance(b, bool) and pa == pb)


NEAR = 0.5   # difflib's ratio from which a known word is offered: `whne` → `when`, `忧秀` → `优秀`, `P111` → `P11`


def near(name: Any, options: Iterable) -> str:
    """"；您是否想输入“when”？" for the known word closest to a misspelt one, else "" (every "did you mean")."""
    close = difflib.get_close_matches(str(name), list(dict.fromkeys(str(o) for o in options)), n=1, cutoff=NEAR)
    return f"；您是否想输入“{close[0]}”？" if close else ""
