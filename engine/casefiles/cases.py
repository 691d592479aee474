"""Case files in: parse, check each record against the schema and the policy's words, normalise.

One bad value costs one record, never its neighbours. A case's own fields
(`id`, `as_of`, `assessment_year`) are checked first: without them nothing
can be judged, so the case fails as a whole. Then each person, center and
service item is checked on its own; a malformed record is rejected with
errors naming the file, the case, the subject, the field path and the line,
and the case's other records go on to be decided. A center whose count of
people would include a rejected person is marked `incomplete`: the decisions
that count those people are then reported undecided for that center, never
guessed. Every record read is accounted for (`CaseFile.read`).

What is kept of the errors is bounded, so that a file of bad values cannot
fill memory: a record lists its first `limits.MAX_PROBLEMS` errors and one
line saying how many more; a file lists `limits.MAX_FILE_ERRORS`, then each
further bad record or case is refused and only counted, in one summary error
at the end (`CaseError.omitted_*`). Nothing is lost: the refused records are
in `Case.rejected` and `CaseFile.failed_cases`, hence in the account.

Before any of that, each record and each case's own fields pass
`limits.Walk.hazards` (bounded depth and size, alias bombs, recursive
aliases, NaN, lone surrogates, control characters, duplicate keys): nothing
downstream walks a value that could hang, crash or leak through it.
"""
from __future__ import annotations

import copy
import dataclasses
import datetime as dt
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ..policy import schemas

from ..common import yamlio
from . import formats
from ..common.limits import MAX_FILE_ERRORS, MAX_PROBLEMS, UNSOUND, Hazard, Walk
from ..policy.model import Policy
from ..policy.records import Field, Records, case_schema
from ..common.locations import Location, YamlError, locate, plain
from ..common.privacy import Personal
from ..common.words import near
from .labels import Labels, labels_of, yes_no

__all__ = ["CaseError", "Rejected", "Case", "CaseFile", "read_source", "load_cases", "Unchecked", "read_unchecked",
           "check_case",
           "refuse", "canonical", "subjects", "entries", "personal_of"]

@dataclass(frozen=True)
class CaseError:
    file: str
    case: str | None
    path: str
    line: int | None
    col: int | None
    message: str
    subject: str | None = None     # the record the error costs, when it costs one record
    kind: str | None = None        # the list the record is in (records.yaml `list:`)
    sheet: str | None = None       # for a spreadsheet: where the cell is, and its column's header
    cell: str | None = None
    column: str | None = None
    # what this error stands for and is not listed (limits.MAX_PROBLEMS, MAX_FILE_ERRORS): on a record's last
    # error, the errors of that record; on a file's summary, the records and cases refused and their errors
    omitted_errors: int = 0
    omitted_records: int = 0
    omitted_cases: int = 0
    detail: str | None = None      # technical detail for the JSON answer (an exception's text); never on a terminal
    # what the value it quotes may hold, for masking (privacy.Personal.of): "name", "number", "record" (a whole
    # record, or a place the case schema does not know: masked as free text) or None (no name: shown whole)
    held: str | None = "record"

    @classmethod
    def at(cls, loc: Location, case, path: str, message: str, subject=None, kind=None, *,
           omitted_errors: int = 0, detail: str | None = None) -> "CaseError":
        return cls(loc.file, None if case is None else str(case), path, loc.line, loc.col, message, subject, kind,
                   loc.sheet, loc.cell, loc.column, omitted_errors=omitted_errors, detail=detail)

    @property
    def stands_for(self) -> int:
        """How many errors were found here: 1, or those not listed that this line counts."""
        return self.omitted_errors or 1

    @property
    def location(self) -> Location:
        return Location(self.file, self.line, self.col, self.sheet, self.cell, self.column)

    @property
    def place(self) -> str:
        """Where the value is, in an officer's words: 第5行 第9列 in a text file, 人员!E5 in a workbook, 第5行 E列 in
        a CSV file ("" when only the file is known)."""
        csv = self.file.lower().endswith(".csv")
        if self.sheet is not None and self.cell:
            return f"第{self.line}行 {self.cell.rstrip('0123456789')}列" if csv else f"{self.sheet}!{self.cell}"
        if self.sheet is not None:
            return "" if csv else f"工作表“{self.sheet}”"
        return "" if self.line is None else f"第{self.line}行 第{self.col or 1}列"

    def __str__(self) -> str:
        """The line an officer reads: file, place, case, message (the field by its label; the path is the JSON's)."""
        where = " ".join(x for x in (self.file, self.place) if x)
        case = f"（案例 {self.case}）" if self.case else ""
        return f"{where}{case}：{self.message}" if where or case else self.message

    def as_json(self) -> dict:
        out = {"file": self.file, "case": self.case, "path": self.path, "line": self.line, "col": self.col,
               "message": self.message}
        if self.sheet is not None:
            out.update(sheet=self.sheet, cell=self.cell, column=self.column)
        if self.kind is not None:
            out["subject"], out["kind"] = self.subject, self.kind
        omitted = {"errors": self.omitted_errors, "records": self.omitted_records, "cases": self.omitted_cases}
        if any(omitted.values()):
            out["omitted"] = {k: v for k, v in omitted.items() if v}
        if self.detail is not None:
            out["detail"] = self.detail
        return out


