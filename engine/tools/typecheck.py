"""Types at every use: each conclusion of the kind its decision gives, each formula's parts of kinds that fit.

A decision's type is declared or inferred (policy/decisiontypes.py). Checked here, each at its file:line:col:
a `then:` and a `compute:` result against it; in every condition and formula (rules, `applies_when:`,
derivations) a comparison of two kinds of value, arithmetic on what is no number, a function's argument (a
parameter of numbers where a date is needed), a parameter's entry picked by a value of another kind than its keys, a condition that is no yes/no, and a word compared with a decision
that is one of its values but no such value. A type that cannot be told is never an error.

Messages name the decision by its label and say what was expected and what was found:
「“技能补贴”是金额（数），此处的“零”是文字；请写数字，如 0」.
"""
from __future__ import annotations

import datetime as dt
from fractions import Fraction
from typing import Callable

from ..common.locations import Location
from ..common.problems import Problem
from ..common.words import near
from ..formula import expr
from ..formula import valuetypes as vt
from ..policy import decisiontypes
from ..policy.model import Decision, Policy

__all__ = ["Locator", "problems", "type_word", "numeral"]

Locator = Callable[[Location, str], Location]   # where a needle stands in the value written at a location

_WORDS = {vt.NUMBER: "数", vt.BOOL: "“是/否”", vt.DATE: "日期", vt.TEXT: "文字", vt.LIST: "列表", vt.MAP: "对照表"}
_HINTS = {vt.NUMBER: "请写数字，如 {n}", vt.DATE: "请写日期，如 2025-01-01"}
_DIGITS = {"零": 0, "〇": 0, "一": 1, "二": 2, "两": 2, "三": 3, "四": 4, "五": 5, "六": 6, "七": 7, "八": 8, "九": 9}
_UNITS = {"十": 10, "百": 100, "千": 1000}


def type_word(kind: str | None, decision: Decision | None = None) -> str:
    """How a type reads: 数, 日期, “是/否”; a decision's own: 金额（数）, “A、B、C”之一."""
    if decision is not None and kind == vt.NUMBER and decision.money is not None:
        return "金额（数）"
    if decision is not None and kind == decisiontypes.ENUM:
        return f"“{'、'.join(map(str, decision.values or ()))}”之一"
    return _WORDS.get(kind, "未知类型")


def numeral(text: str) -> int | None:
    """A number written in Chinese numerals (零, 十五, 一百二十), or None."""
    text = text.strip()
    if not text or any(c not in _DIGITS and c not in _UNITS for c in text):
        return None
    total, digit = 0, None
    for c in text:
        if c in _DIGITS:
            if digit is not None:
                return None        # 一二: no numeral
            digit = _DIGITS[c]
        else:
            total += (1 if digit is None else digit) * _UNITS[c]
            digit = None
    return total + (digit or 0)


def _literal_text(value) -> str:
    """A value as written in a rule, to stand in a sentence: “零”, or spaced: 100, true, 2025-01-01."""
    if isinstance(value, str) and vt.value_type(value) != vt.DATE:
        return f"“{value}”"
    if isinstance(value, bool):
        bare = "true" if value else "false"
    elif isinstance(value, (int, float, Fraction)):
        bare = expr.format_number(value)
    else:
        bare = value.isoformat() if isinstance(value, dt.date) else str(value)   # a date as YAML writes it
    return f" {bare} "


def _hint(expected: str | None, found_value=None, in_formula: bool = False) -> str:
    if expected == vt.BOOL:
        if in_formula:
            return "；请写 true 或 false（不加引号）"
        return near(found_value, ("是", "否")) or "；请写 是 或 否（或 true、false）"
    if expected == vt.NUMBER:
        n = numeral(found_value) if isinstance(found_value, str) else None
        return "；" + _HINTS[vt.NUMBER].format(n=0 if n is None else n)
    if expected == vt.DATE:
        return "；" + _HINTS[vt.DATE]
    return ""


