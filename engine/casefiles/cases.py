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
import datetime as dt
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ..policy import schemas

from ..common import yamlio
from . import formats
from ..common.limits import MAX_FILE_ERRORS, MAX_PROBLEMS, Hazard, Walk
from ..policy.model import Policy
from ..common.locations import Location, YamlError, locate, plain
from ..common.words import near
from .labels import Labels, labels_of, yes_no

__all__ = ["KINDS", "CaseError", "Rejected", "Case", "CaseFile", "read_source", "load_cases", "check_case",
           "refuse", "canonical"]

KINDS = ("people", "centers", "items")


@dataclass(frozen=True)
class CaseError:
    file: str
    case: str | None
    path: str
    line: int | None
    col: int | None
    message: str
    subject: str | None = None     # the record the error costs, when it costs one record
    kind: str | None = None        # people | centers | items
    sheet: str | None = None       # for a spreadsheet: where the cell is, and its column's header
    cell: str | None = None
    column: str | None = None
    # what this error stands for and is not listed (limits.MAX_PROBLEMS, MAX_FILE_ERRORS): on a record's last
    # error, the errors of that record; on a file's summary, the records and cases refused and their errors
    omitted_errors: int = 0
    omitted_records: int = 0
    omitted_cases: int = 0
    detail: str | None = None      # technical detail for the JSON answer (an exception's text); never on a terminal

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
    kind: str
    index: int
    subject: str | None
    center: str | None      # the center it names; "" when none, None when that cannot be read
    path: str
    line: int | None


@dataclass
class Case:
    id: str
    as_of: dt.date
    assessment_year: int
    people: list[dict]
    centers: list[dict]
    items: list[dict]
    file: str
    index: int
    location: Location
    errors: list[CaseError] = field(default_factory=list)
    rejected: list[Rejected] = field(default_factory=list)
    incomplete: dict[str, str] = field(default_factory=dict)   # center id → why its counts cannot be trusted
    warnings: list[str] = field(default_factory=list)          # read and decided, but worth a look (future dates)


@dataclass
class CaseFile:
    path: str
    cases: list[Case]
    errors: list[CaseError]      # errors of records and cases that could not be read, and of the file itself
    read: dict[str, int] = field(default_factory=lambda: {k: 0 for k in KINDS})   # records found, per kind
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
    name = str(path)
    if formats.is_spreadsheet(path):
        from . import spreadsheet   # openpyxl is imported only for spreadsheets
        try:
            tree = spreadsheet.read(path, policy)
        except spreadsheet.ReadError as e:
            return CaseFile(name, [], [CaseError.at(p.location, None, "", p.message) for p in e.problems])
        result = _load_tree(tree, policy, name)
        result.warnings = tree.warnings
        return result
    try:
        source, tree = parsed if parsed is not None else read_source(path)
    except YamlError as e:
        loc = e.location
        return CaseFile(name, [], [CaseError(name, None, "", loc.line, loc.col, e.message)])
    result = _load_tree(tree, policy, name)
    if (result.errors or any(c.rejected or c.warnings for c in result.cases)) and not yamlio.positioned(tree):
        # Something is wrong: read the file again keeping positions, so every error and warning has its line.
        result = _load_tree(formats.parse(source), policy, name)
    result.encoding = source.encoding
    result.warnings = [source.note] if source.note else []
    return result


def _records(raw) -> dict[str, int]:
    return {k: len(raw.get(k) or []) if isinstance(raw, dict) and isinstance(raw.get(k), list) else 0 for k in KINDS}


