"""engine/ holds no word of the document: no vocabulary word, decision value or label, or fact kind label of
the shipped policy appears in a string of engine code (comments and docstrings may cite the document to say
why). Every such word comes from policies/suchen_2024 at run time.

One package is exempt: cli/, whose --help texts show worked examples on the shipped policy (`--why-not 优秀
--decision annual_grade`); they teach, they decide nothing."""
from __future__ import annotations

import io
import tokenize

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
