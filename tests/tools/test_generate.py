"""engine/tools/generate.py and `run.py generate`: deterministic, realistic rosters of this policy's words."""
from __future__ import annotations

from collections import Counter

import pytest

from engine.tools import generate
from engine.casefiles.cases import load_cases
from engine.pipeline.evaluate import Evaluator, account
from conftest import ROOT, cli

GOOD, ORDINARY, BAD, SUSPENDED = "好", "一般", "差", "暂停"   # the shipped vocabulary's ratings


@pytest.fixture(scope="module")
def roster(policy):
    return generate.generate(policy, 300, 11, per_case=75)


def people(tree):
    return [(case, p) for case in tree["cases"] for p in case["people"]]


def test_same_seed_same_file_other_seed_other_file(tmp_path):
    texts = []
    for n, seed in enumerate((3, 3, 4)):
        (tmp_path / str(n)).mkdir()
        assert cli("generate", "--people", 120, "--seed", seed, "--out", tmp_path / str(n) / "r.yaml")[0] == 0
        texts.append((tmp_path / str(n) / "r.yaml").read_text(encoding="utf-8").split("\n", 3)[3])   # after the command
    assert texts[0] == texts[1] != texts[2]


def test_the_shipped_corpus_is_what_its_command_makes(tmp_path):
    shipped = (ROOT / "fixtures" / "corpus_500.yaml").read_text(encoding="utf-8")
    command = shipped.splitlines()[2].strip("# ").split()
    assert command[:3] == ["python", "run.py", "generate"]
    args = command[2:]
    args[args.index("--out") + 1] = str(tmp_path / "again.yaml")
    assert cli(*args)[0] == 0
    again = (tmp_path / "again.yaml").read_text(encoding="utf-8")
    assert again.split("\n", 3)[3] == shipped.split("\n", 3)[3]


def test_words_come_from_the_policy(policy, roster):
    voc = policy.vocabulary
    assert {p["education"] for _, p in people(roster)} <= set(voc["education"]["values"])
    levels = {c["level"] for case in roster["cases"] for c in case["centers"]}
    assert levels == set(voc["center_level"]["values"])             # every level, in every case
    for case in roster["cases"]:
        assert Counter(c["level"] for c in case["centers"]).most_common(1)[0][1] >= 2   # several towns
    kinds = {c["type"] for _, p in people(roster) for c in p["certificates"]}
    assert kinds == set(voc["certificate_type"]["values"])           # certificates of both kinds
    for _, p in people(roster):
        for c in p["certificates"]:
            assert c["level"] in voc["certificate_level"]["by_type"][c["type"]]


def test_ratings_have_real_patterns(policy, roster):
    share = policy.parameters["good_rating_quota"].values[-1].value
    grades = Counter(r for _, p in people(roster) for r in p.get("ratings", {}).values())
    assert grades.most_common(1)[0][0] == ORDINARY
    assert 0 < grades[SUSPENDED] < grades[BAD] < grades[GOOD] < grades[ORDINARY]
    within = over = 0
    for case in roster["cases"]:
        for center in case["centers"]:
            staff = [p for p in case["people"] if p.get("center") == center["id"]]
            months = Counter(m for p in staff for m, r in p.get("ratings", {}).items() if r == GOOD)
            for count in months.values():
                within, over = (within + 1, over) if count <= len(staff) * share + 1e-9 else (within, over + 1)
    assert within and over <= within / 10      # 好 within the 20%, rarely one too many


def test_29_february_and_the_days_it_matters(roster):
    leap = [p for _, p in people(roster) if any(str(p.get(k, "")).endswith("-02-29") for k in ("birth_date", "hired_on"))]
    assert len(leap) >= 5
    days = {str(case["as_of"])[5:] for case in roster["cases"]}
    assert {"02-28", "03-01", "12-31"} <= days


def test_the_corpus_evaluates_with_a_balanced_account(policy, tmp_path, roster):
    path = tmp_path / "r.yaml"
    generate.write(roster, path, "test")
    case_file = load_cases(path, policy)
    assert not case_file.errors
    evaluator = Evaluator(policy)
    results = [evaluator.evaluate(c) for c in case_file.cases]
    assert not [e for r in results for e in r.errors]
    books = account(case_file, results)
    assert books["balanced"] and books["people"]["read"] == 300 == books["people"]["decided"]
    values = Counter((d.decision, str(d.value)) for r in results for d in r.determinations)
    for decision in ("eligibility", "annual_grade", "certificate_status"):   # every declared value occurs
        for v in policy.decisions[decision].values:
            assert values[(decision, v)], (decision, v)
