"""`run.py analyze`: every input of a decision, through the compiled rules, for gaps, overlaps and conflicts.

For each decision the inputs its compiled rules read are given a finite
domain taken from the policy itself: the constants its conditions compare
with (at and around each: 3 → 2, 3, 4), the lists and table keys of its
parameters, the vocabulary, absence where a rule tests for it, and for two
facts compared with each other (`a >= b * k`) the values just below,
at and above the other. The decisions its rules and its `applies_when` read
are followed: their inputs are its inputs. Each period of parameter values
is analysed with its own compiled rules (a lapse, the day after `until:`,
starts one); an input compared with a parameter that has lapsed takes the
values around what the parameter said on its last day, and the case's date
(the engine's own as_of, which chooses the period) stays within the period
and takes its first and last day (the `until:` day and the day after it).
What the rules cannot say is in the policy's analysis.yaml (a sequence
summarised as counts, combinations that cannot occur). Every combination
becomes a fact, the facts run through the durable_rules network
(engine/runtime.run) and engine/resolve applies the hit
policies, exactly as for a case.

Per input, the firings say which rule won. Which rules *held* — their own
condition true, precedence aside — is judged on the compiler's attempts
(`Part.own`), the very conditions the network was built from. From both:
gaps (in scope, no value), overlaps (several held; the declared precedence
picked one), conflicts (different values, no precedence between them),
masked rules (never win) and exceptions never needed.
"""
from __future__ import annotations

import datetime as dt
import itertools
import math
import re
import time
from collections import defaultdict
from dataclasses import dataclass, field
from fractions import Fraction
from pathlib import Path
from typing import Any

from ..formula import expr

from ..common import yamlio
from ..common.locations import Location, YamlError, locate, plain
from ..common.problems import Problem
from ..common.words import cn_date, near
from ..pipeline.compiler import (Attempt, CompiledPolicy, Inlined, compile_period, effective_parts,
                                 explicit_overriders, substitute)
from ..pipeline.facts import Fact, RecordError
from ..policy.model import Decision, Policy, Rule
from ..policy.params import ParamView, change_days, first_day
from ..pipeline.resolve import Firings, resolve
from ..pipeline.runtime import Bounds, run

__all__ = ["AS_OF", "MAX_INPUTS", "CHUNK", "OTHER", "SHOWN_EXAMPLES", "AnalysisError", "Relation", "Domain", "closure",
           "domain_of", "sequence_signatures", "assignments", "run_all", "Finding", "DecisionAnalysis",
           "Analysis", "held_rules", "hint_problems", "load_hints", "analyze", "analyze_decision"]


AS_OF = "as_of"            # the case's date: it chooses the period of parameter values the case is judged by
MAX_INPUTS = 30_000        # combinations per decision: ~20 s of durable_rules on this machine (1,500 facts/s)
CHUNK = 1_500              # facts per session: well inside runtime's message bound
OTHER = "（其他）"          # a text no list of the policy names: where the rules' lists end
SHOWN_EXAMPLES = 3


class AnalysisError(Exception):
    pass


# --- what the rules read -------------------------------------------------------------------------

@dataclass(frozen=True)
class Relation:
    """Two facts compared with each other: `probe` is enumerated just below, at and above `base`."""
    probe: str
    base: str
    expression: Any       # the other side, in terms of `base` (params inlined)


@dataclass
class Domain:
    """The inputs of one decision and how each got its values."""
    kind: str
    names: list[str]                                   # inputs, in order of first use
    values: dict[str, list] = field(default_factory=dict)
    relations: list[Relation] = field(default_factory=list)
    groups: list[tuple[tuple[str, ...], list[tuple]]] = field(default_factory=list)   # joint domains (sequences)
    notes: list[str] = field(default_factory=list)
    unbounded: list[str] = field(default_factory=list)
    # the first and last case date judged by this period's values (None: open — an earlier date is judged by the
    # first values, a later one by the last)
    period: tuple[dt.date | None, dt.date | None] = (None, None)

    def in_period(self, row: dict) -> bool:
        """Whether the row's case date (if the rules read it) is one this period's values judge."""
        day = _date(row.get(AS_OF))
        low, high = self.period
        return not isinstance(day, dt.date) or ((low is None or day >= low) and (high is None or day <= high))

    def size(self) -> int:
        size = math.prod(len(v) for n, v in self.values.items() if not self._grouped(n) and not self._probe(n))
        size *= math.prod(len(rows) for _, rows in self.groups)
        for r in self.relations:
            size *= 3 + (None in self.values.get(r.probe, ()))
        return size

    def _grouped(self, name: str) -> bool:
        return any(name in names for names, _ in self.groups)

    def _probe(self, name: str) -> bool:
        return any(r.probe == name for r in self.relations)


def closure(policy: Policy, decision: Decision) -> list[Decision]:
    """The decision and every decision its rules or its `applies_when` read, transitively (their inputs are its
    inputs: a scope that reads another decision is decided by the network after that decision's conclusion)."""
    out: list[Decision] = []
    todo = [decision]
    while todo:
        d = todo.pop()
        if d in out:
            continue
        out.append(d)
        kind = policy.kinds[d.of]
        nodes = [n for rule in d.rules for n in (rule.when, rule.compute) if n is not None]
        nodes += [d.applies_when] if d.applies_when is not None else []
        for name in sorted({n for node in nodes for n in expr.names(node)}):
            if name in policy.decisions and kind.label_of(name.split(".")[0]) is None:
                todo.append(policy.decisions[name])
    return out