@dataclass
class _Budget:
    """The errors one reading of a file keeps: MAX_FILE_ERRORS of them (a record's or case's errors are kept
    whole or not at all), then the records and cases refused are only counted."""
    left: int = field(default_factory=lambda: MAX_FILE_ERRORS)
    records: int = 0
    cases: int = 0
    errors: int = 0

    def keep(self, errors: list[CaseError], case: bool = False) -> list[CaseError]:
        if self.left > 0 or not errors:
            self.left -= len(errors)
            return errors
        self.cases += case
        self.records += not case
        self.errors += sum(e.stands_for for e in errors)
        return []

    def summary(self, file: str) -> CaseError | None:
        """One error standing for what was not kept; None when everything was."""
        if not (self.records or self.cases):
            return None
        what = "、".join(f"{n:,} {unit}" for n, unit in ((self.records, "条记录"), (self.cases, "个案例")) if n)
        return CaseError(file, None, "", None, None,
                         f"……另有 {what}有误（共 {self.errors:,} 处错误），未逐条列出：一个文件至多列出 "
                         f"{MAX_FILE_ERRORS:,} 处错误。它们均未判定，已计为出错",
                         omitted_errors=self.errors, omitted_records=self.records, omitted_cases=self.cases)


def _at_most(errors: list[CaseError], loc: Location, case_id, path: str, subject=None, kind=None) -> list[CaseError]:
    """A record's (or case's) first MAX_PROBLEMS errors, then one line at `loc` saying how many more it has."""
    if len(errors) <= MAX_PROBLEMS:
        return errors
    more = len(errors) - MAX_PROBLEMS
    return errors[:MAX_PROBLEMS] + [CaseError.at(loc, case_id, path, f"……另有 {more:,} 处错误未列出", subject, kind,
                                                 omitted_errors=more)]


@dataclass(frozen=True)
class Rejected:
    """A record that could not be read: it is not decided, and its errors say why."""
    kind: str               # the list it is in
    index: int
    subject: str | None
    path: str
    line: int | None
    refs: tuple[tuple[str, str | None], ...] = ()   # (field, record named): "" names none, None cannot be read


@dataclass
class Case:
    id: str
    as_of: dt.date
    values: dict[str, Any]          # the case's own fields records.yaml declares (a year defaulted), by name
    records: dict[str, list[dict]]  # list key → its records that could be read, normalised, in file order
    file: str
    index: int
    location: Location
    errors: list[CaseError] = field(default_factory=list)
    rejected: list[Rejected] = field(default_factory=list)
    # (kind, id) of a record whose related records cannot all be counted → why (a rejected record may name it)
    incomplete: dict[tuple[str, str], str] = field(default_factory=dict)
    warnings: list[str] = field(default_factory=list)          # read and decided, but worth a look (future dates)


@dataclass
class CaseFile:
    path: str
    cases: list[Case]
    errors: list[CaseError]      # errors of records and cases that could not be read, and of the file itself
    read: dict[str, int] = field(default_factory=dict)                             # records found, per list
    failed_cases: dict[str, dict[str, int]] = field(default_factory=dict)        # case id → records it held
    encoding: str = "utf-8"
    warnings: list[str] = field(default_factory=list)   # about the file as a whole: encoding read, sample rows skipped


def _error(file: str, case_id, root, path: list, message: str, subject=None, kind=None) -> CaseError:
    return CaseError.at(locate(root, path, file), case_id, schemas.path_text(path), message, subject, kind)


def read_source(path: str | Path) -> tuple[yamlio.CaseText, Any]:
    """The file's text and its tree (fast, without positions when it reads cleanly); raises YamlError.
    Read once, it can be checked under several policies (`load_cases(…, parsed=…)`, as `run.py diff` does)."""
    source = yamlio.read_case(path)
    return source, formats.parse(source, fast=True)


def load_cases(path: str | Path, policy: Policy, parsed: tuple | None = None) -> CaseFile:
    """Every case of the file, normalised; malformed records and cases become errors, the rest are evaluated.
    `parsed`: `read_source(path)`, when already read (the tree is not changed by checking it)."""
    result = _load(path, policy, parsed)
    result.errors = _held(result.errors, policy)   # a case's own errors were marked by check_case
    return result


