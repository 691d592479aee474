"""engine/pipeline/facts.py `month_scenarios`: the dynamic programme against brute force over every 暂停 resolution;
the tallies facts.yaml declares."""
from __future__ import annotations

import itertools
import random

import pytest

from engine.pipeline.facts import Sequence, month_scenarios

GOOD, ORDINARY, BAD, SUSPENDED = "好", "一般", "差", "暂停"
# the shipped policy's reading of the ratings (facts.yaml annual_assessment's tally, vocabulary.yaml's pending), as data
RATINGS = Sequence(counts=((GOOD, "good_months"), (ORDINARY, "ordinary_months"), (BAD, "bad_months")),
                   runs=((BAD, "longest_bad_run"),), pending=SUSPENDED, resolves_to=(GOOD, ORDINARY, BAD),
                   every="rated_months", pending_count="suspended_months")


def _signature(resolved: list[tuple[int, str]]) -> tuple[int, int, int, int]:
    """(好, 一般, 差, longest run of calendar-adjacent 差) computed directly from (month number, grade)."""
    good = sum(1 for _, g in resolved if g == GOOD)
    ordinary = sum(1 for _, g in resolved if g == ORDINARY)
    bad_months = {m for m, g in resolved if g == BAD}
    longest = 0
    for m in bad_months:
        if m - 1 in bad_months:
            continue  # not the start of a run
        length = 0
        while m + length in bad_months:
            length += 1
        longest = max(longest, length)
    return good, ordinary, len(bad_months), longest


def brute_force(year: int, ratings: dict[int, str]) -> set[tuple]:
    months = sorted(ratings)
    suspended = [m for m in months if ratings[m] == SUSPENDED]
    out = set()
    for choice in itertools.product((GOOD, ORDINARY, BAD), repeat=len(suspended)):
        chosen = dict(zip(suspended, choice))
        out.add(_signature([(m, chosen.get(m, ratings[m])) for m in months]))
    return out


def as_input(year: int, ratings: dict[int, str]) -> list[tuple[str, str]]:
    return [(f"{year}-{m:02d}", ratings[m]) for m in sorted(ratings)]


def random_year(rng: random.Random) -> dict[int, str]:
    count = rng.randint(1, 12)
    months = sorted(rng.sample(range(1, 13), count))   # gaps where months are left out
    weights = [3, 3, 3, rng.choice([1, 2, 4])]
    return {m: rng.choices((GOOD, ORDINARY, BAD, SUSPENDED), weights)[0] for m in months}


CASES = [
    {1: SUSPENDED},
    {1: BAD, 2: SUSPENDED, 3: BAD},
    {1: BAD, 3: SUSPENDED, 4: BAD},                      # 2 missing: 1 and 3 are not adjacent
    {11: SUSPENDED, 12: SUSPENDED},
    {m: SUSPENDED for m in range(1, 13)},                 # 3^12 resolutions
    {1: BAD, 2: GOOD, 3: BAD, 5: SUSPENDED, 6: SUSPENDED, 7: BAD},
]


@pytest.mark.parametrize("ratings", CASES)
def test_hand_picked_years_match_brute_force(ratings):
    got = month_scenarios(as_input(2025, ratings), RATINGS)
    assert set(got) == brute_force(2025, ratings)


def test_random_years_match_brute_force():
    rng = random.Random(20250101)
    checked = 0
    for _ in range(400):
        ratings = random_year(rng)
        if sum(1 for g in ratings.values() if g == SUSPENDED) > 8:
            continue  # keep the brute force quick
        year = rng.choice([2024, 2025])
        got = month_scenarios(as_input(year, ratings), RATINGS)
        assert set(got) == brute_force(year, ratings), ratings
        checked += 1
    assert checked > 300


def test_each_signature_keeps_a_resolution_that_produces_it():
    rng = random.Random(7)
    for _ in range(200):
        ratings = random_year(rng)
        if sum(1 for g in ratings.values() if g == SUSPENDED) > 8:
            continue
        for signature, resolution in month_scenarios(as_input(2025, ratings), RATINGS).items():
            suspended = {f"2025-{m:02d}" for m, g in ratings.items() if g == SUSPENDED}
            assert set(resolution) == suspended                      # exactly the 暂停 months are resolved
            assert set(resolution.values()) <= {GOOD, ORDINARY, BAD}
            resolved = [(m, resolution.get(f"2025-{m:02d}", ratings[m])) for m in sorted(ratings)]
            assert _signature(resolved) == signature


@pytest.mark.parametrize("ratings", [
    {1: GOOD},
    {1: BAD, 2: BAD, 4: BAD, 5: ORDINARY},
    {m: GOOD for m in range(1, 13)},
    {3: BAD, 4: BAD, 5: BAD, 9: GOOD},
])
def test_year_without_suspension_has_one_scenario(ratings):
    got = month_scenarios(as_input(2025, ratings), RATINGS)
    assert len(got) == 1
    (signature, resolution), = got.items()
    assert resolution == {}
    assert signature == _signature(sorted(ratings.items()))


def test_random_years_without_suspension_have_one_scenario():
    rng = random.Random(99)
    for _ in range(200):
        ratings = {m: g for m, g in random_year(rng).items() if g != SUSPENDED}
        if not ratings:
            continue
        got = month_scenarios(as_input(2025, ratings), RATINGS)
        assert list(got) == [_signature(sorted(ratings.items()))]


def test_known_counts():
    # one 暂停 between two 差: resolving to 差 makes a run of 3, otherwise runs of 1
    got = set(month_scenarios(as_input(2025, {1: BAD, 2: SUSPENDED, 3: BAD}), RATINGS))
    assert got == {(1, 0, 2, 1), (0, 1, 2, 1), (0, 0, 3, 3)}
    # December and the next January are adjacent, but a year only has its own months: no run across a gap
    got = set(month_scenarios(as_input(2025, {10: BAD, 12: BAD}), RATINGS))
    assert got == {(0, 0, 2, 1)}


def test_the_shipped_policy_reads_the_ratings_as_the_tests_assume(policy):
    assert Sequence.of(policy, policy.kinds["annual_assessment"]) == RATINGS


def test_what_a_pending_month_may_become_is_policy_data(tmp_policy):
    """vocabulary.yaml says what 暂停 may become: with only 一般, no grade is left 待定 (no engine change)."""
    import json

    from conftest import cli, edit
    roster = "fixtures/roster_2025.yaml"

    def grades(*policy):
        code, out, err = cli("evaluate", roster, "--format", "json", "--explain", "none", "--jobs", "1", *policy)
        assert code == 0, err
        return {d["subject"]: d["value"] for c in json.loads(out)["cases"] for d in c["determinations"]
                if d["decision"] == "annual_grade"}
    before = grades()
    assert "待定" in before.values()
    edit(tmp_policy, "vocabulary.yaml", "resolves_to: [好, 一般, 差]", "resolves_to: [一般]")
    after = grades("--policy", tmp_policy)
    assert "待定" not in after.values()
    assert {s for s in before if before[s] != after[s]} == {s for s, g in before.items() if g == "待定"}
