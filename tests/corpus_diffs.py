"""The 500-person corpus decided under two versions of the policy, for the diff tests (tools/test_diff_memo,
outputs/test_diffreport): conftest's session fixtures make each comparison once per test process."""
from __future__ import annotations

from conftest import ROOT
from engine.tools import diff

CORPUS = ROOT / "fixtures" / "corpus_500.yaml"
DEMO = ROOT / "policies" / "examples" / "amendment_demo"
ONE_OH = "3bd7862b78465775a22ad41a9877aadf970ab5db"   # policy 1.0.0, the base docs/diff.md compares


def compared(base_policy, new_policy, label: str = "base", commit: str | None = None):
    """(base, new, changes) of the corpus, as `run.py diff` decides them (one worker)."""
    old_cases, new_cases = diff.case_files(str(CORPUS), base_policy, new_policy)
    base = diff.decide(label, commit, base_policy, str(CORPUS), 1, case_file=old_cases)
    new = diff.decide("new", None, new_policy, str(CORPUS), 1, case_file=new_cases)
    return base, new, diff.changes(base, new)
