#!/usr/bin/env python3
"""The speed and memory targets, measured as an officer runs the commands, each beside a plain-Python reading.

    python benchmarks/targets.py [--people 10000] [--big 50000] [--skip-big] [--repeat 3] [--out DIR]

Every figure is one `run.py` command in a fresh process, timed on the wall clock, its peak resident memory
read from the kernel (the largest of the process and the workers it waited for). The rosters are
`run.py generate`'s (seed 7; a second seed for the second half of the large run) and
benchmarks/one_case.py's single case. Beside each, the same people read by a plain program: the file parsed and
diff_bench.py's plain-Python reading of the four allowance decisions (written for the ratio only, never used by the product): the
ratio says how many times slower the engine is, deciding all fourteen decisions through durable_rules and
keeping every firing for the explanations. Performance is measured here, never asserted in a test. The
10,000-people commands run `--repeat` times (median, and the range): a machine's speed drifts by a sixth within
an hour, so one run at a bound may land on either side of it; `--jobs 1` and `--jobs 2` alternate, so each pair
is measured at the same speed.

Targets (idle 2-core machine): 10,000 people `--format json` brief ≤ 3 s (ratio ≤ 8), none ≤ 2 s, full ≤ 10 s;
`--jobs 2` ≥ 1.8 × `--jobs 1`; 100,000 people in one run, brief, ≤ 30 s and ≤ 1 GB; one case of 50,000 people
decided within 1 GB; `diff` of 10,000 people with reasons ≤ 5 s.
"""
from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "benchmarks"))

from diff_bench import plain_allowances  # noqa: E402  (beside this file)
from engine.pipeline.evaluate import Evaluator  # noqa: E402
from engine.policy.params import ParamView, first_day  # noqa: E402
from engine.tools.validate import load_or_raise  # noqa: E402

RUN = [sys.executable, str(ROOT / "run.py")]


def measured(args: list[str]) -> tuple[float, float, int]:
    """(seconds, peak MB, exit code) of one command, its output thrown away."""
    start = time.perf_counter()
    with open(os.devnull, "wb") as sink:
        process = subprocess.Popen(args, stdout=sink, stderr=subprocess.DEVNULL, cwd=ROOT)
        _, status, usage = os.wait4(process.pid, 0)
    return time.perf_counter() - start, usage.ru_maxrss / 1024, os.waitstatus_to_exitcode(status)


def plain_seconds(paths: list[Path]) -> tuple[float, int]:
    """A plain program's time for the same job: read the files (JSON) and decide every person's allowances by the
    hand-written reading. Seconds, people read."""
    policy = load_or_raise(str(ROOT / "policies" / "suchen_2024"))
    evaluator = Evaluator(policy)
    views: dict = {}
    start = time.perf_counter()
    people = 0
    for path in paths:
        for case in json.loads(path.read_text(encoding="utf-8"))["cases"]:
            day = dt.date.fromisoformat(case["as_of"])
            period = evaluator.period(max(day, first_day(policy)))
            view = views.setdefault(period, ParamView(policy, period))
            for person in case.get("people", ()):
                plain_allowances(person, day, view)
                people += 1
    return time.perf_counter() - start, people


