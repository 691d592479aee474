"""How one compiled attempt of a rule fared on a fact: a typed verdict, judged on what the network saw.

The network's condition for an attempt is the conjunction of its labelled parts (the compiler's
`Attempt.parts`: the rule's own test, the decision's scope, the lookup key, each exception and each
earlier priority). Judging the same parts on the same facts tells why a rule did not fire: its own
test failed (`NotMet`), or it held but another rule set it aside (`GaveWay`). A rule whose parts all
hold but which did not fire is `Inconsistent` — reported, never explained away.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar, Union

from ..formula import expr
from ..pipeline.compiler import Attempt, Part
from ..pipeline.facts import Fact
from ..pipeline.runtime import Firing
from .trace import Trace

__all__ = ["Fired", "NotMet", "GaveWay", "Inconsistent", "Verdict", "judge"]


@dataclass(frozen=True)
class Fired:
    firing: Firing
    status: ClassVar[str] = "fired"


@dataclass(frozen=True)
class NotMet:
    failed: tuple[dict, ...] = ()   # the tests not true, each with its values and sentence (empty when not asked)
    status: ClassVar[str] = "not_met"


@dataclass(frozen=True)
class GaveWay:
    holding: tuple[str, ...]        # the rules whose precedence part held against it
    set_aside_by: tuple[str, ...]   # those of them that fired (or, for a nested exception, what won)
    parts: tuple[str, ...]          # the roles of the precedence parts that failed
    status: ClassVar[str] = "gave_way"


@dataclass(frozen=True)
class Inconsistent:
    status: ClassVar[str] = "inconsistent"


Verdict = Union[Fired, NotMet, GaveWay, Inconsistent]


def judge(trace: Trace, attempt: Attempt, fact: Fact, resolve=None, detail: bool = True) -> Verdict:
    """The verdict of one attempt on one fact. `detail=False` leaves out the failed tests of a rule not met
    (asking only whether a rule gave way needs none: they are most of the cost of explaining)."""
    resolve = resolve or trace.resolver(fact)
    decision = attempt.decision
    fired = [f for f in trace.fired_on(decision.name, fact)
             if f.rule.id == attempt.rule.id and f.variant.bindings == attempt.bindings]
    if fired:
        return Fired(fired[0])
    own = [part for part in attempt.parts if part.own]
    if not detail:
        if any(_holds(trace, part, fact, resolve) is not True for part in own):
            return NotMet()
        failed_own = []
    else:
        failed_own = [part for part in own if _holds(trace, part, fact, resolve) is not True]
    if failed_own:
        return NotMet(tuple(t for part in failed_own for t in _failed_tests(trace, part, fact, resolve)))
    failed_precedence = [part for part in attempt.parts if not part.own and _holds(trace, part, fact, resolve) is not True]
    if not failed_precedence:
        return Inconsistent()
    holding = [rid for part in failed_precedence for rid, item in zip(part.rules, part.items)
               if trace.truth(item, resolve) is True]
    fired_here = {f.rule.id: f for f in trace.fired_on(decision.name, fact) + trace.blocks_on(decision.name, fact)}
    set_aside_by = [rid for rid in dict.fromkeys(holding) if rid in fired_here]
    if not set_aside_by:
        # A nested exception: the rule that stood in the way was itself set aside; what fired is what won.
        set_aside_by = [f.rule.id for f in trace.fired_on(decision.name, fact)]
    return GaveWay(tuple(dict.fromkeys(holding)), tuple(set_aside_by), tuple(p.role for p in failed_precedence))


def _holds(trace: Trace, part: Part, fact: Fact, resolve):
    if part.role == "reads":
        # the network joins on the conclusion itself, whatever its value (null included)
        return (fact.subject, part.rules[0]) in trace.concluded
    return trace.truth(part.node, resolve)


def _failed_tests(trace: Trace, part: Part, fact: Fact, resolve) -> list[dict]:
    """The tests of a part that are not true, each with the values it read and as a sentence."""
    words = trace.words
    if part.role == "reads":
        name = part.rules[0]
        return [{"test": expr.render(part.node), "result": False, "values": {name: None},
                 "sentence": f"须先得出“{words.label(fact.kind, name)}”（本例未得出）"}]
    if part.role == "otherwise":
        holding = [rid for rid, item in zip(part.rules, part.items) if trace.truth(item, resolve) is True]
        entry = _test(trace, part.node, fact, resolve)
        entry["rules"] = holding
        rules = trace.policy.rules
        entry["sentence"] = "已有其他规则适用：" + "、".join(f"{rules[r].title}（{r}）" for r in holding)
        return [entry]
    tests = list(part.node.items) if isinstance(part.node, expr.And) else [part.node]
    out = []
    for test in tests:
        if trace.truth(test, resolve) is not True:
            entry = _test(trace, test, fact, resolve)
            if part.role == "scope":
                entry["scope"] = True
            out.append(entry)
    return out


def _test(trace: Trace, node, fact: Fact, resolve) -> dict:
    values = {n: resolve(n) for n in expr.names(node)}
    result = trace.truth(node, resolve)
    return {"test": expr.render(node), "sentence": trace.words.sentence(node, fact.kind, values),
            "result": "unknown" if result is None else False,
            "values": {n: expr.plain(v) for n, v in values.items()}}
