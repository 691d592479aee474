"""Policy tests that officers write in YAML (tests/*.yaml beside the rules), run against the engine.

Each test is one case in the contract's format and the determinations it
must produce. `run_policy_tests` returns one outcome per test with what
differed, so `run.py test` can print it and pytest can assert it.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from . import schemas, yamlio
from .cases import CaseError, check_case
from .evaluate import Evaluator
from .model import Policy, Problem
from .yamlio import locate


@dataclass
class TestOutcome:
    file: str
    line: int | None
    name: str
    clause: str | None
    failures: list[str] = field(default_factory=list)
    rules: set[str] = field(default_factory=set)      # the rules that fired (for clause coverage)
    case_errors: list[CaseError] = field(default_factory=list)   # behind "case is malformed": masked when printed

    @property
    def passed(self) -> bool:
        return not self.failures


def test_files(policy: Policy) -> list[Path]:
    if not policy.tests_dir or not Path(policy.tests_dir).is_dir():
        return []
    return sorted(Path(policy.tests_dir).glob("*.yaml"))


def run_policy_tests(policy: Policy, files: list[Path] | None = None, evaluator: Evaluator | None = None
                     ) -> tuple[list[TestOutcome], list[Problem]]:
    evaluator = evaluator or Evaluator(policy)
    outcomes, problems = [], []
    for path in files if files is not None else test_files(policy):
        name = str(path)
        try:
            tree = yamlio.load(path)
        except yamlio.YamlError as e:
            problems.append(Problem(e.location, "", e.message))
            continue
        found = schemas.problems(yamlio.plain(tree), "policy-tests", name, tree) if isinstance(tree, dict) else \
            [Problem(locate(tree, [], name), "", "expected a mapping with «topic» and «tests»")]
        if found:
            problems.extend(found)
            continue
        for i, test in enumerate(tree["tests"]):
            outcomes.append(_run_one(policy, evaluator, tree, i, test, name))
    return outcomes, problems


def _run_one(policy: Policy, evaluator: Evaluator, tree, i: int, test, name: str) -> TestOutcome:
    at = ["tests", i]
    outcome = TestOutcome(name, locate(tree, at, name).line, test["name"], test.get("clause"))
    case, errors = check_case(test["case"], policy, name, tree, at + ["case"], i)
    if case is None or errors:
        outcome.failures.extend(f"case is malformed: {e}" for e in errors)
        outcome.case_errors = list(errors)
        return outcome
    result = evaluator.evaluate(case)
    outcome.rules = {f.rule.id for f in result.firings if f.rule is not None}
    got = {(d.subject, d.decision): d.value for d in result.determinations}
    for j, expected in enumerate(test["expect"]):
        key = (str(expected["subject"]), expected["decision"])
        want = yamlio.plain(expected["value"])
        line = locate(tree, at + ["expect", j], name).line
        if key not in got:
            errs = "; ".join(e["message"] for e in result.errors if str(e.get("path", "")).endswith(f"[{key[0]}]")) or \
                "; ".join(e["message"] for e in result.errors)
            outcome.failures.append(f"line {line}: {key[1]} of {key[0]}: expected {want!r}, no determination"
                                    + (f" ({errs})" if errs else ""))
        elif got[key] != want:
            outcome.failures.append(f"line {line}: {key[1]} of {key[0]}: expected {want!r}, got {got[key]!r}")
    return outcome
