"""Privacy: what personal data may leave the program, and how text from outside may be shown.

Names keep their first character (张*; a one-character name is *), ID numbers their first 6 and last 4
digits, and anything in a message that looks like an ID number (ten digits or more) is masked too —
unless the user asked `--unmask`. Every output (JSON, terminal, sheets, letters, the decision log)
goes through these few functions, so masking is decided in one place.

A value of a case file quoted in a message (`实为“P10 吴某 321302199001011008”`: a person written as
one line of text) or a value the user typed and the message echoes (`--subject`) is free text: where a
name or an ID number sits in it is unknown, so `mask_free_text` masks every run of Chinese characters
as a name and every run of six digits or more as a number (see there). An error about a case file says
which field its value is in (`mask_error`, by its path): there a value is masked as a name only when
it may be one — a field the case schema marks `x-personal` (a name), a whole record, or a place the
schema does not know; a misspelt 学历 “本料” or a date is shown whole, its long digit runs masked.
"""
from __future__ import annotations

import functools
import re
from typing import Any

import orjson

from .jsonio import as_json_value
from .outfiles import formula_like

__all__ = ["mask_name", "mask_id_number", "mask_text", "mask_free_text", "quote", "mask_message", "mask_echo",
           "mask_error", "Personal", "mask_field", "outward", "outward_json", "printable", "shown_id"]


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


# Runs of Chinese characters (the unified ideographs, their extensions and compatibility forms): a name
_HAN = re.compile(r"[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\U00020000-\U0003ffff]{2,}")
# Runs of digits, with the stars of an earlier masking (so masking twice changes nothing) and an ID number's X
_DIGIT_RUN = re.compile(r"[0-9*]*[0-9][0-9*]*[Xx]?")
_ALREADY = re.compile(r"[0-9]{6}\*+[0-9]{3}[0-9Xx]|\*+")   # what mask_id_number leaves
_MIN_DIGITS = 6


def _mask_digits(m: re.Match) -> str:
    run = m.group()
    if sum(c.isdigit() for c in run) < _MIN_DIGITS or _ALREADY.fullmatch(run):
        return run
    if "*" not in run and len(run) in (15, 18):   # the two lengths of a resident ID number: shown as everywhere
        return mask_id_number(run)
    return "*" * len(run)


def mask_free_text(text: str) -> str:
    """Free text that may hold a name or an ID number anywhere (a value quoted in a message, a typed --subject).

    Each run of two Chinese characters or more keeps its first, as a name does (吴某 → 吴*; one character
    alone is a word such as 是, never a whole name). Each run of six digits or more is masked: an ID number
    (15 or 18 characters) keeps its first 6 and last 4 digits as everywhere, any other run is all stars.
    Six, not ten as in `mask_text`: a quoted value is data, so a shorter run is more likely a birth date
    (19900101), a part of an ID number split across cells, a phone or bank number; while a count or a
    line number, which whole messages are full of, is never inside the quote. Codes such as P10 or
    CTR-QU stay readable, and masking twice gives the same text.
    """
    text = _HAN.sub(lambda m: mask_name(m.group()), text)
    return _DIGIT_RUN.sub(_mask_digits, text)


def quote(value: str) -> str:
    """A value of a case file as a message quotes it: “…”, a ” inside escaped so the quote ends where it ends."""
    return "“" + value.replace("”", "\\u201d") + "”"


# A value quoted by `quote` after the words that introduce one (`found “…”`, `key “…”`; Chinese messages:
# 实为“…”, 填的“…”, 字段“…”, 键“…”). Other quotes in messages hold the policy's words, headers and sheet names.
_FOUND = re.compile(r"(found |key |实为|填的|字段|键)“([^”]*)”")


def mask_message(message: str) -> str:
    """A message that may quote a value of a case file: the quoted value masked as free text, ID numbers elsewhere."""
    return mask_text(_FOUND.sub(lambda m: f"{m.group(1)}“{mask_free_text(m.group(2))}”", message))


