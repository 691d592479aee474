"""Policy tests that officers write in YAML (tests/*.yaml beside the rules), run against the engine.

Each test is one case in the contract's format and the determinations it
must produce. `run_policy_tests` returns one outcome per test with what
differed, so `run.py test` can print it and pytest can assert it. What an
officer could get wrong is said as such, in Chinese: a decision that does
not exist (with "您是否想输入"), a subject that is not in the test's case, a
clause that is not the one of the rule that gave the value. Values compare
as an officer reads them: 0, 0.0 and "0" are the same amount.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from fractions import Fraction
from pathlib import Path
from typing import Any

from ..policy import schemas

from ..common import yamlio
from ..casefiles.cases import CaseError, check_case, subjects as case_subjects
from ..pipeline.evaluate import Evaluator
from ..policy.model import Policy
from ..common.problems import Problem
from ..common.locations import YamlError, locate, plain
from ..common.words import near, parse_value, same_value

__all__ = ["TestOutcome", "find_policy", "test_files", "run_policy_tests", "same_reading", "shown"]


@dataclass
class TestOutcome:
    file: str
    line: int | None
    name: str
    clause: str | None
    failures: list[str] = field(default_factory=list)
    rules: set[str] = field(default_factory=set)      # the rules that fired (for clause coverage)
    case_errors: list[CaseError] = field(default_factory=list)   # behind "case is malformed": masked when printed
    got: list[tuple[str, dict]] = field(default_factory=list)    # (heading, explanation) of each value that differed

    @property
    def passed(self) -> bool:
        return not self.failures


def find_policy(path: str | Path) -> tuple[Path | None, list[Path] | None]:
    """(policy folder, test files) for what `run.py test` was given: a policy folder (its own tests), a
    test file or a folder of test files (the policy found by walking up to the nearest policy.yaml)."""
    path = Path(path)
    if path.is_dir() and (path / "policy.yaml").is_file():
        return path, None
    files = [path] if path.is_file() else sorted(path.glob("*.yaml")) if path.is_dir() else None
    for parent in path.resolve().parents:
        if (parent / "policy.yaml").is_file():
            return parent, files
    return None, files


def test_files(policy: Policy) -> list[Path]:
    if not policy.tests_dir or not Path(policy.tests_dir).is_dir():
        return []
    return sorted(Path(policy.tests_dir).glob("*.yaml"))


def run_policy_tests(policy: Policy, files: list[Path] | None = None, evaluator: Evaluator | None = None,
                     only: str | None = None) -> tuple[list[TestOutcome], list[Problem]]:
    """Every test of `files` (default: the policy's tests folder); `only`: those whose name contains it."""
    evaluator = evaluator or Evaluator(policy)
    outcomes, problems = [], []
    for path in files if files is not None else test_files(policy):
        name = str(path)
        try:
            tree = yamlio.load(path)
        except YamlError as e:
            problems.append(Problem(e.location, "", e.message))
            continue
        found = schemas.problems(plain(tree), "policy-tests", name, tree, chinese=True) if isinstance(tree, dict) else \
            [Problem(locate(tree, [], name), "", "测试文件顶层应为映射，含“topic”与“tests”")]
        if found:
            problems.extend(found)
            continue
        for i, test in enumerate(tree["tests"]):
            if only is None or only in str(test["name"]):
                outcomes.append(_run_one(policy, evaluator, tree, i, test, name))
    return outcomes, problems


def same_reading(want: Any, got: Any) -> bool:
    """An expected value as written in a test file, read as a value typed on the command line is (150, "150",
    是 …: `words.parse_value`), compared as every other stage compares values (`words.same_value`)."""
    return same_value(_read(want), got)


def _read(want: Any) -> Any:
    if isinstance(want, str):
        return parse_value(want)
    if isinstance(want, list):
        return [_read(w) for w in want]
    return want


def _kind_word(value: Any) -> str:
    if isinstance(value, bool):
        return "是/否（true/false）"
    if isinstance(value, (int, float, Fraction)):
        return "数"
    if isinstance(value, str):
        return "文字"
    if isinstance(value, list):
        return "列表"
    return "空值（null）" if value is None else type(value).__name__


def shown(value: Any) -> str:
    from ..common.words import shown as show
    return f"“{value}”" if isinstance(value, str) else show(value)


def _subjects(case, policy) -> dict[str, str]:
    return case_subjects(case, policy.records)


def _clause_fits(test_clause: str, rule_clause: str) -> bool:
    """A test's clause names the rule's clause, or one containing it, or one it contains."""
    return rule_clause.startswith(test_clause) or test_clause.startswith(rule_clause)


def _run_one(policy: Policy, evaluator: Evaluator, tree, i: int, test, name: str) -> TestOutcome:
    at = ["tests", i]
    outcome = TestOutcome(name, locate(tree, at, name).line, test["name"], test.get("clause"))
    case, errors = check_case(test["case"], policy, name, tree, at + ["case"], i)
    if case is None or errors:
        outcome.failures.extend(f"案例有误：{e}" for e in errors)
        outcome.case_errors = list(errors)
        return outcome
    result = evaluator.evaluate(case)
    outcome.rules = {f.rule.id for f in result.firings if f.rule is not None}
    found = {(d.subject, d.decision): d for d in result.determinations}
    decisions = policy.output_decisions()
    subjects = _subjects(case, policy)
    clause_ok = []
    for j, expected in enumerate(test["expect"]):
        subject, decision = str(expected["subject"]), expected["decision"]
        want = plain(expected["value"])
        where = f"第 {locate(tree, at + ['expect', j], name).line} 行"
        if decision not in decisions:
            outcome.failures.append(f"{where}：未知的决定“{decision}”{near(decision, decisions)}")
            continue
        if subject not in subjects:
            outcome.failures.append(f"{where}：测试的案例中没有编号为“{subject}”的对象{near(subject, subjects)}"
                                    f"（案例中有：{'、'.join(subjects) or '无'}）")
            continue
        d = found.get((subject, decision))
        if d is None:
            errs = "；".join(e.message for e in result.errors if e.path.endswith(f"[{subject}]")) or \
                "；".join(e.message for e in result.errors)
            outcome.failures.append(f"{where}：{subject} 的 {decision}：期望 {shown(want)}，没有得出结论"
                                    + (f"（{errs}）" if errs else "（没有规则适用）"))
            continue
        if not same_reading(want, d.value):
            kinds = "" if _kind_word(want) == _kind_word(d.value) else \
                f"（期望写的是{_kind_word(want)}，本决定得出的是{_kind_word(d.value)}）"
            outcome.failures.append(f"{where}：{subject} 的 {decision}：期望 {shown(want)}，实得 {shown(d.value)}{kinds}")
            outcome.got.append((f"{subject} · {decision} = {shown(d.value)}", _explained(policy, result, d)))
            continue
        rule_clauses = sorted({f.rule.clause for f in d.firings if f.rule is not None})
        if outcome.clause and rule_clauses:
            clause_ok.append((where, subject, decision, rule_clauses, any(_clause_fits(outcome.clause, c) for c in rule_clauses)))
    if clause_ok and not any(fits for *_, fits in clause_ok):
        # the test says which clause it exercises: at least one value it checks must come from a rule of that clause
        where, subject, decision, rule_clauses, _ = clause_ok[0]
        outcome.failures.append(f"测试写的条款是 {outcome.clause}，但给出这些值的规则引用的是 "
                                f"{'、'.join(sorted({c for *_, cs, _ in clause_ok for c in cs}))}"
                                f"（如{subject} 的 {decision}，{where}）")
    return outcome


def _explained(policy: Policy, result, d) -> dict:
    from ..explain.why import Why
    try:
        return Why.of(policy, result).determination(d)
    except Exception as e:   # an explanation that cannot be built must not hide the failure it would explain
        return {"note": f"无法生成解释：{type(e).__name__}: {e}"}
