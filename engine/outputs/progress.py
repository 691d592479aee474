"""A progress bar on stderr for long runs: cases done of all, people per second; nothing when not a terminal."""
from __future__ import annotations

import time
from contextlib import contextmanager
from typing import Callable, Iterator, Sized

from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

from ..casefiles.cases import Case
from ..pipeline.evaluate import CaseResult

__all__ = ["REFRESH", "bar"]

REFRESH = 0.1   # seconds between redraws: drawing on every case would cost more than a small case


@contextmanager
def bar(console: Console, cases: Sized, label: str = "判定") -> Iterator[Callable[[Case | CaseResult | int], None]]:
    """Yields the function to call as each case is done (with the case, its result, or how many records it
    held). No thread: workers are forked while it is shown."""
    if not console.is_terminal or not len(cases):
        yield lambda result: None
        return
    progress = Progress(TextColumn(f"{label}"), BarColumn(), MofNCompleteColumn(), TextColumn("个案例"),
                        TextColumn("{task.fields[rate]}"), TimeElapsedColumn(),
                        console=console, transient=True, auto_refresh=False)
    task = progress.add_task(label, total=len(cases), rate="")
    started = last = time.monotonic()
    records = 0

    def advance(done: Case | CaseResult) -> None:
        nonlocal records, last
        if isinstance(done, int):
            records += done
        else:
            case = done.case if isinstance(done, CaseResult) else done
            records += sum(len(held) for held in case.records.values())
        now = time.monotonic()
        progress.update(task, advance=1, rate=f"{records / max(now - started, 1e-6):.0f} 条/秒")
        if now - last >= REFRESH or progress.tasks[0].completed >= len(cases):
            last = now
            progress.refresh()
    with progress:
        yield advance
