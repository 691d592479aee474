"""engine/pipeline/compiler.py: NNF and simplification keep the three-valued meaning; the compiled ruleset agrees
with the Python evaluator (expr.evaluate of each rule's effective condition) on the real policy."""
from __future__ import annotations

import dataclasses
import datetime as dt
import json
import random
import uuid
from collections import defaultdict
from pathlib import Path
from types import SimpleNamespace

import pytest

from engine.formula import expr
from engine.casefiles.cases import check_case, load_cases
from engine.pipeline.compiler import (CompiledPolicy, Variant, _Builder, alternatives, compile_policy, effective_condition,
                             nnf, simplify, simplify_tree)
from engine.formula.expr import And, Arith, Compare, IsNotTrue, ListLit, Lit, Name, Not, Or
from engine.pipeline.evaluate import Evaluator
from engine.pipeline.facts import Fact
from engine.policy.model import Decision, Rule
from engine.policy.params import ParamView
from engine.common import yamlio
from engine.pipeline.runtime import run

from conftest import ROOT

# --- random conditions over a, b ∈ {None, 0, 1, 2} and a boolean c -------------------------

VALUES = (None, 0, 1, 2)
BOOLS = (None, True, False)
ASSIGNMENTS = [dict(a=a, b=b, c=c) for a in VALUES for b in VALUES for c in BOOLS]
OPS = ("==", "!=", "<", "<=", ">", ">=")


def _atom(rng: random.Random, constants: bool = True):
    name = Name(rng.choice("ab"))
    pick = rng.randrange(10 if constants else 9)
    if pick == 0:
        return Compare(rng.choice(OPS), name, Lit(rng.choice((0, 1, 2))))
    if pick == 1:
        return Compare(rng.choice(OPS), Lit(rng.choice((0, 1, 2))), name)
    if pick == 2:
        null = Compare(rng.choice(("==", "!=")), name, Lit(None))
        return null if rng.random() < 0.5 else Compare(null.op, Lit(None), name)
    if pick == 3:
        items = tuple(Lit(v) for v in sorted(rng.sample((0, 1, 2), rng.randint(0, 3))))
        return Compare(rng.choice(("in", "notin")), name, ListLit(items))
    if pick == 4:
        return Compare(rng.choice(OPS), Name("a"), Name("b"))
    if pick == 5:
        return Compare(rng.choice(OPS), Arith(rng.choice("+-"), Name("a"), Name("b")), Lit(rng.choice((0, 1, 2))))
    if pick == 6:
        return Name("c")
    if pick == 7:
        return Compare(rng.choice(("==", "!=")), Name("c"), Lit(rng.choice((True, False))))
    if pick == 8:
        return Compare(rng.choice(OPS), name, Lit(rng.choice((0, 1, 2))))
    # constants, for folding
    return rng.choice((Lit(True), Lit(False), Compare(rng.choice(OPS), Lit(rng.choice((0, 1))), Lit(1)),
                       Compare("==", Lit(None), Lit(None))))


def random_condition(rng: random.Random, depth: int = 3, constants: bool = True):
    if depth == 0 or rng.random() < 0.3:
        return _atom(rng, constants)
    pick = rng.randrange(4)
    if pick == 0:
        return And(tuple(random_condition(rng, depth - 1, constants) for _ in range(rng.randint(2, 3))))
    if pick == 1:
        return Or(tuple(random_condition(rng, depth - 1, constants) for _ in range(rng.randint(2, 3))))
    if pick == 2:
        return Not(random_condition(rng, depth - 1, constants))
    return IsNotTrue(random_condition(rng, depth - 1, constants))


def truth(node, facts: dict):
    return expr.truth(expr.evaluate(node, facts.get, lambda name: None))


RELATION = {
    "true": lambda v: v is True,
    "false": lambda v: v is False,
    "not_true": lambda v: v is not True,
    "not_false": lambda v: v is not False,
}


def _has_only(node, types) -> bool:
    return all(isinstance(n, types) for n in expr.walk(node))


# --- (1) NNF -----------------------------------------------------------------------------

