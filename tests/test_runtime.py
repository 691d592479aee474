"""engine/runtime.py: a looping ruleset is stopped, sessions are freed, two policy versions live side by side."""
from __future__ import annotations

import datetime as dt
import json
import threading
import time
import uuid
from pathlib import Path
from types import SimpleNamespace

import pytest

from conftest import decide, write_case
from engine import expr
from engine.cases import load_cases
from engine.compiler import CompiledPolicy, Variant
from engine.evaluate import Evaluator
from engine.expr import Arith, Lit, Name
from engine.facts import Fact
from engine.loader import PolicyLoadError, load_or_raise, load_policy
from engine.params import ParamView
from engine.runtime import RunError, project, run
from engine.validate import check


def _within(seconds: float, fn):
    """Run fn in a daemon thread; fail (instead of hanging) if it does not finish in time."""
    outcome = {}

    def target():
        try:
            outcome["value"] = fn()
        except BaseException as e:  # noqa: BLE001 - handed back to the test
            outcome["error"] = e
    thread = threading.Thread(target=target, daemon=True)
    started = time.monotonic()
    thread.start()
    thread.join(timeout=seconds)
    assert not thread.is_alive(), f"still running after {seconds}s: the run does not stop a loop"
    return outcome, time.monotonic() - started


# --- (1) a loop cannot hang a run ------------------------------------------------------------

def _variant(name: str, decision: str, value, joins=()) -> Variant:
    return Variant(name, SimpleNamespace(id=name.split("#")[0]), SimpleNamespace(name=decision), (), (), value, joins)


def looping_policy() -> CompiledPolicy:
    """`n` starts at 0 for every person; each conclusion n = k makes a new conclusion n = k + 1, without end."""
    definition = {
        "start#0": {"all": [{"f": {"$and": [{"t": "person"}]}}]},
        "next#0": {"all": [
            {"f": {"$and": [{"t": "person"}]}},
            {"d0": {"$and": [{"t": "conclusion"}, {"decision": "n"}, {"subject": {"f": "subject"}}]}},
        ]},
    }
    variants = {
        "start#0": _variant("start#0", "n", Lit(0)),
        "next#0": _variant("next#0", "n", Arith("+", Name("n"), Lit(1)), (("d0", "n"),)),
    }
    return CompiledPolicy(f"test-loop-{uuid.uuid4().hex}", definition, variants, {"person": []},
                          {"person": {"t", "subject", "fid"}})


def _person(subject="P1") -> Fact:
    return Fact("person", subject, f"person:{subject}", {})


def test_loop_is_stopped_at_max_actions():
    compiled = looping_policy()
    outcome, elapsed = _within(10, lambda: run(compiled, [_person()], lambda n: None, max_actions=50))
    assert isinstance(outcome.get("error"), RunError), outcome
    assert "50" in str(outcome["error"])
    assert elapsed < 5


def test_loop_is_stopped_by_the_default_bound():
    compiled = looping_policy()
    outcome, _ = _within(30, lambda: run(compiled, [_person(), _person("P2")], lambda n: None))
    assert isinstance(outcome.get("error"), RunError), outcome


def test_loop_ruleset_fires_as_designed_until_stopped(monkeypatch):
    """The hand-made ruleset really chains (so the tests above test the bound, not a broken ruleset)."""
    import engine.runtime as runtime
    compiled = looping_policy()
    collected = []
    original = runtime._fire

    def spy(*args):
        firing = original(*args)
        collected.append(firing.value)
        return firing
    monkeypatch.setattr(runtime, "_fire", spy)
    with pytest.raises(RunError):
        run(compiled, [_person()], lambda n: None, max_actions=20)
    assert collected == list(range(20))


def test_session_after_a_stopped_run_is_usable_again():
    compiled = looping_policy()
    for _ in range(3):
        with pytest.raises(RunError):
            run(compiled, [_person()], lambda n: None, max_actions=10)


def _add_self_reading_decision(folder: Path) -> None:
    """A decision `counter` whose second rule reads counter itself: validate rejects it as a cycle."""
    path = folder / "rules" / "allowances.yaml"
    text = path.read_text(encoding="utf-8")
    text += """
  counter:
    label: 计数
    of: person
    applies_when: hired_on != null
    hit: unique
    rules:
      - id: counter.start
        title: 起点
        clause: 二(二)5
        text: 政务服务办事员的薪酬待遇主要包括基本工资、技能补贴、年限补贴、学历补贴、社会保险和其他福利待遇
        when: hired_on != null
        then: 0
      - id: counter.next
        title: 下一个
        clause: 二(二)5
        text: 政务服务办事员的薪酬待遇主要包括基本工资、技能补贴、年限补贴、学历补贴、社会保险和其他福利待遇
        when: counter >= 0
        compute: counter + 1
"""
    path.write_text(text, encoding="utf-8")
    manifest = folder / "policy.yaml"
    manifest.write_text(manifest.read_text(encoding="utf-8").replace("version: 1.0.0", "version: 9.9.9-loop"),
                        encoding="utf-8")


