"""`run.py analyze`: the shipped policy has no gap; overlaps follow the declared precedence; injected faults are caught."""
from __future__ import annotations

import json

import pytest
from conftest import POLICY_DIR, ROOT, cli, edit

from engine.tools import analyze
from engine.policy.loader import PolicyLoadError
from engine.tools.validate import load_or_raise
from engine.policy.params import ParamView, first_day


@pytest.fixture(scope="module")
def shipped():
    code, out, _ = cli("analyze", POLICY_DIR, "--format", "json")
    assert code == 0
    return json.loads(out)


def _decision(data, name):
    return next(d for d in data["decisions"] if d["decision"] == name)


def test_every_decision_is_enumerated_or_says_why_not(policy, shipped):
    assert [d["decision"] for d in shipped["decisions"]] == list(policy.decisions)
    for d in shipped["decisions"]:
        assert d["enumerated"] > 0 or (not d["finite"] and d["reason"])
    for name in ("annual_grade", "skill_allowance", "seniority_allowance", "education_allowance",
                 "window_quota_compliant", "window"):
        assert _decision(shipped, name)["enumerated"] > 0
    assert shipped["enumerated"] == sum(d["enumerated"] for d in shipped["decisions"])
    assert shipped["seconds"] >= 0


def test_the_shipped_policy_has_no_gap_and_no_conflict(shipped):
    for d in shipped["decisions"]:
        assert d["gaps"] == [] and d["conflicts"] == [], d["decision"]
        assert not d.get("inconsistent"), d["inconsistent"]


def test_sentences_name_rules_by_title_and_the_json_keeps_ids(policy, shipped):
    """An officer reads each overlap's and exception's sentence: rules by their titles, never their ids; the
    machine reads the ids beside it."""
    sentences = [entry["summary"] for d in shipped["decisions"]
                 for key in ("overlaps", "overlap_summary", "conflicts", "gaps", "unneeded_exceptions")
                 for entry in d.get(key, [])]
    assert sentences
    for text in sentences:
        assert not [r for r in policy.rules if r in text], text
    overlaps = [o for d in shipped["decisions"] for o in d["overlaps"]]
    assert all(set(o["won"]) <= set(policy.rules) for o in overlaps)
    assert any(f"“{policy.rules[o['won'][0]].title}”" in o["summary"] for o in overlaps)


def test_annual_grade_is_abstracted_to_the_counts_the_rules_read(policy, shipped):
    d = _decision(shipped, "annual_grade")
    assert any("抽象" in n or "按这些计数" in n for n in d["notes"])
    # every count the rules compare with is reached, up to the length of the year
    counts = {o["inputs"].get("bad_months", [None])[0] for o in d["overlaps"]}
    assert counts - {None}


def test_overlaps_follow_the_declared_priority(policy, shipped):
    params = ParamView(policy, first_day(policy))
    basic_max, consecutive = params("basic_max_bad"), params("unfit_consecutive_bad")
    d = _decision(shipped, "annual_grade")
    # 差 at the most 基本称职 allows, in adjacent months: 不称职 wins by the priority order
    hit = [o for o in d["overlaps"] if "annual.basic" in o["rules"] and o["won"] == ["annual.unfit_consecutive"]]
    assert hit, [o["summary"] for o in d["overlaps"]]
    assert all(o["inputs"]["bad_months"] == [basic_max] for o in hit)
    assert all(min(o["inputs"]["longest_bad_run"]) >= consecutive for o in hit)
    assert {"rule": "annual.basic", "gave_way_to": ["annual.unfit_consecutive"], "by": "priority"} in hit[0]["precedence"]
    assert "优先于" in hit[0]["summary"]
    # 优秀 blocked for a year not worked in full: 称职 wins, and the block is named
    blocked = [o for o in d["overlaps"] if "annual.not_full_year" in o["rules"]]
    assert blocked and all(o["won"] == ["annual.competent"] for o in blocked)
    assert all(o["example"]["good_months"] >= params("excellent_min_good") for o in blocked)
    seniority = _decision(shipped, "seniority_allowance")
    tiers = params("seniority_tiers")
    top = [o for o in seniority["overlaps"] if o["won"] == ["seniority.ten_years"]]
    assert top and all(min(o["inputs"]["service_years"]) >= tiers["ten_years"]["years"] for o in top)


