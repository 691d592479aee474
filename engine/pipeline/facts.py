"""From a case to facts: records.yaml says what a case holds, facts.yaml what the rules read of it.

Each record of a kind facts.yaml describes becomes one fact: its input
attributes as the record gives them (a blank one as `absent:` reads it), then
its derived attributes, evaluated in the order facts.yaml lists them, each
keeping a note of how it was obtained so the explanation can show it. A kind
with `tally:` counts a by-month field instead — per year of one record, or
per month of the records naming one (`Sequence`, `month_scenarios`). Every
number, list and word comes from the policy; nothing here names a field.
"""
from __future__ import annotations

import datetime as dt
import functools
from collections import defaultdict
from dataclasses import dataclass, field
from typing import Any

from ..formula import expr
from ..casefiles.cases import Case
from ..formula.functions import FUNCTIONS, Witnessed, month_index
from ..policy.model import Attribute, FactKind, Policy
from ..policy.params import ParamView

__all__ = ["failure", "detail", "Fact", "RecordError", "ARITHMETIC_ERRORS", "Witnesses", "derive", "build_facts",
           "Sequence", "month_scenarios"]

@dataclass(slots=True)
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
    # (its subject's class signature, its position among the subject's facts) when decided by class (runtime.run):
    # facts of equal `klass` give the same truth on every test of the network, so what reads only those is shared
    klass: tuple = field(default=(), compare=False, repr=False)

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


class Witnesses:
    """The whitelisted functions, each putting the witness its result carries (the certificate counted …) in
    `notes`: made once per case, not once per fact."""

    def __init__(self):
        self.notes: list[str] = []
        self.functions = {name: self._keeping(fn) for name, fn in FUNCTIONS.items()}

    def _keeping(self, fn):
        notes = self.notes

        def wrapped(*args):
            out = fn(*args)
            if isinstance(out, Witnessed):
                notes.append(out.detail)
                return out.value
            return out
        return wrapped


def derive(fact: Fact, policy: Policy, params: ParamView, witnesses: Witnesses | None = None) -> None:
    """Evaluate the kind's derived attributes in order, recording each one's witness."""
    witnesses = witnesses or Witnesses()
    notes, functions = witnesses.notes, witnesses.functions
    keyed = _by_role(fact, policy)
    get = (lambda name: keyed[name] if name in keyed else fact.get(name)) if keyed else fact.get
    for derivation in policy.kinds[fact.kind].derived:
        notes.clear()
        value = expr.evaluate(derivation.ast, get, params, functions)
        fact.values[derivation.name] = _iso(expr.plain(value))
        if notes:
            fact.detail[derivation.name] = "；".join(notes)


def _by_role(fact: Fact, policy: Policy) -> dict[str, list]:
    """attribute → its nested records re-keyed by role (records.yaml `roles:`), as a formula's functions read them
    (functions.ROLES); the fact itself keeps them as the case file gives them. {} when the kind has none."""
    roles = policy.records.roles(fact.kind)
    out: dict[str, list] = {}
    for attribute in policy.kinds[fact.kind].attributes.values() if roles else ():
        named = roles.get(attribute.source or (attribute.name,))
        value = fact.values.get(attribute.name)
        if named and isinstance(value, list):
            out[attribute.name] = [{role: r.get(f) for role, f in named.items()} if isinstance(r, dict) else r
                                   for r in value]
    return out


def _field(record: dict, attribute: Attribute):
    """The record's value for the attribute: its own field, or the path facts.yaml gives in `from:`."""
    value = record
    for step in attribute.source or (attribute.name,):
        value = value.get(step) if isinstance(value, dict) else None
    return value


