"""engine/tools/appeal.py (`run.py appeal`) and engine/policy/appeals.py (appeals.yaml): the cheapest changes of a
person's own facts that give a wanted value.

Every claim is checked the way a reader would: apply the returned `changes` to the case dict
(`apply_changes`), decide the changed case through the Evaluator (conftest `decide`), and look at the
value. Cases are built as dicts here, or taken from fixtures/roster_2025.yaml.
"""
from __future__ import annotations

import ast
import copy
import functools
import io
import json
import os
import subprocess
import sys
import time
from pathlib import Path

import pytest
from rich.console import Console

from engine.tools import appeal as appeals
from engine.cli import appeal as appeal_cli
from engine.policy import appeals as appealspec
from engine.common import yamlio
from engine.common import locations
from engine.tools.appeal import apply_changes, parse_path
from engine.policy.loader import load_policy

from conftest import ROOT, cli, decide, edit, write_case

ROSTER = ROOT / "fixtures" / "roster_2025.yaml"
ENV = dict(os.environ, COLUMNS="400", PYTHONIOENCODING="utf-8")
TRUE_ATTESTATIONS = {k: True for k in ["political", "law_abiding", "service_minded", "follows_rules", "fulfils_duties",
                                       "communication_and_computer", "healthy", "obeys_assignment"]}


# --- helpers ---------------------------------------------------------------------------------------

def ratings(good=(), bad=(), suspended=()) -> dict:
    """Twelve months of 2025: the named months 好/差/暂停, the others 一般."""
    out = {}
    for m in range(1, 13):
        month = f"2025-{m:02d}"
        out[month] = "好" if m in good else "差" if m in bad else "暂停" if m in suspended else "一般"
    return out


def person(**overrides) -> dict:
    p = {"id": "A1", "name": "张三丰", "id_number": "321302199001011234", "birth_date": "1990-01-01",
         "education": "本科", "attestations": dict(TRUE_ATTESTATIONS),
         "certificates": [{"type": "政务服务办事员", "level": "三级/高级工", "obtained_on": "2016-06-01"}],
         "hired_on": "2017-01-01", "probation": False, "center": "C1", "ratings": ratings(good=(2, 5))}
    p.update(overrides)
    return p


def case(*people, as_of="2025-12-31") -> dict:
    return {"id": "T", "as_of": as_of, "assessment_year": 2025, "people": list(people),
            "centers": [{"id": "C1", "level": "区级", "windows": 20, "clerks": 20}]}


def run_appeal(policy, evaluator, case_dict, decision, want, subject="A1"):
    return appeals.appeal(policy, evaluator, case_dict, subject, decision, want)


def redecided(policy, evaluator, case_dict, alternative, decision, subject="A1"):
    """The value of `decision` once the alternative's changes are written into the case."""
    changed = apply_changes(case_dict, alternative.changes, policy, subject)
    return decide(policy, evaluator, changed)[(subject, decision)]


def assert_claims_hold(policy, evaluator, case_dict, result, subject="A1"):
    """Each alternative gives `want` when applied; all cost the same; none contains another."""
    assert result.alternatives, result.unreachable
    for alt in result.alternatives:
        assert redecided(policy, evaluator, case_dict, alt, result.decision, subject) == result.want
        assert alt.value == result.want
        assert alt.explanation["value"] == result.want
    assert len({alt.cost for alt in result.alternatives}) == 1
    sets = [{(c["fact"], json.dumps(c["to"], ensure_ascii=False)) for c in alt.changes} for alt in result.alternatives]
    for i, a in enumerate(sets):
        for j, b in enumerate(sets):
            assert i == j or not a <= b, f"alternative {j + 1} is a superset of alternative {i + 1}"


@functools.lru_cache(maxsize=None)
def _roster() -> tuple:
    return tuple(appeals.cases_in(str(ROSTER)))


def roster_case(subject: str) -> tuple[dict, list]:
    """The roster's case holding `subject` (a fresh copy) and where it stands in the file."""
    for case_id, prefix, raw in _roster():
        raw = copy.deepcopy(raw)
        if subject in [str(p["id"]) for p in raw.get("people") or []]:
            return raw, prefix
    raise KeyError(subject)


def run_cli(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "run.py", "appeal", *map(str, args)], cwd=ROOT, env=ENV,
                          capture_output=True, text=True, encoding="utf-8", timeout=300)


