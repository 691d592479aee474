"""Brief explanations: each determination names its rule, clause and the facts' values, and refers to a
table shared by the whole answer for everything that is the same for everyone.

A full explanation (engine/explain/why.py) repeats per person the
clause's words, each parameter's label, clause and date, each interpretation's
reading, and the whole tree of conclusions built on. Over a roster that is
almost all of the answer (10,000 people: hundreds of MB). Here a determination
carries only what is its own — the rule that gave the value, the condition as
a sentence with this subject's values, the values of the facts it read, which
parameter values and interpretations it used (by key), and the determinations
it built on (by subject and decision, each one listed in the same answer) — and
`References` gathers, once, the rules' titles, clauses and words, the
parameter values and the interpretations they refer to.

Read from the same firings as the full explanation: nothing is decided here.
What brief leaves out is the rules that gave way (`overrides`) and each
fact's derivation (`from`): ask `--explain full`, or `--why-not`, for those.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from ..formula import expr
from .pieces import Pieces
from .trace import Trace
from .why import OTHERWISE, own_condition, reads, scenarios
from ..pipeline.resolve import Determination
from ..pipeline.runtime import Firing

__all__ = ["References", "parameter_key", "Brief"]


@dataclass(frozen=True, eq=False)   # compared and hashed as itself: one per rule, kind and key in the memo
class _Shape:
    """What a rule's brief explanation reads on any fact of one kind."""
    names: tuple[str, ...]                   # the facts its condition, value and scope read (not decisions)
    params: tuple                            # the parameters they read, in order
    condition: Any                           # its own condition as compiled (None: `otherwise`)
    condition_names: tuple[str, ...]         # what the sentence shows the values of
    interpretations: tuple[str, ...] | None  # the rule's, decision's and facts' own; None where a lookup by a
                                             # value of the fact may change them


@dataclass
class References:
    """What determinations refer to, once per answer: rules, parameter values, interpretations."""
    rules: dict[str, dict] = field(default_factory=dict)
    parameters: dict[str, dict] = field(default_factory=dict)
    interpretations: dict[str, dict] = field(default_factory=dict)

    def merge(self, other: "References") -> None:
        self.rules.update(other.rules)
        self.parameters.update(other.parameters)
        self.interpretations.update(other.interpretations)

    def as_json(self) -> dict:
        return {"rules": dict(sorted(self.rules.items())), "parameters": dict(sorted(self.parameters.items())),
                "interpretations": dict(sorted(self.interpretations.items()))}


def parameter_key(name: str, since: str) -> str:
    """A parameter value's key in the table: its name (and lookup key) and the day it holds from."""
    return f"{name}@{since}"