def _mask_value(message: str) -> str:
    """A message quoting a value that is no name (a vocabulary word, a date): shown whole, its runs of six digits or
    more masked (a birth date, an ID number typed in the wrong field), and ID numbers elsewhere."""
    return mask_text(_FOUND.sub(lambda m: f"{m.group(1)}“{_DIGIT_RUN.sub(_mask_digits, m.group(2))}”", message))


_STEP = re.compile(r"([^.\[\]]+)|\[(\d+)\]")


class Personal:
    """Which values of one policy's case files are personal, read from its case schema's `x-personal` marks
    (records.yaml `personal:`): `of(path)` for the value an error names."""

    def __init__(self, schema: dict):
        self.schema = schema
        self.of = functools.lru_cache(maxsize=4096)(self._of)

    def _of(self, path: str) -> str | None:
        """None when the value at `path` (cases[0].people[3].education) holds no name; the field's `x-personal`
        mark ("name", "id_number") for a personal field; "record" for a whole record or a list of them (a person
        written as one line of text) or a place the schema does not know."""
        node = _node(self.schema, path)
        if node is None:
            return "record"
        if node.get("x-personal"):
            return "id_number" if node["x-personal"] == "id_number" else "name"
        items = node.get("items") if isinstance(node.get("items"), dict) else {}
        items = _resolve(self.schema, items) or {}
        return "record" if "properties" in node or "properties" in items else None


def _resolve(schema: dict, node):
    defs = schema.get("$defs", {})
    while isinstance(node, dict) and "$ref" in node:
        node = defs.get(node["$ref"].rsplit("/", 1)[-1])
    return node if isinstance(node, dict) else None


def _node(schema: dict, path: str) -> dict | None:
    """The schema of the value at `path`, None where the schema does not know it."""
    steps = [int(i) if i else key for key, i in _STEP.findall(path)]
    if steps[:1] == ["cases"] and len(steps) >= 2 and isinstance(steps[1], int):
        steps = steps[2:]
    if not steps:
        return None
    node = schema
    for step in steps:
        if isinstance(step, int):
            node = _resolve(schema, node.get("items"))
        else:
            inner = (node.get("properties") or {}).get(step, node.get("additionalProperties"))
            node = _resolve(schema, inner) if isinstance(inner, dict) else None
        if node is None:
            return None
    return node


def mask_field(value: Any, mark: str | None) -> Any:
    """A value of a case file shown as data (beside the determinations, in a table or a sheet), masked as its field's
    mark says (`Personal.of`): an ID number keeps its first 6 and last 4 digits, a name (or a value whose place may
    hold one) its first character; any other text (a center's or an item's name) is shown, an ID number inside it
    masked; a number or a date as it is. The caller decides `--unmask`."""
    if not isinstance(value, str):
        return value
    if mark == "id_number":
        return mask_id_number(value)
    return mask_name(value) if mark else mask_text(value)


def mask_echo(message: str, *values: str | None) -> str:
    """A message echoing what the user typed (a --subject, quoted “…” or 「…」): those values masked as free
    text, and ID numbers anywhere."""
    for value in values:
        if value:
            shown = mask_free_text(value)
            for left, right in ("“”", "「」"):
                message = message.replace(f"{left}{value}{right}", f"{left}{shown}{right}")
    return mask_message(message)


def mask_error(data: dict, held: str | None = "record") -> dict:
    """An error about a name or an ID number quotes it: mask the quote, any value it quotes, any long number.
    `held`: what the value at its path may hold (`Personal.of`; by default, anything)."""
    message = data["message"]
    named = held is not None
    if held == "name":
        message = _QUOTED.sub(lambda m: f"“{mask_name(m.group(1))}”", message)
    if held == "id_number":
        message = _QUOTED.sub(lambda m: f"“{mask_id_number(m.group(1))}”", message)
    # a case or person id may itself be an ID number, and a path holds the keys as written
    ids = {k: mask_text(data[k]) for k in ("case", "subject", "path") if isinstance(data.get(k), str)}
    if isinstance(data.get("detail"), str):   # an exception's text may quote any value of the record
        ids["detail"] = mask_free_text(data["detail"])
    return dict(data, message=mask_message(message) if named else _mask_value(message), **ids)


