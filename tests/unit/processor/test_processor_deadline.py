"""The invocation's deadline: no AWS call starts without time for it to end; the rest is retried.

Time here is a fake clock the fake ports advance, as slow (or hung, then timed-out) calls would.
"""

from __future__ import annotations

from collections.abc import Callable, Collection, Sequence
from concurrent.futures import ThreadPoolExecutor
from decimal import Decimal
from typing import Any

import pytest

from order_processor.applier import (
    CALL_BUDGET_MS,
    COMMIT_CALLS,
    GUARDED_TIMEOUT_MS,
    NO_DEADLINE,
    BatchApplier,
    Deadline,
)
from order_processor.model import Change, CommitResult, Notification, OrderState, Outcome, Record
from orders_shared.events import OrderEvent, OrderStatus, order_created, order_status_changed, payment_processed

MakeRecord = Callable[..., Record]
ORDER_A = "6f1c2b7e-3d4a-4f5b-8c9d-0e1f2a3b4c5d"
SLOW_CALL_MS = 10_000  # each call runs into its client's timeout


class Clock:
    """Milliseconds left in the invocation; each fake call spends SLOW_CALL_MS of them."""

    def __init__(self, remaining_ms: int) -> None:
        self.remaining = remaining_ms

    def remaining_ms(self) -> int:
        return self.remaining

    def spend(self) -> None:
        self.remaining -= SLOW_CALL_MS


class SlowRepository:
    """Wraps the in-memory repository: every call takes SLOW_CALL_MS, a commit two of them (its two rounds)."""

    def __init__(self, inner: Any, clock: Clock) -> None:
        self.inner, self.clock, self.calls = inner, clock, 0

    def load(self, order_ids: Collection[str]) -> dict[str, OrderState]:
        self.calls += 1
        self.clock.spend()
        return dict(self.inner.load(order_ids))

    def commit(self, changes: Sequence[Change]) -> list[CommitResult]:
        self.calls += 1
        for _ in range(COMMIT_CALLS):
            self.clock.spend()
        return list(self.inner.commit(changes))

    def record_ignored(self, event: OrderEvent, reason: str) -> CommitResult:
        self.calls += 1
        self.clock.spend()
        result: CommitResult = self.inner.record_ignored(event, reason)
        return result


class SlowNotifier:
    def __init__(self, inner: Any, clock: Clock) -> None:
        self.inner, self.clock = inner, clock

    def notify(self, notifications: Sequence[Notification]) -> set[str]:
        self.clock.spend()
        failed: set[str] = self.inner.notify(notifications)
        return failed


@pytest.fixture
def slow(
    repository: Any, notifier: Any, dead_letters: Any, executor: ThreadPoolExecutor
) -> Callable[[int], tuple[BatchApplier, SlowRepository, Deadline]]:
    def build(remaining_ms: int) -> tuple[BatchApplier, SlowRepository, Deadline]:
        clock = Clock(remaining_ms)
        slow_repository = SlowRepository(repository, clock)
        applier = BatchApplier(slow_repository, SlowNotifier(notifier, clock), dead_letters, executor)
        return applier, slow_repository, Deadline(clock.remaining_ms)

    return build


def test_batch_applier_starts_no_call_when_the_deadline_is_near(
    slow: Callable[[int], tuple[BatchApplier, SlowRepository, Deadline]], dead_letters: Any, record: MakeRecord
) -> None:
    # GIVEN less time left than one call may take, a valid record and a malformed one
    applier, repository, deadline = slow(CALL_BUDGET_MS - 1)
    good, bad = record(order_created(ORDER_A, "cust-42", Decimal(1))), record("{")
    # WHEN the batch is applied
    result = applier.apply([good, bad], deadline)
    # THEN no call was started, and each record is reported for retry, saying why
    assert repository.calls == 0
    assert dead_letters.parked == []
    assert result.failed_message_ids() == [good.message_id, bad.message_id]
    assert {result.results[m.message_id].reason for m in (good, bad)} == {"DeadlineNear"}


def test_batch_applier_reports_every_record_when_slow_calls_eat_the_invocation(
    slow: Callable[[int], tuple[BatchApplier, SlowRepository, Deadline]],
    repository: Any,
    notifier: Any,
    record: MakeRecord,
) -> None:
    # GIVEN 35 s left, calls that each take 10 s (a commit 20 s), and an order created, paid and
    # completed in one batch
    applier, _, deadline = slow(35_000)
    created = record(order_created(ORDER_A, "cust-42", Decimal(1)))
    paid = record(payment_processed(ORDER_A, Decimal(1)))
    completed = record(order_status_changed(ORDER_A, OrderStatus.COMPLETED))
    # WHEN the batch is applied
    result = applier.apply([created, paid, completed], deadline)
    # THEN the commit that had time stands and is notified (15 s left hold one call); the payment's
    # commit is not started with 15 s left (its two rounds may take 18), nor the completion's: both
    # are reported for retry, saying why
    assert repository.orders[ORDER_A].status is OrderStatus.PENDING
    assert [sent.event.event_id for sent in notifier.sent] == [result.results[created.message_id].event.event_id]
    assert result.failed_message_ids() == [paid.message_id, completed.message_id]
    assert [result.results[m.message_id].reason for m in (paid, completed)] == ["DeadlineNear", "EarlierEventRetried"]


def test_batch_applier_with_time_enough_applies_and_notifies_everything(
    slow: Callable[[int], tuple[BatchApplier, SlowRepository, Deadline]], notifier: Any, record: MakeRecord
) -> None:
    # GIVEN time for every call (three commits of two 10 s rounds, one notification, a budget spare)
    applier, _, deadline = slow((3 * COMMIT_CALLS + 1) * SLOW_CALL_MS + CALL_BUDGET_MS)
    records = [
        record(order_created(ORDER_A, "cust-42", Decimal(1))),
        record(payment_processed(ORDER_A, Decimal(1))),
        record(order_status_changed(ORDER_A, OrderStatus.COMPLETED)),
    ]
    # WHEN the batch is applied
    result = applier.apply(records, deadline)
    # THEN nothing is left over
    assert result.failed_message_ids() == []
    assert {r.outcome for r in result.results.values()} == {Outcome.APPLIED}
    assert len(notifier.sent) == 3


def test_deadline_of_an_invocation_too_short_for_three_calls_is_no_guard() -> None:
    # GIVEN an invocation that starts with less than three calls' budgets (the local stage's 3 s)
    # WHEN its deadline is made
    deadline = Deadline.of_invocation(lambda: GUARDED_TIMEOUT_MS - 1)
    # THEN it guards nothing (its clients' timeouts outlast it anyway)
    assert deadline is NO_DEADLINE


def test_deadline_of_an_invocation_long_enough_follows_its_clock() -> None:
    # GIVEN an invocation that starts with 40 s left (the AWS stages' timeout), and a clock running down
    left = [40_000]
    deadline = Deadline.of_invocation(lambda: left[0])
    # WHEN less than one call's budget is left
    left[0] = CALL_BUDGET_MS - 1
    # THEN the deadline is near
    assert deadline.near()
