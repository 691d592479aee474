"""engine/policy/loader.py: the real policy loads; the digest follows every file; bad files are reported
with their file, line and field path — all of them at once.

Broken policies are made by plain text edits of a private copy (`tmp_policy`), the way an
officer would break them in an editor.
"""
from __future__ import annotations

from pathlib import Path

import pytest

from engine.common import yamlio
from engine.common import locations
from engine.policy.loader import PolicyLoadError, load_policy
from engine.tools.validate import load_or_raise
from engine.tools.validate import check

from conftest import ROOT, edit, line_of

POLICY_DIR = ROOT / "policies" / "suchen_2024"


# --- helpers -------------------------------------------------------------------



def all_problems(root: Path):
    """Everything the two stages say about a policy folder (load, then check if it loaded)."""
    policy, problems = load_policy(root)
    if policy is not None:
        problems = problems + check(policy)
    return policy, problems


def problems_in(problems, root: Path, rel: str):
    return [p for p in problems if Path(p.location.file) == root / rel]


def describe(problems) -> str:
    return "\n".join(f"{p.severity} {p}" for p in problems) or "(no problems)"


def _manifest_files() -> list[str]:
    manifest = locations.plain(yamlio.load(POLICY_DIR / "policy.yaml"))
    files = ["policy.yaml"] + [manifest[k] for k in ("source", "clauses", "vocabulary", "interpretations", "facts")]
    return files + list(manifest["parameters"]) + list(manifest["rules"])


POLICY_FILES = _manifest_files()


# --- the real policy -------------------------------------------------------------

def test_real_policy_loads_and_checks_without_problems():
    policy, problems = load_policy(POLICY_DIR)
    assert policy is not None, describe(problems)
    assert problems == [], describe(problems)
    later = [p for p in check(policy) if not (p.severity == "warning" and p.path in policy.notice.confirm)]
    assert later == [], describe(later)   # but a reminder of each notice.yaml value still to confirm
    # the pieces are really there
    assert policy.id == "suchen_2024"
    assert len(policy.decisions) >= 14
    assert "annual_grade" in policy.decisions and "window" in policy.decisions
    assert "skill_allowance" in policy.parameters
    assert policy.parameters["skill_allowance"].values[0].value["一级/高级技师"] == 600


def test_load_or_raise_returns_the_same_policy_as_load_policy():
    policy = load_or_raise(POLICY_DIR)
    direct, _ = load_policy(POLICY_DIR)
    assert policy.digest == direct.digest
    assert list(policy.decisions) == list(direct.decisions)


def test_ruleset_name_carries_id_and_version(policy):
    assert policy.id in policy.ruleset_name
    assert policy.version in policy.ruleset_name
    assert policy.ruleset_name.startswith(f"{policy.id}@{policy.version}")


def test_ruleset_name_follows_a_version_change(policy, tmp_policy):
    edit(tmp_policy, "policy.yaml", f"version: {policy.version}\n", "version: 1.0.1-test\n")
    changed, problems = load_policy(tmp_policy)
    assert changed is not None, describe(problems)
    assert changed.version == "1.0.1-test"
    assert "1.0.1-test" in changed.ruleset_name
    assert f"@{policy.version}#" not in changed.ruleset_name


def test_digest_is_a_sha256_of_content_not_of_the_folder(policy, tmp_policy):
    copy, problems = load_policy(tmp_policy)
    assert copy is not None, describe(problems)
    assert policy.digest.startswith("sha256:") and len(policy.digest) == len("sha256:") + 64
    # same bytes in another folder: same digest
    assert copy.digest == policy.digest


@pytest.mark.parametrize("rel", POLICY_FILES)
def test_digest_changes_when_any_policy_file_changes(policy, tmp_policy, rel):
    path = tmp_policy / rel
    # a change that means nothing to the rules still is a different policy text
    path.write_text(path.read_text(encoding="utf-8") + ("\n" if rel.endswith(".txt") else "\n# edited\n"),
                    encoding="utf-8")
    changed, problems = load_policy(tmp_policy)
    assert changed is not None, describe(problems)
    assert changed.digest != policy.digest
    assert changed.ruleset_name != policy.ruleset_name


# --- bad files, each with file and line ---------------------------------------------

def test_rules_file_that_is_a_list_says_expected_a_mapping(tmp_policy):
    (tmp_policy / "rules" / "routing.yaml").write_text("- window\n- route.unlisted\n", encoding="utf-8")
    policy, problems = all_problems(tmp_policy)
    assert policy is None
    found = problems_in(problems, tmp_policy, "rules/routing.yaml")
    assert found, describe(problems)
    assert found[0].location.line == 1
    assert "文件顶层应为映射" in found[0].message


def test_rules_file_that_is_a_list_describes_what_was_found_in_plain_words(tmp_policy):
    (tmp_policy / "rules" / "routing.yaml").write_text("- window\n- route.unlisted\n", encoding="utf-8")
    _, problems = all_problems(tmp_policy)
    message = problems_in(problems, tmp_policy, "rules/routing.yaml")[0].message
    assert "CommentedSeq" not in message
    assert "一个列表" in message


