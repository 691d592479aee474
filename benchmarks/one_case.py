#!/usr/bin/env python3
"""One case of many people: a generated roster's cases merged into one (the first case's date and year).

    python benchmarks/one_case.py --people 50000 --seed 7 --out /tmp/one_case_50k.json

For measuring a single large case (deciding it whole, its memory): `run.py generate` spreads people over
cases of about 125; here every person, center and item is put in one case, ids kept (they are unique per file).
"""
from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from engine.tools.generate import generate  # noqa: E402
from engine.tools.validate import load_or_raise  # noqa: E402


def one_case(people: int, seed: int) -> dict:
    policy = load_or_raise(str(Path(__file__).resolve().parent.parent / "policies" / "suchen_2024"))
    cases = generate(policy, people, seed)["cases"]
    merged = {k: v for k, v in cases[0].items() if not isinstance(v, list)}
    merged["id"] = f"ONE-{people}"
    for case in cases:
        for key, value in case.items():
            if isinstance(value, list):
                merged.setdefault(key, []).extend(value)
    return {"cases": [merged]}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--people", type=int, default=50_000)
    ap.add_argument("--seed", type=int, default=7)
    ap.add_argument("--out", required=True)
    args = ap.parse_args()
    tree = one_case(args.people, args.seed)
    Path(args.out).write_text(json.dumps(tree, ensure_ascii=False, default=str), encoding="utf-8")
    case = tree["cases"][0]
    ids = [r["id"] for v in case.values() if isinstance(v, list) for r in v]
    assert len(ids) == len(set(ids)), "ids repeat across the generated cases"
    print(f"{args.out}: one case, " + ", ".join(f"{len(v)} {k}" for k, v in case.items() if isinstance(v, list)))


if __name__ == "__main__":
    main()
