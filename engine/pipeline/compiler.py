"""Compile the policy's rules into a durable_rules ruleset (its JSON form).

For one period of parameter values (the rules are compiled per date on which
parameters change, so every threshold is a constant in the rete network):

1. Exceptions become conditions. A rule fires only where no rule that
   overrides it (explicit `overrides`, `blocks`, or an earlier value under
   `hit: priority`) applies — Catala's exceptions and DMN's PRIORITY hit
   policy, resolved at compile time so the network stays monotonic and no
   rule needs durable_rules' `none()`, whose activations are not cancelled
   within a batch (docs/durable_rules.md §3).
2. Table lookups keyed by a fact (`param.window_quota[level]`) become one
   variant per key, each with `level == key`; the explanation names the key.
3. Parameters are inlined (each constant keeps which parameter it stands for: `Inlined`; a lapsed
   parameter is a constant null, and any comparison with it is unknown); the condition is put in negation normal form
   (three-valued: see `nnf`) and simplified with what sibling literals
   already assert. Only a disjunction that involves another decision's
   conclusion splits into several durable_rules rules; the rest stays one
   alpha test (`$and`/`$or`) on the subject's fact. A decision read by the
   rule (`certificate_status`) is a join on that decision's conclusion for
   the same subject.
4. Comparisons of two facts or of arithmetic (`clerks >= windows * 1`)
   cannot be alpha tests: durable_rules mis-compares two attributes of one
   fact (checked: `clerks >= windows` matched 4 ≥ 5). Such a comparison is
   lifted: the runtime stores `left − right` on the fact (exact fractions,
   days for dates) and the rule tests its sign. A fact's date ordered against
   a date parameter (`as_of <= param.deadline`) is lifted too: days, not text.

Every rule tests the fact kind `t`, never `id`/`sid`, and writes nothing to
the session state, so nothing can match the state fact (the loop of docs/durable_rules.md §2).
"""
from __future__ import annotations

import dataclasses
import datetime as dt
import functools

import itertools
import threading
from collections import OrderedDict
from dataclasses import dataclass, field
from fractions import Fraction
from typing import Any

from ..formula import expr
from ..formula.expr import And, Arith, Compare, ListLit, Lit, Name, Not, Or, Param
from ..policy.model import Decision, Policy, Rule
from ..policy.params import ParamView
from .classes import Seen, seen_by_network

__all__ = ["substitute", "CompileError", "Inlined", "Variant", "Attempt", "Lifted", "CompiledPolicy", "explicit_overriders", "Part",
           "effective_parts", "effective_condition", "overriders", "inline", "lookup_bindings", "value_reads",
           "attempts_for", "nnf", "alternatives", "simplify_tree", "simplify", "compile_policy", "compile_period"]


class CompileError(Exception):
    pass


@dataclass(frozen=True)
class Inlined:
    """What a constant put in for `param.x` stands for (`Lit.source`): the parameter, and the last day it applied
    when it has lapsed (then the constant is null)."""
    name: str
    lapsed: dt.date | None = None


@dataclass(frozen=True)
class Variant:
    """One durable_rules rule: a rule of the policy, for one lookup key and one conjunction.

    `role` says what its firing records: `conclude` (a value of the decision,
    asserted as a conclusion), `block` (a `blocks:` rule took effect: nothing
    is asserted, but the firing is the record the explanation cites), or
    `scope` (the fact is inside `applies_when` of the decisions in
    `scope_of`: which facts must get a value is decided by the network too).
    """
    name: str
    rule: Rule | None
    decision: Decision | None
    bindings: tuple[tuple[str, Any], ...]          # lookup keys chosen: (("level", "镇"),)
    conjunction: tuple                             # the literals (param-inlined AST)
    value: Any                                     # AST of the conclusion (Lit for `then`)
    joins: tuple[tuple[str, str], ...]             # (alias, decision) read by this variant
    role: str = "conclude"
    scope_of: tuple[str, ...] = ()


