"""The pieces every view of an explanation is made of: a fact with its derivation, a parameter value in
force with its clause and date, an interpretation with its basis, a rule by its id, title and clause.

Read from the trace (the facts the network saw, the parameter values of the case's day); the same piece
is the same wherever it appears — in a full tree, in a brief answer's references, in a diff's reasons.
"""
from __future__ import annotations

import datetime as dt
from typing import Any

from ..common.words import cn_date, shown
from ..formula import expr
from ..pipeline.facts import Fact
from ..policy.model import Rule
from ..policy.params import ParamValue
from .trace import Trace

__all__ = ["Pieces", "parameter_entry", "json_value", "parameter_value"]


def json_value(value):
    """A parameter's value as JSON holds it: numbers plain, a date as YYYY-MM-DD (in lists and tables too)."""
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, dict):
        return {k: json_value(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [json_value(v) for v in value]
    return expr.plain(value)


def parameter_entry(pv: ParamValue) -> dict:
    """A parameter value read: its value, label, unit, clause, first day and interpretations; `type: date` for a
    date, `until` when the value ends, `reference` when a later source set it. A lapsed parameter has no value:
    from the day after its `until` on, with a `note` saying so (一次性补贴已于2025年12月31日失效)."""
    label = pv.parameter.label + (f"（{'·'.join(map(str, pv.keys))}）" if pv.keys else "")
    if pv.lapsed is not None:
        return {"value": None, "label": label, "unit": pv.parameter.unit, "clause": pv.dated.clause,
                "since": (pv.lapsed + dt.timedelta(days=1)).isoformat(), "until": pv.lapsed.isoformat(), "lapsed": True,
                "note": f"{label}已于{cn_date(pv.lapsed)}失效", "interpretations": list(pv.parameter.interpretations)}
    entry = {"value": json_value(pv.value), "label": label, "unit": pv.parameter.unit,
             "clause": pv.dated.clause, "since": pv.dated.since.isoformat(),
             "interpretations": list(pv.parameter.interpretations)}
    if pv.dated.reference:   # the value in force was set by a later source: say which
        entry["reference"] = pv.dated.reference
    if isinstance(pv.value, dt.date):
        entry["type"] = "date"
    end = pv.parameter.ends(pv.dated)
    if end is not None:
        entry["until"] = end.isoformat()
    return entry


def parameter_value(entry: dict) -> str:
    """A parameter entry's value as an officer reads it: 150元/月; a date 2025年12月31日; a lapsed parameter
    已于2025年12月31日失效."""
    if entry.get("lapsed") and entry.get("until"):
        return f"已于{cn_date(entry['until'])}失效"
    if entry.get("type") == "date" and isinstance(entry.get("value"), str):
        return cn_date(entry["value"])
    return shown(entry.get("value"), entry.get("unit"))


class Pieces:
    def __init__(self, trace: Trace):
        self.trace = trace
        self.policy = trace.policy

    def interpretation(self, name: str) -> dict:
        i = self.policy.interpretations[name]
        return {"id": name, "reading": i.reading, "basis": i.basis}

    def interpretations_of(self, names: list[str], facts: dict, params: dict) -> list[dict]:
        """The interpretations named, and those the facts and parameter values (and what they derive from) rest on."""
        names = list(names)

        def collect(entries: dict):
            for e in entries.values():
                names.extend(e.get("interpretations", ()))
                collect(e.get("from", {}))
                collect(e.get("parameters", {}))
        collect(facts)
        collect(params)
        return [self.interpretation(n) for n in dict.fromkeys(names) if n in self.policy.interpretations]

    def parameter(self, node: expr.Param, fact: Fact) -> tuple[str, dict]:
        """A parameter read on a fact: its name (with the lookup key) and the value in force, with its source.
        Made once per ruleset (its parameter values) and key; each caller gets its own copy of the entry."""
        name = node.name
        if node.key is not None:
            key = expr.evaluate(node.key, fact.get, self.trace.params)
            name = f"{node.name}.{key}"
        memo = self.trace.compiled.shapes
        if ("parameter", name) not in memo:
            try:
                memo[("parameter", name)] = parameter_entry(self.trace.params.lookup(name))
            except KeyError as e:
                memo[("parameter", name)] = {"value": None, "note": str(e.args[0])}
        return name, dict(memo[("parameter", name)])

    def fact_entry(self, fact: Fact, name: str, depth: int = 0) -> dict:
        """A fact's value as read, with its label and unit, where it came from or how it was derived."""
        label, unit, derivation, reads, params, interpretations = self._fact_shape(fact.kind, name)
        entry: dict[str, Any] = {"value": expr.plain(fact.get(name)), "label": label}
        if unit:
            entry["unit"] = unit
        if derivation is not None:
            entry["derived"] = derivation.formula
            if derivation.clause:
                entry["clause"] = derivation.clause
            if interpretations:
                entry["interpretations"] = list(interpretations)
            if depth < 4:
                entry["from"] = {n: self.fact_entry(fact, n, depth + 1) for n in reads}
                found = dict(self.parameter(p, fact) for p in params)
                if found:
                    entry["parameters"] = found
        else:
            entry["source"] = f"{fact.origin}.{name}" if fact.origin else name
            if interpretations:
                entry["interpretations"] = list(interpretations)
        if name in fact.detail:
            entry["detail"] = fact.detail[name]
        return entry

    def _fact_shape(self, kind_name: str, name: str) -> tuple:
        """What a fact's entry says whatever its value: label, unit, derivation (what it reads, which parameters),
        interpretations — found once per ruleset, kind and name."""
        memo = self.trace.compiled.shapes
        key = ("fact", kind_name, name)
        if key not in memo:
            kind = self.policy.kinds[kind_name]
            derivation = next((d for d in kind.derived if d.name == name), None)
            if derivation is not None:
                memo[key] = (self.trace.words.label(kind_name, name), kind.unit_of(name), derivation,
                             tuple(expr.names(derivation.ast)),
                             tuple(p for p in expr.walk(derivation.ast) if isinstance(p, expr.Param)),
                             tuple(derivation.interpretations))
            else:
                attribute = kind.attributes.get(name.split(".")[0])
                memo[key] = (self.trace.words.label(kind_name, name), kind.unit_of(name), None, (), (),
                             tuple(attribute.interpretations) if attribute else ())
        return memo[key]

    def rule_ref(self, rule: Rule) -> dict:
        """A rule as another explanation names it: id, title, clause, and the value it gives (or what it blocks)."""
        value = rule.then if rule.has_then else (rule.compute_text if rule.compute_text else None)
        ref = {"rule": rule.id, "title": rule.title, "clause": rule.clause}
        if rule.concludes:
            ref["value"] = expr.plain(value)
        else:
            ref["blocks"] = list(rule.blocks)
        return ref
