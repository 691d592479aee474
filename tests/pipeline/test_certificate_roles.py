"""The certificate functions read a nested record by role (kind, grade, held_from), and records.yaml says which field
plays which (`roles:`): a copy of the policy whose certificates call their fields otherwise — in records.yaml,
roster.yaml, facts.yaml, appeals.yaml, its tests and the case file — decides and explains the roster as the policy
does; roles naming the wrong fields change the answers."""
from __future__ import annotations

import re
import shutil
from pathlib import Path

import pytest

from conftest import POLICY_DIR, ROOT, edit
from engine.casefiles import sheetwrite
from engine.casefiles.cases import load_cases
from engine.pipeline.evaluate import Evaluator
from engine.tools.validate import load_or_raise, problems_of

ROSTER = ROOT / "fixtures" / "roster_2025.yaml"
FLOW = re.compile(r"\{type: ([^,{}]*), level: ([^,{}]*), obtained_on: ([^{}]*)\}")
ROLES = "        roles: {kind: type, grade: level, held_from: obtained_on}"
RENAMED_ROLES = "        roles: {kind: category, grade: rank, held_from: issued_on}"


def renamed_text(text: str) -> str:
    """Every certificate written `{type: …, level: …, obtained_on: …}` as `{category: …, rank: …, issued_on: …}`."""
    return FLOW.sub(r"{category: \1, rank: \2, issued_on: \3}", text)


@pytest.fixture(scope="module")
def renamed(tmp_path_factory) -> tuple[Path, Path]:
    """(the policy copy, the roster) with the certificate's fields named category, rank and issued_on."""
    tmp = tmp_path_factory.mktemp("renamed")
    root = tmp / "policy"
    shutil.copytree(POLICY_DIR, root)
    edit(root, "records.yaml", ROLES, RENAMED_ROLES)
    edit(root, "records.yaml", "          type: {label: 类别,", "          category: {label: 类别,")
    edit(root, "records.yaml", "          level: {label: 等级, type: word, vocabulary: certificate_level, by: type,",
         "          rank: {label: 等级, type: word, vocabulary: certificate_level, by: category,")
    edit(root, "records.yaml", 'says: "{type}证书的等级"', 'says: "{category}证书的等级"')
    edit(root, "records.yaml", "          obtained_on: {label: 取得日期,", "          issued_on: {label: 取得日期,")
    edit(root, "facts.yaml", "fields: {type: 类别, level: 等级, obtained_on: 取得日期}",
         "fields: {category: 类别, rank: 等级, issued_on: 取得日期}")
    for old, new in (("field: type, type: text", "field: category, type: text"),
                     ("field: level, type: id", "field: rank, type: id"), ("field: obtained_on", "field: issued_on")):
        edit(root, "roster.yaml", old, new)
    appeals = root / "appeals.yaml"
    text = appeals.read_text(encoding="utf-8")
    for old, new in (("certificates[{i}].level", "certificates[{i}].rank"),
                     ("certificates[{i}].obtained_on", "certificates[{i}].issued_on"), ("{type}", "{category}"),
                     ("{level}", "{rank}"), ("{obtained_on}", "{issued_on}"), ("fields: {type: ", "fields: {category: "),
                     ("{field: level,", "{field: rank,"), ("field: obtained_on", "field: issued_on")):
        assert old in text, old
        text = text.replace(old, new)
    appeals.write_text(text, encoding="utf-8")
    for path in [root / "roster.yaml", *sorted((root / "tests").glob("*.yaml"))]:
        path.write_text(renamed_text(path.read_text(encoding="utf-8")), encoding="utf-8")
    roster = tmp / "roster.yaml"
    roster.write_text(renamed_text(ROSTER.read_text(encoding="utf-8")), encoding="utf-8")
    assert "obtained_on" not in roster.read_text(encoding="utf-8")
    return root, roster


