"""`run.py appeal`: what would have had to be different — the cheapest changes of a person's own facts
that give a wanted value (counterfactual explanations).

Which facts may change, how and at what cost is policy (appeals.yaml, `Policy.appeals`); this module
knows no policy word. The search is breadth-first by total cost over combinations of single changes
(one fact each, at most `max_changes` facts, at most `max_candidates` candidates), and stops at the
first cost that gives the wanted value. Every candidate is the case file with the changes applied
(`apply_changes`), checked like any case file and decided again by `Evaluator.evaluate`, i.e. by
durable_rules: nothing here predicts a decision. Two structural prunings keep it near a second:

- a change is tried only if the decision can read its fact (the decision's rules, the decisions they
  read, the derivations of facts.yaml — `decision_inputs`);
- every rule that fired for the actual value must stop firing, so every candidate must change a fact
  that rule reads (its effective condition: its own test, its exceptions, earlier values). A rule whose
  inputs no allowed change reaches makes the wanted value unreachable without deciding anything.

The candidate case holds only the person (their decisions read only their own facts); the baseline
is decided both ways and the whole case is used instead if the two ever differ. A candidate giving the
value is then judged where its change can reach — the person's center and its people (`_Judge`) — and
one that changes another's determination (the center's months over its quota of 好; which ones count is
appeals.yaml `keep:`) is excluded: shown with what it would change, never offered, and the search goes on.
Each alternative reported is decided once more on the whole case, as the file would be with the changes
written in: that is the claim made, and its explanation is the one `evaluate` would give. Alternatives
differing only in place (another month) read as one line (`groups`, appeals.yaml `group:`).
"""
from __future__ import annotations

import copy
import datetime as dt
import itertools
import math
import re
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Iterable, Iterator, Mapping, Sequence

from ..formula import expr


from ..common import yamlio
from ..common.locations import YamlError
from ..policy.appeals import vocabulary_path
from ..policy.model import Appeals, Contestable
from ..casefiles import formats
from ..casefiles.cases import Case, check_case
from ..pipeline.compiler import effective_condition, explicit_overriders
from ..pipeline.evaluate import CaseResult, Evaluator
from ..explain.why import Why
from ..formula.functions import FUNCTIONS, Witnessed
from ..policy.model import Decision, Policy, Rule
from ..common.privacy import mask_name, outward
from ..common.words import near, os_reason, parse_value, same_value, shown
from ..pipeline.resolve import Determination

__all__ = ["Shape", "AppealError", "APPEND", "parse_path", "apply_changes", "Input", "decision_inputs",
           "rule_inputs", "Move", "Option", "moves_for", "named_dates", "Alternative", "Search",
           "Appeal", "appeal", "possible_values", "cases_in", "to_json",
           "Unaskable", "Asked", "asked", "Group", "groups", "effects", "COST_MEANS"]


@dataclass(frozen=True)
class Shape:
    """Where an appeal's facts are, from records.yaml and appeals.yaml `subject:`: the case's own fields (as_of …:
    a change of one is the case's, not the person's), the list holding the subject's record (people) and the
    records it names (its center), whose other records its change can reach."""
    case_fields: frozenset[str]
    list: str
    refs: tuple[tuple[str, str], ...]     # (field of the subject's record, list of the record it names)
    # (list, field) of the records naming the subject's kind (an enterprise's quarterly reports): part of it
    named_by: tuple[tuple[str, str], ...] = ()

    @classmethod
    def of(cls, policy: Policy) -> "Shape":
        records = policy.records
        kind = records.kinds.get(policy.appeals.subject if policy.appeals else "") or next(iter(records.kinds.values()))
        return cls(frozenset({"as_of", *records.case_fields}), kind.list,
                   tuple((f, records.kinds[to].list) for f, to in kind.refs.items()),
                   tuple((k.list, f) for k, f in records.referring(kind.name) if k.list != kind.list))

    def own(self, case_dict: dict, person: dict) -> dict[str, list]:
        """The records naming this subject, by list: they belong with it wherever it is judged."""
        who = str(person.get("id")) if isinstance(person, dict) else None
        return {target: [r for r in case_dict.get(target) or [] if isinstance(r, dict) and str(r.get(name)) == who]
                for target, name in self.named_by}


class AppealError(Exception):
    """The appeal cannot be searched (the case does not load); `messages` say why."""

    def __init__(self, messages: list[str]):
        super().__init__("\n".join(messages))
        self.messages = messages


# --- paths: `ratings.2025-03`, `certificates[0].obtained_on`, `certificates[+]`, `as_of` ---------------

APPEND = object()   # the `[+]` step: a new entry at the end of a list
_STEP = re.compile(r"\[([^\]]+)\]|([^.\[\]]+)")


def parse_path(path: str) -> list:
    """`certificates[0].level` → ["certificates", 0, "level"]; `[+]` → APPEND; `{x}`/`[{x}]` stay as text."""
    steps: list = []
    for m in _STEP.finditer(path):
        inside, key = m.group(1), m.group(2)
        if key is not None:
            steps.append(key)
        elif inside == "+":
            steps.append(APPEND)
        elif inside.isdigit():
            steps.append(int(inside))
        else:
            steps.append(("index", inside.strip("{}")))
    return steps


def _person_entry(case: dict, subject: str | None, shape: Shape) -> dict:
    people = case.get(shape.list) or []
    if subject is None and len(people) == 1:
        return people[0]
    for p in people:
        if str(p.get("id")) == str(subject):
            return p
    raise KeyError(f"本案例中没有编号为“{subject}”的申诉人")


def _set(node, steps: list, value) -> None:
    for step, following in zip(steps, steps[1:]):
        if isinstance(node, dict):
            if node.get(step) is None:   # an absent mapping or list (no attestations yet) is created
                node[step] = [] if isinstance(following, int) or following is APPEND else {}
            node = node[step]
        else:
            node = node[step]
    last = steps[-1]
    if last is APPEND:
        node.append(value)
    else:
        node[last] = value


def apply_changes(case_dict: dict, changes: Iterable[Mapping], policy: Policy, subject: str | None = None) -> dict:
    """A copy of one case (as in the case file) with each change's `to` written at its `fact` path.

    Paths are the person's (`ratings.2025-03`), except the case's own fields (`as_of`); `subject`
    names the person (it may be left out when the case holds one person).
    """
    out = copy.deepcopy(case_dict)
    shape = Shape.of(policy)
    for change in changes:
        steps = parse_path(change["fact"])
        target = out if steps[0] in shape.case_fields else _person_entry(out, subject, shape)
        _set(target, steps, copy.deepcopy(change["to"]))
    return out


# --- what a decision reads ---------------------------------------------------------------------------

Input = tuple[str, str]   # (fact kind, attribute as the rules write it: `attestations.political`)


