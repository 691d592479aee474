"""`run.py generate` bounded: a count beyond MAX_GENERATED_PEOPLE, a year outside 1900–2999, a
seed longer than 18 digits or anything that is no whole number is refused at once in Chinese with exit 2 and no
file; every year in range gives a roster the case reader accepts whole. Run in this process (engine.cli.main)."""
from __future__ import annotations

import re
import time

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from engine.casefiles.cases import load_cases
from engine.common.limits import GENERATED_YEARS, MAX_GENERATED_PEOPLE, MAX_SEED
from engine.tools import generate

from conftest import cli

CHINESE = re.compile(r"[\u4e00-\u9fff]")


def refused(tmp_path, *args) -> str:
    out = tmp_path / "roster.json"
    code, stdout, err = cli("generate", *args, "--out", out)
    assert code == 2 and not out.exists(), (code, err)
    assert "Traceback" not in err and CHINESE.search(err), err
    return err


def test_a_billion_people_is_refused_at_once_naming_the_limit(tmp_path):
    started = time.monotonic()
    err = refused(tmp_path, "--people", 10 ** 9)
    assert time.monotonic() - started < 5                       # was a MemoryError after 47 s
    assert f"{MAX_GENERATED_PEOPLE:,}" in err and "1,000,000,000" in err and "--people" in err


def test_year_99999_is_refused_naming_the_years(tmp_path):
    err = refused(tmp_path, "--people", 5, "--year", 99999)     # was a ValueError from datetime
    assert "--year" in err and f"{GENERATED_YEARS[0]} 至 {GENERATED_YEARS[1]}" in err and "99999" in err


@pytest.mark.parametrize("option, value", [
    ("--people", 0), ("--people", -3), ("--people", MAX_GENERATED_PEOPLE + 1), ("--people", "abc"), ("--people", "1e5"),
    ("--people", "9" * 5000), ("--year", GENERATED_YEARS[0] - 1), ("--year", GENERATED_YEARS[1] + 1), ("--year", "二〇二五"),
    ("--seed", MAX_SEED + 1), ("--seed", -MAX_SEED - 1), ("--seed", "1.5")])
def test_every_count_out_of_bounds_is_refused(tmp_path, option, value):
    args = {"--people": 5, **{option: value}}
    err = refused(tmp_path, *[x for k, v in args.items() for x in (k, v)])
    assert option in err


def test_a_long_number_is_not_echoed_as_an_id_number(tmp_path):
    err = refused(tmp_path, "--people", "321302198001011234")
    assert "321302198001011234" not in err


@pytest.mark.parametrize("year", [GENERATED_YEARS[0], 1904, 1950, 2996, GENERATED_YEARS[1]])
def test_every_year_in_range_gives_a_roster_the_reader_accepts(tmp_path, policy, year):
    out = tmp_path / "roster.json"
    code, _, err = cli("generate", "--people", 140, "--seed", 7, "--year", year, "--out", out)
    assert code == 0, err
    cases = load_cases(out, policy)
    assert not cases.errors, [str(e) for e in cases.errors][:3]
    assert sum(len(c.records["people"]) for c in cases.cases) == 140


def test_the_library_refuses_the_same(policy):
    with pytest.raises(generate.GenerateError, match="--people"):
        generate.generate(policy, MAX_GENERATED_PEOPLE + 1, 1)
    with pytest.raises(generate.GenerateError, match="--year"):
        generate.generate(policy, 5, 1, year=99999)
    assert generate.bounds_problems(MAX_GENERATED_PEOPLE, MAX_SEED, GENERATED_YEARS[1]) == []


# --- fuzzing the arguments ------------------------------------------------------------------------------------

# Valid counts are kept small (the time is the generation's); out-of-range ones reach far beyond every bound.
COUNTS = st.one_of(st.integers(-5, 60), st.integers(MAX_GENERATED_PEOPLE + 1, 10 ** 40), st.integers(-10 ** 40, -1),
                   st.sampled_from(["", " 12 ", "+7", "٣", "1_000", "0x10", "1e3", "-", "--", "12abc", "9" * 100]),
                   st.text(max_size=12))
YEARS = st.one_of(st.integers(GENERATED_YEARS[0] - 3, GENERATED_YEARS[0] + 3),
                  st.integers(GENERATED_YEARS[1] - 3, GENERATED_YEARS[1] + 3), st.integers(-10 ** 6, 10 ** 6),
                  st.sampled_from(["2025.0", "２０２５", "", "year"]))
SEEDS = st.one_of(st.integers(-10 ** 20, 10 ** 20), st.sampled_from([MAX_SEED, -MAX_SEED, MAX_SEED + 1, "s", "0.5"]))


@pytest.mark.slow   # fuzzes generate's arguments
@settings(max_examples=60)
@given(people=COUNTS, year=st.one_of(st.none(), YEARS), seed=st.one_of(st.none(), SEEDS))
def test_any_generate_arguments_exit_0_or_2_without_a_traceback(tmp_path_factory, people, year, seed):
    out = tmp_path_factory.mktemp("g") / "roster.json"
    options = {"--people": people, "--year": year, "--seed": seed}
    # `--x=value`: a value starting with "-" stays a value
    code, _, err = cli("generate", "--out", out, *(f"{k}={v}" for k, v in options.items() if v is not None))
    assert code in (0, 2), (code, err)
    assert "Traceback" not in err
    assert out.exists() == (code == 0), err
    if code == 2:
        assert err.strip()
