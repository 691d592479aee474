"""Realistic rosters for regression runs: `run.py generate --people N --seed S --out FILE`.

Every word a record uses (education, ratings, center levels, certificate types and
levels, attestations, departments) and every number that shapes a center (window
quotas, the share of 好, the levels with staffing rules) is read from the policy,
so a generated roster is a roster of *this* policy. What is chosen here is only
how often things happen (most people rated 一般, a few 差, rarer 暂停), which
is test data, not policy. Some people are born, hired or certified on 29 February
and some cases are judged on the last day of February or 1 March of a common
year, where the leap-day reading of 满N年 and 周岁 shows. The same seed gives the
same roster, byte for byte.

The counts are bounded (engine/common/limits.py): at most MAX_GENERATED_PEOPLE people, a roster the case
reader accepts whole; assessment years GENERATED_YEARS, every date written within the years a case file may
hold (so an early year's oldest births are moved up to 1 January 1900); a seed of at most 18 digits, as it is
written into each case id.
"""
from __future__ import annotations

import datetime as dt
import io
import json
import random
from dataclasses import dataclass
from pathlib import Path

from ruamel.yaml import YAML
from ruamel.yaml.representer import SafeRepresenter

from ..common import outfiles
from ..common.limits import GENERATED_YEARS, MAX_GENERATED_PEOPLE, MAX_SEED
from ..pipeline.facts import Sequence
from .declared import declared_cases
from ..policy.model import Policy
from ..policy.params import ParamView, first_day

__all__ = ["realistic", "PER_CASE", "SURNAMES", "GIVEN", "LEAP_DAYS", "GenerateError", "Vocabulary", "vocabulary", "case_days",
           "bounds_problems", "generate", "write"]

PER_CASE = 125                      # people per case: a district's roster split as offices send them
SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘于蒋蔡余杜叶程苏魏吕丁任沈姚卢姜崔钟谭陆汪范金石廖贾夏韦付方白邹孟熊秦邱江尹薛闫段雷侯龙史陶黎贺顾毛郝龚邵万钱严覃武戴莫孔向汤"
GIVEN = "伟芳娜秀英敏静丽强磊军洋勇艳杰娟涛明超秀兰霞平刚桂英华玉萍红娥玲芬燕彬鑫宇浩凯健俊帆帅旭宁琳晨辰欣悦雪梅婷倩颖佳怡瑶萱"
LEAP_DAYS = [dt.date(y, 2, 29) for y in (1988, 1992, 1996, 2000, 2016, 2020, 2024)]
_FIRST_DAY, _LAST_DAY = dt.date(GENERATED_YEARS[0], 1, 1), dt.date(GENERATED_YEARS[1], 12, 31)   # a case file's dates


class GenerateError(ValueError):
    """A count, year or seed out of its bounds; the message says which, in Chinese."""


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


def _leap_days(low: dt.date, high: dt.date) -> list[dt.date]:
    """29 Februaries from `low` to `high`: where LEAP_DAYS has none in a window (a year far from today's)."""
    days = [dt.date(y, 2, 29) for y in range(low.year, high.year + 1) if y % 4 == 0 and (y % 100 or y % 400 == 0)]
    return [d for d in days if low <= d <= high]


def _leap_day(rng: random.Random, low: dt.date, high: dt.date, otherwise: dt.date) -> dt.date:
    """A 29 February from `low` to `high`: one of LEAP_DAYS when some are there (so the rosters of the years near
    today stay as they were made), else any in the window, else `otherwise`."""
    low, high = max(low, _FIRST_DAY), min(high, _LAST_DAY)
    return rng.choice([d for d in LEAP_DAYS if low <= d <= high] or _leap_days(low, high) or [otherwise])


@dataclass(frozen=True)
class Vocabulary:
    """The words and numbers a roster needs, read once from the policy."""
    education: list[str]               # lowest first, as vocabulary.yaml lists them
    levels: list[str]                  # center levels
    clerk_type: str
    other_types: list[str]
    levels_by_type: dict[str, list[str]]
    attestations: list[str]
    window_quota: dict[str, int]
    staffing_levels: list[str]
    good_share: float
    good: str          # the rating counted against the quota (facts.yaml: the per-month tally's `count:`)
    bad: str           # the rating whose runs count (the per-year tally's `run:`)
    ordinary: str      # the other counted rating
    pending: str       # a month not yet rated (the vocabulary's `pending:`)
    departments: dict[str, list[str]]  # per center level: departments the routing rules name there


