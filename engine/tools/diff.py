"""Two versions of a policy over one roster: who changes, why, and what it costs.

Both versions are compiled side by side (their rulesets carry id, version and
digest, so they coexist) and every case is decided by both. A record changes
when its value differs, or when it errors in one version only. Reasons are read
from the two explanations (engine/explain/: the trace and its pieces), built only for changed records:
the parameters read (value, clause, date) that differ between the versions, the
rules that fired in one version and are absent from or written differently in the
other, the interpretations relied on whose reading changed, and the facts whose
derived values moved. Which decisions are money and which values are favourable
is the policy's data (`money:` and `favourable:` on a decision in rules/*.yaml).

One pass (`compare_file`): each case is decided by both versions, compared and explained where it changed in a
worker (parallel.stream_cases, a batch of cases at a time; a clean JSON file is checked there too, case by case),
together with what the summary needs of it (its account, how often each value occurs, its money by group). Only
those plain pieces come back, merged here in case order; no result is kept, so memory holds the changes and the
tallies, not the run.
"""
from __future__ import annotations

import copy
import dataclasses
import json
import datetime as dt
import re
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from typing import Any, Sequence

from ..formula import expr
from ..casefiles import formats
from ..casefiles.cases import Case, CaseError, CaseFile, load_cases, read_source, read_unchecked
from ..casefiles.labels import labels_of
from ..pipeline.evaluate import CaseResult, Evaluator, account
from ..common.words import cn_date, same_value, shown
from ..explain.pieces import Pieces, parameter_entry, parameter_value
from ..explain.trace import Trace
from ..explain.wording import Wording
from ..policy.model import Decision, Policy
from ..pipeline.parallel import stream_cases
from ..common.locations import YamlError

__all__ = ["unassigned", "Side", "Change", "Comparison", "parsed", "compare_file", "case_changes",
           "Read", "read", "Reader", "reading", "reasons", "in_words", "distributions",
           "money_decision", "allowance", "effective", "transitions", "yes_no", "movements", "summary"]

def unassigned(policy: Policy, decision: str) -> str:
    """The budget's row for subjects naming no record to be grouped under: （未分配中心）, in the declaration's words
    (the roster's sheet, else records.yaml's label, of the kind the decision's subjects are grouped under)."""
    d = policy.decisions.get(decision)
    kind = policy.records.kinds.get(d.subject) if d else None
    target = policy.records.kinds.get(kind.refs[kind.group]) if kind and kind.group else None
    return f"（未分配{labels_of(policy).sheets.get(target.list, target.label) if target else ''}）"


@dataclass
class Side:
    """One version: what it was given as, the policy, and what the comparison tallied of its decisions, case by
    case in case order: each case's 判定日, the account (evaluate.account's form), how often each value of a
    decision occurs among the cases decided (value key → count), and per money decision the amounts summed by
    the record they are grouped under (group → [sum, subjects]) and in all."""
    label: str
    commit: str | None
    policy: Policy
    days: dict[str, dt.date] = field(default_factory=dict)
    books: dict = field(default_factory=dict)
    counts: dict[str, Counter] = field(default_factory=dict)
    groups: dict[str, dict[str, list]] = field(default_factory=dict)
    totals: dict[str, Any] = field(default_factory=dict)

    def header(self) -> dict:
        out = {"id": self.policy.id, "version": self.policy.version, "digest": self.policy.digest, "source": self.label}
        if self.commit:
            out["commit"] = self.commit
        if self.policy.demonstration:
            out["demonstration"] = self.policy.demonstration
        return out


@dataclass
class Change:
    case: str
    subject: str | None
    decision: str | None          # None: the record errors in one version only (or both, differently)
    old: Any
    new: Any
    name: str | None = None       # the person's name (masked at the edge)
    center: str | None = None
    reasons: list[dict] = field(default_factory=list)

    def as_json(self) -> dict:
        return {"case": self.case, "subject": self.subject, "decision": self.decision,
                "old": expr.plain(self.old), "new": expr.plain(self.new), "reasons": self.reasons}


@dataclass
class Comparison:
    """The two versions over one roster: every changed record in case order, with its reasons; per money decision,
    how many records are better off, worse off, unchanged, and in one version only (`moved`)."""
    base: Side
    new: Side
    found: list[Change]
    decisions: set[str] | None = None
    moved: dict[str, Counter] = field(default_factory=dict)


def parsed(cases_path: str) -> tuple | None:
    """The case file read once for both versions (each checks it against its own vocabulary); None for a
    spreadsheet (read by each policy's roster.yaml) or a file that does not parse (each reports it, located)."""
    if formats.is_spreadsheet(cases_path):
        return None
    try:
        return read_source(cases_path)
    except YamlError:
        return None


# --- one pass ----------------------------------------------------------------------------------

@dataclass
class _Pair:
    """One case as both versions decide it, each its own copy (deciding may take a record out of a case:
    Evaluator._run); None where that version could not read it."""
    id: str
    old: Case | None
    new: Case | None


class _Both:
    """The two versions' evaluators as one, for parallel.stream_cases: a pair of cases in, a pair of results out
    (a case whose worker died is lost for both)."""

    def __init__(self, old: Evaluator, new: Evaluator):
        self.old, self.new = old, new
        self.bounds = dataclasses.replace(old.bounds, seconds=old.bounds.seconds + new.bounds.seconds)

    def prepare(self, cases) -> None:
        self.old.prepare(cases)
        self.new.prepare(cases)

    def evaluate(self, pair: _Pair) -> tuple[CaseResult | None, CaseResult | None]:
        return (None if pair.old is None else self.old.evaluate(pair.old),
                None if pair.new is None else self.new.evaluate(pair.new))

    def failed(self, pair: _Pair, message: str) -> tuple[CaseResult | None, CaseResult | None]:
        return (None if pair.old is None else self.old.failed(pair.old, message),
                None if pair.new is None else self.new.failed(pair.new, message))


