"""The 500-person corpus decided under two versions of the policy, for the diff tests (tools/test_diff_memo,
outputs/test_diffreport): conftest's session fixtures make each comparison once per test process."""
from __future__ import annotations

from conftest import ROOT
from engine.tools import diff

CORPUS = ROOT / "fixtures" / "corpus_500.yaml"
DEMO = ROOT / "policies" / "examples" / "amendment_demo"
ONE_OH = "3bd7862b78465775a22ad41a9877aadf970ab5db"   # policy 1.0.0, the base docs/diff.md compares


def compared(base_policy, new_policy, label: str = "base", commit: str | None = None) -> diff.Comparison:
    """The corpus under both versions, as `run.py diff` compares it (in this process)."""
    return diff.compare_file(str(CORPUS), diff.Side(label, commit, base_policy), diff.Side("new", None, new_policy))