@dataclass(frozen=True)
class Attempt:
    """A rule for one choice of lookup keys, as compiled: its labelled parts and its value (params inlined).

    The network's condition for this rule is exactly the conjunction of
    `parts`; `why not` evaluates the same parts one by one.
    """
    rule: Rule
    decision: Decision
    bindings: tuple[tuple[str, Any], ...]
    parts: tuple[Part, ...]
    value: Any


@dataclass(frozen=True)
class Lifted:
    name: str
    kind: str
    expression: Any        # left - right, params inlined


@dataclass
class CompiledPolicy:
    name: str
    definition: dict
    variants: dict[str, Variant]
    lifted: dict[str, list[Lifted]]
    projection: dict[str, set[str]]         # attributes each kind must carry into the engine
    unreachable: list[str] = field(default_factory=list)
    assumes_decided: list[tuple[str, str]] = field(default_factory=list)   # (rule, decision it reads)
    attempts: dict[str, list[Attempt]] = field(default_factory=dict)      # rule id → its compiled attempts
    # signature → the firings of its class as durable_rules decided them (runtime.run), kept for the process
    classes: dict = field(default_factory=dict, repr=False, compare=False)
    # what the explanations derive from this ruleset alone (a rule's shape as explain/brief.py reads it)
    shapes: dict = field(default_factory=dict, repr=False, compare=False)

    @functools.cached_property
    def joined(self) -> frozenset[str]:
        """The decisions some rule joins on: only their conclusions need to enter the network."""
        return frozenset(decision for v in self.variants.values() for _, decision in v.joins)

    @functools.cached_property
    def seen(self) -> dict[str, Seen]:
        """Per fact kind, what the network tests of it and what its joined computed conclusions read."""
        return seen_by_network(self.definition, self.variants, self.joined)


# --- conditions: overrides, lookups, inlining, DNF ---------------------------

def explicit_overriders(decision: Decision, rule: Rule) -> list[Rule]:
    """Rules that name this one in `overrides` or `blocks` (Catala-style exceptions)."""
    return [o for o in decision.rules if o.id != rule.id and (rule.id in o.overrides or rule.id in o.blocks)]


def _rank(decision: Decision, rule: Rule) -> int | None:
    if decision.hit != "priority" or not rule.concludes or not rule.has_then or rule.then not in (decision.values or ()):
        return None
    return decision.values.index(rule.then)


def _excepted(decision: Decision, rule: Rule, seen: tuple):
    """The rule's own condition minus its explicit exceptions (no priority context)."""
    if rule.id in seen:
        raise CompileError("规则互相 overrides，成了循环：" + " → ".join(seen + (rule.id,)))
    if rule.otherwise:
        others = [_excepted(decision, r, seen + (rule.id,)) for r in decision.rules
                  if r.concludes and r.id != rule.id and not r.otherwise]
        base = expr.IsNotTrue(Or(tuple(others))) if others else Lit(True)
    else:
        base = rule.when
    parts = [base] + [expr.IsNotTrue(_excepted(decision, o, seen + (rule.id,))) for o in explicit_overriders(decision, rule)]
    return And(tuple(parts)) if len(parts) > 1 else base


@dataclass(frozen=True)
class Part:
    """One conjunct of a rule's effective condition, labelled with why it is there.

    role: `when` (the rule's own condition), `otherwise` (no other rule of the
    decision applies; `rules` names them), `scope` (the decision's
    `applies_when`), `lookup` (the table key this variant stands for),
    `exception` (an overriding or blocking rule does not take effect; `rules`
    names it) or `priority` (no rule of an earlier value applies; `rules`
    names them, `value` is that value). `items` are the sub-conditions a
    reader checks one by one: the named rules' own conditions, in order.
    """
    role: str
    node: Any
    rules: tuple[str, ...] = ()
    value: Any = None
    items: tuple = ()

    @property
    def own(self) -> bool:
        """Part of what the rule itself asks (as opposed to what gives way to other rules)."""
        return self.role in ("when", "otherwise", "scope", "lookup", "reads")


