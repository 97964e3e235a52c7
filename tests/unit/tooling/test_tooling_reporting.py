"""scripts/reporting.py: progress that stays a few plain lines in a log, a live bar on a terminal."""

from __future__ import annotations

import io

from reporting import PLAIN_EVERY_S, table, tracking
from rich.console import Console


class FakeClock:
    """A monotonic clock the test moves by hand."""

    def __init__(self) -> None:
        self.now = 100.0

    def __call__(self) -> float:
        return self.now


def log_console() -> tuple[Console, io.StringIO]:
    """A console writing to a file, as `make demo > demo.log` gives the scripts."""
    file = io.StringIO()
    return Console(file=file, force_terminal=False, width=100), file


def test_reporting_tracking_in_a_log_prints_start_end_and_a_line_per_interval() -> None:
    # GIVEN a console that is not a terminal and a wait of 60 s polled twice a second
    out, file = log_console()
    clock = FakeClock()

    # WHEN progress is updated 120 times
    with tracking("wave 1 handled", 120, out=out, clock=clock) as progress:
        for done in range(1, 121):
            clock.now += 0.5
            progress.update(done, f"queue {120 - done} visible")

    # THEN the log holds plain lines: the start, one per interval, the end; no carriage return or escape
    text = file.getvalue()
    lines = text.splitlines()
    assert "\r" not in text
    assert "\x1b" not in text
    assert lines[0] == "  wave 1 handled: started, 120 to go"
    assert lines[-1] == "  wave 1 handled: 120/120, queue 0 visible, 60.0 s"
    assert len(lines) == 2 + int(60 // PLAIN_EVERY_S)


def test_reporting_tracking_in_a_log_without_total_shows_the_note() -> None:
    # GIVEN a console that is not a terminal WHEN a wait without a total ends
    out, file = log_console()
    clock = FakeClock()
    with tracking("orphan payment in the DLQ", None, out=out, clock=clock) as progress:
        clock.now += 4
        progress.update(0, "DLQ depth 3")

    # THEN its lines name the note and the time, not a count
    assert file.getvalue().splitlines() == [
        "  orphan payment in the DLQ: started",
        "  orphan payment in the DLQ: DLQ depth 3, 4.0 s",
    ]


def test_reporting_tracking_on_a_terminal_draws_a_live_bar() -> None:
    # GIVEN a console that is a terminal
    file = io.StringIO()
    out = Console(file=file, force_terminal=True, width=100)

    # WHEN progress is updated
    with tracking("wave 1 handled", 10, out=out) as progress:
        progress.update(10, "queue 0 visible")

    # THEN it is drawn as a bar with the count, not as plain log lines
    text = file.getvalue()
    assert "10/10" in text
    assert "━" in text
    assert "started" not in text


def test_reporting_table_in_a_log_has_every_row_and_no_escape() -> None:
    # GIVEN a report of two rows WHEN it is printed to a file
    out, file = log_console()
    table("demo report", [("orders", "3 of 3 expected"), ("DLQ depth", "7")], out=out)

    # THEN each figure is on the page, without terminal escapes
    text = file.getvalue()
    assert "demo report" in text
    assert "3 of 3 expected" in text
    assert "DLQ depth" in text
    assert "\x1b" not in text
