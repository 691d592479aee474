"""generate.yaml: how a generated roster is drawn — how many records of each kind, and how each field's values occur.

Test data, not policy: records.yaml says what a field is, generate.yaml how often each value occurs in a realistic
roster (most people rated 一般, a few 差; births 21–38 years before hiring; some on 29 February). `read_plan`
compiles the file into draw functions, every problem found at once, each at its file:line in Chinese
(`plan_problems` for validate). Values are drawn in the order the file writes them — a field may use those drawn
before it — from the random.Random the generator passes in, so the same seed gives the same roster. The grammar
is documented in docs/policy-files.md (generate.yaml).
"""
from __future__ import annotations

import datetime as dt
import random
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable

from ..common import yamlio
from ..common.limits import GENERATED_YEARS, text_problem
from ..common.locations import Location, YamlError, locate, plain
from ..common.problems import Problem
from ..common.words import near
from ..policy import schemas
from ..policy.model import Policy
from ..policy.params import ParamView, first_day
from ..policy.records import MONTH_PATTERN, Field, RecordKind

__all__ = ["PLAN_FILE", "FIRST_DAY", "LAST_DAY", "Draw", "FieldPlan", "KindPlan", "MonthPass", "Judged", "Plan",
           "PlanError", "read_plan", "plan_problems", "params_on", "date_between", "leap_day", "ordered", "fill"]

PLAN_FILE = "generate.yaml"
FIRST_DAY, LAST_DAY = dt.date(GENERATED_YEARS[0], 1, 1), dt.date(GENERATED_YEARS[1], 12, 31)   # a case file's dates
MAX_OFFSET = {"years": 150, "days": 60_000}      # a date moved further would leave the years a case file holds
MAX_PER_PARENT = 1_000                          # records per case or per parent record (a roster stays readable)
Fn = Callable[["Draw"], Any]


class PlanError(ValueError):
    """generate.yaml cannot be used; `problems` says why, each at its line."""

    def __init__(self, problems: list[Problem]):
        super().__init__("\n".join(str(p) for p in problems))
        self.problems = problems


class Draw:
    """What a value is drawn from: the random stream, the case (its date and fields), the record being made and
    those enclosing it (a certificate's person), the parameters as of the case's date."""

    __slots__ = ("rng", "params", "case", "chain", "case_no", "n", "nth", "siblings", "plan")

    def __init__(self, rng: random.Random, plan: "Plan"):
        self.rng, self.plan = rng, plan
        self.params: ParamView | None = None
        self.case: dict = {}
        self.chain: list[dict] = []
        self.case_no = self.n = self.nth = self.siblings = 0

    def get(self, name: str) -> Any:
        """A field's value: of the record being made, else of the records enclosing it, else of the case."""
        for record in self.chain:
            if name in record:
                return record[name]
        return self.case.get(name)

    def parameter(self, name: str) -> Any:
        try:
            return self.params(name) if self.params is not None else None
        except KeyError:
            return None


@dataclass
class FieldPlan:
    name: str
    value: Fn
    when: Callable[[Draw], bool] | None = None
    present: Callable[[Draw], bool] | None = None     # draws: whether the field is filled
    required: Problem | None = None                   # a required field: what to say when a record leaves it blank


@dataclass
class MonthPass:
    """A by-month field drawn for all records of a kind at once, group by group and month by month (a quota of
    a word per group and month: 好 for at most a fifth of a center's staff)."""
    name: str
    year: Fn
    since: tuple[str, int] | None
    group: str | None
    group_kind: str | None
    capped: tuple[Any, Fn, float | None] | None
    shares: list[tuple[Any, float]]
    otherwise: Any
    mark: tuple[str, float, int, Any] | None


@dataclass
class KindPlan:
    kind: RecordKind
    how: str                               # counted | per_case | each | per
    id: Fn
    fields: list[FieldPlan]
    order: list[str]                       # the keys as a record is written
    count: Fn | None = None                # per_case, per: how many
    each: tuple[str, list] | None = None   # each: the field and its values, one record each
    per: str | None = None                 # per: the field naming the parent record
    among: tuple[str, str, Any, int, int] | None = None   # field, parent kind, weights by, one_in, at_least
    passes: list[MonthPass] = field(default_factory=list)


@dataclass(frozen=True)
class Judged:
    month: int
    day: int
    common_year: bool


@dataclass
class Plan:
    note: str | None
    size: int
    judged: list[Judged]
    case_fields: list[FieldPlan]
    kinds: list[KindPlan]
    leap_years: list[int]
    surnames: str = ""
    given: str = ""
    given_length: Fn | None = None

    def case_day(self, case_no: int, year: int) -> dt.date:
        """The judging day of the n-th case: the judged days in turn; a `common_year:` day in `year`, or — when
        `year` is divisible by 4 — in the next year (so that 29 February is missing from it)."""
        j = self.judged[(case_no - 1) % len(self.judged)]
        return dt.date(year + (1 if j.common_year and year % 4 == 0 else 0), j.month, j.day)


# --- drawing helpers ------------------------------------------------------------------------------------------

def date_between(rng: random.Random, start: dt.date, end: dt.date) -> dt.date:
    start, end = max(start, FIRST_DAY), min(end, LAST_DAY)   # within a case file's years (only near 1900 or 2999)
    return start + dt.timedelta(days=rng.randrange(max(1, (end - start).days + 1)))


def _leap_days(low: dt.date, high: dt.date) -> list[dt.date]:
    days = [dt.date(y, 2, 29) for y in range(low.year, high.year + 1) if y % 4 == 0 and (y % 100 or y % 400 == 0)]
    return [d for d in days if low <= d <= high]


def leap_day(rng: random.Random, low: dt.date, high: dt.date, otherwise: dt.date | None, years: list[int]) -> Any:
    """A 29 February from `low` to `high`: of one of `years` (generate.yaml `leap_years:`) when some are there, so
    the rosters of the years near today stay as they were made; else of any year in the window; else `otherwise`."""
    low, high = max(low, FIRST_DAY), min(high, LAST_DAY)
    listed = [d for d in (dt.date(y, 2, 29) for y in years) if low <= d <= high]
    return rng.choice(listed or _leap_days(low, high) or [otherwise])


def ordered(record: dict, order: list[str]) -> dict:
    """The record with its keys in `order` (then any other, as made)."""
    out = {k: record[k] for k in order if k in record}
    if len(out) < len(record):
        out.update((k, v) for k, v in record.items() if k not in out)
    return out


def _shifted(day: dt.date, years: int, days: int, at: str | None) -> dt.date:
    year = min(max(day.year + years, 1), 9999)
    if at == "year_start":
        day = dt.date(year, 1, 1)
    elif at == "year_end":
        day = dt.date(year, 12, 31)
    elif year != day.year:   # 29 February of a year without one: the 28th
        day = day.replace(year=year, day=28) if (day.month, day.day) == (2, 29) else day.replace(year=year)
    try:
        return day + dt.timedelta(days=days)
    except OverflowError:
        return dt.date.max if days > 0 else dt.date.min


def _id_card(rng: random.Random, region: str, born: dt.date) -> str:
    """An 18-digit ID number of `region` and the birth date, its check digit deliberately wrong: no real person's."""
    body = f"{region}{born:%Y%m%d}{rng.randrange(1000):03d}"
    weights = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2]
    check = "10X98765432"[sum(int(c) * w for c, w in zip(body, weights)) % 11]
    return body + "10X98765432"[("10X98765432".index(check) + 1) % 11]


# --- reading ---------------------------------------------------------------------------------------------------

_ISO_DAY = re.compile(r"\d{4}-\d{2}-\d{2}")
_TEMPLATE = re.compile(r"\{([A-Za-z_][A-Za-z0-9_]*)(?::(\d{1,2}))?\}")
_MONTH = re.compile(MONTH_PATTERN)
_FIELD_KEYS = {"when", "unless", "present", "blank"}
_NUMBER_TYPES = {"count", "number", "year"}


