"""Explain determinations: why this value (the derivation tree), and why not another (what failed).

An explanation is plain data (JSON-ready), built after the run from the
firings, the facts they matched and the policy; nothing here re-decides a
case. `why` follows a determination down through the decisions it read to
the input facts, naming every clause, parameter and interpretation on the
way. `why_not` takes a value that was not reached and evaluates, with the
policy's own expression evaluator, each rule that could have given it: the
tests that failed with their actual values, or the rule that took precedence.
"""
from __future__ import annotations

from typing import Any

from . import expr
from .compiler import overriders
from .evaluate import CaseResult
from .facts import Fact
from .model import Decision, Policy, Rule
from .params import ParamView
from .resolve import Determination, applies
from .runtime import Firing


class Explainer:
    def __init__(self, policy: Policy, result: CaseResult):
        self.policy, self.result = policy, result
        self.params: ParamView = result.params
        self.index = {(d.subject, d.decision): d for d in result.determinations}
        self._overriders: dict[str, list[Rule]] = {}

    def overriders(self, decision: Decision, rule: Rule) -> list[Rule]:
        if rule.id not in self._overriders:
            self._overriders[rule.id] = overriders(decision, rule)
        return self._overriders[rule.id]

    # --- pieces ----------------------------------------------------------------

    def interpretation(self, name: str) -> dict:
        i = self.policy.interpretations[name]
        return {"id": name, "reading": i.reading, "basis": i.basis}

    def parameter(self, node: expr.Param, fact: Fact) -> tuple[str, dict]:
        name = node.name
        if node.key is not None:
            key = expr.evaluate(node.key, fact.get, self.params)
            name = f"{node.name}.{key}"
        try:
            pv = self.params.lookup(name)
        except KeyError as e:
            return name, {"value": None, "note": str(e.args[0])}
        return name, {"value": expr.plain(pv.value), "label": pv.parameter.label, "unit": pv.parameter.unit,
                      "clause": pv.dated.clause, "since": pv.dated.since.isoformat(),
                      "interpretations": list(pv.parameter.interpretations)}

    def fact_entry(self, fact: Fact, name: str, depth: int = 0) -> dict:
        kind = self.policy.kinds[fact.kind]
        head = name.split(".")[0]
        value = fact.get(name)
        entry: dict[str, Any] = {"value": expr.plain(value), "label": kind.label_of(head) or name}
        derivation = next((d for d in kind.derived if d.name == name), None)
        if derivation is not None:
            entry["derived"] = derivation.formula
            if derivation.clause:
                entry["clause"] = derivation.clause
            if derivation.interpretations:
                entry["interpretations"] = list(derivation.interpretations)
            if depth < 4:
                entry["from"] = {n: self.fact_entry(fact, n, depth + 1) for n in expr.names(derivation.ast)}
                params = dict(self.parameter(p, fact) for p in expr.walk(derivation.ast) if isinstance(p, expr.Param))
                if params:
                    entry["parameters"] = params
        else:
            attribute = kind.attributes.get(head)
            entry["source"] = f"{fact.origin}.{name}" if fact.origin else name
            if attribute and attribute.interpretations:
                entry["interpretations"] = list(attribute.interpretations)
        if name in fact.detail:
            entry["detail"] = fact.detail[name]
        return entry

    def _interpretations_of(self, rule: Rule, decision: Decision, facts: dict, params: dict) -> list[dict]:
        names: list[str] = list(rule.interpretations) + list(decision.interpretations)

        def collect(entries: dict):
            for e in entries.values():
                names.extend(e.get("interpretations", ()))
                collect(e.get("from", {}))
                collect(e.get("parameters", {}))
        collect(facts)
        collect(params)
        return [self.interpretation(n) for n in dict.fromkeys(names) if n in self.policy.interpretations]

    # --- why -------------------------------------------------------------------

    def firing(self, firing: Firing, depth: int = 0) -> dict:
        rule, decision, fact = firing.rule, firing.variant.decision, firing.fact
        nodes = [n for n in (rule.when, rule.compute) if n is not None]
        if decision.applies_when is not None:
            nodes.append(decision.applies_when)
        read = {d for _, d in firing.variant.joins}
        facts = {n: self.fact_entry(fact, n) for node in nodes for n in expr.names(node) if n not in read}
        params = dict(self.parameter(p, fact) for node in nodes for p in expr.walk(node) if isinstance(p, expr.Param))
        out: dict[str, Any] = {
            "rule": rule.id, "title": rule.title, "clause": rule.clause, "text": rule.text,
            "value": expr.plain(firing.value), "condition": rule.when_text,
        }
        if rule.compute_text:
            out["computed"] = rule.compute_text
        if firing.variant.bindings:
            out["lookup"] = {k: v for k, v in firing.variant.bindings}
        out["facts"] = facts
        out["parameters"] = params
        out["interpretations"] = self._interpretations_of(rule, decision, facts, params)
        if fact.kind != decision.subject:
            out["judged_on"] = {"kind": fact.kind, "label": self.policy.kinds[fact.kind].label}
        overridden = self._overridden(decision, rule, fact)
        if overridden:
            out["overrides"] = overridden
        out["because"] = [self.why(fact.subject, d, depth + 1) for _, d in firing.variant.joins] if depth < 6 else []
        return out

    def _overridden(self, decision: Decision, winner: Rule, fact: Fact) -> list[dict]:
        """Rules whose own condition also held but which the winner takes precedence over."""
        out = []
        for rule in decision.rules:
            if rule.id == winner.id or not rule.concludes or winner not in self.overriders(decision, rule):
                continue
            if self._holds(rule, fact):
                out.append({"rule": rule.id, "clause": rule.clause, "value": rule.then if rule.has_then else rule.compute_text})
        return out

    def _holds(self, rule: Rule, fact: Fact) -> bool:
        resolve = self._resolver(fact)
        try:
            return expr.truth(expr.evaluate(rule.when, resolve, self.params)) is True
        except KeyError:
            return False

    def _resolver(self, fact: Fact):
        def resolve(name: str):
            if name in self.policy.decisions and self.policy.kinds[fact.kind].label_of(name.split(".")[0]) is None:
                d = self.index.get((fact.subject, name))
                return d.value if d else None
            return fact.get(name)
        return resolve

    def why(self, subject: str, decision_name: str, depth: int = 0) -> dict:
        d = self.index.get((subject, decision_name))
        if d is None:
            return {"decision": decision_name, "subject": subject, "note": "no determination"}
        return self.determination(d, depth)

    def determination(self, d: Determination, depth: int = 0) -> dict:
        decision = self.policy.decisions.get(d.decision) or self._scenario_owner(d.decision)
        if d.how == "rule" and d.firings:
            out = self.firing(d.firings[0], depth)
            also = sorted({f.rule.id for f in d.firings[1:] if f.rule.id != out["rule"]})
            if also:
                out["also"] = also
            if decision.scenarios and len(d.facts) > 1:
                out["scenarios"] = self._scenarios(d)
            return out
        if d.how in ("scenarios", "possible") or (d.how == "rule" and not d.firings and decision.scenarios):
            sc = decision.scenarios
            # the facts that differ between resolutions, and the 暂停 months behind them
            facts = {}
            if d.facts:
                names = ["suspended_months"] + [n for r in decision.rules for n in expr.names(r.when)]
                facts = {n: self.fact_entry(d.facts[0], n) for n in dict.fromkeys(names)
                         if self.policy.kinds[d.facts[0].kind].label_of(n) is not None}
                for n, entry in facts.items():
                    values = sorted({expr.plain(f.values.get(n)) for f in d.facts}, key=str)
                    if len(values) > 1:
                        entry["value"], entry["detail"] = values, "随暂停月份的结果而不同"
            return {"rule": f"{decision.name}.scenarios", "title": sc.possible_label if d.how == "possible" else sc.undecided,
                    "clause": sc.clause, "text": sc.text, "value": d.value, "facts": facts, "parameters": {},
                    "interpretations": [self.interpretation(n) for n in sc.interpretations],
                    "scenarios": self._scenarios(d), "because": [self.firing(f, depth + 1) for f in d.firings]}
        if d.how == "collect":
            rule = decision.rules[0]
            facts = {}
            for f in d.facts:
                for n in expr.names(rule.when):
                    entry = self.fact_entry(f, n)
                    facts[n if n == "clerks" else f"{n}[{f.values.get('month', f.fid)}]"] = entry
            return {"rule": rule.id, "title": rule.title, "clause": rule.clause, "text": rule.text, "value": d.value,
                    "condition": rule.when_text, "facts": facts,
                    "parameters": dict(self.parameter(p, d.facts[0]) for p in expr.walk(rule.when) if isinstance(p, expr.Param)) if d.facts else {},
                    "interpretations": [self.interpretation(n) for n in rule.interpretations],
                    "because": [self.firing(f, depth + 1) for f in d.firings]}
        return {"decision": d.decision, "subject": d.subject, "value": d.value, "note": "no rule fired"}

    def _scenario_owner(self, name: str) -> Decision:
        return next(x for x in self.policy.decisions.values() if x.scenarios and x.scenarios.possible == name)

    def _scenarios(self, d: Determination) -> list[dict]:
        out = []
        for fact in d.facts:
            firing = next((f for f in d.firings if f.fact.fid == fact.fid), None)
            out.append({"assumes": fact.detail.get("suspended_months", "无暂停月份"),
                        "value": None if firing is None else expr.plain(firing.value),
                        "rule": None if firing is None else firing.rule.id,
                        "clause": None if firing is None else firing.rule.clause})
        return out

    # --- why not ---------------------------------------------------------------

    def why_not(self, subject: str, decision_name: str, value: Any) -> dict:
        decision = self.policy.decisions[decision_name]
        d = self.index.get((subject, decision_name))
        facts = [f for f in self.result.facts if f.kind == decision.of and f.subject == subject]
        out: dict[str, Any] = {"subject": subject, "decision": decision_name, "value": value,
                               "actual": None if d is None else d.value, "reached": d is not None and d.value == value,
                               "rules": []}
        candidates = [r for r in decision.rules if r.concludes and self._can_give(r, value, facts)]
        if not candidates:
            out["note"] = f"no rule of «{decision_name}» concludes «{value}»"
        for rule in candidates:
            for fact in facts:
                out["rules"].append(self._attempt(decision, rule, fact, value))
        return out

    def _can_give(self, rule: Rule, value, facts: list[Fact]) -> bool:
        if rule.has_then:
            return rule.then == value
        if rule.compute is not None:
            lookups = [p for p in expr.walk(rule.compute) if isinstance(p, expr.Param) and p.key is not None]
            if lookups:
                table = self.params(lookups[0].name)
                return isinstance(table, dict) and value in [expr.plain(v) for v in table.values()]
            return True
        return False

    def _attempt(self, decision: Decision, rule: Rule, fact: Fact, value) -> dict:
        resolve = self._resolver(fact)
        entry: dict[str, Any] = {"rule": rule.id, "title": rule.title, "clause": rule.clause, "text": rule.text,
                                 "condition": rule.when_text}
        if fact.kind != decision.subject:
            entry["judged_on"] = fact.detail.get("suspended_months", fact.fid)
        tests = list(rule.when.items) if isinstance(rule.when, expr.And) else [rule.when]
        if decision.applies_when is not None:
            tests.insert(0, decision.applies_when)
        if rule.compute is not None:
            for p in expr.walk(rule.compute):
                if isinstance(p, expr.Param) and p.key is not None:
                    table = self.params(p.name)
                    keys = [k for k, v in table.items() if expr.plain(v) == value]
                    tests.append(expr.Compare("in", p.key, expr.ListLit(tuple(expr.Lit(k) for k in keys))))
        failed = []
        for test in tests:
            holds = expr.truth(expr.evaluate(test, resolve, self.params))
            if holds is not True:
                failed.append({"test": expr.render(test), "inlined": expr.render(_inline_params(test, self.params)),
                               "result": "unknown" if holds is None else False,
                               "values": {n: expr.plain(resolve(n)) for n in expr.names(test)}})
        entry["holds"] = not failed
        entry["failed"] = failed
        if not failed:
            winners = [o for o in self.overriders(decision, rule) if self._takes_effect(decision, o, fact)]
            entry["overridden_by"] = [{"rule": o.id, "title": o.title, "clause": o.clause, "text": o.text,
                                       "value": o.then if o.has_then else None, "blocks": bool(o.blocks),
                                       "condition": o.when_text,
                                       "values": {n: expr.plain(resolve(n)) for n in expr.names(o.when)}} for o in winners]
        entry["summary"] = _summary(entry, value)
        return entry

    def _takes_effect(self, decision: Decision, rule: Rule, fact: Fact) -> bool:
        if not self._holds(rule, fact):
            return False
        return not any(self._takes_effect(decision, o, fact) for o in self.overriders(decision, rule) if o.id != rule.id)


