"""`run.py test` out: the failures of the policy's own tests, for people (each with the explanation of what was
got) and as JSON; personal data masked unless asked otherwise."""
from __future__ import annotations

import dataclasses

from rich.console import Console
from rich.markup import escape
from rich.text import Text

from ..casefiles.cases import CaseError
from ..common import privacy
from ..common.privacy import mask_error, mask_text
from ..common.problems import Problem
from ..tools.policytests import TestOutcome
from .terminal import explanation_tree, render_errors

__all__ = ["policy_test_failures", "as_json", "render"]


def policy_test_failures(outcome: TestOutcome, unmask: bool = False) -> list[str]:
    """A policy test's failures as `run.py test` prints them: a malformed case's errors masked as everywhere."""
    if unmask:
        return list(outcome.failures)
    malformed = [f"案例有误：{mask_text(str(dataclasses.replace(e, **mask_error(e.as_json(), e.held))))}"
                 if isinstance(e, CaseError) else mask_text(str(e)) for e in outcome.case_errors]
    return malformed + [mask_text(f) for f in outcome.failures[len(outcome.case_errors):]]


def as_json(outcomes: list[TestOutcome], problems: list[Problem], unmask: bool = False) -> dict:
    """How many passed and failed, the test files' problems, each failure with what was got and why."""
    failed = [o for o in outcomes if not o.passed]
    return privacy.outward({"passed": len(outcomes) - len(failed), "failed": len(failed),
                            "problems": [p.as_json() for p in problems],
                            "failures": [{"file": o.file, "line": o.line, "name": o.name, "clause": o.clause,
                                          "failures": policy_test_failures(o, unmask),
                                          "got": [{"value": head, "explanation": tree} for head, tree in o.got]}
                                         for o in failed]},
                           unmask)


def render(console: Console, outcomes: list[TestOutcome], problems: list[Problem], unmask: bool = False) -> None:
    """The test files' problems, each failure (file:line, name, what differed, the explanation of what was
    got), then the counts."""
    failed = [o for o in outcomes if not o.passed]
    render_errors(console, problems, unmask)
    for o in failed:
        console.print(f"[red]失败[/] {escape(privacy.printable(o.file))}:{o.line} {escape(privacy.printable(o.name))}",
                      highlight=False)
        for f in policy_test_failures(o, unmask):
            console.print(Text("     " + privacy.printable(f)), highlight=False)
        for head, tree in o.got:   # what was got, and why: the explanation an officer reads to fix the test or the rule
            console.print(explanation_tree(privacy.outward(tree, unmask),
                                           f"     实得 {escape(privacy.printable(privacy.outward(head, unmask)))}",
                                           ids=True))
    console.print(f"{len(outcomes) - len(failed)} 个通过，{len(failed)} 个失败"
                  + (f"，测试文件中有 {len(problems)} 处错误" if problems else ""), highlight=False)
