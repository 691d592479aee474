"""engine/tools/diff.py, engine/tools/gitpolicy.py and `run.py diff`: who changes between two policy versions, and why.

Each expected set of changed people is computed here from the base version's own facts (or from the
roster with the standard library), never listed by hand.
"""
from __future__ import annotations

import copy
import datetime as dt
import faulthandler
import json
import os
import shutil
import signal
import subprocess
from pathlib import Path

import pytest

from engine.tools import diff, generate

from engine.formula import expr
from engine.pipeline import parallel
from engine.pipeline.evaluate import evaluate_file
from engine.tools.gitpolicy import GitPolicyError, materialised, parse
from engine.tools.validate import load_or_raise
from conftest import POLICY_DIR, ROOT, cli, edit, parsed_once

ONE_OH = "3bd7862b78465775a22ad41a9877aadf970ab5db"   # policy 1.0.0 (leap_day_anniversary mar_1), file format 3


@pytest.fixture(scope="module")
def corpus(tmp_path_factory, policy) -> Path:
    """A small generated roster: four cases, judged on 31 December, 28 February and 1 March. Every test reads it as
    written: its text is parsed once (conftest.parsed_once)."""
    path = tmp_path_factory.mktemp("corpus") / "corpus.yaml"
    generate.write(generate.generate(policy, 240, 5, per_case=60), path, "test")
    return parsed_once(path)


@pytest.fixture(scope="module")
def results(policy, corpus) -> list:
    """The corpus decided by the policy alone (evaluate's own path): what each expectation is read from."""
    return evaluate_file(str(corpus), policy)[1]


def compared(old, new, corpus: Path, jobs: int = 1, decisions=None) -> diff.Comparison:
    return diff.compare_file(str(corpus), diff.Side("base", None, old), diff.Side("new", None, new), decisions, jobs)


def copy_policy(tmp_path: Path) -> Path:
    target = tmp_path / "policy"
    shutil.copytree(POLICY_DIR, target)
    return target


def person_facts(results: list) -> dict[tuple[str, str], object]:
    return {(str(r.case.id), f.subject): f for r in results for f in r.facts if f.kind == "person"}


def values(results: list, decision: str) -> dict[tuple[str, str], object]:
    return {(str(r.case.id), d.subject): d.value for r in results for d in r.determinations if d.decision == decision}


def changed(found: list[diff.Change], decision: str) -> set[tuple[str, str]]:
    return {(c.case, c.subject) for c in found if c.decision == decision}


# --- identical versions ------------------------------------------------------------------------

def test_identical_versions_change_nothing(tmp_path, policy, corpus):
    same = compared(policy, load_or_raise(copy_policy(tmp_path)), corpus)
    assert same.found == []
    summary = diff.summary(same)
    assert summary["changed_records"] == 0
    money = summary["allowance"]
    assert money["better"] == money["worse"] == 0 and money["total"]["delta"] == 0
    assert all(d["before"] == d["after"] for d in summary["distribution"].values())


def cite_amendment(folder: Path) -> None:
    """A skill allowance whose numbers are no longer those of the document's words names the (hypothetical)
    document that changed them, as validate requires."""
    edit(folder, "parameters/allowances.yaml", "      clause: 二(二)5(2)\n      value:\n        五级/初级工",
         "      clause: 二(二)5(2)\n      reference: 测试政办发〔2025〕1号\n      value:\n        五级/初级工")


# --- one parameter changed -----------------------------------------------------------------------