def _expand(policy: Policy, pending: list[Input]) -> set[Input]:
    """Attributes read, following decisions read (all their rules) and derivations (facts.yaml) down."""
    out: set[Input] = set()
    seen: set[str] = set()
    while pending:
        kind, name = pending.pop()
        fact_kind = policy.kinds[kind]
        if name in policy.decisions and fact_kind.label_of(name.split(".")[0]) is None:
            if name not in seen:
                seen.add(name)
                pending.extend(_decision_names(policy.decisions[name]))
            continue
        if (kind, name) in out:
            continue
        out.add((kind, name))
        derivation = next((d for d in fact_kind.derived if d.name == name), None)
        if derivation is not None:
            pending.extend((kind, n) for n in expr.names(derivation.ast))
    return out


def _decision_names(decision: Decision) -> list[Input]:
    nodes = [n for r in decision.rules for n in (r.when, r.compute) if n is not None]
    if decision.applies_when is not None:
        nodes.append(decision.applies_when)
    return [(decision.of, n) for node in nodes for n in expr.names(node)]


def decision_inputs(policy: Policy, name: str) -> set[Input]:
    """Every attribute the decision can depend on."""
    return _expand(policy, _decision_names(policy.decisions[name]))


def rule_inputs(policy: Policy, decision: Decision, rule: Rule) -> set[Input]:
    """What decides whether `rule` takes effect and what it concludes: its effective condition and value."""
    nodes = [effective_condition(decision, rule)] + ([rule.compute] if rule.compute is not None else [])
    return _expand(policy, [(decision.of, n) for node in nodes for n in expr.names(node)])


def _feeds_touch(feeds: frozenset[Input], inputs: set[Input]) -> bool:
    """`attestations` feeds `attestations.political` and the other way round; same kind only."""
    return any(k == kind and (f == n or n.startswith(f + ".") or f.startswith(n + "."))
               for k, f in feeds for kind, n in inputs)


# --- single changes --------------------------------------------------------------------------------

@dataclass(frozen=True)
class Move:
    """One fact changed one way: what the person's file would have said instead."""
    fact: str               # concrete path, as in the case file
    label: str              # Chinese, placeholders filled in
    source: Any             # as written in the file (None: absent)
    target: Any             # what is written instead
    cost: int
    text: str               # 「2025-03 月度考核：一般 → 好」
    feeds: frozenset[Input]
    note: str | None = None  # the named date a date moved to
    kind: str = ""           # the contestable fact's pattern (`ratings.{month}`): changes of one kind group together
    key: str = ""            # where, within the kind (`2025-12`): what a group lists
    before: str = ""         # the value replaced and the value written, as read ({from} and {to} of a group line)
    after: str = ""

    def change(self) -> dict:
        out = {"fact": self.fact, "from": self.source, "to": self.target, "label": self.label, "text": self.text}
        if self.note:
            out["note"] = self.note
        return out


_FIELD = re.compile(r"\{(\w+)\}")


def _fill(template: str, values: Mapping[str, Any]) -> str:
    """`{month} 月度考核` with the values known; a placeholder without a value stays (never str.format)."""
    return _FIELD.sub(lambda m: str(values[m.group(1)]) if m.group(1) in values else m.group(0), template)


@dataclass(frozen=True)
class _Slot:
    """A concrete place a contestable fact names in this person's file."""
    path: str
    values: dict           # placeholders and the entry's own (canonical) fields, for labels and vocabulary paths
    raw: Any               # as written
    canonical: Any         # as the case loader reads it (aliases resolved)


def _slots(spec: Contestable, raw: dict, normal: dict, vocabulary: dict, year: int) -> Iterator[_Slot]:
    def walk(steps, raw_node, normal_node, path, values):
        if not steps:
            yield _Slot(path, values, raw_node, normal_node)
            return
        step, rest = steps[0], steps[1:]
        if step is APPEND:
            yield from walk(rest, None, None, path + "[+]", values)
        elif isinstance(step, tuple):   # [{i}]: each entry of the list
            for i, entry in enumerate(raw_node if isinstance(raw_node, list) else []):
                normal_entry = normal_node[i] if isinstance(normal_node, list) and i < len(normal_node) else {}
                fields = {**values, **(normal_entry if isinstance(normal_entry, dict) else {}), step[1]: i, "n": i + 1}
                yield from walk(rest, entry, normal_entry, f"{path}[{i}]", fields)
        elif step.startswith("{"):      # {name}: each key present, and each key of `keys` (a vocabulary)
            var = step.strip("{}")
            present = [str(k) for k in raw_node] if isinstance(raw_node, dict) else []
            listed = vocabulary.get(spec.keys, {}).get("values", {}) if spec.keys else {}
            for key in dict.fromkeys(present + [str(k) for k in listed]):
                if spec.months_of and not key.startswith(f"{year}-"):
                    continue
                label = listed[key]["label"] if isinstance(listed, dict) and isinstance(listed.get(key), dict) else None
                fields = {**values, var: key, **({"label": label} if label else {})}
                yield from walk(rest, _get(raw_node, key), _get(normal_node, key), f"{path}.{key}" if path else key, fields)
        else:
            yield from walk(rest, _get(raw_node, step), _get(normal_node, step), f"{path}.{step}" if path else step, values)
    yield from walk(parse_path(spec.fact), raw, normal, "", {})


def _get(node, key):
    return node.get(key) if isinstance(node, dict) else None


def _date_options(options, dates: dict[str, str | None], spec: Appeals) -> list[tuple[str, int, str]]:
    """(date, extra cost, label) of each named date that has a value here; one per day, the cheapest."""
    out: dict[str, tuple[str, int, str]] = {}
    for option in options:
        day = dates.get(option.date)
        if day is not None and (day not in out or option.cost < out[day][1]):
            out[day] = (day, option.cost, spec.dates[option.date].label)
    return sorted(out.values(), key=lambda o: (o[1], o[0]))


Option = tuple[Any, int, str | None, str | None]   # (value written, cost, how it reads, named date)


def _word_options(contestable: Contestable, slot: _Slot) -> list[Option]:
    return [(m.target, m.cost, None, None) for m in contestable.moves if same_value(slot.canonical, m.source)]


def _raise_options(contestable: Contestable, slot: _Slot, vocabulary: dict) -> list[Option]:
    order = vocabulary_path(vocabulary, _fill(contestable.raise_.order, slot.values))
    if not isinstance(order, list) or (slot.canonical is not None and slot.canonical not in order):
        return []
    here = -1 if slot.canonical is None else order.index(slot.canonical)   # absent: one step below the first word
    return [(word, (j - here) * contestable.raise_.cost_per_step, None, None) for j, word in enumerate(order) if j > here]


def _shift_options(contestable: Contestable, slot: _Slot, dates: dict, spec: Appeals) -> list[Option]:
    if slot.canonical is None:
        return []
    current, earlier = str(slot.canonical), contestable.shift.direction == "earlier"
    return [(day, contestable.shift.cost + extra, None, note)
            for day, extra, note in _date_options(contestable.shift.to, dates, spec)
            if (day < current if earlier else day > current)]


