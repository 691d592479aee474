"""Decide many cases at once: worker processes forked after the policy is compiled; a crash costs one case.

Pure orchestration: each case is still decided by `Evaluator.evaluate`, the
single-case stage. The workers are forked (not spawned) once the rulesets
exist in durable_rules' core, so each starts with the compiled networks and
the cases in memory and is sent only cases' indexes, a batch at a time. A
worker decides its cases one at a time, in the order given, and answers each
as it is done, in that order, so when one dies (a segfault in the C core) we
know which case it was deciding: that case is decided again alone, in a fresh
worker, and if that one dies too, the case is reported as undecided; every
other case goes on (those the dead worker held but had not begun go back).
A worker that holds a case far beyond the case's time bound is treated the
same way (the bound is checked between firings; a hang inside the core is not).

`stream_cases` is the one pass a command's answer needs: a worker decides a
case and at once makes of it what the caller asks (`then`: e.g. the case's
JSON, rendered and explained), and only that plain data comes back, in input
order, as each case is ready; nothing of the result is kept, so memory holds
the cases in flight, not the run. Workers run at most WINDOW cases ahead of
the oldest one not yet given out, so a slow case cannot make the others pile up.

`evaluate_cases` keeps whole results (the table and the sheets of `evaluate`):
they travel back in a compact form (facts, firings by variant name and fact
index, determinations by firing and fact index) and are rebuilt on the
parent's own policy objects, so a result reads exactly as one decided in
process; pickling whole results would copy the policy's rules into every one
(measured: twice the bytes, three times the time to load).
"""
from __future__ import annotations

import datetime as dt
import gc
import multiprocessing
import os
import signal
import time
import traceback
from collections import deque
from dataclasses import dataclass, field
from multiprocessing.connection import Connection, wait
from typing import Any, Callable, Iterable, Iterator, Sequence, TypeVar

from ..casefiles.cases import Case
from .evaluate import CaseResult, Evaluator
from .resolve import Determination
from .runtime import Firing

__all__ = ["CRASHED", "STALLED", "OnResult", "WorkerError", "default_jobs", "evaluate_cases",
           "stream_cases", "batch_size", "Packed", "pack", "unpack", "AHEAD", "WINDOW"]

CRASHED = "规则引擎崩溃，该案例未能判定"
STALLED = "规则引擎超过{seconds:g}秒无响应，该案例未能判定"

OnResult = Callable[[CaseResult], None]
T = TypeVar("T")


class WorkerError(RuntimeError):
    """A case raised in a worker (a bug, not a crash): raised again here, as it would be in process."""


def default_jobs() -> int:
    return os.cpu_count() or 1


def evaluate_cases(evaluator: Evaluator, cases: list[Case], jobs: int | None = None,
                   on_result: OnResult | None = None, stall_seconds: float | None = None) -> list[CaseResult]:
    """Every case decided, in input order; `jobs` worker processes (default: every core; 1: in this process)."""
    on_result = on_result or (lambda result: None)
    jobs = min(jobs or default_jobs(), len(cases))
    if jobs <= 1:
        results = []
        for case in cases:
            results.append(_decide(evaluator, case))
            on_result(results[-1])
        return results
    evaluator.prepare(cases)   # the rulesets must exist before the fork, so every worker shares them
    tasks = _Tasks(work=lambda i: pack(_decide(evaluator, cases[i])),
                   receive=lambda i, packed: unpack(packed, cases[i], evaluator),
                   lost=lambda i, message: evaluator.failed(cases[i], message),
                   label=lambda i: cases[i].id)
    results = []
    for result in _Pool(tasks, len(cases), jobs, _stall(evaluator, stall_seconds)).run():
        results.append(result)
        on_result(result)
    return results


def stream_cases(evaluator: Evaluator, cases: Sequence[Case | None], then: Callable[[CaseResult], T],
                 jobs: int | None = None, stall_seconds: float | None = None, batch: int | None = None,
                 days: Iterable[dt.date] | None = None, lost: dict[str, str] | None = None) -> Iterator[T | None]:
    """`then(result)` for every case, in input order, each as soon as it and those before it are ready.

    With `jobs` > 1 each worker decides a batch of cases (`batch`, default `batch_size`) and applies `then` to
    each there; only what `then` returns (plain data, picklable) comes back, and the result is dropped. A case
    whose worker died twice (or stalled) is `then(evaluator.failed(case, message))`, made here. `jobs` 1
    (or a single case): in this process, one case at a time.
    `cases` may make each case when it is asked for (casefiles.Unchecked: checked in the worker); an item that
    is None is not decided, and None is given for it. `days`: the cases' as_of dates, whose rulesets are built
    before the workers start (default: each case's, which makes every case here). `lost`: case id → why its
    worker died on it, filled here; a case already in it (lost in an earlier pass over the same file) is given
    as failed again without being decided: it would only crash or stall twice more.
    """
    known = lost if lost is not None else {}

    def decided(case: Case):
        if known and case.id in known:
            return then(evaluator.failed(case, known[case.id]))
        return then(_decide(evaluator, case))
    jobs = min(jobs or default_jobs(), len(cases))
    if jobs <= 1:
        for i in range(len(cases)):
            case = cases[i]
            yield None if case is None else decided(case)
        return
    evaluator.prepare([_Dated(d) for d in days] if days is not None else cases)

    def work(i: int):
        case = cases[i]
        return None if case is None else decided(case)

    def given_up(i: int, message: str):
        case = cases[i]
        if case is None:
            return None
        known[case.id] = message
        return then(evaluator.failed(case, message))
    tasks = _Tasks(work=work, receive=lambda i, made: made, lost=given_up,
                   label=lambda i: str(getattr(cases[i], "id", f"#{i + 1}")))
    yield from _Pool(tasks, len(cases), jobs, _stall(evaluator, stall_seconds),
                     batch or batch_size(len(cases), jobs)).run()