def effective_parts(decision: Decision, rule: Rule) -> list[Part]:
    """Where the rule takes effect, as labelled conjuncts: the one reading of precedence.

    Under `hit: priority` a rule of the k-th value needs that no rule of an
    earlier value takes effect; given the earlier values' own contexts this is
    just "no earlier-valued rule's (excepted) condition holds", which keeps the
    compiled condition linear in the number of rules. An exception removes a
    rule only where it takes effect itself: `annual.not_full_year` blocks 优秀,
    so 优秀 then no longer stands in the way of 称职. The compiler builds the
    network from these parts and the explanation reads the same parts, so the
    two cannot drift apart.
    """
    if rule.otherwise:
        others = [r for r in decision.rules if r.concludes and r.id != rule.id and not r.otherwise]
        items = tuple(_excepted(decision, r, (rule.id,)) for r in others)
        parts = [Part("otherwise", expr.IsNotTrue(Or(items)) if items else Lit(True), tuple(r.id for r in others),
                      items=items)]
    else:
        parts = [Part("when", rule.when)]
    for o in explicit_overriders(decision, rule):
        item = _excepted(decision, o, (rule.id,))
        parts.append(Part("exception", expr.IsNotTrue(item), (o.id,), items=(item,)))
    if decision.applies_when is not None:
        parts.append(Part("scope", decision.applies_when))
    rank = _rank(decision, rule)
    if rank is not None:
        for value in decision.values[:rank]:
            group = [r for r in decision.rules if _rank(decision, r) == decision.values.index(value)]
            if group:
                items = tuple(_excepted(decision, r, ()) for r in group)
                parts.append(Part("priority", expr.IsNotTrue(Or(items) if len(items) > 1 else items[0]),
                                  tuple(r.id for r in group), value, items))
    return parts


def effective_condition(decision: Decision, rule: Rule):
    """The conjunction of `effective_parts`: what the network tests for this rule."""
    parts = [p.node for p in effective_parts(decision, rule)]
    return And(tuple(parts)) if len(parts) > 1 else parts[0]


def overriders(decision: Decision, rule: Rule) -> list[str]:
    """Ids of every rule that can stand in this rule's way (exceptions, earlier values), as compiled."""
    return [r for p in effective_parts(decision, rule) if not p.own for r in p.rules]


def _lookups(node) -> list[Param]:
    seen = []
    for n in expr.walk(node):
        if isinstance(n, Param) and n.key is not None and not isinstance(n.key, Lit) and n not in seen:
            seen.append(n)
    return seen


def substitute(node, mapping: dict):
    if node in mapping:
        return mapping[node]
    if isinstance(node, And):
        return And(tuple(substitute(i, mapping) for i in node.items))
    if isinstance(node, Or):
        return Or(tuple(substitute(i, mapping) for i in node.items))
    if isinstance(node, Not):
        return Not(substitute(node.item, mapping))
    if isinstance(node, expr.IsNotTrue):
        return expr.IsNotTrue(substitute(node.item, mapping))
    if isinstance(node, Compare):
        return Compare(node.op, substitute(node.left, mapping), substitute(node.right, mapping))
    if isinstance(node, Arith):
        return Arith(node.op, substitute(node.left, mapping), substitute(node.right, mapping))
    if isinstance(node, ListLit):
        return ListLit(tuple(substitute(i, mapping) for i in node.items))
    if isinstance(node, Param) and node.key is not None:
        return Param(node.name, substitute(node.key, mapping))
    return node


def _constant(value, source: Inlined | None = None) -> Any:
    """A parameter value as an AST constant: lists stay lists, a table used with `in` means its keys."""
    if isinstance(value, dict):
        return ListLit(tuple(Lit(k) for k in value), source)
    if isinstance(value, list):
        return ListLit(tuple(Lit(_num(v)) for v in value), source)
    return Lit(_num(value), source)


def _num(v):
    return Fraction(str(v)) if isinstance(v, float) else v


