"""Races on the processor's write path: many appliers committing the same orders' events at once.

moto is not safe under threads for conditional writes: run without a lock, 16 threads appending
160 events to one stream on moto 5.2.5 lost events in 10 runs out of 10 (two writers "won" the same
version, the later put overwriting the earlier) and crashed with "dictionary changed size during
iteration" inside moto's transaction rollback. The ``aws`` fixture therefore serialises moto's
transport (``moto_for_threads``): each call is atomic, as a DynamoDB request is, and the threads
still interleave between their reads and their conditional writes, which is where the race is.

Each racing ``BatchApplier`` has its own ``DynamoOrderRepository`` (its own client, its own
executor), as concurrent Lambda invocations do, and all of them receive every event of the same
orders, each in its own order: overlapping batches, as an at-least-once queue may hand out.
"""

from __future__ import annotations

import random
import threading
import uuid
from collections.abc import Mapping
from concurrent.futures import ThreadPoolExecutor
from decimal import Decimal
from typing import Any

import pytest

from order_processor.applier import BatchResult
from order_processor.model import Outcome, Record
from orders_shared.errors import ConcurrencyError
from orders_shared.event_store import EventStore
from orders_shared.events import NewEvent, OrderStatus, order_status_changed
from tests.reliability.harness.checks import check_counters, check_orders, check_streams
from tests.reliability.harness.common import fixed_clock, seeded_uuid
from tests.reliability.harness.delivery import Ledger
from tests.reliability.harness.outcomes import Outcomes, read_state
from tests.reliability.harness.sabotage import Hook, Rendezvous, Sabotaged, conditions_stripped
from tests.reliability.harness.scenario import Lifecycle, Order, Scenario, body_for, lifecycle_events
from tests.reliability.harness.stack import Stack

APPLIERS = 8
ORDERS = 10
BATCH = 10


def event(stream: str, rng: random.Random) -> NewEvent:
    return order_status_changed(stream, OrderStatus.PROCESSING, event_id=seeded_uuid(rng), clock=fixed_clock)


class Cancellations:
    """Counts the writes DynamoDB (moto) refused: a condition refused a racing claim, head or takeover."""

    REFUSALS = frozenset({"ConditionalCheckFailedException", "TransactionCanceledException"})

    def __init__(self) -> None:
        self.seen: list[str] = []  # list.append is atomic: the appliers' threads share it

    def hooks(self) -> dict[str, Hook]:
        def hook(parsed: dict[str, Any], model: Any, **_: Any) -> None:
            if parsed.get("Error", {}).get("Code") in self.REFUSALS:
                self.seen.append(model.name)

        return {f"after-call.dynamodb.{name}": hook for name in ("PutItem", "UpdateItem", "TransactWriteItems")}


def racing_orders(seed: int) -> Scenario:
    """ORDERS orders, every lifecycle in turn (two of them race a payment against a cancellation)."""
    rng = random.Random(seed)
    orders = []
    for number in range(ORDERS):
        order_id, lifecycle = seeded_uuid(rng), list(Lifecycle)[number % len(Lifecycle)]
        events = tuple(lifecycle_events(order_id, lifecycle, Decimal("5.00"), rng))
        orders.append(Order(order_id, lifecycle, Decimal("5.00"), events))
    bodies = tuple(body_for(e, rng) for order in orders for e in order.events)
    return Scenario(seed, tuple(orders), (), bodies)


def race(
    stack: Stack, scenario: Scenario, hooks: Mapping[int, Mapping[str, Hook]], *, settle: bool = True
) -> list[BatchResult]:
    """Every applier (one per entry of ``hooks``) applies all the scenario's bodies, shuffled its own
    way, in batches of BATCH, failed records again until none is left; all start at once.

    An applier still holding records after 100 batches fails the race, unless ``settle`` is False (a
    deliberately broken processor may wedge an order for good: it is stopped there instead).
    """
    start = threading.Barrier(len(hooks))

    def applier_run(number: int) -> list[BatchResult]:
        rng = random.Random(number)
        shuffled = rng.sample(scenario.bodies, len(scenario.bodies))
        pending = [Record(f"{number}-{n}", body) for n, body in enumerate(shuffled)]
        results = []
        with ThreadPoolExecutor(max_workers=2) as executor:
            applier = stack.applier(Sabotaged(hooks[number]), executor)
            start.wait()
            for _ in range(100):
                if not pending:
                    break
                batch, pending = pending[:BATCH], pending[BATCH:]
                results.append(applier.apply(batch))
                failed = set(results[-1].failed_message_ids())
                pending += [Record(f"{r.message_id}+", r.body) for r in batch if r.message_id in failed]
            else:
                if settle:
                    raise AssertionError(f"applier {number} did not settle in 100 batches")
        return results

    with ThreadPoolExecutor(max_workers=len(hooks)) as pool:
        return [result for results in pool.map(applier_run, hooks) for result in results]


