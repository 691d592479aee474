"""engine/tools/validate.py `check`: meaning-level problems of a policy that loads, each at the key it is about.

Every test breaks a private copy of the real policy with one plain text edit, loads it (the
loader must accept it: the shapes are fine), and asserts that `check` names the problem in
Chinese, the file, and the line and column of the offending key or value (found by searching
the file for the edited text). tests/policy/test_broken_policies.py holds the catalogue of broken copies.
"""
from __future__ import annotations

from pathlib import Path

import pytest

from engine.policy.loader import PolicyLoadError, load_policy

from engine.tools.validate import load_or_raise
from engine.tools.validate import check

from conftest import edit, line_of




def rule_line(path: Path, rule_id: str) -> int:
    """The line of `- id: <rule_id>` (the rule's first line)."""
    hits = [i + 1 for i, line in enumerate(path.read_text(encoding="utf-8").splitlines())
            if line.strip() in (f"- id: {rule_id}", f"id: {rule_id}")]
    assert len(hits) == 1, f"{path}: rule {rule_id} on lines {hits}"
    return hits[0]


def checked(root: Path):
    policy, problems = load_policy(root)
    assert policy is not None, "the loader should accept this policy: " + "\n".join(map(str, problems))
    assert [p for p in problems if p.severity == "error"] == []
    return check(policy)


def describe(problems) -> str:
    return "\n".join(f"{p.severity} {p}" for p in problems) or "(no problems)"


def only(problems, needle: str):
    found = [p for p in problems if needle in p.message]
    assert len(found) == 1, f"expected one problem with «{needle}»:\n{describe(problems)}"
    return found[0]


def assert_at_rule(problem, root: Path, rel: str, rule_id: str):
    assert Path(problem.location.file) == root / rel, str(problem)
    assert problem.location.line == rule_line(root / rel, rule_id), str(problem)


def assert_at(problem, root: Path, rel: str, needle: str, offset: int = 0):
    """At the line holding `needle`, the column where `needle` starts (plus `offset` characters)."""
    path = root / rel
    line = line_of(path, needle)
    col = path.read_text(encoding="utf-8").splitlines()[line - 1].index(needle) + 1 + offset
    assert Path(problem.location.file) == path, str(problem)
    assert (problem.location.line, problem.location.col) == (line, col), str(problem)


def test_real_policy_has_nothing_to_report(policy):
    """Nothing but a warning for each notice.yaml value its issuing office has still to confirm (`confirm:`)."""
    problems = check(policy)
    to_confirm = [p for p in problems if p.severity == "warning" and p.path in policy.notice.confirm]
    assert [p for p in problems if p not in to_confirm] == []
    assert sorted(p.path for p in to_confirm) == sorted(policy.notice.confirm)


def test_unknown_name_in_when_with_suggestion(tmp_policy):
    edit(tmp_policy, "rules/assessment.yaml", "when: bad_months <= param.basic_max_bad",
         "when: bad_month <= param.basic_max_bad")
    problems = checked(tmp_policy)
    p = only(problems, "未知的名称“bad_month”")
    assert p.severity == "error"
    assert "您是否想输入“bad_months”" in p.message
    assert p.path == "annual.basic.when"
    assert_at(p, tmp_policy, "rules/assessment.yaml", "bad_month <= param.basic_max_bad")


def test_unknown_parameter(tmp_policy):
    edit(tmp_policy, "rules/selection.yaml", "when: age_at_selection > param.max_age\n",
         "when: age_at_selection > param.max_agee\n")
    problems = checked(tmp_policy)
    p = only(problems, "未知的参数“param.max_agee”")
    assert p.severity == "error"
    assert "您是否想输入“max_age”" in p.message
    assert p.path == "eligibility.over_age.when"
    assert_at(p, tmp_policy, "rules/selection.yaml", "param.max_agee")


def test_clause_reference_that_does_not_exist(tmp_policy):
    edit(tmp_policy, "rules/windows.yaml",
         "      - id: ratio.unmet\n        title: 办事员少于窗口数\n        clause: 二(二)1-配比\n",
         "      - id: ratio.unmet\n        title: 办事员少于窗口数\n        clause: 二(二)9\n")
    problems = checked(tmp_policy)
    p = only(problems, "未知的条款“二(二)9”")
    assert p.severity == "error"
    assert p.path == "ratio.unmet.clause"
    assert_at(p, tmp_policy, "rules/windows.yaml", "二(二)9")


def test_rule_text_not_verbatim_in_its_clause(tmp_policy):
    edit(tmp_policy, "rules/certificate.yaml",
         "        title: 上岗满一年仍未取证\n        clause: 二(二)2(1)⑧\n        text: 上岗一年内取证\n",
         "        title: 上岗满一年仍未取证\n        clause: 二(二)2(1)⑧\n        text: 上岗两年内取证\n")
    problems = checked(tmp_policy)
    p = only(problems, "原文中找不到这段文字")
    assert p.severity == "error"
    assert "上岗两年内取证" in p.message and "二(二)2(1)⑧" in p.message
    # 上岗 is in the clause; the third character departs: 两 where the document has 一
    assert "第 3 个字起与原文不同" in p.message and "“两”" in p.message and "“一”" in p.message
    assert p.path == "certificate.overdue.text"
    assert_at(p, tmp_policy, "rules/certificate.yaml", "上岗两年内取证", offset=2)