def inline(node, params: ParamView):
    """Replace every parameter by its value on the day (keys already constant)."""
    mapping = {}
    for n in expr.walk(node):
        if isinstance(n, Param):
            read = params.lookup(n.name)
            source = Inlined(read.parameter.name, read.lapsed)
            if read.lapsed is not None:     # null, whatever entry of it is asked for
                mapping[n] = Lit(None, source)
                continue
            key = None
            if n.key is not None:
                if not isinstance(n.key, Lit):
                    raise CompileError(f"查表的键 {expr.render(n.key)} 不是常量")
                key = n.key.value
            value = read.value
            if key is not None:
                value = value.get(key) if isinstance(value, dict) else None
            mapping[n] = _constant(value, source)
    return substitute(node, mapping)


def lookup_bindings(nodes, params: ParamView) -> list[tuple[tuple, dict, tuple]]:
    """[(bindings, substitution, guards)] — one entry per combination of the lookup keys the nodes use."""
    lookups: list[Param] = []
    for node in nodes:
        lookups += [p for p in _lookups(node) if p not in lookups]
    keysets = []
    for p in list(lookups):
        read = params.lookup(p.name)
        if read.lapsed is not None:         # a lapsed table reads as null for every key (`inline`)
            lookups.remove(p)
            continue
        table = read.value
        if not isinstance(table, dict):
            raise CompileError(f"param.{p.name} 不是表，不能用 [ ] 取值")
        keysets.append([(p, k) for k in table])
    out = []
    for combo in itertools.product(*keysets) if keysets else [()]:
        mapping = {p: Param(p.name, Lit(k)) for p, k in combo}
        guards = tuple(Compare("==", p.key, Lit(k)) for p, k in combo)
        bindings = tuple((expr.render(p.key), k) for p, k in combo)
        out.append((bindings, mapping, guards))
    return out


def value_reads(policy: Policy, decision: Decision, value) -> list[str]:
    """Decisions a computed value reads (`skill_allowance + …`): the rule waits for their conclusions."""
    kind = policy.kinds[decision.of]
    return [n for n in expr.names(value) if n in policy.decisions and kind.label_of(n) is None]


def attempts_for(policy: Policy, decision: Decision, rule: Rule, params: ParamView) -> list[Attempt]:
    """The rule's effective parts for every lookup binding, keys bound and parameters inlined.

    A value that reads other decisions adds a `reads` part per decision: the
    network joins on that decision's conclusion, so the rule waits for it.
    """
    parts = effective_parts(decision, rule)
    value = rule.compute if rule.compute is not None else Lit(rule.then if rule.concludes else None)
    parts += [Part("reads", Compare("!=", Name(n), Lit(None)), (n,)) for n in value_reads(policy, decision, value)]
    out = []
    for bindings, mapping, guards in lookup_bindings([p.node for p in parts] + [value], params):
        def bind(node):
            return inline(substitute(node, mapping), params)
        bound = [Part(p.role, bind(p.node), p.rules, p.value, tuple(bind(i) for i in p.items)) for p in parts]
        bound += [Part("lookup", g) for g in guards]
        out.append(Attempt(rule, decision, bindings, tuple(bound), bind(value)))
    return out


def _nulls(literal: Compare) -> tuple:
    return tuple(Compare("==", Name(n), Lit(None)) for n in expr.names(literal))