@dataclass
class _Level:
    """Names a spec may use: the fields of a record (and which are drawn so far), or the case's."""
    fields: dict[str, Field]
    drawn: set[str]
    what: str


class _Reader:
    def __init__(self, policy: Policy, tree, name: str):
        self.policy, self.tree, self.name = policy, tree, name
        self.problems: list[Problem] = []
        self.uses_names = False

    def problem(self, path: list, message: str, key: bool = False) -> None:
        self.problems.append(Problem(locate(self.tree, path, self.name, key=key), schemas.path_text(path), message))

    # -- the plan -------------------------------------------------------------------------------------------

    def plan(self, data: dict) -> Plan | None:
        records = self.policy.records
        case = data.get("case") or {}
        judged = [Judged(int(j["day"][:2]), int(j["day"][3:]), bool(j.get("common_year"))) for j in case.get("judged") or []]
        for i, j in enumerate(judged):
            try:
                dt.date(2001 if j.common_year else 2000, j.month, j.day)
            except ValueError:
                self.problem(["case", "judged", i, "day"], f"“{case['judged'][i]['day']}”不是一年中的日子（月-日，如 12-31）")
        scope = [_Level(dict(records.case_fields), set(), "案例")]
        case_fields = []
        for fname, spec in (case.get("fields") or {}).items():
            at = ["case", "fields", fname]
            f = records.case_fields.get(fname)
            if f is None:
                self.problem(at, f"“{fname}”不是 records.yaml 中案例的字段{self._known(records.case_fields, fname)}", key=True)
                continue
            made = self.field(spec, f, at, scope)
            scope[0].drawn.add(fname)
            if made:
                case_fields.append(made)
        kinds: list[KindPlan] = []
        for kname, spec in (data.get("kinds") or {}).items():
            kind = records.kinds.get(kname)
            if kind is None:
                self.problem(["kinds", kname], f"“{kname}”不是 records.yaml 中的记录类别{self._known(records.kinds, kname)}",
                             key=True)
                continue
            made = self.kind(kind, spec, ["kinds", kname], scope, kinds)
            if made:
                kinds.append(made)
        counted = [k for k in kinds if k.how == "counted"]
        if len(counted) != 1 and data.get("kinds"):
            self.problem(["kinds"], "应有且仅有一类记录写明 counted: true（--people 数的那类记录），"
                                    f"实为 {len(counted)} 类" + (f"（{'、'.join(k.kind.name for k in counted)}）" if counted else ""))
        names = data.get("names") or {}
        if self.uses_names and not names:
            self.problem([], "有字段写明 fake: name，须在 names: 中给出 surnames（姓）与 given（名用字）")
        given_length = self.number(names.get("given_length", 2), ["names", "given_length"], scope, True, 0, 20) \
            if names else None
        for i, y in enumerate(data.get("leap_years") or []):
            if not (y % 4 == 0 and (y % 100 or y % 400 == 0)):
                self.problem(["leap_years", i], f"{y} 年不是闰年，没有 2月29日")
        if self.problems:
            return None
        return Plan(data.get("note"), int(case.get("size", 125)), judged or [Judged(12, 31, False)], case_fields, kinds,
                    list(data.get("leap_years") or []), str(names.get("surnames", "")), str(names.get("given", "")),
                    given_length)

    def kind(self, kind: RecordKind, spec: dict, at: list, scope: list, before: list[KindPlan]) -> KindPlan | None:
        hows = [h for h in ("counted", "per_case", "each", "per") if h in spec]
        if len(hows) != 1:
            self.problem(at, "应写明且只写明一种数量：counted: true（--people 的记录）、per_case（每个案例几条）、"
                             f"each（每个取值一条）或 per（每条上级记录几条），实为{'、'.join(hows) or '都没有'}", key=True)
            return None
        how = hows[0]
        level = _Level(kind.fields, {"id"}, kind.label)
        here = scope + [level]
        id_text = spec.get("id", f"G{{case:02}}-{kind.name[:1].upper()}{{n:04}}")
        if isinstance(id_text, str) and not re.search(r"\{n(:\d{1,2})?\}", id_text):
            self.problem(at + ["id"], f"编号应含 {{n}}（记录在案例中的序号），否则各条记录编号相同，实为{schemas.shown_zh(id_text)}")
        plan = KindPlan(kind, how, self.template(id_text, at + ["id"], here), [], [])
        made = {k.kind.name for k in before}
        if how == "counted" and spec["counted"] is not True:
            self.problem(at + ["counted"], f"counted 只可写 true，实为{schemas.shown_zh(spec['counted'])}")
        if how == "per_case":
            plan.count = self.number(spec["per_case"], at + ["per_case"], scope, True, 0, MAX_PER_PARENT)
        if how == "each":
            plan.each = self.each(kind, spec["each"], at + ["each"])
            if plan.each:
                level.drawn.add(plan.each[0])
        if how == "per":
            ref = spec["per"]
            f = kind.fields.get(ref)
            if f is None or f.type != "ref":
                self.problem(at + ["per"], f"per 应为本类记录中指向上级记录的字段（type: ref），“{ref}”不是"
                                           f"{self._known({n: g for n, g in kind.fields.items() if g.type == 'ref'})}")
            elif f.to not in made:
                self.problem(at + ["per"], f"“{ref}”指向的记录类别“{f.to}”须在本类之前生成（generate.yaml 中写在前面）")
            else:
                plan.per = ref
                level.drawn.add(ref)
                here = scope + [_Level(self.policy.records.kinds[f.to].fields, set(self.policy.records.kinds[f.to].fields),
                                       self.policy.records.kinds[f.to].label), level]
            if "count" not in spec:
                self.problem(at, "per 须同时写明 count（每条上级记录几条）", key=True)
            else:
                plan.count = self.number(spec["count"], at + ["count"], scope, True, 0, MAX_PER_PARENT)
        elif "count" in spec:
            self.problem(at + ["count"], "count 只与 per 同用（每条上级记录几条）", key=True)
        if "among" in spec:
            plan.among = self.among(kind, spec["among"], at + ["among"], made)
            if plan.among:
                level.drawn.add(plan.among[0])
        for fname, fspec in (spec.get("fields") or {}).items():
            f = kind.fields.get(fname)
            fat = at + ["fields", fname]
            if f is None:
                self.problem(fat, f"“{fname}”不是 records.yaml 中{kind.label}（{kind.name}）的字段{self._known(kind.fields, fname)}",
                             key=True)
                continue
            if f.type == "by_month" and isinstance(fspec, dict) and "by_month" in fspec:
                month_pass = self.by_month(kind, f, fspec, fat, made)
                if month_pass:
                    plan.passes.append(month_pass)
                continue
            if fname in level.drawn:
                self.problem(fat, f"“{fname}”已由 {'、'.join(h for h in ('each', 'per', 'among') if h in spec)} 决定，不再另写分布",
                             key=True)
                continue
            made_field = self.field(fspec, f, fat, here)
            level.drawn.add(fname)
            if made_field:
                plan.fields.append(made_field)
        for fname, f in kind.fields.items():
            if f.required and fname not in level.drawn and not (f.type == "by_month" and any(p.name == fname for p in plan.passes)):
                self.problem(at, f"{kind.label}的必填字段“{fname}”（{f.label}）没有写分布", key=True)
        order = spec.get("order")
        if order is not None:
            for i, name in enumerate(order):
                if name not in kind.fields and name != "id":
                    self.problem(at + ["order", i], f"“{name}”不是{kind.label}的字段{self._known(kind.fields, name)}")
        plan.order = ["id"] + [n for n in (order or kind.fields) if n != "id"]
        return plan

    def each(self, kind: RecordKind, spec: dict, at: list) -> tuple[str, list] | None:
        if len(spec) != 1:
            self.problem(at, f"each 应为一个字段及其取值的列表（{{字段: [取值, …]}}，每个取值一条记录），实为 {len(spec)} 个字段")
            return None
        (fname, values), = spec.items()
        f = kind.fields.get(fname)
        if f is None:
            self.problem(at + [fname], f"“{fname}”不是{kind.label}的字段{self._known(kind.fields, fname)}", key=True)
            return None
        if not isinstance(values, list) or not values:
            self.problem(at + [fname], f"应为取值的列表（每个取值生成一条记录），实为{schemas.shown_zh(values)}")
            return None
        for i, v in enumerate(values):
            self.literal(v, f, at + [fname, i], {})
        return fname, list(values)

    def among(self, kind: RecordKind, spec: dict, at: list, made: set[str]):
        fname = spec.get("field")
        f = kind.fields.get(fname)
        if f is None or f.type != "ref":
            self.problem(at + ["field"], f"among 的 field 应为本类记录中指向另一类记录的字段（type: ref），"
                                         f"“{fname}”不是{self._known({n: g for n, g in kind.fields.items() if g.type == 'ref'})}")
            return None
        if f.to not in made:
            self.problem(at + ["field"], f"“{fname}”指向的记录类别“{f.to}”须在本类之前生成（generate.yaml 中写在前面）")
            return None
        parent = self.policy.records.kinds[f.to]
        weights = spec.get("weights")
        by = None
        if weights is not None:
            by_field = parent.fields.get(weights.get("by"))
            if by_field is None:
                self.problem(at + ["weights", "by"], f"“{weights.get('by')}”不是{parent.label}的字段{self._known(parent.fields)}")
                return None
            for value, w in (weights.get("values") or {}).items():
                self.literal(value, by_field, at + ["weights", "values", value], {}, key=True)
                self.weight(w, at + ["weights", "values", value])
            by = (weights["by"], dict(weights.get("values") or {}))
        none = spec.get("none") or {}
        return fname, f.to, by, int(none.get("one_in", 0)), int(none.get("at_least", 0))

    def by_month(self, kind: RecordKind, f: Field, spec: dict, at: list, made: set[str]) -> MonthPass | None:
        extra = set(spec) - {"by_month"}
        if extra:
            self.problem(at + [sorted(extra)[0]], f"按月分布（by_month）的字段不再另写 {'、'.join(sorted(extra))}", key=True)
        spec = spec["by_month"]
        at = at + ["by_month"]
        scope = [_Level(self.policy.records.case_fields, set(self.policy.records.case_fields), "案例")]
        year = spec.get("year")
        if isinstance(year, int) and not isinstance(year, bool):
            if not GENERATED_YEARS[0] <= year <= GENERATED_YEARS[1]:
                self.problem(at + ["year"], f"年份应在 {GENERATED_YEARS[0]} 至 {GENERATED_YEARS[1]} 之间，实为 {year}")
                return None
            year_fn: Fn = lambda ctx, y=year: y
        elif year in self.policy.records.case_fields and self.policy.records.case_fields[year].type == "year":
            year_fn = lambda ctx, y=year: ctx.case.get(y) or ctx.case["as_of"].year
        else:
            years = [n for n, g in self.policy.records.case_fields.items() if g.type == "year"]
            self.problem(at + ["year"], f"year 应为年份或案例的年份字段{('（' + '、'.join(years) + '）') if years else ''}，"
                                        f"实为{schemas.shown_zh(year)}")
            return None
        since = None
        if "from" in spec:
            src = spec["from"]
            self.typed(kind, src.get("field"), "date", at + ["from", "field"], f"from 的 field 应为{kind.label}的日期字段")
            grace = src.get("grace_days", 0)
            if isinstance(grace, bool) or not isinstance(grace, int) or not 0 <= grace <= 366:
                self.problem(at + ["from", "grace_days"], f"grace_days 应为 0 至 366 的整数（天），实为{schemas.shown_zh(grace)}")
                return None
            since = (src.get("field"), grace)
        group = group_kind = None
        if "group" in spec:
            g = self.typed(kind, spec["group"], "ref", at + ["group"],
                           f"group 应为{kind.label}中指向另一类记录的字段（type: ref）")
            if g is not None and g.to not in made:
                self.problem(at + ["group"], f"“{spec['group']}”指向的记录类别“{g.to}”须在本类之前生成")
            elif g is not None:
                group, group_kind = spec["group"], g.to
        word = f.values
        capped = None
        if "capped" in spec:
            c = spec["capped"]
            self.literal(c.get("word"), word, at + ["capped", "word"], {})
            share = self.number(c.get("share"), at + ["capped", "share"], scope, False, 0, 1)
            one_more = c.get("one_more")
            if one_more is not None:
                self.share_value(one_more, at + ["capped", "one_more"])
            capped = (c.get("word"), share, one_more)
        shares, total = [], 0.0
        for w, s in (spec.get("shares") or {}).items():
            self.literal(w, word, at + ["shares", w], {}, key=True)
            self.share_value(s, at + ["shares", w])
            total += s if isinstance(s, (int, float)) and not isinstance(s, bool) else 0
            shares.append((w, round(total, 12)))   # cumulative, as written (0.03 + 0.005 is 0.035)
        if total > 1:
            self.problem(at + ["shares"], f"各取值的比例之和应不超过 1，实为 {round(total, 12)}")
        if "otherwise" not in spec:
            self.problem(at, "by_month 须写明 otherwise（其余月份的取值）", key=True)
        else:
            self.literal(spec["otherwise"], word, at + ["otherwise"], {})
        mark = None
        if "mark" in spec:
            m = spec["mark"]
            self.typed(kind, m.get("field"), "months", at + ["mark", "field"],
                       f"mark 的 field 应为{kind.label}的月份列表字段（type: months）")
            self.share_value(m.get("share", 1), at + ["mark", "share"])
            if "prefer" in m:
                self.literal(m["prefer"], word, at + ["mark", "prefer"], {})
            mark = (m.get("field"), m.get("share", 1), int(m.get("more_than", 0)), m.get("prefer"))
        return MonthPass(f.name, year_fn, since, group, group_kind, capped, shares, spec.get("otherwise"), mark)

    def typed(self, kind: RecordKind, name: Any, type_: str, at: list, expected: str) -> Field | None:
        """The kind's field `name` when it is of `type_`; else a problem at `at`, `expected` and what was found."""
        g = kind.fields.get(name)
        if g is None or g.type != type_:
            self.problem(at, f"{expected}，实为{schemas.shown_zh(name)}")
            return None
        return g

    # -- a field ---------------------------------------------------------------------------------------------

    def field(self, spec: Any, f: Field, at: list, scope: list[_Level]) -> FieldPlan | None:
        when = present = None
        if isinstance(spec, dict):
            if "when" in spec and "unless" in spec:
                self.problem(at + ["unless"], "when 与 unless 只写一个", key=True)
            if "when" in spec:
                when = self.condition(spec["when"], at + ["when"], scope)
            elif "unless" in spec:
                held = self.condition(spec["unless"], at + ["unless"], scope)
                when = (lambda ctx, h=held: not h(ctx)) if held else None
            if "present" in spec and "blank" in spec:
                self.problem(at + ["blank"], "present 与 blank 只写一个", key=True)
            if "present" in spec:
                share = self.share(spec["present"], at + ["present"], scope)
                present = (lambda ctx, s=share: ctx.rng.random() < s(ctx)) if share else None
            elif "blank" in spec:
                share = self.share(spec["blank"], at + ["blank"], scope)
                present = (lambda ctx, s=share: not ctx.rng.random() < s(ctx)) if share else None
            spec = {k: v for k, v in spec.items() if k not in _FIELD_KEYS}
        value = self.value(spec, f, at, scope)
        required = None if not f.required else Problem(
            locate(self.tree, at, self.name, key=True), schemas.path_text(at),
            f"{f.label}（{f.name}）必填，但有记录生成为空（其条件不成立，或所依据的字段为空）：请给出总有取值的分布")
        return None if value is None else FieldPlan(f.name, value, when, present, required)

    def value(self, spec: Any, f: Field, at: list, scope: list[_Level], siblings: dict | None = None) -> Fn | None:
        t = f.type
        if t == "ref":
            self.problem(at, f"“{f.name}”指向另一类记录：由 among 或 per 决定，不写分布", key=True)
            return None
        if t == "months":
            self.problem(at, f"月份列表“{f.name}”由按月字段的 mark 生成（by_month: mark: field: {f.name}），不写分布", key=True)
            return None
        if t == "date":
            return self.day(spec, at, scope)
        if t in _NUMBER_TYPES and not (isinstance(spec, dict) and ({"completed_year", "nth"} & set(spec))):
            fn = self.number(spec, at, scope, t != "number", *(GENERATED_YEARS if t == "year" else (None, None)))
            if fn is not None and t == "count":     # a count a case file holds: 0 … 100000
                return lambda ctx: None if (v := fn(ctx)) is None else min(max(v, 0), 100_000)
            return fn
        if not isinstance(spec, dict):
            if self.literal(spec, f, at, siblings or {}):
                value = spec
                return lambda ctx: value
            return None
        keys = self.keys(spec, at, _TYPE_KEYS.get(t, set()) | {"one_of", "weights", "same_as"})
        if keys is None:
            return None
        if "same_as" in spec:
            return self.name_ref(spec["same_as"], at + ["same_as"], scope, {t})
        if "one_of" in spec:
            return self.one_of(spec["one_of"], f, at + ["one_of"], scope, siblings or {})
        if "weights" in spec:
            return self.weights(spec["weights"], f, at + ["weights"], siblings or {})
        if t == "year" and "completed_year" in spec:
            day = self.day(spec["completed_year"], at + ["completed_year"], scope)
            return None if day is None else (
                lambda ctx: None if (d := day(ctx)) is None else d.year if (d.month, d.day) == (12, 31) else d.year - 1)
        if t == "count" and "nth" in spec:
            n = spec["nth"]
            if not isinstance(n, dict) or len(n) != 1 or not set(n) <= {"first", "last"} \
                    or not isinstance(next(iter(n.values())), int):
                self.problem(at + ["nth"], "nth 应为 {first: 1}（第一条记为 1）或 {last: 4}（最后一条记为 4）")
                return None
            if "first" in n:   # (a count a case file holds: 0 … 100000)
                return lambda ctx, s=n["first"]: min(max(s + ctx.nth - 1, 0), 100_000)
            return lambda ctx, e=n["last"]: min(max(e - ctx.siblings + ctx.nth, 0), 100_000)
        if t in ("text", "id") and "text" in spec:
            return self.template(spec["text"], at + ["text"], scope)
        if "fake" in spec:
            return self.fake(spec, f, at, scope)
        if t == "yes_no" and "chance" in spec:
            share = self.share(spec["chance"], at + ["chance"], scope)
            return None if share is None else (lambda ctx: ctx.rng.random() < share(ctx))
        if t == "records":
            return self.records(spec, f, at, scope)
        if t == "group":
            return self.group(spec, f, at, scope)
        if t == "map":
            return self.map(spec, f, at, scope)
        self.problem(at, f"类型为 {t} 的字段应写明其取值或分布（{'、'.join(sorted(_TYPE_KEYS.get(t, set()) | {'one_of', 'weights', 'same_as'}))}）")
        return None

    def keys(self, spec: dict, at: list, allowed: set[str]) -> set[str] | None:
        unknown = [k for k in spec if k not in allowed]
        for k in unknown:
            self.problem(at + [k], f"“{k}”不是此处可写的键（可写：{'、'.join(sorted(allowed))}）{near(k, allowed)}", key=True)
        return None if unknown else set(spec)

    def literal(self, value: Any, f: Field, at: list, siblings: dict, key: bool = False) -> bool:
        """Whether `value` is a value of the field's type (a word of its vocabulary); a problem when not."""
        t = f.type
        why = None
        if t == "word":
            words = self.words(f, siblings)
            if words is not None and value not in words:
                why = f"“{value}”不是词表 {f.vocabulary} 中的词（{'、'.join(map(str, words))}）{near(value, words)}"
        elif t == "yes_no" and not isinstance(value, bool):
            why = f"应为 true 或 false，实为{schemas.shown_zh(value)}"
        elif t in _NUMBER_TYPES and (isinstance(value, bool) or not isinstance(value, (int, float))):
            why = f"应为数，实为{schemas.shown_zh(value)}"
        elif t == "month" and not (isinstance(value, str) and _MONTH.match(value)):
            why = f"应为月份（年-月，如 2025-03），实为{schemas.shown_zh(value)}"
        elif t in ("text", "digits") and not isinstance(value, str) or t == "id" and not isinstance(value, (str, int)) \
                or isinstance(value, bool) and t != "yes_no":
            why = f"应为文字，实为{schemas.shown_zh(value)}"
        elif t == "digits" and f.pattern and not re.search(f.pattern, value):
            why = f"应为{f.expects or '数字串'}，实为{schemas.shown_zh(value)}"
        elif t in ("records", "group", "map", "by_month"):
            why = f"类型为 {t} 的字段应写明如何生成（一个映射），实为{schemas.shown_zh(value)}"
        if why:
            self.problem(at, f"{f.label}（{f.name}）{why}", key=key)
        return why is None

    def words(self, f: Field, siblings: dict) -> list | None:
        entry = self.policy.vocabulary.get(f.vocabulary or "") or {}
        if f.by and "by_type" in entry:
            by_type = entry.get("by_type") or {}
            if siblings.get(f.by) in by_type:
                return list(by_type[siblings[f.by]])
            return [w for levels in by_type.values() for w in levels]
        values = entry.get("values")
        return list(values) if isinstance(values, (list, dict)) else None

    def one_of(self, spec: Any, f: Field, at: list, scope, siblings: dict) -> Fn | None:
        if spec == "vocabulary" and f.type == "word":
            words = self.words(f, siblings) or []
            if not words:
                self.problem(at, f"{f.label}的词表没有词可选")
                return None
            return lambda ctx: ctx.rng.choice(words)
        if isinstance(spec, dict) and set(spec) == {"words_of"}:
            return self.words_of(spec["words_of"], at + ["words_of"])
        if not isinstance(spec, list) or not spec:
            self.problem(at, "one_of 应为取值的列表（等可能地取一个；重复的取值更常取到）、vocabulary（词表中的词）"
                             f"或 {{words_of: [参数, …]}}，实为{schemas.shown_zh(spec)}")
            return None
        if all(not isinstance(v, (dict, list)) for v in spec) and f.type != "date":
            if not all([self.literal(v, f, at + [i], siblings) for i, v in enumerate(spec)]):
                return None
            values = list(spec)
            return lambda ctx: ctx.rng.choice(values)
        fns = [self.value(v, f, at + [i], scope, siblings) for i, v in enumerate(spec)]
        if any(fn is None for fn in fns):
            return None
        return lambda ctx: ctx.rng.choice([fn(ctx) for fn in fns])   # every alternative drawn, then one taken

    def words_of(self, names: Any, at: list) -> Fn | None:
        if not isinstance(names, list) or not names:
            self.problem(at, f"words_of 应为参数名的列表，实为{schemas.shown_zh(names)}")
            return None
        words: set[str] = set()
        for i, name in enumerate(names):
            p = self.policy.parameters.get(name)
            if p is None:
                self.problem(at + [i], f"没有参数“{name}”{near(name, self.policy.parameters)}")
                continue
            for dated in p.values:   # every version's words: a roster names what any version routes
                value = dated.value
                words |= {str(w) for w in (value if isinstance(value, list) else [value]) if isinstance(w, str)}
        if not words and not self.problems:
            self.problem(at, "这些参数没有文字取值可选")
        chosen = sorted(words)
        return lambda ctx: ctx.rng.choice(chosen) if chosen else None

    def weights(self, spec: Any, f: Field, at: list, siblings: dict) -> Fn | None:
        if not isinstance(spec, dict) or not spec:
            self.problem(at, f"weights 应为“取值: 权重”的映射，实为{schemas.shown_zh(spec)}")
            return None
        ok = all([self.literal(v, f, at + [v], siblings, key=True) for v in spec]
                 + [self.weight(w, at + [v]) for v, w in spec.items()])
        if not ok:
            return None
        if not sum(spec.values()) > 0:
            self.problem(at, "权重之和应大于 0")
            return None
        values, cum, total = list(spec), [], 0
        for w in spec.values():
            total += w
            cum.append(total)
        return lambda ctx: ctx.rng.choices(values, cum_weights=cum)[0]

    def weight(self, w: Any, at: list) -> bool:
        if isinstance(w, bool) or not isinstance(w, (int, float)) or w < 0 or w != w or w == float("inf"):
            self.problem(at, f"权重应为不小于 0 的数，实为{schemas.shown_zh(w)}")
            return False
        return True

    def share_value(self, s: Any, at: list) -> bool:
        if isinstance(s, bool) or not isinstance(s, (int, float)) or not 0 <= s <= 1:
            self.problem(at, f"比例应为 0 至 1 之间的数（如 0.2），实为{schemas.shown_zh(s)}")
            return False
        return True

    def share(self, spec: Any, at: list, scope) -> Fn | None:
        if isinstance(spec, dict):
            if self.keys(spec, at, {"when", "then", "else"}) is None or not {"when", "then", "else"} <= set(spec):
                if set(spec) <= {"when", "then", "else"}:
                    self.problem(at, "按条件的比例须写明 when、then、else")
                return None
            held = self.condition(spec["when"], at + ["when"], scope)
            if not (self.share_value(spec["then"], at + ["then"]) & self.share_value(spec["else"], at + ["else"])) or not held:
                return None
            return lambda ctx, a=spec["then"], b=spec["else"]: a if held(ctx) else b
        if not self.share_value(spec, at):
            return None
        return lambda ctx, s=spec: s

    def condition(self, spec: Any, at: list, scope) -> Callable[[Draw], bool] | None:
        if isinstance(spec, str):
            if not self.known_name(spec, at, scope):
                return None
            return lambda ctx: ctx.get(spec) is not None
        if not isinstance(spec, dict) or "field" not in spec:
            self.problem(at, f"条件应为字段名（该字段已填时）或 {{field: 字段, …}}，实为{schemas.shown_zh(spec)}")
            return None
        if self.keys(spec, at, {"field", "in", "is", "days_to_as_of"}) is None:
            return None
        name = spec["field"]
        f = self.known_name(name, at + ["field"], scope)
        if not f:
            return None
        if "in" in spec:
            among = spec["in"]
            if isinstance(among, dict) and set(among) == {"parameter"}:
                if among["parameter"] not in self.policy.parameters:
                    self.problem(at + ["in", "parameter"], f"没有参数“{among['parameter']}”{near(among['parameter'], self.policy.parameters)}")
                    return None
                return lambda ctx, p=among["parameter"]: ctx.get(name) in (ctx.parameter(p) or ())
            if not isinstance(among, list):
                self.problem(at + ["in"], f"in 应为取值的列表或 {{parameter: 参数}}，实为{schemas.shown_zh(among)}")
                return None
            return lambda ctx, values=list(among): ctx.get(name) in values
        if "is" in spec:
            return lambda ctx, v=spec["is"]: ctx.get(name) == v
        if "days_to_as_of" in spec:
            bound = spec["days_to_as_of"]
            if not isinstance(bound, dict) or len(bound) != 1 or not set(bound) <= {"under", "over"} \
                    or not isinstance(next(iter(bound.values())), int) or isinstance(next(iter(bound.values())), bool):
                self.problem(at + ["days_to_as_of"], "days_to_as_of 应为 {under: 天数}（距判定日不足）或 {over: 天数}（超过）")
                return None
            if isinstance(f, Field) and f.type != "date":
                self.problem(at + ["field"], f"days_to_as_of 须用于日期字段，“{name}”的类型为 {f.type}")
                return None
            if "under" in bound:
                return lambda ctx, n=bound["under"]: (d := ctx.get(name)) is not None and (ctx.case["as_of"] - d).days < n
            return lambda ctx, n=bound["over"]: (d := ctx.get(name)) is not None and (ctx.case["as_of"] - d).days > n
        return lambda ctx: ctx.get(name) is not None

    def known_name(self, name: Any, at: list, scope: list[_Level]) -> Field | bool:
        """The field a spec names, in the record or those enclosing it or the case (as_of: True); a problem when
        it is none of them, or is drawn only after the field naming it."""
        if name == "as_of":
            return True
        for level in reversed(scope):
            if name in level.fields or name == "id":
                if name not in level.drawn and name != "id" and level is scope[-1]:
                    self.problem(at, f"“{name}”在此之后才生成：用到它的字段须写在它之后（generate.yaml 按书写顺序生成）")
                    return False
                return level.fields.get(name, True)
        names = {n for level in scope for n in level.fields} | {"as_of"}
        self.problem(at, f"“{name}”不是{scope[-1].what}、其上级记录或案例的字段{near(name, names)}")
        return False

    def name_ref(self, name: Any, at: list, scope, types: set[str]) -> Fn | None:
        """Another field's value; a problem when it is of another type than `types`."""
        f = self.known_name(name, at, scope)
        if not f:
            return None
        t = f.type if isinstance(f, Field) else "date" if name == "as_of" else "id"
        if t not in types:
            self.problem(at, f"“{name}”的类型为 {t}，此处应为 {'、'.join(sorted(types))}")
            return None
        return lambda ctx: ctx.get(name)

    def number(self, spec: Any, at: list, scope, integer: bool, low: float | None = None,
               high: float | None = None) -> Fn | None:
        """A number: literal, `one_of`, `weights`, `between: [a, b]` (whole numbers: any of a … b; else uniform,
        `round:` digits), `same_as`/`of` a field, `parameter` (`key:` a field's value; `otherwise`); then `plus`,
        `least`, `most`."""
        def literal(v, where) -> bool:
            if isinstance(v, bool) or not isinstance(v, (int, float)) or (integer and not isinstance(v, int)):
                self.problem(where, f"应为{'整数' if integer else '数'}，实为{schemas.shown_zh(v)}")
                return False
            if (low is not None and v < low) or (high is not None and v > high):
                self.problem(where, f"应在 {low} 至 {high} 之间，实为 {v}")
                return False
            return True
        if not isinstance(spec, dict):
            return (lambda ctx, v=spec: v) if literal(spec, at) else None
        if self.keys(spec, at, {"one_of", "weights", "between", "round", "same_as", "of", "parameter", "key",
                                "otherwise", "plus", "least", "most"}) is None:
            return None
        sources = [k for k in ("one_of", "weights", "between", "same_as", "of", "parameter") if k in spec]
        if len(sources) != 1:
            self.problem(at, f"应写明且只写明一种取值：one_of、weights、between、of（另一字段）或 parameter，实为"
                             f"{'、'.join(sources) or '都没有'}")
            return None
        src = sources[0]
        base: Fn | None = None
        if src == "one_of":
            values = spec["one_of"]
            if not isinstance(values, list) or not values or not all([literal(v, at + ["one_of", i]) for i, v in enumerate(values)]):
                if not isinstance(values, list) or not values:
                    self.problem(at + ["one_of"], f"one_of 应为数的列表，实为{schemas.shown_zh(values)}")
                return None
            base = lambda ctx: ctx.rng.choice(values)
        elif src == "weights":
            w = spec["weights"]
            if not isinstance(w, dict) or not w or not all([literal(v, at + ["weights", v]) for v in w]
                                                             + [self.weight(x, at + ["weights", v]) for v, x in w.items()]):
                return None
            values, cum, total = list(w), [], 0
            for x in w.values():
                total += x
                cum.append(total)
            base = lambda ctx: ctx.rng.choices(values, cum_weights=cum)[0]
        elif src == "between":
            pair = spec["between"]
            if not (isinstance(pair, list) and len(pair) == 2) or not all([literal(v, at + ["between", i]) for i, v in enumerate(pair)]):
                if not (isinstance(pair, list) and len(pair) == 2):
                    self.problem(at + ["between"], f"between 应为 [下限, 上限]，实为{schemas.shown_zh(pair)}")
                return None
            a, b = pair
            if a > b:
                self.problem(at + ["between"], f"下限 {a} 大于上限 {b}")
                return None
            if integer:
                base = lambda ctx: ctx.rng.randint(a, b)
            else:
                digits = spec.get("round", 2)
                if isinstance(digits, bool) or not isinstance(digits, int) or not 0 <= digits <= 10:
                    self.problem(at + ["round"], f"round 应为 0 至 10 的整数（保留几位小数），实为{schemas.shown_zh(digits)}")
                    return None
                base = lambda ctx: round(ctx.rng.uniform(a, b), digits)
        elif src in ("same_as", "of"):
            base = self.name_ref(spec[src], at + [src], scope, {"count", "year"} if integer else _NUMBER_TYPES)
        elif src == "parameter":
            name = spec["parameter"]
            if name not in self.policy.parameters:
                self.problem(at + ["parameter"], f"没有参数“{name}”{near(name, self.policy.parameters)}")
                return None
            key = spec.get("key")
            if key is not None and not self.known_name(key, at + ["key"], scope):
                return None
            otherwise = spec.get("otherwise")
            if otherwise is not None and not literal(otherwise, at + ["otherwise"]):
                return None

            def base(ctx, name=name, key=key, otherwise=otherwise):
                value = ctx.parameter(name)
                if key is not None:
                    value = value.get(ctx.get(key)) if isinstance(value, dict) else None
                return value if isinstance(value, (int, float)) and not isinstance(value, bool) else otherwise
        if base is None:
            return None
        plus = self.number(spec["plus"], at + ["plus"], scope, integer) if "plus" in spec else None
        least, most = spec.get("least"), spec.get("most")
        for k, v in (("least", least), ("most", most)):
            if v is not None and (isinstance(v, bool) or not isinstance(v, int if integer else (int, float))):
                self.problem(at + [k], f"应为{'整数' if integer else '数'}，实为{schemas.shown_zh(v)}")
                return None
        if plus is None and least is None and most is None:
            return base
        digits = None if integer or not isinstance(spec.get("round", 2), int) else spec.get("round", 2)

        def shaped(ctx):
            v = base(ctx)
            if v is None:
                return None
            if plus is not None:
                v = v + plus(ctx)
                v = v if digits is None or isinstance(v, int) else round(v, digits)   # 5730.11, not 5730.110000000001
            if least is not None:
                v = max(least, v)
            return v if most is None else min(most, v)
        return shaped

    def template(self, text: Any, at: list, scope) -> Fn | None:
        """Text with {case}, {n} (the record's number in the case), {seed} or {a field} in it; {n:04} pads."""
        if not isinstance(text, str):
            self.problem(at, f"应为文字（可含 {{case}}、{{n}} 或 {{字段}}），实为{schemas.shown_zh(text)}")
            return None
        parts: list = []
        end = 0
        for m in _TEMPLATE.finditer(text):
            parts.append(text[end:m.start()])
            name, width = m.group(1), int(m.group(2) or 0)
            if name not in ("case", "n", "nth") and not self.known_name(name, at, scope):
                return None
            parts.append((name, width))
            end = m.end()
        parts.append(text[end:])

        def made(ctx):
            out = []
            for p in parts:
                if isinstance(p, str):
                    out.append(p)
                    continue
                name, width = p
                v = ctx.case_no if name == "case" else ctx.n if name == "n" else ctx.nth if name == "nth" else ctx.get(name)
                out.append(f"{v:0{width}d}" if width and isinstance(v, int) else str(v if v is not None else ""))
            return "".join(out)
        return made

    def fake(self, spec: dict, f: Field, at: list, scope) -> Fn | None:
        kind = spec["fake"]
        if kind == "name":
            if self.keys(spec, at, {"fake"}) is None:
                return None
            self.uses_names = True

            def name(ctx):
                rng, plan = ctx.rng, ctx.plan
                surname = rng.choice(plan.surnames)
                return surname + "".join(rng.choice(plan.given) for _ in range(plan.given_length(ctx)))
            return name
        if kind == "id_card":
            if self.keys(spec, at, {"fake", "born", "region"}) is None:
                return None
            region = str(spec.get("region", ""))
            if not re.fullmatch(r"\d{6}", region):
                self.problem(at + ["region"], f"region 应为 6 位行政区划代码（如 \"321302\"），实为{schemas.shown_zh(spec.get('region'))}")
                return None
            born = self.day(spec.get("born", "as_of"), at + ["born"], scope)
            if born is None:
                return None
            return lambda ctx: None if (d := born(ctx)) is None else _id_card(ctx.rng, region, d)
        self.problem(at + ["fake"], f"fake 可写 name（虚构姓名）或 id_card（与出生日期相符、校验位故意写错的身份证号），"
                                    f"实为{schemas.shown_zh(kind)}")
        return None

    def records(self, spec: dict, f: Field, at: list, scope) -> Fn | None:
        """Nested records: `entries:` (each entry may be present, with its own fields) or `count:` of one shape."""
        inner = _Level(f.fields, set(), f.label)
        order = list(f.fields)
        if "entries" in spec:
            if self.keys(spec, at, {"entries"}) is None:
                return None
            entries = []
            if not isinstance(spec["entries"], list):
                self.problem(at + ["entries"], f"entries 应为子记录的列表，实为{schemas.shown_zh(spec['entries'])}")
                return None
            for i, entry in enumerate(spec["entries"]):
                eat = at + ["entries", i]
                if not isinstance(entry, dict) or self.keys(entry, eat, {"present", "fields"}) is None:
                    if not isinstance(entry, dict):
                        self.problem(eat, f"应为映射（present、fields），实为{schemas.shown_zh(entry)}")
                    continue
                present = self.share(entry["present"], eat + ["present"], scope) if "present" in entry else None
                made = self.nested(entry.get("fields") or {}, f, eat + ["fields"], scope, _Level(f.fields, set(), f.label))
                if made is not None:
                    entries.append((present, made))
            if len(entries) != len(spec["entries"]):
                return None

            def listed(ctx):
                out = []
                for present, made in entries:
                    if present is None or ctx.rng.random() < present(ctx):
                        out.append(ordered(made(ctx), order))
                return out
            return listed
        if self.keys(spec, at, {"count", "fields"}) is None or "count" not in spec:
            if "count" not in spec and set(spec) <= {"count", "fields"}:
                self.problem(at, "子记录须写明 entries（逐条）或 count 与 fields（若干条同一分布）", key=True)
            return None
        count = self.number(spec["count"], at + ["count"], scope, True, 0, MAX_PER_PARENT)
        made = self.nested(spec.get("fields") or {}, f, at + ["fields"], scope, inner)
        if count is None or made is None:
            return None
        return lambda ctx: [ordered(made(ctx), order) for _ in range(count(ctx))]

    def nested(self, specs: dict, f: Field, at: list, scope, level: _Level) -> Callable[[Draw], dict] | None:
        here = scope + [level]
        literals = {n: v for n, v in specs.items() if not isinstance(v, dict)}   # a `by:` field's narrowing word
        plans = []
        ok = True
        for name, spec in specs.items():
            g = f.fields.get(name)
            if g is None:
                self.problem(at + [name], f"“{name}”不是{f.label}（{f.name}）的字段{self._known(f.fields, name)}", key=True)
                ok = False
                continue
            if isinstance(spec, dict) and set(spec) & _FIELD_KEYS:
                made = self.field(spec, g, at + [name], here)
            else:
                value = self.value(spec, g, at + [name], here, literals)
                made = None if value is None else FieldPlan(name, value, required=None if not g.required else Problem(
                    locate(self.tree, at + [name], self.name, key=True), schemas.path_text(at + [name]),
                    f"{g.label}（{name}）必填，但有记录生成为空（所依据的字段为空）：请给出总有取值的分布"))
            level.drawn.add(name)
            ok = ok and made is not None
            if made is not None:
                plans.append(made)
        for name, g in f.fields.items():
            if g.required and name not in specs:
                self.problem(at, f"{f.label}的必填字段“{name}”（{g.label}）没有写分布", key=True)
                ok = False
        if not ok:
            return None

        def made(ctx):
            record: dict = {}
            ctx.chain.insert(0, record)
            try:
                fill(ctx, plans, record)
            finally:
                ctx.chain.pop(0)
            return record
        return made

    def group(self, spec: dict, f: Field, at: list, scope) -> Fn | None:
        if self.keys(spec, at, {"fields"}) is None:
            return None
        made = self.nested(spec.get("fields") or {}, f, at + ["fields"], scope, _Level(f.fields, set(), f.label))
        order = list(f.fields)
        return None if made is None else (lambda ctx: ordered(made(ctx), order))

    def map(self, spec: dict, f: Field, at: list, scope) -> Fn | None:
        """A map keyed by a vocabulary's words: `every:` key given the value; `drop_one:` a share of maps missing one
        key; `set_one: {share, to}`: a share with one key set to another value."""
        if self.keys(spec, at, {"every", "drop_one", "set_one"}) is None:
            return None
        keys = self.words(Field(f.name, f.label, "word", vocabulary=f.vocabulary), {}) or []
        values = f.values or Field(f.name, f.label, "text")
        every = self.value(spec.get("every"), values, at + ["every"], scope) if "every" in spec else None
        drop = spec.get("drop_one")
        if drop is not None and not self.share_value(drop, at + ["drop_one"]):
            return None
        setting = spec.get("set_one")
        if setting is not None:
            if not isinstance(setting, dict) or self.keys(setting, at + ["set_one"], {"share", "to"}) is None \
                    or not self.share_value(setting.get("share"), at + ["set_one", "share"]) \
                    or not self.literal(setting.get("to"), values, at + ["set_one", "to"], {}):
                return None
        if "every" in spec and every is None:
            return None

        def mapped(ctx):
            rng = ctx.rng
            out = {k: every(ctx) for k in keys} if every is not None else {}
            if drop is not None and rng.random() < drop and keys:
                out.pop(rng.choice(keys), None)
            if setting is not None and rng.random() < setting["share"] and keys:
                out[rng.choice(keys)] = setting["to"]
            return out
        return mapped

    # -- dates ----------------------------------------------------------------------------------------------

    def day(self, spec: Any, at: list, scope) -> Fn | None:
        """A date: YYYY-MM-DD; as_of or a date field (a list: the first that is filled); {of: …, before/after:
        {years, days}, at: year_start|year_end}; {earliest|latest: […]}; {between: [a, b]}; {leap_day: [a, b],
        otherwise: …}; {one_of: […]}; any of them with `leap:` (a share turned into 29 February)."""
        if isinstance(spec, str):
            if _ISO_DAY.fullmatch(spec):
                try:
                    day = dt.date.fromisoformat(spec)
                except ValueError:
                    self.problem(at, f"“{spec}”不是真实存在的日期")
                    return None
                return lambda ctx: day
            f = self.known_name(spec, at, scope)
            if not f:
                return None
            if isinstance(f, Field) and f.type != "date":
                self.problem(at, f"“{spec}”不是日期字段（其类型为 {f.type}）")
                return None
            return lambda ctx: ctx.get(spec)
        if isinstance(spec, list):
            fns = [self.day(s, at + [i], scope) for i, s in enumerate(spec)]
            if not spec or any(fn is None for fn in fns):
                if not spec:
                    self.problem(at, "应为日期或日期字段的列表（取第一个已填的）")
                return None
            return lambda ctx: next((d for d in (fn(ctx) for fn in fns) if d is not None), None)
        if not isinstance(spec, dict):
            self.problem(at, f"应为日期（YYYY-MM-DD）、as_of、日期字段或日期的写法（of、between …），实为{schemas.shown_zh(spec)}")
            return None
        if self.keys(spec, at, {"of", "before", "after", "at", "earliest", "latest", "between", "leap_day",
                                "otherwise", "one_of", "same_as", "leap"}) is None:
            return None
        sources = [k for k in ("of", "earliest", "latest", "between", "leap_day", "one_of", "same_as") if k in spec]
        if len(sources) != 1:
            self.problem(at, f"日期应写明且只写明一种来源（of、earliest、latest、between、leap_day、one_of），实为"
                             f"{'、'.join(sources) or '都没有'}")
            return None
        src = sources[0]
        window = None
        if src in ("of", "same_as"):
            base = self.moved(spec, at, scope) if src == "of" else self.day(spec["same_as"], at + ["same_as"], scope)
        elif src in ("earliest", "latest"):
            fns = [self.day(s, at + [src, i], scope) for i, s in enumerate(spec[src] or [])] \
                if isinstance(spec[src], list) else [None]
            if not fns or any(fn is None for fn in fns):
                if not isinstance(spec[src], list) or not spec[src]:
                    self.problem(at + [src], f"{src} 应为日期的列表")
                return None
            pick = min if src == "earliest" else max
            base = lambda ctx: pick([d for d in (fn(ctx) for fn in fns) if d is not None], default=None)
        elif src in ("between", "leap_day"):
            pair = self.pair(spec[src], at + [src], scope)
            if pair is None:
                return None
            low, high = pair
            if src == "between":
                window = pair

                def base(ctx):
                    a, b = low(ctx), high(ctx)
                    if a is None or b is None:
                        return None
                    return date_between(ctx.rng, a, b), a, b
            else:
                other = self.day(spec["otherwise"], at + ["otherwise"], scope) if "otherwise" in spec else high
                if other is None:
                    return None

                def base(ctx):
                    a, b = low(ctx), high(ctx)
                    if a is None or b is None:
                        return None
                    return leap_day(ctx.rng, a, b, other(ctx), ctx.plan.leap_years)
        else:
            alternatives = spec["one_of"]
            if not isinstance(alternatives, list) or not alternatives:
                self.problem(at + ["one_of"], f"one_of 应为日期的列表，实为{schemas.shown_zh(alternatives)}")
                return None
            fns = [self.day(s, at + ["one_of", i], scope) for i, s in enumerate(alternatives)]
            if any(fn is None for fn in fns):
                return None
            base = lambda ctx: ctx.rng.choice([fn(ctx) for fn in fns])   # every alternative drawn, then one taken
        if base is None:
            return None
        if "otherwise" in spec and src != "leap_day":
            self.problem(at + ["otherwise"], "otherwise 只与 leap_day 同用（窗口中没有 2月29日时）", key=True)
            return None
        if "leap" not in spec:
            return (lambda ctx: None if (v := base(ctx)) is None else v[0]) if window else base
        return self.leap(spec["leap"], at + ["leap"], scope, base, window is not None)

    def leap(self, spec: Any, at: list, scope, base: Fn, windowed: bool) -> Fn | None:
        """`leap: 0.04` — that share of the dates moved to a 29 February within the range they were drawn from;
        `leap: {share: 0.04, between: [a, b]}` — within another window."""
        if isinstance(spec, dict):
            if self.keys(spec, at, {"share", "between"}) is None or not self.share_value(spec.get("share"), at + ["share"]):
                return None
            share = spec["share"]
            pair = self.pair(spec["between"], at + ["between"], scope) if "between" in spec else None
            if "between" in spec and pair is None:
                return None
        else:
            if not self.share_value(spec, at):
                return None
            share, pair = spec, None
        if pair is None and not windowed:
            self.problem(at, "leap 须写明窗口 {share: 比例, between: [起, 止]}（此日期不是在一段时间中抽取的）")
            return None

        def moved(ctx):
            drawn = base(ctx)
            if drawn is None:
                return None
            value, low, high = drawn if windowed else (drawn, None, None)
            if ctx.rng.random() < share:
                if pair is not None:
                    low, high = pair[0](ctx), pair[1](ctx)
                if low is not None and high is not None:
                    value = leap_day(ctx.rng, low, high, value, ctx.plan.leap_years)
            return value
        return moved

    def pair(self, spec: Any, at: list, scope) -> tuple[Fn, Fn] | None:
        if not (isinstance(spec, list) and len(spec) == 2):
            self.problem(at, f"应为 [起, 止] 两个日期，实为{schemas.shown_zh(spec)}")
            return None
        low, high = self.day(spec[0], at + [0], scope), self.day(spec[1], at + [1], scope)
        return None if low is None or high is None else (low, high)

    def moved(self, spec: dict, at: list, scope) -> Fn | None:
        anchor = self.day(spec["of"], at + ["of"], scope)
        if anchor is None:
            return None
        if "before" in spec and "after" in spec:
            self.problem(at + ["after"], "before 与 after 只写一个", key=True)
            return None
        way = "before" if "before" in spec else "after" if "after" in spec else None
        sign = -1 if way == "before" else 1
        moves = spec.get(way) or {} if way else {}
        if way and (not isinstance(moves, dict) or self.keys(moves, at + [way], {"years", "days"}) is None):
            if not isinstance(moves, dict):
                self.problem(at + [way], f"{way} 应为 {{years: 年数, days: 天数}}，实为{schemas.shown_zh(moves)}")
            return None
        years = self.number(moves.get("years", 0), at + [way or "of", "years"], scope, True, 0, MAX_OFFSET["years"])
        days = self.number(moves.get("days", 0), at + [way or "of", "days"], scope, True, 0, MAX_OFFSET["days"])
        place = spec.get("at")
        if place not in (None, "year_start", "year_end"):
            self.problem(at + ["at"], f"at 可写 year_start（该年1月1日）或 year_end（该年12月31日），实为{schemas.shown_zh(place)}")
            return None
        if years is None or days is None:
            return None

        def day(ctx):
            d = anchor(ctx)
            if d is None:
                return None
            return _shifted(d, sign * years(ctx), sign * days(ctx), place)
        return day

    @staticmethod
    def _known(names, name: Any = None) -> str:
        """"；您是否想输入“education”？" when `name` is close to one of `names`, else which there are."""
        names = list(names)
        close = near(name, names) if name is not None else ""
        return close or (f"（已有：{'、'.join(map(str, names))}）" if names else "")


