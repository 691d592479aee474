"""The answer in the contract's JSON shape (fact-model.md): each case's determinations and explanations, the
policy that made them, the books; and a decision's label as every output names it.

Personal data is masked here, at the edge, unless the caller asks otherwise (engine/common/privacy.py).
Nothing here prints.
"""
from __future__ import annotations

import json
import sys
from typing import Any, TextIO

from ..common import jsonio
from ..formula import expr
from ..explain.brief import Brief, References
from ..casefiles.cases import CaseError, CaseFile
from ..pipeline.evaluate import CaseResult, account
from ..explain.trace import Trace
from ..explain.why import Why
from ..policy.model import Policy
from ..common.privacy import mask_error, outward, outward_json

__all__ = ["policy_header", "EXPLAIN_SIZES", "case_json", "rendered_case", "document", "decision_label",
           "write_json"]


def policy_header(policy: Policy) -> dict:
    return {"id": policy.id, "version": policy.version, "digest": policy.digest,
            "document_number": policy.document_number, "title": policy.title}


def _error_json(e: CaseError, unmask: bool) -> dict:
    data = e.as_json()
    return data if unmask else mask_error(data, e.held)


EXPLAIN_SIZES = ("none", "brief", "full")


def case_json(result: CaseResult, policy: Policy, explain: str | bool = "full", unmask: bool = False,
              subject: str | None = None, refs: References | None = None) -> dict:
    """One case's answer; `explain`: none, brief (referring to `refs`, which it fills) or full (self-contained)."""
    size = {True: "full", False: "none"}.get(explain, explain)
    if size == "brief" and refs is None:
        raise ValueError("brief explanations refer to a References table: pass one")
    trace = Trace.of(policy, result) if size != "none" and result.params is not None else None
    brief = Brief(trace, refs) if trace is not None and size == "brief" else None
    why = Why(trace) if trace is not None and brief is None else None
    order = {name: i for i, name in enumerate(policy.output_decisions())}
    ranks = _subject_ranks(result)
    determinations = []
    for d in sorted(result.determinations, key=lambda d: (ranks.get(d.subject, (9, 0)), order.get(d.decision, 99))):
        if subject is not None and d.subject != subject:
            continue
        entry: dict[str, Any] = {"subject": d.subject, "decision": d.decision, "value": expr.plain(d.value)}
        if brief is not None:
            entry["explanation"] = brief.determination(d)
        elif why is not None:
            entry["explanation"] = why.determination(d)
        determinations.append(entry)
    out = {"id": result.case.id, "as_of": result.case.as_of.isoformat(), **result.case.values,
           "determinations": determinations,
           "errors": [_error_json(e, unmask) for e in result.errors]}
    if result.warnings:
        out["warnings"] = result.warnings
    if unmask:   # each record's personal fields (records.yaml `personal:`), under its list's name
        for kind in policy.records.kinds.values():
            personal = [n for n, f in kind.fields.items() if f.personal]
            if personal:
                out[kind.list] = {r["id"]: {n: r.get(n) for n in personal} for r in result.case.records.get(kind.list, [])}
    return out


def rendered_case(result: CaseResult, policy: Policy, explain: str = "brief", unmask: bool = False,
                  subject: str | None = None) -> tuple[dict, References]:
    """A case's answer and what its brief explanations refer to (plain data: made in a worker, sent back)."""
    refs = References()
    return case_json(result, policy, explain, unmask, subject, refs), refs


def _subject_ranks(result: CaseResult) -> dict[str, tuple]:
    """Subjects in the order the case lists them: its lists in records.yaml's order, each in file order."""
    ranks: dict[str, tuple] = {}
    for kind_rank, entries in enumerate(result.case.records.values()):
        for i, entry in enumerate(entries):
            ranks.setdefault(entry["id"], (kind_rank, i))
    return ranks


def document(policy: Policy, case_file: CaseFile, results: list[CaseResult], explain: str | bool = "full",
             unmask: bool = False, subject: str | None = None,
             rendered: list[tuple[dict, References]] | None = None) -> dict:
    """The whole answer for one case file, in the contract's shape (fact-model.md); `rendered`: each result's
    `rendered_case`, when already made (in worker processes). Brief explanations' table is `references`."""
    size = {True: "full", False: "none"}.get(explain, explain)
    if rendered is None:
        rendered = [rendered_case(r, policy, size, unmask, subject) for r in results]
    cases = [case for case, _ in rendered]
    refs = References()
    for _, part in rendered:
        refs.merge(part)
    decided = {r.case.id for r in results}
    failed: dict[str, list[CaseError]] = {}
    file_errors = []
    for e in case_file.errors:
        if e.case in decided:
            continue   # a rejected record of a case that stands: listed with that case (CaseResult.errors)
        (failed.setdefault(e.case, []) if e.case is not None else file_errors).append(e)
    for case_id, errors in failed.items():
        cases.append({"id": case_id, "as_of": None, "determinations": [], "errors": [_error_json(e, unmask) for e in errors]})
    out = {"policy": policy_header(policy), "cases": outward_json(cases, unmask), "account": account(case_file, results)}
    if size == "brief":
        out["references"] = refs.as_json()
    if file_errors:
        out["errors"] = outward([_error_json(e, unmask) for e in file_errors], unmask)
    if case_file.warnings:   # about the file: the encoding it was read in, the sample rows a spreadsheet reader skipped
        out["warnings"] = outward(case_file.warnings, unmask)
    return out


def decision_label(policy: Policy, name: str) -> str:
    if name in policy.decisions:
        return policy.decisions[name].label
    return next((d.scenarios.possible_label for d in policy.decisions.values() if d.scenarios and d.scenarios.possible == name), name)


def write_json(doc: Any, indent: int = 2, stream: TextIO | None = None) -> None:
    """The one place a command's JSON goes out (on stdout unless `stream`). Two-space indents: orjson
    (`jsonio.write`), as evaluate, replay and diff print; `indent=1`: the standard library's one-space indents,
    non-ASCII as is, as validate, test, coverage, analyze and appeal print — each command's bytes as always."""
    stream = sys.stdout if stream is None else stream
    if indent == 2:
        jsonio.write(doc, stream)
        return
    json.dump(doc, stream, ensure_ascii=False, indent=indent)
    stream.write("\n")