def test_nnf_agrees_with_three_valued_evaluation():
    rng = random.Random(1234)
    for _ in range(400):
        condition = random_condition(rng)
        for mode, relation in RELATION.items():
            normal = nnf(condition, mode)
            # negation normal form: no Not / IsNotTrue, no bare names left
            assert _has_only(normal, (And, Or, Compare, Lit, Name, ListLit, Arith)), (condition, mode)
            assert not any(isinstance(n, (Not, IsNotTrue)) for n in expr.walk(normal))
            for facts in ASSIGNMENTS:
                expected = relation(truth(condition, facts))
                got = truth(normal, facts) is True
                assert got == expected, (expr.render(condition), mode, facts)


@pytest.mark.parametrize("mode, a, expected", [
    ("true", None, False), ("false", None, False), ("not_true", None, True), ("not_false", None, True),
    ("true", 5, True), ("false", 5, False), ("not_true", 5, False), ("not_false", 5, True),
    ("true", 1, False), ("false", 1, True), ("not_true", 1, True), ("not_false", 1, False),
])
def test_nnf_of_one_comparison(mode, a, expected):
    node = expr.parse("a > 3")
    assert (truth(nnf(node, mode), {"a": a}) is True) is expected


def test_nnf_null_tests_stay_two_valued():
    node = expr.parse("a == null")
    assert nnf(node, "true") == node
    assert nnf(node, "not_false") == node
    assert nnf(node, "false") == expr.parse("a != null")
    assert nnf(node, "not_true") == expr.parse("a != null")


def test_nnf_rejects_non_conditions():
    with pytest.raises(Exception):
        nnf(Arith("+", Name("a"), Lit(1)))


# --- (2) simplification --------------------------------------------------------------------

def test_simplify_tree_keeps_meaning():
    rng = random.Random(99)
    folded_false = 0
    for _ in range(600):
        condition = random_condition(rng)
        for mode in RELATION:
            normal = nnf(condition, mode)
            simple = simplify_tree(normal)
            if simple == Lit(False):
                folded_false += 1
                assert not any(truth(normal, f) is True for f in ASSIGNMENTS), expr.render(normal)
                continue
            for facts in ASSIGNMENTS:
                assert (truth(simple, facts) is True) == (truth(normal, facts) is True), \
                    (expr.render(normal), expr.render(simple), facts)
    assert folded_false > 0  # the Lit(False) branch was exercised


def test_simplify_uses_sibling_literals():
    # literals of an enclosing conjunction settle the tests nested under it
    node = nnf(expr.parse("a == 1 and (not (a == 2) or b == 1)"))
    assert simplify_tree(node) == Compare("==", Name("a"), Lit(1))
    node = nnf(expr.parse("a == 1 and (a > 1 or b == 1)"))
    assert simplify_tree(node) == And((Compare("==", Name("a"), Lit(1)), Compare("==", Name("b"), Lit(1))))
    node = nnf(expr.parse("a == 1 and (a == null or b == 1)"))
    assert simplify_tree(node) == And((Compare("==", Name("a"), Lit(1)), Compare("==", Name("b"), Lit(1))))
    assert simplify_tree(nnf(expr.parse("a == 1 and a == 2"))) == Lit(False)
    assert simplify_tree(nnf(expr.parse("a == null and a > 3"))) == Lit(False)
    assert simplify_tree(nnf(expr.parse("1 < 2 and a > 0"))) == Compare(">", Name("a"), Lit(0))
    assert simplify((Compare("==", Name("a"), Lit(1)), Compare("!=", Name("a"), Lit(1)))) is None


def test_alternatives_cover_the_condition():
    """Split into (fact tests, decision literals) alternatives, as the compiler does; b plays a decision."""
    rng = random.Random(5)
    for _ in range(300):
        condition = random_condition(rng)
        normal = simplify_tree(nnf(condition))
        alts = alternatives(normal, lambda n: "b" in expr.names(n))
        kept = []
        for fact_part, decision_part in alts:
            fact_node = simplify_tree(And(fact_part)) if fact_part else Lit(True)
            if fact_node == Lit(False) or simplify(decision_part) is None:
                continue
            for literal in decision_part:       # no `or` around a decision: joins cannot sit in $or
                assert isinstance(literal, Compare)
            kept.append(And((fact_node,) + tuple(decision_part)))
        for facts in ASSIGNMENTS:
            expected = truth(condition, facts) is True
            assert any(truth(k, facts) is True for k in kept) == expected, (expr.render(condition), facts)


# --- the same conditions through durable_rules -----------------------------------------------

def _variant(name: str) -> Variant:
    rule = SimpleNamespace(id=name)
    decision = SimpleNamespace(name="d")
    return Variant(name, rule, decision, (), (), Lit(True), ())


