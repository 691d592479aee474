#!/usr/bin/env python3
"""Seconds per `run.py appeal` on people of the shipped roster (measured, never asserted).

    python benchmarks/appeal_bench.py [--repeat 3]

Each line: the appeal, its best time over the repeats, the candidates decided again and the answer.
"""
from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from engine.tools.appeal import appeal, cases_in  # noqa: E402
from engine.pipeline.evaluate import Evaluator  # noqa: E402
from engine.tools.validate import load_or_raise

ASKS = [("P02", "annual_grade", "优秀"), ("P05", "annual_grade", "称职"), ("P31", "annual_grade", "称职"),
        ("P09", "annual_grade", "称职"), ("P15", "annual_grade", "优秀"), ("P11", "annual_grade", "优秀"),
        ("P01", "skill_allowance", 400), ("P07", "seniority_allowance", 50), ("P10", "certificate_status", "已取证"),
        ("P10", "reassignment_recommended", False), ("P38", "eligibility", "合格"), ("P39", "eligibility", "合格"),
        ("P43", "eligibility", "合格"), ("P37", "eligibility", "合格"), ("P31", "eligibility", "合格")]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    policy = load_or_raise(ROOT / "policies" / "suchen_2024")
    evaluator = Evaluator(policy)
    roster = cases_in(str(ROOT / "fixtures" / "roster_2025.yaml"))
    times = []
    for subject, decision, want in ASKS:
        _, prefix, raw = next(c for c in roster if subject in [str(p["id"]) for p in c[2].get("people") or []])
        best, result = float("inf"), None
        for _ in range(args.repeat):
            started = time.perf_counter()
            result = appeal(policy, evaluator, raw, subject, decision, want, "roster_2025.yaml", prefix)
            best = min(best, time.perf_counter() - started)
        times.append(best)
        answer = (f"{len(result.alternatives)} alternative(s) at cost {result.alternatives[0].cost}" if result.alternatives
                  else "already so" if result.reached else "unreachable")
        print(f"{subject:>4} {decision:<26} → {str(want):<6} {best:6.3f} s  {result.search.candidates:4d} candidates  {answer}")
    print(f"mean {sum(times) / len(times):.3f} s, max {max(times):.3f} s over {len(times)} appeals")


if __name__ == "__main__":
    main()
