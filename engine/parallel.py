"""Decide many cases at once: worker processes forked after the policy is compiled; a crash costs one case.

Pure orchestration: each case is still decided by `Evaluator.evaluate`, the
single-case stage. The workers are forked (not spawned) once the rulesets
exist in durable_rules' core, so each starts with the compiled networks and
the cases in memory and is sent only a case's index. Each worker holds one
case at a time, so when one dies (a segfault in the C core) we know which
case it held: that case is decided again alone, in a fresh worker, and if that
one dies too, the case is reported as undecided; every other case goes on.
A worker that holds a case far beyond the case's time bound is treated the
same way (the bound is checked between firings; a hang inside the core is not).

Results travel back in a compact form (facts, firings by variant name and fact
index, determinations by firing and fact index) and are rebuilt on the
parent's own policy objects, so a result reads exactly as one decided in
process; pickling whole results would copy the policy's rules into every one
(measured: twice the bytes, three times the time to load).

`render_cases` does the same for explaining, which costs several times more
than deciding: workers forked after deciding render each result (its JSON)
and only that plain data comes back.
"""
from __future__ import annotations

import multiprocessing
import os
import signal
import time
import traceback
from collections import deque
from dataclasses import dataclass
from multiprocessing.connection import Connection, wait
from typing import Any, Callable, TypeVar

from .cases import Case
from .evaluate import CaseResult, Evaluator
from .resolve import Determination
from .runtime import Firing

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
    stall = stall_seconds if stall_seconds is not None else 3 * evaluator.bounds.seconds + 30
    tasks = _Tasks(work=lambda i: pack(_decide(evaluator, cases[i])),
                   receive=lambda i, packed: unpack(packed, cases[i], evaluator),
                   lost=lambda i, message: evaluator.failed(cases[i], message),
                   label=lambda i: cases[i].id)
    return _Pool(tasks, len(cases), jobs, lambda i, result: on_result(result), stall).run()


def render_cases(render: Callable[[CaseResult], T], results: list[CaseResult], jobs: int | None = None,
                 on_result: OnResult | None = None) -> list[T]:
    """`render(result)` for every result (e.g. its JSON with explanations), in order, in worker processes.

    The workers are forked after deciding, so they hold the results already; only
    what `render` returns (plain data) travels back. Explaining is pure Python:
    should a worker die anyway, that result is rendered here instead.
    """
    on_result = on_result or (lambda result: None)
    jobs = min(jobs or default_jobs(), len(results))
    if jobs <= 1:
        out = []
        for result in results:
            out.append(render(result))
            on_result(result)
        return out
    tasks = _Tasks(work=lambda i: render(results[i]), receive=lambda i, rendered: rendered,
                   lost=lambda i, message: render(results[i]), label=lambda i: results[i].case.id)
    return _Pool(tasks, len(results), jobs, lambda i, rendered: on_result(results[i]), float("inf")).run()


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
            result.errors, result.warnings)


def unpack(packed: Packed, case: Case, evaluator: Evaluator) -> CaseResult:
    facts, firings, determinations, errors, warnings = packed
    result = evaluator.start(case)
    variants = result.compiled.variants
    result.facts = facts
    result.firings = [Firing(variants[name], facts[i], joined, value) for name, i, joined, value in firings]
    result.determinations = [
        Determination(subject, decision, value, [result.firings[i] for i in hits], [facts[i] for i in judged], how,
                      [result.firings[i] for i in blocks])
        for subject, decision, value, hits, judged, how, blocks in determinations]
    result.errors, result.warnings = errors, warnings
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
    """A worker: do each task index received, send back what it gives; None ends it."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)   # Ctrl-C is the parent's to handle: it ends the workers
    while (index := conn.recv()) is not None:
        try:
            reply = ("ok", index, work(index))
        except Exception:   # a bug in a stage: the parent raises it, as running in process would
            reply = ("raised", index, traceback.format_exc())
        conn.send(reply)


@dataclass
class _Worker:
    process: multiprocessing.process.BaseProcess
    conn: Connection
    index: int            # the task it holds
    since: float          # when it was given that task
    alone: bool           # a retry: this one task, then it ends

    def give(self, index: int) -> None:
        self.index, self.since = index, time.monotonic()
        self.conn.send(index)

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
    """Up to `jobs` workers, one task each at a time; a task whose worker died runs once more alone, then is lost."""

    def __init__(self, tasks: _Tasks, count: int, jobs: int, done: Callable[[int, Any], None], stall: float):
        self.tasks, self.jobs, self.done, self.stall = tasks, jobs, done, stall
        self.context = multiprocessing.get_context("fork")
        self.todo = deque(range(count))
        self.retry: deque[int] = deque()
        self.died: set[int] = set()
        self.results: list[Any] = [None] * count
        self.workers: list[_Worker] = []
        self.left = count

    def run(self) -> list:
        try:
            self._fill()
            while self.left:
                ready = wait([w.conn for w in self.workers] + [w.process.sentinel for w in self.workers],
                             timeout=self._timeout())
                for worker in list(self.workers):
                    if worker.conn in ready or worker.process.sentinel in ready:
                        self._hear(worker)
                    elif time.monotonic() - worker.since > self.stall:
                        self._lost(worker, STALLED.format(seconds=self.stall))
                self._fill()
        finally:
            for worker in self.workers:
                worker.end(kill=True)
        return self.results

    def _timeout(self) -> float | None:
        if self.stall == float("inf"):
            return None
        oldest = min((w.since for w in self.workers), default=time.monotonic())
        return max(0.05, oldest + self.stall - time.monotonic())

    def _start(self, index: int, alone: bool) -> None:
        ours, theirs = self.context.Pipe()
        process = self.context.Process(target=_serve, args=(theirs, self.tasks.work), daemon=True)
        process.start()
        theirs.close()
        worker = _Worker(process, ours, index, time.monotonic(), alone)
        worker.give(index)
        self.workers.append(worker)

    def _fill(self) -> None:
        """Retries first, each in a fresh worker of its own; then the rest."""
        while len(self.workers) < self.jobs and (self.retry or self.todo):
            if self.retry:
                self._start(self.retry.popleft(), alone=True)
            else:
                self._start(self.todo.popleft(), alone=False)

    def _hear(self, worker: _Worker) -> None:
        try:
            status, index, payload = worker.conn.recv()
        except (EOFError, OSError):   # it died holding its task
            self._lost(worker, CRASHED)
            return
        if status == "raised":
            raise WorkerError(f"case {self.tasks.label(index)}:\n{payload}")
        self._finish(index, self.tasks.receive(index, payload))
        if not worker.alone and self.todo:
            try:
                worker.give(self.todo[0])
                self.todo.popleft()
                return
            except OSError:   # it died after answering: the task was never its, a fresh worker takes it
                worker.end(kill=True)
                self.workers.remove(worker)
                return
        self.workers.remove(worker)
        worker.end()

    def _lost(self, worker: _Worker, message: str) -> None:
        self.workers.remove(worker)
        worker.end(kill=True)
        index = worker.index
        if index in self.died:
            self._finish(index, self.tasks.lost(index, message))
        else:
            self.died.add(index)
            self.retry.append(index)

    def _finish(self, index: int, result) -> None:
        self.results[index] = result
        self.left -= 1
        self.done(index, result)