def _fresh(case: Case) -> Case:
    """The case's own copy for the other version. Deciding changes a case only by taking a record out of it
    (casefiles.refuse: out of its list, into rejected and errors, incomplete recounted): those are its own; the
    records themselves, only read, are shared."""
    return dataclasses.replace(case, records={k: list(v) for k, v in case.records.items()}, errors=list(case.errors),
                               rejected=list(case.rejected), incomplete=dict(case.incomplete), warnings=list(case.warnings))


class _Checked(Sequence):
    """A clean JSON file's cases, each checked where it is decided (casefiles.Unchecked) under the base version's
    words, which are the new version's too, and copied for the new version; None for one that is not clean."""

    def __init__(self, unchecked):
        self.unchecked = unchecked

    def __len__(self) -> int:
        return len(self.unchecked)

    def __getitem__(self, index: int) -> _Pair | None:
        case = self.unchecked[index]
        return None if case is None else _Pair(case.id, case, _fresh(case))


class _Loaded(Sequence):
    """Cases read here: (base's case, new's case) by id, in file order; a case read once for both is copied for
    the new version when it is given out (in the worker that decides it)."""

    def __init__(self, pairs: list[tuple[Case | None, Case | None]], shared: bool):
        self.pairs, self.shared = pairs, shared

    def __len__(self) -> int:
        return len(self.pairs)

    def __getitem__(self, index: int) -> _Pair:
        old, new = self.pairs[index]
        if self.shared:
            new = _fresh(old)
        return _Pair((old or new).id, old, new)


@dataclass
class _Tally:
    """What the summary needs of one case under one version."""
    as_of: dt.date
    books: dict[str, tuple[int, int]]              # list → (decided, errored)
    counts: dict[str, Counter] | None              # decision → value key → count; None: the case failed
    amounts: dict[str, list[tuple[Any, str]]]      # money decision → (amount, group) per subject, in order


@dataclass
class _Part:
    """One case compared: its changes with their reasons, each version's tally, and per money decision the
    better / worse / unchanged / only_one counts of its records."""
    id: str
    changes: list[Change]
    sides: tuple[_Tally | None, _Tally | None]
    moved: dict[str, Counter]


class _Plan:
    """What every case's comparison needs, made here before the workers start (they inherit it)."""

    def __init__(self, base: Side, new: Side, decisions: set[str] | None):
        self.base, self.new, self.decisions = base, new, decisions
        self.both = _Both(Evaluator(base.policy), Evaluator(new.policy))
        self.names = [d.name for d in new.policy.decisions.values() if d.values or d.favourable]
        self.money = list(dict.fromkeys(d.name for p in (base.policy, new.policy) for d in p.decisions.values() if d.money))
        self.none = [{m: unassigned(side.policy, m) for m in self.money} for side in (base, new)]
        self.kinds: tuple[tuple[str, ...], tuple[str, ...]] = ((), ())
        self.errors: tuple[dict, dict] = ({}, {})    # case id → the errors of a case a version could not read

    def compared(self, results: tuple[CaseResult | None, CaseResult | None]) -> _Part:
        ro, rn = results
        case_id = str((ro or rn).case.id)
        read = [self._read(r, n) for n, r in enumerate(results)]
        found = case_changes(self.base.policy, self.new.policy, case_id, ro, rn, self.errors[0].get(case_id, []),
                             self.errors[1].get(case_id, []), self.decisions, (read[0][0], read[1][0]),
                             (read[0][3], read[1][3]))
        cache: dict = {}
        for change in found:
            if change.decision is not None:
                change.reasons = reasons(self.base.policy, self.new.policy, ro, rn, change, cache)
        moved = {m: _moved(read[0][2].get(m, {}), read[1][2].get(m, {})) for m in self.money}
        sides = tuple(None if r is None else
                      _Tally(r.case.as_of, self._books(r, n), read[n][1],
                             {m: list(a.values()) for m, a in read[n][2].items()})
                      for n, r in enumerate(results))
        return _Part(case_id, found, sides, moved)

    def clean(self, results: tuple[CaseResult | None, CaseResult | None]) -> _Part | None:
        """From a file not yet read whole: an error, which may want lines, sends the case to load_cases."""
        return None if any(r is not None and r.errors for r in results) else self.compared(results)

    def _books(self, result: CaseResult, side: int) -> dict[str, tuple[int, int]]:
        one = account(CaseFile(result.case.file, [], [], dict.fromkeys(self.kinds[side], 0)), [result])
        return {k: (v["decided"], v["errored"]) for k, v in one.items() if k != "balanced"}

    def _read(self, result: CaseResult | None, side: int) -> tuple:
        """One version's determinations of the case, read once: (subject, decision) → value; how often each value
        of a counted decision occurs (None: the case failed); money decision → subject → (amount, the record it is
        grouped under: case/center); the records' names and groups (records.yaml; None when no amount asked)."""
        values: dict[tuple[str, str], Any] = {}
        if result is None:
            return values, None, {}, None
        counts = None if result.failed else {name: Counter() for name in self.names}
        amounts: dict[str, dict[str, tuple[Any, str]]] = {}
        none = self.none[side]
        people = None
        for d in result.determinations:
            value = values[(d.subject, d.decision)] = d.value
            if counts is None:
                continue
            counted = counts.get(d.decision)
            if counted is not None:
                counted[_key(value)] += 1
            if d.decision in none and isinstance(value, (int, float)) and not isinstance(value, bool):
                if people is None:
                    people = (self.base, self.new)[side].policy.records.identities(result.case.records)
                center = people.get(str(d.subject), (None, None))[1]
                amounts.setdefault(d.decision, {})[str(d.subject)] = (
                    value, none[d.decision] if center is None else f"{result.case.id}/{center}")
        return values, counts, amounts, people