def test_masked_and_unneeded_are_lists_of_rule_ids(policy, shipped):
    for d in shipped["decisions"]:
        assert set(d["masked"]) <= set(policy.rules)
        for u in d["unneeded_exceptions"]:
            assert u["rule"] in policy.rules and u["over"] in policy.rules


def test_a_gap_injected_into_a_copy_is_found_with_an_example(tmp_policy):
    # 基本称职 for fewer than 2 差 instead of at most 2: 差 = 2 in months apart now has no grade
    edit(tmp_policy, "rules/assessment.yaml", "when: bad_months <= param.basic_max_bad",
         "when: bad_months < param.basic_max_bad")
    code, out, _ = cli("analyze", tmp_policy, "--format", "json", "--decision", "annual_grade")
    assert code == 1
    d = _decision(json.loads(out), "annual_grade")
    assert d["gaps"]
    policy = load_or_raise(tmp_policy)
    params = ParamView(policy, first_day(policy))
    for gap in d["gaps"]:
        example = gap["example"]
        assert example["bad_months"] == params("basic_max_bad")
        assert example["longest_bad_run"] < params("unfit_consecutive_bad")
        assert gap["rules"] == [] or "annual.not_full_year" in gap["rules"]
    code, text, _ = cli("analyze", tmp_policy, "--decision", "annual_grade")
    assert "空缺" in text and "例：" in text


def test_a_conflict_injected_into_a_copy_is_found_with_an_example(tmp_policy):
    # 5 years no longer take precedence over 1 year: both hold from 5 to 9 years, with 50 and 20
    edit(tmp_policy, "rules/allowances.yaml", "        overrides: [seniority.one_year]\n", "")
    code, out, _ = cli("analyze", tmp_policy, "--format", "json", "--decision", "seniority_allowance")
    assert code == 1
    d = _decision(json.loads(out), "seniority_allowance")
    assert d["conflicts"] and not d["gaps"]
    policy = load_or_raise(tmp_policy)
    tiers = ParamView(policy, first_day(policy))("seniority_tiers")
    for conflict in d["conflicts"]:
        assert set(conflict["won"]) == {"seniority.five_years", "seniority.one_year"}
        assert sorted(conflict["values"]) == sorted([tiers["five_years"]["amount"], tiers["one_year"]["amount"]])
        years = conflict["example"]["service_years"]
        assert tiers["five_years"]["years"] <= years < tiers["ten_years"]["years"]
        assert conflict["example"]["probation"] is False


def test_a_domain_too_large_is_said_not_sampled(policy):
    result = analyze.analyze(policy, ["window"], max_inputs=5)
    d = result.decisions[0]
    assert not d.finite and d.enumerated == 0 and "未抽样" in d.reason


def test_table_is_in_chinese_and_says_what_and_how_long(shipped):
    code, out, _ = cli("analyze", POLICY_DIR, "--decision", "年度考核等次")
    assert code == 0 and "穷举" in out and "秒" in out and "重叠" in out


def test_hints_file_is_checked_with_the_policy(tmp_policy):
    """analysis.yaml is listed in policy.yaml: its shape is checked (and it is in the digest) as the policy loads."""
    (tmp_policy / "analysis.yaml").write_text("sequences: {annual_assessment: {length: zwölf}}\n", encoding="utf-8")
    with pytest.raises(PolicyLoadError, match=r"analysis\.yaml:1:\d+: sequences\.annual_assessment\.length"):
        load_or_raise(tmp_policy)


def test_hints_that_name_what_the_policy_lacks_are_refused_at_their_line(tmp_policy):
    edit(tmp_policy, "analysis.yaml", "  annual_assessment: {length: 12", "  annual_asessment: {length: 12")
    with pytest.raises(PolicyLoadError, match=r"analysis\.yaml:16:3: sequences\.annual_asessment: 没有名为“annual_asessment”"
                                              "的事实类型；您是否想输入“annual_assessment”"):
        load_or_raise(tmp_policy)