def _add_options(contestable: Contestable, dates: dict, spec: Appeals, vocabulary: dict) -> list[Option]:
    add = contestable.add
    levels = vocabulary_path(vocabulary, _fill(add.level.order, add.fields)) or []
    limit = dates.get(add.not_after) if add.not_after else None
    out = []
    for j, level in enumerate(levels):
        for day, extra, note in _date_options(add.dates, dates, spec):
            if limit is None or day <= limit:
                entry = dict(add.fields, **{add.level_field: level, add.date_field: day})
                out.append((entry, add.cost + j * add.level.cost_per_step + extra, _fill(add.shown, entry), note))
    return out


def moves_for(spec: Appeals, contestable: Contestable, raw: dict, normal: dict, policy: Policy, year: int,
              dates: dict[str, str | None]) -> list[Move]:
    """Every single change this contestable fact allows for this person, with its cost."""
    out = []
    for slot in _slots(contestable, raw, normal, policy.vocabulary, year):
        options = _word_options(contestable, slot)
        if contestable.raise_ is not None:
            options += _raise_options(contestable, slot, policy.vocabulary)
        if contestable.shift is not None:
            options += _shift_options(contestable, slot, dates, spec)
        if contestable.add is not None:
            options += _add_options(contestable, dates, spec, policy.vocabulary)
        label = _fill(contestable.label, slot.values)
        feeds = frozenset((kind, _fill(a, slot.values)) for kind, attrs in contestable.feeds.items() for a in attrs)
        key = _key(contestable, slot) or label
        for target, cost, to_text, note in options:
            # a new entry has no "before": it reads as what was obtained
            change = to_text if slot.path.endswith("[+]") else f"{shown(slot.raw)} → {to_text or shown(target)}"
            text = f"「{label}：{change}" + (f"（{note}）" if note else "") + "」"
            out.append(Move(slot.path, label, slot.raw, target, cost, text, feeds, note, contestable.fact, key,
                            shown(slot.raw), to_text or shown(target)))
    return out


def _key(contestable: Contestable, slot: _Slot) -> str:
    """The placeholders of the fact's pattern as filled here (`2025-12`; an entry by its number)."""
    names = ["n" if isinstance(slot.values.get(n), int) else n for n in _FIELD.findall(contestable.fact)]
    return "、".join(str(slot.values[n]) for n in names if n in slot.values)


def named_dates(spec: Appeals, person_fact, params) -> dict[str, str | None]:
    """Each named date computed on the person's baseline fact (ISO text; None where it has no value)."""
    functions = {name: _plain_result(fn) for name, fn in FUNCTIONS.items()}
    out = {}
    for name, date in spec.dates.items():
        try:
            value = expr.plain(expr.evaluate(date.ast, person_fact.get, params, functions))
        except (KeyError, TypeError, ValueError):
            value = None
        out[name] = value.isoformat() if isinstance(value, dt.date) else (str(value) if value is not None else None)
    return out


def _plain_result(fn):
    def call(*args):
        out = fn(*args)
        return out.value if isinstance(out, Witnessed) else out
    return call


# --- the search --------------------------------------------------------------------------------------

@dataclass
class Alternative:
    moves: tuple[Move, ...]
    cost: int
    value: Any
    explanation: dict
    breaks: list[dict] = field(default_factory=list)   # others' determinations it changes (appeals.yaml keep.others)
    notes: list[dict] = field(default_factory=list)    # the person's own determinations it makes unfavourable (keep.own)

    @property
    def changes(self) -> list[dict]:
        return [m.change() for m in self.moves]


@dataclass(frozen=True)
class Group:
    """Alternatives of one kind of change differing in place only (another month): one line.

    `members` are the alternatives; `fixed` the changes they share; `text` reads the varying ones
    (appeals.yaml `group:` wording with the places listed, or the single change as it is)."""
    members: tuple[Alternative, ...]
    fixed: tuple[Move, ...]
    varying: tuple[Move, ...]
    cost: int
    text: str
    head: str = ""                 # `text` without the places listed ("" when it lists none)
    breaks: tuple[str, ...] = ()   # excluded alternatives: what they would change, merged
    spaced: tuple[str, ...] = ()   # the same, list items apart by spaces (a terminal wraps only there)

    @property
    def keys(self) -> list[str]:
        return [m.key for m in self.varying]

    def as_json(self) -> dict:
        out = {"text": self.text, "cost": self.cost, "keys": self.keys,
               "fixed": [m.text for m in self.fixed], "alternatives": [a.changes for a in self.members]}
        if self.breaks:
            out["breaks"] = list(self.breaks)
        return out


@dataclass
class Search:
    candidates: int = 0          # decided again
    invalid: int = 0             # candidates the case checks rejected (a word the vocabulary lacks)
    unconfirmed: int = 0         # found on the person alone but not on the whole case (dropped; never expected)
    judged: int = 0              # candidates decided on the whole case (those giving the value on the person alone)
    moves: int = 0               # single changes the decision can read
    facts: int = 0               # distinct facts among them
    tried: tuple[str, ...] = ()  # those facts' paths
    max_changes: int = 0
    budget: int = 0
    cut: bool = False            # stopped at the candidate budget
    seconds: float = 0.0
    isolated: bool = True        # decided on the person alone (see the module's docstring)

    @property
    def complete(self) -> bool:
        """Every combination of every allowed change was decided (not only those up to max_changes)."""
        return not self.cut and self.facts <= self.max_changes


@dataclass
class Appeal:
    subject: str
    name: str | None
    case_id: str
    decision: str
    want: Any
    actual: Any
    applicable: bool = True      # False: the decision does not apply to this person (no determination)
    alternatives: list[Alternative] = field(default_factory=list)
    unreachable: str | None = None
    blocking: list[dict] = field(default_factory=list)
    search: Search = field(default_factory=Search)
    more: list[Alternative] = field(default_factory=list)       # beyond `alternatives`: the rest of their groups
    excluded: list[Alternative] = field(default_factory=list)   # would give the value but change another determination
    groups: list[Group] = field(default_factory=list)           # the alternatives, one line per kind
    excluded_groups: list[Group] = field(default_factory=list)
    cost_means: str = ""                                        # what a cost is (appeals.yaml), said once
    personal: bool = True        # `name` is a person's (records.yaml `personal:`): masked unless --unmask

    @property
    def reached(self) -> bool:
        return self.applicable and same_value(expr.plain(self.actual), self.want)


def _decide(policy: Policy, evaluator: Evaluator, case_dict: dict, file: str,
            prefix: Sequence = ()) -> tuple[Case | None, CaseResult | None, list[str]]:
    case, errors = check_case(copy.deepcopy(case_dict), policy, file, case_dict, list(prefix))
    if case is None or errors:
        return None, None, [str(e) for e in errors]
    result = evaluator.evaluate(case)
    return case, result, [e.message for e in result.errors]


def _determination(result: CaseResult, subject: str, decision: str) -> Determination | None:
    return next((d for d in result.determinations if d.subject == subject and d.decision == decision), None)


def _values_of(result: CaseResult, subject: str) -> dict:
    return {d.decision: expr.plain(d.value) for d in result.determinations if d.subject == subject}