@dataclass(frozen=True)
class _Dated:
    """What `Evaluator.prepare` reads of a case: its date."""
    as_of: dt.date


def batch_size(count: int, jobs: int) -> int:
    """Cases sent to a worker at once: several small cases to a message, but at most 8, since the cases a worker
    has done wait here while another finishes an earlier batch; about eight batches per worker, so that every
    worker gets work and the last batches end together."""
    return max(1, min(8, count // (8 * jobs)))


def _stall(evaluator: Evaluator, seconds: float | None) -> float:
    return seconds if seconds is not None else 3 * evaluator.bounds.seconds + 30


def _decide(evaluator: Evaluator, case: Case) -> CaseResult:
    """One case, in a worker or here (a test replaces this to make a worker crash as the C core would)."""
    return evaluator.evaluate(case)


# --- the compact form of a result ------------------------------------------------------------

Packed = tuple


def pack(result: CaseResult) -> Packed:
    """Facts as they are; firings and determinations by position, so no policy object is copied."""
    facts = {id(f): i for i, f in enumerate(result.facts)}
    firings = {id(f): i for i, f in enumerate(result.firings)}
    return (result.facts,
            [(f.variant.name, facts[id(f.fact)], f.joined, f.value) for f in result.firings],
            [(d.subject, d.decision, d.value, [firings[id(f)] for f in d.firings], [facts[id(f)] for f in d.facts],
              d.how, [firings[id(b)] for b in d.blocks]) for d in result.determinations],
            result.errors, result.warnings, result.failed,
            result.case if result.refused else None)   # the worker took a record out of its copy of the case


def unpack(packed: Packed, case: Case, evaluator: Evaluator) -> CaseResult:
    facts, firings, determinations, errors, warnings, failed, refused = packed
    if refused is not None:
        vars(case).update(vars(refused))   # the same records rejected here, so the account sees them
    result = evaluator.start(case)
    variants = result.compiled.variants
    result.facts = facts
    result.firings = [Firing(variants[name], facts[i], joined, value) for name, i, joined, value in firings]
    result.determinations = [
        Determination(subject, decision, value, [result.firings[i] for i in hits], [facts[i] for i in judged], how,
                      [result.firings[i] for i in blocks])
        for subject, decision, value, hits, judged, how, blocks in determinations]
    result.errors, result.warnings, result.failed, result.refused = errors, warnings, failed, refused is not None
    return result


# --- workers -----------------------------------------------------------------------------------

@dataclass(frozen=True)
class _Tasks:
    """What a pool does with task i: `work` in a worker, `receive` its reply here, `lost` when it cannot be done."""
    work: Callable[[int], Any]
    receive: Callable[[int, Any], Any]
    lost: Callable[[int, str], Any]
    label: Callable[[int], str]


def _serve(conn: Connection, work: Callable[[int], Any]) -> None:
    """A worker: for each batch of task indexes received, do each in turn and send back what it gives, as it is
    done (so the parent knows which task a crash interrupted); None ends it."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)   # Ctrl-C is the parent's to handle: it ends the workers
    while (batch := conn.recv()) is not None:
        for index in batch:
            try:
                reply = ("ok", index, work(index))
            except Exception:   # a bug in a stage: the parent raises it, as running in process would
                reply = ("raised", index, traceback.format_exc())
            conn.send(reply)


AHEAD = 2    # batches a worker holds: the next waits in its pipe, so it never idles while we read its answers
WINDOW = 8   # batches given out beyond the oldest task not yet given back (at least AHEAD per worker): what waits
             # here for its turn is bounded, even behind one slow case


@dataclass
class _Worker:
    """A worker process and the tasks it holds, oldest first: it does them in order and answers in order,
    so the oldest unanswered one is the task it is doing (the one to blame if it dies)."""
    process: multiprocessing.process.BaseProcess
    conn: Connection
    alone: bool                                        # a retry: this one task, then it ends
    held: deque = field(default_factory=deque)
    since: float = field(default_factory=time.monotonic)   # when it began the oldest task it holds

    def give(self, batch: list[int]) -> None:
        self.conn.send(batch)
        if not self.held:
            self.since = time.monotonic()
        self.held.extend(batch)

    def answered(self, index: int) -> None:
        if self.held.popleft() != index:
            raise RuntimeError("a worker answered out of order")   # _serve answers each task in turn
        self.since = time.monotonic()

    def end(self, kill: bool = False) -> None:
        try:
            if kill:
                self.process.kill()
            else:
                self.conn.send(None)
        except (OSError, ValueError):   # already gone
            pass
        self.process.join(timeout=5)
        if self.process.is_alive():
            self.process.kill()
            self.process.join()
        self.conn.close()


class _Pool:
    """Up to `jobs` workers, each given `batch` tasks at a time and holding up to AHEAD batches; a task whose
    worker died while doing it runs once more alone, in a fresh worker, and if that dies too it is lost; tasks
    it held but had not begun go back. `run` yields every task's result in task order, as soon as it can."""

    def __init__(self, tasks: _Tasks, count: int, jobs: int, stall: float, batch: int = 1):
        self.tasks, self.jobs, self.stall, self.batch = tasks, jobs, stall, batch
        self.context = multiprocessing.get_context("fork")
        self.todo = deque(range(count))
        self.retry: deque[int] = deque()
        self.died: set[int] = set()
        self.ready: dict[int, Any] = {}    # done, waiting for those before it
        self.next = 0                      # the task to give back next
        self.workers: list[_Worker] = []
        self.count = count

    def run(self) -> Iterator[Any]:
        # The workers inherit the parent's heap copy-on-write; the collector would walk it in each of them and
        # so copy its pages (measured: a third more page faults). Frozen objects are left alone.
        gc.freeze()
        try:
            self._fill()
            while self.next < self.count:
                ready = wait([w.conn for w in self.workers] + [w.process.sentinel for w in self.workers],
                             timeout=self._timeout())
                for worker in list(self.workers):
                    if worker.conn in ready or worker.process.sentinel in ready:
                        self._hear(worker)
                    elif worker.held and time.monotonic() - worker.since > self.stall:
                        self._lost(worker, STALLED.format(seconds=self.stall))
                while self.next in self.ready:
                    yield self.ready.pop(self.next)
                    self.next += 1
                self._fill()
        finally:
            for worker in self.workers:
                worker.end(kill=True)
            gc.unfreeze()

    def _timeout(self) -> float | None:
        if self.stall == float("inf"):
            return None
        oldest = min((w.since for w in self.workers if w.held), default=time.monotonic())
        return max(0.05, oldest + self.stall - time.monotonic())

    def _start(self, alone: bool) -> _Worker:
        ours, theirs = self.context.Pipe()
        process = self.context.Process(target=_serve, args=(theirs, self.tasks.work), daemon=True)
        process.start()
        theirs.close()
        worker = _Worker(process, ours, alone)
        self.workers.append(worker)
        return worker

    def _fill(self) -> None:
        """Retries first, each in a fresh worker of its own; then the rest, a batch at a time, up to AHEAD batches
        to a worker and no further than WINDOW batches past the oldest task not given back."""
        while len(self.workers) < self.jobs and self.retry:
            self._start(alone=True).give([self.retry.popleft()])
        while len(self.workers) < self.jobs and self.todo:
            self._start(alone=False)
        limit = self.next + max(WINDOW, AHEAD * self.jobs) * self.batch
        given = True
        while given:   # a batch to each worker in turn, so that the first does not take the whole window
            given = False
            for worker in self.workers:
                if worker.alone or len(worker.held) >= AHEAD * self.batch or not self.todo or self.todo[0] >= limit:
                    continue
                # smaller batches towards the end, so that the workers finish together
                size = min(self.batch, max(1, len(self.todo) // (AHEAD * self.jobs)))
                batch = [self.todo.popleft() for _ in range(size)]
                try:
                    worker.give(batch)
                    given = True
                except OSError:   # it died since: its sentinel will say so
                    self.todo.extendleft(reversed(batch))

    def _hear(self, worker: _Worker) -> None:
        try:
            status, index, payload = worker.conn.recv()
        except (EOFError, OSError):   # it died while doing its oldest task
            self._lost(worker, CRASHED)
            return
        if status == "raised":
            raise WorkerError(f"case {self.tasks.label(index)}:\n{payload}")
        worker.answered(index)
        self.ready[index] = self.tasks.receive(index, payload)
        if worker.alone or not (worker.held or self.todo):
            self.workers.remove(worker)
            worker.end()

    def _lost(self, worker: _Worker, message: str) -> None:
        self.workers.remove(worker)
        worker.end(kill=True)
        if not worker.held:   # it died between tasks: nothing to blame it for
            return
        index, *waiting = worker.held
        self.todo.extendleft(reversed(waiting))   # given but not begun: not this case's fault
        if index in self.died:
            self.ready[index] = self.tasks.lost(index, message)
        else:
            self.died.add(index)
            self.retry.append(index)
