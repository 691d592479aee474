"""From a case to facts: the contract's structure in code, the policy's arithmetic from facts.yaml.

The shape of a case (people, centers, items, monthly ratings) is the fact
model's contract and lives here; every number, list and reading the facts
depend on comes from the policy (parameters via `param.…` in formulas,
vocabulary for the words, facts.yaml's `absent:` for what a blank field is
read as). Derived attributes are evaluated in the order
facts.yaml lists them, each keeping a note of how it was obtained so the
explanation can show it.
"""
from __future__ import annotations

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass, field
from typing import Any

from ..formula import expr
from ..casefiles.cases import Case
from ..formula.functions import FUNCTIONS, Witnessed, month_index
from ..policy.model import Attribute, Policy
from ..policy.params import ParamView

__all__ = ["failure", "detail", "Fact", "RecordError", "ARITHMETIC_ERRORS", "derive", "build_facts",
           "Ratings", "rating_scenarios"]

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
    record: str = ""                                        # the case file's list holding the record it comes from

    def get(self, name: str):
        """Attribute by name; `attestations.political` reads inside a mapping."""
        if name in self.values:
            return self.values[name]
        head, _, rest = name.partition(".")
        value = self.values.get(head)
        for part in rest.split(".") if rest else ():
            value = value.get(part) if isinstance(value, dict) else None
        return value if rest else None


def failure(error: Exception) -> str:
    """What went wrong, in an officer's words, for an exception the engine did not expect (its text is `detail`)."""
    for kind, said in ((TypeError, "值的类型与规则所需不符"), (KeyError, "缺少所需的一项"),
                       (OverflowError, "数值超出范围"), (ZeroDivisionError, "除以零"),
                       (ArithmeticError, "算术错误"), (ValueError, "值超出范围或格式不对")):
        if isinstance(error, kind):
            return said
    return "意外错误"


def detail(error: Exception) -> str:
    """The exception's own text, for the JSON answer's `detail` only: never shown on a terminal."""
    return f"{type(error).__name__}: {error}"


class RecordError(ValueError):
    """One record's facts could not be computed (a date out of range …): only that record is refused.
    The message is Chinese; the exception's own text is `detail`."""

    def __init__(self, fact: Fact, error: Exception, message: str | None = None):
        super().__init__(message or f"计算出错（{failure(error)}）")
        self.kind, self.subject, self.record = fact.kind, fact.subject, fact.record
        self.said = message is not None     # the message says it all (it ends 该记录未能判定)
        self.detail = detail(error)


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


def _field(record: dict, attribute: Attribute):
    """The record's value for the attribute: its own field, or the path facts.yaml gives in `from:`."""
    value = record
    for step in attribute.source or (attribute.name,):
        value = value.get(step) if isinstance(value, dict) else None
    return value


def _inputs(fact: Fact, record: dict, case: Case, policy: Policy) -> Fact:
    """Every input attribute facts.yaml declares for the kind, as the record gives it; a missing one as its
    `absent:` reads it (with the note the explanation shows), else None — an empty map or list when of that type."""
    for attribute in policy.kinds[fact.kind].attributes.values():
        if attribute.name in fact.values:      # the case's own (as_of, assessment_year)
            continue
        value = _field(record, attribute)
        if value is None and attribute.absent:
            value = _absent(fact, attribute, case, policy.records)
        elif attribute.type == "map":
            value = dict(value or {})
        elif attribute.type == "list":       # a list of words or months is a set: kept sorted
            value = list(value or [])
            if all(isinstance(v, str) for v in value):
                value.sort()
        fact.values[attribute.name] = value
    return fact


def _absent(fact: Fact, attribute: Attribute, case: Case, records):
    absent = attribute.absent
    if "value" in absent:
        fact.detail[attribute.name] = absent["note"]
        return absent["value"]
    kind, _, field_name = absent["count"].partition(".")
    count = sum(1 for r in case.records.get(records.kinds[kind].list, []) if str(r.get(field_name)) == fact.subject)
    fact.detail[attribute.name] = absent["note"].replace("{count}", str(count))
    if (fact.kind, fact.subject) in case.incomplete:   # a rejected record may belong here: the count would be a guess
        fact.incomplete = fact.detail[attribute.name] = case.incomplete[(fact.kind, fact.subject)]
        return None
    return count