def nnf(node, mode: str = "true"):
    """Negation normal form for one of four questions: is the condition true / false / not true / not false.

    Kleene logic made explicit: `not x` is true only where x is false; an
    exception (IsNotTrue) holds where its condition is false *or unknown*, so
    "not true" of a comparison is "its negation, or one of its facts missing".
    """
    if isinstance(node, Name):
        node = Compare("==", node, Lit(True))
    if isinstance(node, Lit):
        t = expr.truth(node.value) if not isinstance(node.value, bool) else node.value
        return Lit({"true": t is True, "false": t is False, "not_true": t is not True, "not_false": t is not False}[mode])
    if isinstance(node, Compare):
        if _never_known(node):   # compared with a constant null (a lapsed parameter): unknown on every fact
            return Lit(mode in ("not_true", "not_false"))
        negated = Compare(expr.NEGATED_OP[node.op], node.left, node.right)
        if expr.is_null_test(node):  # two-valued
            return node if mode in ("true", "not_false") else negated
        if mode == "true":
            return node
        if mode == "false":
            return negated
        return Or((negated if mode == "not_true" else node,) + _nulls(node))
    if isinstance(node, (And, Or)):
        conjunctive = isinstance(node, And) == (mode in ("true", "not_false"))
        items = tuple(nnf(i, mode) for i in node.items)
        return And(items) if conjunctive else Or(items)
    if isinstance(node, Not):
        return nnf(node.item, {"true": "false", "false": "true", "not_true": "not_false", "not_false": "not_true"}[mode])
    if isinstance(node, expr.IsNotTrue):
        return nnf(node.item, {"true": "not_true", "false": "true", "not_true": "true", "not_false": "not_true"}[mode])
    raise CompileError(f"“{expr.render(node)}”不是条件（应得出 true 或 false）")


def _null_constant(node) -> bool:
    if isinstance(node, Lit):
        return node.value is None
    return isinstance(node, Arith) and (_null_constant(node.left) or _null_constant(node.right))


def _never_known(node: Compare) -> bool:
    """A comparison (not a presence test) with a side that is null whatever the facts: unknown, as `expr.compare`."""
    return not expr.is_null_test(node) and (_null_constant(node.left) or _null_constant(node.right))


def _is_literal(node) -> bool:
    return isinstance(node, Compare)


def _reads_decision(node, decisions, kind) -> bool:
    return any(isinstance(n, Name) and n.name in decisions and kind.label_of(n.name) is None for n in expr.walk(node))


def alternatives(node, reads_decision) -> list[tuple[tuple, tuple]]:
    """Split an NNF condition into (tests on the fact, literals on decisions read) alternatives.

    Only a disjunction that involves a decision must become separate rules (a
    join cannot sit inside an `$or`); every other `or` stays inside one alpha
    test, so `not overridden by ten rules` is one rule, not 2¹⁰.
    """
    if isinstance(node, Lit):
        return [((), ())] if node.value is True else []
    if _is_literal(node):
        return [((), (node,))] if reads_decision(node) else [((node,), ())]
    if isinstance(node, Or):
        if not reads_decision(node):
            return [((node,), ())]
        return [alt for item in node.items for alt in alternatives(item, reads_decision)]
    if isinstance(node, And):
        out = [((), ())]
        for item in node.items:
            out = [(a[0] + b[0], a[1] + b[1]) for a in out for b in alternatives(item, reads_decision)]
        return out
    raise CompileError(f"“{expr.render(node)}”不是条件（应得出 true 或 false）")


def _known_value(literal: Compare, known: frozenset):
    """True/False if the literals assumed true already settle this one, else None."""
    if literal in known:
        return True
    if Compare(expr.NEGATED_OP[literal.op], literal.left, literal.right) in known:
        return False
    if not (isinstance(literal.left, Name) and isinstance(literal.right, (Lit, ListLit))):
        return None
    name = literal.left.name
    if expr.is_null_test(literal):
        # any other true literal about the name implies it is present
        if any(isinstance(k.left, Name) and k.left.name == name and not (k.op == "==" and k.right == Lit(None)) for k in known):
            return literal.op == "!="
        return None
    for k in known:
        if isinstance(k.left, Name) and k.left.name == name and k.op == "==" and isinstance(k.right, Lit) and k.right.value is not None:
            right = literal.right.value if isinstance(literal.right, Lit) else [i.value for i in literal.right.items]
            value = expr.compare(literal.op, k.right.value, right)
            return value if value in (True, False) else None
    return None


