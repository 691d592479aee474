"""Decision log and replay: one JSON line per determination, and whether it still reproduces.

A year later someone must show under which policy (id, version, content digest) a determination
was made, on which input (a digest of the normalised case), and that the same policy on the same
input gives it again. The log holds no personal data in clear: names and ID numbers are never
written; a case or subject id that looks like an ID number is written masked, with a key that
finds it again given the case file (see `_pseudonym`).

Everything here is pure except `append` and the readers; the command line wires it up. A log grows for
years, and may be damaged or hostile: it is read line by line (`open_log`), each line bounded (MAX_LOG_LINE
bytes, MAX_DEPTH levels, Python's limit on an integer's digits), a bad line costing that line only, and
replayed as it is read (`replay`, `Tally`), so memory stays flat in the log's size.
"""
from __future__ import annotations

import datetime as dt
import hashlib
import json
import math
import os
import stat
import sys
import uuid
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Iterable, Iterator

from ..formula import expr

from ..common.words import os_reason, same_value
from ..casefiles.cases import Case
from ..pipeline.evaluate import CaseResult
from ..policy.model import Policy
from ..pipeline.resolve import Determination
from ..common import privacy
from ..common.limits import MAX_DEPTH, MAX_LOG_LINE, MAX_LOG_PROBLEMS

__all__ = ["LOG_FORMAT", "STATUSES", "STATUS_LABELS", "LogError", "PolicyRef", "CaseStamp", "Record",
           "canonical_input", "case_digest", "stamp", "json_value", "new_run", "record_for", "records_for",
           "append", "BadLine", "open_log", "read", "parse_line", "Current", "Outcome", "current", "replay_record",
           "replay", "summary", "Tally"]


LOG_FORMAT = 1
STATUSES = ("reproduced", "different", "policy_differs", "input_differs")
STATUS_LABELS = {"reproduced": "已复现", "different": "结果不同", "policy_differs": "政策版本不同",
                 "input_differs": "输入不同"}


class LogError(Exception):
    """A log that cannot be read; each problem reads «FILE：…» or «FILE:LINE：…»."""

    def __init__(self, problems: list[str]):
        super().__init__("\n".join(problems))
        self.problems = problems


@dataclass(frozen=True)
class PolicyRef:
    id: str
    version: str
    digest: str

    @classmethod
    def of(cls, policy: Policy) -> "PolicyRef":
        return cls(policy.id, policy.version, policy.digest)

    def as_json(self) -> dict:
        return {"id": self.id, "version": self.version, "digest": self.digest}


@dataclass(frozen=True)
class CaseStamp:
    """What the log needs of one case, computed once per case."""
    id: str                                # in clear: never written
    shown: str                             # as written: masked when it looks like an ID number
    key: str | None                        # finds a masked id again, given the case file
    digest: str                            # sha256 of the canonical input
    secret: bytes = field(repr=False)      # the canonical input itself: salts the keys, never written

    @property
    def ident(self) -> str:
        return self.key or self.shown


@dataclass(frozen=True)
class Record:
    """One logged determination (one line of the log)."""
    decision_id: str
    run: str
    time: str
    policy: PolicyRef
    period: str | None                     # first day of the parameter values that were in force
    case: str
    case_key: str | None
    case_digest: str
    as_of: str
    subject: str
    subject_key: str | None
    decision: str
    value: Any
    rules: tuple[str, ...]
    line: int = 0                          # where it was read; 0 when not read from a file

    @property
    def case_ident(self) -> str:
        return self.case_key or self.case

    @property
    def subject_ident(self) -> str:
        return self.subject_key or self.subject

    def as_json(self) -> dict:
        return {"log": LOG_FORMAT, "decision_id": self.decision_id, "run": self.run, "time": self.time,
                "policy": self.policy.as_json(), "period": self.period,
                "case": self.case, "case_key": self.case_key, "case_digest": self.case_digest, "as_of": self.as_of,
                "subject": self.subject, "subject_key": self.subject_key, "decision": self.decision,
                "value": self.value, "rules": list(self.rules)}