class Unchecked:
    """A JSON case file parsed, its cases not yet checked: `self[i]` checks case i where it is wanted (in a worker
    that decides it, so that checking is shared out too) and gives it as `load_cases` would, or None when it does
    not read cleanly (an error, a rejected record, a warning): the caller then reads the file whole with
    `load_cases(path, policy, parsed=self.parsed)`, which finds every error and gives each its line. Clean, each
    case reads alone exactly as in the file (a JSON tree repeats no value, and a clean case spends no error)."""

    def __init__(self, path: str, policy: Policy, parsed: tuple, entries: list[tuple[list, Any]]):
        source, tree = parsed
        self.path, self.policy, self.parsed, self._entries = path, policy, parsed, entries
        self.released = False   # a case was let go after its check: reading the file whole reads it again
        self.ids = [_case_id(raw, n) for n, (_, raw) in enumerate(entries)]
        self.file = CaseFile(path, [], [], _records(None, policy.records), encoding=source.encoding,
                             warnings=[source.note] if source.note else [])
        for _, raw in entries:
            for k, n in _records(raw, policy.records).items():
                self.file.read[k] += n

    def __len__(self) -> int:
        return len(self._entries)

    def __getitem__(self, index: int) -> Case | None:
        prefix, raw = self._entries[index]
        case, errors = check_case(raw, self.policy, self.path, self.parsed[1], prefix, index)
        if case is None or errors or case.rejected or case.warnings:
            return None
        # Checked clean, its parsed form is not needed again here: let it go (a case of 50,000 people would
        # otherwise be held twice while it is decided). The file read whole after this one reads it again.
        self._entries[index] = (prefix, None)
        tree = self.parsed[1]
        if prefix and isinstance(tree.get("cases"), list):
            tree["cases"][index] = None
        else:
            tree = None
        self.parsed, self.released = (None, tree), True   # the file's text too
        return case

    def days(self) -> list[dt.date]:
        """The cases' as_of dates, as far as they read (to compile each period before the workers start)."""
        out = set()
        for _, raw in self._entries:
            try:
                out.add(dt.date.fromisoformat(raw["as_of"]))
            except (TypeError, KeyError, ValueError):   # not a clean case: read whole later
                pass
        return sorted(out)


def read_unchecked(path: str | Path, policy: Policy) -> Unchecked | None:
    """The file parsed for checking case by case (`Unchecked`), when it is JSON and reads cleanly as a whole (a
    list of cases with unique ids and nothing beside it, or one case); None when it must go to `load_cases`:
    a spreadsheet, YAML (whose aliases are counted across the whole file), anything wrong with the file itself."""
    if formats.is_spreadsheet(path) or Path(path).suffix.lower() != ".json":
        return None
    try:
        parsed = read_source(path)
    except YamlError:
        return None
    tree = parsed[1]
    if yamlio.positioned(tree) or not isinstance(tree, dict):
        return None
    if "cases" in tree:
        if not isinstance(tree["cases"], list) or len(tree) > 1:
            return None
        entries = [(["cases", i], c) for i, c in enumerate(tree["cases"])]
    else:
        entries = [([], tree)]
    ids = [_case_id(raw, n) for n, (_, raw) in enumerate(entries)]
    if len(set(ids)) < len(ids):
        return None
    return Unchecked(str(path), policy, parsed, entries)


def _held(errors: list[CaseError], policy: Policy, prefix: list | tuple = ()) -> list[CaseError]:
    """Each error with what its value may hold (records.yaml `personal:`), for masking it; `prefix`: where the case
    stands in its file when that is not a case file's own place (a policy test's `tests[0].case`)."""
    personal = personal_of(policy)
    start = schemas.path_text(list(prefix)) if prefix and prefix[0] != "cases" else ""

    def relative(path: str) -> str:
        return path[len(start):].lstrip(".") if start and path.startswith(start) else path
    return [dataclasses.replace(e, held=personal.of(relative(e.path))) if e.path else e for e in errors]


