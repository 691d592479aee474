"""The run stage's entry: a case in, determinations (with what they rest on) out."""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from ..casefiles.cases import Case, CaseError, CaseFile, load_cases, refuse
from .compiler import CompiledPolicy, compile_period
from .facts import Fact, RecordError, build_facts, detail, failure
from ..policy.model import Policy
from ..policy.params import ParamView, change_days, first_day
from .resolve import Determination, resolve
from .runtime import MAX_MESSAGES, MAX_SECONDS, Bounds, Firing, RunError, handle_for, run

__all__ = ["CaseResult", "Evaluator", "evaluate_file", "account"]


@dataclass
class CaseResult:
    case: Case
    determinations: list[Determination] = field(default_factory=list)
    errors: list[CaseError] = field(default_factory=list)   # the records and the case it could not decide
    warnings: list[str] = field(default_factory=list)
    facts: list[Fact] = field(default_factory=list)
    firings: list[Firing] = field(default_factory=list)
    params: ParamView | None = None
    compiled: CompiledPolicy | None = None
    failed: bool = False          # the engine could not finish the case: none of its records is decided
    refused: bool = False         # a record was taken out of the case while deciding it (Evaluator._run)


class Evaluator:
    """Holds one policy's compiled rulesets, one per period of parameter values, built on first use.

    Each case is bounded (runtime.Bounds): `max_actions` firings (default: by the case's size),
    `max_seconds` of rule running, `max_messages` facts + conclusions; beyond one, that case fails. The bounds
    hold for the session durable_rules runs: with `by_class` (runtime.run) it holds one subject per class not
    decided before, so a large case of subjects alike stays far within them.
    """

    def __init__(self, policy: Policy, max_actions: int | None = None, max_seconds: float = MAX_SECONDS,
                 max_messages: int = MAX_MESSAGES, by_class: bool = True):
        self.policy = policy
        self.max_actions = max_actions
        self.by_class = by_class
        self.bounds = Bounds(max_actions, max_seconds, max_messages)
        self._compiled: dict[dt.date, CompiledPolicy] = {}
        self._views: dict[dt.date, ParamView] = {}
        self._changes = change_days(policy)
        self._first = first_day(policy)

    def period(self, day: dt.date) -> dt.date:
        """The start of the parameter period for `day` (on or after the policy's first day)."""
        return max(d for d in self._changes if d <= day)

    def compiled_for(self, day: dt.date) -> CompiledPolicy:
        start = self.period(day)
        if start not in self._compiled:
            self._compiled[start] = compile_period(self.policy, start, f"@{start.isoformat()}")
        return self._compiled[start]

    def view_for(self, day: dt.date) -> ParamView:
        """The parameter values of `day`'s period: one view per period, shared by its cases (it does not change)."""
        start = self.period(day)
        if start not in self._views:
            self._views[start] = ParamView(self.policy, start)
        return self._views[start]

    def prepare(self, cases: list[Case]) -> None:
        """Compile every period these cases need and create its ruleset in the engine (before forking workers)."""
        for case in cases:
            handle_for(self.compiled_for(self._day(case)))

    def _day(self, case: Case) -> dt.date:
        return max(case.as_of, self._first)

    def start(self, case: Case) -> CaseResult:
        """A result with the case's parameters, ruleset and warnings, nothing decided yet."""
        result = CaseResult(case)
        result.errors.extend(case.errors)   # its rejected records, each naming its subject
        result.warnings.extend(case.warnings)
        if case.as_of < self._first:
            # Judging a date before the document took effect: apply its first values, and say so.
            result.warnings.append(f"as_of {case.as_of} is before {self._first}, when the values of "
                                   f"{self.policy.document_number} begin; those first values were applied")
        day = self._day(case)
        result.params, result.compiled = self.view_for(day), self.compiled_for(day)
        return result

    def failed(self, case: Case, message: str, path: str = "") -> CaseResult:
        """The case could not be decided at all (e.g. its worker crashed): nothing but the error."""
        result = self.start(case)
        result.errors.append(self._error(case, path, message))
        result.failed = True
        return result

    def evaluate(self, case: Case) -> CaseResult:
        result = self.start(case)
        params = result.params
        try:
            result.facts, result.firings = self._run(case, params, result)
        except RunError as e:
            result.errors.append(self._error(case, e.path, str(e)))
            result.failed = True
            return result
        except (TypeError, ValueError, KeyError, ArithmeticError) as e:
            # A policy value of the wrong kind slipped past validation: this case fails, the others go on. The
            # officer reads what to do; the exception's text goes to the JSON answer only (`detail`).
            result.errors.append(self._error(case, "", f"该案例无法判定：规则计算出错（{failure(e)}）；请运行 validate "
                                                       f"检查政策文件", detail(e)))
            result.failed = True
            return result
        determinations, issues = resolve(self.policy, result.facts, result.firings)
        result.determinations = determinations
        result.errors.extend(CaseError(case.file, case.id, f"{i.decision}[{i.subject}]", None, None, i.message)
                             for i in issues)
        return result

    def _run(self, case: Case, params: ParamView, result: CaseResult) -> tuple[list[Fact], list[Firing]]:
        """Facts and firings; a record whose facts cannot be computed is refused (with its line) and the rest run."""
        while True:
            try:
                facts = build_facts(case, self.policy, params)
                return facts, run(result.compiled, facts, params, bounds=self.bounds, by_class=self.by_class)
            except RecordError as e:
                message = str(e) if e.said else f"该记录无法判定：{e}；请运行 validate 检查政策文件，并核对该记录的数据"
                error = refuse(case, e.record, e.subject, message, self.policy, e.detail)
                if error is None:
                    raise
                result.errors.append(error)
                result.refused = True

    def _error(self, case: Case, path: str, message: str, detail: str | None = None) -> CaseError:
        return CaseError(case.file, case.id, path, case.location.line, case.location.col, message, detail=detail)


def evaluate_file(path: str, policy: Policy, evaluator: Evaluator | None = None) -> tuple[CaseFile, list[CaseResult]]:
    evaluator = evaluator or Evaluator(policy)
    case_file = load_cases(path, policy)
    return case_file, [evaluator.evaluate(case) for case in case_file.cases]


def account(case_file: CaseFile, results: list[CaseResult]) -> dict:
    """Records read = decided + errored, per list of the case file: nothing read is silently lost.

    Decided: a record of a case that was evaluated. Errored: a rejected
    record, a record of a case that could not be read or whose run failed.
    `balanced` is false only through a bug, which the command line reports
    loudly (exit 3).
    """
    kinds = tuple(case_file.read)
    decided = {k: 0 for k in kinds}
    errored = {k: 0 for k in kinds}
    for held in case_file.failed_cases.values():
        for k in kinds:
            errored[k] += held[k]
    for result in results:
        case = result.case
        for k in kinds:
            rejected = sum(1 for r in case.rejected if r.kind == k)
            standing = len(case.records.get(k, []))
            errored[k] += rejected + (standing if result.failed else 0)
            decided[k] += 0 if result.failed else standing
    out = {k: {"read": case_file.read[k], "decided": decided[k], "errored": errored[k]} for k in kinds}
    return dict(out, balanced=all(v["read"] == v["decided"] + v["errored"] for v in out.values()))
