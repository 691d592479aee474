"""analyze follows a decision read in `applies_when`: the scope is decided by the network after that decision's
conclusion, so its inputs are enumerated too and a gap inside the scope is found (and none reported outside it);
inputs the scope reads differently are not counted as interchangeable."""
from __future__ import annotations

import shutil

from conftest import ROOT, edit

from engine.pipeline.compiler import compile_policy
from engine.policy.params import ParamView, first_day
from engine.tools import analyze
from engine.tools.validate import load_or_raise

XIAOWEI = ROOT / "policies" / "xiaowei_2023"
SCOPE = "applies_when: small_low_profit == true"


def _scoped(tmp_path, outside_period: str):
    """relief_income and relief_tax decided only for a 小型微利企业, by `applies_when` reading that decision (their
    rules no longer test it); `outside_period` is relief.outside_period's condition."""
    root = tmp_path / "xiaowei"
    shutil.copytree(XIAOWEI, root)
    path = root / "rules" / "enterprise.yaml"
    text = path.read_text(encoding="utf-8")
    start, end = text.index("      - id: relief.not_small\n"), text.index("      - id: relief.outside_period\n")
    text = text[:start] + text[end:]
    text = text.replace("small_low_profit == true and (tax_year < param.first_year or tax_year > param.last_year)",
                        outside_period)
    text = text.replace("when: small_low_profit == true and tax_year", "when: tax_year")
    for name in ("relief_income", "relief_tax"):
        text = text.replace(f"  {name}:\n", f"  {name}:\n    {SCOPE}\n", 1)
    path.write_text(text, encoding="utf-8")
    policy = load_or_raise(root)
    for name in ("relief_income", "relief_tax"):
        assert "small_low_profit" in analyze.expr.names(policy.decisions[name].applies_when)
    assert not any("small_low_profit" in analyze.expr.names(r.when) for r in policy.decisions["relief_income"].rules)
    return policy


def _one(result, name):
    (found,) = [d for d in result.decisions if d.decision == name]
    return found


def test_a_gap_inside_a_scope_that_reads_a_decision_is_found(tmp_path):
    # the years after the measure are left without a rule: only a 小型微利企业 is in scope, and it gets no value
    policy = _scoped(tmp_path, "tax_year < param.first_year")
    params = ParamView(policy, first_day(policy))
    d = _one(analyze.analyze(policy, ["relief_income"]), "relief_income")
    assert d.finite and d.enumerated > 0
    # the decision the scope reads brings its inputs
    assert {"restricted", "headcount_average", "assets_average"} <= set(d.inputs)
    assert d.gaps and not d.conflicts
    for gap in d.gaps:
        example = gap["example"]
        assert example["tax_year"] > params("last_year")
        assert example["restricted"] is False and example["taxable_income"] <= params("max_income")
        assert example["headcount_average"] <= params("max_headcount")
        assert example["assets_average"] <= params("max_assets")


def test_a_scope_that_reads_a_decision_and_is_covered_has_no_gap(tmp_path):
    policy = _scoped(tmp_path, "tax_year < param.first_year or tax_year > param.last_year")
    result = analyze.analyze(policy, ["relief_income", "relief_tax"])
    for name in ("relief_income", "relief_tax"):
        d = _one(result, name)
        assert d.finite and d.enumerated > 0 and "restricted" in d.inputs
        assert not d.gaps and not d.conflicts, (name, d.gaps, d.conflicts)
        # every rule wins somewhere: the scope lets the enterprises in
        assert d.masked == [], (name, d.masked)


def test_inputs_a_scope_reads_differently_are_not_interchangeable(tmp_policy):
    # the eight attestations are alike in the rules; a scope reading one of them sets it apart
    policy = load_or_raise(tmp_policy)
    fields = {f"attestations.{k}" for k in policy.kinds["person"].attributes["attestations"].fields}
    edit(tmp_policy, "rules/selection.yaml", "    hit: priority\n    values: [不合格,",
         "    applies_when: attestations.healthy != null\n    hit: priority\n    values: [不合格,")
    changed = load_or_raise(tmp_policy)
    params = ParamView(changed, first_day(changed))
    hints, _ = analyze.load_hints(changed)
    dom = analyze.domain_of(changed, changed.decisions["eligibility"], compile_policy(changed, params, "@scope"),
                            params, hints)
    groups = [set(names) for names, _ in dom.groups]
    assert fields - {"attestations.healthy"} in groups and not any("attestations.healthy" in g for g in groups)