def _inline_params(node, params: ParamView):
    """`good_months >= param.excellent_min_good` → `good_months >= 4`, for people reading a failed test."""
    from .compiler import inline
    try:
        return inline(node, params)
    except Exception:  # a lookup keyed by a fact stays symbolic
        return node


def _summary(entry: dict, value) -> str:
    if entry["holds"]:
        by = "、".join(f"{o['rule']}（{'排除' if o['blocks'] else o['value']}：{o['condition']}，"
                      + "，".join(f"{k} = {_shown(v)}" for k, v in o["values"].items()) + "）"
                      for o in entry.get("overridden_by", [])) or "另一条规则"
        return f"{entry['rule']} 的条件成立，但 {by} 优先适用，故未得出“{value}”"
    parts = []
    for f in entry["failed"]:
        values = "，".join(f"{k} = {_shown(v)}" for k, v in f["values"].items())
        state = "无法判断（缺少事实）" if f["result"] == "unknown" else "不成立"
        parts.append(f"需要 {f['inlined']}，{state}：{values}" if values else f"需要 {f['inlined']}，{state}")
    return f"得出“{value}”" + "；".join(parts)


def _shown(v) -> str:
    if v is None:
        return "未提供"
    if isinstance(v, bool):
        return "是" if v else "否"
    return str(v)