# --- writing ----------------------------------------------------------------------------------

def canonical_input(case: Case) -> bytes:
    """The case's normalised input as canonical JSON (sorted keys, UTF-8, dates as ISO text)."""
    data = {"id": case.id, "as_of": case.as_of, **case.values, **case.records}
    return json.dumps(_public(data), sort_keys=True, ensure_ascii=False, separators=(",", ":"),
                      default=_iso).encode("utf-8")


def case_digest(case: Case) -> str:
    return "sha256:" + hashlib.sha256(canonical_input(case)).hexdigest()


def _public(value):
    """Without internal keys (`_path`, `_line`): where a case stands in its file is not its input."""
    if isinstance(value, dict):
        return {str(k): _public(v) for k, v in value.items() if not str(k).startswith("_")}
    if isinstance(value, (list, tuple)):
        return [_public(v) for v in value]
    return value


def _iso(value):
    if hasattr(value, "isoformat"):
        return value.isoformat()
    raise TypeError(f"{type(value).__name__} is not JSON")


def _pseudonym(text: str, secret: bytes, role: str) -> tuple[str, str | None]:
    """(text as written, key). An id that looks like an ID number is masked, and keyed for replay.

    The key is salted with the case's own input, which the log never holds: a bare sha256 next to
    the masked form (10 of 18 digits shown) is reversed by trying the ~36,500 birth dates between.
    """
    shown = privacy.mask_text(text)
    if shown == text:
        return text, None
    return shown, "sha256:" + hashlib.sha256(role.encode() + b"\0" + secret + b"\0" + text.encode("utf-8")).hexdigest()


def stamp(case: Case) -> CaseStamp:
    secret = canonical_input(case)
    shown, key = _pseudonym(case.id, secret, "case")
    return CaseStamp(case.id, shown, key, "sha256:" + hashlib.sha256(secret).hexdigest(), secret)


def json_value(value) -> Any:
    """A value as the log's JSON holds it (Fractions to numbers, tuples to lists, dates to text)."""
    return json.loads(json.dumps(expr.plain(value), ensure_ascii=False, default=_iso))


def new_run(now: dt.datetime | None = None) -> tuple[str, str]:
    """A fresh run id and its time (ISO, UTC); every record of one `evaluate` shares them."""
    now = now or dt.datetime.now(dt.timezone.utc)
    return uuid.uuid4().hex, now.astimezone(dt.timezone.utc).isoformat(timespec="seconds")


def record_for(d: Determination, case: CaseStamp, policy: PolicyRef, run: str, time: str,
               as_of: str, period: str | None = None) -> Record:
    subject, subject_key = _pseudonym(d.subject, case.secret, "subject")
    # Firing order, each rule once; a firing without a policy rule (none today) names nothing.
    rules = tuple(dict.fromkeys(rule.id for f in d.firings
                                if (rule := getattr(f.variant, "rule", None)) is not None))
    decision_id = hashlib.sha256("\0".join((run, case.ident, subject_key or subject, d.decision)).encode("utf-8"))
    return Record(decision_id.hexdigest()[:32], run, time, policy, period, case.shown, case.key, case.digest, as_of,
                  subject, subject_key, d.decision, json_value(d.value), rules)


def records_for(result: CaseResult, policy: PolicyRef, run: str, time: str, subject: str | None = None) -> list[Record]:
    """The records of one evaluated case (only `subject`'s when given, as `evaluate --subject` shows)."""
    case = stamp(result.case)
    period = result.params.day.isoformat() if result.params is not None else None
    return [record_for(d, case, policy, run, time, result.case.as_of.isoformat(), period)
            for d in result.determinations if subject is None or d.subject == subject]