def _attempts(compiled: CompiledPolicy, decisions: list[Decision]) -> list[Attempt]:
    return [a for d in decisions for r in d.rules for a in compiled.attempts.get(r.id, ())]


def _is_input(policy: Policy, kind: str, name: str) -> bool:
    return policy.kinds[kind].label_of(name.split(".")[0]) is not None


def _attribute_type(policy: Policy, kind: str, name: str) -> str | None:
    head, _, key = name.partition(".")
    attribute = policy.kinds[kind].attributes.get(head)
    if attribute is None:
        return None
    return "bool" if key and attribute.type == "map" else attribute.type


def _lapsed_sources(node) -> list[Inlined]:
    """The parameters that have lapsed among the constants of a compiled node (each put in as a null)."""
    return [n.source for n in expr.walk(node)
            if isinstance(n, expr.Lit) and isinstance(n.source, Inlined) and n.source.lapsed is not None]


def _last_in_force(policy: Policy, node):
    """The node with each lapsed parameter replaced by the value it had on its last day, so that an input compared
    with it takes the values it took before the lapse (compared with null, any value is unknown alike). A table
    entry stays null: which key the rule read is no longer known once the parameter is put in."""
    if isinstance(node, expr.Lit) and isinstance(node.source, Inlined) and node.source.lapsed is not None:
        value = policy.parameters[node.source.name].current(node.source.lapsed).value
        if isinstance(value, list):
            return expr.ListLit(tuple(expr.Lit(_number(v)) for v in value))
        return node if isinstance(value, dict) else expr.Lit(_number(value))
    if isinstance(node, (expr.Compare, expr.Arith)):
        return type(node)(node.op, _last_in_force(policy, node.left), _last_in_force(policy, node.right))
    return node


def _number(value):
    return Fraction(str(value)) if isinstance(value, float) else value


def _around(value) -> list:
    if isinstance(value, dt.date):
        return [value - dt.timedelta(days=1), value, value + dt.timedelta(days=1)]
    if isinstance(value, Fraction) and value.denominator != 1:
        low = math.floor(value)
        return [low, low + 1]
    return [value - 1, value, value + 1]


def _date(value):
    return expr.as_date(value)


def domain_of(policy: Policy, decision: Decision, compiled: CompiledPolicy, params: ParamView, hints: dict,
              period: tuple[dt.date | None, dt.date | None] = (None, None)) -> Domain:
    """Inputs and values for one decision, from its compiled conditions, the vocabulary and the hints; `period`
    bounds the case's date (the first and last day judged by these parameter values, None where open)."""
    kind = decision.of
    decisions = closure(policy, decision)
    attempts = _attempts(compiled, decisions)
    conditions = [p.node for a in attempts for p in a.parts]
    nodes = conditions + [a.value for a in attempts]
    names = [n for n in dict.fromkeys(n for node in nodes for n in expr.names(node)) if _is_input(policy, kind, n)]
    dom = Domain(kind, names, {n: [] for n in names}, period=period)
    in_conditions = {n for node in conditions for n in expr.names(node)}

    relations: list[expr.Compare] = []

    def add(name, *values):
        for v in values:
            if v not in dom.values[name]:
                dom.values[name].append(v)
    for node in nodes:
        for n in expr.walk(node):
            if isinstance(n, (expr.And, expr.Or, expr.Not, expr.IsNotTrue)):
                for item in expr.children(n):
                    if isinstance(item, expr.Name) and item.name in dom.values:
                        add(item.name, True, False)      # a bare name is a yes/no condition
            if not isinstance(n, expr.Compare):
                continue
            n = _last_in_force(policy, n)
            left, right = n.left, n.right
            if isinstance(left, (expr.Lit, expr.ListLit)) and isinstance(right, expr.Name):
                left, right = right, left
            if not any(name in dom.values for name in expr.names(n)):
                continue                              # a decision read: its own inputs are enumerated
            if isinstance(right, expr.Arith) and not expr.names(right):
                right = expr.Lit(expr.evaluate(right, lambda _: None, params))   # constant arithmetic: a constant
            if isinstance(left, expr.Name) and left.name in dom.values and isinstance(right, expr.Lit):
                value = right.value
                add(left.name, *([None] if value is None else [True, False] if isinstance(value, bool)
                                 else [value] if isinstance(value, str) else _around(value)))
            elif isinstance(left, expr.Name) and left.name in dom.values and isinstance(right, expr.ListLit):
                add(left.name, *(i.value for i in right.items))
            else:
                relations.append(n)
    for n in relations:       # after the constants: a base is the side that has values of its own
        _relation(dom, n)
    for name in dom.names:
        if name not in in_conditions:
            # read only by a computed value: it changes the amount, not which rule holds; one value does
            dom.values[name] = [_anchor(policy, dom, name, params) or 1]
            dom.notes.append(f"{_label(policy, kind, name)}只用于计算结论，不影响哪条规则成立：取一个值")
            continue
        _complete(policy, dom, name, hints, params)
    if AS_OF in in_conditions:
        _within_period(dom)
    _sequences(policy, dom, hints)
    _interchangeable(policy, decisions, dom)
    return dom


def _within_period(dom: Domain) -> None:
    """The case's date, where the rules read it: the period's first and last day (a lapse: the `until:` day in one
    period, the day after in the next), and no date another period's values judge."""
    values = dom.values[AS_OF]
    values += [day for day in dom.period if day is not None and day not in values]
    dom.values[AS_OF] = [v for v in values if v is None or dom.in_period({AS_OF: v})]