def test_one_parameter_changes_exactly_its_holders(tmp_path, policy, results, corpus):
    folder = copy_policy(tmp_path)
    edit(folder, "parameters/allowances.yaml", "三级/高级工: 200", "三级/高级工: 230")
    cite_amendment(folder)
    comparison = compared(policy, load_or_raise(folder), corpus)
    found = comparison.found
    paid = values(results, "skill_allowance")
    holders = {key for key, fact in person_facts(results).items()
               if expr.plain(fact.get("skill_level")) == "三级/高级工" and key in paid}
    assert holders, "the corpus should hold people at that level"
    assert changed(found, "skill_allowance") == holders
    assert changed(found, "monthly_allowance_total") == holders
    assert {c.decision for c in found} == {"skill_allowance", "monthly_allowance_total"}
    for c in found:
        named = [r for r in c.reasons if r["kind"] == "parameter"]
        assert [r["name"] for r in named] == ["skill_allowance.三级/高级工"], c.reasons
        assert named[0]["old"]["value"] == 200 and named[0]["new"]["value"] == 230
        assert named[0]["old"]["clause"] == named[0]["new"]["clause"] == "二(二)5(2)"
        assert c.new - c.old == 30
    money = diff.summary(comparison)["allowance"]
    assert money["better"] == len(holders) and money["worse"] == 0
    assert money["total"]["delta"] == 30 * len(holders)
    assert money["total"]["annual_delta"] == 30 * len(holders) * 12


# --- a rule changed -----------------------------------------------------------------------------

def test_a_rule_change_is_named(tmp_path, policy, results, corpus):
    folder = copy_policy(tmp_path)
    edit(folder, "rules/reassignment.yaml", "when: longest_bottom_run >= param.reassignment_consecutive_bottom\n",
         "when: longest_bottom_run >= param.reassignment_consecutive_bottom + 1\n")
    edit(folder, "rules/reassignment.yaml", "and longest_bottom_run < param.reassignment_consecutive_bottom\n",
         "and longest_bottom_run < param.reassignment_consecutive_bottom + 1\n")
    comparison = compared(policy, load_or_raise(folder), corpus)
    found = comparison.found
    status = values(results, "certificate_status")
    runs = {key: fact.get("longest_bottom_run") for key, fact in person_facts(results).items()}
    expected = {key for key in values(results, "reassignment_recommended")
                if expr.plain(runs[key]) == 2 and status.get(key) != "逾期未取证"}
    assert expected, "the corpus should hold people ranked last in exactly two adjacent months"
    assert changed(found, "reassignment_recommended") == expected
    assert {c.decision for c in found} == {"reassignment_recommended"}
    for c in found:
        assert c.old is True and c.new is False
        rules = {r["rule"] for r in c.reasons if r["kind"] == "rule_changed"}
        assert rules & {"reassign.consecutive_bottom", "reassign.none"}, c.reasons
        changed_rules = [r for r in c.reasons if r["kind"] == "rule_changed"]
        assert any("＋ 1" in r["text"] for r in changed_rules)                 # the condition in words
        assert any("+ 1" in r["new"]["when"] for r in changed_rules)           # the JSON keeps it as written
    summary = diff.summary(comparison)
    moves = summary["favourable"]["reassignment_recommended"]
    assert moves["newly"] == len(expected) and moves["no_longer"] == 0   # not being reassigned is favourable
    yes = summary["transitions"]["reassignment_recommended"]
    assert yes["values"] == [True] and yes["newly"] == 0 and yes["no_longer"] == len(expected)   # 是 → 否


# --- an error in one version only -----------------------------------------------------------------

def test_a_record_that_errors_in_one_version_only(tmp_path, policy, results, corpus):
    folder = copy_policy(tmp_path)
    edit(folder, "vocabulary.yaml", "values: [高中及以下, 中专, 大专, 本科, 硕士, 博士]", "values: [高中及以下, 大专, 本科, 硕士, 博士]")
    comparison = compared(policy, load_or_raise(folder), corpus)
    found = comparison.found
    word = {key: p.get("education") for r in results for p in r.case.records["people"] for key in [(str(r.case.id), str(p["id"]))]}
    expected = {key for key, w in word.items() if w == "中专"}
    assert expected
    errors = [c for c in found if c.decision is None]
    assert {(c.case, c.subject) for c in errors} == expected
    for c in errors:
        assert c.old is None and "中专" in c.new
        assert c.reasons[0]["kind"] == "error" and c.reasons[0]["old"] is None and c.reasons[0]["new"]
    # their determinations are not listed as value changes: the error record stands for them
    assert not {(c.case, c.subject) for c in found if c.decision is not None} & expected
    books = diff.summary(comparison)["account"]["new"]
    assert books["balanced"] and books["people"]["errored"] == len(expected)