def test_random_conditions_compiled_to_durable_rules_agree():
    """Each random condition as one alpha test of a durable_rules rule, every assignment as one fact."""
    rng = random.Random(2024)
    builder = _Builder(SimpleNamespace(kinds={"x": None}), None)
    expected_by_rule: dict[str, set[str]] = {}
    facts = []
    for n, values in enumerate(ASSIGNMENTS):
        present = {k: v for k, v in values.items() if v is not None}
        facts.append(Fact("x", f"s{n}", f"x:{n}", present))
    for i in range(120):
        condition = random_condition(rng, depth=2, constants=False)
        normal = simplify_tree(nnf(condition))
        name = f"c{i}#0"
        expected_by_rule[name] = {f.fid for f in facts if truth(condition, f.values) is True}
        if normal == Lit(False):
            assert expected_by_rule[name] == set()
            continue
        tests = [{"t": "x"}] + ([] if normal == Lit(True) else [builder.alpha("x", normal)])
        builder.definition[name] = {"all": [{"f": {"$and": tests}}]}
        builder.variants[name] = _variant(name)
    compiled = CompiledPolicy(f"test-alpha-{uuid.uuid4().hex}", builder.definition, builder.variants,
                              builder.lifted, builder.projection)
    firings = run(compiled, facts, lambda name: None)
    got: dict[str, set[str]] = defaultdict(set)
    for f in firings:
        got[f.variant.name].add(f.fact.fid)
    for name, expected in expected_by_rule.items():
        assert got.get(name, set()) == expected, name


# --- (3) the real policy ------------------------------------------------------------------------

@pytest.fixture(scope="module")
def compiled(policy):
    return compile_policy(policy, ParamView(policy, dt.date(2025, 1, 1)))


def test_no_rule_is_unreachable(compiled):
    assert compiled.unreachable == []


def test_definition_is_small(compiled, policy):
    assert 0 < len(compiled.definition) < 200
    assert set(compiled.definition) == set(compiled.variants)
    # every rule of the policy has at least one variant; concluding rules conclude, `blocks:` rules block
    roles = {v.rule.id: v.role for v in compiled.variants.values() if v.rule is not None}
    assert roles == {r.id: "conclude" if r.concludes else "block" for d in policy.decisions.values() for r in d.rules}
    # one scope rule per distinct applies_when, covering every decision that has one
    scoped = {name for v in compiled.variants.values() if v.role == "scope" for name in v.scope_of}
    assert scoped == {d.name for d in policy.decisions.values() if d.applies_when is not None}


def test_lookup_expansion_one_variant_per_level(compiled, policy):
    levels = policy.parameters["skill_allowance"].at(dt.date(2025, 1, 1)).value
    variants = [v for v in compiled.variants.values() if v.rule is not None and v.rule.id == "skill.by_level"]
    assert len(variants) == len(levels)
    assert sorted(v.bindings for v in variants) == sorted((("skill_level", k),) for k in levels)
    for v in variants:
        (_, key), = v.bindings
        # the conclusion is the amount for that level, inlined as a constant
        assert v.value == Lit(levels[key])
        assert not v.joins


def test_rules_never_test_engine_ids(compiled):
    text = repr(compiled.definition)
    assert "'sid'" not in text and "'id'" not in text


# --- differential: compiled network vs effective_condition evaluated in Python ------------------

ATTESTATIONS = ["political", "law_abiding", "service_minded", "follows_rules", "fulfils_duties",
                "communication_and_computer", "healthy", "obeys_assignment"]


def _date(rng, start: str, end: str) -> str:
    a, b = dt.date.fromisoformat(start), dt.date.fromisoformat(end)
    return (a + dt.timedelta(days=rng.randint(0, (b - a).days))).isoformat()


