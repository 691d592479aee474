"""Meaning-level checks of a loaded policy; every problem at once, each with its line.

The loader has already checked shapes (JSON Schema) and parsed formulas. Here:
names a rule reads exist (as facts of its kind, or as decisions), parameters
exist on every date they are used, clause references resolve and each rule's
text stands verbatim in its clause, interpretations named exist, exceptions
point at rules of the same decision, decisions do not read each other in a
cycle (a cycle could chain without end), and every rule can fire at all.
"""
from __future__ import annotations

import difflib

from . import appealspec, expr
from .compiler import CompileError, compile_policy
from .functions import FUNCTIONS
from .model import Policy, Problem
from .params import ParamView


def _near(name: str, options) -> str:
    close = difflib.get_close_matches(name, list(options), n=1)
    return f" (did you mean «{close[0]}»?)" if close else ""


def check(policy: Policy) -> list[Problem]:
    out: list[Problem] = []
    out += _clauses(policy)
    out += _interpretations(policy)
    out += _derivations(policy)
    out += _decisions(policy)
    out += appealspec.problems(policy)
    out += _roster(policy)
    if not any(p.severity == "error" for p in out):
        out += _compiles(policy)
    return out


def _roster(policy: Policy) -> list[Problem]:
    """roster.yaml against the rest of the policy (its sheets, headers, fields): what a spreadsheet read would say."""
    if not policy.roster:
        return []
    from . import spreadsheet
    try:
        spreadsheet.load_layout(policy)
    except spreadsheet.ReadError as e:
        return [Problem(loc, "roster", message) for loc, message in e.problems]
    return []


def clause_contains(policy: Policy, ref: str, text: str) -> bool:
    """Is `text` verbatim in clause `ref` (its own paragraphs or those of its sub-clauses)?"""
    return any(text in c.text for r, c in policy.clauses.items() if r == ref or r.startswith(ref))


def _clauses(policy: Policy) -> list[Problem]:
    out = []

    def need(ref, location, path):
        if ref is not None and ref not in policy.clauses:
            out.append(Problem(location, path, f"unknown clause «{ref}»{_near(ref, policy.clauses)}"))
            return False
        return True
    for p in policy.parameters.values():
        for dated in p.values:
            need(dated.clause, dated.location, f"{p.name}.values.{dated.since}.clause")
    for kind in policy.kinds.values():
        for d in kind.derived:
            need(d.clause, d.location, f"{kind.name}.{d.name}.clause")
    for decision in policy.decisions.values():
        for rule in decision.rules:
            if need(rule.clause, rule.location, f"{rule.id}.clause") and not clause_contains(policy, rule.clause, rule.text):
                out.append(Problem(rule.location, f"{rule.id}.text",
                                   f"the text is not found verbatim in clause {rule.clause} of the document: “{rule.text}”"))
        sc = decision.scenarios
        if sc and need(sc.clause, decision.location, f"{decision.name}.scenarios.clause") and not clause_contains(policy, sc.clause, sc.text):
            out.append(Problem(decision.location, f"{decision.name}.scenarios.text",
                               f"the text is not found verbatim in clause {sc.clause}: “{sc.text}”"))
    return out


def _interpretations(policy: Policy) -> list[Problem]:
    out = []

    def need(names, location, path):
        for n in names:
            if n not in policy.interpretations:
                out.append(Problem(location, path, f"unknown interpretation «{n}»{_near(n, policy.interpretations)}"))
    for p in policy.parameters.values():
        need(p.interpretations, p.location, f"{p.name}.interpretations")
    for kind in policy.kinds.values():
        for a in kind.attributes.values():
            need(a.interpretations, kind.location, f"{kind.name}.{a.name}.interpretations")
        for d in kind.derived:
            need(d.interpretations, d.location, f"{kind.name}.{d.name}.interpretations")
    for decision in policy.decisions.values():
        need(decision.interpretations, decision.location, f"{decision.name}.interpretations")
        if decision.scenarios:
            need(decision.scenarios.interpretations, decision.location, f"{decision.name}.scenarios.interpretations")
        for rule in decision.rules:
            need(rule.interpretations, rule.location, f"{rule.id}.interpretations")
    return out


def _params_exist(policy: Policy, node, location, path) -> list[Problem]:
    out = []
    for name in expr.params(node):
        for dated_day in sorted({v.since for p in policy.parameters.values() for v in p.values}):
            view = ParamView(policy, dated_day)
            try:
                view.split(name)
            except KeyError:
                head = name.split(".")[0]
                out.append(Problem(location, path, f"unknown parameter «param.{name}»{_near(head, policy.parameters)}"))
                break
            parameter, _ = view.split(name)
            if parameter.at(dated_day) is None:
                continue
            try:
                view.lookup(name)
            except KeyError as e:
                out.append(Problem(location, path, f"«param.{name}» on {dated_day}: {e.args[0]}"))
                break
    return out