# --- apply_changes and paths -----------------------------------------------------------------------

def test_parse_path_reads_keys_indices_and_new_entries():
    assert parse_path("ratings.2025-03") == ["ratings", "2025-03"]
    assert parse_path("certificates[0].obtained_on") == ["certificates", 0, "obtained_on"]
    assert parse_path("certificates[+]") == ["certificates", appeals.APPEND]
    assert parse_path("as_of") == ["as_of"]


def test_apply_changes_writes_each_path_and_leaves_the_original_alone(policy):
    original = case(person(), person(id="A2"))
    before = copy.deepcopy(original)
    changed = apply_changes(original, [
        {"fact": "ratings.2025-03", "to": "好"},
        {"fact": "certificates[0].obtained_on", "to": "2017-06-01"},
        {"fact": "certificates[+]", "to": {"type": "政务服务办事员", "level": "二级/技师", "obtained_on": "2025-01-01"}},
        {"fact": "education", "to": "硕士"},
        {"fact": "as_of", "to": "2026-01-01"},
    ], policy, "A2")
    assert original == before
    mine = changed["people"][1]
    assert mine["ratings"]["2025-03"] == "好"
    assert mine["certificates"][0]["obtained_on"] == "2017-06-01"
    assert mine["certificates"][1]["level"] == "二级/技师" and len(mine["certificates"]) == 2
    assert mine["education"] == "硕士"
    assert changed["as_of"] == "2026-01-01"          # the case's own field, not the person's
    assert changed["people"][0] == before["people"][0]  # the other person untouched


def test_apply_changes_creates_what_is_absent(policy):
    bare = person(ratings=None)
    del bare["attestations"], bare["certificates"], bare["ratings"]
    changed = apply_changes(case(bare), [{"fact": "attestations.healthy", "to": True},
                                         {"fact": "certificates[+]", "to": {"type": "政务服务办事员", "level": "五级/初级工",
                                                                            "obtained_on": "2020-01-01"}},
                                         {"fact": "ratings.2025-01", "to": "好"}], policy)
    p = changed["people"][0]
    assert p["attestations"] == {"healthy": True}
    assert p["certificates"][0]["level"] == "五级/初级工"
    assert p["ratings"] == {"2025-01": "好"}


def test_apply_changes_needs_the_subject_when_the_case_holds_several_people(policy):
    with pytest.raises(KeyError):
        apply_changes(case(person(), person(id="A2")), [{"fact": "education", "to": "硕士"}], policy)


# --- annual_grade: ratings ---------------------------------------------------------------------------

def test_competent_to_excellent_needs_two_more_good_months(policy, evaluator):
    c = case(person(ratings=ratings(good=(2, 5))))
    assert decide(policy, evaluator, c)[("A1", "annual_grade")] == "称职"
    result = run_appeal(policy, evaluator, c, "annual_grade", "优秀")
    assert_claims_hold(policy, evaluator, c, result)
    assert len(result.alternatives) == 3
    for alt in result.alternatives:
        assert len(alt.changes) == 2
        assert all(ch["fact"].startswith("ratings.") and (ch["from"], ch["to"]) == ("一般", "好") for ch in alt.changes)
        assert all("月度考核：一般 → 好" in ch["text"] for ch in alt.changes)


def test_one_bad_month_turned_ordinary_is_enough_when_it_suffices(policy, evaluator):
    c = case(person(ratings=ratings(good=(1, 8), bad=(4,))))
    assert decide(policy, evaluator, c)[("A1", "annual_grade")] == "基本称职"
    result = run_appeal(policy, evaluator, c, "annual_grade", "称职")
    assert_claims_hold(policy, evaluator, c, result)
    assert [alt.changes for alt in result.alternatives] == [[{
        "fact": "ratings.2025-04", "from": "差", "to": "一般", "label": "2025-04 月度考核",
        "text": "「2025-04 月度考核：差 → 一般」"}]]