def _alone(case_dict: dict, person: dict, shape: Shape, lists: tuple[str, ...]) -> dict:
    """The case with only this person (and the records they name — their center — which the case requires)."""
    out = {k: v for k, v in case_dict.items() if k not in lists}
    out[shape.list] = [person]
    for name, target in shape.refs:
        if target != shape.list:
            out[target] = out.get(target, []) + [r for r in case_dict.get(target) or [] if isinstance(r, dict)
                                                 and isinstance(person, dict) and str(r.get("id")) == str(person.get(name))]
    for target, held in shape.own(case_dict, person).items():
        if held:
            out[target] = out.get(target, []) + held
    return out


def appeal(policy: Policy, evaluator: Evaluator, case_dict: dict, subject: str, decision: str, want: Any,
           file: str = "<case>", prefix: Sequence = ()) -> Appeal:
    """The cheapest changes of `subject`'s own facts that make `decision` come out as `want`.

    `case_dict` is one case as written in the file; `prefix` is where it stands there (["cases", 2]),
    so that explanations name the file's own paths.
    """
    spec = policy.appeals
    if spec is None:
        raise AppealError([f"政策 {policy.id} 没有申诉文件（policy.yaml 中的 appeals:）"])
    started, subject = time.perf_counter(), str(subject)
    shape = Shape.of(policy)
    person_raw = _person_entry(case_dict, subject, shape)
    case, result, errors = _decide(policy, evaluator, case_dict, file, prefix)
    if result is None or errors:
        raise AppealError(errors)
    actual = _determination(result, subject, decision)
    declared = policy.records.kinds[spec.subject]
    named = declared.name_field or next((n for n, f in declared.fields.items() if f.type == "text"), None)
    out = Appeal(subject, person_raw.get(named) if named else None, case.id, decision, want,
                 None if actual is None else expr.plain(actual.value), applicable=actual is not None,
                 personal=declared.name_field is not None)
    out.search = Search(max_changes=spec.max_changes, budget=spec.max_candidates)
    out.cost_means = spec.cost_means or COST_MEANS
    if out.reached:
        out.search.seconds = time.perf_counter() - started
        return out

    # The person alone, if it decides exactly as the whole case does.
    base = _alone(case_dict, person_raw, shape, policy.records.lists)
    alone_case, alone, _ = _decide(policy, evaluator, base, file)
    if alone is None or alone.errors or _values_of(alone, subject) != _values_of(result, subject):
        base, alone_case, alone, out.search.isolated = case_dict, case, result, False

    moves = _moves(policy, spec, base, alone_case, alone, subject, decision_inputs(policy, decision))
    out.search.tried = tuple(dict.fromkeys(m.fact for m in moves))
    out.search.moves, out.search.facts = len(moves), len(out.search.tried)

    blockers = _blockers(policy, policy.decisions[decision], actual, want)
    requirements = [{i for i, m in enumerate(moves) if _feeds_touch(m.feeds, inputs)} for _, inputs in blockers]
    if all(requirements):
        judge = _Judge(policy, evaluator, out, spec, case_dict, file, prefix, result)
        _search(policy, evaluator, out, base, moves, requirements, spec, file, judge)
        out.groups = groups(out.alternatives + out.more, spec, result.params, out.excluded)
        out.excluded_groups = groups(judge.blamed(out.excluded), spec, result.params, offered=False)
    if not out.alternatives:
        cited = _cited(policy, policy.decisions[decision], actual, want, result, subject, blockers)
        out.blocking = [b for b, _ in cited]
        out.unreachable = _reason(spec, out, cited, untouched=not all(requirements))
    out.search.seconds = time.perf_counter() - started
    return out


def _moves(policy: Policy, spec: Appeals, base: dict, case: Case, result: CaseResult, subject: str,
           readable: set[Input]) -> list[Move]:
    """The single changes allowed for this person whose fact the decision can read, in appeals.yaml's order.

    Current values are read twice: as written (what a change says it replaces) and as the case loader
    normalised them (aliases resolved), which is what the vocabulary's lists are in.
    """
    shape = Shape.of(policy)
    person = next(p for p in case.records[shape.list] if p["id"] == subject)
    person_fact = next(f for f in result.facts if f.kind == spec.subject and f.subject == subject)
    dates = named_dates(spec, person_fact, result.params)
    out = []
    for contestable in spec.contestable:
        of_case = parse_path(contestable.fact)[0] in shape.case_fields
        raw = base if of_case else _person_entry(base, subject, shape)
        normal = {"as_of": case.as_of.isoformat(), **case.values} if of_case else person
        year = case.values.get(contestable.months_of) if contestable.months_of else None
        out += [m for m in moves_for(spec, contestable, raw, normal, policy, year, dates)
                if _feeds_touch(m.feeds, readable)]
    return out


def _candidates(moves: list[Move], max_changes: int, requirements: list[set[int]]) -> list[tuple[int, ...]]:
    """Combinations of changes to distinct facts that touch every blocking rule; cheapest, then fewest, first."""
    out = []
    for size in range(1, max_changes + 1):
        for combo in itertools.combinations(range(len(moves)), size):
            if len({moves[i].fact for i in combo}) < size:
                continue
            if all(any(i in need for i in combo) for need in requirements):
                out.append(combo)
    out.sort(key=lambda c: (sum(moves[i].cost for i in c), len(c), c))
    return out


def _search(policy: Policy, evaluator: Evaluator, out: Appeal, base: dict, moves: list[Move],
            requirements: list[set[int]], spec: Appeals, file: str, judge: "_Judge") -> None:
    """Candidates cheapest first, each decided on `base`; one giving the value is judged on the whole case.

    An alternative that changes another's determination is excluded (kept to be shown, not offered) and sets
    no cost level: the search goes on to what keeps them. A change that does so alone (a month over the
    center's quota) is not combined further: the person's other changes only add to what others' determinations
    count, they do not undo it. Once enough are found, only changes differing from one found in place alone
    (another month) are still decided, so that a group lists every place."""
    found: list[tuple[set[int], Alternative]] = []
    excluded: list[tuple[set[int], Alternative]] = []
    culprits: set[int] = set()
    level = None
    for combo in _candidates(moves, spec.max_changes, requirements):
        cost = sum(moves[i].cost for i in combo)
        if level is not None and cost > level:
            break                                       # the first cost that works is the answer
        if culprits.intersection(combo) or any(solution <= set(combo) for solution, _ in found + excluded):
            continue    # a superset of an answer is not minimal; of an excluded one, its value needs none of the rest
        if len(found) >= spec.alternatives and not any(_sibling(moves, combo, solution) for solution, _ in found):
            continue
        if out.search.candidates >= spec.max_candidates:
            out.search.cut = True
            break
        out.search.candidates += 1
        chosen = tuple(moves[i] for i in combo)
        changed = apply_changes(base, [m.change() for m in chosen], policy, out.subject)
        _, result, errors = _decide(policy, evaluator, changed, file)
        if result is None:
            out.search.invalid += 1
            continue
        d = _determination(result, out.subject, out.decision)
        if errors or d is None or not same_value(expr.plain(d.value), out.want):
            continue
        alternative = judge(chosen, cost)
        if alternative is None:
            continue
        if alternative.breaks:
            excluded.append((set(combo), alternative))
            culprits.update(i for i in combo if judge.alone(moves[i]))
            continue
        found.append((set(combo), alternative))
        level = cost
    offered, more = [], []   # the alternatives reported; the rest of their groups (decided, not confirmed again)
    for _, alternative in found:
        if len(offered) >= spec.alternatives:
            more.append(alternative)
        elif judge.confirm(alternative):
            (excluded.append((set(), alternative)) if alternative.breaks else offered.append(alternative))
    out.alternatives, out.more = offered, more
    # what was left out for changing another determination, up to the cost offered (or the cheapest such)
    top = min((a.cost for a in offered), default=None)
    top = top if top is not None else min((a.cost for _, a in excluded), default=0)
    out.excluded = [a for _, a in excluded if a.cost <= top]