_SURROGATE = re.compile(r"[\ud800-\udfff]")


# for a terminal: controls (and yamlio's stand-ins for them) and bidirectional overrides, which reorder what is shown
_UNPRINTABLE = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069\U0010ff00-\U0010ffff]")


def _outward_text(node: str, unmask: bool) -> str:
    node = _SURROGATE.sub("\ufffd", node) if not node.isprintable() else node
    return node if unmask else mask_text(node)


# An answer repeats the same texts (keys, rule ids, clauses, words) thousands of times: each is looked at once.
_TEXTS: tuple[dict[str, str], dict[str, str]] = ({}, {})
_TEXTS_KEPT = 100_000


_ZEROED = bytes.maketrans(b"123456789", b"000000000")   # every digit as 0: ten digits in a row are ten 0s


def _as_is(node: Any, unmask: bool) -> bool:
    """Whether the answer would leave unchanged: it serialises as the answer is written (no lone surrogate: orjson
    refuses one; a policy's float as the float) and, unless `unmask`, no text holds ten digits in a row (digits
    are never escaped, so a run in a text is a run in the bytes; a run the bytes show that no text holds only
    sends it the long way)."""
    try:
        data = orjson.dumps(node, default=as_json_value)
    except (TypeError, orjson.JSONEncodeError):
        return False
    return unmask or data.translate(_ZEROED).find(b"0000000000") < 0


def outward_json(items: list, unmask: bool = False) -> list:
    """`outward` for a list about to be written as JSON (where a tuple is a list), item by item: most of an
    answer has nothing to mask, which one pass of the serialiser shows, and is kept as it is; a case that holds
    something is looked into a few levels down (its determinations, their explanations), so that only the parts
    holding it are walked text by text."""
    return [_settled(item, unmask, 0) for item in items]


def _settled(node: Any, unmask: bool, depth: int) -> Any:
    if _as_is(node, unmask):
        return node
    if depth >= 3:
        return outward(node, unmask)
    if type(node) is dict:
        return {outward(k, unmask): _settled(v, unmask, depth + 1) for k, v in node.items()}
    if type(node) is list:
        return [_settled(v, unmask, depth + 1) for v in node]
    return outward(node, unmask)


def outward(node: Any, unmask: bool = False) -> Any:
    """A JSON answer as it may leave: lone surrogates as U+FFFD (so it is UTF-8), ID numbers masked unless `unmask`."""
    seen = _TEXTS[bool(unmask)]
    if len(seen) > _TEXTS_KEPT:
        seen.clear()

    def walk(node):
        if type(node) is str:
            text = seen.get(node)
            if text is None:
                text = seen[node] = _outward_text(node, unmask)
            return text
        if isinstance(node, str):   # a subclass (ruamel's): its own text, not remembered
            return _outward_text(str(node), unmask)
        if isinstance(node, dict):
            return {walk(k): walk(v) for k, v in node.items()}
        if isinstance(node, (list, tuple)):
            return [walk(v) for v in node]
        return node
    return walk(node)


def printable(text: Any) -> str:
    """Text from a case file as a terminal may show it: controls and bidi overrides escaped, surrogates as U+FFFD."""
    text = _SURROGATE.sub("\ufffd", str(text))
    return _UNPRINTABLE.sub(lambda m: f"\\u{ord(m.group()):04x}", text)


def shown_id(value: Any, unmask: bool = False) -> str:
    """A case or subject id for the terminal: masked when it looks like an ID number, escaped, never markup."""
    return printable(value if unmask else mask_text(str(value)))
