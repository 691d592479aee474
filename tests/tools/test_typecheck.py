"""validate's type checks (engine/tools/typecheck.py) beyond the catalogue: each says what was expected and what
was found, at the place; what fits is never reported."""
from __future__ import annotations

from pathlib import Path

import pytest

from engine.tools import typecheck
from engine.tools.validate import inside, problems_of

from conftest import edit, line_of


def errors(root: Path) -> list:
    _, problems = problems_of(root)
    return [p for p in problems if p.severity == "error"]


def test_the_shipped_policy_has_no_type_problem(policy):
    assert typecheck.problems(policy, inside) == []


@pytest.mark.parametrize("text, number", [("零", 0), ("〇", 0), ("五", 5), ("十", 10), ("十五", 15), ("二十", 20),
                                          ("一百二十", 120), ("两百", 200), ("是的", None), ("一二", None), ("", None)])
def test_numeral(text, number):
    assert typecheck.numeral(text) == number


def test_a_condition_that_is_no_yes_no(tmp_policy):
    path = edit(tmp_policy, "rules/allowances.yaml", "        when: skill_level != null\n", "        when: skill_level\n")
    [problem] = errors(tmp_policy)
    assert (problem.location.line, problem.location.col) == (line_of(path, "[skill_level]") - 1, 15)
    assert problem.message == "条件应为“是/否”，此处的“最高技能补贴档次”（skill_level）是文字"


def test_arithmetic_on_a_text(tmp_policy):
    path = edit(tmp_policy, "rules/allowances.yaml", "compute: skill_allowance + seniority_allowance + education_allowance",
                "compute: skill_allowance + seniority_allowance + education")
    [problem] = errors(tmp_policy)
    assert problem.location.line == line_of(path, "+ education")
    assert problem.message.startswith("“学历”（education）是文字，不能做加减乘")


def test_a_parameter_entry_picked_by_a_number(tmp_policy):
    path = edit(tmp_policy, "rules/allowances.yaml", "compute: param.skill_allowance[skill_level]",
                "compute: param.skill_allowance[service_years]")
    [problem] = errors(tmp_policy)
    assert problem.location.line == line_of(path, "[service_years]")
    assert problem.message == ("参数“技能补贴”（param.skill_allowance[service_years]）的各项以文字为名，"
                               "此处取项用的“取证后连续工作年限（满年）”（service_years）是数")


def test_a_computed_conclusion_of_another_type(tmp_policy):
    path = edit(tmp_policy, "rules/allowances.yaml", "compute: param.skill_allowance[skill_level]", "compute: certificate_due")
    [problem] = errors(tmp_policy)
    assert problem.location.line == line_of(path, "compute: certificate_due")
    assert problem.message == "“技能补贴（元/月）”是金额（数），此处计算所得的“取证期限”（certificate_due）是日期"


def test_a_date_where_an_amount_is_decided(tmp_policy):
    edit(tmp_policy, "rules/allowances.yaml", "        when: skill_level == null\n        then: 0\n",
         "        when: skill_level == null\n        then: 2025-01-01\n")
    [problem] = errors(tmp_policy)
    assert problem.message == "“技能补贴（元/月）”是金额（数），此处的 2025-01-01 是日期；请写数字，如 0"


def test_a_word_for_a_yes_no_without_a_close_one(tmp_policy):
    edit(tmp_policy, "rules/reassignment.yaml", "        when: certificate_status == \"逾期未取证\"\n        then: true\n",
         "        when: certificate_status == \"逾期未取证\"\n        then: 建议\n")
    [problem] = errors(tmp_policy)
    assert problem.message == "“建议换岗任用”是“是/否”的决定，“建议”不是“是/否”；请写 是 或 否（或 true、false）"


def test_a_yes_no_decision_compared_with_a_word_is_told_to_write_true(tmp_policy):
    path = edit(tmp_policy, "rules/windows.yaml", "when: clerks >= windows * param.clerk_window_ratio\n",
                "when: clerks >= windows * param.clerk_window_ratio and staffing_compliant != \"否\"\n")
    [problem] = errors(tmp_policy)
    assert problem.location.line == line_of(path, "staffing_compliant != ")
    assert problem.message == "“镇（街）人员配备达标”是“是/否”，此处与之比较的“否”是文字；请写 true 或 false（不加引号）"


def test_a_declared_type_is_checked_against_its_values(tmp_policy):
    path = edit(tmp_policy, "rules/certificate.yaml", "    values: [已取证, 取证期内, 逾期未取证]\n",
                "    type: number\n    values: [已取证, 取证期内, 逾期未取证]\n")
    found = [p for p in errors(tmp_policy) if p.location.file == str(path)]
    assert len(found) == 3 and {p.location.line for p in found} == {line_of(path, "values: [已取证")}
    assert found[0].message.startswith("“取证情况”写明是数（type: number），取值中的“已取证”是文字")


def test_an_enum_without_values(tmp_policy):
    path = edit(tmp_policy, "rules/routing.yaml", "    label: 办理窗口\n", "    label: 办理窗口\n    type: enum\n")
    [problem] = errors(tmp_policy)
    assert problem.location.line == line_of(path, "type: enum")
    assert "须以 values 列出其取值" in problem.message


@pytest.mark.parametrize("rel, old, new", [
    ("rules/certificate.yaml", "when: as_of <= certificate_due", 'when: as_of <= certificate_due and as_of >= "2020-01-01"'),
    ("rules/reassignment.yaml", "when: certificate_status == \"逾期未取证\"\n        then: true", "when: certificate_status == \"逾期未取证\"\n        then: 是"),
    ("rules/reassignment.yaml", "when: longest_bottom_run >= param.reassignment_consecutive_bottom",
     'when: longest_bottom_run >= param.reassignment_consecutive_bottom and certificate_status in ["已取证", "取证期内"]'),
])
def test_what_fits_passes(tmp_policy, rel, old, new):
    edit(tmp_policy, rel, old, new)
    assert errors(tmp_policy) == []