def decided(policy, path) -> tuple[dict, dict]:
    """(case, subject, decision) → value, and (case, fact id, attribute) → how the derivation explains it."""
    case_file = load_cases(path, policy)
    assert not case_file.errors, [str(e) for e in case_file.errors]
    results = [Evaluator(policy).evaluate(c) for c in case_file.cases]
    assert not [e for r in results for e in r.errors]
    return ({(r.case.id, d.subject, d.decision): d.value for r in results for d in r.determinations},
            {(r.case.id, f.fid, a): note for r in results for f in r.facts for a, note in f.detail.items()})


@pytest.fixture(scope="module")
def shipped(policy):
    return decided(policy, ROSTER)


def test_the_renamed_copy_validates(renamed):
    root, _ = renamed
    _, problems = problems_of(root)
    assert not [p for p in problems if p.severity == "error"], [str(p) for p in problems]


def test_renamed_certificates_decide_and_explain_the_same(renamed, shipped):
    root, roster = renamed
    values, notes = decided(load_or_raise(root), roster)
    allowances = {v for (_, _, d), v in shipped[0].items() if d == "skill_allowance"}
    assert len(allowances) >= 3   # the roster holds certificates of several levels: the comparison can fail
    assert values == shipped[0]
    assert notes == shipped[1]
    assert any("四级/中级工（" in n and "取得）" in n for n in notes.values())


def test_the_renamed_roster_reads_through_a_spreadsheet(renamed, shipped, tmp_path):
    """The renamed roster.yaml maps 证书1类别 … onto category, rank, issued_on: a workbook converted from the
    renamed roster reads back as it, and decides the same."""
    root, roster = renamed
    policy = load_or_raise(root)
    sheetwrite.convert(roster, tmp_path / "roster.xlsx", policy)
    tree = load_cases(tmp_path / "roster.xlsx", policy)
    certificates = [c for case in tree.cases for p in case.records["people"] for c in p.get("certificates") or ()]
    assert certificates and all(set(c) == {"category", "rank", "issued_on"} for c in certificates)
    assert decided(policy, tmp_path / "roster.xlsx")[0] == shipped[0]


def test_roles_naming_the_wrong_fields_change_the_answers(renamed, shipped, tmp_path):
    root, roster = renamed
    swapped = tmp_path / "swapped"
    shutil.copytree(root, swapped)
    edit(swapped, "records.yaml", RENAMED_ROLES, "        roles: {kind: rank, grade: category, held_from: issued_on}")
    values, _ = decided(load_or_raise(swapped), roster)
    changed = {k[2] for k, v in values.items() if shipped[0].get(k) != v}
    assert "skill_allowance" in changed


def test_roles_left_out_are_read_from_the_nested_records_shape(policy, tmp_policy):
    """A folder written before `roles:` (the 1.0.0 restatement 3bd7862): the word narrowed by another (`by:`) is the
    grade, the field narrowing it the kind, the only date held_from — the roles the shipped policy declares."""
    edit(tmp_policy, "records.yaml", ROLES + "   # 证书函数（facts.yaml）读哪个字段\n", "")
    assert load_or_raise(tmp_policy).records.roles("person") == policy.records.roles("person") == {
        ("certificates",): {"kind": "type", "grade": "level", "held_from": "obtained_on"}}


def test_a_certificate_function_on_records_without_roles_is_refused_at_the_formula(tmp_policy):
    """No roles and a shape that does not say them (no field narrows the level): validate names the formula."""
    edit(tmp_policy, "records.yaml", ROLES + "   # 证书函数（facts.yaml）读哪个字段\n", "")
    edit(tmp_policy, "records.yaml", "vocabulary: certificate_level, by: type,", "vocabulary: certificate_level,")
    edit(tmp_policy, "records.yaml", '\n                  says: "{type}证书的等级"}', "}")
    _, problems = problems_of(tmp_policy)
    errors = [p for p in problems if p.severity == "error"]
    assert errors and all(p.location.file.endswith("facts.yaml") for p in errors), [str(p) for p in errors]
    assert all("按角色读“certificates”的子记录" in p.message for p in errors)
    assert len(errors) == 4    # the four formulas calling a certificate function
