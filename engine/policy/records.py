"""What a case file holds, as the policy's records.yaml declares it: kinds of record, their fields, relations.

The engine knows one thing of every case — it is judged as of a date
(`as_of`) and may carry an `id` — and nothing of what it holds: the lists of
records (people, enterprises …), each record's fields and how records name
each other are the policy's data. From the declaration come the case file's
JSON Schema (`case_schema`), which fields are personal, and the relations a
reader checks (a record naming another the case does not hold is refused).
"""
from __future__ import annotations

import copy
from dataclasses import dataclass, field
from typing import Any

from ..common.limits import MAX_PARAMETER
from ..common.locations import Location, locate
from ..common.problems import Problem
from ..common.words import near
from ..formula.functions import ROLES

__all__ = ["Field", "RecordKind", "Records", "read_records", "check_records", "case_schema", "MONTH_PATTERN"]

MONTH_PATTERN = "^(19|2\\d)\\d{2}-(0[1-9]|1[0-2])$"
_MONTH_ZH = "月份（年-月，如 2025-03）"


@dataclass(frozen=True)
class Field:
    """One field of a record (or of the case, or of a nested record), as records.yaml declares it."""
    name: str
    label: str
    type: str                     # id text digits date month months year count number yes_no word ref map by_month …
    required: bool = False
    personal: bool = False        # a name or an ID number: masked unless --unmask
    vocabulary: str | None = None  # word: its vocabulary; map: the vocabulary of its keys (`keys:`)
    to: str | None = None         # ref: the kind of record it names
    values: "Field | None" = None  # map, by_month: what each value is
    fields: dict[str, "Field"] = field(default_factory=dict)   # records, group
    by: str | None = None         # word: the sibling field whose value narrows the words (vocabulary's by_type)
    says: str | None = None       # … and how a message names the narrowed words: "{type}证书的等级"
    pattern: str | None = None
    expects: str | None = None    # digits: what the value should be, in a message's words
    as_number: str | None = None  # digits: why it must be typed as text
    min_length: int | None = None
    warn_after: str | None = None  # a date later than the case's date field of this name is decided with a warning
    default: str | None = None    # year: the year of the case's date field of this name when blank
    declared_roles: dict[str, str] = field(default_factory=dict)   # records: role → the nested field playing it

    @property
    def roles(self) -> dict[str, str]:
        """records: which nested field plays each role the certificate functions read (functions.ROLES), as
        `roles:` declares it; left out, as the nested record's shape says it when it says it whole — the word
        narrowed by another (`by:`) is the grade, the field narrowing it the kind, the only date held_from — so
        that a folder written before `roles:` (the 1.0.0 restatement) reads as it did. {} when neither."""
        if self.type != "records" or self.declared_roles:
            return dict(self.declared_roles)
        narrowed = [f for f in self.fields.values() if f.by in self.fields]
        dates = [n for n, f in self.fields.items() if f.type == "date"]
        if len(narrowed) != 1 or len(dates) != 1:
            return {}
        shaped = {"kind": narrowed[0].by, "grade": narrowed[0].name, "held_from": dates[0]}
        return shaped if set(shaped) == set(ROLES) else {}


@dataclass(frozen=True)
class RecordKind:
    name: str                     # the kind of fact its records become (person)
    list: str                     # the case file's key for the list of them (people)
    label: str
    fields: dict[str, Field]
    counted: str | None = None    # how a count of them reads: 5 人, 2 个中心 (records.yaml `counted:`)

    @property
    def unit(self) -> str:
        return self.counted or f"个{self.label}"

    @property
    def refs(self) -> dict[str, str]:
        """field → the kind it names (person.center → center)."""
        return {n: f.to for n, f in self.fields.items() if f.type == "ref" and f.to}

    @property
    def group(self) -> str | None:
        """The field grouping its records in budgets and sums: its first relation (a person's center)."""
        return next(iter(self.refs), None)

    @property
    def name_field(self) -> str | None:
        """A personal text field (a person's name): shown masked beside a change, the letter's addressee."""
        return next((n for n, f in self.fields.items() if f.personal and f.type == "text"), None)

    @property
    def called_by(self) -> str | None:
        """The text field a record is known by: the personal one (a person's name), else the first (a center's
        名称); None when the kind has no text field."""
        return self.name_field or next((n for n, f in self.fields.items() if f.type == "text"), None)