def _canon(node):
    """The condition with `and`/`or` items in a fixed order: equal meaning, equal form."""
    if isinstance(node, (expr.And, expr.Or)):
        return type(node)(tuple(sorted((_canon(i) for i in node.items), key=repr)))
    if isinstance(node, (expr.Not, expr.IsNotTrue)):
        return type(node)(_canon(node.item))
    if isinstance(node, (expr.Compare, expr.Arith)):
        return type(node)(node.op, _canon(node.left), _canon(node.right))
    return node


def _rule_forms(decisions: list[Decision], mapping: dict) -> set:
    forms = set()
    for d in decisions:
        for r in d.rules:
            when = _canon(substitute(r.when, mapping))
            compute = None if r.compute is None else _canon(substitute(r.compute, mapping))
            forms.add((d.name, when, repr(r.then), compute, r.otherwise))
        if d.applies_when is not None:
            forms.add((d.name, "applies_when", _canon(substitute(d.applies_when, mapping))))
    return forms


def _interchangeable(policy: Policy, decisions: list[Decision], dom: Domain) -> None:
    """Inputs the rules treat alike (swapping any two leaves the rules as they are): count values, not orders.

    Checked on the rules themselves, so nothing is assumed: with eight yes/no/unknown conditions
    3⁸ combinations become the 45 ways of saying how many are yes, no and unknown.
    """
    if any(r.overrides or r.blocks for d in decisions for r in d.rules):
        return        # exceptions name rules: a swap would have to rename them too
    free = [n for n in dom.names if not dom._grouped(n) and not dom._probe(n)
            and not any(r.base == n for r in dom.relations) and len(dom.values[n]) > 1]
    original = _rule_forms(decisions, {})
    groups: list[list[str]] = []
    for name in free:
        for group in groups:
            first = group[0]
            if sorted(map(repr, dom.values[first])) != sorted(map(repr, dom.values[name])):
                continue
            swap = {expr.Name(first): expr.Name(name), expr.Name(name): expr.Name(first)}
            if _rule_forms(decisions, swap) == original:
                group.append(name)
                break
        else:
            groups.append([name])
    for group in (g for g in groups if len(g) > 2):
        values = dom.values[group[0]]
        rows = list(itertools.combinations_with_replacement(values, len(group)))
        dom.groups.append((tuple(group), rows))
        labels = "、".join(_label(policy, dom.kind, n) for n in group)
        dom.notes.append(f"{labels}在规则中地位相同（任意两项互换，规则不变），只需知道各取值有几项："
                         f"{len(values)}^{len(group)}={len(values) ** len(group):,} 种组合抽象为 {len(rows)} 种")


def _relation(dom: Domain, node: expr.Compare) -> None:
    """`a op b·k`: the side whose name has values of its own is the base; the other is probed around it."""
    sides = [(node.left, node.right), (node.right, node.left)]
    for probe, other in sides:
        if not isinstance(probe, expr.Name) or probe.name not in dom.values:
            continue
        others = [n for n in expr.names(other) if n in dom.values]
        if len(others) == 1 and others[0] != probe.name:
            candidate = Relation(probe.name, others[0], other)
            has_own = [v for v in dom.values[others[0]] if v is not None]
            if has_own or probe is node.left:
                if candidate not in dom.relations:
                    dom.relations.append(candidate)
                return
    dom.unbounded.append(expr.render(node))


def _complete(policy: Policy, dom: Domain, name: str, hints: dict, params: ParamView) -> None:
    """Vocabulary, yes/no, the other text, one present value and absence where the hints say so."""
    values = dom.values[name]
    typ = _attribute_type(policy, dom.kind, name)
    vocab_key = (hints.get("vocabulary") or {}).get(name, name.split(".")[-1])
    vocabulary = policy.vocabulary.get(vocab_key) if isinstance(policy.vocabulary.get(vocab_key), dict) else None
    if vocabulary and isinstance(vocabulary.get("values"), list):
        values.extend(v for v in vocabulary["values"] if v not in values)
    elif typ == "text" and any(isinstance(v, str) for v in values):
        values.append(OTHER)                      # a word no list of the policy holds
    if typ == "bool" and not any(isinstance(v, bool) for v in values):
        values.extend([True, False])
    if typ == "int" or all(isinstance(v, int) and not isinstance(v, bool) for v in values if v is not None):
        dom.values[name] = values = [v for v in values if v is None or not isinstance(v, (int, Fraction)) or v >= 0]
    if name in (hints.get("missing") or {}).get(dom.kind, ()) and None not in values:
        values.append(None)
    if not [v for v in values if v is not None] and not any(r.probe == name for r in dom.relations):
        anchor = _anchor(policy, dom, name, params)
        if anchor is None:
            dom.unbounded.append(name)
        else:
            values.append(anchor)


def _anchor(policy: Policy, dom: Domain, name: str, params: ParamView):
    """A present value for an input only tested for presence, or a base no constant pins down."""
    typ = _attribute_type(policy, dom.kind, name)
    related = [r.probe for r in dom.relations if r.base == name]
    if typ == "date" or any(_attribute_type(policy, dom.kind, p) == "date" for p in related):
        # a date these values judge: the period's first day, or in a later period the day after it, so that a case
        # date probed a day either side of it is still judged by this period's values
        low, high = dom.period
        day = params.day + dt.timedelta(days=1)
        return params.day if low is None or high is not None and day > high else day
    if typ == "int":
        return 1
    if typ == "bool":
        return True
    if typ == "text":
        return OTHER
    return None