def _moved(before: dict[str, tuple], after: dict[str, tuple]) -> Counter:
    """Better / worse / unchanged / in one version only, per record with an amount (`better` said at the end)."""
    out = Counter()
    for key in set(before) | set(after):
        old, now = before.get(key, (0, ""))[0], after.get(key, (0, ""))[0]
        if key not in before or key not in after:
            out["only_one"] += 1
        out["unchanged" if old == now else "up" if now > old else "down"] += 1
    return out


class _Merge:
    """The cases' parts folded in case order into each version's tallies; the changes kept by case."""

    def __init__(self, plan: _Plan):
        self.plan = plan
        self.changes: dict[str, list[Change]] = {}
        self.done: set[str] = set()
        self.moved: dict[str, Counter] = {m: Counter() for m in plan.money}
        self.books: list[dict[str, list[int]]] = [{}, {}]

    def add(self, part: _Part) -> None:
        self.done.add(part.id)
        if part.changes:
            self.changes[part.id] = part.changes
        for m, c in part.moved.items():
            self.moved[m].update(c)
        for n, (side, tally) in enumerate(zip((self.plan.base, self.plan.new), part.sides)):
            if tally is None:
                continue
            side.days[part.id] = tally.as_of
            for k, (decided, errored) in tally.books.items():
                held = self.books[n].setdefault(k, [0, 0])
                held[0] += decided
                held[1] += errored
            if tally.counts is not None:
                for name, c in tally.counts.items():
                    side.counts.setdefault(name, Counter()).update(c)
            for m, amounts in tally.amounts.items():
                groups, total = side.groups.setdefault(m, {}), side.totals.get(m, 0)
                for amount, group in amounts:   # added one by one, in case order: the same sums as one list
                    row = groups.setdefault(group, [0, 0])
                    row[0] += amount
                    row[1] += 1
                    total += amount
                side.totals[m] = total

    def close(self, files: tuple[CaseFile, CaseFile], order: list[str]) -> Comparison:
        plan = self.plan
        for n, (side, case_file) in enumerate(zip((plan.base, plan.new), files)):
            failed = {k: sum(held[k] for held in case_file.failed_cases.values()) for k in case_file.read}
            out = {k: {"read": case_file.read[k], "decided": self.books[n].get(k, [0, 0])[0],
                       "errored": failed[k] + self.books[n].get(k, [0, 0])[1]} for k in case_file.read}
            side.books = dict(out, balanced=all(v["read"] == v["decided"] + v["errored"] for v in out.values()))
        for case_id in order:   # read by neither version: compared by their errors alone
            if case_id not in self.done:
                found = case_changes(plan.base.policy, plan.new.policy, case_id, None, None, plan.errors[0].get(case_id, []),
                                     plan.errors[1].get(case_id, []), plan.decisions)
                if found:
                    self.changes[case_id] = found
        found = [c for case_id in order for c in self.changes.get(case_id, ())]
        return Comparison(plan.base, plan.new, found, plan.decisions, self.moved)


def compare_file(cases_path: str, base: Side, new: Side, decisions: set[str] | None = None,
                 jobs: int | None = 1) -> Comparison:
    """Every case of the file decided by both versions and compared, in `jobs` worker processes (1: here), a batch
    of cases at a time; `base` and `new` receive their tallies. `decisions`: compare only these.

    The file is read once for both versions and checked once when they have the same words (a case is checked
    against the vocabulary only), else once per version: a clean JSON file case by case in the workers
    (casefiles.Unchecked; from its first case that is not clean on, the file is read whole here, as evaluate
    does), any other here."""
    plan = _Plan(base, new, decisions)
    merge = _Merge(plan)
    same = base.policy.vocabulary == new.policy.vocabulary
    done, source = 0, None
    lost: dict[str, str] = {}   # cases a worker died on: not decided again when the file is read whole
    unchecked = read_unchecked(cases_path, base.policy) if same else None
    if unchecked is not None:
        plan.kinds = (tuple(unchecked.file.read),) * 2
        for part in stream_cases(plan.both, _Checked(unchecked), plan.clean, jobs, days=unchecked.days(), lost=lost):
            if part is None:
                break
            merge.add(part)
            done += 1
        if done == len(unchecked):
            return merge.close((unchecked.file, unchecked.file), unchecked.ids)
        source = None if unchecked.released else unchecked.parsed
        unchecked = None
    source = source or parsed(cases_path)
    old_file = load_cases(cases_path, base.policy, source)
    shared = same and source is not None
    new_file = old_file if shared else load_cases(cases_path, new.policy, source)
    source = None
    plan.kinds = (tuple(old_file.read), tuple(new_file.read))
    plan.errors = tuple(_by_case(f.errors) for f in (old_file, new_file))
    if shared:
        pairs = [(c, None) for c in old_file.cases[done:]]
    else:
        by_id = {c.id: c for c in new_file.cases}
        pairs = [(c, by_id.pop(c.id, None)) for c in old_file.cases]
        pairs = sorted(pairs + [(None, c) for c in by_id.values()], key=lambda p: (p[0] or p[1]).index)
    days = sorted({c.as_of for pair in pairs for c in pair if c is not None})
    for part in stream_cases(plan.both, _Loaded(pairs, shared), plan.compared, jobs, days=days, lost=lost):
        merge.add(part)
    pairs = []
    order = list(dict.fromkeys([str(c.id) for c in old_file.cases] + [str(e.case) for e in old_file.errors if e.case is not None]
                               + [str(c.id) for c in new_file.cases] + [str(e.case) for e in new_file.errors if e.case is not None]))
    return merge.close((old_file, new_file), order)