def vocabulary(policy: Policy, day: dt.date) -> Vocabulary:
    params = ParamView(policy, max(day, first_day(policy)))
    voc = policy.vocabulary
    yearly = next(k for k in policy.kinds.values() if k.tally and k.tally.related is None)
    monthly = next(k for k in policy.kinds.values() if k.tally and k.tally.related)
    ratings = Sequence.of(policy, yearly)
    good = next(a.count for a in monthly.attributes.values() if a.count not in (None, "*"))
    bad = ratings.runs[0][0]
    ordinary = next(w for w, _ in ratings.counts if w not in (good, bad))
    clerk = params("clerk_certificate_type")
    types = list(voc["certificate_type"]["values"])
    levels = list(voc["center_level"]["values"])
    # departments: the words of list-valued parameters that are no other vocabulary's (the routing lists)
    known = {w for key in ("education", "center_level", "certificate_type") for w in voc[key]["values"]}
    named = sorted({str(d) for p in policy.parameters.values() for v in p.values
                    if isinstance(v.value, list) for d in v.value} - known)
    return Vocabulary(
        education=list(voc["education"]["values"]), levels=levels, clerk_type=clerk,
        other_types=[t for t in types if t != clerk], levels_by_type=dict(voc["certificate_level"]["by_type"]),
        attestations=list(voc["attestation"]["values"]), window_quota=dict(params("window_quota")),
        staffing_levels=list(params("staffing_levels")), good_share=float(params("good_rating_quota")),
        good=good, bad=bad, ordinary=ordinary, pending=ratings.pending,
        departments={level: named for level in levels})


def _weighted(rng: random.Random, words: list, weights: list[float]):
    return rng.choices(words, weights=weights[:len(words)] + [1.0] * (len(words) - len(weights)))[0]


def _date_between(rng: random.Random, start: dt.date, end: dt.date) -> dt.date:
    start, end = max(start, _FIRST_DAY), min(end, _LAST_DAY)   # within a case file's years (only near 1900 or 2999)
    return start + dt.timedelta(days=rng.randrange(max(1, (end - start).days + 1)))


def _id_number(rng: random.Random, birth: dt.date) -> str:
    body = f"321302{birth:%Y%m%d}{rng.randrange(1000):03d}"
    weights = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2]
    check = "10X98765432"[sum(int(c) * w for c, w in zip(body, weights)) % 11]
    wrong = "10X98765432"[("10X98765432".index(check) + 1) % 11]   # deliberately wrong: no real person
    return body + wrong


def _months(year: int, since: dt.date, until: dt.date) -> list[str]:
    return [f"{year}-{m:02d}" for m in range(1, 13)
            if dt.date(year, m, 1) <= until and (dt.date(year, m, 28) >= since)]


def _centers(rng: random.Random, voc: Vocabulary, case_no: int) -> list[dict]:
    """One center of every level, and several towns; windows around the level's quota (some below it)."""
    out = []
    plan = [voc.levels[0]] + [lv for lv in voc.levels[1:] for _ in range(3 if lv == voc.levels[1] else 1)]
    for n, level in enumerate(plan):
        quota = voc.window_quota.get(level)
        windows = max(1, (quota if quota is not None else 2) + rng.choice([-1, 0, 0, 0, 1, 2, 3]))
        center = {"id": f"C{case_no:02d}-{n + 1:02d}", "name": f"第{case_no}片区{level}中心{n + 1}", "level": level, "windows": windows}
        if level in voc.staffing_levels:
            staff = {"direct": rng.choice([1, 2, 2, 3, 4]), "hrss": rng.choice([0, 1, 1, 1, 2])}
            if rng.random() < 0.85:
                staff["civil_affairs"] = rng.choice([0, 1, 1, 2])
            center["staff"] = staff
        out.append(center)
    return out


