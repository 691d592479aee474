"""Conditions and values as Chinese sentences for people; the JSON keeps conditions as written.

Every word comes from the policy: a fact's label and unit from facts.yaml, a
map key's label from its `fields`, a decision's label from its rule file.
`good_months >= 4` with the fact's value 3 reads `当年“好”的次数 ≥ 4次（实际 3次）`. A date parameter reads
as a date says it (2025年12月31日); a lapsed one by its label and the day it lapsed (`param.x == null`:
`一次性补贴已于2025年12月31日失效`).
"""
from __future__ import annotations

import datetime as dt
from typing import Any, Mapping

from ..common.words import cn_date, shown
from ..formula import expr
from ..formula.expr import And, Arith, Compare, IsNotTrue, ListLit, Lit, Name, Not, Or, Param
from ..policy.model import Policy

__all__ = ["Wording"]

_OPS = {"<": "＜", "<=": "≤", ">": "＞", ">=": "≥"}
_ARITH = {"+": "＋", "-": "－", "*": "×", "/": "÷"}
_MISSING = object()


def _quoted(value: Any, unit: str | None = None) -> str:
    if isinstance(value, dt.date):
        return cn_date(value)
    return f"“{value}”" if isinstance(value, str) else (f"“{shown(value)}”" if isinstance(value, bool) else shown(value, unit))