def _sequences(policy: Policy, dom: Domain, hints: dict) -> None:
    """Replace attributes that summarise a sequence of words by the distinct values every sequence gives them.

    What is counted and measured is facts.yaml's tally (`count:`, `run:`), the `pending` word that resolves into
    each of the others the vocabulary's, as the facts are built; the hint adds only the length.
    """
    spec = (hints.get("sequences") or {}).get(dom.kind)
    if not spec:
        return
    vocabulary = policy.vocabulary.get(spec["words"]) or {}
    kind = policy.kinds.get(dom.kind)
    tallied = kind.attributes.values() if kind is not None and kind.tally is not None else ()
    pending_word = (vocabulary.get("pending") or {}).get("word")
    counts = {a.count: a.name for a in tallied if a.count not in (None, "*", pending_word) and a.name in dom.values}
    runs = {a.run: a.name for a in tallied if a.run is not None and a.name in dom.values}
    read = tuple(counts.values()) + tuple(runs.values())
    if not read:
        return
    pending = vocabulary.get("pending") or {}
    scenario_words = list(spec.get("scenarios") or ([pending["word"]] if pending.get("word") else []))
    words = [w for w in vocabulary.get("values", []) if w not in scenario_words]
    rows = sequence_signatures(words, spec["length"], counts, runs, read)
    dom.groups.append((read, sorted(rows)))
    every = len(words) + len(scenario_words)
    labels = "、".join(policy.kinds[dom.kind].label_of(a) or a for a in read)
    dom.notes.append(
        f"{policy.kinds[dom.kind].label}：1至{spec['length']}项的每一种序列，每项取{'、'.join(words + scenario_words)}"
        f"（共 {sum(every ** k for k in range(1, spec['length'] + 1)):,} 种）；"
        + (f"{'、'.join(scenario_words)}不进入规则，按每种可能结果展开为情形，故只需{'、'.join(words)}的序列；" if scenario_words else "")
        + f"规则只读{labels}，按这些计数抽象为 {len(rows)} 种组合")


def sequence_signatures(words: list[str], length: int, counts: dict, runs: dict, read: tuple) -> set[tuple]:
    """Distinct values of `read` over all sequences of 1..length words (dynamic programming on the counts)."""
    count_words = list(counts)
    run_words = list(runs)
    start = (tuple(0 for _ in count_words), tuple(0 for _ in run_words), tuple(0 for _ in run_words))
    states = {start}
    out: set[tuple] = set()
    for n in range(1, length + 1):
        nxt = set()
        for c, current, longest in states:
            for w in words:
                c2 = tuple(v + (w == cw) for v, cw in zip(c, count_words))
                cur2 = tuple(v + 1 if w == rw else 0 for v, rw in zip(current, run_words))
                nxt.add((c2, cur2, tuple(max(a, b) for a, b in zip(longest, cur2))))
        states = nxt
        for c, _, longest in states:
            values = dict(zip(counts.values(), c)) | dict(zip(runs.values(), longest))
            out.add(tuple(values[a] for a in read))
    return out


# --- enumeration ---------------------------------------------------------------------------------

def assignments(dom: Domain, params: ParamView, possible: list) -> list[dict]:
    """Every combination of the domain (relations expanded around their base), the impossible left out."""
    free = [n for n in dom.names if not dom._grouped(n) and not dom._probe(n)]
    axes = [[{n: v} for v in dom.values[n]] for n in free]
    axes += [[dict(zip(names, row)) for row in rows] for names, rows in dom.groups]
    out = []
    for combo in itertools.product(*axes):
        base = {}
        for part in combo:
            base.update(part)
        for full in _probes(dom, base, params):
            if not dom.in_period(full):
                continue      # a case of that date is judged by another period's values
            # a condition on inputs this decision does not read says nothing about it
            if all(expr.truth(expr.evaluate(c, lambda n: full.get(n), params)) is True
                   for c in possible if set(expr.names(c)) <= set(full)):
                out.append(full)
    return out


def _probes(dom: Domain, base: dict, params: ParamView) -> list[dict]:
    rows = [base]
    for probe in dict.fromkeys(r.probe for r in dom.relations):
        options: list = [v for v in dom.values[probe]]
        for r in (r for r in dom.relations if r.probe == probe):
            at = expr.evaluate(r.expression, lambda n: _date(base.get(n)) if n in base else None, params)
            for v in ([] if at is None else _around(at)):
                if v not in options and not (isinstance(v, int) and v < 0):
                    options.append(v)
        rows = [dict(row, **{probe: v}) for row in rows for v in options]
    return rows


def _fact(kind: str, n: int, assignment: dict) -> Fact:
    values: dict[str, Any] = {}
    for name, value in assignment.items():
        value = value.isoformat() if isinstance(value, dt.date) else expr.plain(value)
        head, _, key = name.partition(".")
        if key:
            if value is not None:
                values.setdefault(head, {})[key] = value
        else:
            values[name] = value
    return Fact(kind, f"a{n}", f"{kind}:a{n}", values)


def run_all(compiled: CompiledPolicy, facts: list[Fact], params: ParamView) -> list:
    firings = []
    bounds = Bounds(seconds=120.0, messages=10 ** 7)
    for i in range(0, len(facts), CHUNK):
        firings += run(compiled, facts[i:i + CHUNK], params, bounds=bounds)
    return firings


# --- findings ------------------------------------------------------------------------------------

@dataclass
class Finding:
    """Inputs that share one outcome: which rules held, which won, with a readable range and an example."""
    held: tuple[str, ...]
    won: tuple[str, ...]
    values: tuple
    gives: dict[str, Any] = field(default_factory=dict)    # rule → the value it would give (first input)
    assignments: list[dict] = field(default_factory=list)


