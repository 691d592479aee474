"""What kind of value a formula gives, and where its parts do not fit together: pure over expression trees.

A type is one of `TYPES` (a number, a yes/no, a date, a text, a list, a map) or None: not known, which is
never an error. The caller says what the names and parameters are (`Env`); nothing here knows a policy.
A text literal written as a date (“2025-01-01”) is a date, as `expr.compare` reads it.

`type_of(node, env)` is the type of a value; `mismatches(node, env, condition)` lists the parts that cannot
work as written: a comparison of two kinds of value (always false, or unknown), arithmetic on a text, a
function given the wrong kind of argument, a condition that is no yes/no.
"""
from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass
from fractions import Fraction
from typing import Any, Callable, Iterable

from . import expr

__all__ = ["NUMBER", "BOOL", "DATE", "TEXT", "LIST", "MAP", "TYPES", "value_type", "common", "compatible",
           "RESULTS", "ARGUMENTS", "Env", "Mismatch", "type_of", "mismatches"]

NUMBER, BOOL, DATE, TEXT, LIST, MAP = "number", "bool", "date", "text", "list", "map"
TYPES = (NUMBER, BOOL, DATE, TEXT, LIST, MAP)
_ISO_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")


def value_type(value: Any) -> str | None:
    """The type of a Python value as the policy's YAML or a formula gives it; None for null."""
    if value is None:
        return None
    if isinstance(value, bool):
        return BOOL
    if isinstance(value, (int, float, Fraction)):
        return NUMBER
    if isinstance(value, dt.date):
        return DATE
    if isinstance(value, str):
        return DATE if _ISO_DATE.fullmatch(value) else TEXT
    if isinstance(value, (list, tuple)):
        return LIST
    if isinstance(value, dict):
        return MAP
    return None


def common(types: Iterable[str | None]) -> str | None:
    """The one type all known `types` share; None when none is known or they differ."""
    known = {t for t in types if t is not None}
    return known.pop() if len(known) == 1 else None


def compatible(a: str | None, b: str | None) -> bool:
    return a is None or b is None or a == b


# What each function of functions.FUNCTIONS returns ("args": the common type of its arguments) and what each
# argument must be (None: anything). A function missing here is of unknown type.
RESULTS = {"first_present": "args", "age_in_full_years": NUMBER, "full_years_between": NUMBER,
           "add_full_years": DATE, "later_of": DATE, "year_start": DATE, "holds_certificate": BOOL,
           "first_certificate_date": DATE, "highest_skill_level": TEXT, "longest_month_run": NUMBER}
ARGUMENTS = {"age_in_full_years": (DATE, DATE, TEXT), "full_years_between": (DATE, DATE, TEXT),
             "add_full_years": (DATE, NUMBER, TEXT), "later_of": (DATE, DATE), "year_start": (NUMBER,),
             "holds_certificate": (LIST, TEXT, DATE), "first_certificate_date": (LIST, TEXT, DATE),
             "highest_skill_level": (LIST, DATE, MAP, MAP), "longest_month_run": (LIST,)}


@dataclass(frozen=True)
class Env:
    """What the names of a formula are: `name(n)` the type of a fact or decision, `param(n, keyed)` the type of
    `param.n` (of its entries when `keyed`: `param.n[k]`), `members(n)` what `x in param.n` holds (a list's
    items, a map's keys). Each answers None when it cannot tell."""
    name: Callable[[str], str | None]
    param: Callable[[str, bool], str | None]
    members: Callable[[str], str | None]


@dataclass(frozen=True)
class Mismatch:
    """A part of a formula that does not fit: `node` (the part found) is a `found` where `expected` is needed.

    what: compare (node was compared with `other`, of the expected type), member (`node in other`, other holds
    values of the expected type), key (node picks an entry of `other`, a parameter whose keys are expected), arith (node is an operand of `other`, an Arith), argument (node is argument
    `index` of `other`, a Call), condition (node stands where a yes/no is needed)."""
    what: str
    node: Any
    found: str
    expected: str
    other: Any = None
    index: int = 0


