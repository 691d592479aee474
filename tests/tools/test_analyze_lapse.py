"""analyze and a parameter's `until:`: the lapse's period is enumerated (inputs compared only with the lapsed
parameter take the values around its last value), a gap it opens is reported naming the date, and the case's date
is tried on the `until:` day in the period before and on the day after in the lapse's period — never in a period
whose values do not judge it."""
from __future__ import annotations

import datetime as dt
import json
import shutil

import pytest
from conftest import AMENDING, ROOT, cli, edit

from engine.common.words import cn_date
from engine.tools import analyze
from engine.tools.validate import load_or_raise

XIAOWEI = ROOT / "policies" / "xiaowei_2023"
UNTIL = "2024-06-30"      # inside the measure's years: both periods have cases


def _copy(tmp_path):
    target = tmp_path / "xiaowei"
    shutil.copytree(XIAOWEI, target)
    return target


def _lapse(root, label: str) -> None:
    """`until:` on the parameter whose label is `label`."""
    edit(root, "parameters/thresholds.yaml", f"  label: {label}\n", f"  label: {label}\n  until: {UNTIL}\n")


def _periods(result, name):
    return [d for d in result.decisions if d.decision == name]


def test_a_gap_opened_by_a_lapse_is_found_and_names_the_date(tmp_path):
    root = _copy(tmp_path)
    _lapse(root, "小型微利企业年度应纳税所得额上限")
    policy = load_or_raise(root)
    parameter = policy.parameters["max_income"]
    lapse_day = parameter.until + dt.timedelta(days=1)
    before, after = _periods(analyze.analyze(policy, ["small_low_profit"]), "small_low_profit")
    assert after.since == lapse_day
    assert before.finite and not before.gaps and not before.conflicts and not before.lapsed
    # compared only with the lapsed limit, the income still takes values (those around the limit it had)
    assert after.finite and after.enumerated > 0, after.reason
    assert after.gaps, "the lapse leaves an enterprise within every other limit without a value"
    for gap in after.gaps:
        assert f"{parameter.label}已于{cn_date(parameter.until)}失效" in gap["summary"]
        assert gap["summary"].startswith(f"{cn_date(lapse_day)}起")
        assert gap["example"]["restricted"] is False and gap["example"]["taxable_income"] is not None
    assert after.as_json()["lapsed"] == [{"parameter": "max_income", "until": UNTIL}]
    code, text, _ = cli("analyze", root, "--decision", "小型微利企业")
    assert code == 1 and f"{cn_date(parameter.until)}失效" in text.replace("\n", "")


def test_a_rule_for_the_lapse_closes_the_gap(tmp_path):
    root = _copy(tmp_path)
    _lapse(root, "小型微利企业年度应纳税所得额上限")
    edit(root, "rules/enterprise.yaml", "      - id: slp.income_over\n",
         "      - id: slp.income_limit_lapsed\n        title: 所得额上限已失效\n        clause: 三\n"
         "        text: 年度应纳税所得额不超过300万元\n        when: param.max_income == null\n        then: false\n"
         "      - id: slp.income_over\n")
    result = analyze.analyze(load_or_raise(root))
    assert {d.since for d in result.decisions} == {dt.date(2023, 1, 1), dt.date.fromisoformat(UNTIL) + dt.timedelta(days=1)}
    for d in result.decisions:
        assert d.finite and d.enumerated > 0, (d.decision, d.since, d.reason)
        assert not d.gaps and not d.conflicts, (d.decision, d.since, d.gaps, d.conflicts)
    assert not result.has_problems


def _ended(root, shift: int) -> None:
    """减免部分的上限 lapses on UNTIL; a rule gives 0 from a date parameter `shift` days after it (read on as_of)."""
    _lapse(root, "减免部分的上限（应纳税所得额）")
    end = dt.date.fromisoformat(UNTIL) + dt.timedelta(days=shift)
    path = root / "parameters" / "thresholds.yaml"
    path.write_text(path.read_text(encoding="utf-8") + "band_end:\n  label: 减半征收的截止日\n  type: date\n  values:\n"
                    f"    2023-01-01: {{value: {end}, clause: 四, reference: {AMENDING}}}\n", encoding="utf-8")
    path = root / "rules" / "business.yaml"
    path.write_text(path.read_text(encoding="utf-8") + "      - id: halved.ended\n        title: 减半征收已截止\n"
                    "        clause: 四\n        text: 本公告执行期限为2023年1月1日至2024年12月31日\n"
                    "        when: as_of > param.band_end\n        then: 0\n", encoding="utf-8")


def test_the_case_date_stays_in_its_period_and_tries_both_sides_of_the_lapse(tmp_path):
    # the rule for after the lapse starts the day after `until`: nothing is missing and nothing conflicts — a case
    # dated after `until` is judged by the lapse's period only
    root = _copy(tmp_path)
    _ended(root, 0)
    until = dt.date.fromisoformat(UNTIL)
    code, out, _ = cli("analyze", root, "--format", "json", "--decision", "halved_income")
    before, after = json.loads(out)["decisions"]
    assert code == 0, (before["conflicts"], after["gaps"])
    assert before["finite"] and after["finite"]
    assert max(before["inputs"]["as_of"]) == UNTIL and UNTIL in before["inputs"]["as_of"]
    assert min(after["inputs"]["as_of"]) == (until + dt.timedelta(days=1)).isoformat()


@pytest.mark.parametrize("shift, found", [(-1, "conflicts"), (1, "gaps")])
def test_a_rule_a_day_off_the_lapse_is_caught_on_the_day(tmp_path, shift, found):
    # a day early: on the `until` day the band still applies and the end rule too; a day late: on the day after
    # `until` the band has lapsed and the end rule does not yet apply
    root = _copy(tmp_path)
    _ended(root, shift)
    until = dt.date.fromisoformat(UNTIL)
    day = until if shift < 0 else until + dt.timedelta(days=1)
    code, out, _ = cli("analyze", root, "--format", "json", "--decision", "halved_income")
    assert code == 1
    before, after = json.loads(out)["decisions"]
    where, clean = (before, after) if shift < 0 else (after, before)
    assert where[found] and not clean["gaps"] and not clean["conflicts"]
    assert {entry["example"]["as_of"] for entry in where[found]} == {day.isoformat()}
    if found == "gaps":
        assert all(cn_date(until) in entry["summary"] for entry in where[found])


def test_a_later_period_probes_the_case_date_on_both_sides_of_a_date_it_is_compared_with():
    # amendment_demo changes values mid-way: in the later period, 取证期限 (a date fact compared with the case date)
    # is anchored inside the period, so a case date before, on and after it is tried, all judged by these values
    from engine.pipeline.compiler import compile_period
    from engine.policy.params import ParamView, change_days, first_day

    policy = load_or_raise(ROOT / "policies" / "examples" / "amendment_demo")
    later = max(change_days(policy))
    assert later > first_day(policy)
    params = ParamView(policy, later)
    hints, possible = analyze.load_hints(policy)
    dom = analyze.domain_of(policy, policy.decisions["certificate_status"], compile_period(policy, later, "@probe"),
                            params, hints, (later, None))
    rows = analyze.assignments(dom, params, possible.get("person", []))
    (relation,) = [r for r in dom.relations if r.probe == "as_of"]
    signs = set()
    for row in rows:
        day, other = row["as_of"], row[relation.base]
        assert day >= later
        if other is not None:
            signs.add((day > other) - (day < other))
    assert signs == {-1, 0, 1}
