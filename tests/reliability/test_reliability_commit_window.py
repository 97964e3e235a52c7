"""The commit's window on storage format 2: the claims written (round 1), the heads not (round 2).

The processor commits a group in two rounds of single-item writes: the commit's ledger and one claim
per event (its item, conditional on the id being new), then each order's head, which lists the event:
that write is the commit. A crash between the rounds leaves claims no head lists (in no stream) and a
ledger whose moves never happened. Here the real processor dies there (its head writes raise an
exception it cannot catch, as a killed invocation stops), then the event is delivered again: it must
be committed exactly once, counted once by the reducer, notified at least once; and the crashed
commit's ledger never counted. Last, the takeover of an uncommitted claim races its original's commit.
"""

from __future__ import annotations

import random
import threading
import uuid
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from decimal import Decimal
from typing import Any

import pytest

from order_processor.applier import BatchApplier, BatchResult
from order_processor.model import Outcome, Record
from orders_shared.event_store import head_events, head_ledgers
from orders_shared.events import NewEvent
from tests.reliability.harness.checks import check_counters, check_orders, check_streams
from tests.reliability.harness.delivery import Ledger
from tests.reliability.harness.faults import FaultInjector
from tests.reliability.harness.outcomes import read_state
from tests.reliability.harness.sabotage import Hook, Sabotaged, is_head_statement
from tests.reliability.harness.scenario import Lifecycle, Order, Scenario, body_for, lifecycle_events
from tests.reliability.harness.stack import Stack
from tests.support.partiql import parse

WAIT_S = 10  # a paused writer's longest wait for the other one


class Crash(BaseException):
    """The invocation dies here: no handler of the processor catches it (it is no Exception)."""


def crash_on_heads(after: int = 0) -> dict[str, Hook]:
    """The invocation dies once ``after`` heads were written: the request of the heads (a
    BatchExecuteStatement) carries only the first of them that fit, then its answer never comes; a
    takeover's TransactWriteItems past them dies before it is sent."""
    written = iter(range(1_000_000))
    lock = threading.Lock()

    def trim(params: dict[str, Any], context: dict[str, Any], **_: Any) -> None:
        statements = params["Statements"]
        heads = [n for n, s in enumerate(statements) if is_head_statement(parse(s["Statement"], s["Parameters"]))]
        if not heads:
            return
        with lock:
            allowed = [n for n in heads if next(written) < after]
        if len(allowed) == len(heads):
            return
        context["crash"] = True
        if not allowed:
            raise Crash
        params["Statements"] = [statements[n] for n in allowed]

    def crash_after(context: dict[str, Any], **_: Any) -> None:
        if context.get("crash"):
            raise Crash

    def transaction(**_: Any) -> None:
        with lock:
            number = next(written)
        if number >= after:
            raise Crash

    return {
        "before-parameter-build.dynamodb.BatchExecuteStatement": trim,
        "after-call.dynamodb.BatchExecuteStatement": crash_after,
        "before-call.dynamodb.TransactWriteItems": transaction,
    }


def orders_of(seed: int, count: int, lifecycle: Lifecycle = Lifecycle.COMPLETED) -> Scenario:
    rng = random.Random(seed)
    orders = []
    for _ in range(count):
        order_id = str(uuid.UUID(int=rng.getrandbits(128), version=4))
        orders.append(
            Order(
                order_id, lifecycle, Decimal("7.50"), tuple(lifecycle_events(order_id, lifecycle, Decimal("7.50"), rng))
            )
        )
    return Scenario(seed, tuple(orders), (), tuple(body_for(e, rng) for o in orders for e in o.events))


def records(events: list[NewEvent], tag: str) -> list[Record]:
    rng = random.Random(tag)
    return [Record(f"{tag}-{n}", body_for(event, rng)) for n, event in enumerate(events)]