def _load_tree(tree, policy: Policy, name: str) -> CaseFile:
    walk = Walk()   # one per reading of the file: aliases are counted across all its records
    if isinstance(tree, dict) and "cases" in tree:
        if not isinstance(tree["cases"], list):
            top = walk.hazards(tree["cases"], ["cases"])[:1]
            return CaseFile(name, [], [_hazard_error(name, None, tree, top[0], labels=labels_of(policy)) if top else
                                       _error(name, None, tree, ["cases"], "“cases:”下应为案例的列表（每个案例以“- ”开头），"
                                              f"实为{schemas.found_text(tree['cases'])}")])
        extra = [k for k in tree if k != "cases"]
        entries = [(["cases", i], c) for i, c in enumerate(tree["cases"])]
        errors = [_error(name, None, tree, [k], f"“cases:”旁有不认识的字段“{k}”：多个案例时，每个案例的字段应写在"
                                                "“cases:”的列表项里") for k in extra]
    elif isinstance(tree, dict):
        entries, errors = [([], tree)], []
    else:
        found = "却是空文件" if tree is None else f"实为{schemas.found_text(tree)}"
        return CaseFile(name, [], [CaseError(name, None, "", 1, 1, "应为一个案例（id、as_of 等“键: 值”），或“cases:”下的"
                                             f"案例列表，{found}")])

    out = CaseFile(name, [], errors)
    budget = _Budget()
    counts: dict[str, int] = {}
    for n, (_, raw) in enumerate(entries):
        counts[_case_id(raw, n)] = counts.get(_case_id(raw, n), 0) + 1
    for n, (prefix, raw) in enumerate(entries):
        held = _records(raw)
        for k in KINDS:
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
    """The case schema with this policy's words: the case's own fields (`case`) or one kind of record."""
    key = (policy.digest, part)
    if key not in _SCHEMAS:
        full = schemas.with_attributes(schemas.with_vocabulary(schemas.schema("case"), policy.vocabulary), policy.kinds)
        if part == "case":
            doc = copy.deepcopy(full)
            for kind in KINDS:
                doc["properties"][kind] = {"type": "array", "description": f"a list of {kind}"}
        else:
            doc = {"$defs": full["$defs"], "$ref": f"#/$defs/{ {'people': 'person', 'centers': 'center', 'items': 'item'}[part] }"}
        _SCHEMAS[key] = doc
    return _SCHEMAS[key]


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
    hazards = walk.hazards(raw, prefix, records=frozenset(KINDS))
    if hazards:
        return None, budget.keep([_hazard_error(file, case_id, root, h, labels=labels_of(policy)) for h in hazards],
                                 case=True)
    if not isinstance(raw, dict):
        return None, budget.keep([_error(file, case_id, root, prefix, "应为一个案例（id、as_of 等“键: 值”），实为"
                                         f"{schemas.found_text(raw)}")], case=True)
    # the records' lists stand for themselves here: each record is checked on its own below
    shell = {k: [] if k in KINDS and isinstance(v, list) else plain(v) for k, v in raw.items()}
    problems = schemas.problems(shell, _schema(policy, "case"), file, root, tuple(prefix),
                                words=labels_of(policy).words())
    errors = [CaseError.at(p.location, case_id, p.path, p.message) for p in problems]
    if errors:
        loc = locate(root, prefix, file)
        return None, budget.keep(_at_most(errors, loc, case_id, schemas.path_text(prefix)), case=True)
    data = shell
    as_of = dt.date.fromisoformat(data["as_of"])
    case = Case(case_id, as_of, int(data.get("assessment_year", as_of.year)), [], [], [], file, index,
                locate(root, prefix, file))
    accepted: dict[str, list[tuple[int, dict]]] = {}
    for kind in KINDS:
        accepted[kind] = []
        for i, record in enumerate(raw.get(kind) or []):
            at = prefix + [kind, i]
            normal, found = _check_record(kind, record, policy, file, case_id, root, at, walk)
            if found:
                errors.extend(budget.keep(found))
                case.rejected.append(_rejected(kind, i, record, at, root, file))
            else:
                accepted[kind].append((i, normal))
    labels = labels_of(policy)
    _refuse_duplicates(case, accepted, errors, file, root, prefix, budget, labels)
    _refuse_unknown_centers(case, accepted, errors, file, root, prefix, budget, labels)
    case.people = [r for _, r in accepted["people"]]
    case.centers = [r for _, r in accepted["centers"]]
    case.items = [r for _, r in accepted["items"]]
    case.incomplete = _incomplete_centers(case)
    case.errors = errors
    case.warnings = _future_dates(case, labels)
    return case, errors


def refuse(case: Case, kind: str, subject: str, message: str, detail: str | None = None) -> CaseError | None:
    """Take a record out of a case after it was read (its facts could not be computed); None when it is not there."""
    records = getattr(case, kind) if kind in KINDS else []
    record = next((r for r in records if r["id"] == subject), None)
    if record is None:
        return None
    records.remove(record)
    index = re.search(r"\[(\d+)\]$", record["_path"])
    center = str(record.get("center") or "") if kind == "people" else ""
    loc = Location(case.file, record["_line"]) if record.get("_line") else _relocate(case.file, record["_path"])
    case.rejected.append(Rejected(kind, int(index.group(1)) if index else -1, subject, center, record["_path"], loc.line))
    case.incomplete = _incomplete_centers(case)
    error = CaseError.at(loc, case.id, record["_path"], message, subject, kind, detail=detail)
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


