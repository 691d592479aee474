"""From firings to determinations, by each decision's declared hit policy. Nothing here re-decides.

The network has already decided everything: which facts are in a decision's
scope (`applies_when` is compiled into scope rules), which rules take effect
(exceptions and priorities are compiled into the conditions) and what they
conclude. Resolving only combines those firings:

`unique`/`priority`: one value per subject (two different values mean two
rules overlap — an error, never a silent pick; a fact in scope with no value
is a gap). `collect`: the sorted list of everything concluded ([] when
nothing fired). Decisions with `scenarios` (暂停 months): one value per
resolution, combined — the value if all agree, else the declared undecided
value, with the possible values listed in a companion decision.
"""
from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from typing import Any

from ..formula import expr
from .facts import Fact
from ..policy.model import Decision, Policy
from .runtime import Firing

__all__ = ["Determination", "Issue", "Firings", "resolve"]


@dataclass(slots=True)
class Determination:
    subject: str
    decision: str
    value: Any
    firings: list[Firing] = field(default_factory=list)   # the concluding firings behind the value
    facts: list[Fact] = field(default_factory=list)       # the facts the decision was judged on
    how: str = "rule"                                      # rule | collect | scenarios | possible
    blocks: list[Firing] = field(default_factory=list)    # `blocks:` rules that took effect on those facts


@dataclass(frozen=True)
class Issue:
    subject: str
    decision: str
    message: str


@dataclass
class Firings:
    """The firings of one case, indexed the ways resolving and explaining read them."""
    concluded: dict[str, dict[str, list[Firing]]]    # decision → fid → concluding firings
    blocked: dict[str, dict[str, list[Firing]]]      # decision → fid → blocking firings
    in_scope: dict[str, set[str]]                    # decision → fids its scope rule fired on

    @classmethod
    def index(cls, firings: list[Firing]) -> "Firings":
        concluded: dict = defaultdict(lambda: defaultdict(list))
        blocked: dict = defaultdict(lambda: defaultdict(list))
        in_scope: dict = defaultdict(set)
        for f in firings:
            if f.variant.role == "scope":
                for name in f.variant.scope_of:
                    in_scope[name].add(f.fact.fid)
            else:
                target = concluded if f.variant.role == "conclude" else blocked
                target[f.variant.decision.name][f.fact.fid].append(f)
        return cls(concluded, blocked, in_scope)

    def judged(self, decision: Decision, facts: list[Fact]) -> list[Fact]:
        """The facts of the decision's kind that the network put in its scope."""
        if decision.applies_when is None:
            return facts
        fids = self.in_scope.get(decision.name, set())
        return [f for f in facts if f.fid in fids]


def _value_key(v):
    return repr(v)


def resolve(policy: Policy, facts: list[Fact], firings: list[Firing]) -> tuple[list[Determination], list[Issue]]:
    index = Firings.index(firings)
    facts_by_kind: dict[str, list[Fact]] = defaultdict(list)
    for fact in facts:
        facts_by_kind[fact.kind].append(fact)

    out: list[Determination] = []
    issues: list[Issue] = []
    for decision in policy.decisions.values():
        fired = index.concluded.get(decision.name, {})
        blocked = index.blocked.get(decision.name, {})
        judged_by_subject: dict[str, list[Fact]] = defaultdict(list)
        for fact in index.judged(decision, facts_by_kind[decision.of]):
            judged_by_subject[fact.subject].append(fact)

        if decision.hit == "collect":
            for subject_fact in facts_by_kind[decision.subject]:
                subject = subject_fact.subject
                judged = judged_by_subject.get(subject, [])
                if decision.applies_when is not None and not judged:
                    continue
                unsure = next((fact.incomplete for fact in judged if fact.incomplete), "")
                if unsure:
                    issues.append(Issue(subject, decision.name, f"未判定：{unsure}"))
                    continue
                hits = [f for fact in judged for f in fired.get(fact.fid, [])]
                values = sorted({_value_key(f.value): f.value for f in hits}.values(), key=str)
                out.append(Determination(subject, decision.name, values, hits, judged, "collect",
                                         [b for fact in judged for b in blocked.get(fact.fid, [])]))
            continue

        for subject, judged in judged_by_subject.items():
            per_fact: list[tuple[Fact, Any, list[Firing]]] = []
            failed = False
            for fact in judged:
                hits = fired.get(fact.fid, [])
                # one firing (nearly always): its value; several: their distinct values
                values = {_value_key(f.value): f.value for f in hits} if len(hits) > 1 else None
                if not hits and fact.incomplete:
                    issues.append(Issue(subject, decision.name, f"未判定：{fact.incomplete}"))
                    failed = True
                elif not hits:
                    issues.append(Issue(subject, decision.name, f"“{decision.label}”没有规则适用"
                                        + (f"（{fact.scenario}）" if fact.scenario else "")
                                        + "：政策在此有空缺，未作判定"))
                    failed = True
                elif values is not None and len(values) > 1:
                    rules = "；".join(f"{f.rule.id} → {expr.plain(f.value)}" for f in hits)
                    issues.append(Issue(subject, decision.name, f"“{decision.label}”的规则结论不一致，未作判定：{rules}"))
                    failed = True
                else:
                    per_fact.append((fact, hits[0].value if values is None else next(iter(values.values())), hits))
            if failed:
                continue
            blocks = [b for fact in judged for b in blocked.get(fact.fid, [])]
            if decision.scenarios is None:
                fact, value, hits = per_fact[0]
                out.append(Determination(subject, decision.name, value, hits, [fact], "rule", blocks))
                continue
            sc = decision.scenarios
            possible = sorted({v for _, v, _ in per_fact}, key=lambda v: sc.order.index(v) if v in sc.order else len(sc.order))
            all_hits = [f for _, _, hits in per_fact for f in hits]
            all_facts = [fact for fact, _, _ in per_fact]
            if len(possible) == 1:
                out.append(Determination(subject, decision.name, possible[0], all_hits, all_facts, "rule", blocks))
            else:
                out.append(Determination(subject, decision.name, sc.undecided, all_hits, all_facts, "scenarios", blocks))
            out.append(Determination(subject, sc.possible, possible, all_hits, all_facts, "possible", blocks))
    return out, issues
