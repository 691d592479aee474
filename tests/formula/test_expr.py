"""engine/formula/expr.py: the grammar, its errors, three-valued evaluation, exact numbers, dates, rendering."""
from __future__ import annotations

import datetime as dt
from fractions import Fraction

import pytest

from engine.formula import expr
from engine.formula.expr import (And, Arith, Call, Compare, ExprError, IsNotTrue, ListLit, Lit, Name, Not, Or, Param,
                         parse)


def ev(text_or_node, facts=None, params=None, functions=None):
    """Evaluate with a dict of facts (missing → None) and a dict of parameters."""
    node = parse(text_or_node) if isinstance(text_or_node, str) else text_or_node
    facts = facts or {}
    params = params or {}
    return expr.evaluate(node, facts.get, params.__getitem__, functions)


def cond(text, facts=None, params=None):
    """A condition's three-valued truth: True, False or None (unknown)."""
    return expr.truth(ev(text, facts, params))


# --- parsing and precedence ---------------------------------------------------

class TestPrecedence:
    def test_and_binds_tighter_than_or(self):
        assert parse("a or b and c") == Or((Name("a"), And((Name("b"), Name("c")))))
        assert parse("a and b or c") == Or((And((Name("a"), Name("b"))), Name("c")))

    def test_not_binds_tighter_than_and(self):
        assert parse("not a and b") == And((Not(Name("a")), Name("b")))

    def test_not_applies_to_a_whole_comparison(self):
        assert parse("not a == 1") == Not(Compare("==", Name("a"), Lit(1)))

    def test_double_not(self):
        assert parse("not not a") == Not(Not(Name("a")))

    def test_parentheses_override_precedence(self):
        assert parse("(a or b) and c") == And((Or((Name("a"), Name("b"))), Name("c")))
        assert parse("not (a and b)") == Not(And((Name("a"), Name("b"))))

    def test_chains_are_flat(self):
        assert parse("a and b and c") == And((Name("a"), Name("b"), Name("c")))
        assert parse("a or b or c") == Or((Name("a"), Name("b"), Name("c")))

    def test_comparison_binds_looser_than_arithmetic(self):
        assert parse("a + 1 >= b * 2") == Compare(">=", Arith("+", Name("a"), Lit(1)), Arith("*", Name("b"), Lit(2)))

    def test_comparison_binds_tighter_than_and(self):
        assert parse("a == 1 and b != 2") == And((Compare("==", Name("a"), Lit(1)), Compare("!=", Name("b"), Lit(2))))

    def test_product_binds_tighter_than_sum(self):
        assert parse("1 + 2 * 3") == Arith("+", Lit(1), Arith("*", Lit(2), Lit(3)))
        assert parse("(1 + 2) * 3") == Arith("*", Arith("+", Lit(1), Lit(2)), Lit(3))

    def test_subtraction_is_left_associative(self):
        assert parse("a - b - c") == Arith("-", Arith("-", Name("a"), Name("b")), Name("c"))
        assert ev("10 - 3 - 2") == 5

    @pytest.mark.parametrize("op", ["==", "!=", "<", "<=", ">", ">="])
    def test_every_comparison_operator(self, op):
        assert parse(f"a {op} 3") == Compare(op, Name("a"), Lit(3))

    def test_in_and_not_in(self):
        assert parse("a in [1, 2]") == Compare("in", Name("a"), ListLit((Lit(1), Lit(2))))
        assert parse("a not in [1, 2]") == Compare("notin", Name("a"), ListLit((Lit(1), Lit(2))))
        assert parse("not a in [1]") == Not(Compare("in", Name("a"), ListLit((Lit(1),))))

    def test_lists(self):
        assert parse("[]") == ListLit(())
        assert parse('[1, "x", true, null]') == ListLit((Lit(1), Lit("x"), Lit(True), Lit(None)))

    def test_literals(self):
        assert parse("true") == Lit(True)
        assert parse("false") == Lit(False)
        assert parse("null") == Lit(None)
        assert parse("-3") == Lit(-3)
        assert parse("0.25") == Lit(Fraction(1, 4))
        assert isinstance(parse("0.25").value, Fraction)
        assert parse("12").value == 12 and isinstance(parse("12").value, int)

    @pytest.mark.parametrize("text", ['"镇"', "'镇'", "“镇”", "「镇」"])
    def test_string_quotes(self, text):
        assert parse(text) == Lit("镇")

    def test_dotted_names_are_one_name(self):
        assert parse("attestations.political == true") == Compare("==", Name("attestations.political"), Lit(True))

    def test_param_lookup(self):
        assert parse("param.max_age") == Param("max_age")
        assert parse("param.seniority_tiers.ten_years.years") == Param("seniority_tiers.ten_years.years")
        assert parse("param.skill_allowance[skill_level]") == Param("skill_allowance", Name("skill_level"))
        assert parse('param.window_quota["镇"]') == Param("window_quota", Lit("镇"))

    def test_function_calls_parse(self):
        assert parse("f()") == Call("f", ())
        assert parse("later_of(a, param.x)") == Call("later_of", (Name("a"), Param("x")))
        assert parse("f(g(a), 1 + 2) >= 3") == Compare(
            ">=", Call("f", (Call("g", (Name("a"),)), Arith("+", Lit(1), Lit(2)))), Lit(3))

    def test_non_string_inputs(self):
        assert parse(True) == Lit(True)
        assert parse(False) == Lit(False)
        assert parse(7) == Lit(7)
        assert parse(0.2) == Lit(Fraction(1, 5))

    def test_inspection(self):
        node = parse("a > param.x and later_of(b, c) != null and a < param.y[d]")
        assert expr.names(node) == ["a", "b", "c", "d"]
        assert expr.params(node) == ["x", "y"]
        assert expr.calls(node) == ["later_of"]