def _inputs(fact: Fact, record: dict, case: Case, policy: Policy, made: "_Made | None" = None) -> Fact:
    """Every input attribute facts.yaml declares for the kind, as the record gives it; a missing one as its
    `absent:` reads it (with the note the explanation shows), else None — an empty map or list when of that type;
    one computed over related records (`related:`) from their facts in `made`."""
    for attribute in policy.kinds[fact.kind].attributes.values():
        if attribute.name in fact.values:      # the case's own (as_of, assessment_year)
            continue
        if attribute.related is not None:
            fact.values[attribute.name] = _aggregate(fact, attribute, case, policy, made if made is not None else _Made())
            continue
        value = _field(record, attribute)
        if value is None and attribute.absent:
            value = _absent(fact, attribute, case, policy.records, made if made is not None else _Made())
        elif attribute.type == "map":
            value = dict(value or {})
        elif attribute.type == "list":       # a list of words or months is a set: kept sorted
            value = list(value or [])
            if all(isinstance(v, str) for v in value):
                value.sort()
        fact.values[attribute.name] = value
    return fact


def _absent(fact: Fact, attribute: Attribute, case: Case, records, made: "_Made"):
    absent = attribute.absent
    if "value" in absent:
        fact.detail[attribute.name] = absent["note"]
        return absent["value"]
    kind, _, field_name = absent["count"].partition(".")
    count = made.count(case.records.get(records.kinds[kind].list, []), (kind, field_name), fact.subject)
    fact.detail[attribute.name] = absent["note"].replace("{count}", str(count))
    if (fact.kind, fact.subject) in case.incomplete:   # a rejected record may belong here: the count would be a guess
        fact.incomplete = fact.detail[attribute.name] = case.incomplete[(fact.kind, fact.subject)]
        return None
    return count


def _aggregate(fact: Fact, attribute: Attribute, case: Case, policy: Policy, made: _Made):
    """How many of the records naming this one (where `where` holds), or the sum, mean, least or greatest of an
    attribute of theirs; unknown when a rejected record may be among them, or when one's value is unknown."""
    spec = attribute.related
    members = [f for f, _ in made.naming(spec.of, spec.via, fact.subject)]
    chosen = [f for f in members if spec.where is None or f.values.get(spec.where) is True]
    if (fact.kind, fact.subject) in case.incomplete:
        fact.incomplete = fact.detail[attribute.name] = case.incomplete[(fact.kind, fact.subject)]
        return None
    called = policy.kinds[spec.of].label
    which = f"中{policy.kinds[spec.of].label_of(spec.where) or spec.where}的" if spec.where else "中"
    shown = "、".join(f.subject for f in chosen[:MAX_SHOWN]) + (f" 等 {len(chosen)} 条" if len(chosen) > MAX_SHOWN else "")
    if spec.how == "count":
        fact.detail[attribute.name] = f"本{policy.kinds[fact.kind].label}的{called}{which}：{shown or '无'}"
        return len(chosen)
    values = [f.values.get(spec.attribute) for f in chosen]
    if any(v is None for v in values):
        fact.detail[attribute.name] = f"本{policy.kinds[fact.kind].label}的{called}中有未知的" \
                                      f"{policy.kinds[spec.of].label_of(spec.attribute) or spec.attribute}"
        return None
    fact.detail[attribute.name] = f"本{policy.kinds[fact.kind].label}的{called}{which}共 {len(values)} 条：{shown or '无'}"
    if not values:
        return 0 if spec.how == "sum" else None
    total = sum(values)
    return {"sum": total, "mean": total / len(values), "min": min(values), "max": max(values)}[spec.how]


MAX_SHOWN = 20   # related records named in a note, then a count


def _order(policy: Policy) -> list:
    """The kinds of record in the order their facts are made: records.yaml's, except that a kind whose attributes
    are computed over another kind's records (`related:`) comes after it."""
    kinds = list(policy.records.kinds.values())
    needs = {k.name: {a.related.of for a in policy.kinds[k.name].attributes.values() if a.related}
             if k.name in policy.kinds else set() for k in kinds}
    out: list = []
    while kinds:
        ready = next((k for k in kinds if needs[k.name] <= {o.name for o in out} | {k.name}), kinds[0])
        out.append(ready)
        kinds.remove(ready)
    return out


