"""`make chaos`'s pure half: the plan, what the tables must say of it, and which processes are workers.

No I/O: :mod:`chaos` reads the tables, the processes and the emulator's log, and hands them here.
"""

from __future__ import annotations

import json
import re
from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from orders_shared.events import NewEvent

RETRY_EXHAUSTED = "RetryExhausted"  # the reason of a record parked on its last receive (or moved by SQS)
EXAMPLES = 3  # problems named per failed check; the count says how many there were


# ---------------------------------------------------------------- the plan and the tables (pure)


@dataclass(frozen=True, slots=True)
class PlannedOrder:
    """Where an order must end: its status, and the ids of its events in the order they apply."""

    status: str
    event_ids: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class Projection:
    """An order's item in the Orders table."""

    status: str
    version: int
    amount: Decimal


@dataclass(frozen=True, slots=True)
class Marker:
    """An idempotency marker (``event#<eventId>``, version 0) of the EventStore table: the event's item.

    ``committed``: its order's head lists it (an ``applied`` item no head lists is an uncommitted
    claim, part of no stream).
    """

    order_id: str
    outcome: str
    recorded_at: str
    committed: bool = True


@dataclass(frozen=True, slots=True)
class DeadLetter:
    """A DLQ message: why it is there, and the envelope it carries (None when not JSON)."""

    reason: str
    envelope: Mapping[str, Any] | None

    @property
    def event_id(self) -> str | None:
        try:
            return str(self.envelope["detail"]["metadata"]["eventId"])  # type: ignore[index]
        except (KeyError, TypeError):
            return None


@dataclass(frozen=True, slots=True)
class Check:
    """One property of a phase: holds when it lists no problem."""

    name: str
    problems: list[str]

    @property
    def ok(self) -> bool:
        return not self.problems

    def verdict(self) -> str:
        if self.ok:
            return "pass"
        shown = "; ".join(self.problems[:EXAMPLES])
        more = f" (and {len(self.problems) - EXAMPLES} more)" if len(self.problems) > EXAMPLES else ""
        return f"FAIL: {len(self.problems)} problem(s): {shown}{more}"


def planned_orders(expected_status: Mapping[str, str], waves: Iterable[Sequence[NewEvent]]) -> dict[str, PlannedOrder]:
    """Each order of the plan with its final status and its events' ids, wave by wave."""
    ids: dict[str, list[str]] = {order_id: [] for order_id in expected_status}
    for wave in waves:
        for event in wave:
            ids[event.order_id].append(event.event_id)
    return {order_id: PlannedOrder(expected_status[order_id], tuple(ids[order_id])) for order_id in expected_status}


def check_final_states(planned: Mapping[str, PlannedOrder], projections: Mapping[str, Projection]) -> Check:
    """Every order has its planned status, at the version of its planned event count."""
    problems: list[str] = []
    for order_id, plan in planned.items():
        found = projections.get(order_id)
        if found is None:
            problems.append(f"order {order_id}: no projection item")
        elif found.status != plan.status:
            problems.append(f"order {order_id}: status {found.status}, planned {plan.status}")
        elif found.version != len(plan.event_ids):
            problems.append(f"order {order_id}: version {found.version}, planned {len(plan.event_ids)}")
    return Check("final states", problems)


def check_streams(planned: Mapping[str, PlannedOrder], streams: Mapping[str, Sequence[tuple[int, str]]]) -> Check:
    """Each stream is versions 1..n holding exactly the planned event ids, each once, in plan order."""
    problems: list[str] = []
    for order_id, plan in planned.items():
        entries = sorted(streams.get(order_id, ()))
        versions = [version for version, _ in entries]
        ids = [event_id for _, event_id in entries]
        if versions != list(range(1, len(versions) + 1)):
            problems.append(f"stream {order_id}: versions {versions}, not 1..{len(versions)} without a gap")
        repeated = sorted(event_id for event_id, count in Counter(ids).items() if count > 1)
        unplanned = sorted(set(ids) - set(plan.event_ids))
        missing = sorted(set(plan.event_ids) - set(ids))
        if repeated:
            problems.append(f"stream {order_id}: event(s) applied more than once: {', '.join(repeated)}")
        if unplanned:
            problems.append(f"stream {order_id}: event(s) the plan does not know: {', '.join(unplanned)}")
        if missing:
            problems.append(f"stream {order_id}: planned event(s) missing: {', '.join(missing)}")
        if not (repeated or unplanned or missing) and tuple(ids) != plan.event_ids:
            problems.append(f"stream {order_id}: events applied out of the planned order")
    return Check("streams", problems)


