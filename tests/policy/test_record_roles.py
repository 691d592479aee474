"""records.yaml `roles:` on nested records: which field plays each role the certificate functions read (kind, grade,
held_from). What cannot be right is refused at its line, in Chinese; nothing else is reported."""
from __future__ import annotations

import pytest

from conftest import edit, line_of
from engine.tools.validate import problems_of

ROLES = "roles: {kind: type, grade: level, held_from: obtained_on}"


def errors(root) -> list:
    return [p for p in problems_of(root)[1] if p.severity == "error"]


@pytest.mark.parametrize("roles, says", [
    ("roles: {kind: type, grade: level, held_from: level}", "held_from 须是日期字段（type: date），“level”的类型为 word"),
    ("roles: {kind: type, held_from: obtained_on}", "roles 须写明每个角色，缺少 grade"),
])
def test_a_role_that_cannot_be_read_is_refused_at_its_line(tmp_policy, roles, says):
    edit(tmp_policy, "records.yaml", ROLES, roles)
    (problem,) = errors(tmp_policy)
    assert problem.location.file.endswith("records.yaml") and says in problem.message, problem.message
    assert problem.location.line == line_of(tmp_policy / "records.yaml", roles)


def test_roles_only_on_nested_records(tmp_policy):
    edit(tmp_policy, "records.yaml", "      hired_on: {label: 上岗日期, type: date,",
         "      hired_on: {label: 上岗日期, roles: {held_from: hired_on}, type: date,")
    (problem,) = errors(tmp_policy)
    assert "roles 只用于类型为 records 的字段" in problem.message
    assert problem.location.line == line_of(tmp_policy / "records.yaml", "roles: {held_from: hired_on}")


def test_a_role_names_a_field_by_its_name(tmp_policy):
    edit(tmp_policy, "records.yaml", ROLES, "roles: {kind: 类别, grade: level, held_from: obtained_on}")
    found = errors(tmp_policy)
    assert found and all(p.location.line == line_of(tmp_policy / "records.yaml", "kind: 类别") for p in found)