def _certificates(rng: random.Random, voc: Vocabulary, hired: dt.date | None, as_of: dt.date) -> list[dict]:
    start = (hired or as_of) - dt.timedelta(days=900)
    out = []
    settled = hired is not None and (as_of - hired).days > 540
    if rng.random() < (0.95 if settled else 0.6):
        levels = voc.levels_by_type[voc.clerk_type]
        got = _date_between(rng, start, min(as_of, (hired or as_of) + dt.timedelta(days=500)))
        if rng.random() < 0.02:
            got = rng.choice([d for d in LEAP_DAYS if d <= as_of] or [got])   # (LEAP_DAYS reach back to 1988)
        out.append({"type": voc.clerk_type, "level": _weighted(rng, levels, [40, 30, 18, 8, 4]), "obtained_on": got})
    for kind in voc.other_types:
        if rng.random() < 0.1:
            out.append({"type": kind, "level": _weighted(rng, voc.levels_by_type[kind], [60, 30, 10]),
                        "obtained_on": _date_between(rng, start, as_of)})
    return out


def _person(rng: random.Random, voc: Vocabulary, pid: str, center: str | None, as_of: dt.date) -> dict:
    hired = _date_between(rng, dt.date(as_of.year - 13, 1, 1), as_of) if center is not None else None
    if hired is not None and rng.random() < 0.06:
        hired = _leap_day(rng, dt.date(as_of.year - 13, 1, 1), as_of, hired)
    taken = hired or as_of        # most were under the age limit when they were selected; a few were not
    birth = _date_between(rng, dt.date(taken.year - rng.choice([36, 36, 36, 36, 38]), 1, 1), dt.date(taken.year - 21, 12, 31))
    if rng.random() < 0.04:
        birth = _leap_day(rng, dt.date(taken.year - 38, 1, 1), dt.date(taken.year - 21, 12, 31), birth)
    name = rng.choice(SURNAMES) + "".join(rng.choice(GIVEN) for _ in range(rng.choice([1, 2, 2])))
    p: dict = {"id": pid, "name": name, "id_number": _id_number(rng, birth), "birth_date": birth,
               "education": _weighted(rng, voc.education, [2, 5, 35, 50, 7, 1])}
    attest = {k: True for k in voc.attestations}
    if rng.random() < 0.03:
        attest.pop(rng.choice(voc.attestations))
    if rng.random() < 0.01:
        attest[rng.choice(voc.attestations)] = False
    p["attestations"] = attest
    if hired is not None:
        p["hired_on"] = hired
        if rng.random() < 0.2:
            p["service_start"] = rng.choice([hired, _date_between(rng, hired - dt.timedelta(days=700), hired),
                                             _leap_day(rng, _FIRST_DAY, as_of, hired)])
        if (as_of - hired).days < 180:
            p["probation"] = rng.random() < 0.6
        p["center"] = center
    else:
        p["selection_date"] = as_of - dt.timedelta(days=rng.randrange(0, 20))
    p["certificates"] = _certificates(rng, voc, hired, as_of)
    return p


def _rate(rng: random.Random, voc: Vocabulary, people: list[dict], year: int, as_of: dt.date) -> None:
    """Monthly grades per center: mostly 一般, 好 within the share (rarely one too many), few 差, rarer 暂停."""
    end = min(as_of, dt.date(year, 12, 31))
    for person in people:
        person["ratings"] = {}
    for month in _months(year, dt.date(year, 1, 1), end):
        first = dt.date(int(month[:4]), int(month[5:]), 1)
        rated = [p for p in people if p["hired_on"] <= first + dt.timedelta(days=27)]
        if not rated:
            continue
        quota = int(len(people) * voc.good_share + 1e-9) + (1 if rng.random() < 0.04 else 0)
        good = set(map(id, rng.sample(rated, min(len(rated), rng.randint(0, quota)))))
        for p in rated:
            roll = rng.random()
            p["ratings"][month] = (voc.good if id(p) in good else voc.bad if roll < 0.03
                                   else voc.pending if roll < 0.035 else voc.ordinary)
        if len(rated) > 2 and rng.random() < 0.35:
            last = min(rated, key=lambda p: (p["ratings"][month] != voc.bad, rng.random()))
            last.setdefault("bottom_ranked", []).append(month)
    for person in people:
        if not person["ratings"]:
            del person["ratings"]


