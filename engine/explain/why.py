"""Why this value: the full explanation of a determination, read from the firings in the trace.

The rule that fired, the clause and its words, the condition as a sentence with this subject's values,
the facts and parameter values it read (each fact with its derivation), the interpretations it relied
on, the `blocks:` rules that fired, the rules that also held but gave way, and the conclusions it joined
on, explained in turn. Nothing here decides: a determination without a firing says so.
"""
from __future__ import annotations

from typing import Any

from ..formula import expr
from ..pipeline.evaluate import CaseResult
from ..pipeline.facts import Fact
from ..pipeline.resolve import Determination
from ..pipeline.runtime import Firing
from ..policy.model import Decision, Policy, Rule
from .pieces import Pieces
from .trace import MAX_SHAPES, Trace
from .verdicts import GaveWay, judge
from ..common.words import shown

__all__ = ["Why", "OTHERWISE", "own_condition", "own_sentence", "reads", "scenarios"]

_MAX_DEPTH = 6   # conclusions built on conclusions: the tree stops here (the policy's chains are shorter)


OTHERWISE = "文件列明的其他情形均不适用"


def own_condition(trace: Trace, rule: Rule, bindings):
    """The rule's own condition as compiled (parameters inlined, lookup key bound); None for `otherwise`."""
    if rule.otherwise:
        return None
    attempt = next((a for a in trace.compiled.attempts.get(rule.id, ()) if a.bindings == bindings), None)
    return next((p.node for p in attempt.parts if p.role == "when"), rule.when) if attempt else rule.when


def reads(trace: Trace, rule: Rule, decision: Decision) -> tuple[tuple[str, ...], tuple[expr.Param, ...]]:
    """The names and the parameters the rule's condition, its computed value and the decision's scope read, in
    order (names once each): found once per ruleset."""
    memo = trace.compiled.shapes
    key = ("reads", rule.id, decision.name)
    found = memo.get(key)
    if found is None:
        nodes = [n for n in (rule.when, rule.compute, decision.applies_when) if n is not None]
        found = memo[key] = (tuple(dict.fromkeys(n for node in nodes for n in expr.names(node))),
                             tuple(p for node in nodes for p in expr.walk(node) if isinstance(p, expr.Param)))
    return found


def own_sentence(trace: Trace, rule: Rule, bindings, fact: Fact) -> str:
    """The rule's own condition as compiled (parameters inlined, lookup key bound), with the facts' values."""
    node = own_condition(trace, rule, bindings)
    if node is None:
        return OTHERWISE
    resolve = trace.resolver(fact)
    return trace.sentence(node, fact.kind, {n: resolve(n) for n in expr.names(node)})


def scenarios(d: Determination) -> list[dict]:
    """For a decision judged under several scenarios (暂停…): what each scenario assumed and gave."""
    out = []
    for fact in d.facts:
        firing = next((f for f in d.firings if f.fact.fid == fact.fid), None)
        out.append({"assumes": fact.scenario or "本情形",
                    "value": None if firing is None else expr.plain(firing.value),
                    "rule": None if firing is None else firing.rule.id,
                    "clause": None if firing is None else firing.rule.clause})
    return out


