"""Hypothesis strategies for case files: realistic, shrinkable cases built from the policy's own words.

Dates cluster around the thresholds the rules care about (birthdays near the
age bound, hire dates near the one-year certificate deadline, service near
1/5/10 years), so that random cases land on both sides of every boundary.
"""
from __future__ import annotations

import datetime as dt

from hypothesis import strategies as st

ATTESTATIONS = ["political", "law_abiding", "service_minded", "follows_rules", "fulfils_duties",
                "communication_and_computer", "healthy", "obeys_assignment"]


def _dates(start: str, end: str):
    return st.dates(dt.date.fromisoformat(start), dt.date.fromisoformat(end))


def _near(day: dt.date, years: int):
    """A date `years` before `day`, give or take two days (29 February falls back to 28)."""
    def shift(offset: int) -> dt.date:
        try:
            base = day.replace(year=day.year - years)
        except ValueError:
            base = day.replace(year=day.year - years, day=28)
        return base + dt.timedelta(days=offset)
    return st.integers(-2, 2).map(shift)


@st.composite
def people(draw, policy, as_of: dt.date, center_ids: list[str], index: int) -> dict:
    vocab = policy.vocabulary
    person: dict = {"id": f"P{index}"}
    selection = draw(_dates("2024-06-01", as_of.isoformat()))
    if draw(st.booleans()):
        person["birth_date"] = draw(_near(selection, draw(st.sampled_from((35, 36))))).isoformat()
    else:
        person["birth_date"] = draw(_dates("1985-01-01", "2002-12-31")).isoformat()
    if draw(st.booleans()):
        person["selection_date"] = selection.isoformat()
    if draw(st.integers(0, 9)) > 0:
        person["education"] = draw(st.sampled_from(vocab["education"]["values"]))
    if draw(st.integers(0, 9)) > 0:
        person["attestations"] = draw(st.dictionaries(st.sampled_from(ATTESTATIONS),
                                                      st.sampled_from([True, True, True, False]),
                                                      max_size=len(ATTESTATIONS)))
    by_type = vocab["certificate_level"]["by_type"]
    certificate = st.sampled_from(list(by_type)).flatmap(lambda t: st.fixed_dictionaries({
        "type": st.just(t), "level": st.sampled_from(by_type[t]),
        "obtained_on": st.one_of(_dates("2012-01-01", "2026-06-30"), _near(as_of, 1), _near(as_of, 5),
                                 _near(as_of, 10)).map(dt.date.isoformat)}))
    person["certificates"] = draw(st.lists(certificate, max_size=3))
    if draw(st.integers(0, 3)) > 0:
        hired = draw(st.one_of(_dates("2012-01-01", as_of.isoformat()), _near(as_of, 1)).filter(lambda d: d <= as_of))
        person["hired_on"] = hired.isoformat()
        if draw(st.integers(0, 2)) == 0:
            person["service_start"] = draw(_dates("2012-01-01", as_of.isoformat())).isoformat()
        if draw(st.booleans()):
            person["probation"] = draw(st.integers(0, 4)) == 0
        year = as_of.year
        months = draw(st.lists(st.integers(1, 12), unique=True, max_size=12))
        ratings = vocab["rating"]["values"]
        weights = st.sampled_from(ratings[:3] * 3 + ratings)   # the rare last word (暂停) stays rare
        person["ratings"] = {f"{year}-{m:02d}": draw(weights) for m in sorted(months)}
        if draw(st.booleans()):
            bottom = draw(st.lists(st.integers(1, 12), unique=True, max_size=4))
            person["bottom_ranked"] = [f"{year}-{m:02d}" for m in sorted(bottom)]
    if center_ids and draw(st.integers(0, 4)) > 0:
        person["center"] = draw(st.sampled_from(center_ids))
    return person


@st.composite
def cases(draw, policy, max_people: int = 5) -> dict:
    """One case of the contract: people, centers and items, as_of in 2025."""
    vocab = policy.vocabulary
    as_of = draw(_dates("2025-01-01", "2025-12-31"))
    centers = []
    for j in range(draw(st.integers(0, 3))):
        center = {"id": f"C{j}", "level": draw(st.sampled_from(vocab["center_level"]["values"])),
                  "windows": draw(st.integers(0, 25))}
        if draw(st.booleans()):
            center["clerks"] = draw(st.integers(0, 30))
        if draw(st.booleans()):
            center["staff"] = draw(st.dictionaries(st.sampled_from(["direct", "hrss", "civil_affairs"]),
                                                   st.integers(0, 3)))
        centers.append(center)
    center_ids = [c["id"] for c in centers]
    persons = [draw(people(policy, as_of, center_ids, i)) for i in range(draw(st.integers(1, max_people)))]
    departments = sorted({d for p in policy.parameters.values() for v in p.values
                          if isinstance(v.value, list) for d in v.value if isinstance(d, str)} | {"其他部门"})
    items = [{"id": f"I{k}", "department": draw(st.sampled_from(departments)),
              "center_level": draw(st.sampled_from(vocab["center_level"]["values"]))}
             for k in range(draw(st.integers(0, 3)))]
    return {"id": "H", "as_of": as_of.isoformat(), "assessment_year": as_of.year,
            "people": persons, "centers": centers, "items": items}


@st.composite
def rosters(draw, policy, max_people: int = 4, max_copies: int = 3) -> dict:
    """A case whose people come in near copies: the same person again under another id, a date or two moved by
    up to 40 days — most copies fall in the original's equivalence class, some just across a threshold."""
    case = draw(cases(policy, max_people))
    more = []
    for person in case["people"]:
        for k in range(draw(st.integers(0, max_copies))):
            copy = dict(person, id=f"{person['id']}c{k}")
            for key in ("birth_date", "hired_on", "selection_date"):
                if key in copy and draw(st.booleans()):
                    moved = dt.date.fromisoformat(copy[key]) + dt.timedelta(days=draw(st.integers(-40, 40)))
                    copy[key] = min(moved, dt.date.fromisoformat(case["as_of"])).isoformat()
            more.append(copy)
    case["people"] = case["people"] + more
    return case