def simplify_tree(node, known: frozenset = frozenset()):
    """Fold constants, use what sibling literals already assert, flatten; Lit(False) when it cannot hold.

    `known` are literals assumed true (from enclosing conjunctions): inside
    `political == true and …`, the exception test `political != false` is
    already true and disappears. This keeps compiled conditions within
    durable_rules' 32 expressions per test.
    """
    if isinstance(node, Compare):
        folded = _fold(node)
        if folded is not node:
            return Lit(folded is True)
        settled = _known_value(node, known)
        return node if settled is None else Lit(settled)
    if isinstance(node, (And, Or)):
        is_and = isinstance(node, And)
        literals = [i for i in node.items if _is_literal(i)]
        rest = [i for i in node.items if not _is_literal(i)]
        items = []
        inner_known = known
        for item in [simplify_tree(i, known) for i in literals]:
            items.append(item)
            if is_and and _is_literal(item):
                inner_known = inner_known | {item}
        items += [simplify_tree(i, inner_known) for i in rest]
        flat = []
        for item in items:
            if isinstance(item, Lit):
                if item.value is (not is_and):
                    return Lit(not is_and)
                continue
            flat.extend(item.items if isinstance(item, type(node)) else (item,))
        if is_and and simplify(tuple(i for i in flat if _is_literal(i))) is None:
            return Lit(False)
        unique = tuple(dict.fromkeys(flat))
        if not unique:
            return Lit(is_and)
        return unique[0] if len(unique) == 1 else type(node)(unique)
    return node


def _fold(literal):
    """Constant comparisons → True/False; anything else unchanged."""
    if isinstance(literal, Compare) and isinstance(literal.left, (Lit, ListLit)) and isinstance(literal.right, (Lit, ListLit)):
        if expr.is_null_test(literal):
            side = literal.left if literal.right == Lit(None) else literal.right
            present = not (isinstance(side, Lit) and side.value is None)   # a list parameter is present
            return present if literal.op == "!=" else not present
        left = literal.left.value if isinstance(literal.left, Lit) else [i.value for i in literal.left.items]
        right = literal.right.value if isinstance(literal.right, Lit) else [i.value for i in literal.right.items]
        return expr.compare(literal.op, left, right)
    return literal


def simplify(conjunction: tuple) -> tuple | None:
    """None when the literals can never hold together (x == a and x == b, x == null and x > 3)."""
    equal, unequal, null, present = {}, {}, set(), set()
    for literal in conjunction:
        if isinstance(literal, Compare) and isinstance(literal.left, Name) and isinstance(literal.right, Lit):
            name, value = literal.left.name, literal.right.value
            if value is None:
                (null if literal.op == "==" else present).add(name)
                continue
            present.add(name)
            if literal.op == "==":
                if name in equal and equal[name] != value or value in unequal.get(name, ()):
                    return None
                equal[name] = value
            elif literal.op == "!=":
                if equal.get(name) == value:
                    return None
                unequal.setdefault(name, set()).add(value)
        elif isinstance(literal, Compare):
            present.update(expr.names(literal))
    if null & present:
        return None
    return conjunction


# --- durable_rules JSON ------------------------------------------------------

_OPS = {"<": "$lt", "<=": "$lte", ">": "$gt", ">=": "$gte", "!=": "$neq"}


def _value(v):
    if isinstance(v, Fraction):
        return v.numerator if v.denominator == 1 else float(v)
    if hasattr(v, "isoformat"):
        return v.isoformat()
    return v


def _test(attribute: str, op: str, right) -> dict:
    """One literal as a durable_rules expression on one fact."""
    if isinstance(right, ListLit):
        values = [_value(i.value) for i in right.items]
        if op == "in":
            return {"$or": [{attribute: v} for v in values]} if values else {"$nex": {"t": 1}}
        return {"$and": [{"$neq": {attribute: v}} for v in values]} if values else {"$ex": {attribute: 1}}
    value = _value(right.value)
    if value is None:
        return {"$nex" if op == "==" else "$ex": {attribute: 1}}
    if op == "==":
        return {attribute: value}
    return {_OPS[op]: {attribute: value}}


