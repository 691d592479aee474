"""No Python exception text reaches an officer (engine/pipeline/evaluate.py): a failure the engine did not expect
is a Chinese sentence saying what to do; the exception's own text is in the JSON answer's `detail` only."""
from __future__ import annotations

import io
import re

from rich.console import Console

from engine.outputs import terminal
from engine.outputs.answer import case_json
from engine.pipeline.evaluate import evaluate_file
from engine.policy.loader import load_policy
from engine.tools.validate import problems_of

from conftest import ROOT, edit

_EXCEPTION = re.compile(r"[A-Z][a-z]+Error|Traceback|could not evaluate|concatenate")


def test_a_type_error_past_validation_is_a_chinese_sentence_with_the_detail_in_json(tmp_policy):
    """`then: 零` for an amount: validate refuses it; loaded without validate (as a slip past it would be), each
    case fails with a sentence, not `TypeError: can only concatenate str …`."""
    edit(tmp_policy, "rules/allowances.yaml", "        when: skill_level == null\n        then: 0\n",
         "        when: skill_level == null\n        then: 零\n")
    assert any("“零”是文字" in p.message for p in problems_of(tmp_policy)[1])
    policy, _ = load_policy(tmp_policy)
    _, results = evaluate_file(str(ROOT / "fixtures" / "roster_2025.yaml"), policy)
    failed = [r for r in results if r.failed]
    assert failed
    for result in failed:
        [error] = [e for e in result.errors if e.detail]
        assert error.message == "该案例无法判定：规则计算出错（值的类型与规则所需不符）；请运行 validate 检查政策文件"
        assert error.detail.startswith("TypeError: ")
        doc = case_json(result, policy, explain="none")
        assert [e["detail"] for e in doc["errors"] if "detail" in e] == [error.detail]
        out = io.StringIO()
        terminal.render_case(Console(file=out, width=80, force_terminal=False), policy, result)
        shown = out.getvalue()
        assert "该案例无法判定" in re.sub(r"\s", "", shown) and not _EXCEPTION.search(shown), shown
