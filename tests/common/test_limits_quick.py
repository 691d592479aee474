"""limits.Walk: the quick look at a record finds a record sound only where the careful walk finds nothing, and the
copy it makes of a sound record is the record as `plain` copies it."""
from __future__ import annotations

import math

from hypothesis import given, settings
from hypothesis import strategies as st

from engine.common.limits import MAX_DEPTH, MAX_TEXT, UNSOUND, Flaw, Walk
from engine.common.locations import plain

_TEXT = st.one_of(st.text(max_size=8), st.sampled_from(["\x01", "\ud800", "a\tb", "x" * (MAX_TEXT + 1), "\U0010ff05"]))
_SCALAR = st.one_of(st.none(), st.booleans(), st.integers(), st.floats(allow_nan=True, allow_infinity=True), _TEXT,
                    st.just(Flaw("坏值", 3, 4)), st.just(object()))
_TREE = st.recursive(_SCALAR, lambda inner: st.one_of(st.lists(inner, max_size=4),
                                                      st.dictionaries(st.one_of(_TEXT, st.integers()), inner, max_size=4)),
                     max_leaves=25)


def _deep(levels: int):
    node: dict = {"x": 1}
    for _ in range(levels):
        node = {"a": node}
    return node


@settings(max_examples=300)
@given(tree=_TREE, shared=st.booleans(), records=st.booleans())
def test_the_quick_look_agrees_with_the_careful_walk(tree, shared, records):
    record = {"id": "P1", "value": tree, "again": tree if shared and isinstance(tree, (dict, list)) else None,
              "people": [{"id": "x"}]}
    quick, careful = Walk(), Walk(quick=False)
    lists = frozenset({"people"}) if records else frozenset()
    assert quick.hazards(record, ["cases", 0], lists) == careful.hazards(record, ["cases", 0], lists)
    assert quick.seen == careful.seen and quick.repeated == careful.repeated


@settings(max_examples=300)
@given(tree=_TREE, shared=st.booleans())
def test_a_sound_copy_is_the_plain_record_and_only_where_the_careful_walk_finds_nothing(tree, shared):
    record = {"id": "P1", "value": tree, "again": tree if shared and isinstance(tree, (dict, list)) else None}
    quick, careful = Walk(), Walk(quick=False)
    copy = quick.sound_copy(record, ["cases", 0, "people", 0])
    found = careful.hazards(record, ["cases", 0, "people", 0])
    if copy is UNSOUND:
        assert quick.seen == set()   # nothing recorded: the careful walk that follows records what it sees
        return
    assert not found
    assert repr(copy) == repr(plain(record))   # repr: NaN never passes, and -0.0 stays -0.0
    assert quick.seen == careful.seen


def test_depth_count_and_a_container_seen_before_go_the_careful_way():
    deep = _deep(MAX_DEPTH + 2)
    assert Walk().hazards(deep, []) == Walk(quick=False).hazards(deep, []) != []
    many = {"id": "P", "values": list(range(6000))}
    assert Walk().hazards(many, []) == Walk(quick=False).hazards(many, []) != []
    walk, shared = Walk(), {"k": 1}
    assert walk.hazards({"a": shared}, []) == [] and walk.hazards({"b": shared}, []) == []
    assert walk.repeated == 1 and not math.isnan(walk.repeated)
