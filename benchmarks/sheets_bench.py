#!/usr/bin/env python3
"""Reading speed of a spreadsheet roster: a generated 10,000-person .xlsx, read with openpyxl (read_only).

    python benchmarks/sheets_bench.py [--people 10000] [--repeat 3]

Measured, never asserted. Reports, best of --repeat runs:
  · openpyxl alone: iterating every cell's value (read_only=True, data_only=True) — the reader's floor;
  · python-calamine alone, the same iteration (only if it is installed; it is not a dependency);
  · spreadsheet.read: the whole reader (header mapping, parsing, locations) → the located tree;
  · load_cases: reader plus the contract's checks (schema, vocabulary) — what `evaluate` pays before deciding;
and the same people as JSON through load_cases, for comparison.
"""
from __future__ import annotations

import argparse
import json
import random
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "benchmarks"))

from bench import person  # noqa: E402  (the throughput benchmark's generated people)
from engine.casefiles import sheetwrite, spreadsheet  # noqa: E402
from engine.casefiles.cases import load_cases  # noqa: E402
from engine.tools.validate import load_or_raise


def roster(people: int) -> dict:
    rng = random.Random(26)
    centers = [{"id": f"C{i}", "level": "镇", "windows": 40, "staff": {"direct": 2, "hrss": 1, "civil_affairs": 1}}
               for i in range(1, 21)]
    crowd = []
    for n in range(people):
        p = person(rng, n)
        p.update(name=f"测试{n}", id_number=f"321302{1985 + n % 15}0101{n % 10000:04d}"[:17] + "X",
                 center=f"C{1 + n % 20}")
        crowd.append(p)
    return {"id": "BENCH", "as_of": "2025-12-31", "assessment_year": 2025, "people": crowd, "centers": centers}


def best(fn, repeat: int) -> tuple[float, object]:
    times, out = [], None
    for _ in range(repeat):
        t0 = time.perf_counter()
        out = fn()
        times.append(time.perf_counter() - t0)
    return min(times), out


def openpyxl_cells(path: Path) -> int:
    from openpyxl import load_workbook
    wb = load_workbook(path, read_only=True, data_only=True)
    n = 0
    for ws in wb.worksheets:
        ws.reset_dimensions()
        for row in ws.iter_rows(values_only=True):
            n += len(row)
    wb.close()
    return n


def calamine_cells(path: Path) -> int:
    from python_calamine import CalamineWorkbook
    wb = CalamineWorkbook.from_path(str(path))
    return sum(len(row) for name in wb.sheet_names for row in wb.get_sheet_by_name(name).to_python())


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--people", type=int, default=10000)
    ap.add_argument("--repeat", type=int, default=3)
    args = ap.parse_args()
    policy = load_or_raise(ROOT / "policies" / "suchen_2024")
    layout = spreadsheet.load_layout(policy)
    tree = roster(args.people)
    with tempfile.TemporaryDirectory() as tmp:
        xlsx, js = Path(tmp) / "roster.xlsx", Path(tmp) / "roster.json"
        t0 = time.perf_counter()
        sheetwrite.write_xlsx(sheetwrite.sheets_for(tree, layout, "xlsx"), xlsx, layout, policy)
        written = time.perf_counter() - t0
        js.write_text(json.dumps(tree, ensure_ascii=False), encoding="utf-8")
        print(f"{args.people} people, {xlsx.stat().st_size / 1e6:.1f} MB xlsx written in {written:.2f} s")
        seconds, cells = best(lambda: openpyxl_cells(xlsx), args.repeat)
        print(f"openpyxl read_only, values only : {seconds:6.2f} s  ({cells} cells, {cells / seconds / 1e3:.0f}k cells/s)")
        try:
            seconds, cells = best(lambda: calamine_cells(xlsx), args.repeat)
            print(f"python-calamine, values only    : {seconds:6.2f} s  ({cells} cells, {cells / seconds / 1e3:.0f}k cells/s)")
        except ImportError:
            print("python-calamine                 : not installed (pip install python-calamine to compare)")
        seconds, located = best(lambda: spreadsheet.read(xlsx, policy), args.repeat)
        print(f"spreadsheet.read (whole reader) : {seconds:6.2f} s  ({args.people / seconds:.0f} people/s, "
              f"{len(located.locations)} located paths)")
        seconds, case_file = best(lambda: load_cases(xlsx, policy), args.repeat)
        assert not case_file.errors, case_file.errors[:3]
        print(f"load_cases(.xlsx), checked      : {seconds:6.2f} s  ({args.people / seconds:.0f} people/s)")
        seconds, _ = best(lambda: load_cases(js, policy), args.repeat)
        print(f"load_cases(.json), checked      : {seconds:6.2f} s  ({args.people / seconds:.0f} people/s)")


if __name__ == "__main__":
    main()
