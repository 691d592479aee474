"""Run a case through the compiled ruleset in durable_rules' engine, and bring back what fired.

We drive durable_rules' C core (`durable_rules_engine`) directly rather than
through `durable.engine.Host`: the Host starts timer threads that run actions
off the main thread and race with `delete_state` (docs/durable_rules.md §1, a segfault), and
re-asserts the session state after every action, which is both the cost per
action and the root of the state-fact loop (docs/durable_rules.md §2). Our loop starts the
batch's actions, runs each (recording the rule and the facts it matched,
asserting its conclusion), and completes it.

The core's sharp edges (docs/durable_rules.md §9) are kept away here: an empty
batch never reaches it, and every session has an action (ANCHOR); every number is written without an exponent, and one
it cannot compare exactly is that case's error; every message carries an `id`
whose 32-bit hash no other message of the session has, so a distinct fact is
never refused as "already observed" (and if the core refuses one anyway, the
case fails loudly rather than losing it). A case is bounded in firings, in
seconds and in messages (facts + conclusions, i.e. memory): beyond any bound
it is stopped and reported as that case's error, never a hang.
"""
from __future__ import annotations

import itertools
import json
import math
import threading
import time
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

import durable_rules_engine as dre
import orjson

from ..formula import expr
from . import classes
from .compiler import CompiledPolicy, Variant
from .facts import ARITHMETIC_ERRORS, Fact, RecordError

__all__ = ["MAX_SECONDS", "MAX_MESSAGES", "SAFE_INTEGER", "OBSERVED", "RunError", "Firing", "Bounds", "ANCHOR",
           "handle_for", "Unrepresentable", "TINY", "engine_json", "fnv1a32", "Session", "project", "run"]

_ruleset_lock = threading.Lock()
_handles: dict[str, int] = {}   # one rete network per compiled ruleset name, for the life of the process
_sids = itertools.count(1)

MAX_SECONDS = 10.0        # per case; one case of 2,000 people takes about 5 s on one core
MAX_MESSAGES = 100_000    # facts + conclusions per case: 12 to 30 a person; measured ~6.5 KB each (core and
                          # Python), so a case stays within about 650 MB, and 10 s comes first in practice
SAFE_INTEGER = 2 ** 53 - 1   # exact both as the core's integer and as its double, so every comparison is exact

OBSERVED = 2              # the core's "already observed" (ERR_EVENT_OBSERVED)


class RunError(Exception):
    """The engine could not finish a case (a bound, a number it cannot take, a refused fact); `path` says where."""

    def __init__(self, message: str, path: str = ""):
        super().__init__(message)
        self.path = path


@dataclass(frozen=True, slots=True)
class Firing:
    """A rule that fired: which variant, the facts it matched, the value it concluded (None for a block or scope)."""
    variant: Variant
    fact: Fact
    joined: tuple[tuple[str, Any], ...]    # (decision read, its value)
    value: Any

    @property
    def rule(self):
        return self.variant.rule


@dataclass(frozen=True)
class Bounds:
    """How far one case may go: firings (None: 50 × (facts + 1) × variants), seconds, facts + conclusions."""
    actions: int | None = None
    seconds: float = MAX_SECONDS
    messages: int = MAX_MESSAGES


# A rule of ours in every ruleset, and a fact for it in every batch, so that every session has an action
# started and completed before it is deleted: deleting a session that never had one frees an uninitialised
# pointer (docs/durable_rules.md §9), a crash or not depending on what the heap held before.
ANCHOR = "$anchor"


def handle_for(compiled: CompiledPolicy) -> int:
    """Create the ruleset once per name (durable_rules cannot redefine or drop names safely)."""
    with _ruleset_lock:
        if compiled.name not in _handles:
            definition = dict(compiled.definition, **{ANCHOR: {"all": [{"a": {"$and": [{"t": ANCHOR}]}}]}})
            _handles[compiled.name] = dre.create_ruleset(compiled.name, json.dumps(definition, ensure_ascii=False))
        return _handles[compiled.name]


# --- what the core's parser can take -----------------------------------------------------------

class Unrepresentable(ValueError):
    """A number the core cannot hold or compare exactly (docs/durable_rules.md §9)."""

    def __init__(self, value):
        super().__init__(value)
        self.value = value