def _load(path: str | Path, policy: Policy, parsed: tuple | None) -> CaseFile:
    name = str(path)
    if formats.is_spreadsheet(path):
        from . import spreadsheet   # openpyxl is imported only for spreadsheets
        try:
            tree = spreadsheet.read(path, policy)
        except spreadsheet.ReadError as e:
            return CaseFile(name, [], [CaseError.at(p.location, None, "", p.message) for p in e.problems],
                            _records(None, policy.records))
        result = _load_tree(tree, policy, name)
        result.warnings = tree.warnings
        return result
    try:
        source, tree = parsed if parsed is not None else read_source(path)
    except YamlError as e:
        loc = e.location
        return CaseFile(name, [], [CaseError(name, None, "", loc.line, loc.col, e.message)], _records(None, policy.records))
    result = _load_tree(tree, policy, name)
    if (result.errors or any(c.rejected or c.warnings for c in result.cases)) and not yamlio.positioned(tree):
        # Something is wrong: read the file again keeping positions, so every error and warning has its line.
        result = _load_tree(formats.parse(source), policy, name)
    result.encoding = source.encoding
    result.warnings = [source.note] if source.note else []
    return result


def _records(raw, records: Records) -> dict[str, int]:
    """How many records of each declared list the case holds (0 for each when it is not a mapping)."""
    return {k: len(raw.get(k) or []) if isinstance(raw, dict) and isinstance(raw.get(k), list) else 0
            for k in records.lists}


def _load_tree(tree, policy: Policy, name: str) -> CaseFile:
    walk = Walk()   # one per reading of the file: aliases are counted across all its records
    nothing = _records(None, policy.records)
    if isinstance(tree, dict) and "cases" in tree:
        if not isinstance(tree["cases"], list):
            top = walk.hazards(tree["cases"], ["cases"])[:1]
            return CaseFile(name, [], [_hazard_error(name, None, tree, top[0], labels=labels_of(policy)) if top else
                                       _error(name, None, tree, ["cases"], "“cases:”下应为案例的列表（每个案例以“- ”开头），"
                                              f"实为{schemas.found_text(tree['cases'])}")], nothing)
        extra = [k for k in tree if k != "cases"]
        entries = [(["cases", i], c) for i, c in enumerate(tree["cases"])]
        errors = [_error(name, None, tree, [k], f"“cases:”旁有不认识的字段“{k}”：多个案例时，每个案例的字段应写在"
                                                "“cases:”的列表项里") for k in extra]
    elif isinstance(tree, dict):
        entries, errors = [([], tree)], []
    else:
        found = "却是空文件" if tree is None else f"实为{schemas.found_text(tree)}"
        return CaseFile(name, [], [CaseError(name, None, "", 1, 1, "应为一个案例（id、as_of 等“键: 值”），或“cases:”下的"
                                             f"案例列表，{found}")], nothing)

    out = CaseFile(name, [], errors, dict(nothing))
    budget = _Budget()
    counts: dict[str, int] = {}
    for n, (_, raw) in enumerate(entries):
        counts[_case_id(raw, n)] = counts.get(_case_id(raw, n), 0) + 1
    for n, (prefix, raw) in enumerate(entries):
        held = _records(raw, policy.records)
        for k in held:
            out.read[k] += held[k]
        case_id = _case_id(raw, n)
        if counts[case_id] > 1:
            # Two cases with one id cannot be told apart in the output: every one of them is refused.
            out.errors.extend(budget.keep([_error(name, case_id, tree, prefix + ["id"], f"案例编号“{case_id}”在本文件中"
                                                  f"出现了 {counts[case_id]} 次，无法区分，这些案例均未判定")], case=True))
            out.failed_cases[f"{case_id}#{n + 1}"] = held
            continue
        case, found = check_case(raw, policy, name, tree, prefix, n, walk, budget)
        out.errors.extend(found)
        if case is None:
            out.failed_cases[case_id] = held
        else:
            out.cases.append(case)
    summary = budget.summary(name)
    if summary is not None:
        out.errors.append(summary)
    return out


def _case_id(raw, index: int) -> str:
    value = raw.get("id") if isinstance(raw, dict) else None
    return str(value) if isinstance(value, (str, int)) and not isinstance(value, bool) else f"case-{index + 1}"


_SCHEMAS: dict[tuple[str, str], dict] = {}


def _schema(policy: Policy, part: str) -> dict:
    """The case schema with this policy's words: the case's own fields (`case`), one list of records (`people`), or
    the whole (`full`)."""
    key = (policy.digest, part)
    if key not in _SCHEMAS:
        full = schemas.with_attributes(schemas.with_vocabulary(case_schema(schemas.schema("case"), policy.records),
                                                               policy.vocabulary), policy.kinds)
        if part == "full":
            doc = full
        elif part == "case":
            doc = copy.deepcopy(full)
            for kind in policy.records.lists:
                doc["properties"][kind] = {"type": "array", "description": f"a list of {kind}"}
        else:
            doc = {"$defs": full["$defs"], "$ref": f"#/$defs/{policy.records.of_list(part).name}"}
        _SCHEMAS[key] = doc
    return _SCHEMAS[key]