# --- 29 February: 1.0.0 (mar_1) against 1.1.0 (feb_28) -------------------------------------------

def _leap_sensitive(people: list[dict], as_of: dt.date, tiers: list[int], clerk: str) -> dict[str, set[str]]:
    """Who should change, by plain date arithmetic: a period from 29 February that ends in a common year on
    28 February (new reading) instead of 1 March (old), where that moves a decision."""
    out: dict[str, set[str]] = {"certificate_deadline": set(), "seniority_allowance": set()}
    common = as_of.year % 4 != 0
    for p in people:
        if "hired_on" not in p:
            continue
        hired = dt.date.fromisoformat(str(p["hired_on"]))
        certs = sorted(dt.date.fromisoformat(str(c["obtained_on"])) for c in p.get("certificates", [])
                       if c["type"] == clerk and dt.date.fromisoformat(str(c["obtained_on"])) <= as_of)
        if not certs and (hired.month, hired.day) == (2, 29):
            out["certificate_deadline"].add(str(p["id"]))   # 上岗 + 1 year falls in a common year: the date moves
        if certs and not p.get("probation") and common and (as_of.month, as_of.day) == (2, 28):
            since = max(certs[0], dt.date.fromisoformat(str(p.get("service_start", p["hired_on"]))))
            if (since.month, since.day) == (2, 29) and as_of.year - since.year in tiers:
                out["seniority_allowance"].add(str(p["id"]))
    return out


def test_the_29_february_correction_changes_exactly_those_it_should(tmp_path, policy, results, corpus):
    folder = copy_policy(tmp_path)
    edit(folder, "parameters/selection.yaml", "{value: feb_28, clause: 二(二)2(1)⑧}", "{value: mar_1, clause: 二(二)2(1)⑧}")
    found = compared(load_or_raise(folder), policy, corpus).found
    params = results[0].params
    tiers = [t["years"] for t in params("seniority_tiers").values()]
    expected = {"certificate_deadline": set(), "seniority_allowance": set()}
    for r in results:
        for decision, people in _leap_sensitive(r.case.records["people"], r.case.as_of, tiers, params("clerk_certificate_type")).items():
            expected[decision] |= {(str(r.case.id), s) for s in people}
    assert expected["certificate_deadline"] and expected["seniority_allowance"], "the corpus must hold such people"
    assert changed(found, "certificate_deadline") == expected["certificate_deadline"]
    assert changed(found, "seniority_allowance") == expected["seniority_allowance"]
    for c in found:
        leap = [r for r in c.reasons if r["kind"] == "parameter"]
        assert [r["name"] for r in leap] == ["leap_day_anniversary"]
        assert (leap[0]["old"]["value"], leap[0]["new"]["value"]) == ("mar_1", "feb_28")
    for c in [c for c in found if c.decision == "seniority_allowance"]:
        assert c.new > c.old        # 满N年 one day earlier: never less
    for c in [c for c in found if c.decision == "certificate_deadline"]:
        assert (str(c.old)[5:], str(c.new)[5:]) == ("03-01", "02-28")


# --- git:REV:path ----------------------------------------------------------------------------------

def _git(repo: Path, *args: str) -> str:
    return subprocess.run(["git", "-C", str(repo), *args], check=True, capture_output=True, text=True).stdout.strip()


@pytest.fixture
def tiny_repo(tmp_path) -> Path:
    """A git repository holding the policy, committed once; the working copy then raises 技师 to 450."""
    repo = tmp_path / "repo"
    shutil.copytree(POLICY_DIR, repo / "pol")
    _git(repo.parent, "init", "-q", str(repo))
    _git(repo, "add", "-A")
    _git(repo, "-c", "user.name=t", "-c", "user.email=t@example.org", "commit", "-qm", "policy")
    edit(repo / "pol", "parameters/allowances.yaml", "二级/技师: 400", "二级/技师: 450")
    cite_amendment(repo / "pol")
    return repo