def test_yaml_syntax_error_reports_its_line(tmp_policy):
    path = edit(tmp_policy, "rules/windows.yaml", "    hit: unique\n    rules:\n      - id: quota.district_met",
                "    hit: unique: oops\n    rules:\n      - id: quota.district_met")
    policy, problems = all_problems(tmp_policy)
    assert policy is None
    found = problems_in(problems, tmp_policy, "rules/windows.yaml")
    assert len(found) == 1, describe(problems)
    assert found[0].location.line == line_of(path, "hit: unique: oops")
    assert "YAML 语法错误" in found[0].message


def test_non_number_parameter_value_is_reported_on_its_line(tmp_policy):
    path = edit(tmp_policy, "parameters/allowances.yaml", "        二级/技师: 400\n", "        二级/技师: 四百\n")
    _, problems = all_problems(tmp_policy)
    errors = [p for p in problems_in(problems, tmp_policy, "parameters/allowances.yaml") if p.severity == "error"]
    assert errors, describe(problems)
    assert errors[0].location.line == line_of(path, "四百")
    assert "skill_allowance" in errors[0].path
    assert "四百" in errors[0].message


def test_unknown_field_in_a_rule(tmp_policy):
    path = edit(tmp_policy, "rules/routing.yaml",
                '        when: center_level == "区级" and department in param.district_provincial_lines\n',
                '        wen: center_level == "区级" and department in param.district_provincial_lines\n')
    policy, problems = all_problems(tmp_policy)
    assert policy is None
    found = [p for p in problems_in(problems, tmp_policy, "rules/routing.yaml") if "未知的键" in p.message]
    assert found, describe(problems)
    assert "未知的键“wen”" in found[0].message
    assert found[0].path == "decisions.window.rules[0].wen"
    assert found[0].location.line == line_of(path, "wen: ")
    assert "您是否想输入“when”？" in found[0].message
    assert found[0].location.col == path.read_text(encoding="utf-8").splitlines()[found[0].location.line - 1].index("wen") + 1
    assert not any("写法" in p.message for p in problems), describe(problems)   # no "none of the allowed shapes" besides


def test_duplicate_key_is_an_error_on_the_second_key(tmp_policy):
    path = edit(tmp_policy, "rules/certificate.yaml", "        then: 已取证\n", "        then: 已取证\n        then: 重复的结论\n")
    policy, problems = all_problems(tmp_policy)
    assert policy is None
    found = problems_in(problems, tmp_policy, "rules/certificate.yaml")
    assert len(found) == 1, describe(problems)
    assert "键重复" in found[0].message
    assert found[0].location.line == line_of(path, "then: 重复的结论")


def test_rule_missing_clause(tmp_policy):
    path = tmp_policy / "rules" / "reassignment.yaml"
    rule_line = line_of(path, "- id: reassign.certificate_overdue")
    lines = path.read_text(encoding="utf-8").splitlines(keepends=True)
    clause_index = next(i for i in range(rule_line, len(lines)) if lines[i].strip().startswith("clause:"))
    del lines[clause_index]
    path.write_text("".join(lines), encoding="utf-8")
    policy, problems = all_problems(tmp_policy)
    assert policy is None
    found = [p for p in problems_in(problems, tmp_policy, "rules/reassignment.yaml") if "clause" in p.message]
    assert len(found) == 1, describe(problems)
    assert "缺少必填的键 “clause”" in found[0].message
    assert found[0].path == "decisions.reassignment_recommended.rules[0]"
    assert found[0].location.line == rule_line


def test_every_error_in_every_file_is_reported_at_once(tmp_policy):
    (tmp_policy / "rules" / "routing.yaml").write_text("- window\n", encoding="utf-8")
    params = edit(tmp_policy, "parameters/windows.yaml", "  label: 综合（全科）窗口数量下限\n",
                  "  label: 综合（全科）窗口数量下限\n  lable: 多余\n")
    cert = edit(tmp_policy, "rules/certificate.yaml", "        then: 已取证\n", "        then: 已取证\n        then: 重复的结论\n")
    syntax = edit(tmp_policy, "rules/windows.yaml", "    hit: unique\n    rules:\n      - id: quota.district_met",
                  "    hit: unique: oops\n    rules:\n      - id: quota.district_met")
    policy, problems = load_policy(tmp_policy)
    assert policy is None
    text = describe(problems)
    routing = problems_in(problems, tmp_policy, "rules/routing.yaml")
    assert routing and routing[0].location.line == 1, text
    unknown = problems_in(problems, tmp_policy, "parameters/windows.yaml")
    assert unknown and "未知的键“lable”" in unknown[0].message, text
    assert unknown[0].location.line == line_of(params, "lable:"), text
    dup = problems_in(problems, tmp_policy, "rules/certificate.yaml")
    assert dup and dup[0].location.line == line_of(cert, "then: 重复的结论"), text
    yaml_error = problems_in(problems, tmp_policy, "rules/windows.yaml")
    assert yaml_error and yaml_error[0].location.line == line_of(syntax, "unique: oops"), text
    # and load_or_raise carries them all too
    with pytest.raises(PolicyLoadError) as raised:
        load_or_raise(tmp_policy)
    files = {Path(p.location.file).name for p in raised.value.problems}
    assert {"routing.yaml", "windows.yaml", "certificate.yaml"} <= files


def test_missing_policy_yaml(tmp_path):
    policy, problems = load_policy(tmp_path)
    assert policy is None
    assert len(problems) == 1 and "policy.yaml" in problems[0].message
