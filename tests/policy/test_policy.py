"""The policy itself: its own YAML tests pass; the fixture roster reaches every value of every
decision in the contract; the YAML is the single source of truth (edit a number, the decision
follows); every explanation stands on a real clause in the document's own words."""
from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import pytest

from conftest import ROOT, amend, decide
from engine.outputs import answer
from engine.common import yamlio
from engine.common import locations
from engine.pipeline.evaluate import Evaluator, evaluate_file
from engine.tools.validate import load_or_raise
from engine.tools.policytests import run_policy_tests
from engine.tools.validate import clause_contains

POLICY_DIR = ROOT / "policies" / "suchen_2024"
ROSTER = ROOT / "fixtures" / "roster_2025.yaml"


# --- (1) the policy's own YAML tests, one pytest test each ----------------------------------------

def _yaml_tests() -> list:
    out = []
    for path in sorted((POLICY_DIR / "tests").glob("*.yaml")):
        tree = locations.plain(yamlio.load(path))
        for test in tree["tests"]:
            out.append(pytest.param(path.name, test["name"], id=test["name"]))
    return out


YAML_TESTS = _yaml_tests()


@pytest.fixture(scope="module")
def policy_test_run(policy):
    outcomes, problems = run_policy_tests(policy)
    return {(Path(o.file).name, o.name): o for o in outcomes}, outcomes, problems


def test_policy_test_files_are_well_formed_and_all_run(policy_test_run):
    by_name, outcomes, problems = policy_test_run
    assert problems == [], [str(p) for p in problems]
    assert len(outcomes) == len(YAML_TESTS) >= 100
    assert len(by_name) == len(outcomes)          # names are unique per file


@pytest.mark.parametrize("file, name", YAML_TESTS)
def test_policy_yaml_test(policy_test_run, file, name):
    by_name, _, _ = policy_test_run
    outcome = by_name[(file, name)]
    assert outcome.passed, f"{outcome.file}:{outcome.line} {name}\n" + "\n".join(outcome.failures)
    assert outcome.rules, "no rule fired at all"


# --- the fixture roster, as the contract's JSON ----------------------------------------------------

@pytest.fixture(scope="module")
def roster(policy):
    case_file, results = evaluate_file(str(ROSTER), policy, Evaluator(policy))
    assert case_file.errors == [], [str(e) for e in case_file.errors]
    assert all(r.errors == [] for r in results), [r.errors for r in results]
    # through JSON, so the values are exactly those `run.py evaluate --format json` prints
    return json.loads(json.dumps(answer.document(policy, case_file, results), ensure_ascii=False))


def determinations(doc):
    return [d for case in doc["cases"] for d in case["determinations"]]


def values_of(doc, decision: str) -> list:
    return [d["value"] for d in determinations(doc) if d["decision"] == decision]


def _is_iso_date(value) -> bool:
    try:
        return isinstance(value, str) and dt.date.fromisoformat(value).isoformat() == value
    except ValueError:
        return False


# --- (2) every value of every decision in the contract table is reached by the roster -------------

CONTRACT_VALUES = {
    "eligibility": ["不合格", "待核实", "有条件合格", "合格"],
    "certificate_status": ["已取证", "取证期内", "逾期未取证"],
    "skill_allowance": [0, 100, 150, 200, 400, 600],
    "seniority_allowance": [0, 20, 50, 100],
    "education_allowance": [0, 100, 200],
    "annual_grade": ["优秀", "称职", "基本称职", "不称职", "待定"],
    "reassignment_recommended": [True, False],
    "window_quota_compliant": [True, False, None],
    "clerk_ratio_compliant": [True, False],
    "staffing_compliant": [True, False],
    "window": ["综合窗口", "单设窗口", "全科窗口", "部门综合服务", "待核实"],
}