@dataclass
class DecisionAnalysis:
    decision: str
    label: str
    enumerated: int = 0
    finite: bool = True
    reason: str = ""
    notes: list[str] = field(default_factory=list)
    inputs: dict[str, list] = field(default_factory=dict)
    gaps: list[dict] = field(default_factory=list)
    overlaps: list[dict] = field(default_factory=list)
    overlap_summary: list[dict] = field(default_factory=list)   # the overlaps by the pair of values involved
    conflicts: list[dict] = field(default_factory=list)
    masked: list[str] = field(default_factory=list)
    unneeded_exceptions: list[dict] = field(default_factory=list)
    inconsistent: list[str] = field(default_factory=list)   # a rule fired whose own condition did not hold: a bug
    seconds: float = 0.0
    since: dt.date | None = None      # the parameter values in force from this day
    lapsed: list[dict] = field(default_factory=list)   # parameters read that have lapsed: {parameter, label, until}

    def as_json(self) -> dict:
        out = {"decision": self.decision, "label": self.label, "since": _shown(self.since),
               "enumerated": self.enumerated, "finite": self.finite,
               "gaps": self.gaps, "overlaps": self.overlaps, "conflicts": self.conflicts, "masked": self.masked,
               "unneeded_exceptions": self.unneeded_exceptions, "seconds": round(self.seconds, 2),
               "overlap_summary": [{k: _shown(v) if k in ("value", "over") else v for k, v in e.items()}
                                   for e in self.overlap_summary]}
        if self.reason:
            out["reason"] = self.reason
        if self.notes:
            out["notes"] = self.notes
        if self.inputs:
            out["inputs"] = {k: [_shown(v) for v in vs] for k, vs in self.inputs.items()}
        if self.inconsistent:
            out["inconsistent"] = self.inconsistent
        if self.lapsed:
            out["lapsed"] = [{"parameter": e["parameter"], "until": _shown(e["until"])} for e in self.lapsed]
        return out


@dataclass
class Analysis:
    decisions: list[DecisionAnalysis]
    seconds: float

    @property
    def has_problems(self) -> bool:
        return any(d.gaps or d.conflicts or d.inconsistent for d in self.decisions)

    def as_json(self) -> dict:
        return {"decisions": [d.as_json() for d in self.decisions], "seconds": round(self.seconds, 2),
                "enumerated": sum(d.enumerated for d in self.decisions)}


def _shown(value):
    if value is None:
        return None
    if isinstance(value, dt.date):
        return value.isoformat()
    return expr.plain(value)


def held_rules(decision: Decision, compiled: CompiledPolicy, fact: Fact, reads: dict, params: ParamView
               ) -> list[tuple[Rule, Any]]:
    """(rule, the value it would give) for each rule whose own condition holds on the fact, precedence aside.

    Judged on the compiled attempts' own parts: the conditions the network was built from.
    """
    def resolve(name):
        return reads[name] if name in reads else fact.get(name)
    out = []
    for rule in decision.rules:
        for attempt in compiled.attempts.get(rule.id, ()):
            if all(expr.truth(expr.evaluate(p.node, resolve, params)) is True for p in attempt.parts if p.own):
                out.append((rule, expr.plain(expr.evaluate(attempt.value, resolve, params)) if rule.concludes else None))
                break
    return out


def hint_problems(policy: Policy) -> list[Problem]:
    """What is wrong with the policy's `analysis:` file beyond its shape (which loading checks): kinds and
    attributes it names that the policy lacks, `possible` conditions that do not parse."""
    if not policy.analysis:
        return []
    path = str(Path(policy.root) / policy.analysis)
    try:
        tree = yamlio.load(path)
    except (YamlError, OSError) as e:   # loading has said so already; here only for a direct call
        return [Problem(getattr(e, "location", Location(path)), "", getattr(e, "message", str(e)))]
    hints = plain(tree) if isinstance(tree, dict) else {}
    fields = {a for k in policy.kinds.values() for a in k.attributes}
    out = []
    for section in ("vocabulary", "sequences", "missing", "possible"):
        for name in hints.get(section) or {}:
            if section == "vocabulary" and name not in fields:
                what = f"没有名为“{name}”的输入字段{near(name, fields)}"
            elif section != "vocabulary" and name not in policy.kinds:
                what = f"没有名为“{name}”的事实类型{near(name, policy.kinds)}"
            else:
                continue
            out.append(Problem(locate(tree, [section, name], path, key=True), f"{section}.{name}", what))
    for name, list_name in (hints.get("vocabulary") or {}).items():
        if list_name not in policy.vocabulary:
            out.append(Problem(locate(tree, ["vocabulary", name], path), f"vocabulary.{name}",
                        f"vocabulary.yaml 中没有名为“{list_name}”的词表{near(list_name, policy.vocabulary)}"))
    for kind, texts in (hints.get("possible") or {}).items():
        for n, text in enumerate(texts):
            try:
                expr.parse(text)
            except expr.ExprError as e:
                out.append(Problem(locate(tree, ["possible", kind, n], path), f"possible.{kind}[{n}]",
                            f"无法解析“{e.text}”：{e.reason}"))
    return out


def load_hints(policy: Policy) -> tuple[dict, dict[str, list]]:
    """The policy's `analysis:` file (optional; its shape checked when the policy loaded), its `possible`
    conditions parsed."""
    if not policy.analysis:
        return {}, {}
    found = hint_problems(policy)
    if found:
        raise AnalysisError("\n".join(map(str, found)))
    hints = plain(yamlio.load(Path(policy.root) / policy.analysis))
    possible = {kind: [expr.parse(t) for t in texts] for kind, texts in (hints.get("possible") or {}).items()}
    return hints, possible


