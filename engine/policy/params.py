"""Parameter values in force on a date, addressed as the rules write them (`seniority_tiers.ten_years.years`).

A parameter past its `until:` has lapsed: it reads as no value (null), as a missing fact does, so a rule
says what follows from the lapse with `param.x == null` (and what needs the measure with `param.x != null`),
and its explanation says from when (`ParamValue.lapsed`)."""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from .model import DatedValue, Parameter, Policy

__all__ = ["ParamValue", "ParamView", "first_day", "change_days"]


@dataclass(frozen=True)
class ParamValue:
    name: str            # as written: seniority_tiers.ten_years.years
    parameter: Parameter
    dated: DatedValue
    keys: tuple          # the path inside the parameter's value
    value: Any           # None once lapsed
    lapsed: dt.date | None = None   # the last day the value applied, when the parameter has lapsed (`until:`)


class ParamView:
    """All parameters as of one day. Missing names or keys raise KeyError with the reason."""

    def __init__(self, policy: Policy, day: dt.date):
        self.policy, self.day = policy, day
        self._values: dict[str, Any] = {}   # a view does not change: each name is looked up once

    def split(self, name: str) -> tuple[Parameter, tuple]:
        parts = name.split(".")
        for n in range(len(parts), 0, -1):
            head = ".".join(parts[:n])
            if head in self.policy.parameters:
                return self.policy.parameters[head], tuple(parts[n:])
        raise KeyError(f"没有参数“{parts[0]}”")

    def lookup(self, name: str) -> ParamValue:
        parameter, keys = self.split(name)
        dated = parameter.at(self.day)
        ended = parameter.lapsed(self.day) if dated is None else None
        if ended is not None:
            return ParamValue(name, parameter, ended, keys, None, parameter.ends(ended))
        if dated is None:
            raise KeyError(f"参数“{parameter.name}”在 {self.day} 没有现行值")
        value = dated.value
        for key in keys:
            if not isinstance(value, dict) or key not in value:
                raise KeyError(f"参数“{parameter.name}”没有“{key}”这一项")
            value = value[key]
        return ParamValue(name, parameter, dated, keys, value)

    def __call__(self, name: str) -> Any:
        if name not in self._values:
            self._values[name] = self.lookup(name).value
        return self._values[name]


def first_day(policy: Policy) -> dt.date:
    """The earliest date on which every parameter has a value: before it the policy says nothing."""
    return max(p.values[0].since for p in policy.parameters.values())


def change_days(policy: Policy) -> list[dt.date]:
    """Every day on which some parameter's value changes or lapses (the day after its `until:`): the periods
    within which the compiled rules stay the same."""
    return sorted({day for p in policy.parameters.values() for day in p.changes()})
