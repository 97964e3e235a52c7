"""`make chaos`: faults at the process level on the local emulator, then proof that nothing was lost.

Two phases, each publishing ``--orders`` order lifecycles of the scenario (completed, cancelled,
processing and pending orders, a few duplicates, a few invalid events) wave by wave:

- worker kill: once a third of each wave is handled, every worker process of the order processor
  gets SIGKILL; the batches they were running fail and SQS delivers them again;
- emulator restart: once a third of the second wave is handled, the emulator is stopped cleanly and
  started again, as ``make down`` and ``make up`` do (it saves its state and loads it back).

Each phase then waits until the queue is drained, redrives what the faults made retry-exhausted (if
anything), and checks the tables against the plan: every order in its planned state and version,
each stream 1..n holding the planned events once each, one ``applied`` marker per planned event and
none unplanned, the status counters moved as the projection did, and the DLQ holding the planned
rejections only. Exit status 1 names every failed check.

Worker processes are found as MiniStack starts them: children of the emulator (its pid in
``<state>/ministack.pid``) whose command line ends in the script MiniStack writes for the function,
``$TMPDIR/ministack-lambda-<function name>-<8 chars of tempfile.mkdtemp>/_worker.py``.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import re
import signal
import sys
import time
from collections import Counter
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from functools import partial
from pathlib import Path
from typing import Any

import local_aws
import scenario as scenarios
from demo import Pipeline, publish_invalid
from publish import publish_waves
from reporting import console, table, tracking
from stack import peek_messages

from orders_shared.counters import all_stats_keys
from orders_shared.events import NewEvent, utc_now_iso

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
    """An idempotency marker (``event#<eventId>``, version 0) of the EventStore table."""

    order_id: str
    outcome: str
    recorded_at: str


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
    """One ``applied`` marker per planned event, of its order; no marker recorded ``since`` unplanned."""
    problems: list[str] = []
    owners = {event_id: order_id for order_id, plan in planned.items() for event_id in plan.event_ids}
    for event_id, order_id in owners.items():
        marker = markers.get(event_id)
        if marker is None:
            problems.append(f"event {event_id}: no marker")
        elif marker.outcome != "applied" or marker.order_id != order_id:
            problems.append(f"event {event_id}: marker says {marker.outcome} for order {marker.order_id}")
    for event_id, marker in markers.items():
        if marker.recorded_at >= since and event_id not in owners:
            problems.append(f"event {event_id}: marker ({marker.outcome}, order {marker.order_id}) not in the plan")
    return Check("markers", problems)


def counter_totals(shards: Iterable[Mapping[str, Decimal]]) -> Counter[str]:
    """The sum of the counter shards: one figure per status, and ``revenue``."""
    totals: Counter[str] = Counter()
    for shard in shards:
        for name, value in shard.items():
            totals[name] += value  # type: ignore[assignment]
    return totals


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


# ---------------------------------------------------------------- effects


def running_processes() -> list[Process]:
    found = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        with contextlib.suppress(OSError, IndexError, ValueError):
            ppid = int((entry / "stat").read_text().rsplit(")", 1)[1].split()[1])
            argv = tuple(part for part in (entry / "cmdline").read_bytes().decode().split("\0") if part)
            found.append(Process(int(entry.name), ppid, argv))
    return found


@dataclass
class Emulator:
    """The emulator `make up` started: its pid file, its log, and how to restart it as make does."""

    port: int
    ministack: Path
    state: Path

    @property
    def pid(self) -> int:
        pid_file = self.state / "ministack.pid"
        if not pid_file.exists():
            raise SystemExit(f"chaos: no {pid_file}: the emulator on port {self.port} was not started by `make up`")
        return int(pid_file.read_text())

    @property
    def log(self) -> Path:
        return self.state / "ministack.log"

    def restart(self) -> tuple[int, int]:
        """Stop cleanly and start again (scripts/local_aws.py, as `make down` and `make up`); the old and new pid."""
        before = self.pid
        local_aws.down(self.state, timeout=60)
        if local_aws.up(self.port, self.ministack, self.state, timeout=120) != 0:
            raise SystemExit("chaos: the emulator did not start again; see " + str(self.log))
        return before, self.pid


@dataclass
class Faults:
    """What a phase does to the processes while its waves flow, and what it did."""

    emulator: Emulator
    function_name: str
    depth: Callable[[], tuple[int, int]]  # the order-events queue: visible, in flight
    kill_waves: frozenset[int] = frozenset()  # SIGKILL the workers once in each of these waves
    restart_wave: int | None = None  # restart the emulator once, in this wave
    kills: list[list[int]] = field(default_factory=list)
    restarts: list[tuple[int, int, float, int]] = field(default_factory=list)  # old, new pid, seconds, in flight
    done: set[int] = field(default_factory=set)

    def __call__(self, wave: int, size: int, published: int) -> None:
        """Once a third of a wave is published and batches are running, do what this wave is due."""
        if wave in self.done or published < size / 3 or wave not in {*self.kill_waves, self.restart_wave}:
            return
        # Between slices, wait a little for a running batch (and its workers); after the last, longer.
        deadline = time.monotonic() + (30 if published == size else 5)
        while True:
            _, in_flight = self.depth()
            pids = worker_pids(running_processes(), self.emulator.pid, self.function_name)
            if in_flight and (pids or wave not in self.kill_waves):
                break
            if time.monotonic() > deadline:
                if published == size:
                    console.print(
                        f"  wave {wave + 1}: no running batch to hit ({in_flight} in flight, {len(pids)} workers)"
                    )
                return
            time.sleep(0.05)
        if wave in self.kill_waves:
            for pid in pids:
                with contextlib.suppress(ProcessLookupError):
                    os.kill(pid, signal.SIGKILL)
            self.kills.append(pids)
            console.print(f"  SIGKILL {len(pids)} worker(s) of {self.function_name} ({in_flight} in flight): {pids}")
        else:
            started = time.monotonic()
            console.print(f"  restarting the emulator ({in_flight} messages in flight): clean stop, state saved, start")
            old, new = self.emulator.restart()
            self.restarts.append((old, new, time.monotonic() - started, in_flight))
        self.done.add(wave)

    def check(self, failed_batches: int) -> Check:
        """Every fault this phase planned happened."""
        return check_faults(self.kill_waves, self.restart_wave, self.done, self.restarts, failed_batches)


def wait_drained(pipeline: Pipeline, event_ids: set[str], timeout: float, quiet_s: float = 3) -> None:
    """Until every event has a marker and the queue stays empty (nothing visible, nothing in flight) for ``quiet_s``."""
    with tracking("drain", len(event_ids)) as progress:
        quiet_since: float | None = None
        while True:
            handled = pipeline.marker_count(event_ids)
            visible, in_flight = pipeline.depth("OrderEventsQueueUrl")
            progress.update(handled, f"queue {visible} visible / {in_flight} in flight")
            if handled == len(event_ids) and visible == in_flight == 0:
                quiet_since = quiet_since or time.monotonic()
                if time.monotonic() - quiet_since >= quiet_s:
                    return
            else:
                quiet_since = None
            if progress.elapsed() > timeout:
                raise SystemExit(
                    f"chaos: not drained after {timeout:.0f} s: {handled}/{len(event_ids)} events have a marker, "
                    f"queue {visible} visible / {in_flight} in flight"
                )
            time.sleep(1)


def read_dead_letters(pipeline: Pipeline, since_ms: int) -> list[DeadLetter]:
    letters = []
    for message in peek_messages(pipeline.sqs, pipeline.outputs["OrderEventsDeadLetterQueueUrl"], ""):
        if int(message["Attributes"]["SentTimestamp"]) < since_ms:
            continue  # parked before this phase
        reason = message.get("MessageAttributes", {}).get("rejectionReason", {}).get("StringValue", RETRY_EXHAUSTED)
        try:
            envelope = json.loads(message["Body"])
        except ValueError:
            envelope = None
        letters.append(DeadLetter(reason, envelope if isinstance(envelope, dict) else None))
    return letters


def read_counters(pipeline: Pipeline) -> Counter[str]:
    table_name = pipeline.outputs["OrdersTableName"]
    keys = [{"orderId": {"S": key}} for key in all_stats_keys()]
    items = pipeline.dynamodb.batch_get_item(RequestItems={table_name: {"Keys": keys, "ConsistentRead": True}})
    shards = [
        {name: Decimal(value["N"]) for name, value in item.items() if "N" in value}
        for item in items["Responses"][table_name]
    ]
    return counter_totals(shards)


def read_tables(
    pipeline: Pipeline, planned: Mapping[str, PlannedOrder]
) -> tuple[dict[str, Projection], dict[str, list[tuple[int, str]]], dict[str, Marker]]:
    """The projections and streams of the planned orders, and every marker (scans, consistent reads)."""
    projections = {
        item["orderId"]["S"]: Projection(item["status"]["S"], int(item["version"]["N"]), Decimal(item["amount"]["N"]))
        for item in pipeline.scan("OrdersTableName")
        if item["orderId"]["S"] in planned
    }
    streams: dict[str, list[tuple[int, str]]] = {}
    markers: dict[str, Marker] = {}
    for item in pipeline.scan("EventStoreTableName"):
        stream = item["streamId"]["S"]
        if stream.startswith("event#"):
            markers[stream.removeprefix("event#")] = Marker(
                item["orderId"]["S"], item["outcome"]["S"], item["recordedAt"]["S"]
            )
        elif stream in planned:
            streams.setdefault(stream, []).append((int(item["version"]["N"]), item["eventId"]["S"]))
    return projections, streams, markers


@dataclass
class PhaseResult:
    name: str
    rows: list[tuple[str, str]]
    checks: list[Check]


def run_phase(name: str, pipeline: Pipeline, faults: Faults, *, orders: int, seed: int, timeout: float) -> PhaseResult:
    console.print(f"Phase {name}: {orders} orders (seed {seed})")
    plan = scenarios.build(orders, seed=seed)
    since, since_ms = utc_now_iso(), int(time.time() * 1000)
    log_offset = faults.emulator.log.stat().st_size
    before = read_counters(pipeline)
    started = time.monotonic()
    invalid = publish_invalid(pipeline, plan)
    waves = publish_waves(pipeline, plan, during=faults)
    planned = planned_orders(plan.expected_status, waves)
    event_ids = {event_id for order in planned.values() for event_id in order.event_ids}
    wait_drained(pipeline, event_ids, timeout)
    drained_s = time.monotonic() - started

    letters = sort_dead_letters(read_dead_letters(pipeline, since_ms), plan.invalid, event_ids)
    redriven = "nothing to redrive"
    if letters.exhausted:
        age = int(time.time() - since_ms / 1000) + 1
        report = pipeline.invoke("DlqRedriverFunctionName", {"maxMessages": 10_000, "filter": {"maxAgeSeconds": age}})
        redriven = f"{len(letters.exhausted)} retry-exhausted, redriver: {json.dumps(report)}"
        console.print(f"  redrive: {redriven}")
        wait_drained(pipeline, event_ids, timeout)
        letters = sort_dead_letters(read_dead_letters(pipeline, since_ms), plan.invalid, event_ids)

    with faults.emulator.log.open("rb") as log:
        log.seek(log_offset)
        batches = failed_batches(log.read().decode(errors="replace"), faults.function_name)
    projections, streams, markers = read_tables(pipeline, planned)
    checks = [
        faults.check(batches),
        check_final_states(planned, projections),
        check_streams(planned, streams),
        check_markers(planned, markers, since),
        check_counters(before, read_counters(pipeline), projections),
        check_dead_letters(letters),
    ]
    statuses = Counter(order.status for order in planned.values())
    rows = [
        ("orders", f"{len(planned)} ({', '.join(f'{s} {n}' for s, n in sorted(statuses.items()))})"),
        ("events", f"{len(event_ids)} planned + {len(plan.duplicates)} duplicates + {invalid} invalid"),
        ("kills", f"{len(faults.kills)} SIGKILL rounds, {sum(map(len, faults.kills))} worker processes"),
        (
            "restart",
            ", ".join(
                f"pid {old} -> {new} in {took:.1f} s, {held} messages in flight when stopped"
                for old, new, took, held in faults.restarts
            )
            or "none",
        ),
        ("publish -> drained", f"{drained_s:.1f} s"),
        ("batches failed (emulator log)", f"{batches}: their messages are delivered again"),
        ("dead letters", f"{letters.rejected} planned rejections; {redriven}"),
        *((f"check: {check.name}", check.verdict()) for check in checks),
    ]
    return PhaseResult(name, rows, checks)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--orders", type=int, default=2000, help="order lifecycles per phase")
    parser.add_argument("--seed", type=int, default=int(time.time()))
    parser.add_argument("--port", type=int, required=True, help="the emulator's port")
    parser.add_argument("--ministack", type=Path, required=True)
    parser.add_argument("--state", type=Path, default=Path(".local"))
    parser.add_argument("--timeout", type=float, default=900, help="seconds a phase may take to drain")
    args = parser.parse_args()
    pipeline = Pipeline(os.environ.get("STACK_NAME", "order-pipeline-local"))
    emulator = Emulator(args.port, args.ministack, args.state)
    function = pipeline.outputs["OrderProcessorFunctionName"]
    depth = partial(pipeline.depth, "OrderEventsQueueUrl")
    phases = [
        ("worker kill", Faults(emulator, function, depth, kill_waves=frozenset({0, 1, 2}))),
        ("emulator restart", Faults(emulator, function, depth, restart_wave=1)),
    ]
    results = []
    for number, (name, faults) in enumerate(phases):
        result = run_phase(name, pipeline, faults, orders=args.orders, seed=args.seed + number, timeout=args.timeout)
        table(f"chaos: {name}", result.rows)
        results.append(result)
    failed = [f"{result.name}: {check.name}" for result in results for check in result.checks if not check.ok]
    if failed:
        console.print("chaos FAILED: " + ", ".join(failed))
        return 1
    console.print(f"chaos passed: {len(results)} phases, {sum(len(r.checks) for r in results)} checks")
    return 0


if __name__ == "__main__":
    sys.exit(main())