def analyze(policy: Policy, only: list[str] | None = None, max_inputs: int = MAX_INPUTS) -> Analysis:
    """Every decision (or `only` these) for every period of parameter values: a dated change, and a lapse (the day
    after an `until:`), is analysed too; a case date read by the rules is tried on the first and last day of each
    period (a lapse's `until:` day and the day after it)."""
    started = time.monotonic()
    hints, possible = load_hints(policy)
    start = first_day(policy)
    periods = sorted({day for day in change_days(policy) if day > start} | {start})
    out = []
    for i, day in enumerate(periods):
        params = ParamView(policy, day)
        compiled = compile_period(policy, day, f"@analyze@{day.isoformat()}")
        # an earlier case date is judged by the first values, a later one by the last
        bounds = (day if i else None, periods[i + 1] - dt.timedelta(days=1) if i + 1 < len(periods) else None)
        for decision in policy.decisions.values():
            if only and decision.name not in only:
                continue
            found = analyze_decision(policy, decision, compiled, params, hints, possible.get(decision.of, []), max_inputs,
                                     bounds)
            found.since = day
            out.append(found)
    return Analysis(out, time.monotonic() - started)


def analyze_decision(policy: Policy, decision: Decision, compiled: CompiledPolicy, params: ParamView, hints: dict,
                     possible: list, max_inputs: int = MAX_INPUTS,
                     period: tuple[dt.date | None, dt.date | None] = (None, None)) -> DecisionAnalysis:
    started = time.monotonic()
    result = DecisionAnalysis(decision.name, decision.label, since=params.day)
    if decision.hit == "collect":
        result.finite, result.reason = False, "汇总型决定（collect）：收集所有成立的规则，不存在空缺、优先顺序或冲突，未穷举"
        return result
    if any(policy.kinds[d.of].name != decision.of for d in closure(policy, decision)):
        result.finite, result.reason = False, "读取了其他事实种类上的决定，未穷举"
        return result
    dom = domain_of(policy, decision, compiled, params, hints, period)
    result.lapsed = _lapses(policy, compiled, closure(policy, decision))
    result.notes = list(dom.notes)
    result.inputs = {n: dom.values[n] for n in dom.names if not dom._grouped(n)}
    if dom.unbounded:
        result.finite = False
        result.reason = "输入取值无法由政策确定为有限集：" + "、".join(dict.fromkeys(dom.unbounded)) + "；未抽样"
        return result
    size = dom.size()
    if size > max_inputs:
        result.finite = False
        result.reason = f"输入组合 {size:,} 种，超过一次分析的上限 {max_inputs:,} 种（约一分钟）；未抽样"
        return result
    try:
        rows = assignments(dom, params, possible)
        facts = [_fact(decision.of, n, row) for n, row in enumerate(rows)]
        firings = run_all(compiled, facts, params)
        determinations, _ = resolve(policy, facts, firings)
        result.enumerated = len(facts)
        _findings(policy, decision, compiled, params, dom, rows, facts, firings, determinations, result)
    except (RecordError, ArithmeticError) as e:
        # an input whose value the engine cannot compute (a result beyond 2^53−1, an overflow): this decision
        # is not analysed, the others are; validate bounds parameter values, but a formula may still multiply
        result = DecisionAnalysis(decision.name, decision.label, finite=False, notes=list(dom.notes),
                                  since=params.day, lapsed=result.lapsed,
                                  reason=f"有输入组合的计算结果超出规则引擎能计算的范围，未能穷举（{_why(e)}）")
    result.seconds = time.monotonic() - started
    return result


def _lapses(policy: Policy, compiled: CompiledPolicy, decisions: list[Decision]) -> list[dict]:
    """The parameters these decisions read that have lapsed in this period, with the last day each applied."""
    found = {}
    for a in _attempts(compiled, decisions):
        for node in [p.node for p in a.parts] + [a.value]:
            for source in _lapsed_sources(node):
                found[source.name] = source.lapsed
    return [{"parameter": name, "label": policy.parameters[name].label, "until": day}
            for name, day in sorted(found.items(), key=lambda item: (item[1], item[0]))]


def _lapse_text(result: "DecisionAnalysis") -> str:
    """«2024年7月1日起（减免部分的上限已于2024年6月30日失效）»: the period a finding belongs to, when a parameter
    the decision reads has lapsed in it; empty otherwise."""
    if not result.lapsed or result.since is None:
        return ""
    lapsed = "、".join(f"{entry['label']}已于{cn_date(entry['until'])}失效" for entry in result.lapsed)
    return f"{cn_date(result.since)}起（{lapsed}），"


def _why(error: Exception) -> str:
    if isinstance(error, RecordError):
        return re.sub(r"^a\d+ 的", "", str(error)).removesuffix("，该记录未能判定")   # aN: analyze's own input, no record
    return {OverflowError: "数值溢出", ZeroDivisionError: "除以零"}.get(type(error), "算术错误")