def test_bad_month_and_one_good_month_from_basic_to_competent(policy, evaluator):
    c = case(person(ratings=ratings(good=(4,), bad=(3,))))
    assert decide(policy, evaluator, c)[("A1", "annual_grade")] == "基本称职"
    result = run_appeal(policy, evaluator, c, "annual_grade", "称职")
    assert_claims_hold(policy, evaluator, c, result)
    for alt in result.alternatives:
        facts = {ch["fact"]: (ch["from"], ch["to"]) for ch in alt.changes}
        assert facts.pop("ratings.2025-03") == ("差", "一般")
        assert list(facts.values()) == [("一般", "好")]


def test_suspended_month_resolved(policy, evaluator):
    c = case(person(ratings=ratings(good=(3, 6, 9), suspended=(8,))))
    assert decide(policy, evaluator, c)[("A1", "annual_grade")] == "待定"
    result = run_appeal(policy, evaluator, c, "annual_grade", "优秀")
    assert_claims_hold(policy, evaluator, c, result)
    assert [(ch["fact"], ch["from"], ch["to"]) for alt in result.alternatives for ch in alt.changes] == \
        [("ratings.2025-08", "暂停", "好")]


def test_only_facts_the_decision_reads_are_tried(policy, evaluator):
    c = case(person(ratings=ratings(good=(2,))))
    result = run_appeal(policy, evaluator, c, "annual_grade", "称职")
    assert_claims_hold(policy, evaluator, c, result)
    # the eleven 一般 months, and the judging date (it fixes the assessment year when the file does not)
    assert result.search.tried == tuple(f"ratings.2025-{m:02d}" for m in range(1, 13) if m != 2) + ("as_of",)
    skill = run_appeal(policy, evaluator, c, "skill_allowance", 400)
    assert not any(f.startswith(("ratings.", "education", "attestations.")) for f in skill.search.tried)
    inputs = appeals.decision_inputs(policy, "annual_grade")
    assert ("annual_assessment", "good_months") in inputs
    assert not any(name == "certificates" for _, name in inputs)


# --- skill_allowance: certificate level --------------------------------------------------------------

def test_skill_allowance_400_by_raising_the_certificate_one_level(policy, evaluator):
    c = case(person())
    assert decide(policy, evaluator, c)[("A1", "skill_allowance")] == 200
    result = run_appeal(policy, evaluator, c, "skill_allowance", 400)
    assert_claims_hold(policy, evaluator, c, result)
    assert [alt.changes[0]["fact"] for alt in result.alternatives] == ["certificates[0].level"]
    assert result.alternatives[0].changes[0]["to"] == "二级/技师"
    assert result.alternatives[0].explanation["rule"] == "skill.by_level"


def test_skill_allowance_for_someone_without_a_certificate_adds_one(policy, evaluator):
    c = case(person(certificates=[]))
    result = run_appeal(policy, evaluator, c, "skill_allowance", 150)
    assert_claims_hold(policy, evaluator, c, result)
    change = result.alternatives[0].changes[0]
    assert change["fact"] == "certificates[+]" and change["from"] is None
    assert change["to"]["level"] == "四级/中级工" and change["to"]["obtained_on"] <= "2025-12-31"


# --- eligibility: attestations, education, certificate dates ---------------------------------------

def test_unverified_attestation_verified(policy, evaluator):
    attestations = dict(TRUE_ATTESTATIONS)
    del attestations["healthy"]
    c = case(person(attestations=attestations))
    assert decide(policy, evaluator, c)[("A1", "eligibility")] == "待核实"
    result = run_appeal(policy, evaluator, c, "eligibility", "合格")
    assert_claims_hold(policy, evaluator, c, result)
    assert result.alternatives[0].changes == [{"fact": "attestations.healthy", "from": None, "to": True,
                                               "label": "选聘条件⑨身体健康", "text": "「选聘条件⑨身体健康：未提供 → 是」"}]


def test_secondary_school_education_raised(policy, evaluator):
    c = case(person(education="中专"))
    assert decide(policy, evaluator, c)[("A1", "eligibility")] == "不合格"
    result = run_appeal(policy, evaluator, c, "eligibility", "合格")
    assert_claims_hold(policy, evaluator, c, result)
    assert [(ch["fact"], ch["from"], ch["to"]) for alt in result.alternatives for ch in alt.changes] == \
        [("education", "中专", "大专")]


