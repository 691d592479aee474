"""`run.py coverage`: which clauses the policy encodes, and what its own tests never exercise.

(a) Every clause of the clause index is `encoded` (a rule, parameter value,
derivation or scenario cites it), `descriptive` (clauses.yaml says why it
decides nothing) or `open` (neither: still to be encoded). The percentage
`--fail-under` checks is encoded / (encoded + open): descriptive clauses have
nothing to decide.

(b) The policy tests are run and, for every determination a test checks, the
firings behind it are read: their rules are exercised, and so are the
parameter values those rules (and the derivations they read) looked up. A
rule or value no such firing touched is untested. Nothing is guessed from the
tests' text: only firings count.
"""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from pathlib import Path

from ..formula import expr

from ..policy import schemas

from ..common import yamlio
from ..common.locations import YamlError, plain
from ..casefiles.cases import check_case
from ..pipeline.evaluate import Evaluator
from ..policy.model import Policy
from ..policy.params import ParamView
from .policytests import test_files
from ..pipeline.runtime import Firing

__all__ = ["ENCODED", "DESCRIPTIVE", "OPEN", "STATUS_LABEL", "ClauseCoverage", "ParamUnit", "Coverage", "clause_coverage", "entrywise", "units",
           "param_reads", "exercised", "coverage"]


ENCODED, DESCRIPTIVE, OPEN = "encoded", "descriptive", "open"
STATUS_LABEL = {ENCODED: "已编码", DESCRIPTIVE: "说明性", OPEN: "未编码"}


@dataclass(frozen=True)
class ClauseCoverage:
    clause: str
    title: str
    line: int
    status: str
    rules: tuple[str, ...] = ()
    parameters: tuple[str, ...] = ()
    derivations: tuple[str, ...] = ()
    reason: str = ""
    warning: str = ""      # cited by rules although clauses.yaml calls it descriptive

    def as_json(self) -> dict:
        out = {"clause": self.clause, "title": self.title, "line": self.line, "status": self.status,
               "rules": list(self.rules), "parameters": list(self.parameters), "reason": self.reason}
        if self.derivations:
            out["derivations"] = list(self.derivations)
        if self.warning:
            out["warning"] = self.warning
        return out


@dataclass(frozen=True)
class ParamUnit:
    """One value an officer can change: a parameter (or one entry of its table) as of one date."""
    path: str                # a parameter, or `<parameter>.<table key>`
    since: dt.date
    clause: str | None

    def as_json(self) -> dict:
        return {"parameter": self.path, "since": self.since.isoformat(), "clause": self.clause}


@dataclass
class Coverage:
    clauses: list[ClauseCoverage]
    untested_rules: list[str]
    untested_parameters: list[ParamUnit]
    tests: int = 0
    problems: list[str] = field(default_factory=list)   # test files or cases that could not be run

    def count(self, status: str) -> int:
        return sum(1 for c in self.clauses if c.status == status)

    @property
    def percent(self) -> float:
        """Encoded share of the decidable clauses (100 when there are none)."""
        decidable = self.count(ENCODED) + self.count(OPEN)
        return 100.0 if decidable == 0 else 100.0 * self.count(ENCODED) / decidable

    def as_json(self) -> dict:
        return {"clauses": [c.as_json() for c in self.clauses],
                "summary": {"encoded": self.count(ENCODED), "descriptive": self.count(DESCRIPTIVE),
                            "open": self.count(OPEN), "total": len(self.clauses),
                            "percent_encoded": round(self.percent, 1), "tests": self.tests},
                "untested_rules": self.untested_rules,
                "untested_parameters": [u.as_json() for u in self.untested_parameters],
                "problems": self.problems}


# --- (a) clauses ---------------------------------------------------------------------------------

def clause_coverage(policy: Policy) -> list[ClauseCoverage]:
    """Every clause in document order, with what cites it and its status."""
    rules: dict[str, list[str]] = {}
    for rule in policy.rules.values():
        rules.setdefault(rule.clause, []).append(rule.id)
    for decision in policy.decisions.values():
        if decision.scenarios is not None:
            rules.setdefault(decision.scenarios.clause, []).append(decision.scenarios.possible)
    params: dict[str, list[str]] = {}
    for p in policy.parameters.values():
        for ref in dict.fromkeys(v.clause for v in p.values if v.clause):
            params.setdefault(ref, []).append(p.name)
    derived: dict[str, list[str]] = {}
    for kind in policy.kinds.values():
        for d in kind.derived:
            if d.clause:
                derived.setdefault(d.clause, []).append(d.name)
        for a in kind.attributes.values():
            if a.clause:
                derived.setdefault(a.clause, []).append(a.name)
    out = []
    for clause in sorted(policy.clauses.values(), key=lambda c: c.line):
        ref = clause.ref
        cited = (tuple(rules.get(ref, ())), tuple(params.get(ref, ())), tuple(derived.get(ref, ())))
        if any(cited):
            warning = f"clauses.yaml 标为说明性（{clause.descriptive}），但有规则或参数引用" if clause.descriptive else ""
            out.append(ClauseCoverage(ref, clause.title, clause.line, ENCODED, *cited, warning=warning))
        elif clause.descriptive:
            out.append(ClauseCoverage(ref, clause.title, clause.line, DESCRIPTIVE, reason=clause.descriptive))
        else:
            out.append(ClauseCoverage(ref, clause.title, clause.line, OPEN, reason="尚未编码：没有规则或参数引用本条款"))
    return out


# --- (b) what the tests exercise ------------------------------------------------------------------

def _leaves(value, path=()) -> list[tuple]:
    if isinstance(value, dict) and value:
        return [leaf for k, v in value.items() for leaf in _leaves(v, path + (str(k),))]
    return [path]


