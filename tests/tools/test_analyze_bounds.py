"""engine/tools/analyze.py on values validate lets through but a rule makes too large: the
decision that cannot be computed says so and is not enumerated; the other decisions are analysed; no crash."""
from __future__ import annotations

from engine.common.limits import MAX_PARAMETER
from engine.tools import analyze
from engine.tools.validate import load_or_raise

from conftest import amend, cli, edit


def test_a_result_beyond_the_engines_range_costs_its_decision_not_the_run(tmp_policy):
    # the largest parameter validate allows, times 100 in the rule: beyond 2^53−1, which the engine cannot compare
    amend(tmp_policy, "parameters/allowances.yaml", "        五级/初级工: 100\n", f"        五级/初级工: {MAX_PARAMETER}\n")
    edit(tmp_policy, "rules/allowances.yaml", "compute: param.skill_allowance[skill_level]\n",
         "compute: param.skill_allowance[skill_level] * 100\n")
    policy = load_or_raise(tmp_policy)
    found = {d.decision: d for d in analyze.analyze(policy, ["skill_allowance", "education_allowance"]).decisions}
    skill = found["skill_allowance"]
    assert not skill.finite and skill.enumerated == 0 and "超出规则引擎能计算的范围" in skill.reason, skill.reason
    assert "a1" not in skill.reason.split("（", 1)[1][:3]      # analyze's own input ids are not shown
    assert found["education_allowance"].finite and found["education_allowance"].enumerated > 0
    code, out, err = cli("analyze", tmp_policy, "--decision", "skill_allowance")
    assert code in (0, 1) and "Traceback" not in err and "超出规则引擎能计算的范围" in out, (code, out, err)