class _Made(dict):
    """kind → [(fact, record)] of the case's records as their facts are made, and who names whom: the records of a
    kind whose field names a given record, indexed once per (kind, field) when first asked (by then that kind's
    facts are all made: `_order`), not searched again for every record named."""

    def __init__(self):
        super().__init__()
        self._index: dict[tuple[str, str], dict[str, list]] = {}
        self._counts: dict[tuple[str, str], dict[str, int]] = {}
        self._sequences: dict[str, Sequence] = {}
        self.witnesses = Witnesses()

    def sequence(self, policy: Policy, kind: FactKind) -> "Sequence":
        """What a tally of the kind reads (`Sequence.of`), made once per case, not once per record tallied."""
        if kind.name not in self._sequences:
            self._sequences[kind.name] = Sequence.of(policy, kind)
        return self._sequences[kind.name]

    def count(self, records: list[dict], key: tuple[str, str], subject: str) -> int:
        """How many of the records (a list of the case file) name `subject` in the field `key[1]`: counted once
        per list and field for every subject, not once per subject asking."""
        if key not in self._counts:
            counted: dict[str, int] = defaultdict(int)
            for r in records:
                counted[str(r.get(key[1]))] += 1
            self._counts[key] = counted
        return self._counts[key].get(subject, 0)

    def naming(self, kind: str, via: str, subject: str) -> list[tuple[Fact, dict]]:
        if (kind, via) not in self._index:
            grouped: dict[str, list] = defaultdict(list)
            for fact, record in self.get(kind, ()):
                if record.get(via) is not None:
                    grouped[str(record[via])].append((fact, record))
            self._index[(kind, via)] = grouped
        return self._index[(kind, via)].get(subject, [])


def build_facts(case: Case, policy: Policy, params: ParamView) -> list[Fact]:
    """Every fact of the case, derived attributes included: one per record of each kind records.yaml declares
    (a kind facts.yaml does not describe gives none), then the facts computed from them."""
    common = {"as_of": case.as_of.isoformat(), **case.values}
    facts: list[Fact] = []
    made = _Made()
    for kind in _order(policy):
        made[kind.name] = []
        if kind.name not in policy.kinds:
            continue
        for r in case.records.get(kind.list, []):
            fact = _inputs(Fact(kind.name, r["id"], f"{kind.name}:{r['id']}", dict(common), origin=r["_path"],
                                record=kind.list), r, case, policy, made)
            try:
                derive(fact, policy, params, made.witnesses)
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


def _computed(fact: Fact, record: dict, case: Case, made: _Made, policy: Policy, params: ParamView) -> list[Fact]:
    """The facts facts.yaml tallies from this record's by-month field (or its related records'), in file order."""
    out: list[Fact] = []
    for kind in policy.kinds.values():
        tally = kind.tally
        if tally is None or tally.of != fact.kind or (tally.requires and record.get(tally.requires) is None):
            continue
        if tally.related is None:
            out += _own(kind, fact, record, case, policy, params, made)
        else:
            out += _related(kind, fact, case, made, policy, params)
    return out


@dataclass(frozen=True)
class Sequence:
    """What a tally of a record's own by-month words reads (facts.yaml attributes `count:`, `run:`), and what the
    vocabulary's pending word (a month not yet rated) may become."""
    counts: tuple[tuple[str, str], ...]          # (word, attribute counting the months at it)
    runs: tuple[tuple[str, str], ...]            # (word, attribute: the longest run of adjacent months at it)
    pending: str | None = None                   # the word of a month whose value is not yet known
    resolves_to: tuple[str, ...] = ()            # what a pending month may become
    every: str | None = None                     # attribute counting every month with a value (`count: "*"`)
    pending_count: str | None = None             # attribute counting the pending months

    @classmethod
    def of(cls, policy: Policy, kind: FactKind) -> "Sequence":
        tally = kind.tally
        declared = policy.records.kinds[tally.of].fields.get(tally.months)
        vocabulary = declared.values.vocabulary if declared is not None and declared.values is not None else None
        pending = (policy.vocabulary.get(vocabulary) or {}).get("pending") or {}
        word = pending.get("word")
        counts = tuple((a.count, a.name) for a in kind.attributes.values() if a.count not in (None, "*", word))
        return cls(counts, tuple((a.run, a.name) for a in kind.attributes.values() if a.run is not None),
                   word, tuple(pending.get("resolves_to") or ()),
                   next((a.name for a in kind.attributes.values() if a.count == "*"), None),
                   next((a.name for a in kind.attributes.values() if word is not None and a.count == word), None))


