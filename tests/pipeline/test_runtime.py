"""engine/pipeline/runtime.py: a looping ruleset is stopped, sessions are freed, two policy versions live side by side;
the core's sharp edges (docs/durable_rules.md §9) are kept away: empty batches, exponents, hash collisions, bounds."""
from __future__ import annotations

import datetime as dt
import json
import os
import re
import subprocess
import sys
import threading
import time
import uuid
from pathlib import Path
from types import SimpleNamespace

import pytest
from hypothesis import given, settings, strategies as st

from conftest import ROOT, amend, decide, write_case
from engine.formula import expr
from engine.casefiles.cases import load_cases
from engine.pipeline.compiler import CompiledPolicy, Variant
from engine.pipeline.evaluate import Evaluator
from engine.formula.expr import Arith, Lit, Name
from engine.pipeline.facts import Fact, RecordError
from engine.policy.loader import PolicyLoadError, load_policy
from engine.tools.validate import load_or_raise
from engine.policy.params import ParamView
from engine.pipeline import runtime
from engine.pipeline.runtime import Bounds, RunError, Session, engine_json, fnv1a32, project, run
from engine.tools.validate import check


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
    import engine.pipeline.runtime as runtime
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
    manifest.write_text(re.sub(r"(?m)^version: .*$", "version: 9.9.9-loop", manifest.read_text(encoding="utf-8")),
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
    assert len(result.errors) == 1 and "50" in result.errors[0].message


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
    amend(folder, "parameters/allowances.yaml", "一级/高级技师: 600", f"一级/高级技师: {amount}")
    if version is not None:
        manifest = folder / "policy.yaml"
        text = manifest.read_text(encoding="utf-8")
        assert re.search(r"(?m)^version: ", text)
        manifest.write_text(re.sub(r"(?m)^version: .*$", f"version: {version}", text), encoding="utf-8")


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


# --- (4) the core's sharp edges (docs/durable_rules.md §9) ---------------------------------------------



def _cli(*args) -> subprocess.CompletedProcess:
    """run.py in a subprocess: a segfault of the core shows as returncode -11 instead of killing the tests."""
    return subprocess.run([sys.executable, "run.py", *map(str, args)], cwd=ROOT, capture_output=True, text=True,
                          encoding="utf-8", env=dict(os.environ, PYTHONIOENCODING="utf-8"), timeout=300)


@pytest.mark.slow   # run.py in a subprocess
@pytest.mark.parametrize("jobs", ["1", "2"])
def test_an_empty_case_gives_no_determinations_and_no_crash(tmp_path, jobs):
    path = write_case({"cases": [{"id": "K", "as_of": "2025-12-31", "people": []},
                                 {"id": "L", "as_of": "2025-12-31", "people": [], "centers": [], "items": []}]}, tmp_path)
    done = _cli("evaluate", path, "--format", "json", "--jobs", jobs)
    assert done.returncode == 0, (done.returncode, done.stderr)
    cases = json.loads(done.stdout)["cases"]
    assert [(c["id"], c["determinations"], c["errors"]) for c in cases] == [("K", [], []), ("L", [], [])]


def test_run_never_gives_the_engine_an_empty_batch(monkeypatch):
    def refuse(*args):
        raise AssertionError("an empty batch reached the engine")
    monkeypatch.setattr(runtime.dre, "assert_facts", refuse)
    assert run(looping_policy(), [], lambda n: None) == []


HUGE_CASES = {"cases": [
    {"id": "E", "as_of": "2025-12-31", "centers": [{"id": "C1", "level": "镇", "windows": 1.0e+16}]},
    {"id": "H", "as_of": "2025-12-31", "centers": [{"id": "C1", "level": "镇", "windows": 10 ** 30}]},
    {"id": "OK", "as_of": "2025-12-31", "centers": [{"id": "C1", "level": "镇", "windows": 4}]},
]}


@pytest.mark.slow   # run.py in a subprocess
def test_exponent_and_huge_numbers_cost_their_record_not_a_crash(tmp_path):
    path = tmp_path / "huge.json"
    path.write_text(json.dumps(HUGE_CASES), encoding="utf-8")
    assert "1e+16" in path.read_text(encoding="utf-8")   # the form that crashes the core's parser
    done = _cli("evaluate", path, "--format", "json", "--no-explanations", "--jobs", "1")
    assert done.returncode == 1, (done.returncode, done.stderr)
    cases = {c["id"]: c for c in json.loads(done.stdout)["cases"]}
    for bad in ("E", "H"):   # refused as they are read (the schema's bound), so the engine never sees them
        (error,) = cases[bad]["errors"]
        assert error["path"] == "cases[%d].centers[0].windows" % "EH".index(bad) and error["kind"] == "centers", error
        assert cases[bad]["determinations"] == []
    assert cases["OK"]["errors"] == [] and cases["OK"]["determinations"]


def test_a_number_the_engine_cannot_hold_is_its_record_error_when_it_gets_past_reading():
    """The backstop under the schema: a fact holding 2^53 refuses its record (RecordError), naming the field."""
    compiled = _compare_policy({"$gt": {"w": 0}})
    fact = Fact("person", "P1", "person:P1", {"w": 2 ** 53})
    with pytest.raises(RecordError, match="“w”为 .*超出规则引擎能精确比较的范围") as caught:
        run(compiled, [fact], lambda n: None)
    assert (caught.value.kind, caught.value.subject) == ("person", "P1")


def test_numbers_reach_the_engine_without_an_exponent():
    assert engine_json(1e-05) == "0.00001"
    assert engine_json(-2.5e-7) == "-0.00000025"
    assert engine_json({"a": [1.5, 4, True, None, "1e+16"]}) == '{"a":[1.5,4,true,null,"1e+16"]}'
    assert engine_json(2 ** 53 - 1) == str(2 ** 53 - 1)
    for bad in (2 ** 53, -(2 ** 53), 1e16, float("inf"), float("nan"), 10 ** 5000):
        with pytest.raises(runtime.Unrepresentable):
            engine_json(bad)


_TEXT = st.text(st.characters(blacklist_categories=()), max_size=8)   # lone surrogates too
_SCALARS = st.none() | st.booleans() | st.integers(-(2 ** 53 - 1), 2 ** 53 - 1) | _TEXT | st.floats(
    -(2 ** 53 - 1), 2 ** 53 - 1, allow_nan=False)
_MESSAGES = st.recursive(_SCALARS, lambda inner: st.lists(inner, max_size=4) | st.dictionaries(_TEXT, inner, max_size=4),
                         max_leaves=20)


def _tiny(value) -> bool:
    if isinstance(value, float):
        return 0 < abs(value) < runtime.TINY
    items = value.values() if isinstance(value, dict) else value if isinstance(value, list) else ()
    return any(_tiny(v) for v in items)


@settings(max_examples=400, deadline=None)
@given(_MESSAGES)
def test_a_message_is_written_as_the_standard_library_writes_it(value):
    """engine_json's quick writer (orjson) gives json.dumps's compact text for every value it takes, a lone surrogate
    (which orjson refuses) included; a tiny float is the one difference, written in plain decimals."""
    expected = json.dumps(value, ensure_ascii=False, separators=(",", ":"))
    if _tiny(value):
        assert json.loads(engine_json(value)) == value
    else:
        assert engine_json(value) == expected


def _compare_policy(test: dict) -> CompiledPolicy:
    definition = {"seen#0": {"all": [{"f": {"$and": [{"t": "person"}, test]}}]}}
    variants = {"seen#0": Variant("seen#0", SimpleNamespace(id="seen"), SimpleNamespace(name="seen"), (), (), Lit(True),
                                  (), role="scope")}
    return CompiledPolicy(f"test-compare-{uuid.uuid4().hex}", definition, variants, {"person": []},
                          {"person": {"t", "subject", "fid", "w"}})


def test_a_tiny_number_is_compared_exactly_by_the_engine():
    """0.00001 in plain form is read as a number by the core: greater than 0, and its negation is not."""
    compiled = _compare_policy({"$gt": {"w": 0}})
    assert len(run(compiled, [Fact("person", "P1", "person:P1", {"w": 1e-05})], lambda n: None)) == 1
    assert run(compiled, [Fact("person", "P1", "person:P1", {"w": -1e-05})], lambda n: None) == []


# 32-bit hash collisions: the core files a message under FNV-1a(id) and refuses a second with the same hash.
COLLIDING = ("c693596", "c1170850")


def test_the_core_refuses_a_distinct_fact_whose_id_hash_collides():
    """The reason for Session: two different ids with one 32-bit hash, and the second fact is lost (code 2)."""
    assert fnv1a32(COLLIDING[0]) == fnv1a32(COLLIDING[1])
    handle = runtime.handle_for(looping_policy())
    sid = f"collide-{uuid.uuid4().hex}"

    def person(fid, subject):
        return {"sid": sid, "id": fid, "t": "person", "subject": subject, "fid": subject}
    code, state = runtime.dre.assert_facts(handle, json.dumps([person(COLLIDING[0], "P1"),
                                                               {"sid": sid, "id": "a", "t": runtime.ANCHOR}]))
    try:
        assert code == 0
        assert runtime.dre.assert_fact(handle, json.dumps(person(COLLIDING[1], "P2")))[0] == 2
        assert runtime.dre.assert_fact(handle, json.dumps(person("c1", "P3")))[0] == 0
    finally:
        started = runtime.dre.start_action_for_state(handle, state)
        if started:
            runtime.dre.abandon_action(handle, state)
        runtime.dre.delete_state(handle, sid)


def test_a_session_hands_out_ids_with_distinct_hashes():
    session = Session.open(Bounds())
    taken = {fnv1a32(f"sid-{session.sid}")}
    for _ in range(20000):
        h = fnv1a32(session.new_id())
        assert h not in taken
        taken.add(h)


@pytest.mark.parametrize("ids, refused", [
    ((COLLIDING[0], "anchor", COLLIDING[1]), "结论"),   # the fact, the batch's anchor, the first conclusion
    ((COLLIDING[0], COLLIDING[1]), "事实"),             # the anchor collides with the fact, in the batch
])
def test_a_refused_message_is_the_case_error_with_the_real_engine(monkeypatch, ids, refused):
    """Hand out ids whose hashes collide: the real core refuses the second, and the case fails, saying so."""
    handed = iter(ids + tuple(f"x{n}" for n in range(100)))
    monkeypatch.setattr(Session, "new_id", lambda self: next(handed))
    with pytest.raises(RunError, match=f"拒绝了一个不同的{refused}（散列冲突）"):
        run(looping_policy(), [_person()], lambda n: None, max_actions=10)


UNHANDLED_SESSIONS = """
import json, sqlite3, sys, uuid   # these imports leave the heap so that an uninitialised pointer is not NULL
sys.path.insert(0, {root!r})
from types import SimpleNamespace
from engine.pipeline.compiler import CompiledPolicy
from engine.pipeline.facts import Fact
from engine.pipeline.runtime import run
definition = {{"start#0": {{"all": [{{"f": {{"$and": [{{"t": "person"}}]}}}}]}},
              "next#0": {{"all": [{{"f": {{"$and": [{{"t": "person"}}]}}}},
                                 {{"d0": {{"$and": [{{"t": "conclusion"}}, {{"subject": {{"f": "subject"}}}}]}}}}]}}}}
compiled = CompiledPolicy("unhandled", definition, {{}}, {{}}, {{"center": {{"t", "subject", "fid"}}}})
for n in range(3):   # no rule reads a center: without an action of its own, deleting the session crashed
    assert run(compiled, [Fact("center", f"C{{n}}", f"center:C{{n}}", {{}})], lambda name: None) == []
print("ok")
"""


@pytest.mark.slow   # a Python subprocess: a crash of the core must not take the tests down
def test_a_session_no_rule_reads_is_deleted_without_a_crash():
    done = subprocess.run([sys.executable, "-c", UNHANDLED_SESSIONS.format(root=str(ROOT))], capture_output=True,
                          text=True, timeout=60)
    assert done.returncode == 0 and done.stdout.strip() == "ok", (done.returncode, done.stderr)


def test_a_refused_conclusion_is_never_dropped_silently(policy, tmp_path, monkeypatch):
    """The core says "already observed" for a conclusion never asserted before: the case fails, loudly."""
    real = runtime._assert_fact
    refused = []

    loaded = load_cases(ROOT / "fixtures" / "roster_2025.yaml", policy)
    evaluator = Evaluator(policy, by_class=False)   # every subject asserted, whatever classes earlier tests decided
    read = sorted(evaluator.compiled_for(loaded.cases[0].as_of).joined)[0]   # a decision some rule joins on

    def observed_once(handle, text):
        if f'"decision":"{read}"' in text and not refused:
            refused.append(text)
            return 2
        return real(handle, text)
    monkeypatch.setattr(runtime, "_assert_fact", observed_once)
    results = [evaluator.evaluate(c) for c in loaded.cases]
    assert refused
    failed = [r for r in results if r.errors]
    assert len(failed) == 1 and failed[0].determinations == []
    assert "散列冲突" in failed[0].errors[0].message and read in failed[0].errors[0].message
    assert all(not r.errors and r.determinations for r in results if r is not failed[0])


def _asserted_conclusions(policy, monkeypatch) -> tuple[list[dict], object]:
    real = runtime._assert_fact
    asserted = []

    def spy(handle, text):
        asserted.append(json.loads(text))
        return real(handle, text)
    monkeypatch.setattr(runtime, "_assert_fact", spy)
    loaded = load_cases(ROOT / "fixtures" / "roster_2025.yaml", policy)
    result = Evaluator(policy, by_class=False).evaluate(loaded.cases[0])   # every subject asserted
    assert not result.errors
    return asserted, result


def test_equal_conclusions_are_asserted_once(policy, monkeypatch):
    """Two rules reaching one value for one fact: the second is recorded as a firing but not asserted again."""
    every = frozenset(policy.decisions)   # as if a rule joined on every decision, so that equal values occur
    monkeypatch.setattr(CompiledPolicy, "joined", property(lambda self: every))
    asserted, result = _asserted_conclusions(policy, monkeypatch)
    contents = [json.dumps({k: v for k, v in c.items() if k != "id"}, sort_keys=True) for c in asserted]
    assert len(contents) == len(set(contents))
    concluding = {(f.variant.decision.name, f.fact.fid, json.dumps(f.value)) for f in result.firings
                  if f.variant.role == "conclude"}
    assert len(asserted) == len(concluding)
    assert len(concluding) < sum(1 for f in result.firings if f.variant.role == "conclude")   # some were equal


def test_only_conclusions_a_rule_joins_on_enter_the_network(policy, monkeypatch):
    asserted, result = _asserted_conclusions(policy, monkeypatch)
    joined = result.compiled.joined
    assert joined and {c["decision"] for c in asserted} == joined
    unread = [f for f in result.firings if f.variant.role == "conclude" and f.variant.decision.name not in joined]
    assert unread   # recorded as firings all the same: resolve and explain read those


# bounds per case: time and messages (memory), besides firings

def test_a_loop_is_stopped_by_the_time_bound():
    outcome, elapsed = _within(20, lambda: run(looping_policy(), [_person()], lambda n: None,
                                               bounds=Bounds(actions=10 ** 9, seconds=0.3)))
    assert isinstance(outcome.get("error"), RunError), outcome
    assert str(outcome["error"]) == "规则运行超过0.3秒，已停止该案例"
    assert elapsed < 10


def test_a_loop_is_stopped_by_the_message_bound():
    outcome, _ = _within(20, lambda: run(looping_policy(), [_person()], lambda n: None,
                                         bounds=Bounds(actions=10 ** 9, messages=40)))
    assert isinstance(outcome.get("error"), RunError), outcome
    assert "事实与结论超过40条" in str(outcome["error"])


def test_bounds_cost_only_the_case_that_exceeds_them(policy, tmp_path):
    small = {"id": "small", "as_of": "2025-12-31", "items": [{"id": "I1", "department": "民政", "center_level": "区级"}]}
    loaded = load_cases(write_case({"cases": [small]}, tmp_path), policy)
    assert not loaded.errors, loaded.errors
    roster = load_cases(ROOT / "fixtures" / "roster_2025.yaml", policy).cases[0]
    evaluator = Evaluator(policy, max_messages=30, by_class=False)   # every subject asserted: the bound is reached
    big, ok = evaluator.evaluate(roster), evaluator.evaluate(loaded.cases[0])
    assert big.determinations == [] and "事实与结论超过30条" in big.errors[0].message
    assert ok.errors == [] and ok.determinations
    slow = Evaluator(policy, max_seconds=0.001, by_class=False).evaluate(roster)
    assert slow.determinations == [] and slow.errors[0].message == "规则运行超过0.001秒，已停止该案例"
