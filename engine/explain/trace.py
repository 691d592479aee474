"""The trace: what the engine did for one case, indexed for reading. Every explanation reads it.

A determination's explanation — brief, full, why-not, a diff's reasons, a letter, an appeal — is read
from this one record of the run (the firings durable_rules made, the facts it saw, the conclusions it
asserted, the conditions as compiled), never from a second evaluation of the rules. As OpenFisca's
tracer keeps one computation log and OPA one trace, the views differ only in how much they show.
"""
from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from typing import Any, Callable

from ..formula import expr
from ..pipeline.compiler import CompiledPolicy
from ..pipeline.evaluate import CaseResult
from ..pipeline.facts import Fact
from ..pipeline.resolve import Determination, Firings
from ..pipeline.runtime import Firing
from ..policy.model import Decision, Policy
from ..policy.params import ParamView
from .wording import Wording

__all__ = ["Trace", "MAX_SHAPES"]

# what explanations remember per ruleset (CompiledPolicy.shapes: shapes, parameter entries, sentences, verdicts);
# past this many entries the memory starts afresh
MAX_SHAPES = 200_000


@dataclass
class Trace:
    """One case's run: its determinations, firings, facts and the conclusions the network saw."""
    policy: Policy
    result: CaseResult
    params: ParamView
    compiled: CompiledPolicy
    words: Wording
    index: dict[tuple[str, str], Determination]            # (subject, decision) → its determination
    firings: Firings
    facts_of: dict[tuple[str, str], list[Fact]]            # (kind, subject) → its facts (one per scenario)
    concluded: dict[tuple[str, str], list] = field(default_factory=dict)   # (subject, decision) → values asserted

    @classmethod
    def of(cls, policy: Policy, result: CaseResult) -> "Trace":
        facts_of: dict[tuple[str, str], list[Fact]] = defaultdict(list)
        for fact in result.facts:
            facts_of[(fact.kind, fact.subject)].append(fact)
        # what the network saw of each decision: the conclusions asserted for a subject
        concluded: dict[tuple[str, str], list] = defaultdict(list)
        for f in result.firings:
            if f.variant.role == "conclude":
                concluded[(f.fact.subject, f.variant.decision.name)].append(f.value)
        return cls(policy, result, result.params, result.compiled, Wording(policy),
                   {(d.subject, d.decision): d for d in result.determinations}, Firings.index(result.firings),
                   facts_of, concluded)

    def decision(self, name: str) -> Decision:
        """A decision by name; a scenario decision's `possible` value names the decision that owns it."""
        found = self.policy.decisions.get(name)
        if found is not None:
            return found
        return next(x for x in self.policy.decisions.values() if x.scenarios and x.scenarios.possible == name)

    def sentence(self, node, kind: str | None, values: dict[str, Any]) -> str:
        """`words.sentence` of a condition with the values it read, remembered per ruleset by the condition, kind
        and values: a roster repeats the same few."""
        memo = self.compiled.shapes
        key = ("sentence", id(node), kind, repr(tuple(values.values())))
        text = memo.get(key)
        if text is None:
            if len(memo) > MAX_SHAPES:
                memo.clear()
            text = memo[key] = self.words.sentence(node, kind, values)
        return text

    def reads_decision(self, fact: Fact, name: str) -> bool:
        """Whether `name`, read on `fact`, is another decision's conclusion rather than an attribute of the fact."""
        return name in self.policy.decisions and self.policy.kinds[fact.kind].label_of(name.split(".")[0]) is None

    def resolver(self, fact: Fact) -> Callable[[str], Any]:
        """Names as the network saw them on this fact: its attributes, and the conclusions asserted for its subject."""
        def resolve(name: str):
            if self.reads_decision(fact, name):
                values = self.concluded.get((fact.subject, name), [])
                return values[0] if values else None
            return fact.get(name)
        return resolve

    def truth(self, node, resolve) -> bool | None:
        return expr.truth(expr.evaluate(node, resolve, self.params))

    def fired_on(self, decision: str, fact: Fact) -> list[Firing]:
        return self.firings.concluded.get(decision, {}).get(fact.fid, [])

    def blocks_on(self, decision: str, fact: Fact) -> list[Firing]:
        return self.firings.blocked.get(decision, {}).get(fact.fid, [])
