"""notice.yaml (engine/policy/notice.py): the office that sends 决定告知书 and how to ask for review, checked by
validate — a review paragraph missing one of to whom, how, within how many days, from when, on what basis is an
error at its line; each value the issuing office has still to confirm is a warning at its own line."""
from __future__ import annotations

from pathlib import Path

from conftest import POLICY_DIR, edit, line_of
from engine.policy.loader import load_policy
from engine.tools.validate import check, problems_of

WORDING = "wording: 如对本告知书所列决定有异议，可以自{from}起{days}日内"


def test_the_shipped_notice_loads_and_each_value_to_confirm_is_a_warning_at_its_line(policy):
    notice = policy.notice
    assert notice is not None and notice.review.days > 0 and notice.issuer
    warnings = {p.path: p for p in check(policy) if p.severity == "warning"}
    path = Path(notice.file)
    for key in notice.confirm:
        value = {"issuer": "issuer:", "review.days": "days:", "review.from": "from:"}.get(key, key.split(".")[-1] + ":")
        assert warnings[key].location.line == line_of(path, f"  {value}" if key != "issuer" else value), key
        assert "待发文单位确认" in warnings[key].message


def test_the_document_itself_fixes_no_review_so_each_review_value_is_to_confirm(policy):
    """宿区政办发〔2024〕26号 says nothing of 复核 or 申诉: nothing in it fixes the review, so none is shipped as fixed."""
    source = (POLICY_DIR / "source.txt").read_text(encoding="utf-8")
    assert "复核" not in source and "申诉" not in source
    assert {"review.body", "review.form", "review.days", "review.basis"} <= set(policy.notice.confirm)


def test_a_review_paragraph_without_its_days_is_an_error_at_its_line(tmp_policy):
    edit(tmp_policy, "notice.yaml", WORDING, "wording: 如对本告知书所列决定有异议，可以自{from}起若干日内")
    _, problems = problems_of(tmp_policy)
    errors = [p for p in problems if p.severity == "error"]
    assert len(errors) == 1 and "未写“{days}”" in errors[0].message
    assert errors[0].location.line == line_of(tmp_policy / "notice.yaml", "wording:")
    assert [p for p in problems if p.severity == "warning"] == []   # reminders wait for a sound folder


def test_an_unknown_placeholder_and_a_broken_brace_are_errors(tmp_policy):
    edit(tmp_policy, "notice.yaml", WORDING, WORDING + "（{office}")
    _, problems = problems_of(tmp_policy)
    assert any("“{office}”无从填写" in p.message for p in problems)
    edit(tmp_policy, "notice.yaml", "（{office}", "（{office")
    _, problems = problems_of(tmp_policy)
    assert any("花括号不成对" in p.message for p in problems)


def test_a_missing_key_or_unknown_confirm_item_is_refused_by_the_schema(tmp_policy):
    edit(tmp_policy, "notice.yaml", "review.basis]", "review.basis, review.colour]")
    policy, problems = load_policy(tmp_policy)
    assert policy is None and any(p.location.line == line_of(tmp_policy / "notice.yaml", "confirm: [") for p in problems)
