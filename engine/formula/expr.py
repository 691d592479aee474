"""The policy's own small expression grammar: parse, inspect, evaluate.

Conditions and formulas in the YAML are parsed here, never `eval`-ed. The
grammar is deliberately small and whitelisted:

    expr     := or
    or       := and ('or' and)*
    and      := not ('and' not)*
    not      := 'not' not | compare
    compare  := sum (('=='|'!='|'<'|'<='|'>'|'>=') sum | ['not'] 'in' sum)?
    sum      := product (('+'|'-') product)*
    product  := atom (('*'|'/') atom)*       # '/' exact (fractions); by zero: unknown
    atom     := NUMBER | STRING | 'true' | 'false' | 'null' | list
              | NAME ('.' NAME)* ('[' expr ']')?      # a fact, a decision, param.x
              | NAME '(' args ')'                     # a whitelisted function (formulas only)
              | '(' expr ')'

Evaluation is three-valued (Kleene): a comparison with a missing value is
unknown, `not unknown` is unknown, and a rule fires only on a true
condition. `x == null` / `x != null` test presence. The durable_rules
compilation (engine/pipeline/compiler.py) has exactly these semantics, which is what
lets the Python evaluator serve as explainer and test oracle.
"""
from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass, field
from fractions import Fraction
from typing import Any, Callable, Mapping

__all__ = ["as_date", "UNKNOWN", "ExprError", "Lit", "ListLit", "Name", "Param", "Call", "Compare", "Arith", "And", "Or",
           "Not", "IsNotTrue", "NEGATED_OP", "FLIPPED_OP", "OP_TEXT", "MAX_NESTING", "parse", "children",
           "walk", "names", "params", "calls", "render", "format_number", "Resolver", "plain", "is_null_test",
           "compare", "arith", "evaluate", "Closure", "closure", "truth"]

UNKNOWN = None  # the third truth value; also what a missing fact evaluates to


class ExprError(ValueError):
    """A condition or formula that does not parse; `pos` is the column in the text."""

    def __init__(self, message: str, text: str, pos: int):
        super().__init__(f"{message}（«{text}» 第 {pos + 1} 个字符处，column {pos + 1}）")
        self.text, self.pos, self.reason = text, pos, message


# --- AST ---------------------------------------------------------------------

@dataclass(frozen=True)
class Lit:
    value: Any
    # the parameter this constant stands for, once the compiler has put its value in: explanations name it (and
    # say when it lapsed); not part of what the constant is, so equal values stay equal
    source: Any = field(default=None, compare=False, repr=False)


@dataclass(frozen=True)
class ListLit:
    items: tuple
    source: Any = field(default=None, compare=False, repr=False)


@dataclass(frozen=True)
class Name:
    """A fact attribute or a decision of the same subject (`staff.direct` is one name)."""
    name: str


@dataclass(frozen=True)
class Param:
    """`param.skill_allowance` or `param.skill_allowance[skill_level]`."""
    name: str
    key: Any = None  # an AST node, or None


@dataclass(frozen=True)
class Call:
    func: str
    args: tuple


@dataclass(frozen=True)
class Compare:
    op: str  # == != < <= > >= in notin
    left: Any
    right: Any


@dataclass(frozen=True)
class Arith:
    op: str  # + - *
    left: Any
    right: Any


@dataclass(frozen=True)
class And:
    items: tuple


@dataclass(frozen=True)
class Or:
    items: tuple


@dataclass(frozen=True)
class Not:
    item: Any


@dataclass(frozen=True)
class IsNotTrue:
    """Not in the surface grammar: "this condition does not hold" (false *or unknown*).

    Exceptions use it: an overriding rule whose condition is unknown (a fact
    missing) does not block the rule it overrides, as in Catala.
    """
    item: Any


NEGATED_OP = {"==": "!=", "!=": "==", "<": ">=", ">=": "<", ">": "<=", "<=": ">", "in": "notin", "notin": "in"}
FLIPPED_OP = {"==": "==", "!=": "!=", "<": ">", ">": "<", "<=": ">=", ">=": "<="}
OP_TEXT = {"notin": "not in"}