def append(path: str | Path, records: list[Record]) -> int:
    """Append the records as JSON lines, in one write; returns how many."""
    text = "".join(json.dumps(r.as_json(), ensure_ascii=False, separators=(",", ":")) + "\n" for r in records)
    with Path(path).open("a+b") as f:
        if f.tell() > 0:
            f.seek(-1, 2)
            if f.read(1) != b"\n":
                text = "\n" + text   # a torn last line stays a bad line of its own, never glued to ours
        f.write(text.encode("utf-8"))
    return len(records)


# --- reading ----------------------------------------------------------------------------------

_REQUIRED: dict[str, tuple[type, ...]] = {
    "decision_id": (str,), "run": (str,), "time": (str,), "policy": (dict,), "case": (str,),
    "case_digest": (str,), "as_of": (str,), "subject": (str,), "decision": (str,), "rules": (list,)}
_KIND = {str: "文本", dict: "对象", list: "列表"}


@dataclass(frozen=True)
class BadLine:
    """A line of the log that is not a record: it costs that line only. `message` reads «FILE:LINE：…»."""
    line: int
    message: str


def open_log(path: str | Path) -> Iterator[Record | BadLine]:
    """The log's lines as they are read, one at a time (a Record, or a BadLine saying why not); blank lines
    skipped. The file is opened now: LogError when it cannot be read at all (missing, a folder, a device)."""
    try:
        # O_NONBLOCK: opening a FIFO without a writer would wait forever; it is refused below anyway
        fd = os.open(path, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0))
    except FileNotFoundError:
        raise LogError([f"{path}：文件不存在"]) from None
    except OSError as e:
        raise LogError([f"{path}：无法读取（{os_reason(e)}）"]) from None
    if not stat.S_ISREG(os.fstat(fd).st_mode):
        os.close(fd)
        raise LogError([f"{path}：不是普通文件（判定记录应是 evaluate --log 写下的文件）"])
    if hasattr(os, "set_blocking"):
        os.set_blocking(fd, True)
    return _lines(os.fdopen(fd, "rb"), str(path))


def _lines(f, path: str) -> Iterator[Record | BadLine]:
    with f:
        n = 0
        while True:
            raw = f.readline(MAX_LOG_LINE + 1)   # bounded: a longer line is never held whole
            if not raw:
                return
            n += 1
            if len(raw) > MAX_LOG_LINE and not raw.endswith(b"\n"):
                while raw and not raw.endswith(b"\n"):   # the rest of the line, a bounded piece at a time
                    raw = f.readline(MAX_LOG_LINE)
                yield BadLine(n, f"{path}:{n}：此行长于 {MAX_LOG_LINE // (1024 * 1024)} MB，不是判定记录（一条记录不到 1 KB），未读取")
                continue
            try:
                line = raw.removesuffix(b"\n").decode("utf-8")
            except UnicodeDecodeError as e:
                yield BadLine(n, f"{path}:{n}：不是 UTF-8 文本（此行第 {e.start + 1} 字节）")
                continue
            if n == 1:
                line = line.removeprefix("\ufeff")   # a byte order mark, as an editor may save it
            if not line.strip():
                continue
            record, problem = parse_line(line, n)
            yield BadLine(n, f"{path}:{n}：{problem}") if problem else record


def read(path: str | Path) -> list[Record]:
    """Every record of a (small) log; LogError naming every bad line («FILE:LINE：…»). `replay` streams
    `open_log` instead, so a log of any size is never held."""
    records, problems = [], []
    for item in open_log(path):
        if isinstance(item, BadLine):
            problems.append(item.message)
        else:
            records.append(item)
    if problems:
        raise LogError(problems)
    return records


class _Refused(ValueError):
    pass


def _finite(text: str) -> float:
    value = float(text)
    if not math.isfinite(value):
        raise _Refused("不是有效的 JSON（数字超出范围）")
    return value


def _constant(name: str):
    raise _Refused(f"不是有效的 JSON（{name} 不是 JSON 的数）")


