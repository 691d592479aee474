"""Why not another value: the compiled conditions that could have given it, judged on what the network saw.

For every attempt that could give the wanted value (`CompiledPolicy.attempts`, the conditions exactly as
the network holds them), on every fact of the subject: its verdict (fired, not met and which tests
failed, set aside and by whom) and, for a computed value, which inputs would have given it. The rule
that actually fired is named in its place; nothing is evaluated that the network did not evaluate.
"""
from __future__ import annotations

import itertools
from collections import defaultdict
from typing import Any

from ..common.words import same_value
from ..formula import expr
from ..pipeline.compiler import Attempt
from ..pipeline.evaluate import CaseResult
from ..pipeline.facts import Fact
from ..pipeline.resolve import Determination
from ..policy.model import Decision, Policy
from .pieces import Pieces
from .trace import Trace
from .verdicts import Fired, GaveWay, NotMet, judge
from ..common.words import shown

__all__ = ["WhyNot", "reached"]

_MAX_COMBINATIONS = 20_000   # bound on the search for parts of a computed value (sums of allowances)


def reached(decision: Decision, d: Determination | None, value) -> bool:
    """Does the determination have this value? For a `collect` decision: is the value among those collected."""
    if d is None:
        return False
    if decision.hit == "collect" and not isinstance(value, list):
        return any(same_value(v, value) for v in d.value)
    return same_value(d.value, value)


