"""Subjects the network cannot tell apart are decided once: equivalence classes by what the rules test.

Every test the compiled network makes on a fact is in its definition: an
attribute compared with a constant (a lifted difference is an attribute too),
or present or absent. The only values it passes from one rule to another are
the conclusions it asserts, and a rule joins only on conclusions of its own
subject. So what a subject's facts give on every test, and the values the
asserted computed conclusions read, settle which rules fire on it, on which of
its facts, with which joined values. That is the subject's signature: for each
of its facts in order, its kind, where each tested value stands against every
constant it is compared with, and those read values as they are.

Subjects of equal signature form a class. durable_rules decides one of them,
the representative, and its firings are bound to every member: the same
variant on the member's fact at the same position, the same joined values,
and a computed conclusion evaluated on the member's own values, exactly as the
firing of the member itself would compute it. Raw facts would not do: nearly
every person's facts differ somewhere; where they stand against the rules'
constants rarely does.

A value is placed by comparison only where durable_rules compares it as we do
(numbers with numbers, text with text, yes/no with yes/no); where a test
compares it with a constant of another type, or it is a list or a map, the
signature holds the value itself.
"""
from __future__ import annotations

import bisect
import functools
import json
from dataclasses import dataclass
from typing import Any

from ..formula import expr
from .facts import Fact

__all__ = ["Seen", "Unit", "seen_by_network", "units", "Step", "MAX_CLASSES"]

MAX_CLASSES = 50_000   # signatures remembered per compiled ruleset: ~1 KB each, so at most some 50 MB


@dataclass(frozen=True)
class Seen:
    """What the network can tell of one kind of fact."""
    paths: tuple[tuple[str, tuple], ...]    # (attribute path, the constants it is compared with)
    reads: tuple[str, ...]                  # attributes a computed conclusion that is joined on reads


@dataclass
class Unit:
    """One subject's facts (every kind shares the subject's id), in the case's order, and its signature."""
    subject: str
    facts: list[Fact]
    projected: list[dict]
    signature: tuple = ()


@dataclass(frozen=True, slots=True)
class Step:
    """One firing of a class, by the position of its fact in the subject's facts."""
    variant: Any
    position: int
    joined: tuple
    value: Any


def seen_by_network(definition: dict, variants: dict, joined: frozenset) -> dict[str, Seen]:
    """Per fact kind, every attribute path the network tests with the constants it compares it with, and the
    attributes read by a computed conclusion that another rule joins on."""
    paths: dict[str, dict[str, dict]] = {}
    reads: dict[str, dict[str, None]] = {}
    for name, rule in definition.items():
        variant = variants.get(name)
        if variant is None:
            continue
        fact_test = rule["all"][0]["f"]
        kind = _kind(fact_test)
        _leaves(fact_test, paths.setdefault(kind, {}))
        reads.setdefault(kind, {})
        if variant.role == "conclude" and variant.decision.name in joined and not isinstance(variant.value, expr.Lit):
            read_by = {d for _, d in variant.joins}
            for n in expr.names(variant.value):
                if n not in read_by:
                    reads[kind].setdefault(n)
    return {kind: Seen(tuple((p, tuple(c.values())) for p, c in sorted(found.items())), tuple(reads.get(kind, ())))
            for kind, found in paths.items()}


def _kind(test: dict) -> str:
    return next(item["t"] for item in test["$and"] if "t" in item)


_TAGS = {bool: "b", int: "n", float: "n", str: "s"}


def _tag(value) -> str:
    tag = _TAGS.get(type(value))
    if tag is not None:   # the plain types: one look
        return tag
    if isinstance(value, bool):
        return "b"
    if isinstance(value, (int, float)):
        return "n"
    return "s" if isinstance(value, str) else "o"


def _leaves(test: dict, out: dict[str, dict]) -> None:
    for key, value in test.items():
        if key in ("$and", "$or"):
            for item in value:
                _leaves(item, out)
        elif key in ("$ex", "$nex"):
            for attribute in value:
                if attribute != "t":
                    out.setdefault(attribute, {})
        elif key.startswith("$"):
            for attribute, constant in value.items():
                out.setdefault(attribute, {})[(_tag(constant), constant)] = constant
        elif key != "t":
            out.setdefault(key, {})[(_tag(value), value)] = value


_MISSING = object()


@functools.lru_cache(maxsize=256)
def _probes(seen: Seen) -> tuple:
    """Per tested path: its head and the rest of it, the constants' one type (None: mixed) and the constants in
    order — where a value falls among them (bisect) says how it compares with each."""
    out = []
    for path, constants in seen.paths:
        head, *rest = path.split(".")
        tags = {_tag(c) for c in constants}
        tag = (tags.pop() if len(tags) == 1 else None) if tags else ""
        ordered = tuple(sorted(constants)) if tag in ("n", "s", "b") else ()
        out.append((head, tuple(rest), tag, ordered))
    return tuple(out)


def _signature(fact: Fact, projected: dict, seen: Seen | None) -> tuple:
    if seen is None:
        return (fact.kind,)
    places = []
    place = places.append
    for head, rest, tag, ordered in _probes(seen):
        value = projected.get(head, _MISSING)
        for part in rest:
            value = value.get(part, _MISSING) if isinstance(value, dict) else _MISSING
        if value is _MISSING:
            place(None)
            continue
        own = "z" if value is None else _tag(value)
        if own in ("n", "s", "b") and (tag == own or tag == ""):
            place((own, bisect.bisect_left(ordered, value), bisect.bisect_right(ordered, value)))
        else:   # compared with a constant of another type, or a list, map or null: the value itself
            place((own, json.dumps(value, ensure_ascii=False, sort_keys=True, default=repr)))
    return (fact.kind, tuple(places), tuple(repr(expr.plain(fact.get(n))) for n in seen.reads))


def units(facts: list[Fact], projected: list[dict], seen: dict[str, Seen] | None) -> list[Unit]:
    """The case's subjects in order of first appearance, each with its facts and, given what the network
    sees (`seen`), its signature."""
    by_subject: dict[str, Unit] = {}
    for fact, shown in zip(facts, projected):
        unit = by_subject.get(fact.subject)
        if unit is None:
            unit = by_subject[fact.subject] = Unit(fact.subject, [], [])
        unit.facts.append(fact)
        unit.projected.append(shown)
    for unit in by_subject.values() if seen is not None else ():
        unit.signature = tuple(_signature(f, p, seen.get(f.kind)) for f, p in zip(unit.facts, unit.projected))
    return list(by_subject.values())
