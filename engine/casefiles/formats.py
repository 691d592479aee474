"""Which reader a case file goes to: one dispatch, by the file's extension, for every command.

.xlsx and .csv are rosters (engine/casefiles/spreadsheet.py, laid out by the policy's roster.yaml);
.json is read as JSON (engine/common/jsonio.py); anything else as YAML (engine/common/yamlio.py).
"""
from __future__ import annotations

from pathlib import Path
from typing import Any

from ..common import jsonio, yamlio

__all__ = ["SPREADSHEETS", "is_spreadsheet", "parse"]

SPREADSHEETS = (".xlsx", ".csv")


def is_spreadsheet(path: str | Path) -> bool:
    return Path(path).suffix.lower() in SPREADSHEETS


def parse(source: yamlio.CaseText, fast: bool = False) -> Any:
    """The tree of a YAML or JSON case text. `fast`: without positions when the text reads cleanly."""
    if source.json:
        tree = jsonio.fast(source.text) if fast else None
        return tree if tree is not None else jsonio.positioned(source.text, source.name)
    return yamlio.parse_case_yaml(source, fast)
