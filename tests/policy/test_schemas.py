"""engine/policy/schemas.py: the fast first check (fastjsonschema) never passes a value jsonschema refuses — it only
saves jsonschema's time on valid records — and the errors are still jsonschema's, worded for people."""
from __future__ import annotations

import copy
import datetime as dt

from hypothesis import given, settings
from hypothesis import strategies as st

from engine.policy import schemas
from engine.casefiles.cases import _schema

from mutations import BASE, mutate

RECORDS = [(kind, r) for case in BASE["cases"] for kind in ("people", "centers", "items") for r in case.get(kind, [])]
TRICKY = [True, False, 1.0, 0, -1, 10 ** 20, float("nan"), "2025-02-30", "2025-02-29", "2024-02-29", "2025-1-1",
          "", None, [], {}, "本科 ", "𠮷", "\ud800"]


def _agree(kind: str, record, policy) -> None:
    doc = _schema(policy, kind)
    fast = schemas.passes_fast(record, doc)
    wordy = list(schemas.validator_for(doc).iter_errors(record))
    assert not (fast and wordy), (record, [e.message for e in wordy])


@settings(max_examples=300, deadline=None)
@given(st.data())
def test_the_fast_check_never_passes_what_jsonschema_refuses(policy, data):
    kind, record = data.draw(st.sampled_from(RECORDS), label="record")
    tree = {"r": copy.deepcopy(record)}
    for _ in range(data.draw(st.integers(1, 3), label="mutations")):
        if "r" not in tree:
            return   # the mutation dropped the record itself
        if data.draw(st.booleans(), label="tricky"):
            keys = sorted(tree["r"], key=str) if isinstance(tree["r"], dict) else []
            if keys:
                tree["r"][data.draw(st.sampled_from(keys), label="key")] = data.draw(st.sampled_from(TRICKY), label="v")
        else:
            mutate(data, tree)
    if "r" in tree:
        _agree(kind, tree["r"], policy)


def test_valid_records_pass_fast_and_a_bad_one_gets_jsonschemas_words(policy):
    for kind, record in RECORDS:
        assert schemas.passes_fast(record, _schema(policy, kind)), record["id"]
    person = dict(next(r for k, r in RECORDS if k == "people"), birth_date="2025-02-30")
    assert not schemas.passes_fast(person, _schema(policy, "people"))
    (problem,) = schemas.problems(person, _schema(policy, "people"), "f.yaml")
    assert problem.path == "birth_date" and "2025-02-30" in problem.message


@given(st.text(max_size=12) | st.from_regex(r"\d{4}-\d{2}-\d{2}\n?", fullmatch=True)
       | st.dates().map(dt.date.isoformat) | st.integers() | st.none())
def test_the_date_check_is_jsonschemas(value):
    """The roster's quick check reads a date as jsonschema's `date` format does, so it never refuses less."""
    from jsonschema import FormatChecker
    assert schemas._date_conforms(value) == FormatChecker().conforms(value, "date")


def test_a_found_value_is_said_in_words():
    """Yes/no, NaN and infinities as an officer reads them, never as Python or YAML prints them."""
    said = [schemas.found_text(v) for v in (True, False, float("nan"), float("inf"), float("-inf"))]
    assert said == ["“是”", "“否”", "非数（NaN）", "无穷大", "负无穷大"]
    assert not any(w in "".join(said) for w in ("true", "false", "nan", "inf"))