def _unique(pairs: list) -> dict:
    out = dict(pairs)
    if len(out) != len(pairs):
        raise _Refused("同一对象中有重复的键，不知以哪个为准")
    return out


def _too_deep(node: Any) -> bool:
    """Whether a parsed line nests deeper than a case file may (without recursion)."""
    stack = [(node, 0)]
    while stack:
        item, depth = stack.pop()
        if isinstance(item, (dict, list)):
            if depth >= MAX_DEPTH:
                return True
            stack.extend((v, depth + 1) for v in (item.values() if isinstance(item, dict) else item))
    return False


def _json(line: str) -> tuple[Any, str | None]:
    """The line's JSON, or why not: a syntax error at its column, NaN, a number too long, nesting too deep."""
    try:
        data = json.loads(line, parse_float=_finite, parse_constant=_constant, object_pairs_hook=_unique)
    except json.JSONDecodeError as e:
        return None, f"不是有效的 JSON（第 {e.colno} 列有误）"
    except _Refused as e:
        return None, str(e)
    except RecursionError:
        return None, f"嵌套超过 {MAX_DEPTH} 层，不是判定记录"
    except ValueError:   # an integer past Python's limit on digits (sys.get_int_max_str_digits)
        return None, f"含位数过多的整数（至多 {sys.get_int_max_str_digits() or 4300} 位），不是判定记录"
    if _too_deep(data):
        return None, f"嵌套超过 {MAX_DEPTH} 层，不是判定记录"
    return data, None


def parse_line(line: str, n: int = 0) -> tuple[Record | None, str | None]:
    """(record, None), or (None, what is wrong with the line, in Chinese; nothing of the line is quoted)."""
    data, problem = _json(line)
    if problem:
        return None, problem
    if not isinstance(data, dict):
        return None, "应为一个 JSON 对象（一条判定记录）"
    version = data.get("log", LOG_FORMAT)
    if version != LOG_FORMAT:
        known = f" {version}" if isinstance(version, int) and not isinstance(version, bool) and abs(version) < 10**6 else ""
        return None, f"不认识的日志格式版本{known}（本程序读取版本 {LOG_FORMAT}）"
    for name, kinds in _REQUIRED.items():
        if name not in data:
            return None, f"缺少字段 «{name}»"
        if not isinstance(data[name], kinds):
            return None, f"字段 «{name}» 应为{_KIND[kinds[0]]}"
    if "value" not in data:
        return None, "缺少字段 «value»"
    policy = data["policy"]
    for name in ("id", "version", "digest"):
        if not isinstance(policy.get(name), str):
            return None, f"字段 «policy.{name}» 应为文本"
    for name in ("case_key", "subject_key", "period"):
        if data.get(name) is not None and not isinstance(data[name], str):
            return None, f"字段 «{name}» 应为文本或 null"
    if not all(isinstance(rule, str) for rule in data["rules"]):
        return None, "字段 «rules» 应为规则编号（文本）的列表"
    return Record(data["decision_id"], data["run"], data["time"], PolicyRef(policy["id"], policy["version"], policy["digest"]),
                  data.get("period"), data["case"], data.get("case_key"), data["case_digest"], data["as_of"],
                  data["subject"], data.get("subject_key"), data["decision"], data["value"],
                  tuple(data["rules"]), n), None


# --- replay -----------------------------------------------------------------------------------

@dataclass(frozen=True)
class Current:
    """One case as decided now, its values found the way the log names them."""
    stamp: CaseStamp
    values: dict[tuple[str, str], Any]     # (subject ident, decision) → JSON value


_ABSENT = object()


