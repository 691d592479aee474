"""Test cases made from a policy's declaration alone (records.yaml): any document's shape, no realism.

`generate` makes realistic rosters for the shape it knows (tools/generate.py); for any other shape it makes
cases here, from what records.yaml says each field is: every required field filled, most optional ones, each
value of its type (a word of its vocabulary, a month of the case's year, a record the case holds for a `ref`),
numbers spread around the policy's own parameter values so that the rules' bounds fall inside them. The same seed
gives the same file. No value is a real person's: names are 示例1…, ID-like fields are left blank unless required.
"""
from __future__ import annotations

import datetime as dt
import random
from typing import Any

from ..policy.model import Policy
from ..policy.records import Field, RecordKind

__all__ = ["NOTE", "declared_cases"]

CHILDREN = (1, 4)        # records naming a record (an enterprise's quarterly reports): how many per record
NOTE = "生成的测试案例（虚构数据，按 records.yaml 的声明随机生成，不对应真实的个人或单位）"


def declared_cases(policy: Policy, count: int, seed: int, year: int, per_case: int) -> dict:
    """`count` records of each kind naming no other (enterprises, businesses), in cases of about `per_case`; a kind
    naming another gets 1–4 records for each record of the kind its first relation names (an enterprise's
    quarterly reports), each naming that record."""
    rng = random.Random(seed)
    spread = _spread(policy)
    kinds = list(policy.records.kinds.values())
    cases = []
    for case_no, start in enumerate(range(0, count, per_case), 1):
        size = min(per_case, count - start)
        as_of = dt.date(year, 12, 31)
        case: dict[str, Any] = {"id": f"GEN-{seed}-{case_no:02d}", "as_of": as_of.isoformat()}
        for name, f in policy.records.case_fields.items():
            case[name] = year if f.type == "year" else _value(rng, f, policy, year, spread, {})
        made: dict[str, list[dict]] = {}
        for kind in _order(kinds):
            prefix = f"G{case_no:02d}-{kind.name[:1].upper()}"
            if kind.group and kind.refs[kind.group] != kind.name:
                parents = made.get(kind.refs[kind.group]) or []
                owners = [p["id"] for p in parents for _ in range(rng.randint(*CHILDREN))]
            else:
                owners = [None] * size
            records = []
            for n, owner in enumerate(owners):
                record = _record(rng, kind, f"{prefix}{n + 1:04d}", policy, year, spread, made)
                if owner is not None:
                    record[kind.group] = owner
                records.append(record)
            made[kind.name] = records
            case[kind.list] = records
        cases.append(case)
    return {"cases": cases}


def _order(kinds: list[RecordKind]) -> list[RecordKind]:
    """Kinds a record names before the kinds naming them (a center before its people)."""
    out: list[RecordKind] = []
    while len(out) < len(kinds):
        ready = [k for k in kinds if k not in out and all(to in {o.name for o in out} or to == k.name
                                                          for to in k.refs.values())]
        out.append(ready[0] if ready else next(k for k in kinds if k not in out))
    return out


def _spread(policy: Policy) -> float:
    """The largest number among the policy's parameter values: numbers are drawn up to twice it, so that every
    bound the rules compare with is crossed by some records."""
    numbers = [abs(v) for p in policy.parameters.values() for d in p.values for v in _numbers(d.value)]
    return max([n for n in numbers if n >= 1] or [100.0])


def _numbers(value: Any) -> list[float]:
    if isinstance(value, bool):
        return []
    if isinstance(value, (int, float)):
        return [float(value)]
    if isinstance(value, dict):
        return [n for v in value.values() for n in _numbers(v)]
    if isinstance(value, list):
        return [n for v in value for n in _numbers(v)]
    return []


def _record(rng: random.Random, kind: RecordKind, rid: str, policy: Policy, year: int, spread: float,
            made: dict) -> dict:
    out: dict[str, Any] = {"id": rid}
    for name, f in kind.fields.items():
        if f.required or (not f.personal and f.type != "digits" and rng.random() < 0.85):
            value = _value(rng, f, policy, year, spread, made, out)
            if value is not None:
                out[name] = value
    return out


def _value(rng: random.Random, f: Field, policy: Policy, year: int, spread: float, made: dict,
           siblings: dict | None = None) -> Any:
    t = f.type
    if t in ("text", "id"):
        return f"示例{f.label}{rng.randint(1, 999)}"
    if t == "digits":
        return "".join(rng.choice("0123456789") for _ in range(18))
    if t == "date":
        return (dt.date(year, 1, 1) + dt.timedelta(days=rng.randrange(365))).isoformat()
    if t == "month":
        return f"{year}-{rng.randint(1, 12):02d}"
    if t == "months":
        return sorted({f"{year}-{rng.randint(1, 12):02d}" for _ in range(rng.randint(0, 2))})
    if t == "year":
        return year
    if t == "count":
        return rng.randint(0, min(100000, int(spread * 2)))
    if t == "number":
        return round(rng.uniform(0, spread * 2), 2)
    if t == "yes_no":
        return rng.random() < 0.2
    if t == "word":
        return rng.choice(_words(policy, f, siblings or {})) if _words(policy, f, siblings or {}) else None
    if t == "ref":
        targets = made.get(f.to) or []
        return rng.choice(targets)["id"] if targets else None
    if t == "map":
        keys = _words(policy, Field(f.name, f.label, "word", vocabulary=f.vocabulary), {})
        return {k: _value(rng, f.values, policy, year, spread, made) for k in keys} if f.values else {}
    if t == "by_month":
        months = sorted(rng.sample(range(1, 13), rng.randint(1, 12)))
        return {f"{year}-{m:02d}": _value(rng, f.values, policy, year, spread, made) for m in months} if f.values else {}
    if t == "records":
        entries = []
        for _ in range(rng.randint(0, 2)):
            entry: dict[str, Any] = {}
            for name, inner in f.fields.items():
                value = _value(rng, inner, policy, year, spread, made, entry)
                if value is not None:
                    entry[name] = value
            entries.append(entry)
        return entries
    if t == "group":
        return {name: _value(rng, inner, policy, year, spread, made) for name, inner in f.fields.items()}
    return None


def _words(policy: Policy, f: Field, siblings: dict) -> list:
    """The canonical words a word field may take; those its `by:` sibling's value allows (vocabulary by_type)."""
    entry = policy.vocabulary.get(f.vocabulary or "") or {}
    if f.by and "by_type" in entry:
        return list((entry["by_type"] or {}).get(siblings.get(f.by), []))
    values = entry.get("values") or []
    return list(values) if isinstance(values, list) else list(values)
