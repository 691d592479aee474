#!/usr/bin/env python3
"""Time `run.py evaluate --format json` as an officer runs it: one core against two, and 100,000 people in one run.

    python benchmarks/stream_bench.py [--people 10000] [--repeat 3] [--big 100000] [--explain brief] [--out DIR]

Generates what is missing into DIR (default /work/bench): a roster of PEOPLE (`generate --seed 7`), and for
--big, a folder of files of 50,000 people each (seeds 7, 8, …: a case file holds at most 40 MB). Then runs
`run.py evaluate FILE --format json --explain EXPLAIN --jobs 1` and `--jobs 2` REPEAT times each, alternately,
and the folder once with `--jobs 2`; the answer goes to a scratch file (its size is reported). For each run:
wall time, the peak of the largest process (as `/usr/bin/time -f %M` reports it: the parent or one worker)
and the peak of all of them together (the sum of their proportional set sizes, sampled every 0.1 s: pages the
workers share with the parent count once). Reports the best of the repeats (the least disturbed by other work
on a shared machine) and the speed-up of two jobs. Performance is measured here, never asserted in a test.
"""
from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SHARD = 50_000   # people per file of the big run


def _tree(pid: int) -> list[int]:
    """The process and its descendants (the workers)."""
    out, todo = [], [pid]
    while todo:
        p = todo.pop()
        out.append(p)
        for task in Path(f"/proc/{p}/task").glob("*"):
            try:
                todo.extend(int(c) for c in (task / "children").read_text().split())
            except OSError:
                pass
    return out


def _pss_kb(pid: int) -> int:
    try:
        for line in Path(f"/proc/{pid}/smaps_rollup").read_text().splitlines():
            if line.startswith("Pss:"):
                return int(line.split()[1])
    except OSError:
        pass
    return 0


def run(args: list[str], out: Path) -> dict:
    """One run of run.py: wall seconds, peak KB of the largest process, peak KB of all together, bytes written."""
    with out.open("wb") as sink:
        start = time.perf_counter()
        process = subprocess.Popen(["/usr/bin/time", "-f", "%M", sys.executable, "run.py", *args], cwd=ROOT,
                                   stdout=sink, stderr=subprocess.PIPE)
        peak = 0
        done = threading.Event()

        def sample() -> None:
            nonlocal peak
            while not done.is_set():
                peak = max(peak, sum(_pss_kb(p) for p in _tree(process.pid)[1:]))   # not /usr/bin/time itself
                done.wait(0.1)
        sampler = threading.Thread(target=sample, daemon=True)
        sampler.start()
        _, err = process.communicate()
        wall = time.perf_counter() - start
        done.set()
        sampler.join()
    text = err.decode("utf-8", "replace")
    if process.returncode not in (0, 1):
        sys.exit(f"run.py {' '.join(args)} exited {process.returncode}:\n{text}")
    return {"wall": wall, "largest": int(text.strip().splitlines()[-1]), "together": peak,
            "bytes": out.stat().st_size}


def generate(path: Path, people: int, seed: int) -> None:
    if not path.exists():
        print(f"generating {path} ({people:,} people, seed {seed})", file=sys.stderr)
        subprocess.run([sys.executable, "run.py", "generate", "--people", str(people), "--seed", str(seed),
                        "--out", str(path)], cwd=ROOT, check=True, capture_output=True)


def show(label: str, r: dict) -> None:
    print(f"{label:<34} {r['wall']:7.2f} s   largest process {r['largest'] / 1024:6.0f} MB   "
          f"all together {r['together'] / 1024:6.0f} MB   answer {r['bytes'] / 2**20:6.1f} MB", flush=True)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--people", type=int, default=10_000)
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--big", type=int, default=100_000, help="people in the one-run test (0: skip it)")
    ap.add_argument("--explain", default="brief", choices=["none", "brief", "full"])
    ap.add_argument("--out", type=Path, default=Path("/work/bench"))
    opts = ap.parse_args()
    opts.out.mkdir(parents=True, exist_ok=True)
    roster = opts.out / ("g10k.json" if opts.people == 10_000 else f"g{opts.people}.json")
    generate(roster, opts.people, 7)
    scratch = Path(tempfile.mkdtemp(prefix="stream-bench-"))
    answer = scratch / "answer.json"
    try:
        best: dict[int, dict] = {}
        for n in range(opts.repeat):
            for jobs in (1, 2):
                args = ["evaluate", str(roster), "--format", "json", "--explain", opts.explain, "--jobs", str(jobs)]
                r = run(args, answer)
                show(f"{opts.people:,} people, --jobs {jobs} (run {n + 1})", r)
                if jobs not in best or r["wall"] < best[jobs]["wall"]:
                    best[jobs] = r
        print(f"best: --jobs 1 {best[1]['wall']:.2f} s, --jobs 2 {best[2]['wall']:.2f} s: "
              f"{best[1]['wall'] / best[2]['wall']:.2f}× (load average now {os.getloadavg()[0]:.2f})")
        if opts.big:
            folder = opts.out / f"folder_{opts.big // 1000}k"
            folder.mkdir(exist_ok=True)
            for i in range(-(-opts.big // SHARD)):
                generate(folder / f"g{i + 1:02d}.json", min(SHARD, opts.big - i * SHARD), 7 + i)
            args = ["evaluate", str(folder), "--format", "json", "--explain", opts.explain, "--jobs", "2"]
            r = run(args, answer)
            show(f"{opts.big:,} people in {folder.name}/, --jobs 2", r)
    finally:
        answer.unlink(missing_ok=True)
        scratch.rmdir()


if __name__ == "__main__":
    main()