def test_certificate_obtained_the_day_after_selection_moved_to_the_selection_date(policy, evaluator):
    # a candidate of the 2025 selection: no hired_on yet, judged on its selection date
    c = case(person(selection_date="2025-12-20",
                    certificates=[{"type": "政务服务办事员", "level": "五级", "obtained_on": "2025-12-21"}]))
    del c["people"][0]["hired_on"], c["people"][0]["ratings"]
    assert decide(policy, evaluator, c)[("A1", "eligibility")] == "有条件合格"
    result = run_appeal(policy, evaluator, c, "eligibility", "合格")
    assert_claims_hold(policy, evaluator, c, result)
    change = result.alternatives[0].changes[0]
    assert (change["fact"], change["from"], change["to"]) == ("certificates[0].obtained_on", "2025-12-21", "2025-12-20")
    assert change["note"] == "选聘条件判定日"
    assert len(result.alternatives) == 1


def test_roster_p39_needs_two_changes_and_gets_them(policy, evaluator):
    raw, prefix = roster_case("P39")
    result = appeals.appeal(policy, evaluator, raw, "P39", "eligibility", "合格", str(ROSTER), prefix)
    assert_claims_hold(policy, evaluator, raw, result, "P39")
    facts = [sorted(ch["fact"] for ch in alt.changes) for alt in result.alternatives]
    assert facts[0] == ["attestations.healthy", "certificates[+]"]
    # explanations name the roster's own paths, as `evaluate` does
    assert "cases[0].people[" in json.dumps(result.alternatives[0].explanation, ensure_ascii=False)


# --- certificate_status: a certificate obtained by a date -------------------------------------------

def test_overdue_certificate_obtained_by_the_deadline(policy, evaluator):
    c = case(person(certificates=[], hired_on="2024-06-01"))
    assert decide(policy, evaluator, c)[("A1", "certificate_status")] == "逾期未取证"
    result = run_appeal(policy, evaluator, c, "certificate_status", "已取证")
    assert_claims_hold(policy, evaluator, c, result)
    change = result.alternatives[0].changes[0]
    assert change["fact"] == "certificates[+]"
    assert change["to"] == {"type": "政务服务办事员", "level": "五级/初级工", "obtained_on": "2025-06-01"}
    assert change["note"] == "取证期限"


def test_existing_late_certificate_moved_earlier_for_seniority(policy, evaluator):
    c = case(person(hired_on="2017-01-01", certificates=[
        {"type": "政务服务办事员", "level": "五级/初级工", "obtained_on": "2024-12-20"}]))
    assert decide(policy, evaluator, c)[("A1", "seniority_allowance")] == 20
    result = run_appeal(policy, evaluator, c, "seniority_allowance", 50)
    assert_claims_hold(policy, evaluator, c, result)
    assert all(alt.changes[0]["fact"] == "certificates[0].obtained_on" for alt in result.alternatives)


# --- minimality ------------------------------------------------------------------------------------

def test_alternatives_are_minimal_and_cheapest(policy, evaluator):
    attestations = dict(TRUE_ATTESTATIONS, law_abiding=False)
    del attestations["healthy"]
    c = case(person(attestations=attestations, education="中专"))
    result = run_appeal(policy, evaluator, c, "eligibility", "合格")
    assert_claims_hold(policy, evaluator, c, result)
    # all three must change; nothing cheaper exists, nothing more is added
    assert sorted(ch["fact"] for ch in result.alternatives[0].changes) == \
        ["attestations.healthy", "attestations.law_abiding", "education"]
    assert result.alternatives[0].cost == 1 + 2 + 1


def test_no_superset_of_a_found_alternative_is_even_decided(policy, evaluator, monkeypatch):
    decided: list[list[str]] = []
    real = appeals._decide

    def spy(policy_, evaluator_, case_dict, file, prefix=()):
        person_ = case_dict["people"][0]
        decided.append(sorted(m for m, r in person_["ratings"].items() if r == "好"))
        return real(policy_, evaluator_, case_dict, file, prefix)
    monkeypatch.setattr(appeals, "_decide", spy)
    c = case(person(ratings=ratings(good=(2,))))
    result = run_appeal(policy, evaluator, c, "annual_grade", "称职")
    assert [len(alt.changes) for alt in result.alternatives] == [1, 1, 1]
    assert max(len(goods) for goods in decided) == 2   # one more 好, never two


# --- not reachable ---------------------------------------------------------------------------------

