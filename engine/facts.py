"""From a case to facts: the contract's structure in code, the policy's arithmetic from facts.yaml.

The shape of a case (people, centers, items, monthly ratings) is the fact
model's contract and lives here; every number, list and reading the facts
depend on comes from the policy (parameters via `param.…` in formulas,
vocabulary for the words). Derived attributes are evaluated in the order
facts.yaml lists them, each keeping a note of how it was obtained so the
explanation can show it.
"""
from __future__ import annotations

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass, field
from typing import Any

from . import expr
from .cases import Case
from .functions import FUNCTIONS, Witnessed, month_index
from .model import Policy
from .params import ParamView

# The monthly grades as the document names them (二(二)8(1)) plus 暂停.
GOOD, ORDINARY, BAD, SUSPENDED = "好", "一般", "差", "暂停"
RESOLUTIONS = (GOOD, ORDINARY, BAD)


@dataclass
class Fact:
    kind: str
    subject: str
    fid: str
    values: dict[str, Any]
    detail: dict[str, str] = field(default_factory=dict)   # attribute → how it was obtained
    origin: str = ""                                        # where in the case file it came from
    scenario: str = ""                                      # what this fact assumes, when it is one of several
    incomplete: str = ""                                    # why a count on this fact cannot be trusted

    def get(self, name: str):
        """Attribute by name; `attestations.political` reads inside a mapping."""
        if name in self.values:
            return self.values[name]
        head, _, rest = name.partition(".")
        value = self.values.get(head)
        for part in rest.split(".") if rest else ():
            value = value.get(part) if isinstance(value, dict) else None
        return value if rest else None


class RecordError(ValueError):
    """One record's facts could not be computed (a date out of range …): only that record is refused."""

    def __init__(self, fact: Fact, error: Exception, message: str | None = None):
        super().__init__(message or f"{type(error).__name__}: {error}")
        self.kind, self.subject = fact.kind, fact.subject


# what a failing fact's record is: its own kind, or the record it is computed from
RECORD_KIND = {"person": "people", "annual_assessment": "people", "center": "centers", "center_month": "centers",
               "item": "items"}
ARITHMETIC_ERRORS = (ValueError, TypeError, KeyError, ArithmeticError)


def _iso(value):
    return value.isoformat() if isinstance(value, dt.date) else value


def derive(fact: Fact, policy: Policy, params: ParamView) -> None:
    """Evaluate the kind's derived attributes in order, recording each one's witness."""
    notes: list[str] = []

    def call(fn):
        def wrapped(*args):
            out = fn(*args)
            if isinstance(out, Witnessed):
                notes.append(out.detail)
                return out.value
            return out
        return wrapped
    functions = {name: call(fn) for name, fn in FUNCTIONS.items()}
    for derivation in policy.kinds[fact.kind].derived:
        notes.clear()
        value = expr.evaluate(derivation.ast, fact.get, params, functions)
        fact.values[derivation.name] = _iso(expr.plain(value))
        if notes:
            fact.detail[derivation.name] = "；".join(notes)


def _declared(fact: Fact, record: dict, policy: Policy) -> Fact:
    """Every other input attribute facts.yaml declares for the kind, as the record gives it (None when absent)."""
    for name in policy.kinds[fact.kind].attributes:
        if name not in fact.values:
            fact.values[name] = record.get(name)
    return fact


def build_facts(case: Case, policy: Policy, params: ParamView) -> list[Fact]:
    """Every fact of the case, derived attributes included."""
    year = case.assessment_year
    common = {"as_of": case.as_of.isoformat(), "assessment_year": year}
    facts: list[Fact] = []
    by_center: dict[str, list[dict]] = defaultdict(list)
    for p in case.people:
        person = Fact("person", p["id"], f"person:{p['id']}", dict(common, **{
            "birth_date": p["birth_date"], "selection_date": p.get("selection_date"), "education": p.get("education"),
            "hired_on": p.get("hired_on"), "service_start": p.get("service_start"),
            "probation": bool(p.get("probation", False)), "center": p.get("center"),
            "attestations": dict(p.get("attestations") or {}), "certificates": p["certificates"],
            "bottom_ranked": sorted(p.get("bottom_ranked") or []),
        }), origin=p["_path"])
        _declared(person, p, policy)
        if "probation" not in p:
            person.detail["probation"] = "未填写，视为不在试用期"
        try:
            derive(person, policy, params)
            annual = _annual_assessments(person, p, year, policy, params) if p.get("hired_on") is not None else []
        except ARITHMETIC_ERRORS as e:
            raise RecordError(person, e) from e
        facts.append(person)
        if p.get("center") is not None:
            by_center[str(p["center"])].append(p)
        facts.extend(annual)
    for c in case.centers:
        staff = c.get("staff") or {}
        clerks = c.get("clerks")
        center = Fact("center", c["id"], f"center:{c['id']}", dict(common, **{
            "level": c["level"], "windows": c["windows"],
            "clerks": clerks if clerks is not None else len(by_center.get(c["id"], [])),
            "staff_direct": staff.get("direct", 0), "staff_hrss": staff.get("hrss", 0),
            "staff_civil_affairs": staff.get("civil_affairs", 0),
        }), origin=c["_path"])
        _declared(center, c, policy)
        if clerks is None:
            center.detail["clerks"] = f"未填报，按本案在该中心的人员数计：{len(by_center.get(c['id'], []))}人"
            if c["id"] in case.incomplete:
                # a rejected person may belong here: the count would be a guess
                center.values["clerks"] = None
                center.incomplete = center.detail["clerks"] = case.incomplete[c["id"]]
        for key in ("direct", "hrss", "civil_affairs"):
            if key not in staff:
                center.detail[f"staff_{key}"] = "未填报，按0计"
        try:
            derive(center, policy, params)
            months = _center_months(center, by_center.get(c["id"], []), policy, params, case.incomplete.get(c["id"], ""))
        except ARITHMETIC_ERRORS as e:
            raise RecordError(center, e) from e
        facts.append(center)
        facts.extend(months)
    for it in case.items:
        item = Fact("item", it["id"], f"item:{it['id']}", dict(common, **{
            "department": it["department"], "center_level": it["center_level"]}), origin=it["_path"])
        _declared(item, it, policy)
        try:
            derive(item, policy, params)
        except ARITHMETIC_ERRORS as e:
            raise RecordError(item, e) from e
        facts.append(item)
    return facts


