"""appeals.yaml as typed data: which of a person's own facts an appeal may change, how, and at what cost.

The file is policy, not code: the words a rating may move between, the dates a
certificate may have been obtained by, what each change costs and why a fact
cannot change at all are the officer's to edit. engine/policy/loader.py reads the file
(schema-checked, formulas parsed) into `Policy.appeals`; `problems()` checks its
meaning against the rest of the policy; engine/tools/appeal.py searches with it.
"""
from __future__ import annotations

import re

from typing import Any, Callable

from ..formula import expr
from ..formula.functions import FUNCTIONS
from ..common.problems import Problem
from ..common.locations import Location, locate
from .model import Appeals, Contestable, DateOption, DateShift, Grouping, NamedDate, NewEntry, Raise, ValueMove

__all__ = ["from_tree", "vocabulary_path", "problems", "GROUP_PLACEHOLDER"]


def _options(items) -> tuple[DateOption, ...]:
    return tuple(DateOption(i) if isinstance(i, str) else DateOption(i["date"], int(i.get("cost", 0))) for i in items)


def _raise(spec: dict) -> Raise:
    return Raise(spec["order"], int(spec["cost_per_step"]))


def from_tree(tree: dict, name: str, parse: Callable[[list, str], Any]) -> Appeals:
    """The schema-checked tree of appeals.yaml as typed data; `parse(path, text)` parses (and reports) a formula."""
    dates = {k: NamedDate(k, v["label"], v["formula"], parse(["dates", k, "formula"], v["formula"]))
             for k, v in (tree.get("dates") or {}).items()}
    out = []
    for i, c in enumerate(tree["contestable"]):
        shift = None
        for direction in ("earlier", "later"):
            if direction in c:
                shift = DateShift(direction, _options(c[direction]["to"]), int(c[direction]["cost"]))
        add = None
        if "add" in c:
            a = c["add"]
            add = NewEntry(dict(a.get("fields") or {}), a["level"]["field"], _raise(a["level"]), a["date"]["field"],
                           _options(a["date"]["to"]), a["date"].get("not_after"), int(a["cost"]), a["shown"])
        out.append(Contestable(
            fact=c["fact"], label=c["label"], feeds={k: tuple(v) for k, v in c["feeds"].items()},
            moves=tuple(ValueMove(m["from"], m["to"], int(m["cost"])) for m in c.get("moves") or ()),
            raise_=_raise(c["raise"]) if "raise" in c else None, shift=shift, add=add,
            keys=c.get("keys"), months_of=c.get("months_of"), location=locate(tree, ["contestable", i], name),
            group=Grouping(c["group"]["offered"], c["group"]["excluded"]) if "group" in c else None))
    search, keep, discretionary = tree["search"], tree.get("keep") or {}, tree.get("discretionary") or {}
    return Appeals(tree["subject"], int(search["max_changes"]), int(search["max_candidates"]), int(search["alternatives"]),
                   dates, tuple(out), dict(tree["not_contestable"]), name,
                   keep_others=keep.get("others", "changed"), keep_own=keep.get("own", "ignored"),
                   cost_means=tree.get("cost_means"), discretionary_words=tuple(discretionary.get("words") or ()),
                   discretionary_note=discretionary.get("note"))


# --- meaning ------------------------------------------------------------------

_PLACEHOLDER = re.compile(r"\{(\w+)\}")
# a group line's placeholders: {any} (任一, 任两个 …), {from}, {to}, {param.NAME}, {param.NAME:%} (as a percentage)
GROUP_PLACEHOLDER = re.compile(r"\{([\w.]+(?::[^}]*)?)\}")


def vocabulary_path(vocabulary: dict, path: str):
    """`certificate_level.by_type.政务服务办事员` → the list there, or None."""
    node: Any = vocabulary
    for part in path.split("."):
        if not isinstance(node, dict) or part not in node:
            return None
        node = node[part]
    return node