def test_over_age_is_not_reachable_by_the_persons_own_facts(policy, evaluator):
    c = case(person(birth_date="1985-01-01", selection_date="2025-06-01", hired_on=None, certificates=[]))
    del c["people"][0]["hired_on"]
    assert decide(policy, evaluator, c)[("A1", "eligibility")] == "不合格"
    result = run_appeal(policy, evaluator, c, "eligibility", "合格")
    assert result.alternatives == []
    assert result.unreachable.startswith("无法仅通过改变本人事实达到“合格”")
    assert "二(二)2(1)③" in result.unreachable and "年龄在35周岁以下" in result.unreachable
    assert "出生日期不可更改" in result.unreachable
    assert result.blocking == [{"rule": "eligibility.over_age", "title": "超过35周岁", "clause": "二(二)2(1)③",
                                "text": "年龄在35周岁以下"}]
    assert result.search.candidates == 0   # no allowed change reaches the rule: nothing to decide


def test_roster_p37_over_age_unreachable(policy, evaluator):
    raw, prefix = roster_case("P37")
    result = appeals.appeal(policy, evaluator, raw, "P37", "eligibility", "合格", str(ROSTER), prefix)
    assert result.unreachable and "二(二)2(1)③" in result.unreachable
    assert appeals.to_json(result, policy)["unreachable"] == result.unreachable


def test_not_full_year_cites_the_exception(policy, evaluator):
    c = case(person(hired_on="2025-03-01", certificates=[], ratings=ratings(good=(4, 7, 10, 12))))
    assert decide(policy, evaluator, c)[("A1", "annual_grade")] == "称职"
    result = run_appeal(policy, evaluator, c, "annual_grade", "优秀")
    assert result.alternatives == []
    assert result.blocking[0]["rule"] == "annual.not_full_year"
    assert "上岗日期是已经发生的事实" in result.unreachable
    assert result.search.candidates <= policy.appeals.max_candidates


def test_already_at_the_wanted_value(policy, evaluator):
    c = case(person())
    result = run_appeal(policy, evaluator, c, "annual_grade", "称职")
    assert result.reached and result.alternatives == [] and result.unreachable is None


# --- appeals.yaml: loaded, digested, checked --------------------------------------------------------

def test_appeals_file_is_part_of_the_policy(policy, tmp_policy):
    assert policy.appeals is not None and policy.appeals.max_changes == 3
    assert appealspec.problems(policy) == []
    edit(tmp_policy, "appeals.yaml", "max_candidates: 600", "max_candidates: 601")
    changed, problems = load_policy(tmp_policy)
    assert changed is not None, problems
    assert changed.digest != policy.digest and changed.appeals.max_candidates == 601


def test_bad_appeals_file_is_reported_with_its_line(tmp_policy):
    path = edit(tmp_policy, "appeals.yaml", "    raise: {order: education.values, cost_per_step: 1}",
                "    raise: {order: education.values, cost_per_step: 0}")
    policy, problems = load_policy(tmp_policy)
    assert policy is None
    [problem] = problems
    assert Path(problem.location.file).name == "appeals.yaml"
    assert problem.location.line == next(i + 1 for i, line in enumerate(path.read_text(encoding="utf-8").splitlines())
                                         if "cost_per_step: 0" in line)
    assert "≥ 1" in problem.message


def test_appeals_meaning_checked_against_the_policy(tmp_policy):
    edit(tmp_policy, "appeals.yaml", "person: [education]", "person: [schooling]")
    edit(tmp_policy, "appeals.yaml", "to: [certificate_due, selection_on, {date: hired_on, cost: 1}]",
         "to: [certificate_due, selection_day]")
    edit(tmp_policy, "appeals.yaml", "  birth_date: 出生日期不可更改\n", "")
    policy, problems = load_policy(tmp_policy)
    assert policy is not None, problems
    found = appealspec.problems(policy)
    messages = [p.message for p in found]
    assert any("“schooling”不是“person”的输入属性" in m for m in messages)
    assert any("未知的日期“selection_day”" in m for m in messages)
    assert any("“birth_date”既不在可申诉之列" in m and p.severity == "warning"
               for p, m in zip(found, messages))