class WhyNot:
    """Why-not answers for one case; the combinations tried for computed values are kept per instance."""

    def __init__(self, trace: Trace, pieces: Pieces | None = None):
        self.trace, self.pieces = trace, pieces or Pieces(trace)
        self.policy = trace.policy
        self._solved: dict[tuple, dict[str, list[dict]]] = {}   # per attempt: computed value → the inputs giving it

    @classmethod
    def of(cls, policy: Policy, result: CaseResult) -> "WhyNot":
        return cls(Trace.of(policy, result))

    def why_not(self, subject: str, decision_name: str, value: Any) -> dict:
        decision = self.policy.decisions[decision_name]
        d = self.trace.index.get((subject, decision_name))
        out: dict[str, Any] = {"subject": subject, "decision": decision_name, "label": decision.label,
                               "value": expr.plain(value), "actual": None if d is None else expr.plain(d.value),
                               "reached": reached(decision, d, value),
                               "fired": [] if d is None else list(dict.fromkeys(f.rule.id for f in d.firings)),
                               "rules": []}
        if out["reached"]:
            by = [f.rule for f in d.firings if decision.hit != "collect" or same_value(f.value, value)]
            out["summary"] = f"已得出“{shown(value)}”" + (
                "：" + "、".join(f"{r.title}（{r.id}，{r.clause}）" for r in dict.fromkeys(by)) if by else "")
            return out
        facts = self.trace.facts_of.get((decision.of, subject), [])
        if decision.scenarios and same_value(value, decision.scenarios.undecided):
            out["summary"] = self._undecided(decision, d)
            return out
        if not facts:
            kind = self.policy.kinds[decision.of].label
            out["summary"] = f"{subject} 没有{kind}，故不作“{decision.label}”判定"
            return out
        for rule in decision.rules:
            if not rule.concludes:
                continue
            for attempt in self.trace.compiled.attempts.get(rule.id, ()):
                if isinstance(attempt.value, expr.Lit) and not same_value(attempt.value.value, value):
                    continue
                for fact in facts:
                    entry = self._attempt(attempt, fact, value)
                    if entry is not None:
                        out["rules"].append(entry)
        if not out["rules"]:
            out["summary"] = f"没有规则能得出“{shown(value)}”"
        else:
            out["summary"] = "；".join(e["summary"] for e in out["rules"])
        return out

    def _undecided(self, decision: Decision, d: Determination | None) -> str:
        sc = decision.scenarios
        if d is None:
            return f"未作“{decision.label}”判定"
        return (f"只有当{sc.possible_label}不止一个时才为“{sc.undecided}”（{sc.clause}「{sc.text}」）；"
                f"本例各情形均得出“{shown(d.value)}”")

    def _attempt(self, attempt: Attempt, fact: Fact, value) -> dict | None:
        rule, decision, trace = attempt.rule, attempt.decision, self.trace
        resolve = trace.resolver(fact)
        if not isinstance(attempt.value, expr.Lit) and not any(trace.reads_decision(fact, n) for n in expr.names(attempt.value)):
            # A value computed from this fact alone (a month, a date): only the fact that could give it matters.
            got = expr.evaluate(attempt.value, resolve, trace.params)
            several = decision.hit == "collect" or len(trace.facts_of.get((fact.kind, fact.subject), [])) > 1
            if not same_value(got, value) and several:
                return None
        entry: dict[str, Any] = {"rule": rule.id, "title": rule.title, "clause": rule.clause, "text": rule.text,
                                 "condition": rule.when_text}
        if attempt.bindings:
            entry["lookup"] = {k: v for k, v in attempt.bindings}
        if fact.scenario:
            entry["judged_on"] = fact.scenario
        verdict = judge(trace, attempt, fact, resolve)
        entry["status"] = verdict.status
        entry["failed"] = list(verdict.failed) if isinstance(verdict, NotMet) else []
        label = rule.title   # the sentence names rules by title; the JSON keeps their ids ("rule", "set_aside_by")
        where = f"在{fact.scenario}的情形下，" if fact.scenario else ""
        if isinstance(verdict, Fired):
            got = verdict.firing.value
            entry["got"] = expr.plain(got)
            if same_value(got, value):
                entry["summary"] = f"{where}{label}得出“{shown(value)}”，但其他情形的结果不同"
            else:
                entry["needs"] = self._needs(attempt, fact, value)
                needs = "；或".join(n["sentence"] for n in entry["needs"])
                entry["summary"] = (f"{where}{label}按{trace.words.term(rule.compute, fact.kind) if rule.compute else '规则'}"
                                    f"计算得 {shown(got)}，而非 {shown(value)}" + (f"；要得到 {shown(value)}，需要 {needs}" if needs else ""))
        elif isinstance(verdict, NotMet):
            tests = "；".join(t["sentence"] for t in entry["failed"])
            entry["summary"] = f"{where}{label}的条件不成立：{tests}"
        elif isinstance(verdict, GaveWay):
            rules = self.policy.rules
            entry["set_aside_by"] = [self.pieces.rule_ref(rules[r]) for r in verdict.set_aside_by]
            entry["holding"] = list(verdict.holding)
            by = "、".join(rules[r].title + (f"（得出“{shown(rules[r].then)}”）" if rules[r].has_then and rules[r].concludes
                                            else "") for r in verdict.set_aside_by)
            how = "排除了该规则" if all(not rules[r].concludes for r in verdict.set_aside_by) else "优先适用"
            entry["summary"] = f"{where}{label}的条件成立，但{by}{how}，故未得出“{shown(value)}”"
        else:
            entry["summary"] = f"{where}{label}：编译后的条件成立但规则未触发，引擎与解释不一致，请报告此问题"
        return entry

    def _needs(self, attempt: Attempt, fact: Fact, value) -> list[dict]:
        """For a computed value: which inputs of the formula would give the wanted value (fewest changed first)."""
        trace, words = self.trace, self.trace.words
        resolve = trace.resolver(fact)
        names = expr.names(attempt.value)
        actual = {n: resolve(n) for n in names}
        domains = {n: self.domain(n) if trace.reads_decision(fact, n) else None for n in names}
        if any(domains[n] is None for n in names) or not names:
            return [{"sentence": "、".join(f"{words.label(fact.kind, n)}（实际 {shown(actual[n])}）" for n in names)
                     + f"使计算结果为 {shown(value)}", "changes": {}}]
        found = []
        for assignment in self._solutions(attempt, names, domains).get(repr(expr.plain(value)), ()):
            changed = {n: {"from": expr.plain(actual[n]), "to": expr.plain(v)} for n, v in assignment.items()
                       if not same_value(v, actual[n])}
            found.append(changed)
        found.sort(key=len)
        out = []
        for changed in found[:3]:
            out.append({"changes": changed, "sentence": "，".join(
                f"{words.label(fact.kind, n)}为 {shown(c['to'])}（实际 {shown(c['from'])}）" for n, c in changed.items())})
        if not out:
            out.append({"changes": {}, "sentence": f"没有任何取值组合能使计算结果为 {shown(value)}"})
        return out

    def _solutions(self, attempt: Attempt, names: list[str], domains: dict) -> dict[str, list[dict]]:
        """Every combination of the formula's inputs, grouped by the value it computes (once per instance)."""
        key = (attempt.rule.id, attempt.bindings)
        if key not in self._solved:
            grouped: dict[str, list[dict]] = defaultdict(list)
            for combo in itertools.islice(itertools.product(*(domains[n] for n in names)), _MAX_COMBINATIONS):
                assignment = dict(zip(names, combo))
                got = expr.evaluate(attempt.value, lambda n: assignment[n], self.trace.params)
                grouped[repr(expr.plain(got))].append(assignment)
            self._solved[key] = dict(grouped)
        return self._solved[key]

    def domain(self, decision_name: str) -> list | None:
        """Every value the decision's rules can give, or None when some value is computed from facts (dates, months)."""
        decision = self.policy.decisions[decision_name]
        values: list = []
        for rule in decision.rules:
            for attempt in self.trace.compiled.attempts.get(rule.id, ()) if rule.concludes else ():
                if isinstance(attempt.value, expr.Lit):
                    values.append(expr.plain(attempt.value.value))
                    continue
                names = expr.names(attempt.value)
                if not names or any(n not in self.policy.decisions or n == decision_name for n in names):
                    return None
                parts = [self.domain(n) for n in names]
                if any(p is None for p in parts):
                    return None
                for combo in itertools.islice(itertools.product(*parts), _MAX_COMBINATIONS):
                    assignment = dict(zip(names, combo))
                    values.append(expr.plain(expr.evaluate(attempt.value, lambda n: assignment[n], self.trace.params)))
        return sorted({repr(v): v for v in values}.values(), key=lambda v: (str(type(v)), str(v)))