def build_facts(case: Case, policy: Policy, params: ParamView) -> list[Fact]:
    """Every fact of the case, derived attributes included: one per record of each kind records.yaml declares
    (a kind facts.yaml does not describe gives none), then the facts computed from them."""
    common = {"as_of": case.as_of.isoformat(), **case.values}
    facts: list[Fact] = []
    made: dict[str, list[tuple[Fact, dict]]] = {}
    for kind in policy.records.kinds.values():
        made[kind.name] = []
        if kind.name not in policy.kinds:
            continue
        for r in case.records.get(kind.list, []):
            fact = _inputs(Fact(kind.name, r["id"], f"{kind.name}:{r['id']}", dict(common), origin=r["_path"],
                                record=kind.list), r, case, policy)
            try:
                derive(fact, policy, params)
            except ARITHMETIC_ERRORS as e:
                raise RecordError(fact, e) from e
            made[kind.name].append((fact, r))
    for kind in policy.records.kinds.values():
        for fact, r in made[kind.name]:
            try:
                more = _computed(fact, r, case, made, policy, params)
            except ARITHMETIC_ERRORS as e:
                raise RecordError(fact, e) from e
            facts.append(fact)
            facts.extend(more)
    return facts


def _computed(fact: Fact, record: dict, case: Case, made: dict, policy: Policy, params: ParamView) -> list[Fact]:
    """The facts computed from a record's monthly ratings: the person's year, the center's months."""
    if fact.kind == "person" and "annual_assessment" in policy.kinds:
        if record.get("hired_on") is None:
            return []
        return _annual_assessments(fact, record, case.values["assessment_year"], policy, params)
    if fact.kind == "center" and "center_month" in policy.kinds:
        people = [r for _, r in made.get("person", []) if r.get("center") is not None and str(r["center"]) == fact.subject]
        return _center_months(fact, people, policy, params, case.incomplete.get(("center", fact.subject), ""))
    return []


@dataclass(frozen=True)
class Ratings:
    """How monthly ratings become facts, as vocabulary.yaml's `rating` says: which word counts in which
    attribute, which runs are measured, what a pending word (its month not yet rated) may become."""
    counts: tuple[tuple[str, str], ...]          # (word, attribute of the yearly fact counting its months)
    runs: tuple[tuple[str, str], ...]            # (word, attribute: the longest run of adjacent months at it)
    center_counts: tuple[tuple[str, str], ...]   # (word, attribute of the monthly center fact counting its people)
    pending: str | None = None                   # the word of a month not yet rated
    pending_count: str | None = None             # attribute: how many months are pending
    resolves_to: tuple[str, ...] = ()            # what a pending month may become

    @classmethod
    def of(cls, policy: Policy) -> "Ratings":
        spec = policy.vocabulary.get("rating") or {}
        pending = spec.get("pending") or {}
        return cls(tuple((spec.get("counts") or {}).items()), tuple((spec.get("runs") or {}).items()),
                   tuple((spec.get("center_counts") or {}).items()), pending.get("word"), pending.get("count"),
                   tuple(pending.get("resolves_to") or ()))


def _center_months(center: Fact, people: list[dict], policy: Policy, params: ParamView, incomplete: str) -> list[Fact]:
    counting = Ratings.of(policy).center_counts
    who: dict[tuple[str, str], list[str]] = defaultdict(list)   # (month, word) → people rated so
    rated: set[str] = set()
    for p in people:
        for month, rating in p["ratings"].items():
            rated.add(month)
            who[(month, rating)].append(p["id"])
    out = []
    for month in sorted(rated):
        fact = Fact("center_month", center.subject, f"center_month:{center.subject}:{month}", {
            "as_of": center.values["as_of"], "assessment_year": center.values["assessment_year"],
            "month": month, "clerks": center.values["clerks"]}, origin=center.origin, record=center.record)
        for word, name in counting:
            fact.values[name] = len(who[(month, word)])
            fact.detail[name] = f"{month}为“{word}”：{len(who[(month, word)])}人"
        fact.detail["clerks"] = center.detail.get("clerks", "中心填报")
        if incomplete:
            for _, name in counting:
                fact.values[name] = None
                fact.detail[name] = incomplete
            fact.incomplete = incomplete
        derive(fact, policy, params)
        out.append(fact)
    return out


