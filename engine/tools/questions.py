"""What a command is asked about, checked against the policy and the cases decided: a decision by its id or
Chinese label, a subject of the cases, a value the decision can take (`evaluate` and `letter --why-not`,
`diff --decision`, `analyze --decision`). A check gives the message to show (with a "did you mean"), or "";
nothing here prints."""
from __future__ import annotations

from ..casefiles.cases import entries, subjects
from ..common.words import near, same_value, shown
from ..explain.whynot import WhyNot

__all__ = ["find_decision", "check_subject", "check_value", "subjects_of"]


def find_decision(policy, text: str) -> tuple[str | None, str]:
    """A decision by its id or its Chinese label; else None and a message with a "did you mean"."""
    if text in policy.decisions:
        return text, ""
    by_label = {d.label: d.name for d in policy.decisions.values()}
    if text in by_label:
        return by_label[text], ""
    known = "、".join(f"{d.name}（{d.label}）" for d in policy.decisions.values())
    return None, f"没有名为“{text}”的决定{near(text, list(policy.decisions) + list(by_label))}\n可用的决定：{known}"


def check_subject(policy, results, subject: str | None, decision: str | None) -> str:
    """An empty string when --subject (and --decision) make sense for the cases read; else the message."""
    kinds: dict[str, str] = {}
    for r in results:
        for sid, kind in subjects(r.case, policy.records).items():
            kinds.setdefault(sid, kind)
    if subject is not None and subject not in kinds:
        return f"案件中没有编号为“{subject}”的对象{near(subject, kinds)}"
    if subject is not None and decision is not None:
        wanted = policy.decisions[decision].subject
        if kinds[subject] != wanted:
            return (f"“{subject}”是{policy.kinds[kinds[subject]].label}，而“{policy.decisions[decision].label}”"
                    f"判定的是{policy.kinds[wanted].label}")
    return ""


def check_value(policy, results, decision: str, value) -> str:
    """An empty string when the value can be given by the decision (or its values are computed); else the message."""
    result = next((r for r in results if r.compiled is not None), None)
    if result is None:
        return ""
    domain = WhyNot.of(policy, result).domain(decision)
    if domain is None:
        return ""
    sc = policy.decisions[decision].scenarios
    domain = domain + ([sc.undecided] if sc else [])
    if any(same_value(value, v) for v in domain):
        return ""
    label = policy.decisions[decision].label
    return (f"“{shown(value)}”不是“{label}”可能的取值{near(value, [shown(v) for v in domain])}\n"
            f"可能的取值：{'、'.join(shown(v) for v in domain)}")


def subjects_of(policy, result, decision: str, subject: str | None = None) -> list[str]:
    """Every subject of the decision's kind in the case (those without a determination are explained too);
    only `subject` when given."""
    kind = policy.decisions[decision].subject
    ids = [str(e["id"]) for e in entries(result.case, policy.records, kind)]
    return [s for s in ids if subject is None or s == subject]