# --- tokenizer ---------------------------------------------------------------

_TOKEN = re.compile(r"""
    (?P<ws>\s+)
  | (?P<num>\d+(?:\.\d+)?)
  | (?P<str>"[^"]*"|'[^']*'|“[^”]*”|「[^」]*」)
  | (?P<op>==|!=|<=|>=|<|>|\+|-|\*|/|\(|\)|\[|\]|,|\.)
  | (?P<name>[A-Za-z_][A-Za-z0-9_]*)
""", re.VERBOSE)
_KEYWORDS = {"and", "or", "not", "in", "true", "false", "null"}


def _tokens(text: str) -> list[tuple[str, Any, int]]:
    out, pos = [], 0
    while pos < len(text):
        m = _TOKEN.match(text, pos)
        if not m or m.end() == pos:
            raise ExprError(f"不认识的字符“{text[pos]}”", text, pos)
        kind = m.lastgroup
        if kind == "num":
            raw = m.group()
            out.append(("lit", Fraction(raw) if "." in raw else int(raw), pos))
        elif kind == "str":
            out.append(("lit", m.group()[1:-1], pos))
        elif kind == "op":
            out.append(("op", m.group(), pos))
        elif kind == "name":
            word = m.group()
            out.append(("kw" if word in _KEYWORDS else "name", word, pos))
        pos = m.end()
    out.append(("end", None, len(text)))
    return out


_WANT = {"end": "公式结尾（多写了什么？比较不能连写，如 a == 1 == 2）", "name": "名称", "lit": "数或文字",
         ")": "右括号“)”", "]": "右方括号“]”", ",": "逗号“,”"}
MAX_NESTING = 64   # brackets and `not`s inside one another; the policy needs 4, Python's stack holds ~120


