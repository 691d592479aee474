"""`run.py replay` out: each logged determination with whether it reproduces, and the counts; for people (a table)
or as JSON. Both are written as the log is read (`decisionlog.replay` yields one record at a time), so a log of
any size is shown in flat memory; what came from the log is masked (ID numbers) and escaped unless `unmask`."""
from __future__ import annotations

import io
import sys
from typing import Iterable, TextIO

from rich.console import Console
from rich.table import Table
from rich.text import Text

from ..common.limits import MAX_LOG_PROBLEMS
from ..common.privacy import mask_text, outward, printable, shown_id
from ..common.words import same_value, shown
from ..policy.model import Policy
from ..tools.decisionlog import STATUS_LABELS, STATUSES, BadLine, Outcome, PolicyRef, Tally
from .answer import decision_label, write_json as write_answer
from .terminal import flowing, new_table, say

__all__ = ["STATUS_STYLES", "TABLE_ROWS", "SHOWN_VALUE", "render", "summary_line", "problem_line", "replay_table",
           "write_json"]

STATUS_STYLES = {"reproduced": "green", "different": "red", "policy_differs": "yellow", "input_differs": "magenta"}
TABLE_ROWS = 1_000     # rows per table: a longer log is shown as several tables, each printed when full
SHOWN_VALUE = 200      # characters of a logged value in the table (the JSON has it whole)


def render(console: Console, err: Console, policy: Policy, log: str, items: Iterable[Outcome | BadLine],
           unmask: bool = False) -> Tally:
    """The policy replayed under, the table of records (in parts of TABLE_ROWS), each bad line on `err`, the counts."""
    say(console, flowing(Text.assemble((policy.document_number, "bold"), f" 重放 {printable(log)} · 现行"
                                       f"版本 {policy.version} · {policy.digest[:19]}"), policy))
    tally, rows, first = Tally(), [], 1
    logged_under: dict[str, int] = {}   # the other policies records were logged under, said once (a few digests)
    for item in items:
        tally.add(item)
        if isinstance(item, Outcome) and item.logged_under:
            said = _masked(item.logged_under.lstrip("；"), item, unmask)
            logged_under[said] = logged_under.get(said, 0) + 1
        if isinstance(item, BadLine):
            if tally.unreadable <= MAX_LOG_PROBLEMS:
                err.print(problem_line(item.message, unmask), highlight=False)
            continue
        if len(rows) == TABLE_ROWS:   # more follow: this part is printed and let go
            console.print(replay_table(rows, f"判定记录（第 {first}–{first + len(rows) - 1} 条）", unmask, policy))
            first, rows = first + len(rows), []
        rows.append(item)
    title = f"判定记录（{len(rows)}）" if first == 1 else f"判定记录（第 {first}–{first + len(rows) - 1} 条）"
    if rows or first == 1:
        console.print(replay_table(rows, title, unmask, policy))
    for under, n in logged_under.items():
        say(console, flowing(f"其中 {n} 条记录时的政策与现行不同：{printable(under)}", policy))
    if tally.unreadable > MAX_LOG_PROBLEMS:
        err.print(Text(f"另有 {tally.unreadable - MAX_LOG_PROBLEMS} 行无法读取，未逐一列出", style="red"), highlight=False)
    say(console, flowing(summary_line(tally), policy))
    return tally


def problem_line(message: str, unmask: bool = False) -> Text:
    """A bad line of the log («FILE:LINE：…»), as printed."""
    return Text.assemble(("✗", "red"), " ", printable(message if unmask else mask_text(message)))


def summary_line(tally: Tally | Iterable[Outcome]) -> str:
    if not isinstance(tally, Tally):
        outcomes, tally = tally, Tally()
        for o in outcomes:
            tally.add(o)
    counts = tally.counts
    line = f"共 {tally.records} 条记录：" + "，".join(f"{STATUS_LABELS[s]} {counts[s]}" for s in STATUSES)
    return line + (f"；另有 {tally.unreadable} 行无法读取" if tally.unreadable else "")


def _text(value, unmask: bool, limit: int | None = None) -> Text:
    text = value if unmask else mask_text(value)
    if limit is not None and len(text) > limit:
        text = text[:limit] + "…"
    return Text(printable(text))   # Text, not markup: a log line may read “[/]”


