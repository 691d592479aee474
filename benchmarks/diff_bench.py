"""Time a regression run: two policy versions over a generated roster, every case decided by both.

    python benchmarks/diff_bench.py [--people 10000] [--seed 26] [--jobs N] [--new DIR]

Generates the roster (`run.py generate`'s engine/tools/generate.py) into one file, then times what `run.py diff`
does after loading the two policies: the one pass (diff.compare_file: each case checked, decided by both
versions, compared and explained where it changed, and tallied for the summary, in `--jobs` workers a batch at a
time), then the summary. Reports people per second for the whole diff, and beside it a plain-Python reading of
four allowance decisions (benchmark only). NEW defaults to the hypothetical amendment
(policies/examples/amendment_demo: most people change, so reasons cost their most); BASE is
policies/suchen_2024. Wall times on a shared machine are noisy: measure twice. Performance is measured
here, never asserted in a test.
"""
from __future__ import annotations

import argparse
import datetime as dt
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from engine.tools import diff, generate  # noqa: E402

from engine.pipeline import parallel  # noqa: E402
from engine.pipeline.evaluate import evaluate_file  # noqa: E402
from engine.tools.validate import load_or_raise  # noqa: E402


def timed(fn):
    start = time.perf_counter()
    value = fn()
    return value, time.perf_counter() - start


# --- a plain-Python reading of the allowance decisions, for the ratio only (never used by the product) ---

def _day(value) -> dt.date:
    return value if isinstance(value, dt.date) else dt.date.fromisoformat(str(value))


def _full_years(start: dt.date, on: dt.date) -> int:
    """满N年 as policy 1.1.0 reads it: 29 February → 28 February in a common year."""
    years = on.year - start.year
    try:
        anniversary = start.replace(year=on.year)
    except ValueError:
        anniversary = dt.date(on.year, 2, 28)
    return max(0, years if anniversary <= on else years - 1)


def plain_allowances(person: dict, as_of: dt.date, params) -> tuple | None:
    """(skill, seniority, education, total) as the rules decide them, hand-written."""
    if person.get("hired_on") is None:
        return None
    table, equivalent = params("skill_allowance"), params("social_work_equivalent")
    order = list(table)
    held = [c for c in person.get("certificates") or () if _day(c["obtained_on"]) <= as_of]
    ranks = [order.index(lv) for c in held for lv in [c["level"] if c["level"] in order else equivalent.get(c["level"])]
             if lv in order]
    skill = table[order[max(ranks)]] if ranks else 0
    clerk = sorted(_day(c["obtained_on"]) for c in held if c["type"] == params("clerk_certificate_type"))
    probation = person.get("probation") is True
    seniority = 0
    if clerk and not probation:
        years = _full_years(max(clerk[0], _day(person.get("service_start") or person["hired_on"])), as_of)
        reached = [t for t in params("seniority_tiers").values() if years >= t["years"]]
        seniority = max((t["amount"] for t in reached), default=0)
    education = 0 if probation else params("education_allowance").get(person.get("education"), 0)
    return skill, seniority, education, skill + seniority + education


def plain_reading(path: Path, policy) -> tuple[float, int, int]:
    """Seconds for the plain reading of every person, and how many agree with the engine (of how many)."""
    names = ("skill_allowance", "seniority_allowance", "education_allowance", "monthly_allowance_total")
    _, results = evaluate_file(str(path), policy)
    start = time.perf_counter()
    answers = {(r.case.id, str(p["id"])): plain_allowances(p, r.case.as_of, r.params) for r in results for p in r.case.records.get("people", [])}
    seconds = time.perf_counter() - start
    engine = {}
    for r in results:
        for d in r.determinations:
            if d.decision in names:
                engine.setdefault((r.case.id, d.subject), {})[d.decision] = d.value
    decided = {k: tuple(v.get(n) for n in names) for k, v in engine.items()}
    agree = sum(1 for k, v in decided.items() if answers.get(k) == v)
    return seconds, agree, len(decided)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--people", type=int, default=10_000)
    ap.add_argument("--seed", type=int, default=26)
    ap.add_argument("--jobs", type=int, default=None, help="worker processes (default: all cores; 1: in process)")
    ap.add_argument("--base", default=str(ROOT / "policies" / "suchen_2024"))
    ap.add_argument("--new", default=str(ROOT / "policies" / "examples" / "amendment_demo"))
    ap.add_argument("--format", choices=["json", "yaml"], default="json",
                    help="the roster's format (JSON is checked case by case in the workers; YAML here)")
    args = ap.parse_args()
    jobs = args.jobs or parallel.default_jobs()
    old_policy, new_policy = load_or_raise(args.base), load_or_raise(args.new)
    with tempfile.TemporaryDirectory() as tmp:
        tree, t_gen = timed(lambda: generate.generate(old_policy, args.people, args.seed))
        path = Path(tmp) / f"roster.{args.format}"
        generate.write(tree, path, "bench")
        cases = len(tree["cases"])
        tree = None
        compared, t_pass = timed(lambda: diff.compare_file(str(path), diff.Side(args.base, None, old_policy),
                                                          diff.Side(args.new, None, new_policy), None, jobs))
        summary, t_summary = timed(lambda: diff.summary(compared))
        seconds, agree, of = plain_reading(path, old_policy)
    n = args.people
    total = t_pass + t_summary
    found = compared.found
    reasons = sum(len(c.reasons) for c in found)
    books = summary["account"]
    print(f"{n} people, {cases} cases in one {args.format} file, --jobs {jobs}; generate {t_gen:.1f} s (not counted)")
    print(f"account balanced: {books['base']['balanced'] and books['new']['balanced']}")
    print(f"one pass (check, decide by both, compare, {len(found)} changed records with {reasons} reasons, tallies) "
          f"{t_pass:.1f} s; summary {t_summary:.2f} s")
    print(f"diff total {total:.1f} s = {n / total:.0f} people/s (policies loaded before: not counted)")
    plain_rate = n / seconds
    print(f"plain-Python reading of the 4 allowance decisions (of 14; benchmark only): {seconds:.2f} s = "
          f"{plain_rate:.0f} people/s, agreeing with the engine on {agree} of {of} people; "
          f"the diff (both versions, all 14 decisions, reasons) takes {total / (2 * seconds):.0f}× the plain reading "
          f"done twice")


if __name__ == "__main__":
    main()
