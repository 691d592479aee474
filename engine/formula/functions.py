"""The whitelist of functions a derivation formula may call.

Pure arithmetic over input facts: dates, counts, adjacency. No function here
decides anything the document states; the rules do (see rules/*.yaml). Each
function returns a plain value, or `Witnessed(value, detail)` when an
explanation should show which inputs produced it (the certificate counted,
the adjacent months).
"""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

__all__ = ["Witnessed", "to_date", "LEAP_DAY_CONVENTIONS", "anniversary", "full_years_between",
           "age_in_full_years", "add_full_years", "first_present", "later_of", "year_start",
           "ROLES", "ON_RECORDS", "holds_certificate", "first_certificate_date", "highest_skill_level",
           "month_index", "longest_month_run", "FUNCTIONS"]


@dataclass(frozen=True)
class Witnessed:
    value: Any
    detail: str


def to_date(value) -> dt.date | None:
    if value is None or isinstance(value, dt.date):
        return value
    return dt.date.fromisoformat(str(value))


# How a period that starts on 29 February ends in a common year: a named convention, chosen by the
# policy's data (a parameter passed to these functions), never here.
LEAP_DAY_CONVENTIONS = {"feb_28": (2, 28), "mar_1": (3, 1)}


def _leap_day(convention: str) -> tuple[int, int]:
    if convention not in LEAP_DAY_CONVENTIONS:
        raise ValueError(f"leap-day convention must be one of {', '.join(LEAP_DAY_CONVENTIONS)}, found {convention!r}")
    return LEAP_DAY_CONVENTIONS[convention]


def anniversary(start: dt.date, years: int, leap_day: str) -> dt.date:
    """The same calendar date `years` later; 29 Feb in a common year falls where `leap_day` says (feb_28 | mar_1)."""
    month, day = _leap_day(leap_day)
    try:
        return start.replace(year=start.year + years)
    except ValueError:
        return dt.date(start.year + years, month, day)


def full_years_between(start, on, leap_day):
    """满N年: whole years from `start`, the anniversary itself counting (interpretation full_years)."""
    start, on = to_date(start), to_date(on)
    if start is None or on is None:
        return None
    if on < start:
        return 0
    years = on.year - start.year
    return years if anniversary(start, years, leap_day) <= on else years - 1


def age_in_full_years(birth, on, leap_day):
    """周岁: the birthday counts from the next day, so on the 36th birthday one is still 35 (interpretation age_in_full_years)."""
    birth, on = to_date(birth), to_date(on)
    if birth is None or on is None or on < birth:
        return None
    years = on.year - birth.year
    return years if years == 0 or anniversary(birth, years, leap_day) < on else years - 1


def add_full_years(start, years, leap_day):
    start = to_date(start)
    if start is None or years is None:
        return None
    return anniversary(start, int(years), leap_day)


def first_present(*values):
    for v in values:
        if v is not None:
            return v
    return None


def later_of(a, b):
    """The later date; unknown if either is unknown (no certificate → no seniority start)."""
    a, b = to_date(a), to_date(b)
    if a is None or b is None:
        return None
    return max(a, b)


def year_start(year):
    return None if year is None else dt.date(int(year), 1, 1)


# What the certificate functions read of a nested record, by role: the policy's records.yaml says which field of
# its nested records plays each role (`roles:`), and the pipeline hands them over keyed by role. Nothing here
# knows what the case file calls them.
ROLES = {"kind": "what the record is of (a certificate's type), compared with the function's `kind`",
         "grade": "its grade, ordered by the allowance table or mapped onto it by the equivalents",
         "held_from": "the date from which it is held"}
# The functions whose first argument is such nested records.
ON_RECORDS = ("holds_certificate", "first_certificate_date", "highest_skill_level")


def _held(certificates, on, kind=None):
    on = to_date(on)
    for cert in certificates or ():
        if (kind is None or cert["kind"] == kind) and on is not None and to_date(cert["held_from"]) <= on:
            yield cert


def _describe(cert) -> str:
    return f"{cert['kind']} {cert['grade']}（{cert['held_from']}取得）"


def holds_certificate(certificates, kind, on):
    held = list(_held(certificates, on, kind))
    if not held:
        return Witnessed(False, f"{on}前无{kind}证书")
    return Witnessed(True, "；".join(_describe(c) for c in held))


def first_certificate_date(certificates, kind, on):
    held = sorted(_held(certificates, on, kind), key=lambda c: str(c["held_from"]))
    if not held:
        return None
    return Witnessed(to_date(held[0]["held_from"]), "首次取得：" + _describe(held[0]))


def highest_skill_level(certificates, on, levels, equivalents):
    """The highest allowance level among certificates held on `on`; a 社工证 counts as its equivalent level.

    `levels` is the allowance table (its keys, lowest first, give the order);
    `equivalents` maps other certificates' levels onto those keys. Each certificate is keyed by role (ROLES).
    """
    order = list(levels)
    best, best_cert = None, None
    for cert in _held(certificates, on):
        level = cert["grade"] if cert["grade"] in order else (equivalents or {}).get(cert["grade"])
        if level in order and (best is None or order.index(level) > order.index(best)):
            best, best_cert = level, cert
    if best is None:
        return Witnessed(None, f"{on}前未持有可计补贴的证书")
    considered = "、".join(_describe(c) for c in _held(certificates, on))
    return Witnessed(best, f"以最高者为准：{_describe(best_cert)}；持有：{considered}")


def month_index(month: str) -> int:
    year, mon = str(month).split("-")
    return int(year) * 12 + int(mon) - 1


def longest_month_run(months):
    """The longest run of calendar-adjacent months in a list of YYYY-MM."""
    idx = sorted({month_index(m) for m in months or ()})
    best, run, best_end = 0, 0, None
    for i, m in enumerate(idx):
        run = run + 1 if i and m == idx[i - 1] + 1 else 1
        if run > best:
            best, best_end = run, m
    if not best:
        return Witnessed(0, "无末位月份")
    first = best_end - best + 1
    label = "、".join(f"{x // 12}-{x % 12 + 1:02d}" for x in range(first, best_end + 1))
    return Witnessed(best, f"最长连续：{label}")


FUNCTIONS = {
    "first_present": first_present,
    "age_in_full_years": age_in_full_years,
    "full_years_between": full_years_between,
    "add_full_years": add_full_years,
    "later_of": later_of,
    "year_start": year_start,
    "holds_certificate": holds_certificate,
    "first_certificate_date": first_certificate_date,
    "highest_skill_level": highest_skill_level,
    "longest_month_run": longest_month_run,
}
