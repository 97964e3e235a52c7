"""Progress and reports of the scripts, on a terminal and in a log alike (rich).

On a terminal a wait shows one live progress bar; when stdout is a file or a pipe (``make demo >
demo.log``) it prints a plain line when it starts, one every ``PLAIN_EVERY_S`` seconds while it
lasts, and one when it ends, so a log stays a few readable lines.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field

from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TaskID, TextColumn, TimeElapsedColumn
from rich.table import Table

PLAIN_EVERY_S = 15.0

console = Console(highlight=False, markup=False, soft_wrap=True)


@dataclass
class Tracker:
    """One running wait: ``update`` it as the work advances."""

    label: str
    total: int | None
    live: Progress | None
    task: TaskID | None
    out: Console
    clock: Callable[[], float] = time.monotonic
    started: float = field(init=False)
    printed: float = field(init=False)
    done: int = 0
    note: str = ""

    def __post_init__(self) -> None:
        self.started = self.printed = self.clock()

    def update(self, done: int, note: str = "") -> None:
        """Record how far it is (``done`` of ``total``) with a short note on the state of things."""
        self.done, self.note = done, note
        if self.live is not None and self.task is not None:
            self.live.update(self.task, completed=done, note=note)
        elif self.clock() - self.printed >= PLAIN_EVERY_S:
            self.out.print(f"  {self.label}: {self.summary()}")
            self.printed = self.clock()

    def summary(self) -> str:
        counted = f"{self.done}/{self.total}" if self.total is not None else ""
        return ", ".join(part for part in (counted, self.note, f"{self.elapsed():.1f} s") if part)

    def elapsed(self) -> float:
        return self.clock() - self.started


@contextmanager
def tracking(
    label: str, total: int | None, out: Console = console, clock: Callable[[], float] = time.monotonic
) -> Iterator[Tracker]:
    """A progress display for one wait: a bar on a terminal, a few plain lines otherwise."""
    if not out.is_terminal:
        tracker = Tracker(label, total, None, None, out, clock)
        out.print(f"  {label}: started" + (f", {total} to go" if total is not None else ""))
        try:
            yield tracker
        finally:
            out.print(f"  {label}: {tracker.summary()}")
        return
    columns = [
        TextColumn("  {task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TextColumn("{task.fields[note]}"),
        TimeElapsedColumn(),
    ]
    with Progress(*columns, console=out) as live:
        task = live.add_task(label, total=total, note="")
        yield Tracker(label, total, live, task, out, clock)


def table(title: str, rows: list[tuple[str, str]], out: Console = console) -> None:
    """Print a two-column report (what, figure) as a table; plain text when not on a terminal."""
    grid = Table(title=title, show_header=False, title_justify="left")
    grid.add_column(style="bold")
    grid.add_column(overflow="fold")
    for name, value in rows:
        grid.add_row(name, value)
    out.print(grid)


def columns(title: str, headers: list[str], rows: list[list[str]], out: Console = console) -> None:
    """Print rows under column headers (a listing such as an order's events)."""
    grid = Table(title=title, title_justify="left")
    for header in headers:
        grid.add_column(header, overflow="fold")
    for row in rows:
        grid.add_row(*row)
    out.print(grid)