class Wording:
    """Sentences about one policy's facts and decisions."""

    def __init__(self, policy: Policy):
        self.policy = policy

    def label(self, kind: str | None, name: str) -> str:
        if kind in self.policy.kinds:
            k = self.policy.kinds[kind]
            found = k.field_label(name) or k.label_of(name)
            if found:
                return found
        decision = self.policy.decisions.get(name)
        if decision is not None:
            return decision.label
        for d in self.policy.decisions.values():
            if d.scenarios and d.scenarios.possible == name:
                return d.scenarios.possible_label
        for k in self.policy.kinds.values():
            found = k.field_label(name) or k.label_of(name)
            if found:
                return found
        return name

    def unit(self, kind: str | None, name: str) -> str | None:
        if kind in self.policy.kinds:
            return self.policy.kinds[kind].unit_of(name)
        return None

    # --- conditions -----------------------------------------------------------

    def sentence(self, node, kind: str | None, values: Mapping[str, Any] | None = None) -> str:
        """The condition as a sentence; with `values`, each test says what the facts actually were."""
        if isinstance(node, Lit):
            return "无条件适用" if expr.truth(node.value) is True else "不适用"
        if isinstance(node, Name):
            return self._compare(Compare("==", node, Lit(True)), kind, values)
        if isinstance(node, Compare):
            return self._compare(node, kind, values)
        if isinstance(node, And):
            return "，且".join(self._part(i, kind, values) for i in node.items)
        if isinstance(node, Or):
            return "，或".join(self._part(i, kind, values) for i in node.items)
        if isinstance(node, Not):
            if isinstance(node.item, Name):
                return self._compare(Compare("==", node.item, Lit(False)), kind, values)
            return f"并非“{self.sentence(node.item, kind, values)}”"
        if isinstance(node, IsNotTrue):
            return f"并非“{self.sentence(node.item, kind, values)}”"
        return self.term(node, kind)

    def _part(self, node, kind, values) -> str:
        text = self.sentence(node, kind, values)
        return f"（{text}）" if isinstance(node, (And, Or)) else text

    def term(self, node, kind: str | None) -> str:
        """A value-side expression: a fact's label, a constant, arithmetic."""
        if isinstance(node, Name):
            return self.label(kind, node.name)
        if isinstance(node, Lit):
            lapsed = self._lapsed(node)
            return lapsed if lapsed else _quoted(node.value)
        if isinstance(node, ListLit):
            return "、".join(self.term(i, kind) for i in node.items)
        if isinstance(node, Param):
            return self._param(node)
        if isinstance(node, Arith):   # brackets where the grammar's precedence needs them: a ÷ （b × c）
            rank = {"+": 1, "-": 1, "*": 2, "/": 2}
            left, right = self.term(node.left, kind), self.term(node.right, kind)
            if isinstance(node.left, Arith) and rank[node.left.op] < rank[node.op]:
                left = f"（{left}）"
            if isinstance(node.right, Arith) and (rank[node.right.op] < rank[node.op] or
                                                  rank[node.right.op] == rank[node.op] and node.op in ("-", "/")):
                right = f"（{right}）"
            return f"{left} {_ARITH[node.op]} {right}"
        return expr.render(node)

    def _param(self, node: Param) -> str:
        try:
            parameter = self.policy.parameters[node.name.split(".")[0]]
            return parameter.label
        except KeyError:
            return node.name

    def _parameter_label(self, source) -> str:
        parameter = self.policy.parameters.get(source.name)
        return parameter.label if parameter else source.name

    def _lapsed(self, node) -> str | None:
        """A lapsed parameter's constant: «一次性补贴（已于2025年12月31日失效）»; None for any other node."""
        source = getattr(node, "source", None)
        if source is None or source.lapsed is None:
            return None
        return f"{self._parameter_label(source)}（已于{cn_date(source.lapsed)}失效）"

    def _in_force(self, node: Compare) -> str | None:
        """`param.x == null` / `!= null` once the parameter is put in: whether the measure has lapsed."""
        side = next((s for s in (node.left, node.right) if getattr(s, "source", None) is not None), None)
        if side is None:
            return None
        source = side.source
        label = self._parameter_label(source)
        asks_lapsed = node.op == "=="
        if source.lapsed is not None:
            lapsed = f"{label}已于{cn_date(source.lapsed)}失效"
            return lapsed if asks_lapsed else f"{label}现行有效（实际：{lapsed}）"
        if isinstance(side, Lit) and side.value is None:
            return None                      # an entry the table lacks: not a lapse
        return f"{label}已失效（实际现行有效）" if asks_lapsed else f"{label}现行有效"

    def _compare(self, node: Compare, kind, values) -> str:
        left, right, op = node.left, node.right, node.op
        if expr.is_null_test(node):
            said = self._in_force(node)
            if said is not None:
                return said
        if isinstance(left, (Lit, ListLit)) and isinstance(right, Name) and op in expr.FLIPPED_OP:
            left, right, op = right, left, expr.FLIPPED_OP[op]
        if isinstance(left, Name) and (isinstance(right, (Lit, ListLit)) or op in ("in", "notin")):
            name = left.name
            label, unit = self.label(kind, name), self.unit(kind, name)
            actual = self._actual(values, name, unit)
            if isinstance(right, Lit) and right.value is None and self._lapsed(right) is None:
                return f"{label}{'未提供' if op == '==' else '已提供'}{actual}"
            if op in ("in", "notin"):
                choices = self.term(right, kind)
                many = isinstance(right, ListLit) and len(right.items) > 1
                if op == "in":
                    text = f"{label}为{choices}{'之一' if many else ''}"
                else:
                    text = f"{label}不为{choices}{'中的任何一项' if many else ''}"
                return text + actual
            if op in ("==", "!="):
                return f"{label}{'为' if op == '==' else '不为'}{self._value_side(right, kind, unit)}{actual}"
            return f"{label} {_OPS[op]} {self._value_side(right, kind, unit)}{actual}"
        text = f"{self.term(left, kind)} {_OPS.get(op, '为' if op == '==' else '不为')} {self.term(right, kind)}"
        if values:
            seen = [n for n in expr.names(node) if n in values]
            if seen:
                text += "（实际：" + "，".join(f"{self.label(kind, n)} {shown(values[n], self.unit(kind, n))}" for n in seen) + "）"
        return text

    def _value_side(self, node, kind, unit) -> str:
        if isinstance(node, Lit):
            return self._lapsed(node) or _quoted(node.value, unit)
        return self.term(node, kind)

    @staticmethod
    def _actual(values, name, unit) -> str:
        if values is None:
            return ""
        value = values.get(name, _MISSING)
        if value is _MISSING:
            return ""
        return f"（实际 {shown(value, unit if value is not None and not isinstance(value, (bool, str)) else None)}）"