def test_git_revision_is_read_without_checkout(tiny_repo):
    head = _git(tiny_repo, "rev-parse", "HEAD")
    with materialised("git:HEAD:pol", repo=tiny_repo) as (root, commit):
        assert commit == head and root != tiny_repo / "pol"
        old = load_or_raise(root)
    assert old.parameters["skill_allowance"].values[0].value["二级/技师"] == 400
    assert load_or_raise(tiny_repo / "pol").parameters["skill_allowance"].values[0].value["二级/技师"] == 450
    assert "二级/技师: 450" in (tiny_repo / "pol/parameters/allowances.yaml").read_text(encoding="utf-8")   # untouched
    assert _git(tiny_repo, "status", "--porcelain") == "M pol/parameters/allowances.yaml"


def test_git_errors_are_told(tiny_repo):
    assert parse("policies/suchen_2024") is None
    with pytest.raises(GitPolicyError):
        parse("git:HEAD")
    with pytest.raises(GitPolicyError):
        with materialised("git:no-such-rev:pol", repo=tiny_repo):
            pass
    with pytest.raises(GitPolicyError, match="没有文件夹"):
        with materialised("git:HEAD:nowhere", repo=tiny_repo):
            pass


def test_cli_diff_from_git(tiny_repo, corpus, monkeypatch):
    monkeypatch.chdir(tiny_repo)
    code, out, err = cli("diff", "git:HEAD:pol", "pol", "--cases", corpus, "--format", "json", "--jobs", "1")
    assert code == 0, err
    doc = json.loads(out)
    assert doc["base"]["commit"] == _git(tiny_repo, "rev-parse", "HEAD")
    assert doc["base"]["digest"] != doc["new"]["digest"]
    skill = [c for c in doc["changes"] if c["decision"] == "skill_allowance"]
    assert skill and all(c["new"] - c["old"] == 50 for c in skill)
    assert all(any(r.get("name") == "skill_allowance.二级/技师" for r in c["reasons"]) for c in skill)


def test_the_repositorys_own_1_0_0_revision(policy, corpus, tmp_path):
    """Where the clone holds the 1.0.0 commit, reading it from git gives what the mar_1 copy gives."""
    if subprocess.run(["git", "-C", str(ROOT), "cat-file", "-e", ONE_OH + "^{commit}"], capture_output=True).returncode:
        pytest.skip("the 1.0.0 commit is not in this clone (the tiny repository tests cover git reading)")
    with materialised(f"git:{ONE_OH}:policies/suchen_2024", repo=ROOT) as (root, commit):
        old_policy = load_or_raise(root)
    assert old_policy.version == "1.0.0" and commit == ONE_OH
    found = compared(old_policy, policy, corpus).found
    assert found and all(any(r.get("name") == "leap_day_anniversary" for r in c.reasons) for c in found)


# --- the command line ------------------------------------------------------------------------------

@pytest.fixture(scope="module")
def raised(tmp_path_factory) -> Path:
    folder = tmp_path_factory.mktemp("raised") / "policy"
    shutil.copytree(POLICY_DIR, folder)
    edit(folder, "parameters/selection.yaml", "2024-12-27: {value: 35, clause: 二(二)2(1)③}", "2024-12-27: {value: 38, clause: 二(二)2(1)③, reference: 测试政办发〔2025〕1号}")
    return folder


def test_cli_json_report_and_options(raised, corpus, tmp_path, results):
    code, out, err = cli("diff", POLICY_DIR, raised, "--cases", corpus, "--format", "json", "--jobs", "1",
                         "--decision", "选聘资格", "--report", tmp_path / "r.xlsx")
    assert code == 0, err
    doc = json.loads(out)
    assert set(doc) == {"base", "new", "changes", "summary"}
    assert set(doc["base"]) >= {"id", "version", "digest"}
    assert doc["changes"] and {c["decision"] for c in doc["changes"]} == {"eligibility"}
    assert all(set(c) >= {"case", "subject", "decision", "old", "new", "reasons"} for c in doc["changes"])
    assert set(doc["summary"]["distribution"]) == {"eligibility"}
    # names masked: none of the roster's names or ID numbers appears whole
    people = [p for r in results for p in r.case.records["people"]]
    assert not [p["name"] for p in people if len(p["name"]) > 1 and p["name"] in out]
    assert not [p["id_number"] for p in people if p["id_number"] in out]
    from openpyxl import load_workbook
    wb = load_workbook(tmp_path / "r.xlsx")
    assert wb.sheetnames == ["汇总", "变化明细"]   # 选聘资格 is no money decision: no budget
    rows = list(wb["变化明细"].iter_rows(values_only=True))
    assert len(rows) == len(doc["changes"]) + 1 and all("选聘年龄上限" in r[-1] for r in rows[1:])