_PERSONAL: dict[str, Personal] = {}


def personal_of(policy: Policy) -> Personal:
    """Which values of this policy's case files are personal (records.yaml `personal:`), for masking errors."""
    if policy.digest not in _PERSONAL:
        _PERSONAL[policy.digest] = Personal(_schema(policy, "full"))
    return _PERSONAL[policy.digest]


def check_case(raw, policy: Policy, file: str, root, prefix: list, index: int = 0,
               walk: Walk | None = None, budget: _Budget | None = None) -> tuple[Case | None, list[CaseError]]:
    """One case (a mapping inside `root`, the loaded tree): the normalised case and the errors of its records.

    The case is None when its own fields are wrong; otherwise it holds the
    records that could be read, and `rejected` lists the others. `walk` and
    `budget`: the file's, when it holds other cases (aliases and errors kept
    are counted across it); the errors returned are those the budget keeps.
    """
    walk = walk or Walk()
    budget = budget or _Budget()
    case_id = _case_id(raw, index)
    lists = policy.records.lists
    hazards = walk.hazards(raw, prefix, records=frozenset(lists))
    if hazards:
        return None, budget.keep([_hazard_error(file, case_id, root, h, labels=labels_of(policy)) for h in hazards],
                                 case=True)
    if not isinstance(raw, dict):
        return None, budget.keep([_error(file, case_id, root, prefix, "应为一个案例（id、as_of 等“键: 值”），实为"
                                         f"{schemas.found_text(raw)}")], case=True)
    # the records' lists stand for themselves here: each record is checked on its own below
    shell = {k: [] if k in lists and isinstance(v, list) else plain(v) for k, v in raw.items()}
    problems = schemas.problems(shell, _schema(policy, "case"), file, root, tuple(prefix),
                                words=labels_of(policy).words())
    errors = [CaseError.at(p.location, case_id, p.path, p.message) for p in problems]
    if errors:
        loc = locate(root, prefix, file)
        return None, budget.keep(_at_most(errors, loc, case_id, schemas.path_text(prefix)), case=True)
    data = shell
    as_of = dt.date.fromisoformat(data["as_of"])
    case = Case(case_id, as_of, _case_values(data, policy.records), {}, file, index, locate(root, prefix, file))
    accepted: dict[str, list[tuple[int, dict]]] = {}
    for kind in lists:
        accepted[kind] = []
        for i, record in enumerate(raw.get(kind) or []):
            at = prefix + [kind, i]
            normal, found = _check_record(kind, record, policy, file, case_id, root, at, walk)
            if found:
                errors.extend(budget.keep(found))
                case.rejected.append(_rejected(kind, i, record, at, root, file, policy.records))
            else:
                accepted[kind].append((i, normal))
    labels = labels_of(policy)
    _refuse_duplicates(case, accepted, errors, file, root, prefix, budget, labels, policy.records)
    _refuse_unknown_refs(case, accepted, errors, file, root, prefix, budget, labels, policy.records)
    case.records = {kind: [r for _, r in accepted[kind]] for kind in lists}
    case.incomplete = _incomplete(case, policy.records, labels)
    case.errors = errors
    case.warnings = _future_dates(case, labels, policy.records)
    case.errors = errors = _held(errors, policy, prefix)
    return case, errors


def _case_values(data: dict, records: Records) -> dict[str, Any]:
    """The case's own declared fields as written; a blank year with a `default:` is the year of that date field."""
    out = {}
    for name, f in records.case_fields.items():
        value = data.get(name)
        if value is None and f.type == "year" and f.default and isinstance(data.get(f.default), str):
            value = dt.date.fromisoformat(data[f.default]).year
        out[name] = int(value) if f.type == "year" and value is not None else value
    return out


def subjects(case: Case, records: Records) -> dict[str, str]:
    """Each record's id → its kind (person, center …); an id two kinds share is the first kind's."""
    out: dict[str, str] = {}
    for kind in records.kinds.values():
        for r in case.records.get(kind.list, []):
            out.setdefault(str(r["id"]), kind.name)
    return out


def entries(case: Case, records: Records, kind: str) -> list[dict]:
    """The case's records of a kind (person → its people), [] for a kind records.yaml does not declare."""
    declared = records.kinds.get(kind)
    return case.records.get(declared.list, []) if declared else []