def settle(applier: BatchApplier, batch: list[Record], ledger: Ledger) -> list[BatchResult]:
    """Apply, and the records to retry again, until none is left."""
    results = []
    for _ in range(20):
        if not batch:
            return results
        results.append(applier.apply(batch))
        ledger.record(results[-1])
        failed = set(results[-1].failed_message_ids())
        batch = [Record(f"{r.message_id}+", r.body) for r in batch if r.message_id in failed]
    raise AssertionError("records still failing after 20 deliveries")


def committed_problems(stack: Stack, scenario: Scenario, ledger: Ledger) -> list[str]:
    """Streams, counters (after the reducer) and final states as the soak checks them (each event
    reported applied is in its stream once, and every event in a stream was reported applied or a
    notified duplicate), no event reported applied twice, each applied event notified. (A commit
    whose invocation died is reported by no one: its redelivery finds it done.)"""
    outcomes = read_state(stack)
    problems = check_streams(scenario, ledger, outcomes) + check_counters(outcomes) + check_orders(scenario, outcomes)
    for order in scenario.orders:
        for event in order.events:
            first = ledger.reports[event.event_id, str(Outcome.APPLIED)]
            if first > 1:
                problems.append(f"event {event.event_id} applied {first} times")
    unnotified = sorted(ledger.applied - set(stack.recorder.notified))
    if unnotified:
        problems.append(f"{len(unnotified)} applied events never notified, e.g. {unnotified[:2]}")
    return problems


@pytest.fixture
def healthy(make_applier: Callable[[FaultInjector], BatchApplier]) -> BatchApplier:
    return make_applier(FaultInjector(seed=0, rate=0.0))


def test_commit_window_crash_after_the_claims_then_redelivery_commits_once(
    stack: Stack, executor: ThreadPoolExecutor, healthy: BatchApplier
) -> None:
    # GIVEN an order created, and an invocation that dies after claiming its payment, before its head
    scenario = orders_of(seed=3, count=1)
    [order] = scenario.orders
    created, paid, completed = records(list(order.events), "order")
    ledger = Ledger()
    settle(healthy, [created], ledger)
    with pytest.raises(Crash):
        stack.applier(Sabotaged(crash_on_heads()), executor).apply([paid])
    # THEN the payment is claimed but in no stream: its item, no head listing it, no notification
    paid_id = order.events[1].event_id
    item = stack.event_item(paid_id)
    assert item is not None
    assert (item["outcome"]["S"], item["position"]["N"]) == ("applied", "2")
    assert head_events(stack.head(order.order_id)) == [order.events[0].event_id]
    assert paid_id not in stack.recorder.notified
    outcomes = read_state(stack)
    assert outcomes.claims == [paid_id]
    assert any("uncommitted claims" in problem for problem in check_streams(scenario, ledger, outcomes))
    # AND the crashed commit's ledger (written, its head never) is not counted: pending 1, processing 0
    assert (outcomes.counters["pending"], outcomes.counters["processing"]) == (1, 0)
    assert check_counters(outcomes) == []
    # WHEN the payment is delivered again (twice), then the completion
    settle(healthy, [paid], ledger)
    settle(healthy, [Record("paid-again", paid.body), completed], ledger)
    # THEN the payment is committed once (taken over, by the redelivery's own ledger), counted once,
    # notified; the order ends completed, each event applied once, the counters exact
    head = stack.head(order.order_id)
    assert head_events(head) == [event.event_id for event in order.events]
    assert head_ledgers(head)[1] == stack.event_item(paid_id)["ledger"]["S"]  # type: ignore[index]
    assert committed_problems(stack, scenario, ledger) == []
    assert ledger.reports[paid_id, str(Outcome.APPLIED)] == 1
    assert ledger.reports[paid_id, str(Outcome.DUPLICATE)] == 1


