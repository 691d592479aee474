"""Deciding: a case's facts (`facts`), the rules compiled into a durable_rules ruleset (`compiler`), run in
durable_rules' engine (`runtime`), firings resolved into determinations by each decision's hit policy
(`resolve`); `evaluate` ties them together per case and `parallel` over many cases in workers.

Entry point: `evaluate.Evaluator(policy).evaluate(case)` → CaseResult. durable_rules decides here, and
nowhere else.
"""

__all__ = ["compiler", "evaluate", "facts", "parallel", "resolve", "runtime"]