class _Checker:
    def __init__(self, policy: Policy, inside: Locator):
        self.policy, self.inside = policy, inside
        self.out: list[Problem] = []

    # --- how a part of a formula reads, and where it stands ------------------------------------------------

    def part(self, node, kind_name: str) -> str:
        if isinstance(node, expr.Name):
            decision = self.policy.decisions.get(node.name)
            if decision is not None:
                return f"“{decision.label}”"
            label = self._label(kind_name, node.name)
            return f"“{label}”（{node.name}）" if label else f"“{node.name}”"
        if isinstance(node, expr.Param):
            head = node.name.split(".")[0]
            parameter = self.policy.parameters.get(head)
            written = expr.render(node)
            return f"参数“{parameter.label}”（{written}）" if parameter else f"“{written}”"
        if isinstance(node, expr.Lit):
            return _literal_text(node.value)
        return f"“{expr.render(node)}”"

    def _label(self, kind_name: str, name: str) -> str | None:
        kind = self.policy.kinds.get(kind_name)
        if kind is None:
            return None
        return kind.label_of(name) or kind.field_label(name)

    def typed(self, node, kind_name: str, kind: str | None) -> str:
        """«“技能补贴（元/月）”是金额（数）»: a part with its type; a decision's type in its own words."""
        decision = self.policy.decisions.get(node.name) if isinstance(node, expr.Name) else None
        return f"{self.part(node, kind_name)}是{type_word(kind, decision)}"

    def where(self, node, location: Location) -> Location:
        """The column of `node` in the formula written at `location` (its first occurrence), else the formula's."""
        inside = self.inside
        if isinstance(node, expr.Name):
            return inside(location, node.name)
        if isinstance(node, expr.Param):
            return inside(location, f"param.{node.name}")
        if isinstance(node, expr.Lit) and isinstance(node.value, str):
            for quote in ('"', "'", "“", "「"):
                closing = {"“": "”", "「": "」"}.get(quote, quote)
                found = inside(location, quote + node.value + closing)
                if found is not location:
                    return found
            return inside(location, node.value)
        if isinstance(node, expr.Lit) and node.value is not None:
            return inside(location, _literal_text(node.value).strip())
        return location

    # --- checks ---------------------------------------------------------------------------------------------

    def formula(self, node, location: Location, path: str, env: vt.Env, kind_name: str, condition: bool) -> None:
        for m in vt.mismatches(node, env, condition):
            self.out.append(Problem(self.where(m.node, location), path, self.mismatch(m, kind_name).strip()))
        self.members(node, location, path)

    def mismatch(self, m: vt.Mismatch, kind_name: str) -> str:
        found = self.typed(m.node, kind_name, m.found)
        if m.what == "compare":
            reference = self.typed(m.other, kind_name, m.expected)
            hint = _hint(m.expected, m.node.value, in_formula=True) if isinstance(m.node, expr.Lit) else ""
            return f"{reference}，此处与之比较的{found}{hint}"
        if m.what == "member":
            if m.expected == vt.LIST:
                return f"{found}，不能用 in 判断“{expr.render(m.other)}”是否列于其中"
            return f"{found}，而{self.part(m.other, kind_name)}列出的是{type_word(m.expected)}"
        if m.what == "key":
            return f"{self.part(m.other, kind_name)}的各项以{type_word(m.expected)}为名，此处取项用的{found}"
        if m.what == "arith":
            return f"{found}，不能做加减乘（“{expr.render(m.other)}”）"
        if m.what == "argument":
            return f"函数 {m.other.func} 的第 {m.index + 1} 个参数应为{type_word(m.expected)}，此处的{found}"
        return f"条件应为“是/否”，此处的{found}"

    def members(self, node, location: Location, path: str) -> None:
        """A word compared with a decision of listed values must be one of them (`annual_grade == "优秀"`)."""
        for n in expr.walk(node):
            if not isinstance(n, expr.Compare) or expr.is_null_test(n):
                continue
            pairs = [(n.left, n.right), (n.right, n.left)] if n.op in ("==", "!=") else \
                [(n.left, i) for i in n.right.items] if n.op in ("in", "notin") and isinstance(n.right, expr.ListLit) else []
            for name, lit in pairs:
                decision = self.policy.decisions.get(name.name) if isinstance(name, expr.Name) else None
                if decision is None or decision.type != decisiontypes.ENUM or not isinstance(lit, expr.Lit) \
                        or lit.value is None or vt.value_type(lit.value) == vt.BOOL:
                    continue
                allowed = list(decision.values or ()) + ([decision.scenarios.undecided] if decision.scenarios else [])
                if lit.value not in allowed and not (vt.value_type(lit.value) == vt.NUMBER and any(
                        vt.value_type(v) == vt.NUMBER and v == lit.value for v in allowed)):
                    self.out.append(Problem(self.where(lit, location), path,
                                            f"{_literal_text(lit.value).lstrip()}不是“{decision.label}”的取值（"
                                            f"{'、'.join(map(str, allowed))} 之一）{near(lit.value, allowed)}"))

    def conclusion(self, decision: Decision, rule, env: vt.Env) -> None:
        kind = decision.type
        if kind is None or not rule.concludes:
            return
        if rule.has_then:
            if rule.then is None or kind == decisiontypes.ENUM or (decision.values and kind != vt.BOOL):
                return   # one of `values:`: validate's value-in-values says so
            found = vt.value_type(rule.then)
            if vt.compatible(found, kind):
                return
            if kind == vt.BOOL:
                message = f"“{decision.label}”是“是/否”的决定，{_literal_text(rule.then).lstrip()}不是“是/否”{_hint(kind, rule.then)}"
            else:
                message = (f"“{decision.label}”是{type_word(kind, decision)}，此处的{_literal_text(rule.then)}是"
                           f"{type_word(found)}{_hint(kind, rule.then)}")
            self.out.append(Problem(rule.where("then"), f"{rule.id}.then", message))
        elif rule.compute is not None:
            found = vt.type_of(rule.compute, env)
            want = vt.TEXT if kind == decisiontypes.ENUM and not all(isinstance(v, (int, float)) for v in decision.values or ()) \
                else vt.NUMBER if kind == decisiontypes.ENUM else kind
            if not vt.compatible(found, want):
                self.out.append(Problem(rule.where("compute"), f"{rule.id}.compute",
                                        f"“{decision.label}”是{type_word(kind, decision)}，此处计算所得的"
                                        f"{self.part(rule.compute, decision.of)}是{type_word(found)}"))

    def declared(self, decision: Decision) -> None:
        if not decision.type_declared:
            return
        if decision.type == decisiontypes.ENUM and not decision.values:
            self.out.append(Problem(decision.where("type"), f"{decision.name}.type",
                                    f"“{decision.label}”写明 type: enum（取值之一），须以 values 列出其取值"))
            return
        if decision.type in (decisiontypes.ENUM, None):
            return
        for i, value in enumerate(decision.values or ()):
            found = vt.BOOL if decision.type == vt.BOOL and decisiontypes.yes_no_word(value) is not None \
                else vt.value_type(value)
            if not vt.compatible(found, decision.type):
                self.out.append(Problem(decision.keys_at.get(f"values[{i}]") or decision.where("values"),
                                        f"{decision.name}.values", f"“{decision.label}”写明是{type_word(decision.type, decision)}"
                                        f"（type: {decision.type}），取值中的{_literal_text(value)}是{type_word(found)}"
                                        f"{_hint(decision.type, value)}"))


