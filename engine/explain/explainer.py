"""Explain determinations: why this value, and why not another. Nothing here re-decides.

`why` reads the recorded firings: the rule that fired, the facts and
parameter values it read, the conclusions it joined on (explained in turn),
the `blocks:` rules that fired, and the rules that also held but gave way.
`why not` reads the conditions exactly as the compiler gave them to the
network (`CompiledPolicy.attempts`: each rule's effective condition as
labelled parts — its own test, the decision's scope, the lookup key, each
exception and each earlier priority), evaluates those parts on the facts the
network saw, and names the rule that actually fired in its place. The two
readings are one: the network's condition is the conjunction of the same
parts, and a rule whose parts all hold but which did not fire is reported as
an inconsistency rather than explained away.
"""
from __future__ import annotations

import itertools
from collections import defaultdict
from typing import Any

from ..formula import expr
from ..pipeline.compiler import Attempt, Part
from ..pipeline.evaluate import CaseResult
from ..pipeline.facts import Fact
from ..policy.model import Decision, Policy, Rule
from ..policy.params import ParamView
from ..pipeline.resolve import Determination, Firings
from ..pipeline.runtime import Firing
from .wording import Wording, shown

_MAX_COMBINATIONS = 20_000   # bound on the search for parts of a computed value (sums of allowances)


def same_value(a, b) -> bool:
    """Values compare as the JSON shows them: 100 == 100.0, lists element-wise."""
    return repr(expr.plain(a)) == repr(expr.plain(b)) or (
        isinstance(expr.plain(a), (int, float)) and not isinstance(a, bool)
        and isinstance(expr.plain(b), (int, float)) and not isinstance(b, bool) and expr.plain(a) == expr.plain(b))


def reached(decision: Decision, d: Determination | None, value) -> bool:
    """Does the determination have this value? For a `collect` decision: is the value among those collected."""
    if d is None:
        return False
    if decision.hit == "collect" and not isinstance(value, list):
        return any(same_value(v, value) for v in d.value)
    return same_value(d.value, value)


