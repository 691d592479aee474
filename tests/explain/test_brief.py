"""Brief explanations (answer.rendered_case, engine/explain/brief.py): each determination its own facts, everything
shared once in `references` — and the same reading as the full explanation, which is built from the same firings."""
from __future__ import annotations

import json

import pytest

from conftest import cli

ROSTER = "fixtures/roster_2025.yaml"


def _answer(*args) -> dict:
    code, out, err = cli("evaluate", ROSTER, "--format", "json", "--jobs", "1", *args)
    assert code == 0, err
    return json.loads(out)


@pytest.fixture(scope="module")
def brief():
    return _answer()   # brief is the default


@pytest.fixture(scope="module")
def full():
    return _answer("--explain", "full")


def _pairs(brief: dict, full: dict):
    for bc, fc in zip(brief["cases"], full["cases"], strict=True):
        for b, f in zip(bc["determinations"], fc["determinations"], strict=True):
            assert (b["subject"], b["decision"], b["value"]) == (f["subject"], f["decision"], f["value"])
            yield bc, b, f


def test_brief_is_the_default_and_full_carries_no_table(brief, full):
    assert "references" in brief and "references" not in full
    assert all("explanation" in d for c in brief["cases"] for d in c["determinations"])
    assert not any("text" in d["explanation"] for c in brief["cases"] for d in c["determinations"])


def test_none_gives_values_only(brief):
    plain = _answer("--explain", "none")
    assert "references" not in plain
    assert all("explanation" not in d for c in plain["cases"] for d in c["determinations"])
    assert [[(d["subject"], d["decision"], d["value"]) for d in c["determinations"]] for c in plain["cases"]] == \
           [[(d["subject"], d["decision"], d["value"]) for d in c["determinations"]] for c in brief["cases"]]


def test_every_reference_is_in_the_table(brief):
    refs = brief["references"]
    for case in brief["cases"]:
        for d in case["determinations"]:
            e = d["explanation"]
            rules = [e["rule"]] + e.get("blocked", []) + [f["rule"] for f in e.get("firings", [])]
            for rule in rules:
                if not rule.endswith(".scenarios"):
                    assert rule in refs["rules"], (d["subject"], d["decision"], rule)
            for key in e.get("parameters", []):
                assert key in refs["parameters"], key
            for name in e.get("interpretations", []):
                assert name in refs["interpretations"], name


def test_because_names_a_determination_of_the_same_answer_with_its_value(brief):
    seen = 0
    for case in brief["cases"]:
        values = {(d["subject"], d["decision"]): d["value"] for d in case["determinations"]}
        for d in case["determinations"]:
            for ref in d["explanation"].get("because", []):
                assert values[(ref["subject"], ref["decision"])] == ref["value"], ref
                seen += 1
    assert seen > 0   # the roster's total allowance and reassignment build on other determinations


def test_brief_reads_as_full_does(brief, full):
    """Same rule, clause, sentence, fact values and parameter values: one reading of the same firings."""
    refs = brief["references"]
    compared = 0
    for _, b, f in _pairs(brief, full):
        be, fe = b["explanation"], f["explanation"]
        assert (be.get("rule"), be.get("clause"), be.get("value")) == (fe.get("rule"), fe.get("clause"), fe.get("value"))
        if "sentence" in be and "facts" in be:
            assert be["sentence"] == fe["sentence"]
            assert be["facts"] == {k: v["value"] for k, v in fe["facts"].items()}, (b["subject"], b["decision"])
            full_params = {name: p["value"] for name, p in fe["parameters"].items()}
            brief_params = {refs["parameters"][k]["name"]: refs["parameters"][k]["value"] for k in be.get("parameters", [])}
            assert brief_params == full_params, (b["subject"], b["decision"])
            assert refs["rules"][be["rule"]]["text"] == fe["text"]
            assert be.get("interpretations", []) == [i["id"] for i in fe["interpretations"]]
            compared += 1
        if "scenarios" in be:
            assert be["scenarios"] == fe["scenarios"]
    assert compared > 300


def test_brief_is_much_smaller_than_full(brief, full):
    size = len(json.dumps(brief, ensure_ascii=False))
    assert size * 3 < len(json.dumps(full, ensure_ascii=False))


def test_workers_give_the_same_brief_answer(brief):
    code, out, err = cli("evaluate", ROSTER, "--format", "json", "--jobs", "2")
    assert code == 0, err
    assert json.loads(out) == brief
