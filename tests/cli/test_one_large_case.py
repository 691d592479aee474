"""One case of 50,000 people is decided whole, within 1 GiB of memory (the process's address space is capped)."""
from __future__ import annotations

import json
import resource
import subprocess
import sys

import pytest

from conftest import ROOT
from engine.tools.generate import generate

PEOPLE = 50_000
LIMIT = 2 ** 30   # bytes of address space: the engine, its rulesets and every person's facts and firings


def _capped() -> None:
    resource.setrlimit(resource.RLIMIT_AS, (LIMIT, LIMIT))


@pytest.mark.slow
def test_a_case_of_fifty_thousand_people_is_decided_within_one_gibibyte(policy, tmp_path):
    cases = generate(policy, PEOPLE, seed=7)["cases"]
    one = {k: v for k, v in cases[0].items() if not isinstance(v, list)}
    for case in cases:   # every generated case's people, centers and items in one case (their ids are unique)
        for key, value in case.items():
            if isinstance(value, list):
                one.setdefault(key, []).extend(value)
    path = tmp_path / "one.json"
    path.write_text(json.dumps({"cases": [one]}, ensure_ascii=False, default=str), encoding="utf-8")
    done = subprocess.run([sys.executable, str(ROOT / "run.py"), "evaluate", str(path), "--format", "json",
                           "--explain", "none", "--jobs", "1"], capture_output=True, cwd=ROOT, preexec_fn=_capped)
    assert done.returncode == 0, done.stderr.decode(errors="replace")[-2000:]
    answer = json.loads(done.stdout)
    [case] = answer["cases"]
    assert case["errors"] == [] and answer["account"]["balanced"]
    assert answer["account"]["people"] == {"read": PEOPLE, "decided": PEOPLE, "errored": 0}
    assert len({d["subject"] for d in case["determinations"]}) >= PEOPLE
