"""privacy.outward and outward_json: what an answer may carry out — masked ID numbers, no lone surrogate."""
from __future__ import annotations

import orjson
from hypothesis import given, settings
from hypothesis import strategies as st

from engine.common.privacy import outward, outward_json

_TEXT = st.text(alphabet=st.sampled_from(list("0123456789Xx-甲乙 \n\x01\"\\") + ["\ud800"]), max_size=30)
_TREE = st.recursive(st.one_of(st.none(), st.booleans(), st.integers(-10 ** 12, 10 ** 12), _TEXT),
                     lambda inner: st.one_of(st.lists(inner, max_size=4),
                                             st.dictionaries(_TEXT, inner, max_size=4)), max_leaves=20)


def test_an_id_number_in_a_case_is_masked_and_a_clean_case_is_kept_as_it_is():
    clean = {"subject": "P01", "value": 150, "sentence": "年满35周岁"}
    holding = {"subject": "320102199001011234", "facts": {"note": "身份证号320102199001011234"}}
    out = outward_json([clean, holding])
    assert out[0] is clean
    assert "320102199001011234" not in orjson.dumps(out[1]).decode() and out[1]["subject"].startswith("320102")


def test_a_lone_surrogate_is_replaced_and_unmask_keeps_the_digits():
    out = outward_json([{"name": "王\ud800"}, {"id": "320102199001011234"}], unmask=True)
    assert out[0]["name"] == "王\ufffd" and out[1]["id"] == "320102199001011234"


@settings(max_examples=200)
@given(items=st.lists(_TREE, max_size=4), unmask=st.booleans())
def test_outward_json_writes_what_outward_writes(items, unmask):
    assert orjson.dumps(outward_json(items, unmask)) == orjson.dumps(outward(items, unmask))