def _by_case(errors: list[CaseError]) -> dict[str, list[CaseError]]:
    out: dict[str, list[CaseError]] = defaultdict(list)
    for e in errors:
        out[str(e.case)].append(e)
    return dict(out)


# --- records ---------------------------------------------------------------------------

def _values(result: CaseResult) -> dict[tuple[str, str], Any]:
    return {(d.subject, d.decision): d.value for d in result.determinations}


def _subject_errors(result: CaseResult | None, case_errors: list) -> dict[str | None, list[str]]:
    """Error messages per subject (None: the case as a whole)."""
    out: dict[str | None, list[str]] = defaultdict(list)
    if result is None:
        for e in case_errors:
            out[None].append(e.message)
        return out
    for e in result.errors:
        if e.subject is None and result.failed:
            out[None].append(e.message)
        elif e.subject is not None:
            out[str(e.subject)].append(e.message)
    return out


def case_changes(old_policy: Policy, new_policy: Policy, case_id: str, ro: CaseResult | None, rn: CaseResult | None,
                 old_errors: list[CaseError], new_errors: list[CaseError], decisions: set[str] | None = None,
                 values: tuple[dict, dict] | None = None, identities: tuple[dict | None, dict | None] = (None, None)
                 ) -> list[Change]:
    """One case's changed records, reasons not yet read: `ro`/`rn` its result in each version, None where that
    version could not read it (its errors then say why). `values` and `identities`: each version's determinations
    by (subject, decision) and its records' names and groups, when already read."""
    eo, en = _subject_errors(ro, old_errors), _subject_errors(rn, new_errors)
    people: dict | None = None

    def who(subject) -> tuple[str | None, str | None]:
        """The record's personal name and group (records.yaml), read only for a case that changes."""
        nonlocal people
        if people is None:
            people = {}
            for result, policy, known in ((ro, old_policy, identities[0]), (rn, new_policy, identities[1])):
                if result is not None:
                    people.update(known if known is not None else policy.records.identities(result.case.records))
        return people.get(subject, (None, None))

    out: list[Change] = []
    errored = set(eo) | set(en)
    for subject in sorted(errored, key=lambda s: (s is not None, str(s))):
        if sorted(eo.get(subject, [])) != sorted(en.get(subject, [])) and decisions is None:
            out.append(_error_change(case_id, subject, eo.get(subject, []), en.get(subject, []), who))
    if None in errored:
        return out
    vo, vn = values if values is not None else ((_values(ro) if ro else {}), (_values(rn) if rn else {}))
    for key in list(dict.fromkeys(list(vo) + list(vn))):
        subject, decision = key
        if subject in errored or (decisions is not None and decision not in decisions):
            continue
        if key in vo and key in vn and same_value(vo[key], vn[key]):
            continue
        if vo.get(key) is None and vn.get(key) is None:
            continue
        name, group = who(subject)
        out.append(Change(case_id, subject, decision, vo.get(key), vn.get(key), name, group))
    return out


def _error_change(case_id: str, subject, old: list[str], new: list[str], who) -> Change:
    name, group = who(subject) if subject is not None else (None, None)
    reason = {"kind": "error", "old": "；".join(old) or None, "new": "；".join(new) or None,
              "text": f"记录在{'两个版本中出错不同' if old and new else '新版本中出错' if new else '原版本中出错'}：" +
                      f"原：{'；'.join(old) or '无错误'}；新：{'；'.join(new) or '无错误'}"}
    return Change(case_id, subject, None, "；".join(old) or None, "；".join(new) or None, name, group, [reason])


# --- reasons -----------------------------------------------------------------------------

@dataclass
class Read:
    """What one explanation read: rules, parameters (name → entry), interpretations, facts (name → value)."""
    rules: list[str] = field(default_factory=list)
    params: dict[str, dict] = field(default_factory=dict)
    interpretations: list[str] = field(default_factory=list)
    facts: dict[str, dict] = field(default_factory=dict)


def read(node: Any, into: Read | None = None) -> Read:
    """Walk an explanation tree (Why.determination) and collect what it rests on."""
    into = into or Read()
    if isinstance(node, list):
        for n in node:
            read(n, into)
        return into
    if not isinstance(node, dict):
        return into
    if isinstance(node.get("rule"), str) and "clause" in node and node["rule"] not in into.rules:
        into.rules.append(node["rule"])
    for name, entry in (node.get("parameters") or {}).items():
        into.params.setdefault(name, entry)
    for i in node.get("interpretations") or ():
        _add(into.interpretations, i["id"] if isinstance(i, dict) else i)
    for name, entry in (node.get("facts") or {}).items():
        _fact(name, entry, into)
    for key in ("because", "blocked"):
        read(node.get(key), into)
    return into


def _add(names: list[str], name: str) -> None:
    if name not in names:
        names.append(name)


def _fact(name: str, entry: dict, into: Read) -> None:
    into.facts.setdefault(name, entry)
    for i in entry.get("interpretations") or ():
        _add(into.interpretations, i)
    for pname, p in (entry.get("parameters") or {}).items():
        into.params.setdefault(pname, p)
    for sub, e in (entry.get("from") or {}).items():
        _fact(sub, e, into)


def _flat(name: str, entry: dict, out: list) -> list[tuple[str, str, Any]]:
    """What `_fact` adds to a reading, in its order, as a list to replay: (fact, name, entry), (interpretation,
    id, None), (parameter, name, entry)."""
    out.append(("fact", name, entry))
    for i in entry.get("interpretations") or ():
        out.append(("interpretation", i, None))
    for pname, p in (entry.get("parameters") or {}).items():
        out.append(("parameter", pname, p))
    for sub, e in (entry.get("from") or {}).items():
        _flat(sub, e, out)
    return out