def _center_months(center: Fact, people: list[dict], policy: Policy, params: ParamView, incomplete: str) -> list[Fact]:
    good: dict[str, list[str]] = defaultdict(list)
    rated: set[str] = set()
    for p in people:
        for month, rating in p["ratings"].items():
            rated.add(month)
            if rating == GOOD:
                good[month].append(p["id"])
    out = []
    for month in sorted(rated):
        fact = Fact("center_month", center.subject, f"center_month:{center.subject}:{month}", {
            "as_of": center.values["as_of"], "assessment_year": center.values["assessment_year"],
            "month": month, "good_ratings": len(good[month]), "clerks": center.values["clerks"]},
            origin=center.origin)
        fact.detail["good_ratings"] = f"{month}为“好”：{len(good[month])}人"
        fact.detail["clerks"] = center.detail.get("clerks", "中心填报的办事员人数")
        if incomplete:
            fact.values["good_ratings"] = None
            fact.incomplete = fact.detail["good_ratings"] = incomplete
        derive(fact, policy, params)
        out.append(fact)
    return out


def _annual_assessments(person: Fact, p: dict, year: int, policy: Policy, params: ParamView) -> list[Fact]:
    """One fact per distinct way the year's 暂停 months may resolve (usually exactly one)."""
    months = sorted((m, r) for m, r in p["ratings"].items() if m.startswith(f"{year}-"))
    if not months:
        return []
    out = []
    for n, (sig, resolution) in enumerate(sorted(rating_scenarios(months).items())):
        good, ordinary, bad, longest = sig
        suspended = sum(1 for _, r in months if r == SUSPENDED)
        fact = Fact("annual_assessment", person.subject, f"annual:{person.subject}:{n}", {
            "as_of": person.values["as_of"], "assessment_year": year, "hired_on": person.values["hired_on"],
            "rated_months": len(months), "good_months": good, "ordinary_months": ordinary, "bad_months": bad,
            "suspended_months": suspended, "longest_bad_run": longest, "scenario": n}, origin=person.origin)
        rated = dict(months)
        for name, grade in (("good_months", GOOD), ("ordinary_months", ORDINARY), ("bad_months", BAD)):
            hits = [m for m, _ in months if resolution.get(m, rated[m]) == grade]
            fact.detail[name] = "、".join(hits) + f"为“{grade}”" if hits else f"无“{grade}”"
        if resolution:
            fact.scenario = "假定" + "、".join(f"{m}暂停→{g}" for m, g in sorted(resolution.items()))
            fact.detail["suspended_months"] = fact.scenario
        fact.detail["longest_bad_run"] = _run_note(months, resolution)
        derive(fact, policy, params)
        out.append(fact)
    return out


def _run_note(months, resolution) -> str:
    bad = [m for m, r in months if resolution.get(m, r) == BAD]
    return ("“差”的月份：" + "、".join(bad)) if bad else "无“差”"


def rating_scenarios(months: list[tuple[str, str]]) -> dict[tuple, dict[str, str]]:
    """Distinct (好, 一般, 差, longest run of adjacent 差) over every resolution of the 暂停 months.

    Dynamic programming over the months in order, so twelve suspended months
    cost a few hundred states, not 3¹² resolutions. Each signature keeps one
    resolution that produces it, for the explanation.
    """
    states: dict[tuple, dict[str, str]] = {(0, 0, 0, 0, 0, None): {}}  # good, ordinary, bad, run, longest, last month
    for month, rating in months:
        index = month_index(month)
        nxt: dict[tuple, dict[str, str]] = {}
        for (good, ordinary, bad, run, longest, last), chosen in states.items():
            options = RESOLUTIONS if rating == SUSPENDED else (rating,)
            for grade in options:
                adjacent = last is not None and index == last + 1
                new_run = (run + 1 if adjacent else 1) if grade == BAD else 0
                key = (good + (grade == GOOD), ordinary + (grade == ORDINARY), bad + (grade == BAD),
                       new_run, max(longest, new_run), index)
                if key not in nxt:
                    nxt[key] = dict(chosen, **({month: grade} if rating == SUSPENDED else {}))
        states = nxt
    out: dict[tuple, dict[str, str]] = {}
    for (good, ordinary, bad, _run, longest, _last), chosen in states.items():
        out.setdefault((good, ordinary, bad, longest), chosen)
    return out