def _oriented(literal: Compare) -> Compare:
    """Name on the left, constant on the right, when possible."""
    if isinstance(literal.left, (Lit, ListLit)) and isinstance(literal.right, Name) and literal.op in expr.FLIPPED_OP:
        return Compare(expr.FLIPPED_OP[literal.op], literal.right, literal.left)
    return literal


class _Builder:
    """Accumulates the ruleset: durable JSON, variants, lifted differences, projections."""

    def __init__(self, policy: Policy, params: ParamView):
        self.policy, self.params = policy, params
        self.definition: dict[str, dict] = {}
        self.variants: dict[str, Variant] = {}
        self.lifted: dict[str, list[Lifted]] = {k: [] for k in policy.kinds}
        self.lifted_names: dict[tuple[str, Any], str] = {}
        self.projection: dict[str, set[str]] = {k: {"t", "subject", "fid"} for k in policy.kinds}
        self.assumes_decided: list[tuple[str, str]] = []
        self.attempts: dict[str, list[Attempt]] = {}

    def alpha(self, kind: str, node) -> dict:
        """An NNF condition on the subject's fact as one durable_rules expression."""
        if isinstance(node, (And, Or)):
            return {"$and" if isinstance(node, And) else "$or": [self.alpha(kind, i) for i in node.items]}
        literal = _oriented(node)
        dated = isinstance(literal.right, Lit) and isinstance(literal.right.value, dt.date) and literal.op in _OPS \
            and literal.op != "!="
        if isinstance(literal.left, Name) and isinstance(literal.right, (Lit, ListLit)) and not dated:
            self.projection[kind].add(literal.left.name.split(".")[0])
            return _test(literal.left.name, literal.op, literal.right)
        if literal.op in ("in", "notin"):
            raise CompileError(f"“{expr.render(literal)}”右边应为列表")
        difference = Arith("-", literal.left, literal.right)
        key = (kind, difference)
        if key not in self.lifted_names:
            self.lifted_names[key] = f"_lift{len(self.lifted_names)}"
            self.lifted[kind].append(Lifted(self.lifted_names[key], kind, difference))
        self.projection[kind].add(self.lifted_names[key])
        return _test(self.lifted_names[key], literal.op, Lit(0))

    def add(self, decision: Decision, rule: Rule) -> int:
        """Compile one rule (concluding or blocking); returns how many durable_rules rules it became."""
        attempts = attempts_for(self.policy, decision, rule, self.params)
        self.attempts[rule.id] = attempts
        role = "conclude" if rule.concludes else "block"
        count = 0
        for attempt in attempts:
            condition = And(tuple(p.node for p in attempt.parts if p.role != "reads"))
            reads = tuple(r for p in attempt.parts if p.role == "reads" for r in p.rules)
            count = self._emit_condition(decision.of, rule.id, count, condition, attempt.value, rule=rule,
                                         decision=decision, bindings=attempt.bindings, role=role, waits_for=reads)
        return count

    def add_scopes(self) -> None:
        """One rule per distinct `applies_when` of a fact kind: its firings say which facts are in scope."""
        groups: dict[tuple[str, Any], list[str]] = {}
        for decision in self.policy.decisions.values():
            if decision.applies_when is not None:
                groups.setdefault((decision.of, decision.applies_when), []).append(decision.name)
        for i, ((kind, condition), names) in enumerate(groups.items()):
            for bindings, mapping, guards in lookup_bindings([condition], self.params):
                bound = inline(And((substitute(condition, mapping),) + guards) if guards else condition, self.params)
                self._emit_condition(kind, f"scope{i}", 0, bound, Lit(None), rule=None, decision=None,
                                     bindings=bindings, role="scope", scope_of=tuple(names))

    def _emit_condition(self, kind_name: str, prefix: str, count: int, condition, value, *, rule, decision,
                        bindings, role: str, scope_of: tuple = (), waits_for: tuple = ()) -> int:
        kind = self.policy.kinds[kind_name]
        decisions = self.policy.decisions
        normal = simplify_tree(nnf(condition))
        for fact_part, decision_part in alternatives(normal, lambda n: _reads_decision(n, decisions, kind)):
            fact_node = simplify_tree(And(fact_part)) if fact_part else Lit(True)
            if fact_node == Lit(False) or simplify(decision_part) is None:
                continue
            tests = [{"t": kind_name}] + ([] if fact_node == Lit(True) else [self.alpha(kind_name, fact_node)])
            reads: dict[str, list[dict]] = {}
            for literal in decision_part:
                literal = _oriented(literal)
                if not (isinstance(literal.left, Name) and isinstance(literal.right, (Lit, ListLit))):
                    raise CompileError(f"{prefix}：决定只能与常量比较：“{expr.render(literal)}”")
                if literal.op == "==" and literal.right == Lit(None):
                    # This alternative fires only where the decision has *no* conclusion. durable_rules
                    # cannot wait for an absence (none() misfires within a batch), and an undecided
                    # decision is already a gap error of the case; so it is left out, and validate
                    # warns that the rule assumes the decision is made.
                    self.assumes_decided.append((prefix, literal.left.name))
                    break
                reads.setdefault(literal.left.name, []).append(_test("value", literal.op, literal.right))
            else:
                for n in waits_for:
                    reads.setdefault(n, [])
                conditions = [{"f": {"$and": tests}}]
                joins = []
                for i, (read, read_tests) in enumerate(reads.items()):
                    alias = f"d{i}"
                    joins.append((alias, read))
                    conditions.append({alias: {"$and": [{"t": "conclusion"}, {"decision": read},
                                                        {"subject": {"f": "subject"}}] + read_tests}})
                name = f"{prefix}#{count}"
                self.definition[name] = {"all": conditions}
                self.variants[name] = Variant(name, rule, decision, bindings, (fact_node,) + tuple(decision_part),
                                              value, tuple(joins), role, scope_of)
                count += 1
        return count