def race_problems(scenario: Scenario, results: list[BatchResult], outcomes: Outcomes) -> list[str]:
    """Each event handled as new exactly once (the other appliers found it done), streams and
    projections in step, counters exact, every order where its lifecycle ends."""
    ledger = Ledger()
    for result in results:
        ledger.record(result)
    problems = []
    for order in scenario.orders:
        for e in order.events:
            first = ledger.reports[e.event_id, str(Outcome.APPLIED)] + ledger.reports[e.event_id, str(Outcome.IGNORED)]
            if first != 1:
                problems.append(f"event {e.event_id} of order {order.order_id} handled as new {first} times")
    problems += check_streams(scenario, ledger, outcomes)
    problems += check_counters(outcomes)
    problems += check_orders(scenario, outcomes)
    return problems


def test_race_appliers_apply_every_event_exactly_once(stack: Stack) -> None:
    # GIVEN 8 appliers, each with its own repository, all holding every event of the same 10 orders;
    # their first commits wait for one another, so that each commits from a state the others change
    scenario = racing_orders(seed=7)
    meeting, cancellations = Rendezvous(APPLIERS), Cancellations()
    hooks = {number: {**meeting.hooks(), **cancellations.hooks()} for number in range(APPLIERS)}
    # WHEN they all apply their batches at once, failed records again until all are settled
    results = race(stack, scenario, hooks)
    # THEN each event was applied (or ignored) by one applier only, the others finding it done;
    # each stream is versions 1..n of exactly the applied events; each projection is its stream's
    # last event; the counters count each order once; each order ended as its lifecycle does
    assert race_problems(scenario, results, read_state(stack)) == []
    # AND the appliers really raced: conditions refused claims and commits
    assert len(cancellations.seen) >= APPLIERS - 1


def test_race_check_reports_writes_without_conditions(stack: Stack) -> None:
    # GIVEN the same race, the processor's writes stripped of their conditions (last writer wins)
    scenario = racing_orders(seed=7)
    meeting = Rendezvous(APPLIERS)
    hooks = {number: {**meeting.hooks(), **conditions_stripped()} for number in range(APPLIERS)}
    # WHEN the appliers race (stopped after 100 batches each: with last-writer-wins heads, a stale
    # head write can move an order back for good, leaving its later events waiting forever)
    results = race(stack, scenario, hooks, settle=False)
    # THEN the check reports events applied by several appliers
    problems = race_problems(scenario, results, read_state(stack))
    assert any("handled as new" in problem for problem in problems), problems


def test_race_stale_writer_is_refused_and_writes_nothing(stack: Stack) -> None:
    # GIVEN a stream at version 2 and a writer that last saw version 1
    stream = str(uuid.uuid4())
    rng = random.Random(1)
    store = EventStore(stack.dynamodb, stack.events_table, heads_table=stack.orders_table)
    store.append(stream, [event(stream, rng), event(stream, rng)], expected_version=0)
    late = [event(stream, rng), event(stream, rng)]
    # WHEN it appends
    with pytest.raises(ConcurrencyError) as refused:
        store.append(stream, late, expected_version=1)
    # THEN it learns the actual version, and none of its events was written
    assert (refused.value.expected_version, refused.value.actual_version) == (1, 2)
    assert [e.version for e in store.get_events(stream)] == [1, 2]


def test_race_writer_ahead_of_the_stream_is_refused(stack: Stack) -> None:
    # GIVEN a stream at version 1 and a writer that believes it is at 3
    stream = str(uuid.uuid4())
    rng = random.Random(2)
    store = EventStore(stack.dynamodb, stack.events_table, heads_table=stack.orders_table)
    store.append(stream, [event(stream, rng)], expected_version=0)
    # WHEN it appends
    with pytest.raises(ConcurrencyError):
        store.append(stream, [event(stream, rng)], expected_version=3)
    # THEN no gap was opened
    assert [e.version for e in store.get_events(stream)] == [1]