class _Parser:
    def __init__(self, text: str):
        self.text, self.toks, self.i = text, _tokens(text), 0
        self.depth = 0

    def deeper(self, pos: int) -> None:
        """One more level of nesting: beyond MAX_NESTING a located error, not a RecursionError."""
        self.depth += 1
        if self.depth > MAX_NESTING:
            raise ExprError(f"括号或 not 嵌套超过 {MAX_NESTING} 层，请拆分条件", self.text, pos)

    def peek(self, kind=None, value=None) -> bool:
        k, v, _ = self.toks[self.i]
        return (kind is None or k == kind) and (value is None or v == value)

    def take(self, kind=None, value=None):
        k, v, pos = self.toks[self.i]
        if not self.peek(kind, value):
            want = _WANT.get(value or kind, f"“{value or kind}”")
            got = "公式结尾" if k == "end" else f"“{v}”"
            raise ExprError(f"此处应为{want}，实为{got}", self.text, pos)
        self.i += 1
        return v

    def parse(self):
        node = self.or_()
        self.take("end")
        return node

    def or_(self):
        items = [self.and_()]
        while self.peek("kw", "or"):
            self.take()
            items.append(self.and_())
        return items[0] if len(items) == 1 else Or(tuple(items))

    def and_(self):
        items = [self.not_()]
        while self.peek("kw", "and"):
            self.take()
            items.append(self.not_())
        return items[0] if len(items) == 1 else And(tuple(items))

    def not_(self):
        if self.peek("kw", "not"):
            self.deeper(self.toks[self.i][2])
            self.take()
            node = Not(self.not_())
            self.depth -= 1
            return node
        return self.compare()

    def compare(self):
        left = self.sum_()
        if self.peek("op") and self.toks[self.i][1] in ("==", "!=", "<", "<=", ">", ">="):
            op = self.take()
            return Compare(op, left, self.sum_())
        if self.peek("kw", "in"):
            self.take()
            return Compare("in", left, self.sum_())
        if self.peek("kw", "not") and self.toks[self.i + 1][1] == "in":
            self.take(), self.take()
            return Compare("notin", left, self.sum_())
        return left

    def sum_(self):
        node, n = self.product(), 0
        while self.peek("op", "+") or self.peek("op", "-"):
            n = self.chained(n)
            node = Arith(self.take(), node, self.product())
        return node

    def product(self):
        node, n = self.atom(), 0
        while self.peek("op", "*") or self.peek("op", "/"):
            n = self.chained(n)
            node = Arith(self.take(), node, self.atom())
        return node

    def chained(self, n: int) -> int:
        """`a + b + …` nests each sum inside the next: bounded like brackets, for every walker after us."""
        if n >= MAX_NESTING:
            raise ExprError(f"一串加减乘超过 {MAX_NESTING} 项，请拆分公式", self.text, self.toks[self.i][2])
        return n + 1

    def atom(self):
        k, v, pos = self.toks[self.i]
        if k == "lit":
            self.i += 1
            return Lit(v)
        if k == "kw" and v in ("true", "false", "null"):
            self.i += 1
            return Lit({"true": True, "false": False, "null": None}[v])
        if k == "op" and v == "(":
            self.deeper(pos)
            self.take()
            node = self.or_()
            self.take("op", ")")
            self.depth -= 1
            return node
        if k == "op" and v == "[":
            self.deeper(pos)
            self.take()
            items = []
            while not self.peek("op", "]"):
                items.append(self.sum_())
                if not self.peek("op", "]"):
                    self.take("op", ",")
            self.take("op", "]")
            self.depth -= 1
            return ListLit(tuple(items))
        if k == "op" and v == "-" and self.toks[self.i + 1][0] == "lit":
            self.take()
            return Lit(-self.take("lit"))
        if k == "name":
            return self.reference()
        raise ExprError("此处应为值、名称或左括号“(”", self.text, pos)

    def reference(self):
        parts = [self.take("name")]
        if self.peek("op", "("):
            self.deeper(self.toks[self.i][2])
            self.take()
            args = []
            while not self.peek("op", ")"):
                args.append(self.or_())
                if not self.peek("op", ")"):
                    self.take("op", ",")
            self.take("op", ")")
            self.depth -= 1
            return Call(parts[0], tuple(args))
        while self.peek("op", "."):
            self.take()
            parts.append(self.take("name"))
        key = None
        if self.peek("op", "["):
            self.deeper(self.toks[self.i][2])
            self.take()
            key = self.sum_()
            self.take("op", "]")
            self.depth -= 1
        if parts[0] == "param":
            if len(parts) < 2:
                raise ExprError("“param.”之后应为参数名", self.text, self.toks[self.i][2])
            return Param(".".join(parts[1:]), key)
        if key is not None:
            raise ExprError("只有参数可以用 [ ] 取值", self.text, self.toks[self.i - 1][2])
        return Name(".".join(parts))


def parse(text: str):
    """Parse a condition or formula; raises ExprError with the column."""
    if isinstance(text, bool):
        return Lit(text)
    if isinstance(text, (int, float)):
        return Lit(Fraction(str(text)) if isinstance(text, float) else text)
    return _Parser(str(text)).parse()


# --- inspection --------------------------------------------------------------

def children(node) -> tuple:
    if isinstance(node, (And, Or)):
        return node.items
    if isinstance(node, (Not, IsNotTrue)):
        return (node.item,)
    if isinstance(node, (Compare, Arith)):
        return (node.left, node.right)
    if isinstance(node, ListLit):
        return node.items
    if isinstance(node, Call):
        return node.args
    if isinstance(node, Param) and node.key is not None:
        return (node.key,)
    return ()


def walk(node):
    yield node
    for child in children(node):
        yield from walk(child)


_NAMES: dict[int, tuple[Any, tuple[str, ...]]] = {}   # id(node) → (node, its names); the node kept so its id stays its own


def names(node) -> list[str]:
    """Fact attributes and decisions the expression reads, in order of first use (found once per node)."""
    hit = _NAMES.get(id(node))
    if hit is None or hit[0] is not node:
        seen: dict[str, None] = {}
        for n in walk(node):
            if isinstance(n, Name):
                seen.setdefault(n.name)
        hit = _NAMES[id(node)] = (node, tuple(seen))
    return list(hit[1])


def params(node) -> list[str]:
    seen: dict[str, None] = {}
    for n in walk(node):
        if isinstance(n, Param):
            seen.setdefault(n.name)
    return list(seen)