_PERSON_DATES = ("birth_date", "selection_date", "hired_on", "service_start")


def _future_dates(case: Case, labels: Labels) -> list[str]:
    """A person born, selected or hired after the day the case is judged is decided as written, with a warning."""
    out = []
    for p in case.people:
        for name in _PERSON_DATES:
            day = p.get(name)
            if day is not None and day > case.as_of.isoformat():
                where = f"（第{p['_line']}行）" if p.get("_line") else ""
                out.append(f"{labels.sheets.get('people', 'people')} {p['id']}{where}的{labels.of(('people', 0, name))} "
                           f"{day} 晚于判定日 {case.as_of}；已按所填判定")
    return out


def _subject(record) -> str | None:
    value = record.get("id") if isinstance(record, dict) else None
    return str(value) if isinstance(value, (str, int)) and not isinstance(value, bool) else None


def _rejected(kind: str, index: int, record, at: list, root, file: str) -> Rejected:
    """`center` is the center the record names, "" when it names none, None when that cannot be read."""
    center = None
    if isinstance(record, dict):
        value = record.get("center", "")
        center = str(value) if isinstance(value, (str, int)) and not isinstance(value, bool) else None
    return Rejected(kind, index, _subject(record), center, schemas.path_text(at), locate(root, at, file).line)


def _check_record(kind: str, record, policy: Policy, file: str, case_id: str, root, at: list,
                  walk: Walk) -> tuple[dict | None, list[CaseError]]:
    subject = _subject(record)
    hazards = walk.hazards(record, at)
    if hazards:
        return None, [_hazard_error(file, case_id, root, h, subject, kind, labels_of(policy)) for h in hazards]
    labels = labels_of(policy)
    if not isinstance(record, dict):
        return None, [_error(file, case_id, root, at, f"{labels.of(tuple(at))}应为一条记录（编号、各字段的“键: 值”），"
                                                      f"实为{schemas.found_text(record)}", subject, kind)]
    data = plain(record)
    _integer_levels_as_text(data)
    _yes_no_fields(data, _schema(policy, kind), labels)
    problems = schemas.problems(data, _schema(policy, kind), file, root, tuple(at), words=labels.words())
    errors = [CaseError.at(p.location, case_id, p.path, p.message, subject, kind) for p in problems]
    if errors:
        return None, _at_most(errors, locate(root, at, file), case_id, schemas.path_text(at), subject, kind)
    normal = _normalise(kind, data, policy, at, labels)
    errors = [_error(file, case_id, root, at + list(path), message, subject, kind) for path, message in normal.pop("_problems")]
    normal["_line"] = locate(root, at, file).line     # for evaluation errors and warnings about this record
    if errors:
        return None, _at_most(errors, locate(root, at, file), case_id, schemas.path_text(at), subject, kind)
    return normal, []


def _yes_no_fields(data: Any, node: dict, labels: Labels, defs: dict | None = None) -> None:
    """Each yes/no field (the schema's booleans) written with the roster's words (是/否, √/×, 有/无, Y/N) as
    true/false, in place: one definition of yes and no for sheets and YAML/JSON case files alike."""
    defs = node.get("$defs", {}) if defs is None else defs
    while isinstance(node, dict) and "$ref" in node:
        node = defs.get(node["$ref"].rsplit("/", 1)[-1], {})
    if not isinstance(node, dict):
        return
    if isinstance(data, dict):
        for key, value in data.items():
            inner = (node.get("properties") or {}).get(key, node.get("additionalProperties"))
            if not isinstance(inner, dict):
                continue
            while "$ref" in inner:
                inner = defs.get(inner["$ref"].rsplit("/", 1)[-1], {})
            if inner.get("type") == "boolean":
                data[key] = yes_no(value, labels)
            elif isinstance(value, (dict, list)):
                _yes_no_fields(value, inner, labels, defs)
    elif isinstance(data, list) and isinstance(node.get("items"), dict):
        for value in data:
            if isinstance(value, (dict, list)):
                _yes_no_fields(value, node["items"], labels, defs)


def _integer_levels_as_text(person: dict) -> None:
    """`level: 4` and `level: "4"` mean the same; the vocabulary's aliases are text."""
    for cert in person.get("certificates") or [] if isinstance(person.get("certificates"), list) else []:
        if isinstance(cert, dict) and isinstance(cert.get("level"), int) and not isinstance(cert.get("level"), bool):
            cert["level"] = str(cert["level"])


def canonical(policy: Policy, vocabulary: str, word: str) -> str:
    entry = policy.vocabulary[vocabulary]
    return (entry.get("aliases") or {}).get(word, word)