def _sibling(moves: list[Move], combo: Sequence[int], solution: set[int]) -> bool:
    """`combo` is `solution` with one change put elsewhere: same kind, same from → to, same cost."""
    extra, missing = set(combo) - solution, solution - set(combo)
    if len(extra) != 1 or len(missing) != 1:
        return False
    a, b = moves[extra.pop()], moves[missing.pop()]
    return (a.kind, a.before, a.after, a.cost) == (b.kind, b.before, b.after, b.cost)


class _Judge:
    """Whether a candidate keeps every other determination (appeals.yaml `keep`), compared with the file's own
    (a moved judging date: with the file judged on that date, so that only the person's facts differ).

    Candidates are judged on the person's neighbourhood — their center and its people, the subjects their
    facts can reach — when it decides those subjects exactly as the whole case does (else on the whole
    case); an alternative reported is then decided on the whole case, as the file would be with the changes
    written in: that is the claim made, and its explanation (the file's own paths) is the one `evaluate` gives.
    The rest of a group (another month, beyond `alternatives`) stands on the neighbourhood's decision."""

    def __init__(self, policy: Policy, evaluator: Evaluator, out: Appeal, spec: Appeals, case_dict: dict,
                 file: str, prefix: Sequence, result: CaseResult):
        self.policy, self.evaluator, self.out, self.spec = policy, evaluator, out, spec
        self.case_dict, self.file, self.prefix = case_dict, file, prefix
        self.whole: dict[str, CaseResult | None] = {"[]": result}
        self.near, self.near_baselines = case_dict, self.whole
        shape = Shape.of(policy)
        near = _neighbourhood(case_dict, _person_entry(case_dict, out.subject, shape), shape, policy.records.lists)
        _, near_result, errors = _decide(policy, evaluator, near, file)
        if near_result is not None and not errors:
            mine = _all_values(near_result)
            if mine == {k: v for k, v in _all_values(result).items() if k in mine}:
                self.near, self.near_baselines = near, {"[]": near_result}
        self.singles: dict[str, list[dict]] = {}

    def _decide(self, base: dict, changes: list[dict], prefix: Sequence = ()) -> CaseResult | None:
        _, result, errors = _decide(self.policy, self.evaluator, apply_changes(base, changes, self.policy,
                                                                               self.out.subject),
                                    self.file, prefix)
        return None if errors else result

    def _effects(self, base: dict, baselines: dict, result: CaseResult, changes: list[dict],
                 prefix: Sequence = ()) -> tuple[list[dict], list[dict]]:
        of_case = [c for c in changes if parse_path(c["fact"])[0] in Shape.of(self.policy).case_fields]
        key = repr([(c["fact"], c["to"]) for c in of_case])
        if key not in baselines:
            baselines[key] = self._decide(base, of_case, prefix)
        if baselines[key] is None:
            return [], []
        return effects(self.policy, self.spec, baselines[key], result, self.out.subject, self.out.decision)

    def __call__(self, chosen: tuple[Move, ...], cost: int) -> Alternative | None:
        """The candidate (it gives the value on the person alone) judged: None when it does not give it here."""
        out = self.out
        out.search.judged += 1
        changes = [m.change() for m in chosen]
        result = self._decide(self.near, changes)
        d = None if result is None else _determination(result, out.subject, out.decision)
        if d is None or not same_value(expr.plain(d.value), out.want):
            out.search.unconfirmed += 1
            return None
        alternative = Alternative(chosen, cost, expr.plain(d.value), {})
        alternative.breaks, alternative.notes = self._effects(self.near, self.near_baselines, result, changes)
        return alternative

    def confirm(self, alternative: Alternative) -> bool:
        """Decided on the whole case as the file would be: the value, the explanation, the effects again."""
        out = self.out
        changes = alternative.changes
        result = self._decide(self.case_dict, changes, self.prefix)
        d = None if result is None else _determination(result, out.subject, out.decision)
        if d is None or not same_value(expr.plain(d.value), out.want):
            out.search.unconfirmed += 1
            return False
        alternative.explanation = Why.of(self.policy, result).determination(d)
        if self.near is not self.case_dict:
            alternative.breaks, alternative.notes = self._effects(self.case_dict, self.whole, result, changes, self.prefix)
        return True

    def alone(self, move: Move) -> list[dict]:
        """What this one change, made alone, changes of others' determinations (which part of an excluded
        alternative is to blame)."""
        key = repr((move.fact, move.target))
        if key not in self.singles:
            result = self._decide(self.near, [move.change()])
            self.singles[key] = [] if result is None else \
                self._effects(self.near, self.near_baselines, result, [move.change()])[0]
        return self.singles[key]

    def blamed(self, excluded: Sequence[Alternative]) -> list[Alternative]:
        """The excluded as the single changes to blame (each changing another's determination alone), or as
        themselves where only the combination does."""
        out: dict[str, Alternative] = {}
        for alternative in excluded:
            culprits = [m for m in alternative.moves if self.alone(m)]
            for m in culprits:
                out.setdefault(repr((m.fact, m.target)), Alternative((m,), m.cost, None, {}, self.alone(m)))
            if not culprits:
                out.setdefault(repr([(m.fact, m.target) for m in alternative.moves]), alternative)
        return list(out.values())


def _neighbourhood(case_dict: dict, person: dict, shape: Shape, lists: tuple[str, ...]) -> dict:
    """The case with only the records the person names (their center) and the records naming those the same way
    (the people of that center): no other subjects."""
    out = {k: v for k, v in case_dict.items() if k not in lists}
    mine = {name: str(person.get(name)) if isinstance(person, dict) else None for name, _ in shape.refs}
    people = [p for p in case_dict.get(shape.list) or [] if isinstance(p, dict)
              and all(str(p.get(name)) == value for name, value in mine.items())]
    out[shape.list] = people if person in people else [person]
    for name, target in shape.refs:
        out[target] = [r for r in case_dict.get(target) or [] if isinstance(r, dict) and str(r.get("id")) == mine[name]]
    for target, held in shape.own(case_dict, person).items():
        if held:
            out[target] = out.get(target, []) + held
    return out