TINY = 1e-4   # below this, Python writes a float with an exponent (1e-05); above 2⁵³ we refuse anyway


def _scan(value) -> bool:
    """Raise Unrepresentable for a number the core cannot take; True when a float must be written by hand."""
    if value is None or isinstance(value, (str, bool)):
        return False
    if isinstance(value, (int, float)):
        if not abs(value) <= SAFE_INTEGER:   # also NaN
            raise Unrepresentable(value)
        return isinstance(value, float) and 0 < abs(value) < TINY
    if isinstance(value, (dict, list, tuple)):
        tiny = False
        for item in value.values() if isinstance(value, dict) else value:
            kind = type(item)
            if kind is str or kind is bool or item is None:   # most of a fact: looked at here, not in a call
                continue
            if kind is int and abs(item) <= SAFE_INTEGER:
                continue
            tiny = _scan(item) or tiny
        return tiny
    raise TypeError(f"cannot give the engine a {type(value).__name__}: {value!r}")


def _written(value) -> str:
    """JSON by hand, for the rare message holding a tiny float: that float in plain decimals."""
    if isinstance(value, float):
        text = float.__repr__(value)   # as json.dumps writes it, whatever a subclass (ruamel's) would say
        return format(Decimal(text), "f") if 0 < abs(value) < TINY else text
    if isinstance(value, dict):
        return "{" + ",".join(f"{json.dumps(str(k), ensure_ascii=False)}:{_written(v)}" for k, v in value.items()) + "}"
    if isinstance(value, (list, tuple)):
        return "[" + ",".join(_written(v) for v in value) + "]"
    return json.dumps(value, ensure_ascii=False)


def engine_json(value) -> str:
    """JSON the core reads exactly: no exponent (`1e+16` crashes its parser), every number within ±(2⁵³−1).

    Raises Unrepresentable for a number it cannot take. Python writes floats
    with an exponent only below 1e-4 or from 1e16 up, so the common case is one
    dump; the rare tiny float is written by hand. orjson writes what `_scan`
    lets through (no tiny float, nothing beyond 2⁵³) as `json.dumps(…,
    ensure_ascii=False, separators=(",", ":"))` does, ten times faster; what it
    refuses (a lone surrogate, a float subclass, a key that is not text) is
    written by the standard library.
    """
    if _scan(value):
        return _written(value)
    try:
        return orjson.dumps(value).decode()
    except TypeError:
        return json.dumps(value, ensure_ascii=False, separators=(",", ":"))


def _shown_number(value) -> str:
    """Short and without a long run of digits (which the report would mask as an ID number)."""
    if isinstance(value, float) and not math.isfinite(value):
        return {"inf": "无穷大", "-inf": "负无穷大"}.get(str(value), "非数（NaN）")
    return format(Decimal(value), ".3g")


def _message(fields: dict, where: Fact, what: str) -> str:
    """One fact or conclusion as the core's JSON; a number it cannot take is that case's error, saying where."""
    try:
        return engine_json(fields)
    except Unrepresentable as e:
        # the record it comes from is refused, the rest of the case is decided (evaluate.Evaluator._run)
        key = next(k for k, v in fields.items() if _fails(v))
        raise RecordError(where, e, f"{what}的“{key}”为 {_shown_number(e.value)}，超出规则引擎能精确比较的范围"
                                    f"（须为有限数，绝对值不超过 2^53−1），该记录未能判定") from None


def _fails(value) -> bool:
    try:
        _scan(value)
        return False
    except Unrepresentable:
        return True


# --- message identity ----------------------------------------------------------------------------

def fnv1a32(text: str) -> int:
    """The core's message hash (state.c fnv1Hash32: FNV-1a over the id's bytes, `char` signed on x86)."""
    h = 0x811C9DC5
    for byte in text.encode("utf-8"):
        signed = byte if byte < 0x80 else (byte - 0x100) & 0xFFFFFFFF   # sign-extended, as C does
        h = ((h ^ signed) * 0x01000193) & 0xFFFFFFFF
    return h


