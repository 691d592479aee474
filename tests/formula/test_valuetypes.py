"""The type inference of formulas (engine/formula/valuetypes.py): what a formula gives, and the parts that do
not fit, over expression trees and a name → type mapping only."""
from __future__ import annotations

import datetime as dt
import inspect
from fractions import Fraction

import pytest

from engine.formula import expr
from engine.formula import valuetypes as vt
from engine.formula.functions import FUNCTIONS

NAMES = {"as_of": vt.DATE, "hired_on": vt.DATE, "windows": vt.NUMBER, "level": vt.TEXT, "probation": vt.BOOL,
         "certificates": vt.LIST, "attestations": vt.MAP, "amount": vt.NUMBER}
PARAMS = {"max_age": vt.NUMBER, "leap": vt.TEXT, "levels": vt.LIST, "quota": vt.MAP}
KEYED = {"quota": vt.NUMBER}
MEMBERS = {"levels": vt.TEXT, "quota": vt.TEXT}
ENV = vt.Env(NAMES.get, lambda n, keyed: KEYED.get(n) if keyed else PARAMS.get(n), MEMBERS.get)


def type_of(text: str):
    return vt.type_of(expr.parse(text), ENV)


@pytest.mark.parametrize("value, kind", [
    (1, vt.NUMBER), (1.5, vt.NUMBER), (Fraction(1, 5), vt.NUMBER), (True, vt.BOOL), (False, vt.BOOL),
    ("零", vt.TEXT), ("2025-01-01", vt.DATE), (dt.date(2025, 1, 1), vt.DATE), ([1], vt.LIST), ({"a": 1}, vt.MAP),
    (None, None)])
def test_value_type(value, kind):
    assert vt.value_type(value) == kind


TYPE_CASES = [
    ("100", vt.NUMBER), ('"零"', vt.TEXT), ("true", vt.BOOL), ("null", None), ('"2025-01-01"', vt.DATE),
    ("windows", vt.NUMBER), ("unknown_name", None), ("windows * param.max_age", vt.NUMBER),
    ("as_of - hired_on", vt.NUMBER), ("windows + unknown_name", vt.NUMBER), ("level + 1", None),
    ("param.quota[level]", vt.NUMBER), ("param.quota", vt.MAP), ("windows >= 2 and probation", vt.BOOL),
    ("not probation", vt.BOOL), ("add_full_years(hired_on, 1, param.leap)", vt.DATE),
    ("age_in_full_years(hired_on, as_of, param.leap)", vt.NUMBER),
    ("holds_certificate(certificates, \"x\", as_of)", vt.BOOL),
    ("first_present(hired_on, as_of)", vt.DATE), ("first_present(hired_on, windows)", None),
    ("first_present(unknown_name, as_of)", vt.DATE)]


@pytest.mark.parametrize("text, kind", TYPE_CASES)
def test_type_of(text, kind):
    assert type_of(text) == kind


def test_every_function_has_a_result_type_and_as_many_argument_types_as_it_takes():
    assert set(vt.RESULTS) == set(FUNCTIONS)
    for name, kinds in vt.ARGUMENTS.items():
        parameters = inspect.signature(FUNCTIONS[name]).parameters.values()
        assert len(kinds) == len(parameters), name
        assert all(k in vt.TYPES or k is None for k in kinds)


def mismatches(text: str, condition: bool = True):
    return [(m.what, expr.render(m.node), m.found, m.expected) for m in vt.mismatches(expr.parse(text), ENV, condition)]


@pytest.mark.parametrize("text", [
    "windows >= param.max_age", 'level == "区"', "level in param.levels", "level in param.quota",
    "windows >= param.quota[level]", "as_of <= hired_on", 'as_of >= "2025-01-01"', "probation",
    "not probation and windows > 1", "amount == null", "unknown_name == 3", "windows > unknown_name",
    'level in ["a", "b"]', "as_of - hired_on > 365", "age_in_full_years(hired_on, as_of, param.leap) > 35"])
def test_what_fits_is_no_mismatch(text):
    assert mismatches(text) == []


@pytest.mark.parametrize("text, found", [
    ('amount > "一百"', [("compare", "“一百”", vt.TEXT, vt.NUMBER)]),
    ("as_of <= param.max_age", [("compare", "param.max_age", vt.NUMBER, vt.DATE)]),
    ('"零" == amount', [("compare", "“零”", vt.TEXT, vt.NUMBER)]),
    ("level == windows", [("compare", "windows", vt.NUMBER, vt.TEXT)]),
    ("probation > 1", [("compare", "1", vt.NUMBER, vt.BOOL)]),
    ("probation > true", [("compare", "true", vt.BOOL, vt.NUMBER)]),
    ("windows in param.levels", [("member", "windows", vt.NUMBER, vt.TEXT)]),
    ("level in param.max_age", [("member", "param.max_age", vt.NUMBER, vt.LIST)]),
    ('amount + "零" > 0', [("arith", "“零”", vt.TEXT, vt.NUMBER)]),
    ("as_of + 1 > as_of", [("arith", "as_of", vt.DATE, vt.NUMBER)]),
    ("add_full_years(hired_on, param.leap, param.leap) > as_of", [("argument", "param.leap", vt.TEXT, vt.NUMBER)]),
    ("param.quota[windows] > 1", [("key", "windows", vt.NUMBER, vt.TEXT)]),
    ("level", [("condition", "level", vt.TEXT, vt.BOOL)]),
    ("probation and windows", [("condition", "windows", vt.NUMBER, vt.BOOL)]),
    ("not amount", [("condition", "amount", vt.NUMBER, vt.BOOL)]),
])
def test_each_misfit_is_found_once_with_what_was_expected(text, found):
    assert mismatches(text) == found


def test_a_formula_is_not_a_condition_unless_said():
    assert mismatches("windows * 2", condition=False) == []
    assert mismatches("windows * 2") == [("condition", "windows * 2", vt.NUMBER, vt.BOOL)]


def test_inference_agrees_with_evaluation():
    """For each formula of TYPE_CASES with a known type, evaluating it on values of the names' types gives a
    value of that type: the inference says what evaluation does."""
    values = {"as_of": "2025-06-30", "hired_on": "2024-02-29", "windows": 4, "level": "区", "probation": True,
              "certificates": [{"kind": "x", "grade": "a", "held_from": "2020-01-01"}], "amount": 100}   # by role
    params = {"max_age": 35, "leap": "feb_28", "levels": ["区"], "quota": {"区": 20}}
    checked = 0
    for text, kind in TYPE_CASES:
        node = expr.parse(text)
        if kind is None or any(n not in values for n in expr.names(node)):
            continue
        value = expr.evaluate(node, values.get, params.get, FUNCTIONS)
        value = getattr(value, "value", value)   # a Witnessed result
        assert vt.value_type(value) == kind or (kind == vt.DATE and isinstance(value, dt.date)), (text, value)
        checked += 1
    assert checked >= 12
