"""The soak: a scenario published, drained, redriven until settled; its figures; the fault-free run."""

from __future__ import annotations

import multiprocessing
import os
import time
from collections import Counter
from collections.abc import Callable, Iterator, Mapping
from concurrent.futures import Future, ProcessPoolExecutor, ThreadPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

from moto import mock_aws

from dlq_redriver.domain import Request, redrive
from tests.reliability.harness.checks import CONFLICT, early_reusers, reason_of
from tests.reliability.harness.delivery import (
    AtLeastOnceQueue,
    HeldBack,
    Ledger,
    SimulatedQueues,
    deliver_until_empty,
)
from tests.reliability.harness.faults import FaultInjector
from tests.reliability.harness.moto_threads import moto_for_threads
from tests.reliability.harness.outcomes import Outcomes, collect
from tests.reliability.harness.sabotage import Hook, Sabotaged
from tests.reliability.harness.scenario import Scenario, build_scenario
from tests.reliability.harness.stack import Stack
from tests.support.aws import FAKE_CREDENTIALS


@dataclass
class SoakRun:
    """One run of a scenario through the pipeline, and what it left behind."""

    stack: Stack
    queue: AtLeastOnceQueue
    injector: FaultInjector
    ledger: Ledger
    wall_seconds: float
    redrive_reports: list[dict[str, Any]]
    held: HeldBack  # late reusers: published once their original was recorded (any left: never)


def run_soak(
    scenario: Scenario,
    *,
    fault_rate: float,
    duplicate_rate: float,
    suffix: str,
    timeout_rate: float = 0.0,
    workers: int = 4,
    max_redrives: int = 5,
    sabotage: Mapping[str, Hook] | None = None,
    queues: type[SimulatedQueues] = SimulatedQueues,
) -> SoakRun:
    """Publish the scenario, drain the queue, redrive retry-exhausted messages, until settled.

    A late reuser of the scenario is published once the ledger says its original was recorded.

    After each drain the real redriver (``dlq_redriver.domain.redrive``) moves the simulator's DLQ
    back to the source queue, as an operator would once a fault storm is over; a message redriven
    ``max_redrives`` times stays parked. A share ``timeout_rate`` of invocations lose their answer
    (see :class:`AtLeastOnceQueue`). ``sabotage`` (hooks, see :mod:`.sabotage`) and ``queues`` (the
    redriver's port) let a test break the processor or the redriver, to show a check failing. Moto
    must be active (and :func:`moto_for_threads` entered).
    """
    started = time.perf_counter()
    stack = Stack(suffix)
    injector = Sabotaged(sabotage or {}, scenario.seed, fault_rate)  # without hooks: only the faults
    queue = AtLeastOnceQueue(scenario.seed, duplicate_rate=duplicate_rate, timeout_rate=timeout_rate)
    ledger = Ledger()
    reports: list[dict[str, Any]] = []
    for body in scenario.bodies:
        queue.send(body)
    held = HeldBack(queue, scenario.held_back)
    with ThreadPoolExecutor(max_workers=workers) as executor:
        applier = stack.applier(injector, executor)
        while True:
            deliver_until_empty(queue, applier, ledger, held)
            report = redrive(
                Request(max_messages=10_000, max_redrives=max_redrives),
                queues(queue, now_ms=1_748_779_200_000),
                SimulatedQueues.DLQ,
                SimulatedQueues.SOURCE,
                remaining_ms=lambda: 900_000,
                now_ms=lambda: 1_748_779_200_000,
            )
            reports.append(report.as_dict())
            queue.stats.redrive_rounds += 1
            queue.stats.redriven += report.moved
            if not report.moved:
                break
    return SoakRun(stack, queue, injector, ledger, time.perf_counter() - started, reports, held)


def figures(scenario: Scenario, run: SoakRun, outcomes: Outcomes) -> dict[str, Any]:
    """The numbers a soak reports."""
    stats = run.queue.stats
    return {
        "orders": len(scenario.orders),
        "events published": len(scenario.bodies),
        "valid lifecycle events": scenario.event_count,
        "poison messages": len(scenario.poison),
        "reusing events (an id another event carries)": dict(
            sorted(Counter(str(r.kind) for r in scenario.reusers).items())
        ),
        "reusers published after their original": run.held.released,
        "reusers delivered before their original": len(early_reusers(scenario, run.ledger)),
        "messages sent (incl. redrives)": stats.sent,
        "events delivered": stats.deliveries,
        "batches": stats.batches,
        "duplicates injected": stats.duplicates_injected,
        "calls made": sum(run.injector.calls.values()),
        "faults injected": run.injector.total_injected,
        "faults by kind": dict(sorted(run.injector.injected.items())),
        "retries (records failed back to the queue)": stats.retries,
        "outcomes": dict(sorted(stats.outcomes.items())),
        "invocations timed out (answer lost)": stats.invocations_lost,
        "moved to DLQ after 5 receives": stats.moved_to_dlq,
        "redrive rounds": stats.redrive_rounds,
        "events first accepted after n redrives": dict(sorted(run.ledger.redrives_needed.items())),
        "redriven": stats.redriven,
        "DLQ: rejected (processor, with reason)": len(outcomes.rejected),
        "DLQ: rejected, distinct bodies": len({m["Body"] for m in outcomes.rejected}),
        "DLQ: retry-exhausted, parked": len(outcomes.exhausted),
        "notifications accepted by SNS": sum(outcomes.notified.values()),
        "DLQ: parks whose answer was lost": outcomes.unreported_parks.total(),
        "DLQ: rejected as EventIdConflict": sum(1 for m in outcomes.rejected if reason_of(m) == CONFLICT),
        "events applied": len(run.ledger.applied),
        "orders by final state": dict(sorted(Counter(outcomes.statuses.values()).items())),
        "wall seconds": round(run.wall_seconds, 1),
    }


def fault_free_statuses(seed: int, orders: int, duplicate_rate: float) -> dict[str, str]:
    """Final states of the seed's scenario run without faults (same shuffling, same duplicates).

    Starts its own moto, so that it can run in another process while the faulty run goes on.
    """
    os.environ.update(FAKE_CREDENTIALS)
    for name in ("AWS_PROFILE", "AWS_DEFAULT_PROFILE", "AWS_ENDPOINT_URL"):
        os.environ.pop(name, None)
    with mock_aws(), moto_for_threads():
        run = run_soak(build_scenario(seed, orders), fault_rate=0.0, duplicate_rate=duplicate_rate, suffix="clean")
        return collect(run).statuses


@contextmanager
def in_background(function: Callable[..., Any], *args: Any) -> Iterator[Future[Any]]:
    """Run ``function(*args)`` in a fresh process (this machine's second core) while the caller works."""
    with ProcessPoolExecutor(max_workers=1, mp_context=multiprocessing.get_context("spawn")) as pool:
        yield pool.submit(function, *args)