def test_text_from_another_clause_is_not_verbatim_in_this_one(tmp_policy):
    # words that are in the document, but in 二(二)8(2), not in 二(二)2(1)⑧
    edit(tmp_policy, "rules/certificate.yaml",
         "        title: 上岗满一年仍未取证\n        clause: 二(二)2(1)⑧\n        text: 上岗一年内取证\n",
         "        title: 上岗满一年仍未取证\n        clause: 二(二)2(1)⑧\n        text: 当年工作未满一年的，原则上不得评为“优秀”\n")
    problems = checked(tmp_policy)
    p = only(problems, "原文中找不到这段文字")
    assert Path(p.location.file) == tmp_policy / "rules/certificate.yaml"
    assert p.location.line == line_of(tmp_policy / "rules/certificate.yaml", "当年工作未满一年的")


def test_unknown_interpretation(tmp_policy):
    edit(tmp_policy, "rules/routing.yaml", "        then: 单设窗口\n        interpretations: [item_routing]\n",
         "        then: 单设窗口\n        interpretations: [item_routin]\n")
    problems = checked(tmp_policy)
    p = only(problems, "未知的解释“item_routin”")
    assert p.severity == "error"
    assert "您是否想输入“item_routing”" in p.message
    assert p.path == "route.provincial_line.interpretations"
    assert_at(p, tmp_policy, "rules/routing.yaml", "item_routin]")


def test_overrides_pointing_at_a_rule_of_another_decision(tmp_policy):
    edit(tmp_policy, "rules/allowances.yaml", "overrides: [education.by_degree, education.none]",
         "overrides: [education.by_degree, skill.by_level]")
    problems = checked(tmp_policy)
    p = only(problems, "“skill.by_level”不是决定“education_allowance”的规则：它是决定“skill_allowance”的规则")
    assert p.severity == "error"
    assert p.path == "education.probation.overrides"
    assert_at(p, tmp_policy, "rules/allowances.yaml", "skill.by_level]")


def test_two_decisions_reading_each_other_is_a_cycle(tmp_policy):
    # reassignment_recommended already reads certificate_status; make certificate_status read it back
    edit(tmp_policy, "rules/certificate.yaml", "        when: holds_clerk_certificate\n        then: 已取证\n",
         "        when: holds_clerk_certificate and reassignment_recommended == false\n        then: 已取证\n")
    problems = checked(tmp_policy)
    p = only(problems, "成了循环")
    assert p.severity == "error"
    assert "certificate_status" in p.message and "reassignment_recommended" in p.message
    # located at one of the two decisions, on the line of its name
    places = {(tmp_policy / "rules/certificate.yaml", line_of(tmp_policy / "rules/certificate.yaml", "  certificate_status:")),
              (tmp_policy / "rules/reassignment.yaml",
               line_of(tmp_policy / "rules/reassignment.yaml", "  reassignment_recommended:"))}
    assert (Path(p.location.file), p.location.line) in places, str(p)
    with pytest.raises(PolicyLoadError):
        load_or_raise(tmp_policy)


@pytest.mark.parametrize("old, new", [
    # 已取证 comes first under hit: priority, so a holder never reaches 逾期未取证
    ("        when: as_of > certificate_due\n", "        when: holds_clerk_certificate and as_of > certificate_due\n"),
    ("        when: as_of > certificate_due\n", "        when: false\n"),
], ids=["shadowed-by-priority", "literally-false"])
def test_rule_that_can_never_fire_is_a_warning_not_an_error(tmp_policy, old, new):
    edit(tmp_policy, "rules/certificate.yaml", old, new)
    problems = checked(tmp_policy)
    p = only(problems, "永远不会适用")
    assert p.severity == "warning"
    assert p.path == "certificate.overdue"
    assert_at(p, tmp_policy, "rules/certificate.yaml", new.strip()[len("when: "):])
    assert [q for q in problems if q.severity == "error"] == [], describe(problems)
    # a warning does not stop the policy from loading
    assert load_or_raise(tmp_policy).rules["certificate.overdue"].id == "certificate.overdue"


def test_several_meaning_problems_are_all_reported(tmp_policy):
    edit(tmp_policy, "rules/assessment.yaml", "when: bad_months <= param.basic_max_bad",
         "when: bad_month <= param.basic_max_bad")
    edit(tmp_policy, "rules/routing.yaml", "        then: 单设窗口\n        interpretations: [item_routing]\n",
         "        then: 单设窗口\n        interpretations: [item_routin]\n")
    edit(tmp_policy, "rules/selection.yaml", "when: age_at_selection > param.max_age\n",
         "when: age_at_selection > param.max_agee\n")
    problems = checked(tmp_policy)
    assert {Path(p.location.file).name for p in problems if p.severity == "error"} >= \
        {"assessment.yaml", "routing.yaml", "selection.yaml"}, describe(problems)


def test_a_favourable_value_the_decision_cannot_give_is_named_in_chinese(tmp_policy):
    edit(tmp_policy, "rules/assessment.yaml", "favourable: [优秀, 称职]", "favourable: [优秀, 称职了]")
    problem = only(checked(tmp_policy), "有利的值“称职了”")
    assert "不是“年度考核等次”可取的值" in problem.message and "、称职" in problem.message, problem.message
    assert not any(c.isascii() and c.isalpha() for c in problem.message), problem.message


def test_a_second_budget_total_names_the_first_by_its_label(tmp_policy):
    path = tmp_policy / "rules" / "allowances.yaml"
    text = path.read_text(encoding="utf-8")
    first = text.index("money: {per_year: 12, better: higher}")
    path.write_text(text[:first] + "money: {per_year: 12, better: higher, total: true}"
                    + text[first + len("money: {per_year: 12, better: higher}"):], encoding="utf-8")
    problem = only(checked(tmp_policy), "只能有一项判定作为预算合计")   # said of the second, naming the first
    assert "“技能补贴（元/月）”已是" in problem.message, problem.message
    assert problem.path == "monthly_allowance_total.money.total"