def random_case(rng: random.Random, policy, n: int) -> dict:
    vocab = policy.vocabulary
    as_of = dt.date.fromisoformat(_date(rng, "2025-01-01", "2025-12-31"))
    centers = []
    for j in range(rng.randint(0, 3)):
        center = {"id": f"C{j}", "level": rng.choice(vocab["center_level"]["values"]), "windows": rng.randint(0, 25)}
        if rng.random() < 0.5:
            center["clerks"] = rng.randint(0, 30)
        staff = {k: rng.randint(0, 3) for k in ("direct", "hrss", "civil_affairs") if rng.random() < 0.7}
        if staff or rng.random() < 0.5:
            center["staff"] = staff
        centers.append(center)
    people = []
    for i in range(rng.randint(1, 6)):
        person = {"id": f"P{i}"}
        selection = _date(rng, "2024-06-01", "2025-12-31")
        if rng.random() < 0.3:   # exactly on a birthday near the age bound
            years = rng.choice((35, 36))
            d = dt.date.fromisoformat(selection)
            person["birth_date"] = d.replace(year=d.year - years).isoformat() if (d.month, d.day) != (2, 29) else "1990-03-01"
        else:
            person["birth_date"] = _date(rng, "1985-01-01", "2002-12-31")
        if rng.random() < 0.5:
            person["selection_date"] = selection
        if rng.random() < 0.9:
            person["education"] = rng.choice(vocab["education"]["values"])
        if rng.random() < 0.9:
            person["attestations"] = {k: rng.random() < 0.9 for k in ATTESTATIONS if rng.random() < 0.9}
        certs = []
        for _ in range(rng.choice((0, 0, 1, 1, 2, 3))):
            ctype = rng.choice(list(vocab["certificate_level"]["by_type"]))
            certs.append({"type": ctype, "level": rng.choice(vocab["certificate_level"]["by_type"][ctype]),
                          "obtained_on": _date(rng, "2012-01-01", "2026-06-30")})
        person["certificates"] = certs
        if rng.random() < 0.75:
            person["hired_on"] = _date(rng, "2012-01-01", as_of.isoformat())
            if rng.random() < 0.3:
                person["service_start"] = _date(rng, "2012-01-01", as_of.isoformat())
            if rng.random() < 0.6:
                person["probation"] = rng.random() < 0.2
            months = sorted(rng.sample(range(1, 13), rng.randint(0, 12)))
            person["ratings"] = {f"2025-{m:02d}": rng.choices(vocab["rating"]["values"], (3, 4, 2, 1))[0]
                                 for m in months}
            if rng.random() < 0.5:
                person["bottom_ranked"] = [f"2025-{m:02d}" for m in sorted(rng.sample(range(1, 13), rng.randint(0, 4)))]
        if centers and rng.random() < 0.8:
            person["center"] = rng.choice(centers)["id"]
        people.append(person)
    departments = sorted({d for name in ("district_provincial_lines", "district_integrated_departments",
                                         "local_department_services", "local_all_category")
                          for d in policy.parameters[name].values[-1].value} | {"其他部门"})
    items = [{"id": f"I{k}", "department": rng.choice(departments),
              "center_level": rng.choice(vocab["center_level"]["values"])} for k in range(rng.randint(0, 4))]
    return {"id": f"R{n}", "as_of": as_of.isoformat(), "assessment_year": 2025,
            "people": people, "centers": centers, "items": items}


def _check_against_python(policy, result) -> int:
    """Every rule fires on a fact exactly where its effective condition is true in Python; scopes likewise."""
    params = result.params
    values = {(d.subject, d.decision): d.value for d in result.determinations}
    concluded = {(f.variant.decision.name, f.fact.subject) for f in result.firings if f.variant.role == "conclude"}
    fired = defaultdict(list)
    scoped = set()
    for f in result.firings:
        if f.variant.role == "scope":
            scoped.update((name, f.fact.fid) for name in f.variant.scope_of)
        else:
            fired[(f.rule.id, f.fact.fid)].append(f)
    checked = 0
    for fact in result.facts:
        kind = policy.kinds[fact.kind]

        def resolve(name, fact=fact, kind=kind):
            if name in policy.decisions and kind.label_of(name) is None:
                return values.get((fact.subject, name))
            return fact.get(name)
        for decision in policy.decisions.values():
            if decision.of != fact.kind:
                continue
            if decision.applies_when is not None:
                in_scope = expr.truth(expr.evaluate(decision.applies_when, resolve, params)) is True
                assert ((decision.name, fact.fid) in scoped) == in_scope, (decision.name, fact.fid)
            for rule in decision.rules:
                value_ast = rule.compute if rule.compute is not None else Lit(rule.then if rule.concludes else None)
                reads = [n for n in expr.names(value_ast) if n in policy.decisions and kind.label_of(n) is None]
                holds = expr.truth(expr.evaluate(effective_condition(decision, rule), resolve, params)) is True
                expected = holds and all((n, fact.subject) in concluded for n in reads)
                hits = fired.get((rule.id, fact.fid), [])
                assert bool(hits) == expected, (result.case.id, rule.id, fact.fid, fact.values)
                if hits:
                    want = expr.plain(expr.evaluate(value_ast, resolve, params))
                    assert {repr(h.value) for h in hits} == {repr(want)}, (rule.id, fact.fid)
                checked += 1
    return checked


