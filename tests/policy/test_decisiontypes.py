"""Each decision's type (engine/policy/decisiontypes.py): declared or inferred, and what evaluation gives agrees."""
from __future__ import annotations

from engine.formula import valuetypes as vt
from engine.pipeline.evaluate import evaluate_file
from engine.policy import decisiontypes
from engine.policy.loader import load_policy
from engine.tools.validate import problems_of

from conftest import ROOT, edit


def test_the_shipped_decisions_have_the_types_their_rules_give(policy):
    types = {d.name: d.type for d in policy.decisions.values()}
    assert types["skill_allowance"] == types["monthly_allowance_total"] == vt.NUMBER
    assert types["reassignment_recommended"] == types["staffing_compliant"] == vt.BOOL
    assert types["annual_grade"] == types["eligibility"] == decisiontypes.ENUM
    assert types["certificate_deadline"] == vt.DATE
    assert types["window"] == types["good_rating_violations"] == vt.TEXT
    assert None not in types.values() and not any(d.type_declared for d in policy.decisions.values())


def test_every_determination_and_derived_fact_is_of_its_inferred_type(policy):
    """The inference against what the engine computes on the shipped roster: no value of another type."""
    _, results = evaluate_file(str(ROOT / "fixtures" / "roster_2025.yaml"), policy)
    seen = 0
    for result in results:
        assert not result.failed
        for d in result.determinations:
            decision = policy.decisions.get(d.decision)
            if decision is None or d.value is None:
                continue   # a scenario companion, or no value
            want = vt.TEXT if decision.type == decisiontypes.ENUM else decision.type
            if d.value in ((decision.scenarios.undecided,) if decision.scenarios else ()):
                continue
            for value in d.value if decision.hit == "collect" else [d.value]:   # collect: a list of such values
                assert vt.value_type(value) == want, (d.decision, d.value)
                seen += 1
        for fact in result.facts:
            types = decisiontypes.derived_types(policy, fact.kind)
            for name, value in fact.values.items():
                if value is not None and types.get(name) is not None and name in {x.name for x in policy.kinds[fact.kind].derived}:
                    assert vt.value_type(value) == types[name], (fact.kind, name, value)
                    seen += 1
    assert seen > 500


def test_parameter_types_walk_into_the_value(policy):
    assert decisiontypes.param_type(policy, "seniority_tiers.ten_years.amount") == vt.NUMBER
    assert decisiontypes.param_type(policy, "skill_allowance", keyed=True) == vt.NUMBER
    assert decisiontypes.param_type(policy, "skill_allowance") == vt.MAP
    assert decisiontypes.param_type(policy, "leap_day_anniversary") == vt.TEXT
    assert decisiontypes.param_members(policy, "qualifying_education") == vt.TEXT
    assert decisiontypes.param_type(policy, "no_such_parameter") is None


def test_a_declared_type_wins_over_what_the_rules_suggest(tmp_policy):
    edit(tmp_policy, "rules/routing.yaml", "    label: 办理窗口\n", "    label: 办理窗口\n    type: number\n")
    policy, problems = load_policy(tmp_policy)
    assert policy.decisions["window"].type == vt.NUMBER and policy.decisions["window"].type_declared
    _, problems = problems_of(tmp_policy)
    wrong = [p for p in problems if p.path.startswith("route.") and p.path.endswith(".then")]
    assert len(wrong) == 5 and all("“办理窗口”是数" in p.message for p in wrong), [str(p) for p in problems]


def test_an_amount_written_as_a_word_loses_the_vote_to_a_number(tmp_policy):
    """Without `money:`, one `compute:` of a number and one `then: 零`: a tie, and text is the slip."""
    edit(tmp_policy, "rules/allowances.yaml", "    money: {per_year: 12, better: higher}\n    label: 技能补贴（元/月）\n",
         "    label: 技能补贴（元/月）\n")
    edit(tmp_policy, "rules/allowances.yaml", "        when: skill_level == null\n        then: 0\n",
         "        when: skill_level == null\n        then: 零\n")
    policy, _ = load_policy(tmp_policy)
    assert policy.decisions["skill_allowance"].money is None and policy.decisions["skill_allowance"].type == vt.NUMBER


def test_yes_and_no_words_of_a_yes_no_decision_are_read_as_yes_and_no(tmp_policy):
    edit(tmp_policy, "rules/reassignment.yaml", "        when: certificate_status == \"逾期未取证\"\n        then: true\n",
         "        when: certificate_status == \"逾期未取证\"\n        then: 是\n")
    edit(tmp_policy, "rules/windows.yaml", "    favourable: [true]\n    label: 镇（街）人员配备达标\n",
         "    favourable: [是]\n    values: [是, 否]\n    label: 镇（街）人员配备达标\n")
    policy, problems = problems_of(tmp_policy)
    assert [p for p in problems if p.severity == "error"] == []
    rule = policy.rules["reassign.certificate_overdue"]
    assert rule.then is True
    staffing = policy.decisions["staffing_compliant"]
    assert staffing.type == vt.BOOL and staffing.values == (True, False) and staffing.favourable == (True,)
    # a decision of words that are not all 是/否 keeps its words
    assert policy.decisions["window"].type == vt.TEXT