def problems(policy) -> list[Problem]:
    """What in appeals.yaml does not fit the rest of the policy: unknown attributes, dates, words, lists."""
    spec: Appeals | None = policy.appeals
    if spec is None:
        return []
    out: list[Problem] = []
    person = policy.kinds.get(spec.subject)

    def at(path: list, message: str, severity: str = "error", where: Location | None = None):
        out.append(Problem(where or Location(spec.file), ".".join(map(str, path)), message, severity))

    for name, d in spec.dates.items():
        if d.ast is None:
            continue
        for n in expr.names(d.ast):
            if person is None or person.label_of(n.split(".")[0]) is None:
                label = person.label if person is not None else spec.subject
                at(["dates", name, "formula"], f"“{n}”不是{label}（facts.yaml 中 {spec.subject}）的属性")
        for p in expr.params(d.ast):
            if p.split(".")[0] not in policy.parameters:
                at(["dates", name, "formula"], f"没有参数“{p}”")
        for f in expr.calls(d.ast):
            if f not in FUNCTIONS:
                at(["dates", name, "formula"], f"未知的函数“{f}”")
    for i, c in enumerate(spec.contestable):
        base = ["contestable", i]
        for kind, attributes in c.feeds.items():
            if kind not in policy.kinds:
                at(base + ["feeds", kind], f"facts.yaml 中没有事实种类“{kind}”", where=c.location)
                continue
            for a in attributes:
                if a.split(".")[0] not in policy.kinds[kind].attributes:
                    at(base + ["feeds", kind], f"“{a}”不是“{kind}”的输入属性", where=c.location)
        used = [o.date for o in (c.shift.to if c.shift else ())]
        if c.add:
            used += [o.date for o in c.add.dates] + ([c.add.not_after] if c.add.not_after else [])
        for d in used:
            if d not in spec.dates:
                at(base, f"未知的日期“{d}”（已有：{'、'.join(spec.dates)}）", where=c.location)
        for r in [x for x in (c.raise_, c.add.level if c.add else None) if x is not None]:
            static = r.order.split("{")[0].rstrip(".")
            if vocabulary_path(policy.vocabulary, static) is None:
                at(base, f"“{r.order}”不是 vocabulary.yaml 中的列表", where=c.location)
        if c.keys is not None and c.keys not in policy.vocabulary:
            at(base + ["keys"], f"vocabulary.yaml 中没有“{c.keys}”", where=c.location)
        for which, template in ((w, getattr(c.group, w)) for w in ("offered", "excluded") if c.group is not None):
            for placeholder in GROUP_PLACEHOLDER.findall(template):
                head, _, fmt = placeholder.partition(":")
                if head.startswith("param."):
                    if head[len("param."):].split(".")[0] not in policy.parameters:
                        at(base + ["group", which], f"没有参数“{head[len('param.'):]}”", where=c.location)
                    elif fmt not in ("", "%"):
                        at(base + ["group", which], f"“{{{placeholder}}}”：参数只可写作 {{{head}}} 或 {{{head}:%}}",
                           where=c.location)
                elif placeholder not in ("from", "to", "any"):
                    at(base + ["group", which], f"未知的占位符“{{{placeholder}}}”（可用：{{any}}、{{from}}、{{to}}、{{param.参数名}}、"
                                                f"{{param.参数名:%}}）", where=c.location)
    for attribute in spec.not_contestable:
        if person is None or attribute not in person.attributes:
            at(["not_contestable", attribute], f"“{attribute}”不是人员的输入属性")
    if person is not None:
        heads = {c.fact.split(".")[0].split("[")[0] for c in spec.contestable}
        for attribute in person.attributes:
            if attribute not in heads and attribute not in spec.not_contestable:
                at(["not_contestable"], f"“{attribute}”既不在可申诉之列，也没有写明不可申诉的理由",
                   "warning")
    return out
