"""From firings to determinations, by each decision's declared hit policy.

`unique`/`priority`: one value per subject (exceptions were compiled into the
conditions, so two different values mean two rules overlap — an error, never
a silent pick). `collect`: the sorted list of everything concluded ([] when
nothing fired). Decisions with `scenarios` (暂停 months): one value per
resolution, combined — the value if all agree, else the declared undecided
value, with the possible values listed in a companion decision.
"""
from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from typing import Any

from . import expr
from .facts import Fact
from .model import Decision, Policy
from .runtime import Firing


@dataclass
class Determination:
    subject: str
    decision: str
    value: Any
    firings: list[Firing] = field(default_factory=list)
    facts: list[Fact] = field(default_factory=list)   # the facts the decision was judged on
    how: str = "rule"                                  # rule | collect | scenarios | possible


@dataclass(frozen=True)
class Issue:
    subject: str
    decision: str
    message: str

    def as_json(self, case_id: str, file: str) -> dict:
        return {"file": file, "case": case_id, "path": f"{self.decision}[{self.subject}]", "line": None, "col": None,
                "message": self.message}


def applies(decision: Decision, fact: Fact, params) -> bool:
    if decision.applies_when is None:
        return True
    return expr.truth(expr.evaluate(decision.applies_when, fact.get, params)) is True


def _value_key(v):
    return repr(v)


def resolve(policy: Policy, facts: list[Fact], firings: list[Firing], params) -> tuple[list[Determination], list[Issue]]:
    by_decision: dict[str, dict[str, list[Firing]]] = defaultdict(lambda: defaultdict(list))
    for f in firings:
        by_decision[f.variant.decision.name][f.fact.fid].append(f)
    facts_by_kind: dict[str, list[Fact]] = defaultdict(list)
    for fact in facts:
        facts_by_kind[fact.kind].append(fact)

    out: list[Determination] = []
    issues: list[Issue] = []
    for decision in policy.decisions.values():
        fired = by_decision.get(decision.name, {})
        if decision.hit == "collect":
            per_subject: dict[str, list[Firing]] = defaultdict(list)
            for fid_firings in fired.values():
                for f in fid_firings:
                    per_subject[f.fact.subject].append(f)
            judged: dict[str, list[Fact]] = defaultdict(list)
            for fact in facts_by_kind[decision.of]:
                judged[fact.subject].append(fact)
            for subject_fact in facts_by_kind[decision.subject]:
                subject = subject_fact.subject
                hits = per_subject.get(subject, [])
                values = sorted({_value_key(f.value): f.value for f in hits}.values(), key=str)
                out.append(Determination(subject, decision.name, values, hits, judged.get(subject, []), "collect"))
            continue

        per_subject_facts: dict[str, list[Fact]] = defaultdict(list)
        for fact in facts_by_kind[decision.of]:
            if applies(decision, fact, params):
                per_subject_facts[fact.subject].append(fact)
        for subject, judged in per_subject_facts.items():
            per_fact: list[tuple[Fact, Any, list[Firing]]] = []
            failed = False
            for fact in judged:
                hits = fired.get(fact.fid, [])
                values = {_value_key(f.value): f.value for f in hits}
                if not hits:
                    issues.append(Issue(subject, decision.name, f"no rule of «{decision.name}» applies"
                                        + (f" (scenario {fact.values.get('scenario')})" if decision.scenarios else "")
                                        + ": the policy has a gap here"))
                    failed = True
                elif len(values) > 1:
                    rules = "; ".join(f"{f.rule.id} → {expr.plain(f.value)}" for f in hits)
                    issues.append(Issue(subject, decision.name, f"rules of «{decision.name}» disagree: {rules}"))
                    failed = True
                else:
                    per_fact.append((fact, next(iter(values.values())), hits))
            if failed:
                continue
            if decision.scenarios is None:
                fact, value, hits = per_fact[0]
                out.append(Determination(subject, decision.name, value, hits, [fact]))
                continue
            sc = decision.scenarios
            possible = sorted({v for _, v, _ in per_fact}, key=lambda v: sc.order.index(v) if v in sc.order else len(sc.order))
            all_hits = [f for _, _, hits in per_fact for f in hits]
            all_facts = [fact for fact, _, _ in per_fact]
            if len(possible) == 1:
                out.append(Determination(subject, decision.name, possible[0], all_hits, all_facts))
            else:
                out.append(Determination(subject, decision.name, sc.undecided, all_hits, all_facts, "scenarios"))
            out.append(Determination(subject, sc.possible, possible, all_hits, all_facts, "possible"))
    return out, issues
