"""What a case file's messages call a field: its label from the policy's own data, never a key of the contract.

An officer knows 学历 and 证书2等级, not `people[0].education`. The labels are the roster's headers
(roster.yaml: the words the sheets are filled in with, whatever the file's format), then facts.yaml's
labels, then the contract's key itself. The yes/no words are the roster's too: one definition of what
是/否, √/×, 有/无, Y/N mean, for spreadsheets and YAML/JSON case files alike.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from ..policy.model import Policy
from ..policy.schemas import CaseWords
from . import spreadsheet

__all__ = ["Labels", "labels_of", "kinds_of", "yes_no"]

@dataclass
class Labels:
    """Labels of one policy's case fields, by (kind, *field path): ("people", "education") → 学历."""
    fields: dict[tuple, str] = field(default_factory=dict)
    sheets: dict[str, str] = field(default_factory=dict)            # kind → its sheet's name: 人员
    repeats: dict[tuple, tuple[str, dict[str, str]]] = field(default_factory=dict)   # (kind, list) → prefix, parts
    months: dict[tuple, str] = field(default_factory=dict)          # (kind, map) → what each month holds
    booleans: dict[str, bool] = field(default_factory=dict)         # lower-cased word → value, true words first
    lists: tuple[str, ...] = ()                                      # the case file's lists of records

    def of(self, path: tuple) -> str:
        """The label of the value at `path` (from the top of the file): 学历, 证书2等级, 月度考核等次（2025-03）,
        人员第3条 for a whole record, 案例 for a case's own mapping."""
        path = tuple(path)
        if len(path) >= 2 and path[0] == "cases" and isinstance(path[1], int):
            path = path[2:]
        kind, rest = "case", path
        if path and path[0] in self.lists:
            if len(path) == 1:
                return self.sheets.get(path[0], str(path[0]))
            if not isinstance(path[1], int):
                return ".".join(map(str, path))
            kind, rest = path[0], path[2:]
            if not rest:
                return f"{self.sheets.get(kind, kind)}第{path[1] + 1}条"
        if not rest:
            return self.sheets.get("case", "案例")
        return self._field(kind, rest)

    def _field(self, kind: str, rest: tuple) -> str:
        head = rest[0]
        if (kind, *rest) in self.fields:
            return self.fields[(kind, *rest)]
        if (kind, head) in self.repeats and len(rest) >= 2 and isinstance(rest[1], int):
            prefix, parts = self.repeats[(kind, head)]
            whole = f"{prefix}{rest[1] + 1}"
            return whole + parts.get(str(rest[2]), str(rest[2])) if len(rest) >= 3 else whole
        if (kind, head) in self.months and len(rest) >= 2:
            return f"{self.months[(kind, head)]}（{rest[1]}）"
        if (kind, head) in self.months:
            return self.months[(kind, head)]
        base = self.fields.get((kind, head)) or self.fields.get(("*", *rest)) or self.fields.get(("*", head)) or str(head)
        if ("*", *rest) in self.fields:
            return self.fields[("*", *rest)]
        if len(rest) >= 2 and isinstance(rest[1], int):
            return f"{base}第{rest[1] + 1}项"
        return base if len(rest) == 1 else f"{base}（{'.'.join(map(str, rest[1:]))}）"

    def words(self) -> CaseWords:
        true = next((w for w, v in self.booleans.items() if v), "true")
        false = next((w for w, v in self.booleans.items() if not v), "false")
        return CaseWords(self.of, true, false)


_CACHE: dict[str, Labels] = {}


def labels_of(policy: Policy) -> Labels:
    """The policy's labels (cached by its digest). A roster.yaml that cannot be read leaves facts.yaml's labels
    and the contract's keys: its own problems are said where a sheet is read, and by validate."""
    hit = _CACHE.get(policy.digest)
    if hit is not None:
        return hit
    out = Labels(lists=policy.records.lists)
    for kind in policy.kinds.values():      # facts.yaml: a fallback, by the record field an attribute reads
        for name, attribute in kind.attributes.items():
            out.fields.setdefault(("*", *(attribute.source or (name,))), attribute.label)
    _declared(out, policy)
    try:
        layout = spreadsheet.load_layout(policy)
    except spreadsheet.ReadError:
        layout = None
    if layout is not None:
        out.booleans = dict(sorted(layout.booleans.items(), key=lambda item: not item[1]))
        for kind, sheet in layout.sheets.items():
            out.sheets[kind] = sheet.name
            for column in sheet.columns:
                out.fields[(kind, *column.path)] = column.header
            for repeat in sheet.repeats:
                out.repeats[(kind, repeat.field)] = (repeat.prefix, {p.path[0]: p.header for p in repeat.parts})
            if sheet.months is not None:
                words = policy.vocabulary.get(sheet.months.column.choices or "") or {}
                out.months[(kind, sheet.months.field)] = str(words.get("label") or sheet.months.field)
        if layout.case_column is not None:
            out.fields.setdefault(("case", "id"), layout.case_column.header)
    _CACHE[policy.digest] = out
    return out


def _declared(out: Labels, policy: Policy) -> None:
    """records.yaml's labels, under the roster's headers (set after, they win): every declared field has one."""
    records = policy.records
    out.fields[("case", "as_of")] = "判定日"
    for name, f in records.case_fields.items():
        out.fields[("case", name)] = f.label
    for kind in records.kinds.values():
        out.sheets[kind.list] = kind.label

        def walk(fields, at):
            for name, f in fields.items():
                out.fields[(kind.list, *at, name)] = f.label
                walk(f.fields, (*at, name))
        walk(kind.fields, ())


def kinds_of(policy: Policy) -> tuple[tuple[str, str, str], ...]:
    """(kind, list, label) of each kind of record, in records.yaml's order: ("person", "people", "人员"); the label
    is the roster's sheet, else records.yaml's."""
    sheets = labels_of(policy).sheets
    return tuple((k.name, k.list, sheets.get(k.list, k.label)) for k in policy.records.kinds.values())


def yes_no(value: Any, labels: Labels) -> Any:
    """A yes/no written as the roster writes it (是, √, 有, Y …, any case) as true/false; anything else as it is."""
    if isinstance(value, str) and value.strip().lower() in labels.booleans:
        return labels.booleans[value.strip().lower()]
    return value