def replay_table(outcomes: list[Outcome], title: str, unmask: bool = False, policy: Policy | None = None) -> Table:
    """The records as a table that fits 80 columns: decisions by their labels (the id when the policy has no such
    decision), one value column (记录值, and → 现值 where it differs), the case in the title when the part has one."""
    cases = {o.record.case for o in outcomes}
    one_case = len(cases) == 1
    if one_case:
        title += f" · 案例 {shown_id(next(iter(cases)), unmask)}"
    table = new_table()
    table.title, table.title_justify = title, "left"
    table.add_column("记录", no_wrap=True)
    if not one_case:
        table.add_column("案例", overflow="fold")
    table.add_column("对象", overflow="fold")
    table.add_column("判定", no_wrap=True)
    table.add_column("状态", no_wrap=True)
    table.add_column("值", overflow="fold", min_width=10)   # 记录值, and → 现值 where it differs
    explained = any(o.effect for o in outcomes)
    if explained:
        table.add_column("说明", overflow="fold", min_width=10)
    for o in outcomes:
        r = o.record
        label = decision_label(policy, r.decision) if policy is not None else r.decision   # the id when unknown
        value = _text(shown(r.value), unmask, SHOWN_VALUE)
        if o.found and not same_value(o.now, r.value):
            value = Text.assemble(value, " → ", _text(shown(o.now), unmask, SHOWN_VALUE))
        row = [_text(r.decision_id[:8], unmask)] + ([] if one_case else [Text(shown_id(r.case, unmask))]) + [
            Text(shown_id(r.subject, unmask)), _text(label, unmask),
            Text(STATUS_LABELS[o.status], style=STATUS_STYLES[o.status]), value]
        table.add_row(*row, *([Text(printable(_effect(o, unmask)))] if explained else []))
    return table


# What a log line may hold of a person: ids, values, the detail (which names the logged policy). Not the decision
# id, the run or the digests: hexadecimal, they may hold ten digits in a row and must stay whole to be compared.
_PERSONAL = ("case", "subject", "decision", "logged", "now")


def _effect(o: Outcome, unmask: bool) -> str:
    return _masked(o.effect, o, unmask)


def _detail(o: Outcome, unmask: bool) -> str:
    return _masked(o.detail, o, unmask)


def _masked(text: str, o: Outcome, unmask: bool) -> str:
    """`text` from a log line masked (an ID number in an id), except the logged policy's digest, kept whole."""
    if unmask:
        return text
    digest = o.record.policy.digest[:19]
    return digest.join(mask_text(part) for part in text.split(digest)) if digest else mask_text(text)


def _record_json(o: Outcome, policy: PolicyRef, unmask: bool) -> dict:
    doc = outward(o.as_json(policy), unmask=True)   # lone surrogates as U+FFFD: JSON out is UTF-8
    if not unmask:
        doc.update({k: outward(doc[k]) for k in _PERSONAL}, detail=outward(_detail(o, False), unmask=True),
                   logged_policy=dict(doc["logged_policy"], id=mask_text(doc["logged_policy"]["id"]),
                                      version=mask_text(doc["logged_policy"]["version"])))
    return doc


def write_json(items: Iterable[Outcome | BadLine], policy: PolicyRef, unmask: bool = False,
               stream: TextIO | None = None) -> Tally:
    """`{"records": […], "summary": {…}}` (and `unreadable`, `errors` when some lines are not records), each
    record written as it is replayed: the document's layout is answer.write_json's, piece by piece."""
    stream = sys.stdout if stream is None else stream
    binary = getattr(stream, "buffer", None)   # UTF-8 whatever the locale, as answer.write_json writes
    stream.flush()
    put = (lambda text: binary.write(text.encode("utf-8"))) if binary is not None else stream.write
    tally, separator = Tally(), "\n"
    put('{\n  "records": [')
    for item in items:
        tally.add(item)
        if isinstance(item, BadLine):
            continue
        put(separator + _indented(_record_json(item, policy, unmask), "    "))
        separator = ",\n"
    put("\n  ]" if separator != "\n" else "]")
    tail = {"summary": dict(tally.counts)}
    if tally.unreadable:
        tail["unreadable"] = tally.unreadable
        tail["errors"] = [m if unmask else mask_text(m) for m in tally.problems]
    for key, value in tail.items():
        put(f',\n  "{key}": ' + _indented(value, "  ").lstrip())
    put("\n}\n")
    (binary or stream).flush()
    return tally


def _indented(value, indent: str) -> str:
    buffer = io.StringIO()
    write_answer(value, stream=buffer)
    return "\n".join(indent + line for line in buffer.getvalue().rstrip("\n").split("\n"))
