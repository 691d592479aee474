"""Realistic rosters for regression runs: `run.py generate --people N --seed S --out FILE`.

How many records of each kind a case holds and how each field's values occur is the policy's generate.yaml
(engine/tools/realism.py reads it): for suchen_2024, most people rated 一般, a few 差, rarer 暂停; some born,
hired or certified on 29 February; some cases judged on the last day of February or 1 March of a common year,
where the leap-day reading of 满N年 and 周岁 shows. Here is only the order of the draws: case by case, kind by
kind as generate.yaml lists them, record by record, field by field; a by-month field group by group and month by
month once every record of its kind is made. A policy without generate.yaml gets cases made from its declaration
alone (engine/tools/declared.py). The same seed gives the same roster, byte for byte.

The counts are bounded (engine/common/limits.py): at most MAX_GENERATED_PEOPLE records of the counted kind, a
roster the case reader accepts whole; years GENERATED_YEARS, every date written within the years a case file may
hold; a seed of at most 18 digits, as it is written into each case id.
"""
from __future__ import annotations

import datetime as dt
import io
import json
import random
from pathlib import Path

from ruamel.yaml import YAML
from ruamel.yaml.representer import SafeRepresenter

from ..common import outfiles
from ..common.limits import GENERATED_YEARS, MAX_GENERATED_PEOPLE, MAX_SEED
from ..policy.model import Policy
from . import realism
from .declared import NOTE as DECLARED_NOTE, declared_cases
from .realism import Draw, KindPlan, MonthPass, Plan, PlanError, fill, ordered

__all__ = ["realistic", "PER_CASE", "NOTE", "GenerateError", "bounds_problems", "generate", "header_note", "write"]

PER_CASE = 125                      # records per case when generate.yaml does not say
NOTE = "生成的测试案例（虚构数据，按 generate.yaml 的分布随机生成，不对应真实的个人或单位）"


class GenerateError(ValueError):
    """A count, year or seed out of its bounds, or a generate.yaml that cannot be used; the message says which,
    in Chinese."""


def _shown(n: int, grouped: bool = True) -> str:
    """A number as a message shows it; a long one by its length (a run of digits would read as an ID number)."""
    if abs(n) >= 10 ** 15:
        return f"一个 {len(str(abs(n)))} 位的数"
    return f"{n:,}" if grouped else str(n)


def bounds_problems(people: int, seed: int, year: int) -> list[str]:
    """What is out of bounds, in Chinese, each naming its option (empty when all may be generated)."""
    out = []
    if not 1 <= people <= MAX_GENERATED_PEOPLE:
        why = ("：名册再大，案例文件便超过读取上限，生成了也读不进来；需要更多人员时请分几份生成（用不同的 --seed）"
               if people > MAX_GENERATED_PEOPLE else "")
        out.append(f"--people 应为 1 至 {MAX_GENERATED_PEOPLE:,} 之间的整数，实为 {_shown(people)}{why}")
    if not GENERATED_YEARS[0] <= year <= GENERATED_YEARS[1]:
        out.append(f"--year 应为 {GENERATED_YEARS[0]} 至 {GENERATED_YEARS[1]} 之间的年份（案例文件中日期的范围），"
                   f"实为 {_shown(year, grouped=False)}")
    if not -MAX_SEED <= seed <= MAX_SEED:
        out.append(f"--seed 应为至多 18 位的整数（种子写入每个案例的编号），实为 {_shown(seed)}")
    return out


def _plan(policy: Policy) -> Plan | None:
    try:
        return realism.read_plan(policy)
    except PlanError as e:
        raise GenerateError("generate.yaml 有误，无法生成：\n" + "\n".join(str(p) for p in e.problems)) from None


def realistic(policy: Policy, year: int = 2025) -> bool:
    """Whether the policy says how its rosters are drawn (generate.yaml; else: `declared_cases`)."""
    try:
        return _plan(policy) is not None
    except GenerateError:
        return False