def generated(people: int, seed: int, folder: Path) -> Path:
    path = folder / f"g{people}-{seed}.json"
    if not path.exists():
        subprocess.run(RUN + ["generate", "--people", str(people), "--seed", str(seed), "--out", str(path)],
                       check=True, capture_output=True, cwd=ROOT)
    return path


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--people", type=int, default=10_000)
    ap.add_argument("--big", type=int, default=50_000, help="people per file of the large run, and in the one case")
    ap.add_argument("--skip-big", action="store_true", help="only the 10,000-people figures")
    ap.add_argument("--out", help="folder for the generated rosters (default: a temporary one)")
    ap.add_argument("--repeat", type=int, default=3,
                    help="runs of each 10,000-people command, their median reported with the range (the machine's "
                         "speed drifts; --jobs 1 and --jobs 2 alternate, so the gain is the median of pairs)")
    args = ap.parse_args()
    folder = Path(args.out or tempfile.mkdtemp(prefix="targets-"))
    folder.mkdir(parents=True, exist_ok=True)
    rows: list[tuple[str, str, float, str]] = []

    roster = generated(args.people, 7, folder)
    readings = [plain_seconds([roster]) for _ in range(args.repeat)]
    plain, read = statistics.median(t for t, _ in readings), readings[0][1]
    print(f"plain-Python reading of {read:,} people: {plain:.3f} s (median of {len(readings)})", flush=True)

    def report(label: str, runs: list[tuple[float, float, int]], plain_for: float | None) -> float:
        times = sorted(t for t, _, _ in runs)
        middle, peak = statistics.median(times), max(p for _, p, _ in runs)
        spread = f" ({times[0]:.2f}–{times[-1]:.2f} s, {len(times)} runs)" if len(times) > 1 else ""
        ratio = f"{middle / plain_for:.0f}×" if plain_for else ""
        codes = sorted({c for _, _, c in runs})
        shown = f"{middle:.1f} s" + (f" ({times[0]:.1f}–{times[-1]:.1f})" if len(times) > 1 else "")
        rows.append((label, shown, peak, ratio))
        print(f"{label}: {middle:.2f} s{spread}, {peak:,.0f} MB{', ' + ratio if ratio else ''} (exit {codes})",
              flush=True)
        return middle

    def row(label: str, command: list[str], plain_for: float | None = None, repeat: int = 1) -> float:
        return report(label, [measured(command) for _ in range(repeat)], plain_for)

    evaluate = RUN + ["evaluate", str(roster), "--format", "json"]
    for size in ("none", "brief", "full"):
        row(f"{args.people:,} people, --explain {size}, --jobs 2", evaluate + ["--explain", size, "--jobs", "2"], plain,
            args.repeat)
    pairs = [(measured(evaluate + ["--jobs", "1"]), measured(evaluate + ["--jobs", "2"])) for _ in range(args.repeat)]
    report(f"{args.people:,} people, brief, --jobs 1", [one for one, _ in pairs], plain)
    report(f"{args.people:,} people, brief, --jobs 2 (beside each --jobs 1)", [two for _, two in pairs], plain)
    gains = sorted(one[0] / two[0] for one, two in pairs)
    print(f"--jobs 2 gains {statistics.median(gains):.2f}× over --jobs 1 ({gains[0]:.2f}–{gains[-1]:.2f}× "
          f"over {len(gains)} pairs)", flush=True)
    row(f"diff of {args.people:,} people with reasons, --jobs 2",
        RUN + ["diff", "policies/suchen_2024", "policies/examples/amendment_demo", "--cases", str(roster),
               "--format", "json", "--jobs", "2"], 2 * plain, args.repeat)
    if not args.skip_big:
        halves = [generated(args.big, seed, folder) for seed in (7, 8)]
        big_plain, big_read = plain_seconds(halves)
        row(f"{big_read:,} people in {len(halves)} files, one run, brief, --jobs 2",
            RUN + ["evaluate", *map(str, halves), "--format", "json", "--jobs", "2"], big_plain)
        case = folder / f"one{args.big}.json"
        if not case.exists():
            subprocess.run([sys.executable, str(ROOT / "benchmarks" / "one_case.py"), "--people", str(args.big),
                            "--out", str(case)], check=True, capture_output=True, cwd=ROOT)
        one_plain, _ = plain_seconds([case])
        for size in ("none", "brief"):
            row(f"one case of {args.big:,} people, --explain {size}",
                RUN + ["evaluate", str(case), "--format", "json", "--explain", size, "--jobs", "1"], one_plain)
    print("\n| run | wall | peak memory | × plain Python |\n|---|---|---|---|")
    for label, shown, peak, ratio in rows:
        print(f"| {label} | {shown} | {peak:,.0f} MB | {ratio} |")


if __name__ == "__main__":
    main()