def calls(node) -> list[str]:
    return [n.func for n in walk(node) if isinstance(n, Call)]


def render(node) -> str:
    """Back to text, for explanations (`windows >= 20`, params already inlined or not)."""
    if isinstance(node, Lit):
        v = node.value
        if v is None:
            return "null"
        if isinstance(v, bool):
            return "true" if v else "false"
        if isinstance(v, str):
            return f"“{v}”"
        if isinstance(v, dt.date):
            return f"“{v.isoformat()}”"     # a date as a formula writes it (compared as a date: `as_date`)
        return format_number(v)
    if isinstance(node, ListLit):
        return "[" + ", ".join(render(i) for i in node.items) + "]"
    if isinstance(node, Name):
        return node.name
    if isinstance(node, Param):
        return f"param.{node.name}" + (f"[{render(node.key)}]" if node.key is not None else "")
    if isinstance(node, Call):
        return f"{node.func}(" + ", ".join(render(a) for a in node.args) + ")"
    if isinstance(node, Compare):
        return f"{_wrap(node.left)} {OP_TEXT.get(node.op, node.op)} {_wrap(node.right)}"
    if isinstance(node, Arith):
        rank = {"+": 1, "-": 1, "*": 2, "/": 2}
        left, right = _wrap(node.left), _wrap(node.right)
        if isinstance(node.left, Arith) and rank[node.left.op] < rank[node.op]:
            left = f"({left})"
        if isinstance(node.right, Arith) and (rank[node.right.op] < rank[node.op]
                                              or rank[node.right.op] == rank[node.op] and node.op in ("-", "/")):
            right = f"({right})"
        return f"{left} {node.op} {right}"
    if isinstance(node, And):
        return " and ".join(_wrap(i) for i in node.items)
    if isinstance(node, Or):
        return " or ".join(_wrap(i) for i in node.items)
    if isinstance(node, Not):
        inner = render(node.item)
        return f"not ({inner})" if isinstance(node.item, (And, Or, Compare)) else f"not {inner}"
    if isinstance(node, IsNotTrue):
        return f"not ({render(node.item)})"
    raise TypeError(node)


def _wrap(node) -> str:
    text = render(node)
    return f"({text})" if isinstance(node, (And, Or)) else text


def format_number(v) -> str:
    if isinstance(v, Fraction):
        return str(v.numerator) if v.denominator == 1 else repr(float(v))
    return str(v)


# --- evaluation --------------------------------------------------------------

Resolver = Callable[[str], Any]


_AS_IS = frozenset((str, int, bool, float, type(None)))


def plain(value):
    """Fractions back to int/float for output; everything else unchanged."""
    if type(value) in _AS_IS:   # most values: one look
        return value
    if isinstance(value, Fraction):
        return value.numerator if value.denominator == 1 else float(value)
    if isinstance(value, (list, tuple)):
        return [plain(v) for v in value]
    return value


def _num(value):
    if isinstance(value, float):
        return Fraction(str(value))
    return value


def as_date(value):
    if isinstance(value, dt.date):
        return value
    if isinstance(value, str) and len(value) == 10 and value[4] == "-":
        try:
            return dt.date.fromisoformat(value)
        except ValueError:
            return value
    return value


def is_null_test(node) -> bool:
    """`x == null` / `x != null`: the only comparisons that are never unknown. The null is one written as such:
    a lapsed parameter put in as null (`Lit.source`) compares as the parameter it stands for, unknown."""
    return isinstance(node, Compare) and node.op in ("==", "!=") and any(
        isinstance(side, Lit) and side.value is None and side.source is None for side in (node.left, node.right))


def compare(op: str, a, b):
    """Three-valued comparison: anything compared with a missing value is unknown."""
    if op in ("in", "notin"):
        if a is None or b is None:
            return UNKNOWN
        found = a in b
        return found if op == "in" else not found
    if op in ("==", "!="):
        if a is None or b is None:
            return UNKNOWN
        same = as_date(_num(a)) == as_date(_num(b))
        return same if op == "==" else not same
    if a is None or b is None:
        return UNKNOWN
    a, b = as_date(_num(a)), as_date(_num(b))
    try:
        return {"<": a < b, "<=": a <= b, ">": a > b, ">=": a >= b}[op]
    except TypeError:
        return UNKNOWN