class TestParseErrors:
    @pytest.mark.parametrize("text, column", [
        ("a >> 3", 3),          # the second '>' where a value is due
        ("a ==", 4),            # end of text where a value is due
        ('"abc', 0),            # unterminated string: the quote cannot start a token
        ("a == 1 and", 10),
        ("a @ b", 2),
        ("a == 1 == 2", 7),     # comparisons do not chain
        ("(a or b", 7),         # missing ')'
        ("x[1]", 3),            # only parameters are indexed
        ("a b", 2),
    ])
    def test_column(self, text, column):
        with pytest.raises(ExprError) as info:
            parse(text)
        assert info.value.pos == column
        assert info.value.text == text
        assert f"column {column + 1}" in str(info.value)

    def test_unterminated_typographic_quote(self):
        with pytest.raises(ExprError) as info:
            parse("level == “镇")
        assert info.value.pos == len("level == ")

    def test_param_without_name(self):
        with pytest.raises(ExprError):
            parse("param")  # `param` alone names no parameter
        with pytest.raises(ExprError):
            parse("param.")

    def test_is_a_value_error(self):
        with pytest.raises(ValueError):
            parse("and")


# --- three-valued evaluation ---------------------------------------------------

class TestThreeValued:
    @pytest.mark.parametrize("op", ["==", "!=", "<", "<=", ">", ">="])
    def test_comparison_with_missing_value_is_unknown(self, op):
        assert cond(f"a {op} 3") is None
        assert cond(f"3 {op} a") is None
        assert cond(f"a {op} b", {"a": 1}) is None

    def test_in_with_missing_value_is_unknown(self):
        assert cond("a in [1, 2]") is None
        assert cond("a not in [1, 2]") is None

    def test_in_and_not_in(self):
        assert cond("a in [1, 2]", {"a": 2}) is True
        assert cond("a in [1, 2]", {"a": 3}) is False
        assert cond("a not in [1, 2]", {"a": 3}) is True
        assert cond("a not in [1, 2]", {"a": 1}) is False

    def test_not_unknown_is_unknown(self):
        assert cond("not a") is None
        assert cond("not (a > 3)") is None
        assert cond("not not (a > 3)") is None

    def test_not_known(self):
        assert cond("not a", {"a": True}) is False
        assert cond("not a", {"a": False}) is True

    @pytest.mark.parametrize("value, is_null", [(None, True), (0, False), (False, False), ("", False), (1, False)])
    def test_null_tests_are_never_unknown(self, value, is_null):
        facts = {} if value is None else {"a": value}
        assert cond("a == null", facts) is is_null
        assert cond("null == a", facts) is is_null
        assert cond("a != null", facts) is (not is_null)
        assert cond("not (a == null)", facts) is (not is_null)

    def test_bare_name_means_equals_true(self):
        assert cond("a", {"a": True}) is True
        assert cond("a", {"a": False}) is False
        assert cond("a", {}) is None

    @pytest.mark.parametrize("x", [True, False, None])
    @pytest.mark.parametrize("y", [True, False, None])
    def test_kleene_and_or(self, x, y):
        facts = {k: v for k, v in (("x", x), ("y", y)) if v is not None}
        # Kleene: order F < U < T; and = min, or = max
        rank = {False: 0, None: 1, True: 2}
        by_rank = {0: False, 1: None, 2: True}
        assert cond("x and y", facts) is by_rank[min(rank[x], rank[y])]
        assert cond("x or y", facts) is by_rank[max(rank[x], rank[y])]

    def test_kleene_long_chains(self):
        assert cond("a > 1 and b and c", {"a": 0}) is False         # one false settles an and
        assert cond("a > 1 or b or c", {"a": 5}) is True            # one true settles an or
        assert cond("a > 1 or b or c", {"a": 0, "b": False}) is None

    def test_is_not_true(self):
        for facts, expected in (({"a": True}, False), ({"a": False}, True), ({}, True)):
            assert ev(IsNotTrue(Name("a")), facts) is expected
        # under a `not`, IsNotTrue is two-valued: never unknown
        assert cond(Not(IsNotTrue(Compare(">", Name("a"), Lit(3)))), {}) is False

    def test_arithmetic_with_missing_value_is_missing(self):
        assert ev("a + 1") is None
        assert ev("a * 2") is None
        assert cond("a + 1 > 0") is None
        assert cond("a + 1 == null") is True


# --- numbers, parameters, dates, functions -------------------------------------

