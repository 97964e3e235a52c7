"""Events that overtake each other: retried, not lost; one notification per event id."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import pytest

from order_processor.applier import BatchApplier
from order_processor.dead_letters import SEND_BATCH_BYTES, SqsDeadLetters
from order_processor.decision import decide
from order_processor.model import NotYet, OrderState, Outcome, Rejection
from orders_shared.errors import MalformedEventError, RetryableError
from orders_shared.events import OrderStatus, order_created, order_status_changed, payment_processed
from orders_shared.transitions import can_reach
from tests.support.aws import record_requests

ORDER = "6f1c2b7e-3d4a-4f5b-8c9d-0e1f2a3b4c5d"
PENDING = OrderState(ORDER, OrderStatus.PENDING, 1, "cust-42", Decimal(10))


@pytest.mark.parametrize(
    ("current", "target", "reachable"),
    [
        (OrderStatus.PENDING, OrderStatus.COMPLETED, True),
        (OrderStatus.PENDING, OrderStatus.PROCESSING, True),
        (OrderStatus.PROCESSING, OrderStatus.PENDING, False),
        (OrderStatus.COMPLETED, OrderStatus.CANCELLED, False),
        (OrderStatus.CANCELLED, OrderStatus.COMPLETED, False),
    ],
)
def test_transitions_can_reach_follows_the_lifecycle(
    current: OrderStatus, target: OrderStatus, reachable: bool
) -> None:
    # GIVEN a status and a target WHEN asked THEN reachable only forward along allowed moves
    assert can_reach(current, target) is reachable


def test_decide_completion_overtaking_payment_is_retried(parsed: Any) -> None:
    # GIVEN a pending order and a completion that arrived before its payment
    event = parsed(order_status_changed(ORDER, OrderStatus.COMPLETED))

    # WHEN decided THEN it is not yet time for it (the payment is on its way): retried, not ignored
    assert decide(event, PENDING) == NotYet(f"order {ORDER} is pending, not yet ready for completed")


def test_batch_applier_applies_one_orders_events_in_lifecycle_order(
    applier: BatchApplier, repository: Any, record: Any
) -> None:
    # GIVEN one batch holding an order's completion, payment and creation, in that order
    records = [
        record(order_status_changed(ORDER, OrderStatus.COMPLETED)),
        record(payment_processed(ORDER, Decimal(10))),
        record(order_created(ORDER, "cust-42", Decimal(10))),
    ]

    # WHEN applied
    result = applier.apply(records)

    # THEN all three apply, creation first, and the order ends completed at version 3
    assert [result.results[r.message_id].outcome for r in records] == [Outcome.APPLIED] * 3
    assert repository.orders[ORDER].status is OrderStatus.COMPLETED
    assert repository.orders[ORDER].version == 3


def test_batch_applier_retries_later_events_of_an_order_whose_earlier_event_failed(
    applier: BatchApplier, repository: Any, record: Any
) -> None:
    # GIVEN a pending order whose payment fails transiently, and its completion in the same batch
    repository.seed(PENDING)
    payment = payment_processed(ORDER, Decimal(10))
    repository.fail_on[payment.event_id] = RetryableError("throttled")
    records = [record(payment), record(order_status_changed(ORDER, OrderStatus.COMPLETED))]

    # WHEN applied
    result = applier.apply(records)

    # THEN both are retried: the completion is not decided (nor ignored) without the payment
    assert result.failed_message_ids() == [r.message_id for r in records]
    assert result.results[records[1].message_id].reason == "EarlierEventRetried"
    assert repository.orders[ORDER].status is OrderStatus.PENDING
    assert not repository.markers


def test_batch_applier_notifies_once_for_an_event_delivered_twice_in_a_batch(
    applier: BatchApplier, notifier: Any, record: Any
) -> None:
    # GIVEN the same creation delivered twice in one batch (two message ids)
    event = order_created(ORDER, "cust-42", Decimal(10))
    records = [record(event), record(event)]

    # WHEN applied
    result = applier.apply(records)

    # THEN one is applied, one is a duplicate, and a single notification goes out
    assert sorted(r.outcome for r in result.results.values()) == [Outcome.APPLIED, Outcome.DUPLICATE]
    assert [note.event.event_id for note in notifier.sent] == [event.event_id]


def test_dead_letters_split_large_bodies_across_batches(sqs: Any, dlq_url: str, record: Any) -> None:
    # GIVEN four rejected records of 100 KB each (a batch call must stay under its size limit)
    big = "x" * (100 * 1024)
    error = MalformedEventError("body is not valid JSON", rule="json")
    rejections = [Rejection(record(big), error) for _ in range(4)]
    calls = record_requests(sqs, "sqs.SendMessageBatch", lambda params: len(params["Entries"]))

    # WHEN parked
    failed = SqsDeadLetters(sqs, dlq_url).park(rejections)

    # THEN all are parked, in calls of at most SEND_BATCH_BYTES of bodies
    assert failed == set()
    assert calls == [2, 2]
    assert 2 * len(big) <= SEND_BATCH_BYTES