@dataclass
class Reader:
    """One case's trace and its pieces, with the fact entries read so far, each as `_flat` lists what it adds to a
    reading (shared by a subject's decisions)."""
    trace: Trace
    pieces: Pieces
    entries: dict = field(default_factory=dict)


def _reader(which: str, policy: Policy, result: CaseResult | None, cache: dict) -> Reader | None:
    if result is None or result.params is None:
        return None
    key = (which, str(result.case.id))
    if key not in cache:
        trace = Trace.of(policy, result)
        cache[key] = Reader(trace, Pieces(trace))
    return cache[key]


_READS: dict[tuple[int, int], tuple] = {}


def _reads(rule, owner) -> list[tuple[tuple[str, ...], tuple]]:
    """What a firing of the rule reads, per expression (its condition, its computation, its decision's
    applies_when): the names and the parameters, as expr finds them. The same for every firing: found once per
    process (the rule and its decision are held with it, so their ids stay theirs)."""
    held = _READS.get((id(rule), id(owner)))
    if held is None or held[0] is not rule or held[1] is not owner:
        nodes = [n for n in (rule.when, rule.compute, owner.applies_when) if n is not None]
        held = _READS[(id(rule), id(owner))] = (rule, owner, [
            (tuple(expr.names(n)), tuple(p for p in expr.walk(n) if isinstance(p, expr.Param))) for n in nodes])
    return held[2]


def reading(reader: Reader | None, subject: str, decision: str) -> tuple[Read, str | None]:
    """What a determination rests on, read from its firings with the explanations' own pieces (fact entries,
    parameter entries) — the parts of a full explanation a comparison needs, without the sentences and the
    rules that gave way, which cost most. Returns the reading and the rule behind the value."""
    into = Read()
    d = reader.trace.index.get((subject, decision)) if reader is not None else None
    if d is None:
        return into, None
    seen: set[int] = set()
    memo = reader.entries

    def visit(firing, depth: int) -> None:
        if id(firing) in seen or depth > 6:
            return
        seen.add(id(firing))
        rule, owner, fact = firing.rule, firing.variant.decision, firing.fact
        _add(into.rules, rule.id)
        for names, params in _reads(rule, owner):
            for name in names:
                if not reader.trace.reads_decision(fact, name):
                    key = (fact.fid, name)
                    if key not in memo:
                        memo[key] = _flat(name, reader.pieces.fact_entry(fact, name), [])
                    for kind, what, entry in memo[key]:
                        if kind == "fact":
                            into.facts.setdefault(what, entry)
                        elif kind == "interpretation":
                            _add(into.interpretations, what)
                        else:
                            into.params.setdefault(what, entry)
            for p in params:
                name, entry = reader.pieces.parameter(p, fact)
                into.params.setdefault(name, entry)
        for name in list(rule.interpretations) + list(owner.interpretations):
            _add(into.interpretations, name)
        for _, joined in firing.variant.joins:
            basis = reader.trace.index.get((fact.subject, joined))
            for f in (basis.firings if basis else ()):
                visit(f, depth + 1)

    for firing in list(d.firings) + list(d.blocks):
        visit(firing, 0)
    return into, (d.firings[0].rule.id if d.firings else None)


def _param_at(result: CaseResult | None, name: str) -> dict | None:
    if result is None or result.params is None:
        return None
    try:
        pv = result.params.lookup(name)
    except KeyError:
        return None
    return parameter_entry(pv)


def _dated(entry: dict | None) -> dict | None:
    """A parameter entry as a reason compares it: value, clause, first day, and when said the source, the type
    (a date), the last day and a lapse."""
    if entry is None:
        return None
    return {k: entry.get(k) for k in ("value", "clause", "since", "reference", "type", "until", "lapsed")
            if k in ("value", "clause", "since") or entry.get(k)}


def _param_side(into: Read, result: CaseResult | None, name: str) -> dict | None:
    """A parameter as one version's reading saw it, else as in force for the case."""
    return _dated(into.params.get(name)) if name in into.params else _dated(_param_at(result, name))


def _rule_text(policy: Policy, rule_id: str) -> dict | None:
    rule = policy.rules.get(rule_id)
    if rule is None:
        return None
    return {"when": rule.when_text, "then": expr.plain(rule.then) if rule.has_then else None, "compute": rule.compute_text,
            "overrides": list(rule.overrides), "blocks": list(rule.blocks), "clause": rule.clause, "title": rule.title}


def _parameter(policies: tuple[Policy, ...], name: str):
    return next((p.parameters[name.split(".")[0]] for p in policies if name.split(".")[0] in p.parameters), None)


def _rule_title(policies: tuple[Policy, ...], rule_id: str | None) -> str | None:
    if rule_id is None:
        return None
    return next((p.rules[rule_id].title for p in policies if rule_id in p.rules), rule_id)


