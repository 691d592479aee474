"""engine/common/words.py: one answer to each small question about values, for every stage."""
from __future__ import annotations

import datetime as dt
from fractions import Fraction

import pytest

from engine.common.words import near, parse_value, same_value, shown


@pytest.mark.parametrize("text, value", [
    ("1.5", 1.5), ("600", 600), (" 600 ", 600), ("-3", -3), ("是", True), ("TRUE", True), ("否", False),
    ("false", False), ("null", None), ("空", None), ("无", None), ("优秀", "优秀"), ("2025-03", "2025-03"),
    ("nan", "nan"), ("inf", "inf"), (" 有条件合格 ", "有条件合格"),
])
def test_a_typed_value_reads_one_way(text, value):
    got = parse_value(text)
    assert got == value and type(got) is type(value)


@pytest.mark.parametrize("a, b, same", [
    (100, 100.0, True), (Fraction(300), 300, True), (Fraction(1, 2), 0.5, True), (True, 1, False), (0, False, False),
    (None, 0, False), (None, None, True), ("优秀", "优秀", True), ("优秀", "称职", False), ("150", 150, False),
    (["2025-01"], ["2025-01"], True), ([1, 2], [2, 1], False), ((1, 2), [1, 2], True), ([1], [1, 2], False),
    ({"a": 1, "b": 2}, {"b": 2.0, "a": 1}, True), ({"a": 1}, {"a": 1, "b": 2}, False),
    (dt.date(2025, 3, 1), "2025-03-01", False),
])
def test_values_are_the_same_in_one_sense(a, b, same):
    assert same_value(a, b) is same and same_value(b, a) is same


def test_a_typed_value_and_a_decided_value_agree():
    """`--why-not 1.5`, `--want 1.5` and a policy test's `1.5` all mean the number the engine gives."""
    assert same_value(parse_value("1.5"), Fraction(3, 2))
    assert same_value(parse_value("是"), True) and not same_value(parse_value("1"), True)


@pytest.mark.parametrize("value, text", [
    (None, "未提供"), (True, "是"), (False, "否"), ([], "无"), ({}, "无"), ([1, "a"], "1、a"), (150.0, "150"),
    (Fraction(3, 2), "1.5"), (dt.date(2025, 3, 1), "2025-03-01"),
])
def test_a_value_is_shown_one_way(value, text):
    assert shown(value) == text


def test_did_you_mean_offers_the_closest_known_word_or_nothing():
    assert near("whne", ["when", "then"]) == "；您是否想输入“when”？"
    assert near("annual_grades", ["annual_grade", "eligibility"]) == "；您是否想输入“annual_grade”？"
    assert near("P111", ["P11", "P01"]) == "；您是否想输入“P11”？"
    assert near("完全不同", ["when", "then"]) == ""
    assert near("x", []) == ""
    assert near("P022", ["P01", "P02", "P22"]) == "；您是否想输入“P02”或“P22”？"   # as close: both, as listed