class TestValues:
    def test_exact_decimal_arithmetic(self):
        value = ev("0.2 * 15")
        assert value == 3
        assert isinstance(value, Fraction) and value == Fraction(3)
        assert cond("0.1 + 0.2 == 0.3") is True
        assert cond("0.2 * 15 == 3") is True

    def test_float_facts_and_params_are_exact(self):
        assert cond("x + 0.2 == 0.3", {"x": 0.1}) is True
        assert cond("param.r * 15 == 3", params={"r": 0.2}) is True
        assert float(0.1) + float(0.2) != 0.3  # the reason for Fractions

    def test_plain(self):
        assert expr.plain(Fraction(3)) == 3 and isinstance(expr.plain(Fraction(3)), int)
        assert expr.plain(Fraction(1, 4)) == 0.25
        assert expr.plain([Fraction(6, 2), "x"]) == [3, "x"]

    def test_param_lookup(self):
        params = {"quota": {"镇": 3, "区": 20}, "max_age": 35}
        assert ev("param.quota[level]", {"level": "区"}, params) == 20
        assert ev("param.quota[level]", {"level": "村"}, params) is None     # no such key
        assert ev("param.quota[level]", {}, params) is None                 # key unknown
        assert ev("param.max_age[level]", {"level": "区"}, params) is None   # not a table
        assert cond("age > param.max_age", {"age": 36}, params) is True
        assert cond("age > param.max_age", {"age": 35}, params) is False
        assert cond("level in param.quota", {"level": "镇"}, {"quota": ["镇", "区"]}) is True

    def test_date_comparison_of_iso_strings(self):
        assert cond("a < b", {"a": "2024-02-28", "b": "2024-03-01"}) is True
        assert cond("a < b", {"a": "2024-12-31", "b": "2025-01-01"}) is True
        assert cond('a >= "2025-01-01"', {"a": "2024-12-31"}) is False
        # dates and their ISO text are the same date
        assert cond("a == b", {"a": dt.date(2025, 6, 30), "b": "2025-06-30"}) is True
        assert cond("a <= b", {"a": dt.date(2025, 6, 30), "b": "2025-06-29"}) is False

    def test_date_subtraction_gives_days(self):
        assert ev("b - a", {"a": "2024-02-28", "b": "2024-03-01"}) == 2   # 2024 is a leap year
        assert ev("b - a", {"a": "2023-02-28", "b": "2023-03-01"}) == 1
        assert ev("b - a", {"a": "2025-01-01", "b": "2024-12-31"}) == -1
        assert cond("b - a >= 365", {"a": "2024-01-01", "b": "2024-12-31"}) is True  # 365 days in 2024

    def test_non_iso_strings_stay_strings(self):
        assert cond('a == "2024-1-1"', {"a": "2024-1-1"}) is True
        assert cond('a == "2024-13-01"', {"a": "2024-13-01"}) is True

    def test_incomparable_types_are_unknown(self):
        assert cond("a < 3", {"a": "abc"}) is None

    def test_function_calls_evaluate(self):
        functions = {"twice": lambda x: None if x is None else 2 * x}
        assert ev("twice(a) + 1", {"a": 4}, functions=functions) == 9
        assert ev("twice(a)", {}, functions=functions) is None
        with pytest.raises(KeyError):
            ev("nope(a)", {"a": 1}, functions=functions)
        with pytest.raises(KeyError):
            ev("twice(a)", {"a": 1})  # no functions given: formulas only


# --- rendering -------------------------------------------------------------------

ROUND_TRIP = [
    "a == 1",
    "a != null",
    "not a",
    "not (a == 1)",
    "not (a and b)",
    "a or b and c",
    "(a or b) and c",
    "a and (b or not c)",
    "x in [1, 2, 3]",
    "x not in []",
    "param.skill_allowance[skill_level]",
    "param.seniority_tiers.ten_years.years <= service_years",
    "clerks * 5 >= good_ratings - 1",
    "later_of(a, first_present(b, c)) != null",
    'level == "镇" and windows >= 3',
    "a == 0.25",
    "a == -3",
    "a - -3 > 0",
    "attestations.political == true and healthy == false",
]


@pytest.mark.parametrize("text", ROUND_TRIP)
def test_render_round_trip(text):
    node = parse(text)
    assert parse(expr.render(node)) == node


def test_render_text():
    assert expr.render(parse('level == "镇"')) == "level == “镇”"
    assert expr.render(parse("a == null")) == "a == null"
    assert expr.render(parse("not (a or b)")) == "not (a or b)"
    assert expr.render(parse("a in [1, 2]")) == "a in [1, 2]"
    assert expr.render(parse("a not in [1]")) == "a not in [1]"


@pytest.mark.parametrize("text", ["(a + b) * c", "a - (b - c)", "a - (b + c) == 0"])
def test_render_round_trip_nested_arithmetic(text):
    node = parse(text)
    assert parse(expr.render(node)) == node


@pytest.mark.parametrize("text", ["a == 1234567.5", "a == 0.1234567"])
def test_render_round_trip_long_decimals(text):
    node = parse(text)
    assert parse(expr.render(node)) == node