def reasons(old_policy: Policy, new_policy: Policy, ro: CaseResult | None, rn: CaseResult | None, change: Change,
            cache: dict) -> list[dict]:
    """Why the record differs, read from its two explanations (`ro`, `rn`: the case's result in each version; `cache`:
    one per case); most specific first. Each reason's `text` is for an officer (the policy's labels, values and
    titles, the amending document's number); its other keys keep ids."""
    a, fired_old = reading(_reader("old", old_policy, ro, cache), change.subject, change.decision)
    b, fired_new = reading(_reader("new", new_policy, rn, cache), change.subject, change.decision)
    policies = (new_policy, old_policy)
    out: list[dict] = []
    for name in dict.fromkeys(list(a.params) + list(b.params)):
        # a parameter's entry is its period's, the same for every record of the case: compared once per case
        key = ("same parameter", name, name in a.params, name in b.params)
        same = cache.get(key)
        if same is None:
            same = cache[key] = _param_side(a, ro, name) == _param_side(b, rn, name)
        if same:
            continue
        old, now = _param_side(a, ro, name), _param_side(b, rn, name)
        if old != now:
            entry = b.params.get(name) or a.params.get(name) or {}
            label = entry.get("label") or name
            parameter = _parameter(policies, name)
            for side in (old, now):
                if side is not None and parameter is not None and parameter.word(side["value"]) != side["value"]:
                    side["value_label"] = parameter.word(side["value"])
            out.append({"kind": "parameter", "name": name, "label": label, "old": old, "new": now,
                        "text": f"参数“{label}”{_param_change(old, now, entry.get('unit'))}"})
    # a whole table read (a derivation reading its keys) gives way to the entry that changed in it
    out = [r for r in out if not any(o["name"].startswith(r["name"] + ".") for o in out)]
    for rule_id in dict.fromkeys(a.rules + b.rules):
        if rule_id.endswith(".scenarios"):
            continue
        same = cache.get(("same rule", rule_id))   # asked for most changes of the case: answered once
        if same is None:
            same = cache[("same rule", rule_id)] = _rule_text(old_policy, rule_id) == _rule_text(new_policy, rule_id)
        if same:
            continue
        old, now = _rule_text(old_policy, rule_id), _rule_text(new_policy, rule_id)
        kind = "rule_added" if old is None else "rule_removed" if now is None else "rule_changed"
        title = (now or old)["title"]
        out.append({"kind": kind, "rule": rule_id, "title": title, "old": old, "new": now,
                    "text": _rule_change(kind, old_policy, new_policy, rule_id, old, now)})
    for name in dict.fromkeys(a.interpretations + b.interpretations):
        old, now = old_policy.interpretations.get(name), new_policy.interpretations.get(name)
        if (old and (old.reading, old.basis)) != (now and (now.reading, now.basis)):
            out.append({"kind": "interpretation", "id": name,
                        "old": old and {"reading": old.reading, "basis": old.basis},
                        "new": now and {"reading": now.reading, "basis": now.basis},
                        "text": _interpretation_change(old, now, policies)})
    fired = {"old": fired_old, "new": fired_new}
    if fired["old"] != fired["new"]:
        titles = {"old": _rule_title((old_policy,), fired_old), "new": _rule_title((new_policy,), fired_new)}
        out.append({"kind": "fired", "old": fired["old"], "new": fired["new"],
                    "old_title": titles["old"], "new_title": titles["new"],
                    "text": "适用规则：" + " → ".join(f"“{t}”" if t else "无" for t in (titles["old"], titles["new"]))})
    for name in dict.fromkeys(list(a.facts) + list(b.facts)):
        fo, fn = a.facts.get(name), b.facts.get(name)
        if fo is not None and fn is not None and not same_value(fo.get("value"), fn.get("value")):
            label = fn.get("label") or name
            unit = fn.get("unit")
            out.append({"kind": "fact", "name": name, "label": label,
                        "old": fo.get("value"), "new": fn.get("value"),
                        "text": f"{label}：{shown(fo.get('value'), unit)} → {shown(fn.get('value'), unit)}"})
    return out


def _source(entry: dict, clause: bool = True) -> str:
    """Where a dated value stands: its clause, its first day, the document that set it."""
    parts = [entry.get("clause") if clause else None, f"自{entry['since']}起" if entry.get("since") else None,
             f"依据{entry['reference']}" if entry.get("reference") else None]
    return "，".join(p for p in parts if p)


def _param_value(entry: dict | None, unit: str | None) -> str:
    if entry is None:
        return "（无）"
    until = f"（至{cn_date(entry['until'])}止）" if entry.get("until") and not entry.get("lapsed") else ""
    if "value_label" in entry:
        return shown(entry["value_label"]) + until
    return parameter_value(dict(entry, unit=unit)) + until


def _param_change(old: dict | None, now: dict | None, unit: str | None) -> str:
    """`（二(二)2(1)③）：35周岁 → 40周岁，自2025-07-01起，依据…`: the clause once when both sides share it, then the new
    value's first day and the document that set it; each side's own clause and day when the clauses differ."""
    values = f"{_param_value(old, unit)} → {_param_value(now, unit)}"
    if old and now and old.get("clause") == now.get("clause"):
        clause = f"（{old['clause']}）" if old.get("clause") else ""
        return f"{clause}：{values}，{_source(now, False)}"
    return f"：{_param_value(old, unit)}" + (f"（{_source(old)}）" if old else "") + \
        f" → {_param_value(now, unit)}" + (f"（{_source(now)}）" if now else "")


def _rule_change(kind: str, old_policy: Policy, new_policy: Policy, rule_id: str, old: dict | None, now: dict | None) -> str:
    rule = (new_policy if now else old_policy).rules[rule_id]
    head = f"规则“{rule.title}”（{rule.clause}）"
    if kind == "rule_added":
        return f"新版本新增{head}"
    if kind == "rule_removed":
        return f"新版本删除{head}"
    was, is_ = old_policy.rules[rule_id], new_policy.rules[rule_id]
    parts = []
    if old["when"] != now["when"]:
        kinds = (old_policy.decisions[was.decision].of, new_policy.decisions[is_.decision].of)
        parts.append(f"条件由“{Wording(old_policy).sentence(was.when, kinds[0])}”改为"
                     f"“{Wording(new_policy).sentence(is_.when, kinds[1])}”")
    if old["then"] != now["then"]:
        parts.append(f"结论由“{shown(old['then'])}”改为“{shown(now['then'])}”")
    if old["compute"] != now["compute"]:
        parts.append("计算方法改变")
    if (old["overrides"], old["blocks"]) != (now["overrides"], now["blocks"]):
        parts.append("与其他规则的优先关系改变")
    if (old["clause"], old["title"]) != (now["clause"], now["title"]):
        parts.append(f"条款或标题由“{old['clause']} {old['title']}”改为“{now['clause']} {now['title']}”")
    return f"{head}改写：" + "；".join(parts or ["写法改变"])