def test_cli_fail_on_change_and_markdown(raised, corpus, tmp_path):
    code, out, err = cli("diff", POLICY_DIR, raised, "--cases", corpus, "--fail-on-change", "--jobs", "1",
                         "--report", tmp_path / "r.md", "--only-changed")
    assert code == 1, err
    assert "选聘资格" in out and "选聘年龄上限" in out and "新增为“合格/有条件合格”" in out
    text = (tmp_path / "r.md").read_text(encoding="utf-8")
    assert "## 变化明细" in text and "| 案例 | 判定日 | 对象 |" in text
    code, _, _ = cli("diff", POLICY_DIR, POLICY_DIR, "--cases", corpus, "--fail-on-change", "--jobs", "1")
    assert code == 0


def test_cli_bad_usage(corpus):
    assert cli("diff", POLICY_DIR, POLICY_DIR, "--cases", corpus, "--decision", "没有这个")[0] == 2
    assert cli("diff", POLICY_DIR, "no/such/dir", "--cases", corpus)[0] == 2
    assert cli("diff", POLICY_DIR, POLICY_DIR, "--cases", corpus, "--report", "x.pdf")[0] == 2


def test_marks_are_checked(tmp_path):
    from engine.policy.loader import PolicyLoadError
    folder = copy_policy(tmp_path)
    edit(folder, "rules/selection.yaml", "favourable: [合格, 有条件合格]", "favourable: [合格, 很合格]")
    with pytest.raises(PolicyLoadError, match="很合格"):
        load_or_raise(folder)


def test_reasons_read_what_the_explanations_show(policy, results):
    """`reading` (the comparison's cheap path) collects the rules, parameters and facts that the full
    explanation (Why.determination, as `evaluate --explain` prints it) shows, for every determination."""
    from engine.explain.pieces import Pieces
    from engine.explain.trace import Trace
    from engine.explain.why import Why
    result = next(r for r in results if r.case.as_of.month == 2)
    trace = Trace.of(policy, result)
    reader, why = diff.Reader(trace, Pieces(trace)), Why(trace)
    for d in result.determinations[:400]:
        quick, _ = diff.reading(reader, d.subject, d.decision)
        full = diff.read(why.determination(d))
        assert set(quick.params) == set(full.params), (d.subject, d.decision)
        assert set(quick.rules) == {r for r in full.rules if not r.endswith(".scenarios")}, (d.subject, d.decision)
        assert set(quick.facts) >= set(full.facts) - {n for n in full.facts if "[" in n}, (d.subject, d.decision)


def test_the_demonstration_amendment_differs_from_the_policy_only_where_it_says():
    """policies/examples/amendment_demo is a copy: besides its dated parameter values and policy.yaml, every file
    is the shipped policy's own (so a change to the policy that is not carried over fails here, not in a diff)."""
    base, demo = ROOT / "policies" / "suchen_2024", ROOT / "policies" / "examples" / "amendment_demo"
    own = {"policy.yaml", "parameters/allowances.yaml", "parameters/assessment.yaml", "parameters/selection.yaml"}
    for path in sorted(demo.rglob("*")):
        rel = path.relative_to(demo).as_posix()
        if path.is_file() and rel not in own:
            assert path.read_bytes() == (base / rel).read_bytes(), rel


# --- one pass: checked, decided, compared and explained in the workers ----------------------------------------

DEMO = ROOT / "policies" / "examples" / "amendment_demo"


@pytest.fixture(scope="module")
def roster(policy) -> dict:
    return generate.generate(policy, 120, 11, per_case=30)