class Explainer:
    def __init__(self, policy: Policy, result: CaseResult):
        self.policy, self.result = policy, result
        self.params: ParamView = result.params
        self.compiled = result.compiled
        self.words = Wording(policy)
        self._solved: dict[tuple, dict[str, list[dict]]] = {}   # per attempt: computed value → the inputs giving it
        self.index = {(d.subject, d.decision): d for d in result.determinations}
        self.firings = Firings.index(result.firings)
        self.facts_of: dict[tuple[str, str], list[Fact]] = defaultdict(list)
        for fact in result.facts:
            self.facts_of[(fact.kind, fact.subject)].append(fact)
        # what the network saw of each decision: the conclusions asserted for a subject
        self.concluded: dict[tuple[str, str], list] = defaultdict(list)
        for f in result.firings:
            if f.variant.role == "conclude":
                self.concluded[(f.fact.subject, f.variant.decision.name)].append(f.value)

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
        label = pv.parameter.label + (f"（{'·'.join(map(str, pv.keys))}）" if pv.keys else "")
        entry = {"value": expr.plain(pv.value), "label": label, "unit": pv.parameter.unit,
                 "clause": pv.dated.clause, "since": pv.dated.since.isoformat(),
                 "interpretations": list(pv.parameter.interpretations)}
        if pv.dated.reference:   # the value in force was set by a later document: say which
            entry["reference"] = pv.dated.reference
        return name, entry

    def fact_entry(self, fact: Fact, name: str, depth: int = 0) -> dict:
        kind = self.policy.kinds[fact.kind]
        head = name.split(".")[0]
        value = fact.get(name)
        entry: dict[str, Any] = {"value": expr.plain(value), "label": self.words.label(fact.kind, name)}
        unit = kind.unit_of(name)
        if unit:
            entry["unit"] = unit
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

    def _interpretations_of(self, names: list[str], facts: dict, params: dict) -> list[dict]:
        names = list(names)

        def collect(entries: dict):
            for e in entries.values():
                names.extend(e.get("interpretations", ()))
                collect(e.get("from", {}))
                collect(e.get("parameters", {}))
        collect(facts)
        collect(params)
        return [self.interpretation(n) for n in dict.fromkeys(names) if n in self.policy.interpretations]

    def _reads_decision(self, fact: Fact, name: str) -> bool:
        return name in self.policy.decisions and self.policy.kinds[fact.kind].label_of(name.split(".")[0]) is None

    def resolver(self, fact: Fact):
        """Names as the network saw them on this fact: its attributes, and the conclusions asserted for its subject."""
        def resolve(name: str):
            if self._reads_decision(fact, name):
                values = self.concluded.get((fact.subject, name), [])
                return values[0] if values else None
            return fact.get(name)
        return resolve

    def _truth(self, node, resolve):
        return expr.truth(expr.evaluate(node, resolve, self.params))

    def _fired_on(self, decision: str, fact: Fact) -> list[Firing]:
        return self.firings.concluded.get(decision, {}).get(fact.fid, [])

    def _blocks_on(self, decision: str, fact: Fact) -> list[Firing]:
        return self.firings.blocked.get(decision, {}).get(fact.fid, [])

    def _rule_ref(self, rule: Rule) -> dict:
        value = rule.then if rule.has_then else (rule.compute_text if rule.compute_text else None)
        ref = {"rule": rule.id, "title": rule.title, "clause": rule.clause}
        if rule.concludes:
            ref["value"] = expr.plain(value)
        else:
            ref["blocks"] = list(rule.blocks)
        return ref

    # --- why -------------------------------------------------------------------

    def firing(self, firing: Firing, depth: int = 0) -> dict:
        rule, decision, fact = firing.rule, firing.variant.decision, firing.fact
        nodes = [n for n in (rule.when, rule.compute) if n is not None]
        if decision.applies_when is not None:
            nodes.append(decision.applies_when)
        facts = {n: self.fact_entry(fact, n) for node in nodes for n in expr.names(node)
                 if not self._reads_decision(fact, n)}
        params = dict(self.parameter(p, fact) for node in nodes for p in expr.walk(node) if isinstance(p, expr.Param))
        out: dict[str, Any] = {
            "rule": rule.id, "title": rule.title, "clause": rule.clause, "text": rule.text,
            "value": expr.plain(firing.value), "condition": rule.when_text,
            "sentence": self.own_sentence(rule, firing.variant.bindings, fact),
        }
        if rule.compute_text:
            out["computed"] = rule.compute_text
            out["computed_sentence"] = self.words.term(rule.compute, fact.kind)
        if firing.variant.bindings:
            out["lookup"] = {k: v for k, v in firing.variant.bindings}
        out["facts"] = facts
        out["parameters"] = params
        amended = sorted({p["reference"] for p in params.values() if p.get("reference")})
        if amended:   # the quoted words give the numbers of the original text, no longer those in force
            out["amended_by"] = amended
        out["interpretations"] = self._interpretations_of(list(rule.interpretations) + list(decision.interpretations),
                                                          facts, params)
        if fact.kind != decision.subject:
            out["judged_on"] = {"kind": fact.kind, "label": self.policy.kinds[fact.kind].label}
        if fact.scenario:
            out["scenario"] = fact.scenario
        blocked = [self._block_ref(b) for b in self._blocks_on(decision.name, fact)]
        if blocked:
            out["blocked"] = blocked
        gave_way = self._gave_way(decision, rule, fact)
        if gave_way:
            out["overrides"] = gave_way
        out["because"] = [self.why(fact.subject, d, depth + 1) for _, d in firing.variant.joins] if depth < 6 else []
        return out

    def own_sentence(self, rule: Rule, bindings, fact: Fact) -> str:
        """The rule's own condition as compiled (parameters inlined, lookup key bound), with the facts' values."""
        if rule.otherwise:
            return "文件列明的其他情形均不适用"
        attempt = next((a for a in self.compiled.attempts.get(rule.id, ()) if a.bindings == bindings), None)
        node = next((p.node for p in attempt.parts if p.role == "when"), rule.when) if attempt else rule.when
        resolve = self.resolver(fact)
        return self.words.sentence(node, fact.kind, {n: resolve(n) for n in expr.names(node)})

    def _block_ref(self, block: Firing) -> dict:
        ref = self._rule_ref(block.rule)
        ref["text"] = block.rule.text
        return ref

    def _gave_way(self, decision: Decision, winner: Rule, fact: Fact) -> list[dict]:
        """Rules whose own condition held on this fact but which an exception or an earlier value set aside."""
        out = []
        resolve = self.resolver(fact)
        for rule in decision.rules:
            if rule.id == winner.id or not rule.concludes:
                continue
            for attempt in self.compiled.attempts.get(rule.id, ()):
                verdict = self.judge(attempt, fact, resolve, detail=False)
                if verdict["status"] == "gave_way":
                    by = [self._rule_ref(self.policy.rules[r]) for r in verdict["set_aside_by"]]
                    out.append(dict(self._rule_ref(rule), by=by))
                    break
        return out

    def why(self, subject: str, decision_name: str, depth: int = 0) -> dict:
        d = self.index.get((subject, decision_name))
        if d is None:
            return {"decision": decision_name, "subject": subject, "value": None,
                    "note": f"未作“{self.words.label(None, decision_name)}”判定"}
        return self.determination(d, depth)

    def determination(self, d: Determination, depth: int = 0) -> dict:
        decision = self.policy.decisions.get(d.decision) or self._scenario_owner(d.decision)
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

    def _scenario_owner(self, name: str) -> Decision:
        return next(x for x in self.policy.decisions.values() if x.scenarios and x.scenarios.possible == name)

    def _varying_facts(self, decision: Decision, facts: list[Fact]) -> dict:
        """The attributes the rules read, with every value they take across the facts judged."""
        names = [n for r in decision.rules for n in expr.names(r.when)
                 if self.policy.kinds[decision.of].label_of(n.split(".")[0]) is not None]
        out = {}
        for n in dict.fromkeys(names):
            entry = self.fact_entry(facts[0], n)
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
                "parameters": {}, "interpretations": [self.interpretation(n) for n in sc.interpretations],
                "scenarios": self._scenarios(d), "because": [self.firing(f, depth + 1) for f in d.firings]}

    def _collect_explanation(self, decision: Decision, d: Determination, depth: int) -> dict:
        rules = [r for r in decision.rules if r.concludes]
        facts: dict[str, dict] = {}
        for rule in rules:
            for n in expr.names(rule.when):
                values = {repr(f.get(n)) for f in d.facts}
                for f in d.facts:
                    key = n if len(values) == 1 else f"{n}[{f.fid.rsplit(':', 1)[-1]}]"
                    facts.setdefault(key, self.fact_entry(f, n))
        rule = rules[0]
        params = {}
        for r in rules:
            if d.facts:
                params.update(self.parameter(p, d.facts[0]) for p in expr.walk(r.when) if isinstance(p, expr.Param))
        return {"rule": rule.id, "title": rule.title, "clause": rule.clause, "text": rule.text,
                "value": expr.plain(d.value), "condition": rule.when_text,
                "sentence": self.words.sentence(rule.when, decision.of), "facts": facts, "parameters": params,
                "interpretations": self._interpretations_of(list(rule.interpretations), {}, params),
                "because": [self.firing(f, depth + 1) for f in d.firings]}

    def _scenarios(self, d: Determination) -> list[dict]:
        out = []
        for fact in d.facts:
            firing = next((f for f in d.firings if f.fact.fid == fact.fid), None)
            out.append({"assumes": fact.scenario or "本情形",
                        "value": None if firing is None else expr.plain(firing.value),
                        "rule": None if firing is None else firing.rule.id,
                        "clause": None if firing is None else firing.rule.clause})
        return out

    # --- why not: the compiled parts, judged on the facts the network saw -------------

    def judge(self, attempt: Attempt, fact: Fact, resolve=None, detail: bool = True) -> dict:
        """How one compiled attempt of a rule fared on a fact: fired, not met, or set aside (and by whom).

        `detail=False` leaves out the failed tests of a rule not met (why, asking only
        whether a rule gave way, needs none: it is most of the cost of explaining).
        """
        resolve = resolve or self.resolver(fact)
        decision = attempt.decision
        fired = [f for f in self._fired_on(decision.name, fact)
                 if f.rule.id == attempt.rule.id and f.variant.bindings == attempt.bindings]
        if fired:
            return {"status": "fired", "firing": fired[0]}
        own = [part for part in attempt.parts if part.own]
        if not detail:
            if any(self._holds(part, fact, resolve) is not True for part in own):
                return {"status": "not_met"}
            failed_own = []
        else:
            failed_own = [part for part in own if self._holds(part, fact, resolve) is not True]
        if failed_own:
            return {"status": "not_met", "failed": [t for part in failed_own for t in self._failed_tests(part, fact, resolve)]}
        failed_precedence = [part for part in attempt.parts if not part.own and self._holds(part, fact, resolve) is not True]
        if not failed_precedence:
            return {"status": "inconsistent"}
        holding = [rid for part in failed_precedence for rid, item in zip(part.rules, part.items)
                   if self._truth(item, resolve) is True]
        fired_here = {f.rule.id: f for f in self._fired_on(decision.name, fact) + self._blocks_on(decision.name, fact)}
        set_aside_by = [rid for rid in dict.fromkeys(holding) if rid in fired_here]
        if not set_aside_by:
            # A nested exception: the rule that stood in the way was itself set aside; what fired is what won.
            set_aside_by = [f.rule.id for f in self._fired_on(decision.name, fact)]
        return {"status": "gave_way", "holding": list(dict.fromkeys(holding)), "set_aside_by": set_aside_by,
                "parts": [p.role for p in failed_precedence]}

    def _holds(self, part: Part, fact: Fact, resolve):
        if part.role == "reads":
            # the network joins on the conclusion itself, whatever its value (null included)
            return (fact.subject, part.rules[0]) in self.concluded
        return self._truth(part.node, resolve)

    def _failed_tests(self, part: Part, fact: Fact, resolve) -> list[dict]:
        """The tests of a part that are not true, each with the values it read and as a sentence."""
        if part.role == "reads":
            name = part.rules[0]
            return [{"test": expr.render(part.node), "result": False, "values": {name: None},
                     "sentence": f"须先得出“{self.words.label(fact.kind, name)}”（本例未得出）"}]
        if part.role == "otherwise":
            holding = [rid for rid, item in zip(part.rules, part.items) if self._truth(item, resolve) is True]
            entry = self._test(part.node, fact, resolve)
            entry["rules"] = holding
            rules = self.policy.rules
            entry["sentence"] = "已有其他规则适用：" + "、".join(f"{rules[r].title}（{r}）" for r in holding)
            return [entry]
        tests = list(part.node.items) if isinstance(part.node, expr.And) else [part.node]
        out = []
        for test in tests:
            if self._truth(test, resolve) is not True:
                entry = self._test(test, fact, resolve)
                if part.role == "scope":
                    entry["scope"] = True
                out.append(entry)
        return out

    def _test(self, node, fact: Fact, resolve) -> dict:
        values = {n: resolve(n) for n in expr.names(node)}
        result = self._truth(node, resolve)
        return {"test": expr.render(node), "sentence": self.words.sentence(node, fact.kind, values),
                "result": "unknown" if result is None else False,
                "values": {n: expr.plain(v) for n, v in values.items()}}

    def why_not(self, subject: str, decision_name: str, value: Any) -> dict:
        decision = self.policy.decisions[decision_name]
        d = self.index.get((subject, decision_name))
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
        facts = self.facts_of.get((decision.of, subject), [])
        if decision.scenarios and same_value(value, decision.scenarios.undecided):
            out["summary"] = self._why_not_undecided(decision, d)
            return out
        if not facts:
            kind = self.policy.kinds[decision.of].label
            out["summary"] = f"{subject} 没有{kind}，故不作“{decision.label}”判定"
            return out
        for rule in decision.rules:
            if not rule.concludes:
                continue
            for attempt in self.compiled.attempts.get(rule.id, ()):
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

    def _why_not_undecided(self, decision: Decision, d: Determination | None) -> str:
        sc = decision.scenarios
        if d is None:
            return f"未作“{decision.label}”判定"
        return (f"只有当{sc.possible_label}不止一个时才为“{sc.undecided}”（{sc.clause}「{sc.text}」）；"
                f"本例各情形均得出“{shown(d.value)}”")

    def _attempt(self, attempt: Attempt, fact: Fact, value) -> dict | None:
        rule, decision = attempt.rule, attempt.decision
        resolve = self.resolver(fact)
        if not isinstance(attempt.value, expr.Lit) and not any(self._reads_decision(fact, n) for n in expr.names(attempt.value)):
            # A value computed from this fact alone (a month, a date): only the fact that could give it matters.
            got = expr.evaluate(attempt.value, resolve, self.params)
            several = decision.hit == "collect" or len(self.facts_of.get((fact.kind, fact.subject), [])) > 1
            if not same_value(got, value) and several:
                return None
        entry: dict[str, Any] = {"rule": rule.id, "title": rule.title, "clause": rule.clause, "text": rule.text,
                                 "condition": rule.when_text}
        if attempt.bindings:
            entry["lookup"] = {k: v for k, v in attempt.bindings}
        if fact.scenario:
            entry["judged_on"] = fact.scenario
        verdict = self.judge(attempt, fact, resolve)
        entry["status"] = verdict["status"]
        entry["failed"] = verdict.get("failed", [])
        label = f"{rule.title}（{rule.id}）"
        where = f"在{fact.scenario}的情形下，" if fact.scenario else ""
        if verdict["status"] == "fired":
            got = verdict["firing"].value
            entry["got"] = expr.plain(got)
            if same_value(got, value):
                entry["summary"] = f"{where}{label}得出“{shown(value)}”，但其他情形的结果不同"
            else:
                entry["needs"] = self._needs(attempt, fact, value)
                needs = "；或".join(n["sentence"] for n in entry["needs"])
                entry["summary"] = (f"{where}{label}按{self.words.term(rule.compute, fact.kind) if rule.compute else '规则'}"
                                    f"计算得 {shown(got)}，而非 {shown(value)}" + (f"；要得到 {shown(value)}，需要 {needs}" if needs else ""))
        elif verdict["status"] == "not_met":
            tests = "；".join(t["sentence"] for t in entry["failed"])
            entry["summary"] = f"{where}{label}的条件不成立：{tests}"
        elif verdict["status"] == "gave_way":
            rules = self.policy.rules
            entry["set_aside_by"] = [self._rule_ref(rules[r]) for r in verdict["set_aside_by"]]
            entry["holding"] = verdict["holding"]
            by = "、".join(f"{rules[r].title}（{r}" + (f"，得出“{shown(rules[r].then)}”" if rules[r].has_then and rules[r].concludes else "")
                          + "）" for r in verdict["set_aside_by"])
            how = "排除了该规则" if all(not rules[r].concludes for r in verdict["set_aside_by"]) else "优先适用"
            entry["summary"] = f"{where}{label}的条件成立，但{by}{how}，故未得出“{shown(value)}”"
        else:
            entry["summary"] = f"{where}{label}：编译后的条件成立但规则未触发，引擎与解释不一致，请报告此问题"
        return entry

    def _needs(self, attempt: Attempt, fact: Fact, value) -> list[dict]:
        """For a computed value: which inputs of the formula would give the wanted value (fewest changed first)."""
        resolve = self.resolver(fact)
        names = expr.names(attempt.value)
        actual = {n: resolve(n) for n in names}
        domains = {n: self.domain(n) if self._reads_decision(fact, n) else None for n in names}
        if any(domains[n] is None for n in names) or not names:
            return [{"sentence": "、".join(f"{self.words.label(fact.kind, n)}（实际 {shown(actual[n])}）" for n in names)
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
                f"{self.words.label(fact.kind, n)}为 {shown(c['to'])}（实际 {shown(c['from'])}）" for n, c in changed.items())})
        if not out:
            out.append({"changes": {}, "sentence": f"没有任何取值组合能使计算结果为 {shown(value)}"})
        return out

    def _solutions(self, attempt: Attempt, names: list[str], domains: dict) -> dict[str, list[dict]]:
        """Every combination of the formula's inputs, grouped by the value it computes (once per explainer)."""
        key = (attempt.rule.id, attempt.bindings)
        if key not in self._solved:
            grouped: dict[str, list[dict]] = defaultdict(list)
            for combo in itertools.islice(itertools.product(*(domains[n] for n in names)), _MAX_COMBINATIONS):
                assignment = dict(zip(names, combo))
                got = expr.evaluate(attempt.value, lambda n: assignment[n], self.params)
                grouped[repr(expr.plain(got))].append(assignment)
            self._solved[key] = dict(grouped)
        return self._solved[key]

    def domain(self, decision_name: str) -> list | None:
        """Every value the decision's rules can give, or None when some value is computed from facts (dates, months)."""
        decision = self.policy.decisions[decision_name]
        values: list = []
        for rule in decision.rules:
            for attempt in self.compiled.attempts.get(rule.id, ()) if rule.concludes else ():
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
                    values.append(expr.plain(expr.evaluate(attempt.value, lambda n: assignment[n], self.params)))
        return sorted({repr(v): v for v in values}.values(), key=lambda v: (str(type(v)), str(v)))
