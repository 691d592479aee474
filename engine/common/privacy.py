"""Privacy: what personal data may leave the program, and how text from outside may be shown.

Names keep their first character (张*; a one-character name is *), ID numbers their first 6 and last 4
digits, and anything in a message that looks like an ID number (ten digits or more) is masked too —
unless the user asked `--unmask`. Every output (JSON, terminal, sheets, letters, the decision log)
goes through these few functions, so masking is decided in one place.
"""
from __future__ import annotations

import re
from typing import Any

from .outfiles import formula_like

__all__ = ["mask_name", "mask_id_number", "mask_text", "mask_error", "outward", "printable", "shown_id"]


def mask_name(name: str | None) -> str:
    if not name:
        return ""
    return _no_formula("*" if len(name) == 1 else name[0] + "*" * (len(name) - 1))   # 王 alone would be the whole name


def mask_id_number(value: str | None) -> str:
    if not value:
        return ""
    return _no_formula(value[:6] + "*" * max(0, len(value) - 10) + value[-4:] if len(value) > 10 else "*" * len(value))


def _no_formula(masked: str) -> str:
    """A masked value never begins as a formula does (a name "=cmd…" kept its "="): that character is masked too."""
    return "*" + masked[1:] if formula_like(masked) else masked


_ID_NUMBER = re.compile(r"\d{10,}[0-9A-Za-z]*")


_QUOTED = re.compile(r"“([^”]*)”")


def mask_text(text: str) -> str:
    """Mask anything that may be an ID number inside a message (a schema error quotes the bad value)."""
    return _ID_NUMBER.sub(lambda m: mask_id_number(m.group()), text)


def mask_error(data: dict) -> dict:
    """An error about a name or an ID number quotes it: mask the quote as well as any long number."""
    message = data["message"]
    path = str(data.get("path") or "")
    if path.endswith(".name"):
        message = _QUOTED.sub(lambda m: f"“{mask_name(m.group(1))}”", message)
    if path.endswith(".id_number"):
        message = _QUOTED.sub(lambda m: f"“{mask_id_number(m.group(1))}”", message)
    # a case or person id may itself be an ID number, and a path holds the keys as written
    ids = {k: mask_text(data[k]) for k in ("case", "subject", "path") if isinstance(data.get(k), str)}
    return dict(data, message=mask_text(message), **ids)


_SURROGATE = re.compile(r"[\ud800-\udfff]")


# for a terminal: controls (and yamlio's stand-ins for them) and bidirectional overrides, which reorder what is shown
_UNPRINTABLE = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069\U0010ff00-\U0010ffff]")


def outward(node: Any, unmask: bool = False) -> Any:
    """A JSON answer as it may leave: lone surrogates as U+FFFD (so it is UTF-8), ID numbers masked unless `unmask`."""
    if isinstance(node, str):
        node = _SURROGATE.sub("\ufffd", node) if not node.isprintable() else node
        return node if unmask else mask_text(node)
    if isinstance(node, dict):
        return {outward(k, unmask): outward(v, unmask) for k, v in node.items()}
    if isinstance(node, (list, tuple)):
        return [outward(v, unmask) for v in node]
    return node


def printable(text: Any) -> str:
    """Text from a case file as a terminal may show it: controls and bidi overrides escaped, surrogates as U+FFFD."""
    text = _SURROGATE.sub("\ufffd", str(text))
    return _UNPRINTABLE.sub(lambda m: f"\\u{ord(m.group()):04x}", text)


def shown_id(value: Any, unmask: bool = False) -> str:
    """A case or subject id for the terminal: masked when it looks like an ID number, escaped, never markup."""
    return printable(value if unmask else mask_text(str(value)))
