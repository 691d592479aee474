#!/usr/bin/env python3
"""Throughput of the engine on a generated roster: people per second, deciding and explaining.

    python benchmarks/bench.py [--people 2000] [--per-case 20] [--jobs N] [--explain none|brief|full]

Performance is measured here, never asserted in a test. Each case holds
`--per-case` people at one town center; ratings, certificates and dates vary
with a fixed seed so the run is repeatable. `--jobs` is `run.py evaluate`'s:
worker processes (default: all cores; 1: in process) for deciding; then each
case's JSON with its explanations is made in this process (as `--format json
--explain SIZE`; default brief, as `evaluate`).
Wall times; on a shared machine they are noisy: measure twice.
"""
from __future__ import annotations

import argparse
import datetime as dt
import json
import random
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from diff_bench import plain_reading  # noqa: E402  (beside this file)
from engine.pipeline import parallel  # noqa: E402
from engine.outputs import answer
from engine.casefiles.cases import load_cases  # noqa: E402
from engine.pipeline.evaluate import Evaluator  # noqa: E402
from engine.tools.validate import load_or_raise

LEVELS = ["五级/初级工", "四级/中级工", "三级/高级工", "二级/技师", "一级/高级技师"]
RATINGS = ["好", "一般", "一般", "一般", "差", "暂停"]


def person(rng: random.Random, n: int) -> dict:
    hired = dt.date(2015, 1, 1) + dt.timedelta(days=rng.randrange(0, 3900))
    p = {"id": f"P{n:05d}", "birth_date": str(dt.date(1985, 1, 1) + dt.timedelta(days=rng.randrange(0, 5000))),
         "education": rng.choice(["中专", "大专", "本科", "硕士"]), "hired_on": str(hired),
         "probation": rng.random() < 0.05, "center": "C1",
         "attestations": {k: True for k in ["political", "law_abiding", "service_minded", "follows_rules",
                                             "fulfils_duties", "communication_and_computer", "healthy", "obeys_assignment"]},
         "ratings": {f"2025-{m:02d}": rng.choice(RATINGS) for m in range(1, 13)}}
    if rng.random() < 0.8:
        p["certificates"] = [{"type": "政务服务办事员", "level": rng.choice(LEVELS),
                              "obtained_on": str(hired + dt.timedelta(days=rng.randrange(0, 500)))}]
    return p


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--people", type=int, default=2000)
    ap.add_argument("--per-case", type=int, default=20)
    ap.add_argument("--jobs", type=int, default=None, help="worker processes (default: all cores; 1: in process)")
    ap.add_argument("--explain", choices=answer.EXPLAIN_SIZES, default="brief", help="none: decide only")
    args = ap.parse_args()
    jobs = args.jobs or parallel.default_jobs()
    rng = random.Random(26)
    policy = load_or_raise(Path(__file__).resolve().parent.parent / "policies" / "suchen_2024")
    cases = []
    for c in range(0, args.people, args.per_case):
        people = [person(rng, c + i) for i in range(min(args.per_case, args.people - c))]
        cases.append({"id": f"B{c}", "as_of": "2025-12-31", "people": people,
                      "centers": [{"id": "C1", "level": "镇", "windows": 4, "staff": {"direct": 2, "hrss": 1, "civil_affairs": 1}}]})
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "bench.json"
        path.write_text(json.dumps({"cases": cases}, ensure_ascii=False), encoding="utf-8")
        t0 = time.perf_counter()
        case_file = load_cases(path, policy)
        t1 = time.perf_counter()
        seconds, agree, of = plain_reading(path, policy)
    evaluator = Evaluator(policy)
    evaluator.prepare(case_file.cases)   # warm-up: compile the rulesets once, outside the timing
    t2 = time.perf_counter()
    results = parallel.evaluate_cases(evaluator, case_file.cases, jobs)
    t3 = time.perf_counter()
    if args.explain != "none":   # in this process: `evaluate --format json` explains in its workers as it decides
        for r in results:
            answer.rendered_case(r, policy, args.explain)
    t4 = time.perf_counter()
    firings = sum(len(r.firings) for r in results)
    determinations = sum(len(r.determinations) for r in results)
    errors = sum(len(r.errors) for r in results) + len(case_file.errors)
    n = args.people
    line = (f"{n} people in {len(results)} cases, --jobs {jobs}: load {t1 - t0:.2f} s; "
            f"decide {t3 - t2:.2f} s ({n / (t3 - t2):.0f} people/s)")
    if args.explain != "none":
        line += (f"; {args.explain} explanations in one process {t4 - t3:.2f} s ({n / (t4 - t3):.0f} people/s); "
                 f"decide + explanations {t4 - t2:.2f} s ({n / (t4 - t2):.0f} people/s)")
    print(line + f"; {firings} firings, {determinations} determinations, {errors} errors")
    print(f"plain-Python reading of the 4 allowance decisions (of 14; benchmarks/diff_bench.py, never the product): "
          f"{seconds:.2f} s = {n / seconds:.0f} people/s in one process, agreeing with the engine on {agree} of {of}; "
          f"deciding through the engine (all 14 decisions, firings kept for explanations) is "
          f"{(n / seconds) / (n / (t3 - t2)):.0f}× slower with --jobs {jobs}")


if __name__ == "__main__":
    main()