def test_self_reading_policy_is_rejected_by_validate_and_stopped_at_run(tmp_policy, tmp_path):
    _add_self_reading_decision(tmp_policy)
    policy, problems = load_policy(tmp_policy)
    assert policy is not None and not [p for p in problems if p.severity == "error"], [str(p) for p in problems]
    assert "counter" in policy.decisions
    cycles = [p for p in check(policy) if "cycle" in p.message]
    assert cycles and "counter → counter" in cycles[0].message
    with pytest.raises(PolicyLoadError) as info:
        load_or_raise(tmp_policy)
    assert any("cycle" in p.message for p in info.value.problems)

    case = {"as_of": "2025-06-30", "people": [
        {"id": "P1", "birth_date": "1990-01-01", "education": "本科", "hired_on": "2020-01-01", "certificates": []}]}
    loaded = load_cases(write_case(case, tmp_path), policy)
    assert not loaded.errors
    evaluator = Evaluator(policy, max_actions=50)
    outcome, _ = _within(10, lambda: evaluator.evaluate(loaded.cases[0]))
    assert "error" not in outcome, outcome.get("error")
    result = outcome["value"]
    assert result.determinations == []
    assert len(result.errors) == 1 and "50" in result.errors[0]["message"]


# --- (2) sessions are deleted after every run ------------------------------------------------------

def test_many_runs_with_one_evaluator(policy, evaluator, tmp_path):
    """durable_rules keeps at most 1024 live sessions per ruleset; each run must delete its own."""
    quota = policy.parameters["window_quota"].at(dt.date(2025, 1, 1)).value["镇"]
    case = {"cases": [
        {"id": "met", "as_of": "2025-06-30", "centers": [{"id": "C1", "level": "镇", "windows": quota}]},
        {"id": "unmet", "as_of": "2025-06-30", "centers": [{"id": "C1", "level": "镇", "windows": quota - 1}]},
    ]}
    loaded = load_cases(write_case(case, tmp_path), policy)
    assert not loaded.errors and len(loaded.cases) == 2
    met, unmet = loaded.cases
    for i in range(1500):
        c = met if i % 2 == 0 else unmet
        result = evaluator.evaluate(c)
        assert not result.errors, (i, result.errors)
        value = {(d.subject, d.decision): d.value for d in result.determinations}[("C1", "window_quota_compliant")]
        assert value is (c is met), i


# --- (3) two policy versions in one process ------------------------------------------------------

SKILL_CASE = {"as_of": "2025-06-30", "people": [{
    "id": "P1", "birth_date": "1990-01-01", "education": "本科", "hired_on": "2020-01-01",
    "certificates": [{"type": "政务服务办事员", "level": "一级/高级技师", "obtained_on": "2019-01-01"}]}]}


def _bump(folder: Path, version: str | None, amount: int) -> None:
    params = folder / "parameters" / "allowances.yaml"
    text = params.read_text(encoding="utf-8")
    assert text.count("一级/高级技师: 600") == 1
    params.write_text(text.replace("一级/高级技师: 600", f"一级/高级技师: {amount}"), encoding="utf-8")
    if version is not None:
        manifest = folder / "policy.yaml"
        text = manifest.read_text(encoding="utf-8")
        assert "version: 1.0.0" in text
        manifest.write_text(text.replace("version: 1.0.0", f"version: {version}"), encoding="utf-8")


def test_two_versions_coexist(policy, evaluator, tmp_policy):
    original = policy.parameters["skill_allowance"].at(dt.date(2025, 1, 1)).value["一级/高级技师"]
    _bump(tmp_policy, "1.0.1", original + 100)
    newer = load_or_raise(tmp_policy)
    assert newer.version == "1.0.1"
    assert newer.ruleset_name != policy.ruleset_name
    newer_evaluator = Evaluator(newer)
    # interleaved, so a shared or stale ruleset handle would show
    assert decide(policy, evaluator, SKILL_CASE)[("P1", "skill_allowance")] == original
    assert decide(newer, newer_evaluator, SKILL_CASE)[("P1", "skill_allowance")] == original + 100
    assert decide(policy, evaluator, SKILL_CASE)[("P1", "skill_allowance")] == original
    assert decide(newer, newer_evaluator, SKILL_CASE)[("P1", "skill_allowance")] == original + 100
    # a fresh evaluator of the first policy reuses its network and still answers for its own values
    assert decide(policy, Evaluator(policy), SKILL_CASE)[("P1", "skill_allowance")] == original


def test_same_version_different_content_does_not_share_a_ruleset(policy, evaluator, tmp_policy):
    original = policy.parameters["skill_allowance"].at(dt.date(2025, 1, 1)).value["一级/高级技师"]
    _bump(tmp_policy, None, original + 50)
    edited = load_or_raise(tmp_policy)
    assert edited.version == policy.version
    assert edited.ruleset_name != policy.ruleset_name
    assert decide(edited, Evaluator(edited), SKILL_CASE)[("P1", "skill_allowance")] == original + 50
    assert decide(policy, evaluator, SKILL_CASE)[("P1", "skill_allowance")] == original


# --- projection -------------------------------------------------------------------------------

def test_project_carries_only_what_the_rules_test(policy, evaluator, tmp_path):
    compiled = evaluator.compiled_for(dt.date(2025, 6, 30))
    fact = Fact("center", "C1", "center:C1", {"level": "镇", "windows": 3, "clerks": 5, "name": "秘密",
                                              "staff_direct": 2, "staff_hrss": 1, "staff_civil_affairs": 0})
    out = project(fact, compiled, ParamView(policy, dt.date(2025, 6, 30)))
    assert out["t"] == "center" and out["subject"] == "C1" and out["fid"] == "center:C1"
    assert "name" not in out
    assert set(out) <= compiled.projection["center"]
    # a lifted difference (clerks − windows × ratio) is computed exactly and stored on the fact
    ratio = policy.parameters["clerk_window_ratio"].at(dt.date(2025, 1, 1)).value
    lifted = [l for l in compiled.lifted["center"]
              if expr.names(l.expression) == ["clerks", "windows"]]
    assert lifted
    assert out[lifted[0].name] == 5 - 3 * ratio