def refuse(case: Case, kind: str, subject: str, message: str, policy: Policy,
           detail: str | None = None) -> CaseError | None:
    """Take a record out of a case after it was read (its facts could not be computed); None when it is not there."""
    held = case.records.get(kind, [])
    record = next((r for r in held if r["id"] == subject), None)
    if record is None:
        return None
    held.remove(record)
    index = re.search(r"\[(\d+)\]$", record["_path"])
    records = policy.records
    declared = records.of_list(kind)
    refs = tuple((f, str(record.get(f) or "")) for f in (declared.refs if declared else {}))
    loc = Location(case.file, record["_line"]) if record.get("_line") else _relocate(case.file, record["_path"])
    case.rejected.append(Rejected(kind, int(index.group(1)) if index else -1, subject, record["_path"], loc.line, refs))
    case.incomplete = _incomplete(case, records, labels_of(policy))
    error = dataclasses.replace(CaseError.at(loc, case.id, record["_path"], message, subject, kind, detail=detail),
                                held=personal_of(policy).of(record["_path"]))
    case.errors.append(error)
    return error


def _relocate(file: str, path: str) -> Location:
    """Where a record stands, reading the file again with positions (it was read fast, and looked right)."""
    steps = [int(i) if i else key for key, i in re.findall(r"([^.\[\]]+)|\[(\d+)\]", path)]
    try:
        return locate(formats.parse(yamlio.read_case(file)), steps, file)
    except YamlError:
        return Location(file)


def _hazard_error(file: str, case_id, root, hazard: Hazard, subject=None, kind=None,
                  labels: Labels | None = None) -> CaseError:
    """A hazard as a case error, the field named by its label: where the reader saw it (a duplicate key's second
    line), else its path's place."""
    loc = locate(root, list(hazard.path), file)
    if hazard.line is not None:
        loc = Location(file, hazard.line, hazard.col)
    label = (labels or Labels()).of(tuple(hazard.path))
    return CaseError.at(loc, case_id, schemas.path_text(hazard.path), f"{label}：{hazard.message}" if label else
                        hazard.message, subject, kind)


def _future_dates(case: Case, labels: Labels, records: Records) -> list[str]:
    """A date records.yaml marks `warn_after:` a date of the case (a person born or hired after the day the case is
    judged) is decided as written, with a warning."""
    out = []
    for kind in records.kinds.values():
        later = [(n, f.warn_after) for n, f in kind.fields.items() if f.warn_after]
        for r in case.records.get(kind.list, []) if later else ():
            for name, bound in later:
                day, limit = r.get(name), case.as_of.isoformat() if bound == "as_of" else case.values.get(bound)
                if day is not None and limit is not None and day > limit:
                    where = f"（第{r['_line']}行）" if r.get("_line") else ""
                    out.append(f"{labels.sheets.get(kind.list, kind.list)} {r['id']}{where}的"
                               f"{labels.of((kind.list, 0, name))} {day} 晚于{labels.of((bound,))} {limit}；已按所填判定")
    return out


def _subject(record) -> str | None:
    value = record.get("id") if isinstance(record, dict) else None
    return str(value) if isinstance(value, (str, int)) and not isinstance(value, bool) else None


def _rejected(kind: str, index: int, record, at: list, root, file: str, records: Records) -> Rejected:
    """`refs`: the record each of the kind's relations names, "" when none, None when that cannot be read."""
    declared = records.of_list(kind)
    refs = []
    for name in declared.refs if declared else {}:
        value = record.get(name, "") if isinstance(record, dict) else None
        refs.append((name, str(value) if isinstance(value, (str, int)) and not isinstance(value, bool) else None))
    return Rejected(kind, index, _subject(record), schemas.path_text(at), locate(root, at, file).line, tuple(refs))


def _check_record(kind: str, record, policy: Policy, file: str, case_id: str, root, at: list,
                  walk: Walk) -> tuple[dict | None, list[CaseError]]:
    subject = _subject(record)
    data = walk.sound_copy(record, at)   # a clean record: looked at and copied in one walk
    if data is UNSOUND:
        hazards = walk.hazards(record, at)
        if hazards:
            return None, [_hazard_error(file, case_id, root, h, subject, kind, labels_of(policy)) for h in hazards]
        data = plain(record)
    labels = labels_of(policy)
    if not isinstance(record, dict):
        return None, [_error(file, case_id, root, at, f"{labels.of(tuple(at))}应为一条记录（编号、各字段的“键: 值”），"
                                                      f"实为{schemas.found_text(record)}", subject, kind)]
    declared = policy.records.of_list(kind)
    _words_as_text(data, declared.fields)
    _yes_no_fields(data, _schema(policy, kind), labels)
    problems = schemas.problems(data, _schema(policy, kind), file, root, tuple(at), words=labels.words())
    errors = [CaseError.at(p.location, case_id, p.path, p.message, subject, kind) for p in problems]
    if errors:
        return None, _at_most(errors, locate(root, at, file), case_id, schemas.path_text(at), subject, kind)
    normal = _normalise(declared, data, policy, at, labels)
    errors = [_error(file, case_id, root, at + list(path), message, subject, kind) for path, message in normal.pop("_problems")]
    normal["_line"] = locate(root, at, file).line     # for evaluation errors and warnings about this record
    if errors:
        return None, _at_most(errors, locate(root, at, file), case_id, schemas.path_text(at), subject, kind)
    return normal, []


