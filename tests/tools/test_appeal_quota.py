"""engine/tools/appeal.py: an alternative keeps the other determinations its change touches (appeals.yaml
`keep`), alternatives of one kind read as one line (`group:`), what a cost is is said once (`cost_means`),
and a rule whose words leave room (原则上, `discretionary:`) is cited as such.

Every claim is checked the way a reader would: the changes are written into the case dict and the whole
case is decided again (conftest `decide`) — the center's determinations included.
"""
from __future__ import annotations

import io
import itertools
import math

from rich.console import Console

from engine.outputs import appeal as rendering
from engine.policy import appeals as appealspec
from engine.policy.loader import load_policy
from engine.pipeline.evaluate import Evaluator
from engine.tools import appeal as appeals
from engine.tools.appeal import apply_changes

from conftest import decide, edit

ATTESTATIONS = {k: True for k in ["political", "law_abiding", "service_minded", "follows_rules", "fulfils_duties",
                                  "communication_and_computer", "healthy", "obeys_assignment"]}


def ratings(good=()) -> dict:
    return {f"2025-{m:02d}": "好" if m in good else "一般" for m in range(1, 13)}


def clerk(pid: str, good=(), **over) -> dict:
    p = {"id": pid, "name": "王五", "birth_date": "1990-01-01", "education": "本科", "attestations": dict(ATTESTATIONS),
         "certificates": [{"type": "政务服务办事员", "level": "三级/高级工", "obtained_on": "2016-06-01"}],
         "hired_on": "2017-01-01", "probation": False, "center": "C1", "ratings": ratings(good)}
    p.update(over)
    return p


def five_clerk_case() -> dict:
    """A center of 5 clerks (20% of 5 = one 好 a month): months 1–8 each already hold their one 好 (two each for
    B1–B4), and A1 has 好 in months 9–11 — 称职, one 好 short of 优秀. Only month 12 has room."""
    others = [clerk(f"B{i}", good=(2 * i - 1, 2 * i)) for i in range(1, 5)]
    return {"id": "Q", "as_of": "2025-12-31", "assessment_year": 2025,
            "people": others + [clerk("A1", good=(9, 10, 11))],
            "centers": [{"id": "C1", "level": "区级", "windows": 5, "clerks": 5}]}


def roomy_case(good) -> dict:
    """One clerk in a center of 20 (four 好 a month allowed): no month is near the quota."""
    return {"id": "R", "as_of": "2025-12-31", "assessment_year": 2025, "people": [clerk("A1", good=good)],
            "centers": [{"id": "C1", "level": "区级", "windows": 20, "clerks": 20}]}


def months_of(alternative) -> list[str]:
    return [c["fact"].split(".", 1)[1] for c in alternative.changes]


def table_of(result, policy, width=100) -> str:
    out = io.StringIO()
    rendering.render(Console(file=out, width=width, color_system=None), result, policy)
    return out.getvalue()


# --- keep: the center's quota ---------------------------------------------------------------------------

def test_five_clerk_center_gets_month_12_first_and_no_change_over_the_quota(policy, evaluator):
    c = five_clerk_case()
    before = decide(policy, evaluator, c)
    assert before[("A1", "annual_grade")] == "称职" and before[("C1", "good_rating_violations")] == []
    result = appeals.appeal(policy, evaluator, c, "A1", "annual_grade", "优秀")
    assert result.alternatives, result.unreachable
    assert months_of(result.alternatives[0]) == ["2025-12"]
    # every change offered, in the list or in a group, keeps every other determination of the whole case
    offered = result.alternatives + [a for g in result.groups for a in g.members]
    for alternative in offered:
        after = decide(policy, evaluator, apply_changes(c, alternative.changes, policy, "A1"))
        assert after[("A1", "annual_grade")] == "优秀"
        assert {k: v for k, v in after.items() if k[0] != "A1"} == {k: v for k, v in before.items() if k[0] != "A1"}
    assert {m for a in offered for m in months_of(a)} == {"2025-12"}
    # the months over the quota are shown as not offered, each with what it would change — and truly would
    excluded = {months_of(a)[0]: a for a in result.excluded}
    assert sorted(excluded) == [f"2025-{m:02d}" for m in range(1, 9)]
    for month, alternative in excluded.items():
        after = decide(policy, evaluator, apply_changes(c, alternative.changes, policy, "A1"))
        assert after[("A1", "annual_grade")] == "优秀"
        assert after[("C1", "good_rating_violations")] == [month]
        [effect] = alternative.breaks
        assert (effect["subject"], effect["decision"], effect["added"]) == ("C1", "good_rating_violations", [month])


def test_keep_is_policy_data(tmp_policy):
    """With appeals.yaml's `keep.others: ignored` the quota is not looked at, and month 1 comes first again."""
    edit(tmp_policy, "appeals.yaml", "  others: changed", "  others: ignored")
    policy, problems = load_policy(tmp_policy)
    assert policy is not None, problems
    result = appeals.appeal(policy, Evaluator(policy), five_clerk_case(), "A1", "annual_grade", "优秀")
    assert months_of(result.alternatives[0]) == ["2025-01"] and result.excluded == []


def test_when_every_change_breaks_the_quota_none_is_offered_and_the_reason_says_so(policy, evaluator):
    c = five_clerk_case()
    c["people"].append(clerk("B5", good=(12,)))   # month 12 holds its one 好 too (20% of 6 is still one)
    c["centers"][0]["clerks"] = 6
    result = appeals.appeal(policy, evaluator, c, "A1", "annual_grade", "优秀")
    assert result.alternatives == []
    assert result.unreachable.startswith("无法仅通过改变本人事实达到“优秀”而不改变其他判定")
    assert sorted(months_of(a)[0] for a in result.excluded) == [f"2025-{m:02d}" for m in (*range(1, 9), 12)]
    assert "未采用的改变" in table_of(result, policy)