def _param_nodes(policy: Policy):
    for rule in policy.rules.values():
        for node in (rule.when, rule.compute):
            yield from (n for n in expr.walk(node) if isinstance(n, expr.Param)) if node is not None else ()
    for decision in policy.decisions.values():
        if decision.applies_when is not None:
            yield from (n for n in expr.walk(decision.applies_when) if isinstance(n, expr.Param))
    for kind in policy.kinds.values():
        for d in kind.derived:
            yield from (n for n in expr.walk(d.ast) if isinstance(n, expr.Param))


def entrywise(policy: Policy, view: ParamView) -> set[str]:
    """Parameters some rule reads entry by entry (`[key]` or a dotted path): their entries count one by one.

    Such a table is also read whole (as a range for `in`, or handed to a
    derivation to rank its keys); those reads say nothing of the amounts, so
    for these parameters only entry reads count. A parameter never read by
    entry is exercised as a whole by any read.
    """
    out = set()
    for node in _param_nodes(policy):
        try:
            parameter, keys = view.split(node.name)
        except KeyError:
            continue
        if keys or node.key is not None:
            out.add(parameter.name)
    return out


def units(policy: Policy) -> list[ParamUnit]:
    """Every value of every parameter, an entry of a table read entry by entry counting as one value."""
    view = ParamView(policy, policy.issued_on)
    by_entry = entrywise(policy, view)
    out = []
    for p in policy.parameters.values():
        for dated in p.values:
            if dated.value is None:
                continue
            paths = _leaves(dated.value) if p.name in by_entry else [()]
            out += [ParamUnit(".".join((p.name,) + path), dated.since, dated.clause) for path in paths]
    return out


def _nodes_read(policy: Policy, firing: Firing) -> list:
    """The rule's own condition and value, the decision's scope, and the derivations they read, transitively."""
    rule, decision, fact = firing.rule, firing.variant.decision, firing.fact
    nodes = [n for n in (rule.when, rule.compute, decision.applies_when) if n is not None]
    seen: set[tuple[str, str]] = set()
    todo = [(fact.kind, n) for node in nodes for n in expr.names(node)]
    while todo:
        kind, name = todo.pop()
        if (kind, name) in seen or kind not in policy.kinds:
            continue
        seen.add((kind, name))
        derivation = next((d for d in policy.kinds[kind].derived if d.name == name), None)
        attribute = policy.kinds[kind].attributes.get(name)
        if derivation is not None:
            nodes.append(derivation.ast)
            todo += [(kind, n) for n in expr.names(derivation.ast)]
        elif attribute is not None and attribute.related is not None:   # what the related records' facts read
            spec = attribute.related
            todo += [(spec.of, n) for n in (spec.attribute, spec.where) if n]
    return nodes


def param_reads(policy: Policy, firing: Firing, view: ParamView) -> set[tuple[str, dt.date]]:
    """(path, date in force) of every parameter value the firing's rule and derivations read on its fact."""
    out = set()
    for node in _nodes_read(policy, firing):
        for p in (n for n in expr.walk(node) if isinstance(n, expr.Param)):
            name = p.name
            if p.key is not None:
                key = expr.evaluate(p.key, firing.fact.get, view)
                if key is None:
                    continue
                name = f"{p.name}.{key}"
            try:
                pv = view.lookup(name)
            except KeyError:
                continue
            out.add((".".join((pv.parameter.name,) + tuple(map(str, pv.keys))), pv.dated.since))
    return out


def _covered(unit: ParamUnit, reads: set[tuple[str, dt.date]], by_entry: set[str]) -> bool:
    head = unit.path.split(".")[0]
    for path, since in reads:
        if since != unit.since or path.split(".")[0] != head:
            continue
        if head not in by_entry:
            return True
        if path != head and (unit.path == path or unit.path.startswith(path + ".")):
            return True
    return False


def exercised(policy: Policy, evaluator: Evaluator | None = None, files: list[Path] | None = None
              ) -> tuple[set[str], set[tuple[str, dt.date]], int, list[str]]:
    """Rules and parameter values behind the determinations the policy tests check; tests run; problems."""
    evaluator = evaluator or Evaluator(policy)
    rules: set[str] = set()
    reads: set[tuple[str, dt.date]] = set()
    problems: list[str] = []
    count = 0
    for path in files if files is not None else test_files(policy):
        name = str(path)
        try:
            tree = yamlio.load(path)
        except YamlError as e:
            problems.append(f"{e.location}: {e.message}")
            continue
        if not isinstance(tree, dict) or schemas.problems(plain(tree), "policy-tests", name, tree):
            problems.append(f"{name}: 测试文件格式有误（run.py test 会逐条指出），未计入")
            continue
        for i, test in enumerate(tree["tests"]):
            case, errors = check_case(test["case"], policy, name, tree, ["tests", i, "case"], i)
            if case is None or errors:
                problems.append(f"{name}: 测试“{test['name']}”的案例有误，未计入")
                continue
            count += 1
            result = evaluator.evaluate(case)
            checked = {(str(e["subject"]), e["decision"]) for e in test["expect"]}
            for d in result.determinations:
                if (d.subject, d.decision) not in checked:
                    continue
                for firing in list(d.firings) + list(d.blocks):
                    rules.add(firing.rule.id)
                    reads |= param_reads(policy, firing, result.params)
    return rules, reads, count, problems


def coverage(policy: Policy, evaluator: Evaluator | None = None) -> Coverage:
    rules, reads, count, problems = exercised(policy, evaluator)
    by_entry = entrywise(policy, ParamView(policy, policy.issued_on))
    untested_rules = [r for r in policy.rules if r not in rules]
    untested = [u for u in units(policy) if not _covered(u, reads, by_entry)]
    return Coverage(clause_coverage(policy), untested_rules, untested, count, problems)