def _policy_test_cases(policy):
    for path in sorted(Path(policy.tests_dir).glob("*.yaml")):
        tree = yamlio.load(path)
        for i, test in enumerate(tree["tests"]):
            case, errors = check_case(test["case"], policy, str(path), tree, ["tests", i, "case"], i)
            if case is not None and not errors:
                yield case


def test_compiled_rules_agree_with_python_on_policy_tests(policy):
    evaluator = Evaluator(policy)
    cases = list(_policy_test_cases(policy)) + load_cases(ROOT / "fixtures" / "roster_2025.yaml", policy).cases
    assert len(cases) > 20
    checked = sum(_check_against_python(policy, evaluator.evaluate(c)) for c in cases)
    assert checked > 1000


@pytest.mark.slow   # a long property: 150 random cases
def test_compiled_rules_agree_with_python_on_random_cases(policy, tmp_path):
    rng = random.Random(31337)
    path = tmp_path / "random.yaml"
    path.write_text(json.dumps({"cases": [random_case(rng, policy, n) for n in range(150)]}, ensure_ascii=False),
                    encoding="utf-8")
    case_file = load_cases(path, policy)
    assert not case_file.errors, [str(e) for e in case_file.errors[:5]]
    evaluator = Evaluator(policy)
    checked = 0
    fired_rules = set()
    for case in case_file.cases:
        result = evaluator.evaluate(case)
        assert not any("不一致" in e.message for e in result.errors), result.errors
        checked += _check_against_python(policy, result)
        fired_rules |= {f.rule.id for f in result.firings if f.rule is not None}
    assert checked > 5000
    # the random cases reach most of the policy's rules
    concluding = {r.id for d in policy.decisions.values() for r in d.rules if r.concludes}
    assert len(fired_rules) >= 0.8 * len(concluding), sorted(concluding - fired_rules)


# --- (4) exceptions and priority in effective_condition --------------------------------------------

def _qualified_person(**over):
    facts = {"age_at_selection": 30, "education": "本科", "certificate_at_selection": True,
             "attestations.political": True, "attestations.law_abiding": True, "attestations.service_minded": True,
             "attestations.follows_rules": True, "attestations.fulfils_duties": True,
             "attestations.communication_and_computer": True, "attestations.healthy": True,
             "attestations.obeys_assignment": True}
    facts.update(over)
    return facts


def _effective(policy, decision: str, rule_id: str, facts: dict):
    d = policy.decisions[decision]
    rule = next(r for r in d.rules if r.id == rule_id)
    params = ParamView(policy, dt.date(2025, 1, 1))
    return expr.truth(expr.evaluate(effective_condition(d, rule), facts.get, params))


def _own(policy, decision: str, rule_id: str, facts: dict):
    rule = next(r for r in policy.decisions[decision].rules if r.id == rule_id)
    return expr.truth(expr.evaluate(rule.when, facts.get, ParamView(policy, dt.date(2025, 1, 1))))


def test_priority_over_age_blocks_qualified(policy):
    max_age = policy.parameters["max_age"].at(dt.date(2025, 1, 1)).value
    ok = _qualified_person(age_at_selection=max_age)
    assert _effective(policy, "eligibility", "eligibility.qualified", ok) is True
    assert _effective(policy, "eligibility", "eligibility.over_age", ok) is False
    # the qualified rule's own condition holds without age ≤ max once the age is over;
    # its effective condition must still be false because 不合格 comes first
    over = _qualified_person(age_at_selection=max_age + 1)
    assert _effective(policy, "eligibility", "eligibility.over_age", over) is True
    assert _effective(policy, "eligibility", "eligibility.qualified", over) is not True


def test_priority_over_age_blocks_a_later_value_whose_own_condition_holds(policy):
    max_age = policy.parameters["max_age"].at(dt.date(2025, 1, 1)).value
    facts = _qualified_person(age_at_selection=max_age + 1, certificate_at_selection=False)
    assert _own(policy, "eligibility", "eligibility.certificate_pending", facts) is True
    assert _effective(policy, "eligibility", "eligibility.certificate_pending", facts) is not True
    assert _effective(policy, "eligibility", "eligibility.over_age", facts) is True