def _yes_no_fields(data: Any, schema: dict, labels: Labels) -> None:
    """Each yes/no field (the schema's booleans) written with the roster's words (是/否, √/×, 有/无, Y/N) as
    true/false, in place: one definition of yes and no for sheets and YAML/JSON case files alike."""
    plan = _yes_no_plan(schema)
    if plan is not None:
        _yes_no_apply(data, plan, labels)


_PLANS: dict[int, tuple] = {}   # id(schema) → (schema, its plan); the schemas are kept for the run (_SCHEMAS)


def _yes_no_plan(schema: dict) -> tuple | None:
    """Where the schema's booleans are, worked out once per schema: (plans of the properties holding one, the
    property names, the plan of other keys, the plan of items); True for a boolean; None where there is none."""
    kept = _PLANS.get(id(schema))
    if kept is None or kept[0] is not schema:
        kept = _PLANS[id(schema)] = (schema, _plan_of(schema, schema.get("$defs", {})))
    return kept[1]


def _plan_of(node: Any, defs: dict) -> tuple | bool | None:
    while isinstance(node, dict) and "$ref" in node:   # the case schema's references never loop (records.py)
        node = defs.get(node["$ref"].rsplit("/", 1)[-1], {})
    if not isinstance(node, dict):
        return None
    if node.get("type") == "boolean":
        return True
    names = node.get("properties") or {}
    props = {key: plan for key, inner in names.items() if (plan := _plan_of(inner, defs)) is not None}
    extra = _plan_of(node["additionalProperties"], defs) if isinstance(node.get("additionalProperties"), dict) else None
    items = _plan_of(node["items"], defs) if isinstance(node.get("items"), dict) else None
    if not props and extra is None and items is None:
        return None
    return props, frozenset(names), extra, items


def _yes_no_apply(data: Any, plan: tuple, labels: Labels) -> None:
    props, names, extra, items = plan
    if isinstance(data, dict):
        for key, value in data.items():
            inner = props.get(key) if key in names else extra
            if inner is True:
                data[key] = yes_no(value, labels)
            elif inner is not None and isinstance(value, (dict, list)):
                _yes_no_apply(value, inner, labels)
    elif isinstance(data, list) and items is not None:
        for value in data:
            if isinstance(value, (dict, list)):
                _yes_no_apply(value, items, labels)


def _words_as_text(data: dict, fields: dict[str, Field]) -> None:
    """`level: 4` and `level: "4"` mean the same: a word typed as a whole number is read as its text (the
    vocabulary's words and aliases are text), in place, in records and nested records alike."""
    for name, f in fields.items():
        value = data.get(name)
        if f.type == "word" and isinstance(value, int) and not isinstance(value, bool):
            data[name] = str(value)
        elif f.type == "records" and isinstance(value, list):
            for entry in value:
                if isinstance(entry, dict):
                    _words_as_text(entry, f.fields)
        elif f.type == "group" and isinstance(value, dict):
            _words_as_text(value, f.fields)


def canonical(policy: Policy, vocabulary: str, word: str) -> str:
    entry = policy.vocabulary[vocabulary]
    return (entry.get("aliases") or {}).get(word, word)


def _normalise(kind, data: dict, policy: Policy, at: list, labels: Labels) -> dict:
    """Canonical words and ids, as records.yaml types the fields; `_problems` lists what the schema cannot see
    (a word not among those its `by:` field allows)."""
    problems: list[tuple[tuple, str]] = []
    out = dict(data, id=str(data["id"]))
    _normal_fields(out, kind.fields, policy, tuple(at), (), labels, problems)
    out["_path"] = schemas.path_text(at)
    out["_problems"] = problems
    return out