def _all_values(result: CaseResult) -> dict:
    return {(d.subject, d.decision): repr(expr.plain(d.value)) for d in result.determinations}


_ABSENT = object()


def _favourable(decision: Decision, value) -> bool | None:
    if not decision.favourable or value is _ABSENT:
        return None
    return any(same_value(value, f) for f in decision.favourable)


def _value_text(value, sep: str = "、") -> str:
    if value is _ABSENT:
        return "不适用"
    if isinstance(value, list):
        return sep.join(shown(v) for v in value) or "无"
    return shown(value)


def _known_as(policy: Policy, result: CaseResult, kind: str, subject: str) -> str:
    """Another subject as an officer knows it: a record that is no person's by its name (“宿城区政务服务中心”),
    a person (whose name is theirs) or a record without one by its id."""
    declared = policy.records.kinds.get(kind)
    field_name = declared.called_by if declared is not None else None
    if field_name is None or declared.fields[field_name].personal:
        return f" {subject}"
    record = next((r for r in result.case.records.get(declared.list, []) if str(r["id"]) == subject), None)
    name = record.get(field_name) if record is not None else None
    return f"“{name}”" if isinstance(name, str) and name else f" {subject}"


def _decision_of(policy: Policy, name: str) -> tuple[Decision | None, str]:
    """A determination's decision and label: a decision's own, or the values a pending one may still take."""
    if name in policy.decisions:
        return policy.decisions[name], policy.decisions[name].label
    for d in policy.decisions.values():
        if d.scenarios is not None and d.scenarios.possible == name:
            return d, d.scenarios.possible_label
    return None, name


def _list_change(where: str, label: str, added: list, removed: list, sep: str = "、") -> str:
    parts = ([f"新增 {_value_text(added, sep)}"] if added else []) + \
            ([f"不再列出 {_value_text(removed, sep)}"] if removed else [])
    return f"{where}「{label}」{'，'.join(parts)}"


def effects(policy: Policy, spec: Appeals, before: CaseResult, after: CaseResult, subject: str,
            decision: str) -> tuple[list[dict], list[dict]]:
    """(others' determinations changed as appeals.yaml `keep.others` counts them, the person's own other
    determinations turned unfavourable as `keep.own` asks): each {subject, decision, label, from, to, text},
    a list's items added and removed too."""
    old = {(d.subject, d.decision): expr.plain(d.value) for d in before.determinations}
    new = {(d.subject, d.decision): expr.plain(d.value) for d in after.determinations}
    breaks, notes = [], []
    for who, name in dict.fromkeys([*old, *new]):
        was, now = old.get((who, name), _ABSENT), new.get((who, name), _ABSENT)
        if was is not _ABSENT and now is not _ABSENT and same_value(was, now):
            continue
        d, label = _decision_of(policy, name)
        if d is None:
            continue
        own = d.subject == spec.subject and who == subject
        if own and d.name == decision:
            continue
        mode = spec.keep_own if own else spec.keep_others
        worse = name == d.name and _favourable(d, was) is True and _favourable(d, now) is False
        if mode == "ignored" or (mode == "unfavourable" and not worse):
            continue
        kind = policy.kinds[d.subject].label if d.subject in policy.kinds else d.subject
        effect = {"subject": who, "subject_kind": d.subject, "decision": name, "label": label,
                  "from": None if was is _ABSENT else was, "to": None if now is _ABSENT else now}
        effect["where"] = "本人" if own else f"{kind}{_known_as(policy, after, d.subject, who)}"
        if isinstance(was, list) and isinstance(now, list):
            effect["added"] = [v for v in now if not any(same_value(v, w) for w in was)]
            effect["removed"] = [v for v in was if not any(same_value(v, n) for n in now)]
            effect["text"] = _list_change(effect["where"], label, effect["added"], effect["removed"])
        else:
            effect["text"] = f"{effect['where']}「{label}」：{_value_text(was)} → {_value_text(now)}"
        (notes if own else breaks).append(effect)
    return breaks, notes


# --- alternatives of one kind, one line ----------------------------------------------------------------

_GROUP_FIELD = re.compile(r"\{([\w.]+)(?::([^}]*))?\}")


_ANY = {1: "任一", 2: "任两个", 3: "任三个"}


def _any(k: int) -> str:
    return _ANY.get(k, f"任{k}个")


def _group_line(template: str, move: Move, params, k: int = 1) -> str:
    """appeals.yaml's group wording: {any} (任一, 任两个 … of the places listed), {from}, {to}, {param.NAME}
    and {param.NAME:%} (a share as a percentage)."""
    def one(m: re.Match) -> str:
        name, fmt = m.group(1), m.group(2)
        if name in ("from", "to"):
            return move.before if name == "from" else move.after
        if name == "any":
            return _any(k)
        if name.startswith("param."):
            try:
                value = expr.plain(params(name[len("param."):]))
            except KeyError:
                return m.group(0)
            return f"{value * 100:g}%" if fmt == "%" and isinstance(value, (int, float)) else shown(value)
        return m.group(0)
    return _GROUP_FIELD.sub(one, template)


def _merged(breaks: Iterable[dict], sep: str = "、") -> tuple[str, ...]:
    """Several alternatives' effects as few lines: the additions to (removals from) one determination's list joined
    (by `sep`: a space lets a terminal wrap between the items, never inside one)."""
    lines: dict[Any, Any] = {}   # (subject, decision) → [where, label, added, removed]; else text → text
    for b in breaks:
        if "added" not in b:
            lines.setdefault(b["text"], b["text"])
            continue
        entry = lines.setdefault((b["subject"], b["decision"]), [b["where"], b["label"], [], []])
        for items, new in ((entry[2], b["added"]), (entry[3], b["removed"])):
            items += [v for v in new if not any(same_value(v, w) for w in items)]
    return tuple(v if isinstance(v, str) else _list_change(*v, sep=sep) for v in lines.values())