_TYPE_KEYS = {"text": {"text", "fake"}, "id": {"text"}, "digits": {"fake", "born", "region"}, "yes_no": {"chance"},
              "records": {"entries", "count", "fields"}, "group": {"fields"}, "map": {"every", "drop_one", "set_one"},
              "year": {"completed_year"}, "count": {"nth"}}


def fill(ctx: Draw, plans: list[FieldPlan], record: dict) -> None:
    """The record's fields, in turn; PlanError when a required one is left blank (a roster the reader would refuse)."""
    for f in plans:
        if (f.when is None or f.when(ctx)) and (f.present is None or f.present(ctx)):
            value = f.value(ctx)
            if value is not None:
                record[f.name] = value
                continue
        if f.required is not None:
            raise PlanError([f.required])


def _read(policy: Policy) -> tuple[Plan | None, list[Problem]]:
    if not getattr(policy, "generate", None):
        return None, []
    path = Path(policy.root) / policy.generate
    name = str(path)
    try:
        tree = yamlio.load(path)
    except (YamlError, OSError) as e:
        loc = e.location if isinstance(e, YamlError) else Location(name)
        return None, [Problem(loc, "", e.message if isinstance(e, YamlError) else f"无法读取：{e}")]
    if not isinstance(tree, dict):
        return None, [Problem(Location(name, 1, 1), "", "文件顶层应为映射（键: 值）")]
    found = schemas.problems(plain(tree), "generate", name, tree, chinese=True) or [
        Problem(locate(tree, at, name), schemas.path_text(at), f"生成的名册将无法读入：{said}")
        for at, said in _unreadable(plain(tree), [])]
    if found:
        return None, found
    reader = _Reader(policy, tree, name)
    try:
        plan = reader.plan(_builtin(plain(tree)))
    except (TypeError, ValueError, AttributeError, KeyError):   # a shape the checks above did not foresee
        return None, reader.problems or [Problem(Location(name), "", "无法按此文件生成：有写法未能识别，"
                                                                     "请对照 docs/policy-files.md（generate.yaml）检查")]
    return plan, reader.problems