def _normal_fields(data: dict, fields: dict[str, Field], policy: Policy, at: tuple, inner: tuple, labels: Labels,
                   problems: list) -> None:
    for name, f in fields.items():
        if f.type in ("records", "by_month") and name not in data:
            data[name] = [] if f.type == "records" else {}    # read as none: the rules and counts see an empty list
        if name not in data:
            continue
        value = data[name]
        if f.type == "ref":
            data[name] = str(value)
        elif f.type == "word":
            data[name] = canonical(policy, f.vocabulary, value)
        elif f.type == "by_month":
            data[name] = {str(k): v for k, v in value.items()}
        elif f.type == "records":
            entries = []
            for j, entry in enumerate(value):
                entry = {k: entry[k] for k in f.fields if k in entry}
                _normal_fields(entry, f.fields, policy, at, inner + (name, j), labels, problems)
                entries.append(entry)
            data[name] = entries
    for name, f in fields.items():
        if f.type == "word" and f.by and name in data and f.by in data:
            chosen = data[f.by]
            allowed = (policy.vocabulary[f.vocabulary].get("by_type") or {}).get(chosen, [])
            if data[name] not in allowed:
                where = labels.of(at + inner + (name,))
                what = (f.says or "{" + f.by + "}").replace("{" + f.by + "}", str(chosen))
                problems.append((inner + (name,), f"{where}应为 {'、'.join(allowed)} 之一（{what}），"
                                                  f"实为{schemas.found_text(str(data[name]))}"
                                                  f"{near(str(data[name]), allowed)}"))


def _refuse_duplicates(case: Case, accepted: dict, errors: list, file: str, root, prefix: list,
                       budget: _Budget, labels: Labels, records: Records) -> None:
    """Records of one kind sharing an id cannot be told apart: every one of them is refused."""
    for kind in accepted:
        first: dict[str, int] = {}
        for i, record in accepted[kind]:
            first.setdefault(record["id"], i)
        counts: dict[str, int] = {}
        for _, record in accepted[kind]:
            counts[record["id"]] = counts.get(record["id"], 0) + 1
        kept = []
        for i, record in accepted[kind]:
            if counts[record["id"]] > 1:
                at = prefix + [kind, i]
                label = labels.sheets.get(kind, kind)
                errors.extend(budget.keep([_error(file, case.id, root, at + ["id"], f"编号“{record['id']}”在{label}中"
                                                  f"出现了 {counts[record['id']]} 次（第一次在{label}第"
                                                  f"{first[record['id']] + 1}条），无法区分，均未判定",
                                                  record["id"], kind)]))
                case.rejected.append(_rejected(kind, i, record, at, root, file, records))
            else:
                kept.append((i, record))
        accepted[kind] = kept


def _refuse_unknown_refs(case: Case, accepted: dict, errors: list, file: str, root, prefix: list,
                         budget: _Budget, labels: Labels, records: Records) -> None:
    """A record naming one the case does not hold (nor holds as a rejected record: a person at an unknown center)
    is an error on that record."""
    for kind in records.kinds.values():
        for name, to in kind.refs.items():
            target = records.kinds[to].list
            known = {r["id"] for _, r in accepted[target]} | {r.subject for r in case.rejected
                                                              if r.kind == target and r.subject is not None}
            called = labels.sheets.get(target, target)
            kept = []
            for i, record in accepted[kind.list]:
                value = record.get(name)
                if value is not None and value not in known:
                    at = prefix + [kind.list, i]
                    held = f"本案例的{called}：{'、'.join(sorted(known))}" if known else f"本案例没有{called}"
                    errors.extend(budget.keep([_error(file, case.id, root, at + [name],
                                                      f"{labels.of(tuple(at) + (name,))}“{value}”不是本案例中的{called}"
                                                      f"（{held}）{near(value, known)}", record["id"], kind.list)]))
                    case.rejected.append(_rejected(kind.list, i, record, at, root, file, records))
                else:
                    kept.append((i, record))
            accepted[kind.list] = kept


def _incomplete(case: Case, records: Records, labels: Labels) -> dict[tuple[str, str], str]:
    """Records whose related records cannot all be counted (a center's people), because a rejected record names them
    or names none that can be read: (kind, id) → why, said with each decision that counts them."""
    out: dict[tuple[str, str], list[str]] = {}
    for r in case.rejected:
        kind = records.of_list(r.kind)
        name = r.subject or f"第{r.index + 1}条"       # a record without a readable id: by its place in the list
        who = f"{name}（第{r.line}行）" if r.line else name
        for field_name, named in r.refs:
            to = records.kinds[kind.refs[field_name]]
            ids = [t["id"] for t in case.records.get(to.list, [])]
            # a record naming one of the case counts there; one whose reference cannot be read might count anywhere
            for target in ([named] if named in ids else ids if named is None else []):
                out.setdefault((to.name, target), []).append(who)
    called = {k.name: labels.sheets.get(k.list, k.label) for k in records.kinds.values()}
    # the first MAX_PROBLEMS named: the reason is shown with each of the decisions that count them
    return {(k, t): "、".join(held[:MAX_PROBLEMS]) + (f" 等 {len(held):,} 条记录" if len(held) > MAX_PROBLEMS else "的记录")
            + f"有误，无法计入本{called[k]}" for (k, t), held in out.items()}