def period_of(month: str, per: str) -> str:
    """The period a month YYYY-MM falls in: itself, its quarter (2025-Q1) or its year (2025)."""
    if per == "month":
        return month
    return month[:4] if per == "year" else f"{month[:4]}-Q{(int(month[5:7]) - 1) // 3 + 1}"


def _periods(months, tally, case: Case) -> dict[str, list]:
    """(month, value) pairs by period, in order; only the months of the case's year field when the tally names one."""
    year = case.values.get(tally.year) if tally.year else None
    prefix = None if year is None else f"{year}-"
    out: dict[str, list] = {}
    for month, value in sorted(months):
        if prefix is None or month.startswith(prefix):
            out.setdefault(period_of(month, tally.per), []).append((month, value))
    return out


def _start(kind: FactKind, subject: Fact, case: Case, period: str, fid: str) -> Fact:
    """A tally's fact for one period: the case's values, the period, and what it copies from its subject."""
    fact = Fact(kind.name, subject.subject, fid, {"as_of": subject.values["as_of"], **case.values},
                origin=subject.origin, record=subject.record)
    for a in kind.attributes.values():
        if a.period:
            fact.values[a.name] = period
    for a in kind.attributes.values():   # copied from the subject (the person's 上岗日期, the center's 人数)
        if a.count is None and a.run is None and a.total is None and not a.period and a.name not in fact.values:
            fact.values[a.name] = subject.values.get(a.name)
            note = subject.detail.get(a.name) or a.note
            if note:
                fact.detail[a.name] = note
    return fact


def _totals(kind: FactKind, fact: Fact, period: str, values: list) -> None:
    """Sum, mean, least, greatest of the numbers given in the period (none given: no value)."""
    numbers = [v for v in values if isinstance(v, (int, float)) and not isinstance(v, bool)]
    for a in kind.attributes.values():
        if a.total is None:
            continue
        if not numbers:
            fact.values[a.name] = None
            fact.detail[a.name] = f"{period}无数值"
            continue
        total = sum(numbers)
        fact.values[a.name] = {"sum": total, "mean": total / len(numbers), "min": min(numbers), "max": max(numbers)}[a.total]
        fact.detail[a.name] = f"{period}的 {len(numbers)} 个数值的" + {"sum": "合计", "mean": "平均", "min": "最小值",
                                                                     "max": "最大值"}[a.total]


def _own(kind: FactKind, subject: Fact, record: dict, case: Case, policy: Policy, params: ParamView,
         made: _Made) -> list[Fact]:
    """Per period of the record's own by-month field: one fact per distinct way its pending months may resolve
    (usually exactly one)."""
    seq = made.sequence(policy, kind)
    out = []
    for period, months in _periods((record.get(kind.tally.months) or {}).items(), kind.tally, case).items():
        pending = sum(1 for _, v in months if v == seq.pending)
        given = dict(months)
        for n, (signature, resolution) in enumerate(sorted(month_scenarios(months, seq).items())):
            counts, longest = signature[:len(seq.counts)], signature[len(seq.counts):]
            fact = _start(kind, subject, case, period, f"{kind.name}:{subject.subject}:{period}:{n}")
            if seq.every:
                fact.values[seq.every] = len(months)
            fact.values["scenario"] = n
            fact.values.update({name: c for (_, name), c in zip(seq.counts, counts)})
            fact.values.update({name: run for (_, name), run in zip(seq.runs, longest)})
            if seq.pending_count:
                fact.values[seq.pending_count] = pending
            for word, name in seq.counts:
                hits = [m for m, _ in months if resolution.get(m, given[m]) == word]
                fact.detail[name] = "、".join(hits) + f"为“{word}”" if hits else f"无“{word}”"
            if resolution:
                fact.scenario = "假定" + "、".join(f"{m}{seq.pending}→{g}" for m, g in sorted(resolution.items()))
                if seq.pending_count:
                    fact.detail[seq.pending_count] = fact.scenario
            for word, name in seq.runs:
                fact.detail[name] = _run_note(months, resolution, word)
            _totals(kind, fact, period, [v for _, v in months])
            derive(fact, policy, params, made.witnesses)
            out.append(fact)
    return out


