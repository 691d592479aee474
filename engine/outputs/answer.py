"""The answer in the contract's JSON shape (fact-model.md): each case's determinations and explanations, the
policy that made them, the books; and a decision's label as every output names it.

`document` builds the whole answer at once; `CaseRenderer` and `AnswerWriter` make the same bytes case by case:
each case rendered where it was decided (a worker) into a `Part`, written as soon as it comes, then dropped,
with what is known only at the end (the account, the references, the files' errors) written after the cases,
where the document has them anyway.

Personal data is masked here, at the edge, unless the caller asks otherwise (engine/common/privacy.py).
Nothing here prints.
"""
from __future__ import annotations

import json
import sys
from dataclasses import dataclass, field
from typing import Any, Callable, TextIO

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
           "write_json", "Part", "CaseRenderer", "AnswerWriter", "failed_entries"]


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
    cases.extend(failed_entries(case_file, {r.case.id for r in results}, unmask))
    out = {"policy": policy_header(policy), "cases": outward_json(cases, unmask), "account": account(case_file, results)}
    if size == "brief":
        out["references"] = refs.as_json()
    file_errors = [e for e in case_file.errors if e.case is None]
    if file_errors:
        out["errors"] = outward([_error_json(e, unmask) for e in file_errors], unmask)
    if case_file.warnings:   # about the file: the encoding it was read in, the sample rows a spreadsheet reader skipped
        out["warnings"] = outward(case_file.warnings, unmask)
    return out


def failed_entries(case_file: CaseFile, decided: set[str], unmask: bool) -> list[dict]:
    """An entry for each case of the file that could not be read (`decided`: the ids of those that were), its
    errors in it; a rejected record of a case that stands is listed with that case (CaseResult.errors)."""
    failed: dict[str, list[CaseError]] = {}
    for e in case_file.errors:
        if e.case is not None and e.case not in decided:
            failed.setdefault(e.case, []).append(e)
    return [{"id": case_id, "as_of": None, "determinations": [], "errors": [_error_json(e, unmask) for e in errors]}
            for case_id, errors in failed.items()]


# --- the answer case by case ------------------------------------------------------------------------------

@dataclass
class Part:
    """One decided case as the answer needs it once the result is gone; made where the case was decided."""
    text: bytes                     # the case's JSON, masked, indented to stand in the document's "cases" list
    refs: References | None         # what its brief explanations refer to, less what this process gave before
    books: dict                     # the account of this case alone (read 0: the file counts what it read)
    errored: bool                   # it has an error: the run ends with status 1
    log: list = field(default_factory=list)   # its decision-log records, when a log is kept


class CaseRenderer:
    """`renderer(result)`: the result's `Part`, as `document` would write its case. `why_not(result)`: the answers
    to add under "why_not"; `log(result)`: its decision-log records. Each copy (one a worker) remembers the
    references it gave, and gives each only once: the parent's table is the union, as `document`'s is."""

    def __init__(self, policy: Policy, explain: str = "brief", unmask: bool = False, subject: str | None = None,
                 why_not: Callable[[CaseResult], list] | None = None, log: Callable[[CaseResult], list] | None = None):
        self.policy, self.explain, self.unmask, self.subject = policy, explain, unmask, subject
        self.why_not, self.log = why_not, log
        self.given = References()
        self.nothing_read = CaseFile("", [], [], {k: 0 for k in policy.records.lists})

    def __call__(self, result: CaseResult) -> Part:
        case, refs = rendered_case(result, self.policy, self.explain, self.unmask, self.subject)
        case = outward_json([case], self.unmask)[0]
        if self.why_not is not None:
            case["why_not"] = outward(self.why_not(result), self.unmask)
        new = None
        if self.explain == "brief":
            new = References({k: v for k, v in refs.rules.items() if k not in self.given.rules},
                             {k: v for k, v in refs.parameters.items() if k not in self.given.parameters},
                             {k: v for k, v in refs.interpretations.items() if k not in self.given.interpretations})
            self.given.merge(new)
        return Part(jsonio.encode(case, 2), new, account(self.nothing_read, [result]), bool(result.errors),
                    self.log(result) if self.log is not None else [])


class AnswerWriter:
    """The answer written as it is made, byte for byte the `document` of the same cases: the head, each case's
    `Part` as it comes (`add`), each file's cases that could not be read after its own (`add_file`), then
    (`close`) the account, the references, the files' errors and warnings, which only the end knows.
    Several files make one answer with one account; a file's warnings then name it, and "files" lists them."""

    def __init__(self, policy: Policy, explain: str = "brief", unmask: bool = False, stream: TextIO | None = None):
        self.explain, self.unmask = explain, unmask
        stream = sys.stdout if stream is None else stream
        stream.flush()
        self.stream = stream
        self.binary = getattr(stream, "buffer", None)
        self.refs = References()
        self.cases = 0
        self.errored = False
        self.books: dict[str, dict[str, int]] = {k: {"read": 0, "decided": 0, "errored": 0} for k in policy.records.lists}
        self.errors: list[dict] = []
        self.warnings: list[str] = []
        self.files: list[dict] = []
        self._write(b'{\n  "policy": ' + jsonio.encode(policy_header(policy), 1) + b',\n  "cases": [')

    def _write(self, data: bytes) -> None:
        if self.binary is not None:
            self.binary.write(data)
        else:   # a StringIO (tests capturing output)
            self.stream.write(data.decode("utf-8"))

    def _case(self, text: bytes) -> None:
        self._write((b",\n    " if self.cases else b"\n    ") + text)
        self.cases += 1

    def _count(self, books: dict) -> None:
        for kind, counts in books.items():
            if isinstance(counts, dict):
                for k in ("read", "decided", "errored"):
                    self.books[kind][k] += counts[k]

    def add(self, part: Part) -> None:
        self._case(part.text)
        if part.refs is not None:
            self.refs.merge(part.refs)
        self._count(part.books)
        self.errored = self.errored or part.errored

    def add_file(self, case_file: CaseFile, decided: set[str], named: bool = False) -> None:
        """After the file's decided cases (their ids `decided`): those that could not be read; its errors, warnings
        and what it read are kept for the end. `named`: one of several files (its warnings say which)."""
        before = self.cases
        for entry in failed_entries(case_file, decided, self.unmask):
            self._case(jsonio.encode(outward_json([entry], self.unmask)[0], 2))
        self._count(account(case_file, []))
        self.errored = self.errored or bool(case_file.errors)
        self.errors.extend(_error_json(e, self.unmask) for e in case_file.errors if e.case is None)
        self.warnings.extend(f"{case_file.path}：{w}" if named else w for w in case_file.warnings)
        self.files.append({"file": case_file.path, "cases": len(decided) + self.cases - before})

    def close(self, files: bool = False) -> dict:
        """The rest of the answer (`files`: with the list of files read); returns the account."""
        books = dict(self.books, balanced=all(v["read"] == v["decided"] + v["errored"] for v in self.books.values()))
        tail: dict[str, Any] = {"account": books}
        if self.explain == "brief":
            tail["references"] = self.refs.as_json()
        if self.errors:
            tail["errors"] = outward(self.errors, self.unmask)
        if self.warnings:
            tail["warnings"] = outward(self.warnings, self.unmask)
        if files:
            tail["files"] = outward(self.files, self.unmask)
        self._write((b"\n  ]" if self.cases else b"]") +
                    b"".join(b',\n  "' + k.encode() + b'": ' + jsonio.encode(v, 1) for k, v in tail.items()) + b"\n}\n")
        if self.binary is not None:
            self.binary.flush()
        return books


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