def groups(alternatives: Sequence[Alternative], spec: Appeals, params, others: Sequence[Alternative] = (),
           offered: bool = True) -> list[Group]:
    """The alternatives as lines (appeals.yaml `group:` wording, the places listed):

    - every k of some places, one kind of change and one from → to (任两个…的月份…：2025-02、2025-04、2025-07);
    - else those differing in one change only, of one kind and the same from → to (任一…：2025-11、2025-12),
      the changes they share said first.

    A lone alternative reads so too when `others` (the excluded) hold the same kind of change elsewhere:
    the line then says why only these places are offered."""
    templates = {c.fact: c.group for c in spec.contestable if c.group is not None}
    elsewhere = {(m.kind, m.before, m.after) for a in others for m in a.moves}

    def line(varying: Sequence[Move], k: int, lone: bool) -> tuple[str, str]:
        first = varying[0]
        template = templates.get(first.kind)
        if template is not None and (not lone or not offered or (first.kind, first.before, first.after) in elsewhere):
            head = _group_line(template.offered if offered else template.excluded, first, params, k)
            return f"{head}：{'、'.join(m.key for m in varying)}", head
        texts = [m.text for m in varying]
        return ("或".join(texts) if k == 1 else f"{_any(k)}：{'、'.join(texts)}"), ""

    rows: dict[Any, list[int]] = {}   # a line's key → the alternatives it holds, in order of the first
    # every k of some places
    buckets: dict[tuple, list[int]] = {}
    for i, alt in enumerate(alternatives):
        kinds = {(m.kind, m.before, m.after, m.cost) for m in alt.moves}
        if len(alt.moves) > 1 and len(kinds) == 1:
            buckets.setdefault((kinds.pop(), len(alt.moves)), []).append(i)
    family: dict[int, tuple] = {}
    for key, members in buckets.items():
        places = {m.fact for i in members for m in alternatives[i].moves}
        if len(members) > 1 and len(members) == math.comb(len(places), key[1]):
            family.update((i, ("all", key)) for i in members)
    # differing in one change only
    def keys(alt: Alternative) -> list[tuple]:
        return [("one", frozenset((x.fact, repr(x.target)) for x in alt.moves if x is not m), m.kind, m.before,
                 m.after, m.cost) for m in alt.moves]
    count: dict[tuple, int] = {}
    for i, alt in enumerate(alternatives):
        for k in keys(alt) if i not in family else ():
            count[k] = count.get(k, 0) + 1
    for i, alt in enumerate(alternatives):
        options = keys(alt)
        rows.setdefault(family.get(i) or (max(options, key=lambda k: count[k]) if options else ("none", i)), []).append(i)
    out = []
    for key, members in rows.items():
        alts = [alternatives[i] for i in members]
        if key[0] == "all":
            varying = tuple(sorted({m.fact: m for a in alts for m in a.moves}.values(), key=lambda m: m.key))
            fixed, k = (), key[1][1]
        else:
            shared = key[1] if key[0] == "one" else frozenset()
            varying = tuple(next((m for m in a.moves if (m.fact, repr(m.target)) not in shared), a.moves[0]) for a in alts)
            fixed = tuple(m for m in alts[0].moves if (m.fact, repr(m.target)) in shared)
            k = 1
        text, head = line(varying, k, lone=len(alts) == 1) if varying else ("", "")
        breaks = [b for a in alts for b in a.breaks]
        out.append(Group(tuple(alts), fixed, varying, alts[0].cost, text, head, _merged(breaks), _merged(breaks, " ")))
    return out


# What a cost is, when appeals.yaml does not say (`cost_means`).
COST_MEANS = "代价：各处改变按申诉文件（appeals.yaml）规定的权重相加"


# --- when nothing works --------------------------------------------------------------------------------

def _blockers(policy: Policy, decision: Decision, actual: Determination | None, want) -> list[tuple[Rule | None, set[Input]]]:
    """The rules that gave the actual value (each must stop doing so), with what they read.

    No determination at all: the decision does not apply (`applies_when`), and that is what must change.
    """
    if actual is None:
        names = expr.names(decision.applies_when) if decision.applies_when is not None else []
        return [(None, _expand(policy, [(decision.of, n) for n in names]))]
    if decision.hit == "collect":
        return []
    rules = {f.rule.id: f.rule for f in actual.firings if not same_value(expr.plain(f.value), want)}
    return [(rule, rule_inputs(policy, decision, rule)) for rule in rules.values()]


def _own_inputs(policy: Policy, decision: Decision, rule: Rule) -> set[Input]:
    nodes = [n for n in (rule.when, rule.compute) if n is not None]
    return _expand(policy, [(decision.of, n) for node in nodes for n in expr.names(node)])


def _cited(policy: Policy, decision: Decision, actual: Determination | None, want, result: CaseResult,
           subject: str, blockers) -> list[tuple[dict, set[Input]]]:
    """The rules to cite, each with what it reads itself: an exception that holds against a rule giving
    `want` (当年工作未满一年 against 优秀), else the rules that fired, else the decision's scope."""
    facts = [f for f in result.facts if f.kind == decision.of and f.subject == subject]
    holding: list[Rule] = []
    for rule in decision.rules:
        if rule.has_then and same_value(rule.then, want):
            holding += [e for e in explicit_overriders(decision, rule)
                        if e not in holding and any(_holds(e, f, result) for f in facts)]
    rules = holding or [rule for rule, _ in blockers if rule is not None]
    if rules:
        return [(_citation(policy.appeals, r), _own_inputs(policy, decision, r)) for r in rules]
    if actual is None and decision.applies_when is not None:
        names = expr.names(decision.applies_when)
        return [({"rule": f"{decision.name}.applies_when", "title": decision.label, "clause": decision.section,
                  "text": expr.render(decision.applies_when)}, _expand(policy, [(decision.of, n) for n in names]))]
    return []


def _citation(spec: Appeals | None, rule: Rule) -> dict:
    """A rule cited as the reason; `discretionary` (appeals.yaml's note) when its words leave room (原则上)."""
    out = {"rule": rule.id, "title": rule.title, "clause": rule.clause, "text": rule.text}
    if spec is not None and spec.discretionary_note and any(w in (rule.text or "") for w in spec.discretionary_words):
        out["discretionary"] = spec.discretionary_note
    return out


def _holds(rule: Rule, fact, result: CaseResult) -> bool:
    try:
        return expr.truth(expr.evaluate(rule.when, fact.get, result.params)) is True
    except KeyError:
        return False


def _reason(spec: Appeals, out: Appeal, cited: list[tuple[dict, set[Input]]], untouched: bool) -> str:
    """Why no alternative was found, in Chinese: the rule and its clause, the facts behind it that cannot
    change (appeals.yaml `not_contestable`), and how far the search went."""
    want = f"“{shown(out.want)}”"
    read = {name.split(".")[0] for _, inputs in cited for _, name in inputs}
    because = "；".join([f"「{b['title']}」（{b['clause']}：{b['text']}"
                        + (f"。{b['discretionary']}" if b.get("discretionary") else "") + "）" for b, _ in cited]
                       + [why for attribute, why in spec.not_contestable.items() if attribute in read])
    because = f"：{because}" if because else ""
    s = out.search
    if out.excluded:
        return (f"无法仅通过改变本人事实达到{want}而不改变其他判定：能达到{want}的改变（代价{out.excluded[0].cost}）"
                f"都会改变他人或所在中心的判定，见“未采用的改变”{because and '；实际结果依据' + because}")
    if untouched:
        return f"无法仅通过改变本人事实达到{want}{because}。本人可改变的事实均不影响得出实际结果的规则"
    if s.complete:
        return f"无法仅通过改变本人事实达到{want}{because}。已重新判定{s.candidates}个方案，涵盖可改变事实的全部组合"
    if s.cut:
        return (f"在重新判定上限{s.budget}个方案内未找到能达到{want}的本人事实改变{because}。"
                f"共{s.facts}项可改变的事实，最多组合{s.max_changes}项")
    return (f"不超过{s.max_changes}处本人事实的改变无法达到{want}{because}。"
            f"已重新判定{s.candidates}个方案（共{s.facts}项可改变的事实）")


