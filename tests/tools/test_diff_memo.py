"""engine/tools/diff.py as a memo needs it, on the README's own examples (fixtures/corpus_500.yaml): who newly is
是 (not a bare 符合 that reads backwards), from when the changes apply, the budget narrowed with --decision, and
reasons in the policy's words. Every expectation is computed from the policies or the changes, never listed."""
from __future__ import annotations

import re
import shutil

import pytest

from engine.formula import expr
from engine.policy.loader import PolicyLoadError
from engine.tools import diff
from engine.casefiles.cases import load_cases
from engine.tools.validate import load_or_raise
from conftest import POLICY_DIR, edit
from corpus_diffs import CORPUS

# With test_diff_memo / test_diffreport, on one worker: the corpus compared under two policy versions (conftest's
# demo_diff and leap_diff, made once per process) is then made once in a run, not on both workers.
pytestmark = pytest.mark.xdist_group("corpus_diffs")

ASCII_WORD = re.compile(r"[A-Za-z_]{2,}")   # an id, key or value name (mar_1, full_years, a rule id); 满N年 is words


@pytest.fixture(scope="module")
def demo(demo_diff):
    """The README's example: the policy against the hypothetical amendment."""
    return demo_diff


@pytest.fixture(scope="module")
def leap(leap_diff):
    """docs/diff.md's example: 1.0.0 (mar_1) from git against the policy (feb_28)."""
    return leap_diff


def test_a_yes_no_decision_counts_who_newly_is_yes(leap):
    """建议换岗任用 is favourable when 否: the two people newly recommended for reassignment are counted as newly 是,
    not as 'no longer 符合'."""
    new, found = leap.new, leap.found
    summary = diff.summary(leap, only_changed=True)
    moves = summary["transitions"]["reassignment_recommended"]
    to_yes = [c for c in found if c.decision == "reassignment_recommended" and c.old is False and c.new is True]
    to_no = [c for c in found if c.decision == "reassignment_recommended" and c.old is True and c.new is False]
    assert to_yes, "the leap-day correction recommends someone for reassignment"
    assert moves["yes_no"] and moves["values"] == [True]
    assert (moves["newly"], moves["no_longer"]) == (len(to_yes), len(to_no))
    assert moves["newly_subjects"] == [f"{c.case}/{c.subject}" for c in to_yes]
    assert summary["favourable"]["reassignment_recommended"]["no_longer"] == len(to_yes)   # the JSON's old key stays
    status = summary["transitions"]["certificate_status"]   # values, not yes/no: counted by its favourable values
    assert not status["yes_no"] and status["values"] == list(new.policy.decisions["certificate_status"].favourable)


def test_yes_no_is_read_from_the_decision(policy):
    kinds = {name: diff.yes_no(d) for name, d in policy.decisions.items()}
    assert kinds["reassignment_recommended"] and kinds["window_quota_compliant"]
    assert not kinds["eligibility"] and not kinds["monthly_allowance_total"]


def test_the_changes_apply_from_the_first_day_a_changed_value_holds(demo):
    """The amendment's dated values (read here from the two policies' parameters) start on one day; every case judged
    before it keeps its budget, and every center of a case judged after it that changes is marked as such."""
    base, new = demo.base, demo.new
    def dated(policy, name):
        p = policy.parameters.get(name)
        return [(d.since, expr.plain(d.value)) for d in p.values] if p else []

    added = {(name, d.since, d.reference) for name, p in new.policy.parameters.items() for d in p.values
             if (d.since, expr.plain(d.value)) not in dated(base.policy, name)}
    assert added
    first = min(since for _, since, _ in added).isoformat()
    when = diff.effective(base.policy, new.policy)
    assert when["date"] == first and not when["undated"]
    assert {(p["name"], p["since"], p["reference"]) for p in when["parameters"]} == \
        {(n, s.isoformat(), r) for n, s, r in added}
    money = diff.summary(demo)["allowance"]
    rows = list(money["by_group"].values())
    early = [r for r in rows if r["as_of"] < first]
    assert early and all(r["before_effective"] and r["delta"] == 0 for r in early)
    assert all(not r["before_effective"] for r in rows if r["as_of"] >= first)
    assert any(r["delta"] for r in rows if r["as_of"] >= first)
    days = {str(c.id): c.as_of.isoformat() for c in load_cases(CORPUS, base.policy).cases}
    assert all(r["as_of"] == days[r["case"]] for r in rows)