def _interpretation_change(old, now, policies: tuple[Policy, ...]) -> str:
    if now is None:
        return f"新版本删除解释「{in_words(old.reading, policies)}」"
    text = f"{'解释改为' if old else '新版本新增解释'}「{in_words(now.reading, policies)}」"
    if old is None or old.basis != now.basis:
        text += f"（依据{in_words(now.basis, policies)}）"
    return text


_ID = re.compile(r"(?<![A-Za-z0-9_])[A-Za-z_][A-Za-z0-9_]*(?:\.[A-Za-z0-9_]+)*")


def in_words(text: str, policies: tuple[Policy, ...]) -> str:
    """The policy's words for the ids a text of the policy names (an interpretation's reading may name a
    parameter and its value: 参数 leap_day_anniversary 取 feb_28): a parameter, fact, decision or rule by its label
    or title, a labelled value by its words. Other text stays as written."""
    key = tuple(p.digest for p in policies)
    if key not in _NAMES:
        _NAMES[key] = _names(policies)
    names = _NAMES[key]
    return _ID.sub(lambda m: names.get(m.group(0), m.group(0)), text)


_NAMES: dict[tuple, dict[str, str]] = {}


def _names(policies: tuple[Policy, ...]) -> dict[str, str]:
    names: dict[str, str] = {}
    for policy in reversed(policies):   # the first policy's words win
        for p in policy.parameters.values():
            names[p.name] = f"“{p.label}”"
            names.update(p.labels)
        for kind in policy.kinds.values():
            names.update({a.name: f"“{a.label}”" for a in kind.attributes.values()})
            names.update({d.name: f"“{d.label}”" for d in kind.derived})
        names.update({d.name: f"“{d.label}”" for d in policy.decisions.values()})
        names.update({r.id: f"“{r.title}”" for r in policy.rules.values()})
    return names


# --- the summary -------------------------------------------------------------------------

def _key(value) -> str:
    value = expr.plain(value)
    return value if isinstance(value, str) else json.dumps(value, ensure_ascii=False)


def distributions(base: Side, new: Side, names: list[str]) -> dict[str, dict]:
    """How often each value occurs, before and after, for decisions with declared values or favourable ones."""
    return {name: {"before": dict(base.counts.get(name, {})), "after": dict(new.counts.get(name, {}))} for name in names}


def money_decision(policy: Policy, decisions: set[str] | None = None) -> Decision | None:
    """The money decision a budget sums: the policy's total (`money: {total: true}`); when the comparison is
    narrowed to some decisions, the total if among them, else the first money decision among them, else none."""
    money = [d for d in policy.decisions.values() if d.money and (decisions is None or d.name in decisions)]
    return next((d for d in money if d.money.total), None if decisions is None else next(iter(money), None))


def allowance(comparison: Comparison, decisions: set[str] | None = None) -> dict | None:
    """Better off / worse off / unchanged in the budget's money decision (`money_decision`), and the budget by
    center, monthly and annual, each center with its case's 判定日. None when no money decision is compared."""
    base, new = comparison.base, comparison.new
    decision = money_decision(new.policy, decisions) or money_decision(base.policy, decisions)
    if decision is None:
        return None
    per_year, better = decision.money.per_year, decision.money.better
    moved = comparison.moved.get(decision.name, Counter())
    up, down = (moved["up"], moved["down"]) if better == "higher" else (moved["down"], moved["up"])
    groups: dict[str, dict] = defaultdict(lambda: {"before": 0, "after": 0, "subjects_before": 0, "subjects_after": 0})
    for which, side in (("before", base), ("after", new)):
        for center, (amount, count) in side.groups.get(decision.name, {}).items():
            groups[center][which] = amount
            groups[center]["subjects_" + which] = count
    days = {**base.days, **new.days}
    rows = {}
    for c, v in sorted(groups.items()):
        case, _, local = c.partition("/")
        day = days.get(case) if local else None
        rows[c] = dict(v, delta=v["after"] - v["before"], annual_before=v["before"] * per_year,
                       annual_after=v["after"] * per_year, annual_delta=(v["after"] - v["before"]) * per_year,
                       case=case if local else None, group=local or c, as_of=day.isoformat() if day else None)
    total = {k: sum(r[k] for r in rows.values()) for k in ("before", "after", "delta", "annual_before", "annual_after", "annual_delta",
                                                           "subjects_before", "subjects_after")}
    parts = {}
    for d in new.policy.decisions.values():
        if d.money and d.name != decision.name and decision.money.total and (decisions is None or d.name in decisions):
            parts[d.name] = {"before": base.totals.get(d.name, 0), "after": new.totals.get(d.name, 0)}
    return {"decision": decision.name, "label": decision.label, "per_year": per_year, "better": up,
            "worse": down, "unchanged": moved["unchanged"], "only_in_one": moved["only_one"],
            "by_group": rows, "total": total, "parts": parts}


def _first_difference(old, new) -> dt.date | None:
    """The first day on which two versions of a parameter (either may be None) hold different values."""
    days = sorted({day for p in (old, new) if p is not None for day in p.changes()})
    for day in days:
        was, now = (p.at(day) if p is not None else None for p in (old, new))
        if (was and expr.plain(was.value)) != (now and expr.plain(now.value)) or (was is None) != (now is None):
            return day
    return None