# --- the command line's part ------------------------------------------------------------------------

def possible_values(decision: Decision) -> list | None:
    """The values a decision can take, when the policy lists them all (None when one is computed)."""
    if decision.values is not None:
        return list(decision.values) + ([decision.scenarios.undecided] if decision.scenarios else [])
    if all(r.has_then or not r.concludes for r in decision.rules):
        return list(dict.fromkeys(expr.plain(r.then) for r in decision.rules if r.has_then))
    return None


def cases_in(path: str, policy: Policy | None = None) -> list[tuple[str, list, dict]]:
    """(case id, where it stands in the file, the case as written) for each case of a case file (a roster
    workbook or CSV too, read by the policy's roster.yaml; its problems come as one YamlError, located)."""
    if formats.is_spreadsheet(path) and policy is not None:
        from ..casefiles import spreadsheet
        try:
            tree = spreadsheet.read(Path(path), policy)
        except spreadsheet.ReadError as e:
            raise YamlError(e.location, "；".join(p.message for p in e.problems)) from None
    else:
        tree = formats.parse(yamlio.read_case(path), fast=True)
    if isinstance(tree, dict) and isinstance(tree.get("cases"), list):
        return [(str(c.get("id", f"case-{i + 1}")), ["cases", i], c) for i, c in enumerate(tree["cases"]) if isinstance(c, dict)]
    return [(str(tree.get("id", "case-1")), [], tree)] if isinstance(tree, dict) else []


def _people(case: dict, shape: Shape) -> list[str]:
    return [str(p.get("id")) for p in (case.get(shape.list) or []) if isinstance(p, dict)]


def to_json(a: Appeal, policy: Policy, unmask: bool = False) -> dict:
    """The appeal as JSON: the name masked, and (as every JSON answer) an id that is an ID number, unless `unmask`."""
    return outward({
        "subject": a.subject, "name": a.name if unmask or not a.personal else mask_name(a.name), "case": a.case_id,
        "decision": a.decision, "decision_label": policy.decisions[a.decision].label,
        "want": a.want, "actual": a.actual, "applicable": a.applicable,
        "alternatives": [{"changes": alt.changes, "cost": alt.cost, "value": alt.value, "explanation": alt.explanation,
                          "side_effects": alt.notes}
                         for alt in a.alternatives],
        "unreachable": a.unreachable,
        "blocking": a.blocking,
        "search": {"candidates": a.search.candidates, "moves": a.search.moves, "facts": a.search.facts,
                   "max_changes": a.search.max_changes, "max_candidates": a.search.budget, "cut": a.search.cut,
                   "complete": a.search.complete, "isolated": a.search.isolated, "invalid": a.search.invalid,
                   "unconfirmed": a.search.unconfirmed, "judged": a.search.judged,
                   "seconds": round(a.search.seconds, 3)},
        "cost_means": a.cost_means,
        "groups": [g.as_json() for g in a.groups],
        # would give the value, but change another's determination (appeals.yaml keep): not offered
        "excluded": [{"changes": alt.changes, "cost": alt.cost, "value": alt.value, "breaks": alt.breaks}
                     for alt in a.excluded],
        "excluded_groups": [g.as_json() for g in a.excluded_groups],
    }, unmask)


class Unaskable(Exception):
    """The appeal cannot be put as asked (bad usage): `message` says why, `detail` what there is to choose from."""

    def __init__(self, message: str, detail: str = ""):
        super().__init__(message + detail)
        self.message, self.detail = message, detail


@dataclass(frozen=True)
class Asked:
    """An appeal as asked, checked against the policy and the case file: whose, about which decision, for which
    value, and the one case of the file that holds the person (as written; `prefix`: where it stands there)."""
    subject: str
    decision: str
    want: Any
    case: dict
    prefix: list


def asked(policy: Policy, casefile: str, subject: str | None, decision: str | None, want_text: str | None,
          case: str | None) -> Asked:
    """`run.py appeal`'s question, checked: Unaskable when it cannot be put so (a "did you mean" where it
    helps); locations.YamlError when the case file cannot be read as one."""
    if policy.appeals is None:
        raise Unaskable(f"政策 {policy.document_number} 没有申诉文件（policy.yaml 中的 appeals:，即 appeals.yaml）："
                        "无从得知哪些事实可以改变，无法申诉")
    kind = policy.appeals.subject
    person_decisions = [n for n, d in policy.decisions.items() if d.subject == kind]
    who = policy.kinds[kind].label if kind in policy.kinds else "本人"   # facts.yaml's word for an appellant
    shape = Shape.of(policy)
    known = f"；{who}的决定有：{'、'.join(f'{policy.decisions[n].label}（{n}）' for n in person_decisions)}"
    if not subject or decision is None or want_text is None:
        example = next(((n, possible_values(policy.decisions[n])) for n in person_decisions
                        if possible_values(policy.decisions[n])), None)
        hint = f"（例如 --decision {example[0]} --want {shown(example[1][-1])}）" if example else ""
        raise Unaskable("请同时指定 --subject ID、--decision NAME 与 --want VALUE", hint + known)
    if decision not in policy.decisions:   # (a label is made its id by the command: questions.find_decision)
        labels = [d.label for d in policy.decisions.values()]
        raise Unaskable(f"未知的决定「{decision}」{near(decision, list(policy.decisions) + labels)}", known)
    if decision not in person_decisions:
        raise Unaskable(f"申诉只涉及本人事实：决定「{decision}」（{policy.decisions[decision].label}）不是针对{who}的", known)
    want = parse_value(want_text)
    values = possible_values(policy.decisions[decision])
    if values is not None and not any(same_value(want, v) for v in values):
        raise Unaskable(f"「{want_text}」不是决定「{decision}」的可能取值{near(want_text, map(shown, values))}",
                        f"；可能取值：{'、'.join(shown(v) for v in values)}")
    try:
        cases = cases_in(casefile, policy)
    except OSError as e:
        raise Unaskable(f"{casefile}：无法读取（{os_reason(e)}）") from None
    if case is not None:
        ids = [c[0] for c in cases]
        if case not in ids:
            raise Unaskable(f"未找到案例「{case}」{near(case, ids)}", f"；案例有：{'、'.join(ids)}")
        cases = [c for c in cases if c[0] == case]
    holding = [c for c in cases if subject in _people(c[2], shape)]
    if not holding:
        raise Unaskable(f"未找到{who}「{subject}」{near(subject, [p for c in cases for p in _people(c[2], shape)])}")
    if len(holding) > 1:
        raise Unaskable(f"{who}「{subject}」出现在多个案例中，请用 --case 指定", f"：{'、'.join(c[0] for c in holding)}")
    _, prefix, raw = holding[0]
    return Asked(subject, decision, want, raw, prefix)
