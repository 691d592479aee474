"""What kind of value each decision gives, and what the names a formula reads are.

A decision's type is declared (`type:` in its rule file) or read from what it is given: `money:` is an amount,
`values:` of 是/否 (true/false) a yes/no and any other `values:` one of them (`enum`); else the conclusions
vote — each `then:` literal and each `compute:` whose type can be told — and the most frequent wins (a tie
goes to the type that is not text: 零 written for 0 is the usual slip, not the other way round). A decision
whose type cannot be told has None, and nothing is checked against it.

Facts have the types facts.yaml gives their attributes; a derivation's type is that of its formula
(formula.valuetypes); a parameter's its declared `type:` (date), else that of its values on every date.

`typed(policy)` is what the loader returns: every decision with its type, and for a yes/no decision the
words 是/否 (true/false) of its `then:`, `values:` and `favourable:` read as yes and no.
"""
from __future__ import annotations

import dataclasses
from collections import Counter
from typing import Any

from ..common.words import FALSE_WORDS, TRUE_WORDS
from ..formula import valuetypes as vt
from .model import Decision, Policy

__all__ = ["DECLARED", "ENUM", "ATTRIBUTE_TYPES", "yes_no_word", "param_type", "param_members", "derived_types",
           "env_for", "conclusion_types", "typed"]

ENUM = "enum"
DECLARED = (vt.NUMBER, vt.BOOL, vt.DATE, vt.TEXT, ENUM)   # what `type:` may say
ATTRIBUTE_TYPES = {"int": vt.NUMBER, "number": vt.NUMBER, "bool": vt.BOOL, "date": vt.DATE, "text": vt.TEXT,
                   "list": vt.LIST, "map": vt.MAP}


def yes_no_word(value: Any) -> bool | None:
    """是 / true → True, 否 / false → False (a yes/no decision's words); None for anything else."""
    if isinstance(value, bool):
        return value
    if isinstance(value, str):
        word = value.strip().lower()
        if word in TRUE_WORDS:
            return True
        if word in FALSE_WORDS:
            return False
    return None


def _walk(value, keys: tuple):
    for key in keys:
        if not isinstance(value, dict) or key not in value:
            return None
        value = value[key]
    return value


def _param_values(policy: Policy, name: str) -> list:
    """The values `param.name` has over the policy's dates (a dotted name walks into a parameter's value)."""
    parts = name.split(".")
    for n in range(len(parts), 0, -1):
        parameter = policy.parameters.get(".".join(parts[:n]))
        if parameter is not None:
            return [v for v in (_walk(d.value, tuple(parts[n:])) for d in parameter.values if d.value is not None)
                    if v is not None]
    return []


def param_type(policy: Policy, name: str, keyed: bool = False) -> str | None:
    """The type of `param.name` on every date (of its entries when `keyed`); None when unknown or it changes.
    A parameter declared `type: date` is a date (each entry of it, when it is a table)."""
    declared = policy.parameters.get(name.split(".")[0])
    if declared is not None and declared.type == "date":
        return vt.DATE
    values = _param_values(policy, name)
    if keyed:
        return vt.common(vt.value_type(v) for value in values if isinstance(value, dict) for v in value.values())
    return vt.common(vt.value_type(v) for v in values)


def param_members(policy: Policy, name: str) -> str | None:
    """What `x in param.name` compares x with: a list's items, a map's keys."""
    found = []
    for value in _param_values(policy, name):
        if isinstance(value, list):
            found += [vt.value_type(v) for v in value]
        elif isinstance(value, dict):
            found += [vt.value_type(k) for k in value]
    return vt.common(found)


def _env(policy: Policy, names: dict[str, str | None]) -> vt.Env:
    def name(n: str) -> str | None:
        return names.get(n)   # a map's field (attestations.political) is not known: None
    return vt.Env(name, lambda n, keyed: param_type(policy, n, keyed), lambda n: param_members(policy, n))


def derived_types(policy: Policy, kind_name: str) -> dict[str, str | None]:
    """Every attribute of a fact kind, input and derived, with its type."""
    kind = policy.kinds.get(kind_name)
    if kind is None:
        return {}
    names: dict[str, str | None] = {a.name: ATTRIBUTE_TYPES.get(a.type) for a in kind.attributes.values()}
    for d in kind.derived:
        names[d.name] = None if d.ast is None else vt.type_of(d.ast, _env(policy, names))
    return names


def env_for(policy: Policy, kind_name: str, decisions: dict[str, str | None] | None = None) -> vt.Env:
    """The names a formula over `kind_name` reads — its facts, and (for rules) the decisions — with their types."""
    names = dict(derived_types(policy, kind_name))
    types = decisions if decisions is not None else {d.name: d.type for d in policy.decisions.values()}
    for n, t in types.items():
        names.setdefault(n, vt.NUMBER if t == ENUM and _numbers(policy.decisions.get(n)) else
                         vt.TEXT if t == ENUM else t)
    return _env(policy, names)


def _numbers(decision: Decision | None) -> bool:
    return bool(decision and decision.values) and all(vt.value_type(v) == vt.NUMBER for v in decision.values)


def conclusion_types(decision: Decision, env: vt.Env) -> list[str]:
    """The type of each conclusion a decision's rules give that can be told (`then: null` says nothing)."""
    out = []
    for rule in decision.rules:
        if rule.has_then:
            found = vt.BOOL if yes_no_word(rule.then) is not None else vt.value_type(rule.then)
        elif rule.compute is not None:
            found = vt.type_of(rule.compute, env)
        else:
            found = None
        if found is not None:
            out.append(found)
    return out


_PREFERRED = (vt.NUMBER, vt.BOOL, vt.DATE, vt.LIST, vt.MAP, vt.TEXT)


def _inferred(policy: Policy, decision: Decision, types: dict[str, str | None]) -> str | None:
    if decision.money is not None:
        return vt.NUMBER
    if decision.values:
        return vt.BOOL if all(yes_no_word(v) is not None for v in decision.values) else ENUM
    env = env_for(policy, decision.of, types)
    votes = Counter(conclusion_types(decision, env))
    if not votes:
        return None
    most = max(votes.values())
    return next(t for t in _PREFERRED if votes.get(t) == most)


def _types(policy: Policy) -> dict[str, str | None]:
    """Every decision's type: declared, else inferred — again while a decision read by another becomes known."""
    types: dict[str, str | None] = {d.name: d.type if d.type_declared else None for d in policy.decisions.values()}
    for _ in range(len(types) + 1):
        changed = False
        for d in policy.decisions.values():
            if d.type_declared:
                continue
            found = _inferred(policy, d, types)
            if found != types[d.name]:
                types[d.name], changed = found, True
        if not changed:
            break
    return types


def _as_yes_no(values):
    if values is None:
        return None
    return tuple(v if yes_no_word(v) is None else yes_no_word(v) for v in values)


def typed(policy: Policy) -> Policy:
    """The policy with each decision's type; a yes/no decision's words 是/否 read as yes and no."""
    types = _types(policy)
    decisions = {}
    for name, d in policy.decisions.items():
        kind = types[name]
        if kind == vt.BOOL:
            rules = tuple(dataclasses.replace(r, then=yes_no_word(r.then)) if r.has_then and isinstance(r.then, str)
                          and yes_no_word(r.then) is not None else r for r in d.rules)
            d = dataclasses.replace(d, rules=rules, values=_as_yes_no(d.values), favourable=_as_yes_no(d.favourable))
        decisions[name] = dataclasses.replace(d, type=kind)
    return dataclasses.replace(policy, decisions=decisions)