@dataclass(frozen=True)
class Records:
    label: str                            # what a case is called: 案例
    case_fields: dict[str, Field]          # the case's own fields besides id and as_of
    kinds: dict[str, RecordKind]           # in file order
    location: Location | None = None
    # what is asked once per record or fact (its kind's roles, a list's kind), worked out once per policy
    _memo: dict = field(default_factory=dict, compare=False, repr=False)

    @property
    def lists(self) -> tuple[str, ...]:
        found = self._memo.get("lists")
        if found is None:
            found = self._memo["lists"] = tuple(k.list for k in self.kinds.values())
        return found

    def of_list(self, key: str) -> RecordKind | None:
        memo = ("of_list", key)
        if memo not in self._memo:
            self._memo[memo] = next((k for k in self.kinds.values() if k.list == key), None)
        return self._memo[memo]

    def identities(self, records_by_list: dict[str, list[dict]]) -> dict[str, tuple[str | None, str | None]]:
        """Each record's id → (its personal name, the id of the record it is grouped under): a person's name and
        center; a record of a kind without them, (None, None). An id two kinds share is the first kind's."""
        out: dict[str, tuple[str | None, str | None]] = {}
        for kind in self.kinds.values():
            for r in records_by_list.get(kind.list, []):
                group = r.get(kind.group) if kind.group else None
                out.setdefault(str(r["id"]), (r.get(kind.name_field) if kind.name_field else None,
                                              None if group is None else str(group)))
        return out

    def roles(self, kind: str) -> dict[tuple[str, ...], dict[str, str]]:
        """The field path of each nested-records field of `kind` (groups walked) → its roles (`Field.roles`);
        those without roles left out. {} for a kind records.yaml does not declare. Read only: made once."""
        memo = ("roles", kind)
        if memo not in self._memo:
            self._memo[memo] = self._roles(kind)
        return self._memo[memo]

    def _roles(self, kind: str) -> dict[tuple[str, ...], dict[str, str]]:
        out: dict[tuple[str, ...], dict[str, str]] = {}

        def walk(fields: dict[str, Field], at: tuple[str, ...]) -> None:
            for name, f in fields.items():
                if f.type == "records" and f.roles:
                    out[at + (name,)] = f.roles
                elif f.type == "group":
                    walk(f.fields, at + (name,))
        declared = self.kinds.get(kind)
        walk(declared.fields if declared else {}, ())
        return out

    def referring(self, kind: str) -> list[tuple[RecordKind, str]]:
        """(kind of record, field) naming records of `kind`: the people of a center."""
        return [(k, f) for k in self.kinds.values() for f, to in k.refs.items() if to == kind]


def _field(name: str, spec: dict) -> Field:
    values = spec.get("values")
    values = {"type": values} if isinstance(values, str) else values
    return Field(name, spec.get("label", name), spec["type"], bool(spec.get("required")), bool(spec.get("personal")),
                 spec.get("vocabulary") or spec.get("keys"), spec.get("to"),
                 _field(name, dict(values, label=spec.get("label", name))) if isinstance(values, dict) else None,
                 {n: _field(n, s) for n, s in (spec.get("fields") or {}).items()}, spec.get("by"), spec.get("says"),
                 spec.get("pattern"), spec.get("expects"), spec.get("as_number"), spec.get("min_length"),
                 spec.get("warn_after"), spec.get("default"), dict(spec.get("roles") or {}))


def read_records(tree: dict, name: str) -> Records:
    """The declaration from records.yaml's tree (already checked against schemas/records.schema.json)."""
    case = tree.get("case") or {}
    return Records(case.get("label", "案例"), {n: _field(n, s) for n, s in (case.get("fields") or {}).items()},
                   {k: RecordKind(k, e["list"], e["label"], {n: _field(n, s) for n, s in e["fields"].items()},
                                  e.get("counted"))
                    for k, e in tree["kinds"].items()}, locate(tree, [], name))


def check_records(records: Records, vocabulary: dict, tree, name: str) -> list[Problem]:
    """What the schema cannot see: words from vocabularies that exist, relations to declared kinds, one list
    key per kind, `by`/`warn_after`/`default` naming fields that exist."""
    out: list[Problem] = []

    def problem(path: list, message: str, key: bool = False) -> None:
        out.append(Problem(locate(tree, path, name, key=key), ".".join(map(str, path)), message))

    lists: dict[str, str] = {}
    for kname, kind in records.kinds.items():
        if kind.list in lists:
            problem(["kinds", kname, "list"], f"列表名“{kind.list}”已用于记录类别“{lists[kind.list]}”")
        lists.setdefault(kind.list, kname)
    dates = {"as_of"} | {n for n, f in records.case_fields.items() if f.type == "date"}

    def walk(fields: dict[str, Field], at: list) -> None:
        for fname, f in fields.items():
            here = at + [fname]
            needs = {"word": "vocabulary", "map": "keys", "ref": "to", "records": "fields", "group": "fields",
                     "by_month": "values"}.get(f.type)
            if needs == "fields" and not f.fields or needs == "values" and f.values is None \
                    or needs in ("vocabulary", "keys", "to") and not (f.to if needs == "to" else f.vocabulary):
                problem(here, f"类型为 {f.type} 的字段须写明 {needs}")
            for v in (f, f.values) if f.values is not None else (f,):
                if v.type in ("word", "map") and v.vocabulary and v.vocabulary not in vocabulary:
                    problem(here, f"词表“{v.vocabulary}”不在 vocabulary.yaml 中{near(v.vocabulary, vocabulary)}")
            if f.type == "ref" and f.to and f.to not in records.kinds:
                problem(here + ["to"], f"“{f.to}”不是 records.yaml 中的记录类别{near(f.to, records.kinds)}")
            if f.by and f.by not in fields:
                problem(here + ["by"], f"“{f.by}”不是同一记录中的字段{near(f.by, fields)}")
            for key in ("warn_after", "default"):
                if getattr(f, key) and getattr(f, key) not in dates:
                    problem(here + [key], f"“{getattr(f, key)}”不是案例的日期字段（{'、'.join(sorted(dates))}）")
            _check_roles(f, here, problem)
            walk(f.fields, here + ["fields"])
    walk(records.case_fields, ["case", "fields"])
    for kname, kind in records.kinds.items():
        walk(kind.fields, ["kinds", kname, "fields"])
    return out