def test_the_engine_code_holds_no_policy_words(policy):
    """The words a move is about come from appeals.yaml and vocabulary.yaml, never from the code."""
    vocabulary = policy.vocabulary
    words = set(vocabulary["rating"]["values"]) | set(vocabulary["education"]["values"])
    words |= set(vocabulary["certificate_type"]["values"])
    words |= {w for levels in vocabulary["certificate_level"]["by_type"].values() for w in levels}
    words |= {v for d in policy.decisions.values() for v in (d.values or ()) if isinstance(v, str)}
    for module in ("tools/appeal.py", "policy/appeals.py", "outputs/appeal.py"):
        tree = ast.parse((ROOT / "engine" / module).read_text(encoding="utf-8"))
        docstrings = {id(node.body[0].value) for node in ast.walk(tree)
                      if isinstance(node, (ast.Module, ast.FunctionDef, ast.ClassDef)) and node.body
                      and isinstance(node.body[0], ast.Expr) and isinstance(node.body[0].value, ast.Constant)}
        strings = [n.value for n in ast.walk(tree)
                   if isinstance(n, ast.Constant) and isinstance(n.value, str) and id(n) not in docstrings]
        used = sorted(w for w in words if any(w in s for s in strings))
        assert used == [], f"engine/{module} hard-codes {used}"


# --- timing (measured, printed, never asserted) ------------------------------------------------------

def test_time_per_appeal_on_fixture_people(policy, evaluator, capsys):
    asks = [("P02", "annual_grade", "优秀"), ("P05", "annual_grade", "称职"), ("P09", "annual_grade", "称职"),
            ("P01", "skill_allowance", 400), ("P10", "certificate_status", "已取证"), ("P38", "eligibility", "合格"),
            ("P37", "eligibility", "合格"), ("P31", "eligibility", "合格")]
    lines = []
    for subject, decision, want in asks:
        raw, prefix = roster_case(subject)
        started = time.perf_counter()
        result = appeals.appeal(policy, evaluator, raw, subject, decision, want, str(ROSTER), prefix)
        took = time.perf_counter() - started
        assert result.search.candidates <= policy.appeals.max_candidates
        lines.append(f"{subject} {decision} → {want}: {took:.2f} s, {result.search.candidates} candidates, "
                     f"{'found ' + str(len(result.alternatives)) if result.alternatives else 'unreachable'}")
    with capsys.disabled():
        print("\nappeal timing:\n  " + "\n  ".join(lines))


# --- the command line --------------------------------------------------------------------------------

@pytest.mark.slow   # run.py in a subprocess
def test_cli_json_changes_applied_to_the_file_give_the_value(policy, evaluator):
    done = run_cli(ROSTER, "--subject", "P02", "--decision", "annual_grade", "--want", "优秀", "--format", "json")
    assert done.returncode == 0, done.stderr
    doc = json.loads(done.stdout)
    assert (doc["subject"], doc["decision"], doc["want"], doc["actual"]) == ("P02", "annual_grade", "优秀", "称职")
    assert doc["unreachable"] is None and doc["name"] == "李*"
    tree = locations.plain(yamlio.load(ROSTER))
    for alt in doc["alternatives"]:
        assert set(alt) >= {"changes", "value", "explanation"}
        assert all(set(ch) >= {"fact", "from", "to"} for ch in alt["changes"])
        changed = dict(tree, cases=[apply_changes(tree["cases"][0], alt["changes"], policy, "P02")] + tree["cases"][1:])
        path = write_case(changed)
        from engine.pipeline.evaluate import evaluate_file
        _, results = evaluate_file(str(path), policy, evaluator)
        values = {(d.subject, d.decision): d.value for d in results[0].determinations}
        assert values[("P02", "annual_grade")] == alt["value"] == "优秀"


@pytest.mark.slow   # run.py in a subprocess
def test_cli_table_is_chinese_and_masks_names():
    done = run_cli(ROSTER, "--subject", "P02", "--decision", "annual_grade", "--want", "优秀")
    assert done.returncode == 0, done.stderr
    # P02's center already holds its 20% of 好 in 2025-01: that month is among the changes not offered
    for word in ("申诉人", "决定", "实际", "期望", "可选方案", "由“一般”改为“好”", "未采用的改变"):
        assert word in done.stdout
    assert "李*" in done.stdout and "李明" not in done.stdout
    shown = run_cli(ROSTER, "--subject", "P02", "--decision", "annual_grade", "--want", "优秀", "--unmask")
    assert "李明" in shown.stdout