def test_commit_window_group_crash_midway_counts_only_the_heads_written(
    stack: Stack, executor: ThreadPoolExecutor, healthy: BatchApplier
) -> None:
    # GIVEN 6 orders created, and an invocation paying all of them in one group commit (one ledger)
    # that dies after two of its six head writes
    scenario = orders_of(seed=4, count=6)
    ledger = Ledger()
    settle(healthy, records([o.events[0] for o in scenario.orders], "created"), ledger)
    paid = records([o.events[1] for o in scenario.orders], "paid")
    with pytest.raises(Crash):
        stack.applier(Sabotaged(crash_on_heads(after=2)), executor).apply(paid)
    # THEN two orders are processing, four still pending, four payments claimed in no stream, and the
    # reducer counts the two committed moves of the commit's ledger only
    outcomes = read_state(stack)
    assert sorted(outcomes.statuses.values()) == ["pending"] * 4 + ["processing"] * 2
    assert len(outcomes.claims) == 4
    assert (outcomes.counters["pending"], outcomes.counters["processing"]) == (4, 2)
    assert check_counters(outcomes) == []
    # WHEN every payment is delivered again, then every completion
    settle(healthy, paid, ledger)
    settle(healthy, records([o.events[2] for o in scenario.orders], "completed"), ledger)
    # THEN each event is committed and counted once, every applied one notified, no claim left
    assert committed_problems(stack, scenario, ledger) == []


class Pause:
    """Holds one applier's first call of an operation until released, and says when it got there.

    With ``heads_only``, the first BatchExecuteStatement that writes heads (a commit's second round).
    """

    def __init__(self, operation: str, *, heads_only: bool = False) -> None:
        self.operation, self.arrived, self.release = operation, threading.Event(), threading.Event()
        self._heads_only = heads_only
        self._once = threading.Lock()

    def hooks(self) -> dict[str, Hook]:
        def hook(params: dict[str, Any], **_: Any) -> None:
            if self._heads_only and not any(
                is_head_statement(parse(s["Statement"], s["Parameters"])) for s in params["Statements"]
            ):
                return
            if self._once.acquire(blocking=False):
                self.arrived.set()
                assert self.release.wait(WAIT_S), "never released"

        return {f"before-parameter-build.dynamodb.{self.operation}": hook}


@pytest.mark.parametrize("first", ["takeover", "original"])
def test_commit_window_takeover_races_the_original_commit(
    stack: Stack, executor: ThreadPoolExecutor, healthy: BatchApplier, first: str
) -> None:
    # GIVEN an order created; applier A claims its payment and stops before its head write; applier B,
    # given the same payment, finds A's claim uncommitted and takes it over (claim and head in one
    # transaction), the two commits racing: B's first, or A's (B's transaction then waits for it)
    scenario = orders_of(seed=5, count=1, lifecycle=Lifecycle.CANCELLED_AFTER_PAYMENT)
    [order] = scenario.orders
    created, paid, cancelled = records(list(order.events), "order")
    ledger = Ledger()
    settle(healthy, [created], ledger)
    original_head, takeover = Pause("BatchExecuteStatement", heads_only=True), Pause("TransactWriteItems")
    with ThreadPoolExecutor(max_workers=2) as pool, ThreadPoolExecutor(max_workers=2) as other:
        a = stack.applier(Sabotaged(original_head.hooks()), pool)
        b = stack.applier(Sabotaged(takeover.hooks() if first == "original" else {}), other)
        with ThreadPoolExecutor(max_workers=2) as runners:
            a_run = runners.submit(settle, a, [paid], ledger)
            assert original_head.arrived.wait(WAIT_S)
            b_run = runners.submit(settle, b, [Record("paid-b", paid.body)], ledger)
            if first == "original":
                assert takeover.arrived.wait(WAIT_S)
                original_head.release.set()
                a_run.result(timeout=WAIT_S)
                takeover.release.set()
            else:
                b_run.result(timeout=WAIT_S)
                original_head.release.set()
            a_run.result(timeout=WAIT_S)
            b_run.result(timeout=WAIT_S)
    settle(healthy, [cancelled], ledger)
    # THEN the payment was applied by one of them only (the other found it done), is in its stream
    # once, counted once; the order ends cancelled; every applied event notified
    assert committed_problems(stack, scenario, ledger) == []
    paid_id = order.events[1].event_id
    assert (ledger.reports[paid_id, str(Outcome.APPLIED)], ledger.reports[paid_id, str(Outcome.DUPLICATE)]) == (1, 1)