def _findings(policy, decision, compiled, params, dom, rows, facts, firings, determinations, result) -> None:
    index = Firings.index(firings)
    by_subject = defaultdict(dict)
    for d in determinations:
        by_subject[d.subject][d.decision] = d.value
    judged = {f.fid for f in index.judged(decision, facts)}
    groups: dict[tuple, Finding] = {}
    won_ever: set[str] = set()
    pairs_needed: set[tuple[str, str]] = set()
    for fact, row in zip(facts, rows):
        if fact.fid not in judged:
            continue
        reads = {d: v for d, v in by_subject[fact.subject].items() if d != decision.name}
        pairs = held_rules(decision, compiled, fact, reads, params)
        held = [r for r, _ in pairs]
        hits = index.concluded.get(decision.name, {}).get(fact.fid, [])
        won = tuple(dict.fromkeys(f.rule.id for f in hits))
        values = tuple({repr(v): v for v in (expr.plain(f.value) for f in hits)}.values())
        held_ids = {r.id for r in held}
        for rule_id in won:
            if rule_id not in held_ids:
                result.inconsistent.append(f"{rule_id} 生效但其自身条件不成立：{_example(policy, decision, row)}")
        won_ever.update(won)
        for r in held:
            for o in explicit_overriders(decision, r):
                if o.id in held_ids:
                    pairs_needed.add((o.id, r.id))
        concluding = tuple(r.id for r in held if r.concludes)
        # a blocking rule matters only where a rule it blocks holds too
        blocking = tuple(r.id for r in held if not r.concludes and set(r.blocks) & held_ids)
        key = (concluding + blocking, won, tuple(map(repr, values)))
        groups.setdefault(key, Finding(concluding + blocking, won, values, {r.id: v for r, v in pairs})).assignments.append(row)
    judged_rows = [row for fact, row in zip(facts, rows) if fact.fid in judged]
    lapse = _lapse_text(result)
    for finding in groups.values():
        region = _region(policy, dom, finding.assignments, judged_rows)
        examples = [_example(policy, decision, a) for a in finding.assignments[:SHOWN_EXAMPLES]]
        base = {"rules": list(finding.held), "count": len(finding.assignments), "inputs": region["json"],
                "range": region["text"], "example": _plain_row(finding.assignments[0]), "examples": examples}
        if not finding.won:
            result.gaps.append(dict(base, summary=f"{lapse}{region['text'] or '所有输入'}：没有规则适用"))
        elif len(finding.values) > 1:
            rules = _titles(policy, finding.won, "；")
            result.conflicts.append(dict(base, won=list(finding.won), values=list(finding.values),
                                         summary=f"{lapse}{region['text'] or '所有输入'}：{rules} 同时成立且结论不同，无优先顺序"))
        elif len([r for r in finding.held if policy.rules[r].concludes]) > 1 or len(finding.held) > len(finding.won):
            result.overlaps.append(dict(base, won=list(finding.won), value=finding.values[0],
                                        precedence=_precedence(policy, decision, finding),
                                        summary=_overlap_text(policy, decision, finding, region["text"])))
    result.overlap_summary = _by_values(policy, dom, list(groups.values()), judged_rows)
    result.masked = [r.id for r in decision.rules if r.concludes and r.id not in won_ever]
    for r in decision.rules:
        for o in explicit_overriders(decision, r):
            if (o.id, r.id) not in pairs_needed:
                how = "阻止" if r.id in o.blocks else "优先于"
                result.unneeded_exceptions.append({"rule": o.id, "over": r.id, "how": "blocks" if r.id in o.blocks else "overrides",
                                                   "summary": f"“{o.title}”{how}“{r.title}”：在所有输入中二者从未同时成立"})


def _by_values(policy: Policy, dom: Domain, findings: list[Finding], everything: list[dict]) -> list[dict]:
    """Overlaps by the values involved: «A 优先于 B» once, with the inputs where it happens."""
    pairs: dict[tuple, dict] = {}
    for f in findings:
        if not f.won or len(f.values) != 1:
            continue
        losers = [policy.rules[r] for r in f.held if r not in f.won]
        blocked = {b for r in losers if not r.concludes for b in r.blocks}
        for rule in losers:
            if not rule.concludes:
                continue
            how = "blocked" if rule.id in blocked else "precedence"
            key = (repr(f.values[0]), repr(f.gives.get(rule.id)), how)
            entry = pairs.setdefault(key, {"value": f.values[0], "over": f.gives.get(rule.id), "how": how,
                                           "won": [], "gave_way": [], "rows": []})
            entry["won"] += [r for r in f.won if r not in entry["won"]]
            entry["gave_way"] += [rule.id] if rule.id not in entry["gave_way"] else []
            entry["rows"] += f.assignments
        if len(f.won) > 1:
            key = (repr(f.values[0]), repr(f.values[0]), "same")
            entry = pairs.setdefault(key, {"value": f.values[0], "over": f.values[0], "how": "same",
                                           "won": [], "gave_way": [], "rows": []})
            entry["won"] += [r for r in f.won if r not in entry["won"]]
            entry["rows"] += f.assignments
    out = []
    for entry in pairs.values():
        rows = list({repr(sorted(r.items(), key=str)): r for r in entry.pop("rows")}.values())
        region = _region(policy, dom, rows, everything)["text"] or "所有输入"
        what = {"precedence": f"{_word(entry['value'])} 优先于 {_word(entry['over'])}",
                "blocked": f"{_word(entry['value'])}（{_word(entry['over'])}被阻止）",
                "same": f"{_word(entry['value'])}：{len(entry['won'])} 条规则同时成立，结论相同"}[entry["how"]]
        out.append(dict(entry, count=len(rows), summary=f"{region}：{what}（{_titles(policy, entry['won'] + entry['gave_way'])}）"))
    return sorted(out, key=lambda e: -e["count"])


