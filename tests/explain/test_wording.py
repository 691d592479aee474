"""engine/explain/wording.py: conditions as Chinese sentences from the policy's labels; values as officers read them."""
from __future__ import annotations

import datetime as dt
from fractions import Fraction

import pytest

from engine.formula import expr
from engine.explain.wording import Wording
from engine.common.words import shown


@pytest.mark.parametrize("value,unit,text", [
    (None, None, "未提供"), (True, None, "是"), (False, None, "否"), ([], None, "无"),
    (["2025-03", "2025-07"], None, "2025-03、2025-07"), (Fraction(3, 1), "次", "3次"), (0.5, None, "0.5"),
    (100.0, "元/月", "100元/月"), (dt.date(2026, 3, 1), None, "2026-03-01"),
    ({"本科": 100, "硕士": 200}, "元/月", "本科 100元/月；硕士 200元/月"),
])
def test_shown(value, unit, text):
    assert shown(value, unit) == text


@pytest.mark.parametrize("condition,kind,values,sentence", [
    ("good_months >= 4", "annual_assessment", {"good_months": 3}, "当年“好”的次数 ≥ 4次（实际 3次）"),
    ("bad_months == 0", "annual_assessment", None, "当年“差”的次数为0次"),
    ("probation", "person", {"probation": True}, "试用期为“是”（实际 是）"),
    ("not holds_clerk_certificate", "person", {"holds_clerk_certificate": False},
     "判定日持有政务服务办事员证书为“否”（实际 否）"),
    ("education == null", "person", {"education": None}, "学历未提供（实际 未提供）"),
    ("hired_on != null", "person", None, "上岗日期已提供"),
    ("education in [\"本科\", \"硕士\"]", "person", {"education": "大专"}, "学历为“本科”、“硕士”之一（实际 大专）"),
    ("department not in [\"公安\"]", "item", None, "部门不为“公安”"),
    ("attestations.healthy == false", "person", None, "选聘条件⑨（身体健康，符合工作所需身体条件要求）为“否”"),
    ("clerks >= windows * 1", "center", {"clerks": 4, "windows": 5},
     "办事员人数 ≥ 综合（全科）窗口数 × 1（实际：办事员人数 4人，综合（全科）窗口数 5个）"),
    ("certificate_status == \"逾期未取证\"", "person", {"certificate_status": "取证期内"},
     "取证情况为“逾期未取证”（实际 取证期内）"),
    ("4 <= good_months", "annual_assessment", None, "当年“好”的次数 ≥ 4次"),
    ("a == 1 or (b == 2 and c == 3)", None, None, "a为1，或（b为2，且c为3）"),
])
def test_sentences(policy, condition, kind, values, sentence):
    assert Wording(policy).sentence(expr.parse(condition), kind, values) == sentence


def test_labels_cover_decisions_and_scenario_companions(policy):
    words = Wording(policy)
    assert words.label("person", "skill_allowance") == "技能补贴（元/月）"
    assert words.label(None, "annual_grade_possible") == "仍可能的年度考核等次"
    assert words.label("person", "no_such_name") == "no_such_name"
