"""Run a case through the compiled ruleset in durable_rules' engine, and bring back what fired.

We drive durable_rules' C core (`durable_rules_engine`) directly rather than
through `durable.engine.Host`: the Host starts timer threads that run actions
off the main thread and race with `delete_state` (docs/durable_rules.md §1, a segfault), and
re-asserts the session state after every action, which is both the cost per
action and the root of the state-fact loop (docs/durable_rules.md §2). Our loop starts the
batch's actions, runs each (recording the rule and the facts it matched,
asserting its conclusion), and completes it; a case whose actions exceed a
bound is abandoned and reported as that case's error, never a hang.
"""
from __future__ import annotations

import itertools
import json
import threading
from dataclasses import dataclass
from typing import Any

import durable_rules_engine as dre

from . import expr
from .compiler import CompiledPolicy, Variant
from .facts import ARITHMETIC_ERRORS, Fact, RecordError

_ruleset_lock = threading.Lock()
_handles: dict[str, int] = {}   # one rete network per compiled ruleset name, for the life of the process
_sids = itertools.count(1)


class RunError(Exception):
    """The engine could not finish a case (loop bound, engine error)."""


@dataclass(frozen=True)
class Firing:
    """A rule that fired: which variant, the facts it matched, the value it concluded (None for a block or scope)."""
    variant: Variant
    fact: Fact
    joined: tuple[tuple[str, Any], ...]    # (decision read, its value)
    value: Any

    @property
    def rule(self):
        return self.variant.rule


def handle_for(compiled: CompiledPolicy) -> int:
    """Create the ruleset once per name (durable_rules cannot redefine or drop names safely)."""
    with _ruleset_lock:
        if compiled.name not in _handles:
            _handles[compiled.name] = dre.create_ruleset(compiled.name, json.dumps(compiled.definition, ensure_ascii=False))
        return _handles[compiled.name]


def _engine_value(value):
    value = expr.plain(value)
    return value.isoformat() if hasattr(value, "isoformat") else value


def project(fact: Fact, compiled: CompiledPolicy, params) -> dict:
    """The part of a fact the network needs: its kind, identity, tested attributes and lifted differences."""
    out = {"t": fact.kind, "subject": fact.subject, "fid": fact.fid}
    for name in compiled.projection.get(fact.kind, ()):
        if name in out:
            continue
        value = fact.values.get(name)
        if value is not None:
            out[name] = value
    for lifted in compiled.lifted.get(fact.kind, ()):
        difference = expr.evaluate(lifted.expression, fact.get, params)
        fact.values[lifted.name] = difference
        if difference is not None:
            out[lifted.name] = _engine_value(difference)
    return out


def run(compiled: CompiledPolicy, facts: list[Fact], params, max_actions: int | None = None) -> list[Firing]:
    """Assert the facts in one fresh session, run every activation, return the firings in order."""
    if not facts:
        return []   # an empty batch gives back a garbage state handle and crashes the core (docs/durable_rules.md §9)
    handle = handle_for(compiled)
    sid = str(next(_sids))
    by_fid = {f.fid: f for f in facts}
    batch = []
    for fact in facts:
        try:
            projected = project(fact, compiled, params)
        except ARITHMETIC_ERRORS as e:   # a lifted difference out of range: that fact's record, not the case
            raise RecordError(fact, e) from e
        projected["sid"] = sid
        batch.append(projected)
    bound = max_actions if max_actions is not None else 50 * (len(facts) + 1) * max(1, len(compiled.variants))
    firings: list[Firing] = []
    try:
        _code, state = dre.assert_facts(handle, json.dumps(batch, ensure_ascii=False))
        started = dre.start_action_for_state(handle, state)
        message = started[1] if started else None
        while message:
            if len(firings) >= bound:
                dre.abandon_action(handle, state)
                raise RunError(f"the rules did not finish within {bound} firings; the case was stopped")
            name, matched = next(iter(json.loads(message).items()))
            firings.append(_fire(handle, sid, compiled.variants[name], matched, by_fid, params))
            message = dre.complete_and_start_action(handle, state)
    finally:
        try:
            dre.delete_state(handle, sid)
        except Exception:  # a session the engine already dropped; nothing left to free
            pass
    return firings


def _fire(handle: int, sid: str, variant: Variant, matched: dict, by_fid: dict, params) -> Firing:
    fact = by_fid[matched["f"]["fid"]]
    joined = tuple((decision, matched[alias].get("value")) for alias, decision in variant.joins)
    if variant.role != "conclude":
        # A block or a scope: the firing itself is the record; nothing joins on it.
        return Firing(variant, fact, joined, None)
    reads = dict(joined)

    def resolve(name: str):
        return reads[name] if name in reads else fact.get(name)
    value = expr.plain(expr.evaluate(variant.value, resolve, params))
    conclusion = {"sid": sid, "t": "conclusion", "decision": variant.decision.name, "subject": fact.subject,
                  "from": fact.fid}
    if value is not None:
        conclusion["value"] = value
    # Code 1 (nothing reads this decision) and 2 (an equal conclusion exists) are both fine here.
    dre.assert_fact(handle, json.dumps(conclusion, ensure_ascii=False))
    return Firing(variant, fact, joined, value)