class Brief:
    """Brief explanations of one case's determinations, adding what they refer to to `refs`."""

    def __init__(self, trace: Trace, refs: References):
        self.trace, self.pieces, self.refs = trace, Pieces(trace), refs
        self.policy = trace.policy
        self.shapes = trace.compiled.shapes
        self._registered: set = set()   # shapes whose parameters and interpretations `refs` holds already

    def determination(self, d: Determination) -> dict:
        decision = self.trace.decision(d.decision)
        if d.how == "rule" and d.firings and not (decision.scenarios and len(d.facts) > 1):
            out = self.firing(d.firings[0])
            also = sorted({f.rule.id for f in d.firings[1:] if f.rule.id != out["rule"]})
            if also:
                out["also"] = also
            return out
        if decision.scenarios and d.how in ("rule", "scenarios", "possible"):
            sc = decision.scenarios
            self._interpretations(sc.interpretations)
            return {"rule": f"{decision.name}.scenarios", "clause": sc.clause, "value": expr.plain(d.value),
                    "scenarios": scenarios(d), "interpretations": list(sc.interpretations)}
        if d.how == "collect":
            rule = next(r for r in decision.rules if r.concludes)   # as the full explanation names it
            for r in [rule] + [f.rule for f in d.firings]:
                self._rule(r)
            return {"rule": rule.id, "clause": rule.clause, "value": expr.plain(d.value),
                    "firings": [{"rule": f.rule.id, "on": f.fact.fid, "value": expr.plain(f.value)} for f in d.firings]}
        return {"value": expr.plain(d.value), "note": "没有规则得出结论"}

    def firing(self, firing: Firing) -> dict:
        rule, decision, fact = firing.rule, firing.variant.decision, firing.fact
        self._rule(rule)
        shape = self._shape(rule, decision, fact, firing.variant.bindings)
        facts = {n: expr.plain(fact.get(n)) for n in shape.names}
        out: dict[str, Any] = {"rule": rule.id, "clause": rule.clause, "value": expr.plain(firing.value),
                               "sentence": self._sentence(shape, fact), "facts": facts}
        settled = self.shapes.get(("settled", shape)) if shape in self._registered else None
        if settled is None:
            params = list(dict.fromkeys(self._parameter(p, fact) for p in shape.params))
            amended = sorted({self.refs.parameters[k]["reference"] for k in params
                              if self.refs.parameters[k].get("reference")})
            own = shape.interpretations if shape.interpretations is not None else \
                list(rule.interpretations) + list(decision.interpretations) \
                + [i for n in facts for i in self._fact_interpretations(fact, n)]
            used = self._interpretations(list(own) + [i for k in params
                                                      for i in self.refs.parameters[k].get("interpretations", [])])
            if shape.interpretations is not None and all(p.key is None for p in shape.params):
                # the same for every fact: kept, and this answer's references now hold what they name
                self.shapes[("settled", shape)] = (params, amended, used)
                self._registered.add(shape)
        else:
            params, amended, used = (list(x) for x in settled)
        if params:
            out["parameters"] = params
        if amended:   # the rule's words give the original amounts; these documents changed them
            out["amended_by"] = amended
        if used:
            out["interpretations"] = used
        if firing.variant.bindings:
            out["lookup"] = {k: v for k, v in firing.variant.bindings}
        if fact.scenario:
            out["scenario"] = fact.scenario
        blocked = [b.rule.id for b in self.trace.blocks_on(decision.name, fact)]
        for b in self.trace.blocks_on(decision.name, fact):
            self._rule(b.rule)
        if blocked:
            out["blocked"] = blocked
        because = [self._because(fact.subject, name) for _, name in firing.variant.joins]
        if because:
            out["because"] = because
        return out

    # What a rule's explanation reads is the same for every fact of a kind: found once per ruleset
    # (`CompiledPolicy.shapes`), so that a roster pays for it once, not once per person.

    def _shape(self, rule, decision, fact, bindings) -> "_Shape":
        key = ("shape", rule.id, decision.name, fact.kind, bindings)
        shape = self.shapes.get(key)
        if shape is None:
            read, read_params = reads(self.trace, rule, decision)
            names = tuple(n for n in read if not self.trace.reads_decision(fact, n))
            params = tuple(dict.fromkeys(read_params))
            condition = own_condition(self.trace, rule, bindings)
            keyed = any(self._keyed(fact.kind, n) for n in names)
            own = None if keyed else tuple(list(rule.interpretations) + list(decision.interpretations)
                                           + [i for n in names for i in self._fact_interpretations(fact, n)])
            shape = self.shapes[key] = _Shape(names, params, condition,
                                              () if condition is None else tuple(expr.names(condition)), own)
        return shape

    def _keyed(self, kind_name: str, name: str, depth: int = 0) -> bool:
        """Whether the fact's derivation reads a table by a value of the fact (so its interpretations may depend on
        that value)."""
        derivation = next((d for d in self.policy.kinds[kind_name].derived if d.name == name), None)
        if derivation is None or depth >= 4:
            return False
        return any(isinstance(p, expr.Param) and p.key is not None and not isinstance(p.key, expr.Lit)
                   for p in expr.walk(derivation.ast)) \
            or any(self._keyed(kind_name, n, depth + 1) for n in expr.names(derivation.ast))

    def _sentence(self, shape: "_Shape", fact) -> str:
        if shape.condition is None:
            return OTHERWISE
        resolve = self.trace.resolver(fact)
        return self.trace.sentence(shape.condition, fact.kind, {n: resolve(n) for n in shape.condition_names})

    def _because(self, subject: str, decision: str) -> dict:
        d = self.trace.index.get((subject, decision))
        return {"subject": subject, "decision": decision, "value": None if d is None else expr.plain(d.value)}

    def _rule(self, rule) -> None:
        if rule.id not in self.refs.rules:
            entry = {"title": rule.title, "clause": rule.clause, "text": rule.text, "condition": rule.when_text}
            if rule.compute_text:
                entry["computed"] = rule.compute_text
            self.refs.rules[rule.id] = entry

    def _parameter(self, node: expr.Param, fact) -> str:
        name, entry = self.pieces.parameter(node, fact)
        key = parameter_key(name, entry.get("since", ""))
        if key not in self.refs.parameters:
            self.refs.parameters[key] = dict(entry, name=name)
            self._interpretations(entry.get("interpretations", ()))
        return key

    def _fact_interpretations(self, fact, name: str, depth: int = 0) -> list[str]:
        """The interpretations a fact rests on: its own, and those of what it is derived from (as full lists them)."""
        kind = self.policy.kinds[fact.kind]
        derivation = next((d for d in kind.derived if d.name == name), None)
        if derivation is None:
            attribute = kind.attributes.get(name.split(".")[0])
            return list(attribute.interpretations) if attribute else []
        out = list(derivation.interpretations)
        if depth < 4:
            for n in expr.names(derivation.ast):
                out += self._fact_interpretations(fact, n, depth + 1)
            for p in expr.walk(derivation.ast):
                if isinstance(p, expr.Param):
                    out += self.pieces.parameter(p, fact)[1].get("interpretations", [])
        return out

    def _interpretations(self, names) -> list[str]:
        known = [n for n in dict.fromkeys(names) if n in self.policy.interpretations]
        for n in known:
            if n not in self.refs.interpretations:
                i = self.policy.interpretations[n]
                self.refs.interpretations[n] = {"reading": i.reading, "basis": i.basis}
        return known