def _unreadable(node: Any, at: list) -> list[tuple[list, str]]:
    """Each text of the file a case file could not hold (a control character, a lone surrogate, a text too long:
    `limits.text_problem`), with its path: what the file gives the generator to write must read back."""
    if isinstance(node, str):
        said = text_problem(node)
        return [(at, said)] if said else []
    items = node.items() if isinstance(node, dict) else enumerate(node) if isinstance(node, list) else ()
    return [found for key, value in items for found in _unreadable(value, at + [key])]


def _builtin(node: Any) -> Any:
    """The tree with the reader's number types as Python's (a drawn value is written as any other)."""
    if isinstance(node, dict):
        return {k: _builtin(v) for k, v in node.items()}
    if isinstance(node, list):
        return [_builtin(v) for v in node]
    if isinstance(node, bool):
        return bool(node)
    if isinstance(node, int):
        return int(node)
    if isinstance(node, float):
        return float(node)
    return node


_PLANS: dict[tuple, tuple[Plan | None, list[Problem]]] = {}


def read_plan(policy: Policy) -> Plan | None:
    """The policy's generate.yaml compiled (None when it has none); PlanError with every problem when it cannot
    be used."""
    key = (policy.digest, policy.root, policy.generate)
    if key not in _PLANS:
        _PLANS[key] = _read(policy)
    plan, found = _PLANS[key]
    if found:
        raise PlanError(found)
    return plan


def plan_problems(policy: Policy) -> list[Problem]:
    """What is wrong with generate.yaml, each at its line (validate)."""
    try:
        read_plan(policy)
    except PlanError as e:
        return [Problem(p.location, p.path or "generate", p.message) for p in e.problems]
    return []


def params_on(policy: Policy, day: dt.date) -> ParamView:
    """The parameters a case judged on `day` is drawn with (before the policy took effect: its first values)."""
    return ParamView(policy, max(day, first_day(policy)))
