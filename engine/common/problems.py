"""One shape for what is wrong with an input, wherever it was found: a location and a message.

The policy loader, validate, policy tests and the appeal's reading of appeals.yaml report `Problem`s;
case files report `CaseError`s (engine/casefiles/cases.py), which add the case and subject they cost.
"""
from __future__ import annotations

from dataclasses import dataclass

from .locations import Location

__all__ = ["Problem"]


@dataclass(frozen=True)
class Problem:
    """One thing wrong with a file, for people: `file:line:col: path: message`."""
    location: Location
    path: str
    message: str
    severity: str = "error"  # error | warning

    def __str__(self) -> str:
        where = f"{self.path}: " if self.path else ""
        return f"{self.location}: {where}{self.message}"

    def as_json(self) -> dict:
        return {"file": self.location.file, "line": self.location.line, "col": self.location.col,
                "path": self.path, "message": self.message, "severity": self.severity}