@dataclass(frozen=True)
class Outcome:
    record: Record
    status: str                            # one of STATUSES
    now: Any                               # the value under the loaded policy (None when not decided now)
    value_changed: bool | None             # None when there is nothing to compare with
    detail: str                            # for the officer, in Chinese
    found: bool = True                     # whether the loaded policy decided it on this case file
    logged_under: str = ""                 # the end of `detail` naming the other policy it was logged under

    @property
    def effect(self) -> str:
        """`detail` without the policy it was logged under (a table says that once, under the records)."""
        return self.detail[:len(self.detail) - len(self.logged_under)]

    def as_json(self, policy: PolicyRef) -> dict:
        r = self.record
        return {"decision_id": r.decision_id, "case": r.case, "subject": r.subject, "decision": r.decision,
                "status": self.status, "logged": r.value, "now": self.now, "value_changed": self.value_changed,
                "detail": self.detail, "logged_policy": r.policy.as_json(), "policy": policy.as_json(),
                "time": r.time, "line": r.line}


def current(results: list[CaseResult]) -> dict[str, Current]:
    """The cases of a case file as decided now, by the id the log would give them."""
    out = {}
    for result in results:
        case = stamp(result.case)
        values = {(_pseudonym(d.subject, case.secret, "subject")[1] or d.subject, d.decision): json_value(d.value)
                  for d in result.determinations}
        out[case.ident] = Current(case, values)
    return out


def replay_record(record: Record, now: dict[str, Current], policy: PolicyRef) -> Outcome:
    """Input first: on other input nothing can reproduce; then the policy; then the value."""
    case = now.get(record.case_ident)
    if case is None:
        return Outcome(record, "input_differs", None, None, "案例文件中没有该案例（或其输入已更改）", False)
    value = case.values.get((record.subject_ident, record.decision), _ABSENT)
    found = value is not _ABSENT
    changed = (not same_value(record.value, value)) if found else None
    shown_now = value if found else None
    policy_note = "" if record.policy.digest == policy.digest else \
        f"；记录时政策 {record.policy.id} 版本 {record.policy.version} · {record.policy.digest[:19]}"
    if case.stamp.digest != record.case_digest:
        missing = "" if found else "，现未得出该判定"
        return Outcome(record, "input_differs", shown_now, changed, f"案例输入已更改{missing}{policy_note}", found,
                       policy_note)
    if record.policy.digest != policy.digest:
        effect = "现已不作此判定" if not found else ("结果将改变" if changed else "结果不变")
        return Outcome(record, "policy_differs", shown_now, changed if found else True, effect + policy_note, found,
                       policy_note)
    if not found:
        return Outcome(record, "different", None, True, "现未得出该判定", False)
    return Outcome(record, "different" if changed else "reproduced", value, changed, "")


def replay(items: Iterable[Record | BadLine], now: dict[str, Current], policy: PolicyRef) -> Iterator[Outcome | BadLine]:
    """Each record replayed as it is read (bad lines passed on): nothing of the log is held."""
    for item in items:
        yield item if isinstance(item, BadLine) else replay_record(item, now, policy)


def summary(outcomes: Iterable[Outcome]) -> dict[str, int]:
    counts = dict.fromkeys(STATUSES, 0)
    for o in outcomes:
        counts[o.status] += 1
    return counts


@dataclass
class Tally:
    """What a replay found, counted as it streams: memory flat in the log's size (the first bad lines kept)."""
    counts: dict[str, int] = field(default_factory=lambda: dict.fromkeys(STATUSES, 0))
    unreadable: int = 0
    problems: list[str] = field(default_factory=list)   # the first MAX_LOG_PROBLEMS bad lines, «FILE:LINE：…»

    def add(self, item: Outcome | BadLine) -> None:
        if isinstance(item, BadLine):
            self.unreadable += 1
            if len(self.problems) < MAX_LOG_PROBLEMS:
                self.problems.append(item.message)
        else:
            self.counts[item.status] += 1

    @property
    def records(self) -> int:
        return sum(self.counts.values())

    @property
    def all_reproduced(self) -> bool:
        """Every line a record, and every record reproduced (replay's exit status 0)."""
        return self.unreadable == 0 and self.counts["reproduced"] == self.records