def _check_roles(f: Field, at: list, problem) -> None:
    """`roles:` of a nested-records field: every role the certificate functions read, each naming a field of the
    nested record; the date one a date."""
    if not f.declared_roles:
        return
    if f.type != "records":
        problem(at + ["roles"], f"roles 只用于类型为 records 的字段（子记录），此字段的类型为 {f.type}")
        return
    for role, name in f.declared_roles.items():
        if role not in ROLES:
            problem(at + ["roles", role], f"“{role}”不是子记录的角色（{'、'.join(ROLES)}）{near(role, ROLES)}", True)
        elif name not in f.fields:
            problem(at + ["roles", role], f"“{name}”不是子记录中的字段（{'、'.join(f.fields)}）{near(name, f.fields)}")
        elif role == "held_from" and f.fields[name].type != "date":
            problem(at + ["roles", role], f"held_from 须是日期字段（type: date），“{name}”的类型为 {f.fields[name].type}")
    missing = [r for r in ROLES if r not in f.declared_roles]
    if missing and set(f.declared_roles) <= set(ROLES):     # a misspelt role is said once, above
        problem(at + ["roles"], f"roles 须写明每个角色，缺少 {'、'.join(missing)}")


def _json(f: Field) -> dict:
    """One field as JSON Schema, in the words the case-file messages use (x-zh)."""
    t = f.type
    if t in ("id", "ref"):
        out: dict[str, Any] = {"type": ["string", "integer"]}
    elif t == "text":
        out = {"type": "string"}
        if f.min_length:
            out["minLength"] = f.min_length
    elif t == "digits":
        out = {"type": "string"}
        for key, value in (("pattern", f.pattern), ("x-zh", f.expects), ("x-zh-number", f.as_number)):
            if value:
                out[key] = value
    elif t in ("date", "month", "count"):
        out = {"$ref": f"#/$defs/{t}"}
    elif t == "year":
        out = {"type": "integer", "minimum": 1900, "maximum": 2999}
    elif t == "number":    # an amount (元): finite, within the bound every parameter keeps
        out = {"type": "number", "minimum": -MAX_PARAMETER, "maximum": MAX_PARAMETER, "x-zh": "数"}
    elif t == "yes_no":
        out = {"type": "boolean"}
    elif t == "word":
        out = {"type": "string", "x-vocabulary": f.vocabulary}
    elif t == "months":
        out = {"type": "array", "items": {"$ref": "#/$defs/month"}, "uniqueItems": True}
    elif t == "map":
        out = {"type": "object", "additionalProperties": _json(f.values) if f.values else {},
               "x-vocabulary-keys": f.vocabulary}
    elif t == "by_month":
        out = {"type": "object", "propertyNames": {"pattern": MONTH_PATTERN, "x-zh": _MONTH_ZH},
               "additionalProperties": _json(f.values) if f.values else {}}
    elif t == "records":
        out = {"type": "array", "items": _object(f.fields)}
    else:   # group
        out = _object(f.fields)
        out.pop("required", None)
    if f.personal:      # how it is masked (privacy.Personal): an ID number by its digits, anything else as a name
        out["x-personal"] = "id_number" if t == "digits" else "name"
    return out


def _object(fields: dict[str, Field], with_id: bool = False) -> dict:
    required = (["id"] if with_id else []) + [n for n, f in fields.items() if f.required]
    properties = {"id": {"type": ["string", "integer"]}} if with_id else {}
    properties.update({n: _json(f) for n, f in fields.items()})
    out: dict[str, Any] = {"type": "object", "additionalProperties": False}
    if required or with_id:
        out["required"] = required
    out["properties"] = properties
    return out


def case_schema(base: dict, records: Records) -> dict:
    """The case file's JSON Schema: the engine's shell (`base`: id, as_of, the date/month/count shapes) with the
    policy's case fields, one list per kind of record and one `$defs` entry per kind (by the kind's name)."""
    doc = copy.deepcopy(base)
    for name, f in records.case_fields.items():
        doc["properties"][name] = _json(f)
    for kind in records.kinds.values():
        doc["properties"][kind.list] = {"type": "array", "items": {"$ref": f"#/$defs/{kind.name}"}}
        doc["$defs"][kind.name] = _object(kind.fields, with_id=True)
    return doc
