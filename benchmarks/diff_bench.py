#!/usr/bin/env python3
"""Time a regression run: two policy versions over a generated roster, every case decided by both.

    python benchmarks/diff_bench.py [--people 10000] [--seed 26] [--jobs N] [--new DIR]

Generates the roster (`run.py generate`'s engine/tools/generate.py), then times: reading the roster under
each version, deciding it under each (`--jobs` workers, as `run.py diff`), and finding the changes with
their reasons (explanations built only for changed records) and the summary. Reports people per second
for one version's evaluation and for the whole diff. NEW defaults to the hypothetical amendment
(policies/examples/amendment_demo: about half the people change, so reasons cost their most); BASE is
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

from engine.pipeline import parallel
from engine.casefiles.cases import CaseFile  # noqa: E402
from engine.pipeline.evaluate import Evaluator  # noqa: E402
from engine.tools.validate import load_or_raise


def timed(fn):
    start = time.perf_counter()
    value = fn()
    return value, time.perf_counter() - start


SHARD = 32   # cases per file: 4,000 people, under the 5 MB a case file may hold


def merged(pairs: list[tuple[CaseFile, CaseFile]]) -> tuple[CaseFile, CaseFile]:
    """The shards' case files as one per version (as if one file had held them all)."""
    out = []
    for files in zip(*pairs):
        whole = files[0]
        for part in files[1:]:
            whole.cases.extend(part.cases)
            whole.errors.extend(part.errors)
            whole.failed_cases.update(part.failed_cases)
            for kind, n in part.read.items():
                whole.read[kind] += n
        out.append(whole)
    return out[0], out[1]


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


def plain_reading(side) -> tuple[float, int, int]:
    """Seconds for the plain reading of every person, and how many agree with the engine (of how many)."""
    names = ("skill_allowance", "seniority_allowance", "education_allowance", "monthly_allowance_total")
    start = time.perf_counter()
    answers = {(r.case.id, str(p["id"])): plain_allowances(p, r.case.as_of, r.params) for r in side.results for p in r.case.records.get("people", [])}
    seconds = time.perf_counter() - start
    engine = {}
    for r in side.results:
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
    ap.add_argument("--format", choices=["json", "yaml"], default="json", help="the roster's format (JSON reads faster)")
    args = ap.parse_args()
    jobs = args.jobs or parallel.default_jobs()
    old_policy, new_policy = load_or_raise(args.base), load_or_raise(args.new)
    with tempfile.TemporaryDirectory() as tmp:
        tree, t_gen = timed(lambda: generate.generate(old_policy, args.people, args.seed))
        paths = []
        for n in range(0, len(tree["cases"]), SHARD):   # a case file holds at most 5 MB (engine/common/limits.py)
            paths.append(Path(tmp) / f"roster-{n}.{args.format}")
            generate.write({"cases": tree["cases"][n:n + SHARD]}, paths[-1], "bench")
        files, t_load = timed(lambda: merged([diff.case_files(str(p), old_policy, new_policy) for p in paths]))
        sides = []
        t_decide = 0.0
        for label, policy, case_file in ((args.base, old_policy, files[0]), (args.new, new_policy, files[1])):
            evaluator = Evaluator(policy)
            evaluator.prepare(case_file.cases)   # compile once, outside the timing (as a warm server would)
            results, t = timed(lambda: parallel.evaluate_cases(evaluator, case_file.cases, jobs))
            t_decide += t
            sides.append(diff.Side(label, None, policy, case_file, results))
    found, t_changes = timed(lambda: diff.changes(*sides, jobs=jobs))
    _, t_summary = timed(lambda: diff.summary(*sides, found))
    n = args.people
    total = t_load + t_decide + t_changes + t_summary
    reasons = sum(len(c.reasons) for c in found)
    print(f"{n} people, {len(sides[0].results)} cases in {len(paths)} files, --jobs {jobs}; generate {t_gen:.1f} s (not counted)")
    print(f"account balanced: {all(diff.account(s.case_file, s.results)['balanced'] for s in sides)}")
    print(f"read and check roster ({args.format}, as run.py diff) {t_load:.1f} s; decide (both) {t_decide:.1f} s "
          f"= {2 * n / t_decide:.0f} people/s per version-evaluation")
    print(f"changes with reasons {t_changes:.1f} s ({len(found)} changed records, {reasons} reasons, "
          f"{len(found) / max(t_changes, 1e-9):.0f} records/s); summary {t_summary:.1f} s")
    print(f"diff total {total:.1f} s = {n / total:.0f} people/s")
    seconds, agree, of = plain_reading(sides[0])
    engine_rate, plain_rate = 2 * n / t_decide, n / seconds
    print(f"plain-Python reading of the 4 allowance decisions (of 14; benchmark only): {seconds:.2f} s = "
          f"{plain_rate:.0f} people/s, agreeing with the engine on {agree} of {of} people; "
          f"the engine (all 14 decisions, firings kept for explanations) is {plain_rate / engine_rate:.0f}× slower")


if __name__ == "__main__":
    main()