def _normalise(kind: str, data: dict, policy: Policy, at: list, labels: Labels) -> dict:
    """Canonical words and ids; `_problems` lists what the schema cannot see (a level of another type)."""
    problems: list[tuple[tuple, str]] = []
    path = schemas.path_text(at)
    if kind == "centers":
        return dict(data, id=str(data["id"]), level=canonical(policy, "center_level", data["level"]), _path=path,
                    _problems=problems)
    if kind == "items":
        return dict(data, id=str(data["id"]), center_level=canonical(policy, "center_level", data["center_level"]),
                    _path=path, _problems=problems)
    levels_by_type = policy.vocabulary["certificate_level"]["by_type"]
    p = dict(data, id=str(data["id"]))
    if "center" in p:
        p["center"] = str(p["center"])
    if "education" in p:
        p["education"] = canonical(policy, "education", p["education"])
    certs = []
    for j, c in enumerate(p.get("certificates") or []):
        ctype = canonical(policy, "certificate_type", c["type"])
        level = canonical(policy, "certificate_level", str(c["level"]))
        allowed = levels_by_type.get(ctype, [])
        if level not in allowed:
            where = labels.of(tuple(at) + ("certificates", j, "level"))
            problems.append((("certificates", j, "level"), f"{where}应为 {'、'.join(allowed)} 之一（{ctype}证书的等级），"
                                                           f"实为{schemas.found_text(str(c['level']))}"
                                                           f"{near(str(c['level']), allowed)}"))
        certs.append({"type": ctype, "level": level, "obtained_on": c["obtained_on"]})
    p["certificates"] = certs
    p["ratings"] = {str(k): v for k, v in (p.get("ratings") or {}).items()}
    p["_path"] = path
    p["_problems"] = problems
    return p


def _refuse_duplicates(case: Case, accepted: dict, errors: list, file: str, root, prefix: list,
                       budget: _Budget, labels: Labels) -> None:
    """Records of one kind sharing an id cannot be told apart: every one of them is refused."""
    for kind in KINDS:
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
                case.rejected.append(Rejected(kind, i, record["id"], record.get("center", ""), schemas.path_text(at),
                                              locate(root, at, file).line))
            else:
                kept.append((i, record))
        accepted[kind] = kept


def _refuse_unknown_centers(case: Case, accepted: dict, errors: list, file: str, root, prefix: list,
                            budget: _Budget, labels: Labels) -> None:
    """A person at a center the case does not hold (nor holds as a rejected record) is an error on that person."""
    known = {r["id"] for _, r in accepted["centers"]} | {r.subject for r in case.rejected
                                                         if r.kind == "centers" and r.subject is not None}
    kept = []
    for i, person in accepted["people"]:
        center = person.get("center")
        if center is not None and center not in known:
            at = prefix + ["people", i]
            held = f"本案例的{labels.sheets.get('centers', 'centers')}：{'、'.join(sorted(known))}" if known else \
                f"本案例没有{labels.sheets.get('centers', 'centers')}"
            errors.extend(budget.keep([_error(file, case.id, root, at + ["center"], f"{labels.of(tuple(at) + ('center',))}"
                                              f"“{center}”不是本案例中的{labels.sheets.get('centers', 'centers')}（{held}）"
                                              f"{near(center, known)}", person["id"], "people")]))
            case.rejected.append(Rejected("people", i, person["id"], center, schemas.path_text(at),
                                          locate(root, at, file).line))
        else:
            kept.append((i, person))
    accepted["people"] = kept


def _incomplete_centers(case: Case) -> dict[str, str]:
    """Centers whose people cannot all be counted, because a rejected person names them or names no readable center."""
    out: dict[str, list[str]] = {}
    centers = [c["id"] for c in case.centers]
    for r in case.rejected:
        if r.kind != "people":
            continue
        name = r.subject or f"第{r.index + 1}条"       # a record without a readable id: by its place in the list
        who = f"{name}（第{r.line}行）" if r.line else name
        # a person naming a center of the case counts there; one whose center cannot be read might count anywhere
        for center in ([r.center] if r.center in centers else centers if r.center is None else []):
            out.setdefault(center, []).append(who)
    # the first MAX_PROBLEMS named: the reason is shown with each of the center's decisions
    return {c: "、".join(people[:MAX_PROBLEMS]) + (f" 等 {len(people):,} 人" if len(people) > MAX_PROBLEMS else "")
            + "的记录有误，无法计入本中心" for c, people in out.items()}
