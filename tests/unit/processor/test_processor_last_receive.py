"""On its queue's last receive, a record that would be retried is parked with its last error.

SQS moves a message that fails ``maxReceiveCount`` times to the DLQ with no word of why; the applier
parks it itself one step earlier, so an operator never has to guess.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import replace
from decimal import Decimal
from typing import Any

import pytest

from order_processor.applier import BatchApplier
from order_processor.model import OrderState, Outcome, Record
from orders_shared.errors import RetryableError
from orders_shared.events import NewEvent, OrderStatus, order_created, payment_processed

MakeRecord = Callable[..., Record]
ORDER_A = "6f1c2b7e-3d4a-4f5b-8c9d-0e1f2a3b4c5d"
MAX_RECEIVES = 5


@pytest.fixture
def last_receive_applier(
    repository: Any, notifier: Any, dead_letters: Any, executor: ThreadPoolExecutor
) -> BatchApplier:
    return BatchApplier(repository, notifier, dead_letters, executor, max_receives=MAX_RECEIVES)


def on_receive(record: Record, count: int) -> Record:
    return replace(record, receive_count=count)


def test_batch_applier_parks_a_record_failing_on_its_last_receive_with_its_last_error(
    last_receive_applier: BatchApplier, dead_letters: Any, record: MakeRecord
) -> None:
    # GIVEN a payment for an order that was never created, on its fifth (last) receive
    payment = on_receive(record(payment_processed(ORDER_A, Decimal(1))), MAX_RECEIVES)
    # WHEN the batch is applied
    result = last_receive_applier.apply([payment])
    # THEN it is not retried (SQS would move it with no reason) but parked, the last error its message
    assert result.failed_message_ids() == []
    assert result.results[payment.message_id].outcome is Outcome.EXHAUSTED
    [parked] = dead_letters.parked
    assert parked.record == payment
    assert (parked.error.reason, parked.error.rule) == ("RetryExhausted", "maxReceiveCount")
    assert parked.error.message == f"still failing after 5 receives: order {ORDER_A} does not exist (yet)"


def test_batch_applier_retries_a_failing_record_before_its_last_receive(
    last_receive_applier: BatchApplier, dead_letters: Any, record: MakeRecord
) -> None:
    # GIVEN the same payment on its fourth receive
    payment = on_receive(record(payment_processed(ORDER_A, Decimal(1))), MAX_RECEIVES - 1)
    # WHEN the batch is applied
    result = last_receive_applier.apply([payment])
    # THEN it is retried as usual, and nothing is parked
    assert result.failed_message_ids() == [payment.message_id]
    assert dead_letters.parked == []


def test_batch_applier_applies_a_record_that_succeeds_on_its_last_receive(
    last_receive_applier: BatchApplier, repository: Any, dead_letters: Any, record: MakeRecord
) -> None:
    # GIVEN a creation delivered for the fifth time that now succeeds
    creation = on_receive(record(order_created(ORDER_A, "cust-42", Decimal(1))), MAX_RECEIVES)
    # WHEN the batch is applied
    result = last_receive_applier.apply([creation])
    # THEN it is applied, and nothing is parked
    assert result.results[creation.message_id].outcome is Outcome.APPLIED
    assert ORDER_A in repository.orders
    assert dead_letters.parked == []


def test_batch_applier_parks_a_committed_change_whose_notification_fails_on_its_last_receive(
    last_receive_applier: BatchApplier, repository: Any, notifier: Any, dead_letters: Any, record: MakeRecord
) -> None:
    # GIVEN a pending order, and a payment whose notification fails, on its last receive
    repository.seed(OrderState(ORDER_A, OrderStatus.PENDING, 1, "cust-42", Decimal(1), "2026-11-29T10:00:00Z"))
    event: NewEvent = payment_processed(ORDER_A, Decimal(1))
    notifier.failing.add(event.event_id)
    payment = on_receive(record(event), MAX_RECEIVES)
    # WHEN the batch is applied
    last_receive_applier.apply([payment])
    # THEN the change stands, and the record is parked saying the notification failed: a redrive
    # finds it done and notifies again
    assert repository.orders[ORDER_A].status is OrderStatus.PROCESSING
    assert [parked.error.message for parked in dead_letters.parked] == [
        "still failing after 5 receives: NotificationFailed"
    ]


def test_batch_applier_retries_a_last_receive_it_cannot_park(
    last_receive_applier: BatchApplier, repository: Any, dead_letters: Any, record: MakeRecord
) -> None:
    # GIVEN a throttled repository, a DLQ that refuses messages, and a record on its last receive
    repository.fail_on[ORDER_A] = RetryableError("committing order changes: ThrottlingException")
    dead_letters.unavailable = True
    creation = on_receive(record(order_created(ORDER_A, "cust-42", Decimal(1))), MAX_RECEIVES)
    # WHEN the batch is applied
    result = last_receive_applier.apply([creation])
    # THEN it is reported for retry (SQS moves it then: never acknowledged unparked)
    assert result.failed_message_ids() == [creation.message_id]
    assert result.results[creation.message_id].reason == "DeadLetterSendFailed"


def test_handler_parks_a_record_failing_on_its_last_receive_with_reason_attributes(
    invoke: Callable[[dict[str, Any]], dict[str, Any]],
    lambda_event: Callable[..., dict[str, Any]],
    body: Callable[[NewEvent], str],
    dlq_url: str,
    receive_all: Callable[[str], list[dict[str, Any]]],
) -> None:
    # GIVEN a payment for an order never created, delivered for the fifth time (MAX_RECEIVE_COUNT 5)
    message_id = str(uuid.uuid4())
    event = lambda_event((message_id, body(payment_processed(ORDER_A, Decimal(1)))))
    event["Records"][0]["attributes"]["ApproximateReceiveCount"] = "5"
    # WHEN the handler runs
    response = invoke(event)
    # THEN the record is acknowledged and waits in the DLQ with why
    assert response == {"batchItemFailures": []}
    [parked] = receive_all(dlq_url)
    attributes = {name: value["StringValue"] for name, value in parked["MessageAttributes"].items()}
    assert attributes["rejectionReason"] == "RetryExhausted"
    assert attributes["rejectionRule"] == "maxReceiveCount"
    assert attributes["rejectionMessage"] == f"still failing after 5 receives: order {ORDER_A} does not exist (yet)"
    assert attributes["originalMessageId"] == message_id
