"""notice.yaml as typed data: the office that sends a 决定告知书 and how the person may ask for review.

The file is policy, not code: the office, the review body, the form, the days and their basis are the issuing
office's to state, and the review paragraph's wording is the file's (`wording:` with {body} {form} {days} {from}
{basis}). A value nothing real fixes yet is listed under `confirm:`: the letter marks it (待发文单位确认) and
`validate` warns of it until the office confirms it and removes it from the list.
"""
from __future__ import annotations

import string

from ..common.locations import Location, locate
from ..common.problems import Problem
from .model import Notice, Review

__all__ = ["PLACEHOLDERS", "CONFIRMABLE", "from_tree", "problems", "wording_fields"]

PLACEHOLDERS = ("body", "form", "days", "from", "basis")
# what each confirmable value is, as an officer reads it in a warning
CONFIRMABLE = {"issuer": "发文单位", "review.body": "复核受理单位", "review.form": "申请方式",
               "review.days": "申请期限（日）", "review.from": "期限起算日", "review.basis": "复核依据"}


def from_tree(tree: dict, name: str) -> Notice:
    """The schema-checked tree of notice.yaml as typed data, each confirmable value's place kept."""
    r = tree["review"]
    review = Review(r["body"], r["form"], int(r["days"]), r["from"], r["basis"], r["wording"])
    keys_at = {key: locate(tree, key.split("."), name) for key in CONFIRMABLE}
    keys_at["review.wording"] = locate(tree, ["review", "wording"], name)
    keys_at["confirm"] = locate(tree, ["confirm"], name) if "confirm" in tree else Location(name)
    return Notice(tree["issuer"], review, tuple(tree.get("further") or ()), tuple(tree.get("confirm") or ()),
                  name, keys_at)


def wording_fields(wording: str) -> list[str] | None:
    """The placeholders of the review paragraph in order, or None when its braces do not parse."""
    try:
        return [f for _, f, _, _ in string.Formatter().parse(wording) if f is not None]
    except ValueError:
        return None


def problems(policy) -> list[Problem]:
    """Errors: a review paragraph that leaves out to whom, how, within how many days, from when or on what basis, or
    names something else. Warnings: each value still to be confirmed by the issuing office (`confirm:`)."""
    notice: Notice | None = policy.notice
    if notice is None:
        return []
    out: list[Problem] = []
    where = notice.keys_at.get("review.wording", Location(notice.file))
    fields = wording_fields(notice.review.wording)
    if fields is None:
        out.append(Problem(where, "review.wording", "复核段落（wording）中的花括号不成对：占位写作 {body}、{days} 等"))
    else:
        for f in fields:
            if f not in PLACEHOLDERS:
                out.append(Problem(where, "review.wording", f"复核段落（wording）中的占位“{{{f}}}”无从填写；"
                                                            f"可用的占位：{'、'.join('{' + p + '}' for p in PLACEHOLDERS)}"))
        for p in PLACEHOLDERS:
            if fields.count(p) != 1:
                said = "未写" if p not in fields else f"写了 {fields.count(p)} 次"
                out.append(Problem(where, "review.wording",
                                   f"复核段落（wording）{said}“{{{p}}}”：告知书须写明向谁、以何种方式、在多少日内、"
                                   f"自何时起、依据什么申请复核，每项写一次"))
    for key in notice.confirm:
        value = notice.review.days if key == "review.days" else (
            notice.issuer if key == "issuer" else getattr(notice.review, "start" if key == "review.from" else key.split(".")[1]))
        out.append(Problem(notice.keys_at.get(key, Location(notice.file)), key,
                           f"{CONFIRMABLE[key]}“{value}”待发文单位确认（告知书中如此注明）；确认后从 confirm 中删去“{key}”", "warning"))
    return out