@pytest.fixture(scope="module")
def rosters(tmp_path_factory, roster) -> dict[str, Path]:
    """One generated roster written four ways: YAML and JSON (whose cases the workers check one by one), each also
    with a date that is none in one record of its second case (a JSON file is read whole from there on)."""
    folder = tmp_path_factory.mktemp("rosters")
    tree = copy.deepcopy(roster)
    out = {}
    for name, bad in (("clean", False), ("bad", True)):
        if bad:
            tree["cases"][1]["people"][2]["hired_on"] = "2019-13-45"
        for suffix in ("yaml", "json"):
            out[f"{name}.{suffix}"] = folder / f"{name}.{suffix}"
            generate.write(tree, out[f"{name}.{suffix}"], "test")
    return out


def _json_of(*args) -> dict:
    code, out, err = cli("diff", *args, "--format", "json")
    assert code == 0, err
    return json.loads(out)


def test_jobs_1_and_jobs_2_give_the_same_json(rosters):
    """The one pass in two workers answers as in this process, byte for byte; and a JSON roster (checked in the
    workers), a YAML one (checked here) and one with a bad record (read whole from there) answer alike."""
    for name in ("clean", "bad"):
        ways = [("json", 1), ("json", 2), ("yaml", 2 if name == "clean" else 1)]
        answers = {(suffix, jobs): cli("diff", POLICY_DIR, DEMO, "--cases", rosters[f"{name}.{suffix}"], "--format", "json",
                                       "--jobs", jobs) for suffix, jobs in ways}
        assert {code for code, _, _ in answers.values()} == {0}, [err for _, _, err in answers.values()]
        assert len({out for _, out, _ in answers.values()}) == 1, name
        doc = json.loads(answers["json", 2][1])
        assert doc["changes"] and all(c["reasons"] for c in doc["changes"])
        errored = doc["summary"]["account"]["base"]["people"]["errored"]
        assert errored == (name == "bad") and doc["summary"]["account"]["new"]["people"]["errored"] == errored


def test_versions_with_different_words_check_the_file_each_and_agree_across_jobs(rosters, tmp_path):
    """When the vocabularies differ the file is checked once per version (here): a record one version cannot read
    is an error change, the same with one worker or two."""
    folder = copy_policy(tmp_path)
    edit(folder, "vocabulary.yaml", "values: [高中及以下, 中专, 大专, 本科, 硕士, 博士]", "values: [高中及以下, 大专, 本科, 硕士, 博士]")
    one, two = (_json_of(POLICY_DIR, folder, "--cases", rosters["clean.json"], "--jobs", jobs) for jobs in (1, 2))
    assert one == two
    assert [c for c in one["changes"] if c["decision"] is None]


@pytest.mark.parametrize("name", ["clean.yaml", "clean.json"])
def test_a_worker_crash_in_diff_costs_one_case(policy, roster, rosters, monkeypatch, tmp_path, name):
    """A case whose worker dies (as the C core may) is lost for both versions, alone: it is tried twice, then its
    records are counted errored in both accounts; every other case is compared as in one process. A JSON file is
    then read whole (for the error's line), without trying the case again."""
    new = load_or_raise(DEMO)
    path = rosters[name]
    whole = compared(policy, new, path)
    doomed = whole.found[-1].case   # a case with changes, not the first
    held = next(len(c["people"]) for c in roster["cases"] if c["id"] == doomed)
    log = tmp_path / "attempts.txt"
    real = parallel._decide

    def decide(evaluator, pair):
        with log.open("a") as f:
            f.write(f"{pair.id} {os.getpid()}\n")
        if pair.id == doomed:
            faulthandler.disable()   # pytest's handler would print the worker's stack: only noise here
            os.kill(os.getpid(), signal.SIGSEGV)
        return real(evaluator, pair)
    monkeypatch.setattr(parallel, "_decide", decide)
    crashed = compared(policy, new, path, jobs=2)
    assert crashed.found == [c for c in whole.found if c.case != doomed]
    before, after = (diff.summary(c)["account"] for c in (whole, crashed))
    for side in ("base", "new"):
        people = after[side]["people"]
        assert after[side]["balanced"] and people["errored"] == held
        assert people["decided"] == before[side]["people"]["decided"] - held
    pids = [line.split()[1] for line in log.read_text().splitlines() if line.split()[0] == doomed]
    assert len(pids) == 2 and pids[0] != pids[1]