@pytest.mark.parametrize("decision, expected", list(CONTRACT_VALUES.items()), ids=list(CONTRACT_VALUES))
def test_roster_reaches_every_value(roster, decision, expected):
    got = values_of(roster, decision)
    # typed comparison: True must not stand in for 1, nor 0 for False
    seen = {(type(v).__name__, json.dumps(v, ensure_ascii=False)) for v in got}
    missing = [v for v in expected if (type(v).__name__, json.dumps(v, ensure_ascii=False)) not in seen]
    assert missing == []
    unexpected = {json.dumps(v, ensure_ascii=False) for v in got} - {json.dumps(v, ensure_ascii=False) for v in expected}
    assert unexpected == set()


def test_roster_reaches_a_certificate_deadline_and_none(roster):
    got = values_of(roster, "certificate_deadline")
    assert None in got
    assert any(_is_iso_date(v) for v in got)
    assert all(v is None or _is_iso_date(v) for v in got)


def test_roster_reaches_good_rating_violations_empty_and_not(roster):
    got = values_of(roster, "good_rating_violations")
    assert [] in got
    non_empty = [v for v in got if v]
    assert non_empty
    for months in non_empty:
        assert months == sorted(months) and all(len(m) == 7 and m[4] == "-" for m in months)


def test_roster_allowance_total_is_the_sum(roster):
    by = {(d["subject"], d["decision"]): d["value"] for d in determinations(roster)}
    totals = [(s, v) for (s, dec), v in by.items() if dec == "monthly_allowance_total"]
    assert len(totals) > 30
    for subject, total in totals:
        parts = [by[(subject, n)] for n in ("skill_allowance", "seniority_allowance", "education_allowance")]
        assert total == sum(parts), subject
        assert all(isinstance(x, int) and not isinstance(x, bool) for x in parts + [total]), subject


# --- (3) the YAML is the single source of truth ------------------------------------------------------

ATTESTED = {k: True for k in ("political", "law_abiding", "service_minded", "follows_rules", "fulfils_duties",
                              "communication_and_computer", "healthy", "obeys_assignment")}


def edit(root: Path, rel: str, old: str, new: str) -> None:
    path = root / rel
    text = path.read_text(encoding="utf-8")
    assert text.count(old) == 1, f"{rel}: expected exactly one «{old}», found {text.count(old)}"
    path.write_text(text.replace(old, new), encoding="utf-8")


def test_skill_allowance_amount_comes_from_the_yaml(policy, evaluator, tmp_policy):
    case = {"as_of": "2025-12-31", "people": [{
        "id": "P1", "birth_date": "1985-05-05", "education": "本科", "attestations": ATTESTED,
        "hired_on": "2012-01-01",
        "certificates": [{"type": "政务服务办事员", "level": "一级/高级技师", "obtained_on": "2013-03-01"}]}]}
    before = decide(policy, evaluator, case)
    amend(tmp_policy, "parameters/allowances.yaml", "        一级/高级技师: 600\n", "        一级/高级技师: 700\n")
    changed = load_or_raise(tmp_policy)
    after = decide(changed, Evaluator(changed), case)
    assert before[("P1", "skill_allowance")] == 600
    assert after[("P1", "skill_allowance")] == 700
    assert after[("P1", "monthly_allowance_total")] == before[("P1", "monthly_allowance_total")] + 100
    # nothing else moved
    assert {k: v for k, v in after.items() if k[1] not in ("skill_allowance", "monthly_allowance_total")} == \
        {k: v for k, v in before.items() if k[1] not in ("skill_allowance", "monthly_allowance_total")}