def test_priority_unknown_earlier_rule_does_not_block(policy):
    # healthy unverified (待核实) does not stop 有条件合格? It does: 待核实 is an earlier value and holds.
    facts = _qualified_person(certificate_at_selection=False)
    del facts["attestations.healthy"]
    assert _effective(policy, "eligibility", "eligibility.healthy_unverified", facts) is True
    assert _effective(policy, "eligibility", "eligibility.certificate_pending", facts) is not True
    # 不合格 (law_abiding false) comes before 待核实 (healthy missing)
    facts["attestations.law_abiding"] = False
    assert _effective(policy, "eligibility", "eligibility.law_abiding_not_met", facts) is True
    assert _effective(policy, "eligibility", "eligibility.healthy_unverified", facts) is not True
    # an unknown age makes over_age unknown, which does not block a later value (IsNotTrue)
    facts = _qualified_person(certificate_at_selection=False, age_at_selection=None)
    assert _effective(policy, "eligibility", "eligibility.over_age", facts) is None
    assert _effective(policy, "eligibility", "eligibility.certificate_pending", facts) is True


def test_explicit_overrides(policy):
    facts = {"hired_on": "2014-01-01", "probation": False, "service_years": 10, "holds_clerk_certificate": True}
    assert _effective(policy, "seniority_allowance", "seniority.ten_years", facts) is True
    assert _own(policy, "seniority_allowance", "seniority.five_years", facts) is True
    assert _effective(policy, "seniority_allowance", "seniority.five_years", facts) is not True
    assert _effective(policy, "seniority_allowance", "seniority.one_year", facts) is not True
    facts["probation"] = True
    assert _effective(policy, "seniority_allowance", "seniority.probation", facts) is True
    assert _effective(policy, "seniority_allowance", "seniority.ten_years", facts) is not True
    # the decision's scope (applies_when: hired_on != null) is part of every effective condition
    del facts["hired_on"]
    assert _effective(policy, "seniority_allowance", "seniority.probation", facts) is not True


def test_block_removes_excellent_so_competent_is_reached(policy):
    facts = {"good_months": 6, "bad_months": 0, "longest_bad_run": 0, "hired_on": "2025-03-01",
             "assessment_year_start": "2025-01-01"}
    assert _own(policy, "annual_grade", "annual.excellent", facts) is True
    assert _effective(policy, "annual_grade", "annual.excellent", facts) is not True
    assert _effective(policy, "annual_grade", "annual.competent", facts) is True
    facts["hired_on"] = "2024-03-01"
    assert _effective(policy, "annual_grade", "annual.excellent", facts) is True
    assert _effective(policy, "annual_grade", "annual.competent", facts) is not True


# --- an exception that reads a decision with no conclusion ------------------------------------------

def _policy_with_flag(policy):
    """The real policy plus a decision `flag`: «base» for everyone hired, unless education_allowance is 0."""

    def rule(rid, when, then, overrides=()):
        return Rule(id=rid, title=rid, decision="flag", clause="二(二)5", text="", when=expr.parse(when),
                    when_text=when, then=then, has_then=True, overrides=tuple(overrides))
    flag = Decision(name="flag", label="flag", of="person", subject="person", hit="unique", values=None,
                    applies_when=expr.parse("hired_on != null"),
                    rules=(rule("flag.base", "hired_on != null", "base"),
                           rule("flag.exception", "education_allowance == 0", "exception", ["flag.base"])),
                    scenarios=None, interpretations=(), section="test",
                    location=policy.decisions["education_allowance"].location)
    # education_allowance in scope for everyone hired (the shipped policy leaves out those without an education):
    # a person without one then has no education allowance, a decision that can stay undecided
    education = dataclasses.replace(policy.decisions["education_allowance"], applies_when=expr.parse("hired_on != null"))
    return dataclasses.replace(policy, decisions=dict(policy.decisions, education_allowance=education, flag=flag),
                               version=f"flag-{uuid.uuid4().hex[:8]}")


def _flag_for(policy, person: dict, tmp_path):
    path = tmp_path / f"flag-{uuid.uuid4().hex}.yaml"
    path.write_text(json.dumps({"as_of": "2025-06-30", "people": [person]}, ensure_ascii=False), encoding="utf-8")
    case, = load_cases(path, policy).cases
    result = Evaluator(policy).evaluate(case)
    return {(d.subject, d.decision): d.value for d in result.determinations}.get(("P1", "flag")), result