# --- groups -------------------------------------------------------------------------------------------

def test_the_one_month_within_the_quota_reads_as_the_policy_words_it(policy, evaluator):
    result = appeals.appeal(policy, evaluator, five_clerk_case(), "A1", "annual_grade", "优秀")
    [group] = result.groups
    assert group.text == "任一不超出20%限额的月份由“一般”改为“好”：2025-12"
    [excluded] = result.excluded_groups
    assert excluded.text.startswith("月度考核由“一般”改为“好”的月份：2025-01、")
    assert excluded.breaks == ("政务（便民）服务中心 C1「月度“好”超比例的月份」新增 "
                               + "、".join(f"2025-{m:02d}" for m in range(1, 9)),)
    table = table_of(result, policy)
    assert "任一不超出20%限额的月份由“一般”改为“好”" in table and "未采用的改变" in table
    assert table.count("2025-12") == 1


def test_a_center_with_a_name_is_named_by_it(policy, evaluator):
    """The center whose determination a change would break, by the name the roster gives it, not its id."""
    case = five_clerk_case()
    case["centers"][0]["name"] = "洋河新区便民服务中心"
    result = appeals.appeal(policy, evaluator, case, "A1", "annual_grade", "优秀")
    [excluded] = result.excluded_groups
    assert excluded.breaks[0].startswith("政务（便民）服务中心“洋河新区便民服务中心”「月度“好”超比例的月份」新增 ")


def test_alternatives_differing_in_the_month_only_are_one_line(policy, evaluator):
    c = roomy_case(good=(2, 5, 8))   # one more 好, in any of nine months
    result = appeals.appeal(policy, evaluator, c, "A1", "annual_grade", "优秀")
    assert len(result.alternatives) == policy.appeals.alternatives   # the JSON list as before
    [group] = result.groups
    nine = [f"2025-{m:02d}" for m in range(1, 13) if m not in (2, 5, 8)]
    assert group.keys == nine and group.text.endswith("：" + "、".join(nine))
    for alternative in group.members:
        assert decide(policy, evaluator, apply_changes(c, alternative.changes, policy, "A1"))[("A1", "annual_grade")] == "优秀"
    table = table_of(result, policy, width=80)
    assert table.count("任一不超出") == 1 and "可选方案（1 种" in table
    assert all(table.count(month) == 1 for month in nine)   # each once, and whole at 80 columns


def test_every_two_of_some_months_is_one_line(policy, evaluator):
    c = roomy_case(good=(2, 5))      # two more 好: any two of ten months
    result = appeals.appeal(policy, evaluator, c, "A1", "annual_grade", "优秀")
    [group] = result.groups
    assert group.text.startswith("任两个不超出20%限额的月份") and len(group.keys) == 10
    assert len(group.members) == math.comb(10, 2)
    assert {frozenset(months_of(a)) for a in group.members} == \
        {frozenset(p) for p in itertools.combinations(group.keys, 2)}


# --- cost, discretionary, JSON -------------------------------------------------------------------------

def test_what_a_cost_means_is_said_once(policy, evaluator):
    result = appeals.appeal(policy, evaluator, five_clerk_case(), "A1", "annual_grade", "优秀")
    assert result.cost_means == policy.appeals.cost_means and result.cost_means.startswith("代价：")
    assert table_of(result, policy, width=200).count("代价：") == 1


def test_a_principle_rule_is_cited_as_discretionary(policy, evaluator):
    c = roomy_case(good=(4, 7, 10, 12))
    c["people"][0].update(hired_on="2025-03-01", certificates=[])
    result = appeals.appeal(policy, evaluator, c, "A1", "annual_grade", "优秀")
    assert result.alternatives == []
    [cited] = [b for b in result.blocking if "原则上" in b["text"]]
    assert cited["discretionary"] == "该条为“原则上”规定，属可酌情情形"
    assert "原则上不得评为“优秀”。该条为“原则上”规定，属可酌情情形" in result.unreachable


def test_a_rule_without_the_words_is_not(policy, evaluator):
    c = roomy_case(good=())
    c["people"][0].update(birth_date="1985-01-01", selection_date="2025-06-01", certificates=[])
    del c["people"][0]["hired_on"]
    result = appeals.appeal(policy, evaluator, c, "A1", "eligibility", "合格")
    assert result.blocking and all("discretionary" not in b for b in result.blocking)
    assert "可酌情" not in result.unreachable


def test_json_keeps_its_keys_and_adds_the_new_ones(policy, evaluator):
    doc = appeals.to_json(appeals.appeal(policy, evaluator, five_clerk_case(), "A1", "annual_grade", "优秀"), policy)
    assert {"subject", "name", "case", "decision", "decision_label", "want", "actual", "applicable", "alternatives",
            "unreachable", "blocking", "search"} <= set(doc)
    assert {"changes", "cost", "value", "explanation"} <= set(doc["alternatives"][0])
    assert doc["groups"][0]["keys"] == ["2025-12"] and doc["cost_means"].startswith("代价：")
    assert len(doc["excluded"]) == 8 and all(e["breaks"][0]["decision"] == "good_rating_violations"
                                             for e in doc["excluded"])


def test_group_wording_is_checked(tmp_policy):
    edit(tmp_policy, "appeals.yaml", "{param.good_rating_quota:%}", "{param.good_quota:%}{month}")
    policy, problems = load_policy(tmp_policy)
    assert policy is not None, problems
    messages = [p.message for p in appealspec.problems(policy)]
    assert any("没有参数“good_quota”" in m for m in messages)
    assert any("未知的占位符“{month}”" in m for m in messages)
