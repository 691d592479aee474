"""engine/common/passed.py: a policy file's schema check is skipped only when the same tree passed the same schema
before; anything else (an edit, a broken or missing store, `off`) is checked as if nothing were kept."""
from __future__ import annotations

import datetime as dt
import json

import pytest

from conftest import POLICY_DIR, edit
from engine.common import passed
from engine.policy import schemas
from engine.policy.loader import load_policy


@pytest.fixture
def store(tmp_path, monkeypatch):
    """A store of the test's own, read afresh."""
    monkeypatch.setenv("SUCHEN_POLICY_CACHE", str(tmp_path / "passes"))
    monkeypatch.setattr(passed, "_known", None)
    return tmp_path / "passes" / "schema-passes.json"


def _walks(monkeypatch) -> list[str]:
    """The schema names jsonschema is asked to walk from now on."""
    asked: list[str] = []
    real = schemas._validator

    def counting(name):
        asked.append(name)
        return real(name)
    monkeypatch.setattr(schemas, "_validator", counting)
    return asked


def test_a_folder_read_again_unchanged_is_not_walked_again(store, monkeypatch):
    first = _walks(monkeypatch)
    policy, problems = load_policy(POLICY_DIR)
    assert policy is not None and not [p for p in problems if p.severity == "error"]
    assert "rules" in first and len(json.loads(store.read_text(encoding="utf-8"))) == len(first)
    monkeypatch.setattr(passed, "_known", None)   # a later run reads the store from disk
    again = _walks(monkeypatch)
    assert load_policy(POLICY_DIR)[0] is not None
    assert again == []


def test_an_edited_file_is_checked_and_its_problem_said(store, tmp_policy, monkeypatch):
    assert load_policy(tmp_policy)[0] is not None   # every file passed and is kept
    edit(tmp_policy, "rules/assessment.yaml", "    label: 年度考核等次", "    lable: 年度考核等次")
    monkeypatch.setattr(passed, "_known", None)
    asked = _walks(monkeypatch)
    policy, problems = load_policy(tmp_policy)
    assert asked == ["rules"]                     # only the edited file is walked again
    assert any("lable" in p.message for p in problems), [str(p) for p in problems]


@pytest.mark.parametrize("kept", ["not json at all", '{"a": 1}', '["short", 7]'])
def test_a_store_that_cannot_be_read_costs_only_the_check(store, monkeypatch, kept):
    store.parent.mkdir(parents=True)
    store.write_text(kept, encoding="utf-8")
    asked = _walks(monkeypatch)
    assert load_policy(POLICY_DIR)[0] is not None
    assert "rules" in asked
    assert all(isinstance(d, str) and len(d) == 64 for d in json.loads(store.read_text(encoding="utf-8")))


def test_off_keeps_nothing(tmp_path, monkeypatch):
    monkeypatch.setenv("SUCHEN_POLICY_CACHE", "off")
    monkeypatch.setattr(passed, "_known", None)
    assert passed.folder() is None
    for _ in range(2):
        asked = _walks(monkeypatch)
        assert load_policy(POLICY_DIR)[0] is not None and "rules" in asked


def test_a_store_that_cannot_be_written_is_no_error(tmp_path, monkeypatch):
    blocker = tmp_path / "a-file"
    blocker.write_text("", encoding="utf-8")
    monkeypatch.setenv("SUCHEN_POLICY_CACHE", str(blocker / "passes"))   # under a file: cannot be made
    monkeypatch.setattr(passed, "_known", None)
    assert load_policy(POLICY_DIR)[0] is not None


def test_the_digest_tells_apart_what_jsonschema_tells_apart():
    """A number's type, a key's type and the schema all count; a tree JSON cannot hold has no digest."""
    schema = b'{"type": "object"}'
    assert passed.digest(schema, {"a": 1}) != passed.digest(schema, {"a": 1.0})
    assert passed.digest(schema, {"a": 1}) != passed.digest(schema, {"a": True})
    assert passed.digest(schema, {"a": "1"}) != passed.digest(b'{"type": "array"}', {"a": "1"})
    assert passed.digest(schema, {1: "a"}) is None
    assert passed.digest(schema, {"a": dt.date(2025, 1, 1)}) is None


def test_a_store_too_large_to_be_ours_is_not_read(store, monkeypatch):
    store.parent.mkdir(parents=True)
    store.write_text(json.dumps(["0" * 64] * (passed.KEPT * 3)), encoding="utf-8")
    assert passed._stored(store.parent) == []
    assert load_policy(POLICY_DIR)[0] is not None
    assert len(json.loads(store.read_text(encoding="utf-8"))) < passed.KEPT