def effective(base: Policy, new: Policy) -> dict:
    """When the new version's changes apply: each parameter whose value in force differs from some day on (that
    day, the document that set it), the first such day, and the changes no date bounds (rules, readings), which
    apply to every 判定日."""
    changed = []
    for name in dict.fromkeys(list(base.parameters) + list(new.parameters)):
        old, now = base.parameters.get(name), new.parameters.get(name)
        day = _first_difference(old, now)
        if day is not None:
            dated = (now.at(day) if now else None) or (old.at(day) if old else None)
            changed.append({"name": name, "label": (now or old).label, "since": day.isoformat(),
                            "reference": dated.reference if dated else None})
    undated = []
    for rule_id in dict.fromkeys(list(base.rules) + list(new.rules)):
        if _rule_text(base, rule_id) != _rule_text(new, rule_id):
            undated.append({"kind": "rule", "id": rule_id, "title": _rule_title((new, base), rule_id)})
    for kind in dict.fromkeys(list(base.kinds) + list(new.kinds)):
        formulas = [{d.name: (d.formula, d.label) for d in p.kinds[kind].derived} if kind in p.kinds else {} for p in (base, new)]
        for name in dict.fromkeys(list(formulas[0]) + list(formulas[1])):
            if formulas[0].get(name, (None,))[0] != formulas[1].get(name, (None,))[0]:
                undated.append({"kind": "fact", "id": name, "label": (formulas[1].get(name) or formulas[0][name])[1]})
    for name in dict.fromkeys(list(base.interpretations) + list(new.interpretations)):
        old, now = base.interpretations.get(name), new.interpretations.get(name)
        if (old and (old.reading, old.basis)) != (now and (now.reading, now.basis)):
            undated.append({"kind": "interpretation", "id": name})
    days = sorted(p["since"] for p in changed)
    return {"date": days[0] if days else None, "parameters": changed, "undated": undated}


def transitions(base: Side, new: Side, found: list[Change]) -> dict[str, dict]:
    """Per decision with favourable values: subjects that became favourable (newly eligible, compliant …) or stopped."""
    out: dict[str, dict] = {}
    for d in new.policy.decisions.values():
        if not d.favourable:
            continue
        gained, lost = [], []
        for c in found:
            if c.decision != d.name:
                continue
            was = any(same_value(c.old, v) for v in d.favourable)
            now = any(same_value(c.new, v) for v in d.favourable)
            if now and not was:
                gained.append(c)
            elif was and not now:
                lost.append(c)
        out[d.name] = {"subject": d.subject, "newly": len(gained), "no_longer": len(lost),
                       "newly_subjects": [f"{c.case}/{c.subject}" for c in gained],
                       "no_longer_subjects": [f"{c.case}/{c.subject}" for c in lost]}
    return out


def yes_no(decision: Decision) -> bool:
    """A decision whose values are 是 and 否: declared so, or (undeclared) marked favourable by one of them."""
    values = decision.values if decision.values is not None else decision.favourable
    return bool(values) and all(isinstance(v, bool) for v in values)


def movements(base: Side, new: Side, found: list[Change], decisions: set[str] | None = None) -> dict[str, dict]:
    """Per yes/no decision, the subjects that newly are 是 and no longer are; per other decision with favourable
    values, those that newly hold one of them and no longer do. `values` says which; ids as ids."""
    out: dict[str, dict] = {}
    for d in new.policy.decisions.values():
        if decisions is not None and d.name not in decisions or not (yes_no(d) or d.favourable):
            continue
        target = (True,) if yes_no(d) else d.favourable
        gained, lost = [], []
        for c in found:
            if c.decision != d.name:
                continue
            was, now = (any(same_value(v, t) for t in target) for v in (c.old, c.new))
            if now and not was:
                gained.append(c)
            elif was and not now:
                lost.append(c)
        out[d.name] = {"label": d.label, "subject": d.subject, "values": list(expr.plain(list(target))),
                       "yes_no": yes_no(d), "newly": len(gained), "no_longer": len(lost),
                       "newly_subjects": [f"{c.case}/{c.subject}" for c in gained],
                       "no_longer_subjects": [f"{c.case}/{c.subject}" for c in lost]}
    return out


def summary(comparison: Comparison, found: list[Change] | None = None, decisions: set[str] | None = None,
            only_changed: bool = False) -> dict:
    """The comparison in figures: changes per decision, each version's account, the distributions, the budget,
    who newly holds a favourable value and who no longer does, from when the changes apply. `found` and
    `decisions` narrow it (default: the comparison's own)."""
    base, new = comparison.base, comparison.new
    found = comparison.found if found is None else found
    decisions = comparison.decisions if decisions is None else decisions
    names = [d.name for d in new.policy.decisions.values() if d.values or d.favourable]
    if decisions is not None:
        names = [n for n in names if n in decisions]
    changed = Counter(c.decision for c in found if c.decision is not None)
    if only_changed:
        names = [n for n in names if changed[n]]
    money = allowance(comparison, decisions)
    if money is not None and only_changed:
        money["by_group"] = {c: r for c, r in money["by_group"].items() if r["delta"] or r["subjects_before"] != r["subjects_after"]}
    moves = transitions(base, new, found)
    when = effective(base.policy, new.policy)
    if money is not None:   # a case judged before the change's first day keeps its budget (unless a rule changed)
        dated = when["date"] and all(u["kind"] == "interpretation" for u in when["undated"])
        for row in money["by_group"].values():
            row["before_effective"] = bool(dated and row["as_of"] and row["as_of"] < when["date"])
    return {"changed_records": len(found), "by_decision": dict(changed),
            "errors_changed": sum(1 for c in found if c.decision is None),
            "subjects_changed": len({(c.case, c.subject) for c in found}),
            "account": {"base": copy.deepcopy(base.books), "new": copy.deepcopy(new.books)},
            "distribution": distributions(base, new, names),
            "allowance": money,
            "favourable": {k: v for k, v in moves.items() if decisions is None or k in decisions},
            "transitions": movements(base, new, found, decisions),
            "effective": when}
