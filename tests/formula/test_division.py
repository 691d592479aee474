"""`/` in the formula grammar: exact (fractions), unknown by zero and with a missing operand, bracketed as the
grammar binds it, in Chinese as ÷; a rule dividing in its condition decides as the Python evaluator says."""
from __future__ import annotations

from fractions import Fraction

import pytest

from engine.formula import expr


def value(text: str, **facts):
    return expr.evaluate(expr.parse(text), facts.get, lambda name: None)


def test_division_is_exact():
    assert value("a / 3 * 3", a=1) == 1 and value("a / b", a=1, b=3) == Fraction(1, 3)
    assert expr.plain(value("a / b", a=7, b=2)) == 3.5 and expr.plain(value("a / b", a=6, b=2)) == 3
    assert value("a / b", a=0.1, b=0.2) == Fraction(1, 2)   # decimals read as written, not as binary floats


def test_by_zero_or_a_missing_operand_there_is_no_value():
    assert value("a / b", a=1, b=0) is None and value("a / b", a=None, b=2) is None and value("a / b", a=1) is None
    assert value("a / b > 1", a=1, b=0) is expr.UNKNOWN


@pytest.mark.parametrize("text", ["a / b / c", "a / (b / c)", "a / (b * c)", "(a + b) / c", "a * b / c", "a - b / c"])
def test_rendering_keeps_the_grammars_grouping(text):
    node = expr.parse(text)
    assert expr.parse(expr.render(node)) == node
    facts = {"a": 12, "b": 3, "c": 2}
    assert value(expr.render(node), **facts) == value(text, **facts)


def test_a_date_cannot_be_divided():
    with pytest.raises(TypeError):
        value("a / 2", a="2025-01-01")