def compile_policy(policy: Policy, params: ParamView, suffix: str = "") -> CompiledPolicy:
    builder = _Builder(policy, params)
    unreachable = []
    for decision in policy.decisions.values():
        for rule in decision.rules:
            if builder.add(decision, rule) == 0:
                unreachable.append(rule.id)
    builder.add_scopes()
    return CompiledPolicy(policy.ruleset_name + suffix, builder.definition, builder.variants, builder.lifted,
                          builder.projection, unreachable, sorted(set(builder.assumes_decided)), builder.attempts)


# The rulesets of the last few (policy, period) pairs compiled: a command compiles each period to check the policy
# (validate) and again to run it (Evaluator), and a process deciding many case files compiles them once.
_PERIODS: OrderedDict[tuple[str, dt.date], tuple[Policy, CompiledPolicy]] = OrderedDict()
_PERIODS_KEPT = 16
_periods_lock = threading.Lock()


def compile_period(policy: Policy, day: dt.date, suffix: str = "") -> CompiledPolicy:
    """compile_policy with the parameter values of `day`, reused when an equal policy was compiled for that day.

    Compiling reads nothing but the policy and the day, so an equal policy (every field equal, down to each rule's
    file and line: the same folder loaded again) compiles to an equal ruleset (the fields equality leaves out,
    `keys_at` and a parameter's `labels`, are not read here); a policy changed in memory or copied elsewhere is not
    equal and is compiled afresh. The ruleset is not changed once built; only its name (ruleset_name + `suffix`) is
    the caller's."""
    key = (policy.ruleset_name, day)
    with _periods_lock:
        kept = _PERIODS.get(key)
    if kept is not None and (kept[0] is policy or kept[0] == policy):
        compiled = kept[1]
    else:
        compiled = compile_policy(policy, ParamView(policy, day))
        with _periods_lock:
            _PERIODS[key] = (policy, compiled)
            _PERIODS.move_to_end(key)
            while len(_PERIODS) > _PERIODS_KEPT:
                _PERIODS.popitem(last=False)
    name = policy.ruleset_name + suffix
    return compiled if compiled.name == name else dataclasses.replace(compiled, name=name)