def type_of(node, env: Env) -> str | None:
    if isinstance(node, expr.Lit):
        return value_type(node.value)
    if isinstance(node, expr.ListLit):
        return LIST
    if isinstance(node, expr.Name):
        return env.name(node.name)
    if isinstance(node, expr.Param):
        return env.param(node.name, node.key is not None)
    if isinstance(node, (expr.Compare, expr.And, expr.Or, expr.Not, expr.IsNotTrue)):
        return BOOL
    if isinstance(node, expr.Arith):
        left, right = type_of(node.left, env), type_of(node.right, env)
        if node.op == "-" and left == DATE and right == DATE:
            return NUMBER
        if {left, right} <= {NUMBER, None} and {left, right} != {None}:
            return NUMBER
        return None
    if isinstance(node, expr.Call):
        result = RESULTS.get(node.func)
        return common(type_of(a, env) for a in node.args) if result == "args" else result
    return None


def _literal(node) -> bool:
    return isinstance(node, (expr.Lit, expr.ListLit, expr.Param))


def mismatches(node, env: Env, condition: bool = False) -> list[Mismatch]:
    """Every part of `node` that cannot work as written; `condition`: `node` is a rule's condition (a yes/no)."""
    out: list[Mismatch] = []
    _check(node, env, condition, out)
    return out


def _check(node, env: Env, condition: bool, out: list[Mismatch]) -> None:
    if condition:
        found = type_of(node, env)
        if found is not None and found != BOOL:
            out.append(Mismatch("condition", node, found, BOOL))
    if isinstance(node, (expr.And, expr.Or)):
        for item in node.items:
            _check(item, env, True, out)
        return
    if isinstance(node, (expr.Not, expr.IsNotTrue)):
        _check(node.item, env, True, out)
        return
    for child in expr.children(node):
        _check(child, env, False, out)
    if isinstance(node, expr.Compare) and not expr.is_null_test(node):
        _compare(node, env, out)
    elif isinstance(node, expr.Arith):
        _arith(node, env, out)
    elif isinstance(node, expr.Param) and node.key is not None:
        found, held = type_of(node.key, env), env.members(node.name)
        if not compatible(found, held):
            out.append(Mismatch("key", node.key, found, held, node))
    elif isinstance(node, expr.Call):
        for i, (arg, want) in enumerate(zip(node.args, ARGUMENTS.get(node.func, ()))):
            found = type_of(arg, env)
            if want is not None and not compatible(found, want):
                out.append(Mismatch("argument", arg, found, want, node, i))


def _compare(node: expr.Compare, env: Env, out: list[Mismatch]) -> None:
    left, right = type_of(node.left, env), type_of(node.right, env)
    if node.op in ("in", "notin"):
        if isinstance(node.right, expr.Param):
            held = env.members(node.right.name) if node.right.key is None else None
        elif isinstance(node.right, expr.ListLit):
            held = common(type_of(i, env) for i in node.right.items)
        else:
            held = None
        if right in (NUMBER, BOOL, DATE):      # nothing is in a number
            out.append(Mismatch("member", node.right, right, LIST, node.left))
        elif not compatible(left, held):
            out.append(Mismatch("member", node.left, left, held, node.right))
        return
    # the part written against the other: a literal or parameter against a fact or decision, else the right
    found, other = (node.left, node.right) if _literal(node.left) and not _literal(node.right) else (node.right, node.left)
    found_type, other_type = (left, right) if found is node.left else (right, left)
    if not compatible(found_type, other_type):
        out.append(Mismatch("compare", found, found_type, other_type, other))
    elif node.op not in ("==", "!=") and found_type in (BOOL, LIST, MAP):
        out.append(Mismatch("compare", found, found_type, other_type if other_type not in (BOOL, LIST, MAP) else NUMBER,
                            other))


def _arith(node: expr.Arith, env: Env, out: list[Mismatch]) -> None:
    left, right = type_of(node.left, env), type_of(node.right, env)
    if node.op == "-" and left == DATE and right == DATE:
        return
    for operand, found in ((node.left, left), (node.right, right)):
        if found is not None and found != NUMBER:
            out.append(Mismatch("arith", operand, found, NUMBER, node))
