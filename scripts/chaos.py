"""`make chaos`: faults at the process level on the local emulator, then proof that nothing was lost.

Two phases, each publishing ``--orders`` order lifecycles of the scenario (completed, cancelled,
processing and pending orders, a few duplicates, a few invalid events) wave by wave:

- worker kill: once a third of each wave is handled, every worker process of the order processor
  gets SIGKILL; the batches they were running fail and SQS delivers them again;
- emulator restart: once a third of the second wave is handled, the emulator is stopped cleanly and
  started again, as ``make down`` and ``make up`` do (it saves its state and loads it back).

Each phase then waits until the queue is drained, redrives what the faults made retry-exhausted (if
anything), and checks the tables against the plan: every order in its planned state and version,
each stream 1..n holding the planned events once each, one committed ``applied`` marker per planned
event and none unplanned, the status counters moved as the projection did (the commits' ledgers
reduced first), and the DLQ holding the planned rejections only. Exit status 1 names every failed check.

Worker processes are found as MiniStack starts them: children of the emulator (its pid in
``<state>/ministack.pid``) whose command line ends in the script MiniStack writes for the function,
``$TMPDIR/ministack-lambda-<function name>-<8 chars of tempfile.mkdtemp>/_worker.py``.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import signal
import sys
import time
from collections import Counter
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from decimal import Decimal
from functools import partial
from pathlib import Path

import local_aws
import scenario as scenarios
from chaos_checks import (
    RETRY_EXHAUSTED,
    Check,
    DeadLetter,
    Marker,
    PlannedOrder,
    Process,
    Projection,
    check_counters,
    check_dead_letters,
    check_faults,
    check_final_states,
    check_markers,
    check_streams,
    failed_batches,
    planned_orders,
    sort_dead_letters,
    worker_pids,
)
from demo import Pipeline, publish_invalid
from publish import publish_waves
from reporting import console, table, tracking
from stack import peek_messages

from orders_shared.event_store import head_events
from orders_shared.events import utc_now_iso
from orders_shared.ledger import reduce_ledgers
from orders_shared.streams import read_counters as read_shard_totals

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
    """The counter shards summed (the layer's consistent read), one figure per status and revenue.

    The commits' ledgers are reduced first, settled at once: called only when the queue is drained
    (before a phase publishes, after it drained), when no processor runs.
    """
    outputs = pipeline.outputs
    reduce_ledgers(pipeline.dynamodb, outputs["EventStoreTableName"], outputs["OrdersTableName"], settle_s=0)
    totals = read_shard_totals(pipeline.dynamodb, outputs["OrdersTableName"])
    return Counter({**totals.counts, **totals.revenues})


def read_tables(
    pipeline: Pipeline, planned: Mapping[str, PlannedOrder]
) -> tuple[dict[str, Projection], dict[str, list[tuple[int, str]]], dict[str, Marker]]:
    """The projections and streams of the planned orders, and every marker (scans, consistent reads).

    Storage format 2: a stream is what its order's head lists, each event at the position its item
    records (0 when the item is missing or holds no event: never a version, so the check fails); an
    event id's item is its marker, committed when its order's head lists it. A marker missing an
    attribute (the bench's reference processor writes only its key) reads it as "": a planned
    event's such marker still fails its check, and one without ``recordedAt`` counts as older than
    the phase.
    """
    heads = {item["orderId"]["S"]: item for item in pipeline.scan("OrdersTableName")}
    projections = {
        order_id: Projection(item["status"]["S"], int(item["version"]["N"]), Decimal(item["amount"]["N"]))
        for order_id, item in heads.items()
        if order_id in planned
    }
    items = {
        item["streamId"]["S"].removeprefix("event#"): item
        for item in pipeline.scan("EventStoreTableName")
        if item["streamId"]["S"].startswith("event#")
    }
    listed = {event_id for head in heads.values() for event_id in head_events(head)}
    markers = {
        event_id: Marker(
            *(item.get(name, {}).get("S", "") for name in ("orderId", "outcome", "recordedAt")),
            committed=event_id in listed,
        )
        for event_id, item in items.items()
    }
    streams: dict[str, list[tuple[int, str]]] = {}
    for order_id in planned:
        for event_id in head_events(heads.get(order_id)):
            position = items.get(event_id, {}).get("position", {}).get("N", "0")
            streams.setdefault(order_id, []).append((int(position), event_id))
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