def generate(policy: Policy, people: int, seed: int, year: int = 2025, per_case: int | None = None) -> dict:
    """A case file (as a plain tree) of `people` records of generate.yaml's counted kind, in cases of `per_case`
    (default: generate.yaml's `case: size:`); GenerateError beyond the bounds (`bounds_problems`) or when
    generate.yaml cannot be used. A policy without generate.yaml gets cases made from its declaration alone
    (`declared.declared_cases`: `people` records of each kind no other names)."""
    plan = _plan(policy)
    size = per_case if per_case is not None else plan.size if plan is not None else PER_CASE
    problems = bounds_problems(people, seed, year) + ([] if 1 <= size <= MAX_GENERATED_PEOPLE else
                                                      [f"每个案例的记录数应为 1 至 {MAX_GENERATED_PEOPLE:,}，实为 {_shown(size)}"])
    if problems:
        raise GenerateError("；".join(problems))
    if plan is None:
        return declared_cases(policy, people, seed, year, size)
    try:
        return _cases(policy, plan, people, seed, year, size)
    except PlanError as e:   # a required field a record was left without
        raise GenerateError("generate.yaml 有误，无法生成：\n" + "\n".join(str(p) for p in e.problems)) from None


def _cases(policy: Policy, plan: Plan, people: int, seed: int, year: int, size: int) -> dict:
    ctx = Draw(random.Random(seed), plan)
    cases = []
    for case_no, start in enumerate(range(0, people, size), 1):
        as_of = plan.case_day(case_no, year)
        ctx.params, ctx.case_no, ctx.chain = realism.params_on(policy, as_of), case_no, []
        ctx.case = {"as_of": as_of}
        case: dict = {"id": f"GEN-{seed}-{case_no:02d}", "as_of": as_of}
        fill(ctx, plan.case_fields, ctx.case)
        case.update((k, v) for k, v in ctx.case.items() if k != "as_of")
        made: dict[str, list[dict]] = {}
        for kp in plan.kinds:
            made[kp.kind.name] = _kind(ctx, kp, made, min(size, people - start))
        for kind in policy.records.kinds.values():
            if kind.name in made:
                case[kind.list] = made[kind.name]
        cases.append(case)
    return {"cases": cases}


def _kind(ctx: Draw, kp: KindPlan, made: dict[str, list[dict]], size: int) -> list[dict]:
    """Every record of one kind in a case, then its by-month fields; the keys in the order they are written."""
    rng = ctx.rng
    records: list[dict] = []
    ctx.nth = ctx.siblings = 0

    def one(preset: dict, parent: dict | None = None) -> None:
        ctx.n = len(records) + 1
        record = dict(preset)
        ctx.chain = [record] if parent is None else [record, parent]
        record["id"] = kp.id(ctx)
        fill(ctx, kp.fields, record)
        records.append(record)

    if kp.how == "counted" or kp.how == "per_case":
        count = size if kp.how == "counted" else kp.count(ctx)
        homes = _homes(rng, kp, made, count) if kp.among else [None] * count
        for home in homes:
            one({} if home is None else {kp.among[0]: home})
    elif kp.how == "each":
        name, values = kp.each
        for value in values:
            one({name: value})
    else:
        for parent in made.get(kp.kind.refs[kp.per], []):
            ctx.chain = [parent]
            count = kp.count(ctx)
            ctx.siblings = count
            for nth in range(1, count + 1):
                ctx.nth = nth
                one({kp.per: parent["id"]}, parent)
    ctx.chain = []
    for month_pass in kp.passes:
        _months_drawn(ctx, month_pass, records, made)
    return [ordered(r, kp.order) for r in records]