def test_max_age_comes_from_the_yaml(policy, evaluator, tmp_policy):
    case = {"as_of": "2025-12-31", "people": [{
        "id": "P1", "birth_date": "1992-06-01", "selection_date": "2025-12-20", "education": "本科",
        "attestations": ATTESTED,
        "certificates": [{"type": "政务服务办事员", "level": "五级/初级工", "obtained_on": "2024-01-01"}]}]}
    before = decide(policy, evaluator, case)
    amend(tmp_policy, "parameters/selection.yaml", "{value: 35, clause: 二(二)2(1)③}", "{value: 30, clause: 二(二)2(1)③}")
    changed = load_or_raise(tmp_policy)
    after = decide(changed, Evaluator(changed), case)
    assert before[("P1", "eligibility")] == "合格"
    assert after[("P1", "eligibility")] == "不合格"


def test_window_quota_comes_from_the_yaml(policy, evaluator, tmp_policy):
    case = {"as_of": "2025-12-31", "centers": [{"id": "C1", "level": "镇", "windows": 4, "clerks": 4,
                                                "staff": {"direct": 2, "hrss": 1, "civil_affairs": 1}}]}
    before = decide(policy, evaluator, case)
    amend(tmp_policy, "parameters/windows.yaml", "        镇: 4\n", "        镇: 5\n")
    changed = load_or_raise(tmp_policy)
    after = decide(changed, Evaluator(changed), case)
    assert before[("C1", "window_quota_compliant")] is True
    assert after[("C1", "window_quota_compliant")] is False
    assert after[("C1", "clerk_ratio_compliant")] is True and after[("C1", "staffing_compliant")] is True


# --- (4) every explanation stands on a clause, in that clause's words ------------------------------------

def _nodes(node):
    yield node
    for child in node.get("because") or []:
        yield from _nodes(child)


def test_every_explanation_cites_a_real_clause_in_its_own_words(policy, roster):
    seen = 0
    for d in determinations(roster):
        assert "explanation" in d, (d["subject"], d["decision"])
        for node in _nodes(d["explanation"]):
            where = (d["subject"], d["decision"], node.get("rule"))
            assert node["clause"] in policy.clauses, where
            assert clause_contains(policy, node["clause"], node["text"]), where
            seen += 1
    assert seen >= len(determinations(roster))


def test_undecided_grades_list_the_possible_grades_best_last(roster):
    order = ["不称职", "基本称职", "称职", "优秀"]    # the contract's order, worst first
    by = {(d["subject"], d["decision"]): d["value"] for d in determinations(roster)}
    pending = [s for (s, dec), v in by.items() if dec == "annual_grade" and v == "待定"]
    assert pending, "the roster has no 待定 grade"
    for subject in pending:
        possible = by[(subject, "annual_grade_possible")]
        assert len(possible) >= 2, subject
        assert len(set(possible)) == len(possible), subject
        assert all(g in order for g in possible), subject
        assert possible == sorted(possible, key=order.index), subject
    # and a decided grade is its own single possibility
    for (subject, dec), grade in by.items():
        if dec == "annual_grade" and grade != "待定":
            assert by[(subject, "annual_grade_possible")] == [grade], subject


def test_roster_spot_checks_from_its_header(roster):
    """A few of the roster's documented expectations, so coverage is not reached by wrong people."""
    by = {(d["subject"], d["decision"]): d["value"] for d in determinations(roster)}
    assert by[("P15", "annual_grade_possible")] == ["基本称职", "称职", "优秀"]
    assert by[("P22", "annual_grade_possible")] == ["不称职", "基本称职"]
    assert by[("P11", "annual_grade")] == "称职"
    assert by[("P36", "eligibility")] == "合格" and by[("P37", "eligibility")] == "不合格"
    assert by[("XL01", "certificate_deadline")] == "2025-06-30" and by[("XL01", "certificate_status")] == "取证期内"
    assert by[("XL02", "certificate_deadline")] == "2025-02-28" and by[("XL02", "certificate_status")] == "逾期未取证"
    assert by[("CTR-QU", "good_rating_violations")] == ["2025-07", "2025-12"]
    assert by[("CTR-ZX-JZ", "window_quota_compliant")] is None
    assert by[("P03", "monthly_allowance_total")] == 800