def problems(policy: Policy, inside: Locator) -> list[Problem]:
    """Every place a value's type does not fit, in Chinese, located (`inside`: validate's column finder)."""
    check = _Checker(policy, inside)
    for kind in policy.kinds.values():
        env = decisiontypes.env_for(policy, kind.name, {})   # a derivation reads facts only
        for d in kind.derived:
            if d.ast is not None:
                check.formula(d.ast, d.where("formula"), f"kinds.{kind.name}.derived.{d.name}.formula", env,
                              kind.name, False)
    for decision in policy.decisions.values():
        check.declared(decision)
        if decision.of not in policy.kinds:
            continue
        # the decisions a rule may read: its subject's (another's is validate's unknown-name error, said once)
        env = decisiontypes.env_for(policy, decision.of, {d.name: d.type for d in policy.decisions.values()
                                                          if d.subject == decision.subject})
        if decision.applies_when is not None:
            check.formula(decision.applies_when, decision.where("applies_when"), f"{decision.name}.applies_when",
                          env, decision.of, True)
        for rule in decision.rules:
            if rule.when is not None and not rule.otherwise:
                check.formula(rule.when, rule.where("when"), f"{rule.id}.when", env, decision.of, True)
            if rule.compute is not None:
                check.formula(rule.compute, rule.where("compute"), f"{rule.id}.compute", env, decision.of, False)
            check.conclusion(decision, rule, env)
    return check.out