def _annual_assessments(person: Fact, p: dict, year: int, policy: Policy, params: ParamView) -> list[Fact]:
    """One fact per distinct way the year's pending months may resolve (usually exactly one)."""
    ratings = Ratings.of(policy)
    months = sorted((m, r) for m, r in p["ratings"].items() if m.startswith(f"{year}-"))
    if not months:
        return []
    out = []
    pending = sum(1 for _, r in months if r == ratings.pending)
    for n, (signature, resolution) in enumerate(sorted(rating_scenarios(months, ratings).items())):
        counts, longest = signature[:len(ratings.counts)], signature[len(ratings.counts):]
        values = {"as_of": person.values["as_of"], "assessment_year": year, "hired_on": person.values["hired_on"],
                  "rated_months": len(months), "scenario": n}
        values.update({name: c for (_, name), c in zip(ratings.counts, counts)})
        values.update({name: run for (_, name), run in zip(ratings.runs, longest)})
        if ratings.pending_count:
            values[ratings.pending_count] = pending
        fact = Fact("annual_assessment", person.subject, f"annual:{person.subject}:{n}", values, origin=person.origin,
                    record=person.record)
        rated = dict(months)
        for word, name in ratings.counts:
            hits = [m for m, _ in months if resolution.get(m, rated[m]) == word]
            fact.detail[name] = "、".join(hits) + f"为“{word}”" if hits else f"无“{word}”"
        if resolution:
            fact.scenario = "假定" + "、".join(f"{m}{ratings.pending}→{g}" for m, g in sorted(resolution.items()))
            if ratings.pending_count:
                fact.detail[ratings.pending_count] = fact.scenario
        for word, name in ratings.runs:
            fact.detail[name] = _run_note(months, resolution, word)
        derive(fact, policy, params)
        out.append(fact)
    return out


def _run_note(months, resolution, word: str) -> str:
    hits = [m for m, r in months if resolution.get(m, r) == word]
    return (f"“{word}”的月份：" + "、".join(hits)) if hits else f"无“{word}”"


def rating_scenarios(months: list[tuple[str, str]], ratings: Ratings) -> dict[tuple, dict[str, str]]:
    """Distinct (count of each counted word …, longest run of each run word …) over every resolution of the
    pending months.

    Dynamic programming over the months in order, so twelve pending months
    cost a few hundred states, not 3¹² resolutions. Each signature keeps one
    resolution that produces it, for the explanation.
    """
    words = [w for w, _ in ratings.counts]
    run_words = [w for w, _ in ratings.runs]
    start = (tuple(0 for _ in words), tuple(0 for _ in run_words), tuple(0 for _ in run_words), None)
    states: dict[tuple, dict[str, str]] = {start: {}}   # counts, current runs, longest runs, last month
    for month, rating in months:
        index = month_index(month)
        pending = rating == ratings.pending
        nxt: dict[tuple, dict[str, str]] = {}
        for (counts, runs, longest, last), chosen in states.items():
            adjacent = last is not None and index == last + 1
            for grade in (ratings.resolves_to if pending else (rating,)):
                new_counts = tuple(c + (grade == w) for c, w in zip(counts, words))
                new_runs = tuple(((r + 1 if adjacent else 1) if grade == w else 0) for r, w in zip(runs, run_words))
                key = (new_counts, new_runs, tuple(map(max, longest, new_runs)), index)
                if key not in nxt:
                    nxt[key] = dict(chosen, **({month: grade} if pending else {}))
        states = nxt
    out: dict[tuple, dict[str, str]] = {}
    for (counts, _runs, longest, _last), chosen in states.items():
        out.setdefault(counts + longest, chosen)
    return out
