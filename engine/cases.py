"""Case files in: parse, check each case against the schema and the policy's words, normalise.

A bad case never takes the file down with it: each case is checked on its
own, and its errors name the file, the case, the field path, the line, and
what was expected. Good cases of the same file go on to be evaluated.
"""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from . import schemas, yamlio
from .model import Policy
from .yamlio import Location, locate


@dataclass(frozen=True)
class CaseError:
    file: str
    case: str | None
    path: str
    line: int | None
    col: int | None
    message: str

    def __str__(self) -> str:
        where = f"{self.file}:{self.line}:{self.col or 1}" if self.line else self.file
        case = f" [{self.case}]" if self.case else ""
        return f"{where}:{case} {self.path + ': ' if self.path else ''}{self.message}"

    def as_json(self) -> dict:
        return {"file": self.file, "case": self.case, "path": self.path, "line": self.line, "col": self.col,
                "message": self.message}


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


@dataclass
class CaseFile:
    path: str
    cases: list[Case]
    errors: list[CaseError]      # errors of cases that could not be evaluated, and of the file itself


def _error(file: str, case_id, root, path: list, message: str) -> CaseError:
    loc = locate(root, path, file)
    return CaseError(file, None if case_id is None else str(case_id), schemas.path_text(path), loc.line, loc.col, message)


def load_cases(path: str | Path, policy: Policy) -> CaseFile:
    """Every case of the file, normalised; malformed cases become errors, the rest are evaluated."""
    name = str(path)
    try:
        tree = yamlio.load_fast(path)
    except yamlio.YamlError as e:
        loc = e.location
        return CaseFile(name, [], [CaseError(name, None, "", loc.line, loc.col, e.message)])
    result = _load_tree(tree, policy, name)
    if result.errors and not hasattr(tree, "lc"):
        # Something is wrong: read the file again keeping positions, so every error has its line.
        result = _load_tree(yamlio.load(path), policy, name)
    return result


def _load_tree(tree, policy: Policy, name: str) -> CaseFile:
    if isinstance(tree, dict) and "cases" in tree:
        if not isinstance(tree["cases"], list):
            return CaseFile(name, [], [_error(name, None, tree, ["cases"], "expected a list of cases under «cases»")])
        extra = [k for k in tree if k != "cases"]
        entries = [(["cases", i], c) for i, c in enumerate(tree["cases"])]
        errors = [_error(name, None, tree, [k], f"unknown field «{k}» beside «cases»") for k in extra]
    elif isinstance(tree, dict):
        entries, errors = [([], tree)], []
    else:
        found = "an empty file" if tree is None else schemas._shown(tree)
        return CaseFile(name, [], [CaseError(name, None, "", 1, 1, f"expected a case (a mapping) or «cases:» with a list, found {found}")])

    cases, seen = [], set()
    for n, (prefix, raw) in enumerate(entries):
        case, found = check_case(raw, policy, name, tree, prefix, n)
        if case is not None and case.id in seen:
            found.append(_error(name, case.id, tree, prefix + ["id"], f"case id «{case.id}» is used twice in this file"))
        if found:
            errors.extend(found)
            continue
        seen.add(case.id)
        cases.append(case)
    return CaseFile(name, cases, errors)


_CASE_SCHEMAS: dict[str, dict] = {}


def _case_schema(policy: Policy) -> dict:
    """The case schema with this policy's words, built once per policy content (its digest)."""
    if policy.digest not in _CASE_SCHEMAS:
        _CASE_SCHEMAS[policy.digest] = schemas.with_vocabulary(schemas.schema("case"), policy.vocabulary)
    return _CASE_SCHEMAS[policy.digest]


def check_case(raw, policy: Policy, file: str, root, prefix: list, index: int = 0) -> tuple[Case | None, list[CaseError]]:
    """One case (a mapping inside `root`, the loaded YAML tree): the normalised case, or its errors."""
    case_id = raw.get("id", f"case-{index + 1}") if isinstance(raw, dict) else f"case-{index + 1}"
    if not isinstance(raw, dict):
        return None, [_error(file, case_id, root, prefix, f"expected a case (a mapping), found {schemas._shown(raw)}")]
    _integer_levels_as_text(raw)
    problems = schemas.problems(yamlio.plain(raw), _case_schema(policy), file, root, tuple(prefix))
    found = [CaseError(file, str(case_id), p.path, p.location.line, p.location.col, p.message) for p in problems]
    if found:
        return None, found
    case = _normalise(raw, policy, file, index, root, prefix, found)
    return case, found


def _integer_levels_as_text(raw: dict) -> None:
    """`level: 4` and `level: "4"` mean the same; the vocabulary's aliases are text."""
    for person in raw.get("people") or []:
        if isinstance(person, dict):
            for cert in person.get("certificates") or []:
                if isinstance(cert, dict) and isinstance(cert.get("level"), int) and not isinstance(cert.get("level"), bool):
                    cert["level"] = str(cert["level"])


def canonical(policy: Policy, vocabulary: str, word: str) -> str:
    entry = policy.vocabulary[vocabulary]
    return (entry.get("aliases") or {}).get(word, word)


def _normalise(raw: dict, policy: Policy, file: str, index: int, root, prefix: list, errors: list) -> Case | None:
    data = yamlio.plain(raw)
    case_id = str(data.get("id", f"case-{index + 1}"))
    as_of = dt.date.fromisoformat(data["as_of"])
    levels_by_type = policy.vocabulary["certificate_level"]["by_type"]

    def check_unique(kind: str, entries: list):
        ids = {}
        for i, entry in enumerate(entries):
            key = str(entry["id"])
            if key in ids:
                errors.append(_error(file, case_id, root, prefix + [kind, i, "id"],
                                     f"«{key}» is used twice in {kind} (first at {kind}[{ids[key]}])"))
            ids.setdefault(key, i)

    people = []
    for i, p in enumerate(data.get("people") or []):
        p = dict(p, id=str(p["id"]))
        if "education" in p:
            p["education"] = canonical(policy, "education", p["education"])
        certs = []
        for j, c in enumerate(p.get("certificates") or []):
            ctype = canonical(policy, "certificate_type", c["type"])
            level = canonical(policy, "certificate_level", str(c["level"]))
            allowed = levels_by_type.get(ctype, [])
            if level not in allowed:
                errors.append(_error(file, case_id, root, prefix + ["people", i, "certificates", j, "level"],
                                     f"expected one of {'|'.join(allowed)} for a {ctype} certificate, found “{c['level']}”"))
            certs.append({"type": ctype, "level": level, "obtained_on": c["obtained_on"]})
        p["certificates"] = certs
        p["ratings"] = {str(k): v for k, v in (p.get("ratings") or {}).items()}
        p["_path"] = schemas.path_text(prefix + ["people", i])
        p["_line"] = locate(root, prefix + ["people", i], file).line
        people.append(p)
    centers = []
    for i, c in enumerate(data.get("centers") or []):
        c = dict(c, id=str(c["id"]), level=canonical(policy, "center_level", c["level"]))
        c["_path"] = schemas.path_text(prefix + ["centers", i])
        centers.append(c)
    items = []
    for i, it in enumerate(data.get("items") or []):
        it = dict(it, id=str(it["id"]), center_level=canonical(policy, "center_level", it["center_level"]))
        it["_path"] = schemas.path_text(prefix + ["items", i])
        items.append(it)
    check_unique("people", people)
    check_unique("centers", centers)
    check_unique("items", items)
    if errors:
        return None
    return Case(case_id, as_of, int(data.get("assessment_year", as_of.year)), people, centers, items,
                file, index, locate(root, prefix, file))