@dataclass
class Session:
    """One case's session: its sid, the message ids handed out, the conclusions asserted, the bounds' counters.

    The core files a message under a 32-bit hash of its id and refuses a second
    message with the same hash as "already observed" (docs/durable_rules.md §9):
    without an id the id is a hash of the content, and two distinct conclusions
    could collide and one be silently dropped. So each message gets an id whose
    hash is new in the session (the session's own state fact, `sid-<sid>`,
    included), and equal conclusions are recognised here, by canonical JSON.
    """
    sid: str
    bounds: Bounds
    deadline: float
    messages: int = 0
    conclusions: set[str] = field(default_factory=set)
    _hashes: set[int] = field(default_factory=set)
    _next: int = 0

    @classmethod
    def open(cls, bounds: Bounds) -> "Session":
        sid = str(next(_sids))
        return cls(sid, bounds, time.monotonic() + bounds.seconds, _hashes={fnv1a32(f"sid-{sid}")})

    def new_id(self) -> str:
        while True:
            self._next += 1
            candidate = str(self._next)
            h = fnv1a32(candidate)
            if h not in self._hashes:
                self._hashes.add(h)
                return candidate

    def count(self, n: int = 1) -> None:
        self.messages += n
        if self.messages > self.bounds.messages:
            raise RunError(f"事实与结论超过{self.bounds.messages}条，已停止该案例（防止内存耗尽）")

    def check_time(self) -> None:
        if time.monotonic() > self.deadline:
            raise RunError(f"规则运行超过{self.bounds.seconds:g}秒，已停止该案例")


def _assert_fact(handle: int, text: str) -> int:
    """Assert one message; the core's code (0 fine, 1 nothing reads it, 2 already observed)."""
    return dre.assert_fact(handle, text)[0]


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


def run(compiled: CompiledPolicy, facts: list[Fact], params, max_actions: int | None = None,
        bounds: Bounds | None = None, by_class: bool = True) -> list[Firing]:
    """Every firing on the facts, in order, subject by subject: durable_rules decides one subject of each class.

    Subjects of equal signature (classes.py) fire alike: the first of each class not decided before (in this
    process, with this ruleset) is asserted with the others' representatives in one fresh session; every subject
    then gets its class's firings on its own facts. `by_class=False` asserts every subject (and remembers no
    class): the reference the classes are tested and measured against."""
    bounds = bounds or Bounds()
    if max_actions is not None:
        bounds = Bounds(max_actions, bounds.seconds, bounds.messages)
    projected = []
    for fact in facts:
        try:
            projected.append(project(fact, compiled, params))
        except ARITHMETIC_ERRORS as e:   # a lifted difference out of range: that fact's record, not the case
            raise RecordError(fact, e) from e
    subjects = classes.units(facts, projected, compiled.seen if by_class else None)   # signatures only for classes
    decided = compiled.classes
    if not by_class:
        own = _decide(compiled, subjects, params, bounds) if subjects else {}
        return [f for unit in subjects for f in own[id(unit)]]
    new: dict[tuple, classes.Unit] = {}
    for unit in subjects:
        for i, fact in enumerate(unit.facts):
            fact.klass = (unit.signature, i)
        if unit.signature not in decided:
            new.setdefault(unit.signature, unit)
    own: dict[int, list[Firing]] = {}
    if new:
        own = _decide(compiled, list(new.values()), params, bounds)
        for unit in new.values():
            position = {f.fid: i for i, f in enumerate(unit.facts)}
            decided[unit.signature] = tuple(classes.Step(f.variant, position[f.fact.fid], f.joined, f.value)
                                            for f in own[id(unit)])
        while len(decided) > classes.MAX_CLASSES:
            del decided[next(iter(decided))]
    out: list[Firing] = []
    for unit in subjects:
        if id(unit) in own:
            out += own[id(unit)]
        else:
            out += [_bound(step, unit.facts[step.position], params) for step in decided[unit.signature]]
    return out


def _bound(step: classes.Step, fact: Fact, params) -> Firing:
    """A class's firing on a member's fact: the value computed from the member's own values, as _fire does."""
    if step.variant.role != "conclude" or isinstance(step.variant.value, expr.Lit):
        return Firing(step.variant, fact, step.joined, step.value)
    return Firing(step.variant, fact, step.joined, _concluded(step.variant, fact, step.joined, params))