class Why:
    """Full explanations of one case's determinations (the contract's self-contained trees)."""

    def __init__(self, trace: Trace, pieces: Pieces | None = None):
        self.trace, self.pieces = trace, pieces or Pieces(trace)
        self.policy = trace.policy

    @classmethod
    def of(cls, policy: Policy, result: CaseResult) -> "Why":
        return cls(Trace.of(policy, result))

    def why(self, subject: str, decision_name: str, depth: int = 0) -> dict:
        d = self.trace.index.get((subject, decision_name))
        if d is None:
            return {"decision": decision_name, "subject": subject, "value": None,
                    "note": f"未作“{self.trace.words.label(None, decision_name)}”判定"}
        return self.determination(d, depth)

    def determination(self, d: Determination, depth: int = 0) -> dict:
        decision = self.trace.decision(d.decision)
        if d.how == "rule" and d.firings and not (decision.scenarios and len(d.facts) > 1):
            out = self.firing(d.firings[0], depth)
            also = sorted({f.rule.id for f in d.firings[1:] if f.rule.id != out["rule"]})
            if also:
                out["also"] = also
            return out
        if decision.scenarios and d.how in ("rule", "scenarios", "possible"):
            return self._scenario_explanation(decision, d, depth)
        if d.how == "collect":
            return self._collect_explanation(decision, d, depth)
        return {"decision": d.decision, "subject": d.subject, "value": expr.plain(d.value), "note": "没有规则得出结论"}

    def firing(self, firing: Firing, depth: int = 0) -> dict:
        rule, decision, fact = firing.rule, firing.variant.decision, firing.fact
        pieces, trace = self.pieces, self.trace
        names, read = reads(trace, rule, decision)
        facts = {n: pieces.fact_entry(fact, n) for n in names if not trace.reads_decision(fact, n)}
        params = dict(pieces.parameter(p, fact) for p in read)
        out: dict[str, Any] = {
            "rule": rule.id, "title": rule.title, "clause": rule.clause, "text": rule.text,
            "value": expr.plain(firing.value), "condition": rule.when_text,
            "sentence": own_sentence(trace, rule, firing.variant.bindings, fact),
        }
        if rule.compute_text:
            out["computed"] = rule.compute_text
            out["computed_sentence"] = trace.words.term(rule.compute, fact.kind)
        if firing.variant.bindings:
            out["lookup"] = {k: v for k, v in firing.variant.bindings}
        out["facts"] = facts
        out["parameters"] = params
        amended = sorted({p["reference"] for p in params.values() if p.get("reference")})
        if amended:   # the quoted words give the numbers of the original text, no longer those in force
            out["amended_by"] = amended
        out["interpretations"] = pieces.interpretations_of(list(rule.interpretations) + list(decision.interpretations),
                                                           facts, params)
        if fact.kind != decision.subject:
            out["judged_on"] = {"kind": fact.kind, "label": self.policy.kinds[fact.kind].label}
        if fact.scenario:
            out["scenario"] = fact.scenario
        blocked = [dict(pieces.rule_ref(b.rule), text=b.rule.text) for b in trace.blocks_on(decision.name, fact)]
        if blocked:
            out["blocked"] = blocked
        gave_way = self._gave_way(decision, rule, fact)
        if gave_way:
            out["overrides"] = gave_way
        out["because"] = ([self.why(fact.subject, d, depth + 1) for _, d in firing.variant.joins]
                          if depth < _MAX_DEPTH else [])
        return out

    def _gave_way(self, decision: Decision, winner: Rule, fact: Fact) -> list[dict]:
        """Rules whose own condition held on this fact but which an exception or an earlier value set aside.

        The verdicts read only the compiled tests and the firings, which are the same on every fact of a class
        (`Fact.klass`): judged once per class, position, decision and winner."""
        if not fact.klass:
            return self._judged_gave_way(decision, winner, fact)
        memo = self.trace.compiled.shapes
        key = ("gave_way", fact.klass, decision.name, winner.id)
        found = memo.get(key)
        if found is None:
            if len(memo) > MAX_SHAPES:
                memo.clear()
            found = memo[key] = self._judged_gave_way(decision, winner, fact)
        return list(found)

    def _judged_gave_way(self, decision: Decision, winner: Rule, fact: Fact) -> list[dict]:
        out = []
        resolve = self.trace.resolver(fact)
        for rule in decision.rules:
            if rule.id == winner.id or not rule.concludes:
                continue
            for attempt in self.trace.compiled.attempts.get(rule.id, ()):
                verdict = judge(self.trace, attempt, fact, resolve, detail=False)
                if isinstance(verdict, GaveWay):
                    by = [self.pieces.rule_ref(self.policy.rules[r]) for r in verdict.set_aside_by]
                    out.append(dict(self.pieces.rule_ref(rule), by=by))
                    break
        return out

    def _varying_facts(self, decision: Decision, facts: list[Fact]) -> dict:
        """The attributes the rules read, with every value they take across the facts judged."""
        names = [n for r in decision.rules for n in expr.names(r.when)
                 if self.policy.kinds[decision.of].label_of(n.split(".")[0]) is not None]
        out = {}
        for n in dict.fromkeys(names):
            entry = self.pieces.fact_entry(facts[0], n)
            values = sorted({repr(expr.plain(f.get(n))): expr.plain(f.get(n)) for f in facts}.values(), key=str)
            if len(values) > 1:
                entry["value"], entry["detail"] = values, "、".join(f"{f.scenario or '本情形'}：{shown(f.get(n))}" for f in facts)
            out[n] = entry
        return out

    def _scenario_explanation(self, decision: Decision, d: Determination, depth: int) -> dict:
        sc = decision.scenarios
        title = sc.possible_label if d.how == "possible" else (sc.undecided if d.how == "scenarios" else decision.label)
        return {"rule": f"{decision.name}.scenarios", "title": title, "clause": sc.clause, "text": sc.text,
                "value": expr.plain(d.value), "facts": self._varying_facts(decision, d.facts) if d.facts else {},
                "parameters": {}, "interpretations": [self.pieces.interpretation(n) for n in sc.interpretations],
                "scenarios": scenarios(d), "because": [self.firing(f, depth + 1) for f in d.firings]}

    def _collect_explanation(self, decision: Decision, d: Determination, depth: int) -> dict:
        rules = [r for r in decision.rules if r.concludes]
        facts: dict[str, dict] = {}
        for rule in rules:
            for n in expr.names(rule.when):
                values = {repr(f.get(n)) for f in d.facts}
                for f in d.facts:
                    key = n if len(values) == 1 else f"{n}[{f.fid.rsplit(':', 1)[-1]}]"
                    facts.setdefault(key, self.pieces.fact_entry(f, n))
        rule = rules[0]
        params = {}
        for r in rules:
            if d.facts:
                params.update(self.pieces.parameter(p, d.facts[0]) for p in expr.walk(r.when) if isinstance(p, expr.Param))
        return {"rule": rule.id, "title": rule.title, "clause": rule.clause, "text": rule.text,
                "value": expr.plain(d.value), "condition": rule.when_text,
                "sentence": self.trace.words.sentence(rule.when, decision.of), "facts": facts, "parameters": params,
                "interpretations": self.pieces.interpretations_of(list(rule.interpretations), {}, params),
                "because": [self.firing(f, depth + 1) for f in d.firings]}
