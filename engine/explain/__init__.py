"""Explaining, never deciding: one `trace.Trace` per case (what the engine did), read into the pieces of an
explanation (`pieces`), the full tree (`why`), the brief form with shared references (`brief`),
typed verdicts of each compiled attempt (`verdicts`) and why-not (`whynot`); `wording` turns conditions
into Chinese sentences.

Entry points: `Why.of(policy, result).determination(d)`, `WhyNot.of(policy, result).why_not(subject,
decision, value)`, `Brief(Trace.of(policy, result), refs).determination(d)`.
"""

__all__ = ["brief", "pieces", "trace", "verdicts", "why", "whynot", "wording"]