def _precedence(policy: Policy, decision: Decision, finding: Finding) -> list[dict]:
    """Why each rule that held but did not win gave way: an exception, a blocking rule, or the priority order."""
    out = []
    held = set(finding.held)
    for rule_id in finding.held:
        if rule_id in finding.won or not policy.rules[rule_id].concludes:
            continue
        rule = policy.rules[rule_id]
        for part in effective_parts(decision, rule):
            if part.role in ("exception", "priority"):
                by = [r for r in part.rules if r in held]
                if by:
                    kind = "blocks" if any(rule_id in policy.rules[b].blocks for b in by) else \
                        "overrides" if part.role == "exception" else "priority"
                    out.append({"rule": rule_id, "gave_way_to": by, "by": kind})
                    break
        else:
            out.append({"rule": rule_id, "gave_way_to": list(finding.won), "by": "otherwise"})
    return out


def _value_text(finding: Finding, rule: Rule) -> str:
    value = finding.gives.get(rule.id)
    if rule.compute is not None and len({repr(v) for v in finding.gives.values()}) > 0:
        return _word(value)
    return _word(rule.then if rule.has_then else value)


def _titles(policy: Policy, rule_ids, joiner: str = "、") -> str:
    """Rules as an officer reads them: their titles, quoted (the JSON keeps their ids beside the sentence)."""
    return joiner.join(f"“{policy.rules[r].title}”" if r in policy.rules else r for r in rule_ids)


def _overlap_text(policy: Policy, decision: Decision, finding: Finding, region: str) -> str:
    """`<inputs as ranges>：<value>（<rule>） 优先于 <value>（<rule>）`, blocks named after."""
    winners = "、".join(f"{_value_text(finding, policy.rules[r])}（{_titles(policy, [r])}）" for r in finding.won)
    losers = [policy.rules[r] for r in finding.held if r not in finding.won]
    blocked = {b for r in losers if not r.concludes for b in r.blocks}
    gave_way = [f"{_value_text(finding, r)}（“{r.title}”）" for r in losers if r.concludes and r.id not in blocked]
    blocks = [f"“{r.title}”阻止{_titles(policy, r.blocks)}" for r in losers if not r.concludes]
    text = f"{region or '所有输入'}：{winners}" + ("（同时成立，结论相同）" if len(finding.won) > 1 else "")
    if gave_way:
        text += f" 优先于 {'、'.join(gave_way)}"
    if blocks:
        text += "；" + "；".join(blocks)
    return text


def _label(policy: Policy, kind: str, name: str) -> str:
    k = policy.kinds[kind]
    return k.field_label(name) or k.label_of(name) or name


def _plain_row(row: dict) -> dict:
    return {k: _shown(v) for k, v in row.items()}


def _example(policy: Policy, decision: Decision, row: dict) -> str:
    return "，".join(f"{_label(policy, decision.of, n)}={_word(v)}" for n, v in row.items())


def _word(value) -> str:
    if value is None:
        return "空"
    if value is True:
        return "是"
    if value is False:
        return "否"
    if isinstance(value, dt.date):
        return cn_date(value)       # as sentences say it; the JSON keeps YYYY-MM-DD
    return str(_shown(value))


def _region(policy: Policy, dom: Domain, rows: list[dict], everything: list[dict]) -> dict:
    """The inputs of a group as readable ranges; an input that takes every value it takes anywhere is left out."""
    texts, data = [], {}
    for name in rows[0]:
        relation = next((r for r in dom.relations if r.probe == name), None)
        if relation is not None:
            order = ["空", "<", "=", ">"]
            signs = sorted({_sign(row, relation) for row in rows}, key=order.index)
            if set(signs) == {_sign(row, relation) for row in everything}:
                continue
            data[name] = signs
            other = (_label(policy, dom.kind, relation.base) if relation.expression == expr.Name(relation.base)
                     else expr.render(relation.expression))
            shown = {("<", "="): "≤", ("=", ">"): "≥", ("<", ">"): "≠"}.get(tuple(x for x in signs if x != "空"),
                                                                          "".join(x for x in signs if x != "空"))
            texts.append(f"{_label(policy, dom.kind, name)}" + (f"{shown}{other}" if shown else "为空")
                         + ("（或为空）" if "空" in signs and shown else ""))
            continue
        seen = list(dict.fromkeys(row[name] for row in rows))
        possible = list(dict.fromkeys(row[name] for row in everything))
        if len(seen) >= len(possible):
            continue
        data[name] = [_shown(v) for v in seen]
        texts.append(f"{_label(policy, dom.kind, name)}{_range(seen, possible)}")
    return {"text": "，".join(texts), "json": data}


def _sign(row: dict, relation: Relation) -> str:
    value = row.get(relation.probe)
    other = expr.evaluate(relation.expression, lambda n: _date(row.get(n)), lambda n: None)
    difference = None if value is None else expr.arith("-", _date(value), other)
    return "空" if difference is None else "<" if difference < 0 else "=" if difference == 0 else ">"


def _is_number(v) -> bool:
    return isinstance(v, (int, Fraction)) and not isinstance(v, bool)


def _range(seen: list, possible: list) -> str:
    """`=2`, `≥4`, `≤1`, `2–5` (or 为空), else the values listed: the shortest true description."""
    numbers = [v for v in possible if _is_number(v)]
    present = [v for v in seen if v is not None]
    if present and all(_is_number(v) for v in present) and len(numbers) + (None in possible) == len(possible):
        low, high = min(present), max(present)
        if sorted(v for v in numbers if low <= v <= high) == sorted(present):
            text = f"={low}" if low == high else f"≥{low}" if high == max(numbers) else \
                f"≤{high}" if low == min(numbers) else f"{low}–{high}"
            return text + ("（或为空）" if None in seen else "")
    return "：" + "、".join(_word(v) for v in seen)