def test_a_rule_change_has_no_date(tmp_path, policy):
    folder = tmp_path / "policy"
    shutil.copytree(POLICY_DIR, folder)
    edit(folder, "rules/reassignment.yaml", "when: longest_bottom_run >= param.reassignment_consecutive_bottom\n",
         "when: longest_bottom_run >= param.reassignment_consecutive_bottom + 1\n")
    when = diff.effective(policy, load_or_raise(folder))
    assert when["date"] is None and [u["id"] for u in when["undated"]] == ["reassign.consecutive_bottom"]
    assert when["undated"][0]["title"] == policy.rules["reassign.consecutive_bottom"].title


def test_decision_narrows_the_budget(demo):
    found = demo.found
    assert diff.summary(demo, [c for c in found if c.decision == "eligibility"], {"eligibility"})["allowance"] is None
    skill = [c for c in found if c.decision == "skill_allowance"]
    money = diff.summary(demo, skill, {"skill_allowance"})["allowance"]
    assert money["decision"] == "skill_allowance" and money["parts"] == {}
    assert money["total"]["delta"] == sum(c.new - c.old for c in skill) != 0
    whole = diff.summary(demo)["allowance"]
    assert whole["decision"] == next(n for n, d in demo.new.policy.decisions.items() if d.money and d.money.total)
    assert "skill_allowance" in whole["parts"]


def test_reasons_are_in_the_policys_words(demo, leap):
    """No id, key or value name in a reason's text; the JSON keys keep the ids, with labels beside them."""
    for base, new, found in ((c.base, c.new, c.found) for c in (demo, leap)):
        assert found
        for c in found:
            for r in c.reasons:
                assert not ASCII_WORD.search(r["text"]), r["text"]
                if r["kind"] == "parameter":
                    assert r["name"] and r["label"] in r["text"]
                if r["kind"] == "fired":
                    for side, policy in (("old", base.policy), ("new", new.policy)):
                        if r[side]:
                            assert r[side] in policy.rules and r[side + "_title"] == policy.rules[r[side]].title
                            assert f"“{r[side + '_title']}”" in r["text"]


def test_a_word_valued_parameter_shows_its_labels(leap):
    new, found = leap.new, leap.found
    labels = new.policy.parameters["leap_day_anniversary"].labels
    assert labels
    for c in found:
        (r,) = [r for r in c.reasons if r["kind"] == "parameter"]
        assert (r["old"]["value"], r["new"]["value"]) == ("mar_1", "feb_28")   # ids kept
        assert (r["old"]["value_label"], r["new"]["value_label"]) == (labels["mar_1"], labels["feb_28"])
        assert f"{labels['mar_1']} → {labels['feb_28']}" in r["text"]
        readings = [r for r in c.reasons if r["kind"] == "interpretation"]
        assert any(diff.in_words(i["new"]["reading"], (new.policy,)) in i["text"] for i in readings if i["new"])


def test_a_dated_value_names_the_document_that_set_it(demo):
    new, found = demo.new, demo.found
    for c in found:
        for r in (r for r in c.reasons if r["kind"] == "parameter"):
            name, _, key = r["name"].partition(".")
            dated = new.policy.parameters[name].values[-1]
            assert r["new"]["reference"] == dated.reference and dated.reference in r["text"]
            assert r["new"]["since"] == dated.since.isoformat() and f"自{r['new']['since']}起" in r["text"]
            value = dated.value[key] if key else dated.value
            assert r["new"]["value"] == expr.plain(value)


def test_in_words_names_ids_by_their_labels(policy):
    text = "参数 leap_day_anniversary 取 feb_28；规则 reassign.none；事实 service_years；未知 other_word"
    said = diff.in_words(text, (policy,))
    p = policy.parameters["leap_day_anniversary"]
    assert f"“{p.label}”" in said and p.labels["feb_28"] in said
    assert f"“{policy.rules['reassign.none'].title}”" in said
    assert "other_word" in said   # what is not the policy's stays as written


def test_labels_must_cover_every_word_the_parameter_takes(tmp_path):
    folder = tmp_path / "policy"
    shutil.copytree(POLICY_DIR, folder)
    edit(folder, "parameters/selection.yaml", "labels: {mar_1: 3月1日, feb_28: 2月28日（月末日）}", "labels: {mar_1: 3月1日}")
    with pytest.raises(PolicyLoadError, match="feb_28"):
        load_or_raise(folder)