def test_exception_reading_a_concluded_decision(policy, tmp_path):
    flagged = _policy_with_flag(policy)
    person = {"id": "P1", "birth_date": "1990-01-01", "hired_on": "2020-01-01", "certificates": []}
    assert _flag_for(flagged, dict(person, education="大专"), tmp_path)[0] == "exception"   # education_allowance 0
    assert _flag_for(flagged, dict(person, education="本科"), tmp_path)[0] == "base"        # education_allowance 100


def test_exception_over_a_possibly_undecided_decision_is_warned_and_the_gap_reported(policy, tmp_path):
    from engine.tools.validate import check
    flagged = _policy_with_flag(policy)
    warnings = [p for p in check(flagged) if p.severity == "warning" and p.path == "flag.base"]
    assert warnings and "education_allowance" in warnings[0].message
    person = {"id": "P1", "birth_date": "1990-01-01", "hired_on": "2020-01-01", "certificates": []}
    value, result = _flag_for(flagged, person, tmp_path)
    assert any("education_allowance" in e.path for e in result.errors)


@pytest.mark.xfail(strict=True, reason="known limitation: a rule cannot fire on the *absence* of another decision's "
                                       "conclusion (durable_rules' none() misfires within a batch); that alternative "
                                       "is left out, validate warns, and the case reports the undecided decision as a gap")
def test_exception_reading_a_decision_without_conclusion_does_not_block(policy, tmp_path):
    flagged = _policy_with_flag(policy)
    # no education and not on probation: education_allowance has no conclusion (a gap), so the exception's
    # condition is unknown and, as an exception, must not block flag.base
    person = {"id": "P1", "birth_date": "1990-01-01", "hired_on": "2020-01-01", "certificates": []}
    rule = next(r for r in flagged.decisions["flag"].rules if r.id == "flag.base")
    facts = {"hired_on": "2020-01-01"}
    assert expr.truth(expr.evaluate(effective_condition(flagged.decisions["flag"], rule), facts.get,
                                    ParamView(flagged, dt.date(2025, 6, 30)))) is True
    value, result = _flag_for(flagged, person, tmp_path)
    assert value == "base", result.errors


# --- a period compiled once per policy -----------------------------------------------------------------

def test_a_period_is_compiled_again_unless_the_policy_is_equal(policy, tmp_path, monkeypatch):
    """compile_period reuses a ruleset only for an equal policy (the same folder loaded again): a rule changed in
    memory under the same name and version, or the same files in another folder, is compiled afresh; the name is
    always the caller's."""
    import shutil
    from engine.pipeline import compiler
    from engine.policy.params import change_days
    from engine.tools.validate import load_or_raise
    day = change_days(policy)[0]
    first = compiler.compile_period(policy, day, "@a")
    assert first.definition == compile_policy(policy, ParamView(policy, day)).definition
    calls = []
    real = compiler.compile_policy
    monkeypatch.setattr(compiler, "compile_policy", lambda *a: calls.append(a[0]) or real(*a))

    again = load_or_raise(ROOT / "policies" / "suchen_2024")   # checking it compiles every period: none afresh
    assert again is not policy and calls == []
    reused = compiler.compile_period(again, day, "@b")
    assert calls == [] and reused.name == policy.ruleset_name + "@b" and reused.definition == first.definition

    decision = policy.decisions["annual_grade"]
    changed = dataclasses.replace(decision.rules[0], when=expr.parse("false"))
    edited = dataclasses.replace(policy, decisions=dict(policy.decisions, annual_grade=dataclasses.replace(
        decision, rules=(changed,) + decision.rules[1:])))
    assert edited.ruleset_name == policy.ruleset_name
    assert compiler.compile_period(edited, day).definition != first.definition and calls == [edited]

    shutil.copytree(ROOT / "policies" / "suchen_2024", tmp_path / "copy")
    elsewhere = load_or_raise(tmp_path / "copy")
    assert elsewhere.ruleset_name == policy.ruleset_name and calls[-1] is elsewhere   # compiled afresh to check it
    variant = next(v for v in compiler.compile_period(elsewhere, day).variants.values() if v.rule is not None)
    assert variant.rule.location.file.startswith(str(tmp_path))   # its own rules, where they are written