@pytest.mark.slow   # run.py in a subprocess
def test_cli_unreachable_names_the_clause():
    done = run_cli(ROSTER, "--subject", "P37", "--decision", "eligibility", "--want", "合格")
    assert done.returncode == 0, done.stderr
    assert "无法仅通过改变本人事实达到" in done.stdout and "二(二)2(1)③" in done.stdout
    assert "钱**" in done.stdout


@pytest.mark.parametrize("args, says", [
    (["--subject", "P022", "--decision", "annual_grade", "--want", "优秀"], "“P02”或“P22”？"),
    (["--subject", "P02", "--decision", "anual_grade", "--want", "优秀"], "您是否想输入“annual_grade”"),
    (["--subject", "P02", "--decision", "annual_grade"], "请同时指定"),
    (["--subject", "P02", "--decision", "annual_grade", "--want", "优"], "您是否想输入“优秀”"),
    (["--subject", "P02", "--decision", "window", "--want", "综合窗口"], "不是针对办事员的"),
])
def test_cli_bad_usage_exits_2_with_a_chinese_message(policy, args, says):
    # in process: `command` is what the `appeal` subcommand calls once the policy is loaded (engine/cli/appeal.py)
    options = dict(zip(args[::2], args[1::2]))
    out, err = Console(file=io.StringIO(), width=400), Console(file=io.StringIO(), width=400)
    status = appeal_cli.command(policy, str(ROSTER), options.get("--subject"), options.get("--decision"),
                             options.get("--want"), None, "table", False, out, err)
    assert status == 2
    assert says in err.file.getvalue()
    assert out.file.getvalue() == ""


@pytest.mark.slow   # run.py in a subprocess
def test_cli_help_says_decision_and_want_are_required():
    done = subprocess.run([sys.executable, "run.py", "appeal", "--help"], cwd=ROOT, env=ENV, capture_output=True,
                          text=True, encoding="utf-8", timeout=60)
    assert done.returncode == 0
    assert "--decision 与 --want 必须给出" in done.stdout and "run.py appeal fixtures/roster_2025.yaml" in done.stdout


def test_want_and_why_not_read_a_value_the_same_way(policy):
    """`appeal --want 1.5` and `evaluate --why-not 1.5` both mean the number (one reader: words.parse_value)."""
    from engine.common.words import parse_value
    assert parse_value("是") is True and parse_value("false") is False
    assert parse_value("400") == 400 and isinstance(parse_value("400"), int)
    assert parse_value("null") is None and parse_value("无") is None and parse_value("空") is None
    assert parse_value("1.5") == 1.5 and parse_value("优秀") == "优秀"
    code, _, err = cli("evaluate", ROSTER, "--subject", "P01", "--why-not", "1.5", "--decision", "skill_allowance")
    assert code == 2 and "“1.5”不是" in err      # the number 1.5, refused as a value the decision cannot take
    code, out, _ = cli("appeal", ROSTER, "--subject", "P01", "--decision", "skill_allowance", "--want", "1.5",
                       "--format", "json")
    assert code == 0 and json.loads(out)["want"] == 1.5


@pytest.mark.slow   # run.py in a subprocess
@pytest.mark.parametrize("suffix", [".xlsx", ".csv"])
def test_an_appeal_reads_a_roster_spreadsheet_as_its_yaml(tmp_path, suffix):
    """The roster converted to a workbook or CSV gives the same answer, changes named by the same paths."""
    sheet = tmp_path / f"roster{suffix}"
    from conftest import cli
    assert cli("convert", ROSTER, sheet)[0] == 0
    ask = ["--subject", "P02", "--decision", "annual_grade", "--want", "优秀", "--format", "json"]
    from_yaml, from_sheet = run_cli(str(ROSTER), *ask), run_cli(str(sheet), *ask)
    assert from_sheet.returncode == from_yaml.returncode == 0, from_sheet.stderr
    a, b = json.loads(from_yaml.stdout), json.loads(from_sheet.stdout)
    assert a["alternatives"] and [x["changes"] for x in b["alternatives"]] == [x["changes"] for x in a["alternatives"]]
    assert (b["actual"], b["want"]) == (a["actual"], a["want"])