def _homes(rng: random.Random, kp: KindPlan, made: dict[str, list[dict]], count: int) -> list:
    """Which parent record each record names (drawn for all first): weighted by a field of the parent; the last
    max(at_least, count // one_in) name none."""
    _, parent_kind, by, one_in, at_least = kp.among
    parents = made.get(parent_kind) or []
    none = min(count, max(at_least, count // one_in if one_in else 0))
    if not parents:
        return [None] * count
    weights = [by[1].get(p.get(by[0]), 0) for p in parents] if by else [1] * len(parents)
    cum, total = [], 0
    for w in weights:
        total += w
        cum.append(total)
    if not total > 0:
        return [None] * count
    return [rng.choices(parents, cum_weights=cum)[0]["id"] for _ in range(count - none)] + [None] * none


def _months_drawn(ctx: Draw, mp: MonthPass, records: list[dict], made: dict[str, list[dict]]) -> None:
    """A by-month field, group by group and month by month: the months of its year up to the case's date; those a
    record is rated in (its `from:` date by the month's first day plus the grace days); the capped word for at most
    the share of the group (a random number up to it, one more in `one_more` of the months); each other record a
    word by the shares; then, in `mark`'s share of the months, one record (preferring a `prefer` one) marked."""
    rng, as_of = ctx.rng, ctx.case["as_of"]
    year = mp.year(ctx)
    end = min(as_of, dt.date(year, 12, 31))
    months = [(dt.date(year, m, 1), f"{year}-{m:02d}") for m in range(1, 13) if dt.date(year, m, 1) <= end]
    if mp.group:
        groups = [[r for r in records if r.get(mp.group) == p["id"]] for p in made.get(mp.group_kind) or []]
    else:
        groups = [records]
    grace = dt.timedelta(days=mp.since[1]) if mp.since else None
    share = mp.capped[1](ctx) if mp.capped else None
    for members in groups:
        for first, month in months:
            if mp.since:
                rated = [r for r in members if (d := r.get(mp.since[0])) is not None and d <= first + grace]
            else:
                rated = list(members)
            if not rated:
                continue
            good: set[int] = set()
            if mp.capped:
                quota = int(len(members) * (share or 0) + 1e-9)
                if mp.capped[2] is not None:
                    quota += 1 if rng.random() < mp.capped[2] else 0
                good = set(map(id, rng.sample(rated, min(len(rated), rng.randint(0, quota)))))
            for r in rated:
                roll = rng.random()
                word = mp.capped[0] if id(r) in good else next((w for w, below in mp.shares if roll < below), mp.otherwise)
                r.setdefault(mp.name, {})[month] = word
            if mp.mark and len(rated) > mp.mark[2] and rng.random() < mp.mark[1]:
                last = min(rated, key=lambda r: (r[mp.name][month] != mp.mark[3], rng.random()))
                last.setdefault(mp.mark[0], []).append(month)


class _Plain(SafeRepresenter):
    """No anchors and aliases: a date shared by two records is written twice, as an officer would; keys in the
    order they were made (id first), not sorted."""

    sort_base_mapping_type_on_output = False

    def ignore_aliases(self, data) -> bool:
        return True


def _dumper() -> YAML:
    out = YAML(typ="safe", pure=True)
    out.Representer = _Plain
    out.allow_unicode = True
    out.width = 4096  # one record per line: no wrapped flow mappings with trailing spaces
    out.sort_base_mapping_type_on_output = False
    out.default_flow_style = None
    return out


def header_note(policy: Policy) -> str:
    """The first line of a generated YAML file: generate.yaml's `note:`, else what the cases are."""
    try:
        plan = _plan(policy)
    except GenerateError:
        plan = None
    return (plan.note or NOTE) if plan is not None else DECLARED_NOTE


def write(tree: dict, out: str | Path, command: str, note: str | None = None) -> None:
    """YAML with the command that made it at the top (so anyone can make it again); `.json`: JSON, which reads
    several times faster (it has no comments: the command is not kept). `note`: the first line (`header_note`:
    generate.yaml's `note:`, or what cases made from the declaration alone are)."""
    if Path(out).suffix.lower() == ".json":
        outfiles.write_text(out, json.dumps(tree, ensure_ascii=False, default=str, separators=(",", ":")))
        return
    buffer = io.StringIO()
    _dumper().dump(tree, buffer)
    body = buffer.getvalue()
    header = (f"# {note or NOTE}\n"
              f"# 由以下命令生成，同一种子得到同一文件：\n#   {command}\n")
    outfiles.write_text(out, header + body)