def test_the_digest_covers_the_hints(tmp_policy, policy):
    edit(tmp_policy, "analysis.yaml", "  level: center_level\n", "  level: center_level   # 注释也算\n")
    assert load_or_raise(tmp_policy).digest != policy.digest


def _groups(policy, name):
    from engine.pipeline.compiler import compile_policy
    params = ParamView(policy, first_day(policy))
    compiled = compile_policy(policy, params, "@groups")
    hints, _ = analyze.load_hints(policy)
    return analyze.domain_of(policy, policy.decisions[name], compiled, params, hints).groups


def test_inputs_the_rules_treat_alike_are_counted_not_ordered(policy, tmp_policy, shipped):
    fields = {f"attestations.{k}" for k in policy.kinds["person"].attributes["attestations"].fields}
    assert any(set(names) == fields for names, _ in _groups(policy, "eligibility"))
    assert _decision(shipped, "eligibility")["enumerated"] > 0
    # one condition read differently from the others: it is no longer interchangeable with them
    edit(tmp_policy, "rules/selection.yaml", "when: attestations.healthy == false", "when: attestations.healthy != true")
    changed = load_or_raise(tmp_policy)
    groups = [set(names) for names, _ in _groups(changed, "eligibility")]
    assert fields - {"attestations.healthy"} in groups and not any("attestations.healthy" in g for g in groups)


def test_each_period_of_parameter_values_is_analysed(tmp_policy, policy):
    old = policy.parameters["window_quota"].values[-1].value
    new = dict(old, 镇=old["城区中心街道"])
    edit(tmp_policy, "parameters/windows.yaml", "        小城市: 6\n",
         "        小城市: 6\n    2026-01-01:\n      clause: 二(二)1\n      value: {"
         + ", ".join(f"{k}: {v}" for k, v in new.items()) + "}\n")
    code, out, _ = cli("analyze", tmp_policy, "--format", "json", "--decision", "window_quota_compliant")
    assert code == 0
    entries = json.loads(out)["decisions"]
    assert [e["since"] for e in entries] == [first_day(policy).isoformat(), "2026-01-01"]
    below_old = old["镇"] - 1
    assert below_old in entries[0]["inputs"]["windows"] and below_old not in entries[1]["inputs"]["windows"]


def test_a_broken_hints_file_is_a_located_error_not_a_traceback(tmp_policy):
    (tmp_policy / "analysis.yaml").write_text("vocabulary:\n  level: [\n", encoding="utf-8")
    code, _, err = cli("analyze", tmp_policy)
    assert code == 2 and "analysis.yaml:" in err and "Traceback" not in err


def test_coverage_and_analyze_hold_no_word_or_name_of_the_policy(policy):
    import ast

    words: set[str] = set()

    def collect(value):
        if isinstance(value, str):
            words.add(value)
        elif isinstance(value, dict):
            for k, v in value.items():
                collect(k), collect(v)
        elif isinstance(value, list):
            for v in value:
                collect(v)
    collect(policy.vocabulary)
    for p in policy.parameters.values():
        for dated in p.values:
            collect(dated.value)
    words |= {v for d in policy.decisions.values() for v in (d.values or ()) if isinstance(v, str)}
    names = set(policy.decisions) | set(policy.parameters) | set(policy.rules)
    for kind in policy.kinds.values():
        names |= set(kind.attributes) | {d.name for d in kind.derived}
    engine = ROOT / "engine"
    for module in ("tools/coverage.py", "tools/analyze.py", "outputs/coverage.py", "outputs/analysis.py"):
        tree = ast.parse((engine / module).read_text(encoding="utf-8"))
        strings = [n.value for n in ast.walk(tree) if isinstance(n, ast.Constant) and isinstance(n.value, str)]
        identifiers = {n.id for n in ast.walk(tree) if isinstance(n, ast.Name)} | \
            {n.attr for n in ast.walk(tree) if isinstance(n, ast.Attribute)}
        assert sorted(w for w in words if not w.isascii() and any(w in s for s in strings)) == [], module
        assert sorted(n for n in names if n in identifiers or any(f"`{n}`" in s for s in strings)) == [], module
