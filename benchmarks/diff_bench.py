#!/usr/bin/env python3
"""Time a regression run: two policy versions over a generated roster, every case decided by both.

    python benchmarks/diff_bench.py [--people 10000] [--seed 26] [--jobs N] [--new DIR]

Generates the roster (`run.py generate`'s engine/generate.py), then times: reading the roster under
each version, deciding it under each (`--jobs` workers, as `run.py diff`), and finding the changes with
their reasons (explanations built only for changed records) and the summary. Reports people per second
for one version's evaluation and for the whole diff. NEW defaults to the hypothetical amendment
(policies/examples/amendment_demo: about half the people change, so reasons cost their most); BASE is
policies/suchen_2024. Wall times on a shared machine are noisy: measure twice. Performance is measured
here, never asserted in a test.
"""
from __future__ import annotations

import argparse
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from engine import diff, generate, parallel  # noqa: E402
from engine.cases import CaseFile  # noqa: E402
from engine.evaluate import Evaluator  # noqa: E402
from engine.loader import load_or_raise  # noqa: E402


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
        for n in range(0, len(tree["cases"]), SHARD):   # a case file holds at most 5 MB (engine/limits.py)
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


if __name__ == "__main__":
    main()
