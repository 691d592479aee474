"""engine/ holds no word of the document: no vocabulary word, decision value or label, or fact kind label of
the shipped policy appears in a string of engine code (comments and docstrings may cite the document to say
why). Every such word comes from policies/suchen_2024 at run time.

One package is exempt: cli/, whose --help texts show worked examples on the shipped policy (`--why-not 优秀
--decision annual_grade`); they teach, they decide nothing."""
from __future__ import annotations

import io
import re
import tokenize

import pytest

from conftest import ROOT

ENGINE = ROOT / "engine"
EXEMPT = {"cli"}   # the command line's help gives examples in the policy's words


def policy_words(policy) -> set[str]:
    words: set[str] = set()
    for entry in policy.vocabulary.values():
        values = entry.get("values")
        words |= set(values) if isinstance(values, list) else set()
        for levels in (entry.get("by_type") or {}).values():
            words |= set(levels)
        words |= set((entry.get("aliases") or {}))
    for d in policy.decisions.values():
        words.add(d.label)
        words |= {str(v) for v in d.values or ()}
        words |= {r.then for r in d.rules if r.has_then and isinstance(r.then, str)}
        if d.scenarios:
            words |= {d.scenarios.undecided, d.scenarios.possible_label}
    words |= {k.label for k in policy.kinds.values()}
    return {w for w in words if isinstance(w, str) and not w.isascii()}


def code_strings(source: str) -> list[tuple[int, str]]:
    """String literals that are code, not docstrings (a string standing alone as a statement)."""
    out, previous = [], None
    for token in tokenize.generate_tokens(io.StringIO(source).readline):
        if token.type == tokenize.STRING and previous is not None and previous.type not in (
                tokenize.NEWLINE, tokenize.INDENT, tokenize.DEDENT, tokenize.NL):
            out.append((token.start[0], token.string))
        if token.type not in (tokenize.COMMENT, tokenize.NL):
            previous = token
    return out


def test_engine_code_holds_no_word_of_the_policy(policy):
    words = policy_words(policy)
    assert {"好", "暂停", "优秀", "年度考核等次", "办事员", "本科"} <= words   # the scan looks for the right things
    modules = [path for path in sorted(ENGINE.rglob("*.py")) if path.parent.name not in EXEMPT]
    assert len(modules) > 30   # every package is scanned
    found = [(path.relative_to(ENGINE).as_posix(), line, w) for path in modules
             for line, text in code_strings(path.read_text(encoding="utf-8")) for w in words if w in text]
    assert not found, found


def test_the_scan_finds_a_planted_word(policy):
    planted = 'def grade(x):\n    """Docstrings may cite 优秀."""\n    return x == "优秀"  # 优秀 in a comment is fine\n'
    hits = [w for _, text in code_strings(planted) for w in policy_words(policy) if w in text]
    assert hits == ["优秀"]


# Words of the engine's own formats that a policy may also use as a field's name: a case's date and id, a record's
# name, JSON Schema's `type` and `items`, a month.
ENGINE_KEYS = {"as_of", "id", "name", "type", "items", "month", "year", "quarter"}


def record_words(policy) -> set[str]:
    """The kinds of record, their lists and fields (records.yaml), the kinds of fact and their attributes
    (facts.yaml) and the vocabularies' names of the shipped policy."""
    words = set(policy.records.case_fields) | set(policy.kinds) | set(policy.vocabulary)

    def walk(fields):
        for name, f in fields.items():
            words.add(name)
            walk(f.fields)
    for kind in policy.records.kinds.values():
        words |= {kind.name, kind.list}
        walk(kind.fields)
    for kind in policy.kinds.values():
        words |= set(kind.attributes) | {d.name for d in kind.derived}
    return words - ENGINE_KEYS


_FIELD = re.compile(r"\{[^{}]*\}")   # an f-string's replacement field: code, not text
_OPTION = re.compile(r"--[a-z][a-z0-9-]*")   # a command-line option a message names (--people): the command's word


def named(text: str, word: str) -> bool:
    """`word` as a whole identifier in a string's text (an f-string's {expressions} and options left out)."""
    text = _OPTION.sub("", _FIELD.sub("", text))
    return re.search(rf"(?<![A-Za-z0-9_]){re.escape(word)}(?![A-Za-z0-9_])", text) is not None


# What still names the shipped policy's records (the test fails when this list is out of date either way). The
# roster generator's realism is generate.yaml's (engine/tools/realism.py reads it), no longer code.
KNOWN = {"tools/diff.py": set(),
         # not the policy's fields: the mask an ID number gets, appeals.yaml's own key `add: level:`
         "common/privacy.py": {"id_number"}, "policy/records.py": {"id_number"}, "policy/appeals.py": {"level"}}


@pytest.mark.parametrize("folder", ["suchen_2024", "xiaowei_2023"])
def test_engine_code_names_no_record_kind_or_field_of_the_policy(folder):
    from engine.tools.validate import load_or_raise
    policy = load_or_raise(str(ROOT / "policies" / folder))
    words = record_words(policy)
    assert {"people", "person", "centers", "hired_on", "ratings", "annual_assessment", "education"} <= words \
        if folder == "suchen_2024" else {"enterprises", "quarter_report", "headcount_mean", "taxable_income"} <= words
    found: dict[str, set[str]] = {}
    for path in sorted(ENGINE.rglob("*.py")):
        if path.parent.name in EXEMPT:
            continue
        for _, text in code_strings(path.read_text(encoding="utf-8")):
            for w in words:
                if named(text, w):
                    found.setdefault(path.relative_to(ENGINE).as_posix(), set()).add(w)
    known = {p: w & words for p, w in KNOWN.items() if w & words}
    assert found == known


def test_the_record_scan_skips_code_in_an_f_string():
    assert named('"people"', "people") and named('f"{n} people"', "people")
    assert not named('f"{self.people} 人"', "people") and not named('"peoples"', "people")


def test_the_record_scan_skips_a_command_line_option():
    assert not named('"--people 应为 1 至 50,000 之间的整数"', "people")
    assert named('"--seed 与 people"', "people") and named('"-people"', "people")