def check_markers(planned: Mapping[str, PlannedOrder], markers: Mapping[str, Marker], since: str) -> Check:
    """One committed ``applied`` marker per planned event, of its order; no marker recorded ``since`` unplanned.

    An uncommitted claim is no applied marker: every planned event was acknowledged, so it must be in
    its stream (an unplanned event's claim is reported as unplanned, as any marker of it is).
    """
    problems: list[str] = []
    owners = {event_id: order_id for order_id, plan in planned.items() for event_id in plan.event_ids}
    for event_id, order_id in owners.items():
        marker = markers.get(event_id)
        if marker is None:
            problems.append(f"event {event_id}: no marker")
        elif marker.outcome != "applied" or marker.order_id != order_id:
            problems.append(f"event {event_id}: marker says {marker.outcome} for order {marker.order_id}")
        elif not marker.committed:
            problems.append(f"event {event_id}: applied item of order {order_id} in no stream (an uncommitted claim)")
    for event_id, marker in markers.items():
        if marker.recorded_at >= since and event_id not in owners:
            problems.append(f"event {event_id}: marker ({marker.outcome}, order {marker.order_id}) not in the plan")
    return Check("markers", problems)


def check_counters(before: Counter[str], after: Counter[str], projections: Mapping[str, Projection]) -> Check:
    """The counters moved by exactly the phase's orders: one per status held, and their revenue."""
    expected: Counter[str] = Counter(projection.status for projection in projections.values())
    expected["revenue"] = sum(  # type: ignore[assignment]
        (p.amount for p in projections.values() if p.status == "completed"), Decimal(0)
    )
    problems = [
        f"{name}: counters moved by {after[name] - before[name]}, the projection says {expected[name]}"
        for name in sorted(set(expected) | set(before) | set(after))
        if after[name] - before[name] != expected[name]
    ]
    return Check("counters", problems)


@dataclass
class DeadLetters:
    """A phase's DLQ messages sorted against the plan."""

    rejected: int = 0  # the planned invalid events, parked with their reason
    exhausted: list[DeadLetter] = field(default_factory=list)  # planned events that ran out of receives
    unplanned: list[str] = field(default_factory=list)
    missing: list[str] = field(default_factory=list)  # planned invalid events not found in the DLQ


def sort_dead_letters(
    letters: Iterable[DeadLetter], invalid: Sequence[tuple[str, str, str, str]], planned_ids: set[str]
) -> DeadLetters:
    """Which DLQ messages the plan explains: its invalid events (by detail-type and detail) and
    retry-exhausted planned events; anything else is unplanned."""
    result = DeadLetters()
    waiting = [(label, kind, json.loads(detail)) for label, _, kind, detail in invalid]
    for letter in letters:
        envelope = letter.envelope or {}
        kind, detail = envelope.get("detail-type"), envelope.get("detail")
        match = next((item for item in waiting if item[1] == kind and item[2] == detail), None)
        if letter.reason == RETRY_EXHAUSTED and letter.event_id in planned_ids:
            result.exhausted.append(letter)
        elif letter.reason != RETRY_EXHAUSTED and match is not None:
            waiting.remove(match)
            result.rejected += 1
        else:
            result.unplanned.append(f"{letter.reason}: {letter.event_id or kind or 'not an event'}")
    result.missing = [label for label, _, _ in waiting]
    return result


def check_dead_letters(letters: DeadLetters) -> Check:
    """The DLQ holds the planned rejections, nothing unplanned, and nothing left retry-exhausted."""
    problems = [f"unplanned {text}" for text in letters.unplanned]
    problems += [f"planned rejection not in the DLQ: {label}" for label in letters.missing]
    problems += [f"still retry-exhausted after the redrive: {letter.event_id}" for letter in letters.exhausted]
    return Check("dead letters", problems)


def check_faults(
    kill_waves: Iterable[int],
    restart_wave: int | None,
    done: set[int],
    restarts: Sequence[tuple[int, int, float, int]],
    failed_batches: int,
) -> Check:
    """The faults happened: a SIGKILL in each planned wave that failed a running batch, a restart to a new process."""
    kill_waves = sorted(kill_waves)
    problems = [f"no worker killed in wave {wave + 1}" for wave in kill_waves if wave not in done]
    if kill_waves and not failed_batches:
        problems.append("no batch failed: the kills hit no running batch")
    if restart_wave is not None and restart_wave not in done:
        problems.append(f"the emulator was not restarted in wave {restart_wave + 1}")
    problems += [f"the emulator kept pid {old} across the restart" for old, new, _, _ in restarts if old == new]
    return Check("faults injected", problems)


# ---------------------------------------------------------------- processes and logs (pure)


@dataclass(frozen=True, slots=True)
class Process:
    """A process as /proc shows it."""

    pid: int
    ppid: int
    argv: tuple[str, ...]


def worker_pids(processes: Iterable[Process], server_pid: int, function_name: str) -> list[int]:
    """The worker processes MiniStack runs for a function: its children running the function's
    ``ministack-lambda-<name>-<mkdtemp suffix>/_worker.py``."""
    script = re.compile(rf"/ministack-lambda-{re.escape(function_name)}-[A-Za-z0-9_]{{8}}/_worker\.py")
    return sorted(
        process.pid
        for process in processes
        if process.ppid == server_pid and process.argv and script.search(process.argv[-1])
    )


def failed_batches(log_text: str, function_name: str) -> int:
    """How many SQS batches the emulator's log says the function failed (a dead worker fails its whole batch)."""
    return log_text.count(f"Lambda {function_name} failed processing SQS batch")