def _items(rng: random.Random, voc: Vocabulary, case_no: int, count: int) -> list[dict]:
    out = []
    for n in range(count):
        level = rng.choice(voc.levels)
        out.append({"id": f"I{case_no:02d}-{n + 1:03d}", "department": rng.choice(voc.departments[level]), "center_level": level})
    return out


def case_days(case_no: int, year: int) -> tuple[dt.date, int]:
    """The judging day and assessment year of the n-th case: the year's end, or — for one case in four each —
    the last day of February or 1 March of a common year (`year`, or the next one that is common), judging
    the year before: there 满N年 from 29 February and its readings differ."""
    common = year if year % 4 else year + 1
    if case_no % 4 == 2:
        return dt.date(common, 2, 28), common - 1
    if case_no % 4 == 0:
        return dt.date(common, 3, 1), common - 1
    return dt.date(year, 12, 31), year


def realistic(policy: Policy, year: int = 2025) -> bool:
    """Whether the policy has the shape this generator makes realistic rosters of (else: `declared_cases`)."""
    try:
        vocabulary(policy, dt.date(year, 12, 31))
    except (StopIteration, KeyError, TypeError, ValueError):
        return False
    return True


def generate(policy: Policy, people: int, seed: int, year: int = 2025, per_case: int = PER_CASE) -> dict:
    """A case file (as a plain tree) of `people` people in cases of about `per_case`; GenerateError beyond the
    bounds (`bounds_problems`). A policy of another shape than this generator's gets cases made from its
    declaration alone (`declared.declared_cases`: `people` records of each kind no other names)."""
    problems = bounds_problems(people, seed, year) + ([] if 1 <= per_case <= MAX_GENERATED_PEOPLE else
                                                      [f"每个案例的人数应为 1 至 {MAX_GENERATED_PEOPLE:,}，实为 {_shown(per_case)}"])
    if problems:
        raise GenerateError("；".join(problems))
    if not realistic(policy, year):
        return declared_cases(policy, people, seed, year, per_case)
    rng = random.Random(seed)
    cases = []
    for case_no, start in enumerate(range(0, people, per_case), 1):
        as_of, assessment = case_days(case_no, year)
        voc = vocabulary(policy, as_of)
        size = min(per_case, people - start)
        centers = _centers(rng, voc, case_no)
        applicants = max(1, size // 20)
        weights = [6 if c["level"] == voc.levels[0] else 0.4 if c["level"] == voc.levels[-1] else 2 for c in centers]
        homes = [rng.choices(centers, weights=weights)[0]["id"] for _ in range(size - applicants)] + [None] * applicants
        persons = [_person(rng, voc, f"G{case_no:02d}-P{n + 1:04d}", home, as_of) for n, home in enumerate(homes)]
        for center in centers:
            staff = [p for p in persons if p.get("center") == center["id"]]
            _rate(rng, voc, staff, assessment, as_of)
        cases.append({"id": f"GEN-{seed}-{case_no:02d}", "as_of": as_of, "assessment_year": assessment,
                      "people": persons, "centers": centers, "items": _items(rng, voc, case_no, 12)})
    return {"cases": cases}


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


def write(tree: dict, out: str | Path, command: str, note: str | None = None) -> None:
    """YAML with the command that made it at the top (so anyone can make it again); `.json`: JSON, which reads
    several times faster (it has no comments: the command is not kept). `note`: the first line, when the cases
    were not made by the realistic generator (`declared.NOTE`)."""
    if Path(out).suffix.lower() == ".json":
        outfiles.write_text(out, json.dumps(tree, ensure_ascii=False, default=str, separators=(",", ":")))
        return
    buffer = io.StringIO()
    _dumper().dump(tree, buffer)
    body = buffer.getvalue()
    header = (f"# {note or '生成的测试名册（虚构数据，姓名与身份证号均不对应真实个人；身份证号校验位故意写错）'}\n"
              f"# 由以下命令生成，同一种子得到同一文件：\n#   {command}\n")
    outfiles.write_text(out, header + body)