def arith(op: str, a, b):
    if a is None or b is None:
        return None
    a, b = as_date(_num(a)), as_date(_num(b))
    if isinstance(a, dt.date) and isinstance(b, dt.date) and op == "-":
        return (a - b).days
    if op == "/":   # exact: a third of 3 is 1; by zero there is no value (unknown), as with a missing operand
        if isinstance(a, (dt.date, bool)) or isinstance(b, (dt.date, bool)):
            raise TypeError("division of a date or a yes/no")
        return None if b == 0 else Fraction(a) / Fraction(b)
    return {"+": lambda: a + b, "-": lambda: a - b, "*": lambda: a * b}[op]()


def evaluate(node, resolve: Resolver, param: Callable[[str], Any], functions: Mapping[str, Callable] | None = None):
    """Evaluate with `resolve(name)` for facts/decisions and `param(name)` for parameters."""
    return closure(node)(resolve, param, functions)


Closure = Callable[[Resolver, Callable[[str], Any], "Mapping[str, Callable] | None"], Any]
_CLOSURES: dict[int, tuple[Any, Closure]] = {}   # id(node) → (node, its closure); the node kept so its id stays its own


def closure(node) -> Closure:
    """The node turned once into nested Python closures: the same evaluation, without walking the tree each time."""
    hit = _CLOSURES.get(id(node))
    if hit is not None and hit[0] is node:
        return hit[1]
    made = _close(node)
    _CLOSURES[id(node)] = (node, made)
    return made


def _close(n) -> Closure:
    if isinstance(n, Lit):
        value = n.value
        return lambda r, p, f: value
    if isinstance(n, ListLit):
        items = [_close(i) for i in n.items]
        return lambda r, p, f: [i(r, p, f) for i in items]
    if isinstance(n, Name):
        name = n.name
        return lambda r, p, f: _num(r(name))
    if isinstance(n, Param):
        pname = n.name
        if n.key is None:
            return lambda r, p, f: _num(p(pname))
        key_of = _close(n.key)

        def keyed(r, p, f):
            table = p(pname)
            key = key_of(r, p, f)
            return None if key is None or not isinstance(table, Mapping) else _num(table.get(key))
        return keyed
    if isinstance(n, Call):
        func, args = n.func, [_close(a) for a in n.args]

        def call(r, p, f):
            if not f or func not in f:
                raise KeyError(f"unknown function {func}")
            return f[func](*[a(r, p, f) for a in args])
        return call
    if isinstance(n, Compare):
        op = n.op
        if is_null_test(n):
            operand = _close(n.left if n.right == Lit(None) else n.right)
            if op == "!=":
                return lambda r, p, f: operand(r, p, f) is not None
            return lambda r, p, f: operand(r, p, f) is None
        left, right = _close(n.left), _close(n.right)
        return lambda r, p, f: compare(op, left(r, p, f), right(r, p, f))
    if isinstance(n, Arith):
        op, left, right = n.op, _close(n.left), _close(n.right)
        return lambda r, p, f: arith(op, left(r, p, f), right(r, p, f))
    if isinstance(n, Not):
        item = _close(n.item)

        def negated(r, p, f):
            v = truth(item(r, p, f))
            return UNKNOWN if v is UNKNOWN else not v
        return negated
    if isinstance(n, IsNotTrue):
        item = _close(n.item)
        return lambda r, p, f: truth(item(r, p, f)) is not True
    if isinstance(n, (And, Or)):
        items = [_close(i) for i in n.items]
        decisive = n.__class__ is Or   # the value that settles it: False for and, True for or

        def junction(r, p, f):
            vals = [truth(i(r, p, f)) for i in items]   # every item, as before: a raising item raises alike
            if decisive in vals:
                return decisive
            return UNKNOWN if UNKNOWN in vals else not decisive
        return junction
    raise TypeError(n)


def truth(value):
    """A bare name in a condition means `name == true`; unknown stays unknown."""
    if value is None:
        return UNKNOWN
    return value is True