def _concluded(variant: Variant, fact: Fact, joined: tuple, params):
    reads = dict(joined)

    def resolve(name: str):
        return reads[name] if name in reads else fact.get(name)
    return _engine_value(expr.evaluate(variant.value, resolve, params))   # a date parameter's value: as facts hold dates


def _decide(compiled: CompiledPolicy, units: list, params, bounds: Bounds) -> dict[int, list[Firing]]:
    """One session with the representatives' facts: their firings, in order, by representative (id of the unit)."""
    facts = [f for unit in units for f in unit.facts]
    owner = {f.fid: id(unit) for unit in units for f in unit.facts}
    handle = handle_for(compiled)
    session = Session.open(bounds)
    session.count(len(facts) + 1)
    by_fid = {f.fid: f for f in facts}
    batch = []
    for unit in units:
        for fact, projected in zip(unit.facts, unit.projected):
            message = dict(projected, sid=session.sid, id=session.new_id())
            batch.append(_message(message, fact, f"{fact.kind} {fact.subject} "))
    batch.append(engine_json({"t": ANCHOR, "sid": session.sid, "id": session.new_id()}))
    limit = bounds.actions if bounds.actions is not None else 50 * (len(facts) + 1) * max(1, len(compiled.variants))
    firings: dict[int, list[Firing]] = {id(unit): [] for unit in units}
    count = 0
    message = None
    try:
        code, state = dre.assert_facts(handle, "[" + ",".join(batch) + "]")
        started = dre.start_action_for_state(handle, state)
        message = started[1] if started else None
        if code == OBSERVED:   # every fact has its own fid and a hash-distinct id: only a collision refuses one
            raise RunError("规则引擎拒绝了一个不同的事实（散列冲突），该案例未能判定")
        while message:
            if count >= limit:
                raise RunError(f"规则触发超过{limit}次仍未结束，已停止该案例（规则可能循环）")
            session.check_time()
            name, matched = next(iter(orjson.loads(message).items()))   # the core's JSON: numbers within ±2⁵³
            if name != ANCHOR:
                firing = _fire(handle, session, compiled.variants[name], matched, by_fid, params, compiled.joined)
                firings[owner[firing.fact.fid]].append(firing)
                count += 1
            message = dre.complete_and_start_action(handle, state)
    except BaseException:
        if message:   # an action is started and not completed: give it back before the session goes
            dre.abandon_action(handle, state)
        raise
    finally:
        try:
            dre.delete_state(handle, session.sid)
        except Exception:  # a session the engine never made or already dropped; nothing left to free
            pass
    return firings


def _fire(handle: int, session: Session, variant: Variant, matched: dict, by_fid: dict, params,
          joined_decisions: frozenset[str]) -> Firing:
    fact = by_fid[matched["f"]["fid"]]
    joined = tuple((decision, matched[alias].get("value")) for alias, decision in variant.joins)
    if variant.role != "conclude":
        # A block or a scope: the firing itself is the record; nothing joins on it.
        return Firing(variant, fact, joined, None)
    value = _concluded(variant, fact, joined, params)
    conclusion = {"t": "conclusion", "decision": variant.decision.name, "subject": fact.subject, "from": fact.fid}
    if variant.decision.name not in joined_decisions:
        return Firing(variant, fact, joined, value)   # no rule reads it: the firing is the whole record
    if value is not None:
        conclusion["value"] = value
    # Its JSON is canonical (keys in this fixed order, values written one way): equal text, equal conclusion.
    key = _message(conclusion, fact, f"{fact.subject} 的“{variant.decision.name}”结论")
    if key in session.conclusions:
        # An equal conclusion stands already (another rule reached the same value): nothing new can join on it.
        return Firing(variant, fact, joined, value)
    session.conclusions.add(key)
    session.count()
    text = f'{key[:-1]},"sid":"{session.sid}","id":"{session.new_id()}"}}'   # both are digits: nothing to escape
    # Code 1 (nothing reads this decision) is fine; 2 would drop a distinct conclusion without a word.
    if _assert_fact(handle, text) == OBSERVED:
        raise RunError(f"规则引擎拒绝了一个不同的结论（散列冲突）：{fact.subject} 的“{variant.decision.name}”，该案例未能判定")
    return Firing(variant, fact, joined, value)