def _related(kind: FactKind, subject: Fact, case: Case, made: _Made, policy: Policy, params: ParamView) -> list[Fact]:
    """Per period in which a record naming the subject (a person of the center) has a value: how many of those
    values are at each counted word, and their totals."""
    related, field_name = kind.tally.related
    via = next((f for f, to in policy.records.kinds[related].refs.items() if to == subject.kind), None)
    members = [r for _, r in made.naming(related, via, subject.subject)] if via else []
    given = [(m, v) for r in members for m, v in (r.get(field_name) or {}).items()]
    incomplete = case.incomplete.get((subject.kind, subject.subject), "")
    out = []
    for period, months in _periods(given, kind.tally, case).items():
        fact = _start(kind, subject, case, period, f"{kind.name}:{subject.subject}:{period}")
        for a in kind.attributes.values():
            if a.count is not None:
                hits = sum(1 for _, v in months if a.count == "*" or v == a.count)
                fact.values[a.name] = None if incomplete else hits
                fact.detail[a.name] = incomplete or f"{period}为“{a.count}”：{hits}{a.unit or ''}"
        _totals(kind, fact, period, [v for _, v in months])
        if incomplete:
            for a in kind.attributes.values():
                if a.total is not None:
                    fact.values[a.name], fact.detail[a.name] = None, incomplete
        fact.incomplete = incomplete
        derive(fact, policy, params, made.witnesses)
        out.append(fact)
    return out


def _run_note(months, resolution, word: str) -> str:
    hits = [m for m, r in months if resolution.get(m, r) == word]
    return (f"“{word}”的月份：" + "、".join(hits)) if hits else f"无“{word}”"


def month_scenarios(months: list[tuple[str, str]], seq: Sequence) -> dict[tuple, dict[str, str]]:
    """Distinct (count of each counted word …, longest run of each run word …) over every resolution of the
    pending months (read only: a roster repeats the same few months, each worked out once)."""
    key = tuple(months)
    try:
        return _scenarios(key, seq)
    except TypeError:   # a value that cannot be a key (records.yaml's types allow none): worked out unremembered
        return _scenarios.__wrapped__(key, seq)


@functools.lru_cache(maxsize=8192)
def _scenarios(months: tuple[tuple[str, str], ...], seq: Sequence) -> dict[tuple, dict[str, str]]:
    """month_scenarios's work.

    Dynamic programming over the months in order, so twelve pending months
    cost a few hundred states, not 3¹² resolutions. Each signature keeps one
    resolution that produces it, for the explanation.
    """
    words = [w for w, _ in seq.counts]
    run_words = [w for w, _ in seq.runs]
    start = (tuple(0 for _ in words), tuple(0 for _ in run_words), tuple(0 for _ in run_words), None)
    states: dict[tuple, dict[str, str]] = {start: {}}   # counts, current runs, longest runs, last month
    for month, value in months:
        index = month_index(month)
        pending = seq.pending is not None and value == seq.pending
        nxt: dict[tuple, dict[str, str]] = {}
        for (counts, runs, longest, last), chosen in states.items():
            adjacent = last is not None and index == last + 1
            for grade in (seq.resolves_to if pending else (value,)):
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