def _derivations(policy: Policy) -> list[Problem]:
    out = []
    for kind in policy.kinds.values():
        known = set(kind.attributes)
        for d in kind.derived:
            if d.ast is None:
                continue
            path = f"kinds.{kind.name}.derived.{d.name}.formula"
            for fn in expr.calls(d.ast):
                if fn not in FUNCTIONS:
                    out.append(Problem(d.location, path, f"unknown function «{fn}»{_near(fn, FUNCTIONS)}; "
                                                          f"available: {', '.join(sorted(FUNCTIONS))}"))
            for n in expr.names(d.ast):
                if n.split(".")[0] not in known:
                    later = " (it is derived later: move it up)" if any(x.name == n for x in kind.derived) else ""
                    out.append(Problem(d.location, path, f"unknown name «{n}»{later or _near(n, known)}"))
            out += _params_exist(policy, d.ast, d.location, path)
            known.add(d.name)
    return out


def _decisions(policy: Policy) -> list[Problem]:
    out = []
    rule_ids: dict[str, str] = {}
    reads: dict[str, set[str]] = {}
    for decision in policy.decisions.values():
        for kind_name, what in ((decision.of, "of"), (decision.subject, "subject")):
            if kind_name not in policy.kinds:
                out.append(Problem(decision.location, f"{decision.name}.{what}",
                                   f"unknown kind of fact «{kind_name}»{_near(kind_name, policy.kinds)}"))
        if decision.of not in policy.kinds:
            continue
        kind = policy.kinds[decision.of]
        ids = {r.id for r in decision.rules}
        reads[decision.name] = set()
        if decision.hit == "priority" and not decision.values:
            out.append(Problem(decision.location, f"{decision.name}.values", "hit: priority needs «values» in order of precedence"))
        if decision.scenarios and decision.hit == "collect":
            out.append(Problem(decision.location, f"{decision.name}.scenarios", "scenarios need hit unique or priority"))
        exprs = [(decision.applies_when, decision.location, f"{decision.name}.applies_when")]
        for rule in decision.rules:
            if rule.id in rule_ids:
                out.append(Problem(rule.location, rule.id, f"rule id «{rule.id}» is already used in decision «{rule_ids[rule.id]}»"))
            rule_ids[rule.id] = decision.name
            for target in rule.overrides + rule.blocks:
                if target not in ids:
                    out.append(Problem(rule.location, f"{rule.id}.overrides",
                                       f"«{target}» is not a rule of decision «{decision.name}»{_near(target, ids)}"))
            if decision.hit == "priority" and rule.concludes and (not rule.has_then or rule.then not in (decision.values or ())):
                out.append(Problem(rule.location, f"{rule.id}.then", f"under hit: priority a rule concludes one of "
                                   f"{'|'.join(map(str, decision.values or ()))}, found {rule.then if rule.has_then else 'a computed value'}"))
            elif decision.values and rule.has_then and rule.then not in decision.values:
                out.append(Problem(rule.location, f"{rule.id}.then", f"expected one of {'|'.join(map(str, decision.values))}, found «{rule.then}»"))
            exprs.append((rule.when, rule.location, f"{rule.id}.when"))
            exprs.append((rule.compute, rule.location, f"{rule.id}.compute"))
        for node, location, path in exprs:
            if node is None:
                continue
            for fn in expr.calls(node):
                out.append(Problem(location, path, f"functions such as «{fn}» belong in facts.yaml derivations, not in rules"))
            for n in expr.names(node):
                if kind.label_of(n.split(".")[0]) is not None:
                    continue
                if n in policy.decisions:
                    reads[decision.name].add(n)
                    other = policy.decisions[n]
                    if other.subject != decision.subject:
                        out.append(Problem(location, path, f"«{n}» is decided for {other.subject}, not for {decision.subject}"))
                    continue
                options = list(kind.attributes) + [d.name for d in kind.derived] + list(policy.decisions)
                out.append(Problem(location, path, f"unknown name «{n}» for a {decision.of} fact{_near(n, options)}"))
            out += _params_exist(policy, node, location, path)
    out += _cycles(policy, reads)
    return out


def _cycles(policy: Policy, reads: dict[str, set[str]]) -> list[Problem]:
    out, state = [], {}

    def visit(name, trail):
        if state.get(name) == "done":
            return
        if state.get(name) == "open":
            loop = trail[trail.index(name):] + [name]
            out.append(Problem(policy.decisions[name].location, name, "decisions read each other in a cycle: " + " → ".join(loop)))
            return
        state[name] = "open"
        for n in sorted(reads.get(name, ())):
            visit(n, trail + [name])
        state[name] = "done"
    for name in reads:
        visit(name, [])
    return out


def _compiles(policy: Policy) -> list[Problem]:
    out = []
    rules = policy.rules
    for day in sorted({v.since for p in policy.parameters.values() for v in p.values}):
        try:
            compiled = compile_policy(policy, ParamView(policy, day), f"@check{day}")
        except (CompileError, KeyError) as e:
            out.append(Problem(policy.decisions[next(iter(policy.decisions))].location, "", f"cannot compile for {day}: {e}"))
            continue
        for rule_id, read in compiled.assumes_decided:
            out.append(Problem(rules[rule_id].location, rule_id, f"where «{read}» is undecided this rule is not applied "
                                                                 f"(the case then reports «{read}» as a gap)", "warning"))
        for rule_id in compiled.unreachable:
            out.append(Problem(rules[rule_id].location, rule_id, f"this rule can never fire on {day} (its condition, with the "
                                                                 "rules that override it, is always false)", "warning"))
    return out
