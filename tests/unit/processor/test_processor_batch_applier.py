"""BatchApplier against in-memory ports: one outcome per record, whatever fails."""

from __future__ import annotations

import json
import uuid
from collections.abc import Callable
from decimal import Decimal
from typing import Any

import pytest

from order_processor.applier import BatchApplier
from order_processor.model import OrderState, Outcome, Record
from orders_shared.errors import RetryableError
from orders_shared.events import (
    NewEvent,
    OrderStatus,
    order_created,
    order_status_changed,
    payment_processed,
)

MakeRecord = Callable[..., Record]
ORDER_A = "6f1c2b7e-3d4a-4f5b-8c9d-0e1f2a3b4c5d"
ORDER_B = "0b7a6c5d-4e3f-4a2b-9c1d-8e7f6a5b4c3d"


def created(order_id: str = ORDER_A) -> NewEvent:
    return order_created(order_id, "cust-42", Decimal("129.99"))


def existing(status: OrderStatus, version: int = 2, order_id: str = ORDER_A) -> OrderState:
    return OrderState(order_id, status, version, "cust-42", Decimal("129.99"))


def mutated(body: str, change: Callable[[dict[str, Any]], None]) -> str:
    envelope = json.loads(body)
    change(envelope)
    return json.dumps(envelope)


# --- rejected input -----------------------------------------------------------------------------


def order_id_123(envelope: dict[str, Any]) -> None:
    envelope["detail"]["orderId"] = "123"


def from_wrong_source(envelope: dict[str, Any]) -> None:
    envelope["source"] = "payment-service"


def unknown_detail_type(envelope: dict[str, Any]) -> None:
    envelope["detail-type"] = "OrderShipped"


@pytest.mark.parametrize(
    ("breakage", "expected"),
    [
        (lambda body: body[:-7], ("MalformedJson", "", "json")),
        (lambda body: mutated(body, order_id_123), ("SchemaViolation", "detail.orderId", "format")),
        (lambda body: mutated(body, from_wrong_source), ("UnknownEventType", "source", "enum")),
        (lambda body: mutated(body, unknown_detail_type), ("UnknownEventType", "detail-type", "enum")),
    ],
    ids=["malformed-json", "schema-violation", "type-from-wrong-source", "unknown-detail-type"],
)
def test_batch_applier_rejects_invalid_record_and_parks_it_with_reason(
    applier: BatchApplier,
    dead_letters: Any,
    record: MakeRecord,
    breakage: Callable[[str], str],
    expected: tuple[str, str, str],
) -> None:
    # GIVEN a record whose body can never be processed
    bad = record(breakage(record(created()).body))
    # WHEN the batch is applied
    result = applier.apply([bad])
    # THEN the record is rejected and parked with the reason, the path and the rule
    assert result.results[bad.message_id].outcome is Outcome.REJECTED
    assert result.results[bad.message_id].reason == expected[0]
    [parked] = dead_letters.parked
    assert parked.record == bad
    assert (parked.error.reason, parked.error.path, parked.error.rule) == expected


def test_batch_applier_acknowledges_parked_record(applier: BatchApplier, record: MakeRecord) -> None:
    # GIVEN a malformed record that the dead-letter queue accepts
    bad = record("{not json")
    # WHEN the batch is applied
    result = applier.apply([bad])
    # THEN it is not reported as a failure (SQS deletes it; the DLQ holds it)
    assert result.failed_message_ids() == []


def test_batch_applier_retries_invalid_record_when_dead_letter_send_fails(
    applier: BatchApplier, dead_letters: Any, record: MakeRecord
) -> None:
    # GIVEN a malformed record and a dead-letter queue that refuses it
    dead_letters.unavailable = True
    bad = record("{not json")
    # WHEN the batch is applied
    result = applier.apply([bad])
    # THEN the record is retried rather than lost
    assert result.results[bad.message_id].outcome is Outcome.RETRY
    assert result.results[bad.message_id].reason == "DeadLetterSendFailed"
    assert result.failed_message_ids() == [bad.message_id]


# --- transient failures -------------------------------------------------------------------------


def test_batch_applier_retries_record_when_repository_raises_retryable(
    applier: BatchApplier, repository: Any, notifier: Any, record: MakeRecord
) -> None:
    # GIVEN a repository whose commit is throttled for this order
    repository.fail_on[ORDER_A] = RetryableError("committing order change: ThrottlingException")
    message = record(created())
    # WHEN the batch is applied
    result = applier.apply([message])
    # THEN the record is retried, nothing is stored and nobody is notified
    assert result.failed_message_ids() == [message.message_id]
    assert repository.orders == {}
    assert notifier.sent == []


def test_batch_applier_retries_every_parsed_record_when_state_read_fails(
    applier: BatchApplier, repository: Any, record: MakeRecord
) -> None:
    # GIVEN two pending orders, a repository that cannot read order states, and one malformed record
    repository.seed(existing(OrderStatus.PENDING, version=1, order_id=ORDER_A))
    repository.seed(existing(OrderStatus.PENDING, version=1, order_id=ORDER_B))
    repository.load_error = RetryableError("reading order states: ThrottlingException")
    good_a = record(payment_processed(ORDER_A, Decimal(1)))
    good_b = record(payment_processed(ORDER_B, Decimal(1)))
    bad = record("{")
    # WHEN the batch is applied
    result = applier.apply([good_a, good_b, bad])
    # THEN the valid records are retried, with the read's error as their reason, and the malformed
    # one is still parked
    assert result.failed_message_ids() == [good_a.message_id, good_b.message_id]
    assert result.results[good_a.message_id].reason == "reading order states: ThrottlingException"
    assert result.results[bad.message_id].outcome is Outcome.REJECTED


def test_batch_applier_retries_record_whose_notification_failed_after_commit(
    applier: BatchApplier, repository: Any, notifier: Any, record: MakeRecord
) -> None:
    # GIVEN a notifier that fails for this event
    event = created()
    notifier.failing.add(event.event_id)
    message = record(event)
    # WHEN the batch is applied
    result = applier.apply([message])
    # THEN the change is committed but the record is retried, so the notification is not lost
    assert repository.orders[ORDER_A].status is OrderStatus.PENDING
    assert result.results[message.message_id].outcome is Outcome.RETRY
    assert result.results[message.message_id].reason == "NotificationFailed"


def test_batch_applier_redelivery_after_notification_failure_notifies_without_changing_state(
    applier: BatchApplier, repository: Any, notifier: Any, record: MakeRecord
) -> None:
    # GIVEN an event committed once whose notification failed
    event = created()
    notifier.failing.add(event.event_id)
    applier.apply([record(event)])
    notifier.failing.clear()
    state_after_first = repository.orders[ORDER_A]
    # WHEN SQS delivers it again (a new message id, the same body)
    redelivery = record(event)
    result = applier.apply([redelivery])
    # THEN it is a duplicate: no second commit, the same state, and the notification goes out now
    assert result.results[redelivery.message_id].outcome is Outcome.DUPLICATE
    assert len(repository.commits) == 1
    assert repository.orders[ORDER_A] == state_after_first
    assert [note.event.event_id for note in notifier.sent] == [event.event_id]
    assert notifier.sent[0].status is OrderStatus.PENDING


# --- duplicates and ignored events ---------------------------------------------------------------


def test_batch_applier_applies_duplicate_delivery_once(
    applier: BatchApplier, repository: Any, record: MakeRecord, body: Callable[[NewEvent], str]
) -> None:
    # GIVEN one event delivered in two batches
    event = payment_processed(ORDER_A, Decimal("129.99"))
    repository.seed(existing(OrderStatus.PENDING, version=1))
    first, second = record(event), record(event)
    # WHEN both batches are applied
    applier.apply([first])
    result = applier.apply([second])
    # THEN it is applied once and the second delivery is a duplicate
    assert result.results[second.message_id].outcome is Outcome.DUPLICATE
    assert [change.event.event_id for change in repository.commits] == [event.event_id]
    assert repository.orders[ORDER_A].version == 2


def test_batch_applier_applies_duplicate_within_one_batch_once(
    applier: BatchApplier, repository: Any, record: MakeRecord
) -> None:
    # GIVEN the same event twice in one batch (two message ids)
    event = created()
    first, second = record(event), record(event)
    # WHEN the batch is applied
    result = applier.apply([first, second])
    # THEN the first is applied and the second is a duplicate
    assert result.results[first.message_id].outcome is Outcome.APPLIED
    assert result.results[second.message_id].outcome is Outcome.DUPLICATE
    assert len(repository.commits) == 1


def test_batch_applier_ignores_event_for_order_in_later_state(
    applier: BatchApplier, repository: Any, notifier: Any, record: MakeRecord
) -> None:
    # GIVEN a completed order and a late PaymentProcessed for it
    repository.seed(existing(OrderStatus.COMPLETED, version=3))
    event = payment_processed(ORDER_A, Decimal("129.99"))
    message = record(event)
    # WHEN the batch is applied
    result = applier.apply([message])
    # THEN the event is ignored (not an error), its marker records why, and nothing else happens
    assert result.results[message.message_id].outcome is Outcome.IGNORED
    assert result.results[message.message_id].reason == "completed->processing"
    assert result.failed_message_ids() == []
    assert repository.markers[event.event_id].outcome is Outcome.IGNORED
    assert repository.reasons[event.event_id] == "completed->processing"
    assert repository.orders[ORDER_A] == existing(OrderStatus.COMPLETED, version=3)
    assert notifier.sent == []


def test_batch_applier_ignores_event_for_order_in_terminal_state(
    applier: BatchApplier, repository: Any, record: MakeRecord
) -> None:
    # GIVEN a cancelled order and an event that would complete it
    repository.seed(existing(OrderStatus.CANCELLED))
    message = record(order_status_changed(ORDER_A, OrderStatus.COMPLETED))
    # WHEN the batch is applied
    result = applier.apply([message])
    # THEN the event is ignored and the order stays cancelled
    assert result.results[message.message_id].outcome is Outcome.IGNORED
    assert repository.orders[ORDER_A].status is OrderStatus.CANCELLED


def test_batch_applier_retries_event_for_order_not_created(
    applier: BatchApplier, repository: Any, record: MakeRecord
) -> None:
    # GIVEN a PaymentProcessed whose order does not exist yet
    event = payment_processed(ORDER_A, Decimal("129.99"))
    message = record(event)
    # WHEN the batch is applied
    result = applier.apply([message])
    # THEN it is retried, and no marker is written (so a later delivery can still apply it)
    assert result.failed_message_ids() == [message.message_id]
    assert event.event_id not in repository.markers


# --- ordering and isolation ----------------------------------------------------------------------


def test_batch_applier_applies_creation_before_other_events_of_same_order(
    applier: BatchApplier, repository: Any, record: MakeRecord
) -> None:
    # GIVEN a batch where the PaymentProcessed of an order comes before its OrderCreated
    creation, payment = created(), payment_processed(ORDER_A, Decimal("129.99"))
    late_creation, early_payment = record(creation), record(payment)
    # WHEN the batch is applied
    result = applier.apply([early_payment, late_creation])
    # THEN the creation is committed first and both apply
    assert [change.event.event_id for change in repository.commits] == [creation.event_id, payment.event_id]
    assert result.failed_message_ids() == []
    assert repository.orders[ORDER_A].status is OrderStatus.PROCESSING


def test_batch_applier_gives_each_record_its_outcome_in_a_mixed_batch(
    applier: BatchApplier, repository: Any, record: MakeRecord
) -> None:
    # GIVEN a batch holding one record of each kind
    seen_before = payment_processed(ORDER_B, Decimal(5))
    repository.seed(existing(OrderStatus.PENDING, version=1, order_id=ORDER_B))
    applier.apply([record(seen_before)])
    later_order = str(uuid.uuid4())
    repository.seed(existing(OrderStatus.COMPLETED, version=3, order_id=later_order))
    batch = {
        Outcome.APPLIED: record(created()),
        Outcome.REJECTED: record("[]"),
        Outcome.RETRY: record(payment_processed(str(uuid.uuid4()), Decimal(5))),
        Outcome.DUPLICATE: record(seen_before),
        Outcome.IGNORED: record(order_status_changed(later_order, OrderStatus.CANCELLED)),
    }
    # WHEN it is applied
    result = applier.apply(list(batch.values()))
    # THEN every message id has its own outcome, in batch order, and only the transient one fails
    assert {message_id: r.outcome for message_id, r in result.results.items()} == {
        message.message_id: outcome for outcome, message in batch.items()
    }
    assert list(result.results) == [message.message_id for message in batch.values()]
    assert result.failed_message_ids() == [batch[Outcome.RETRY].message_id]


def test_batch_applier_isolates_unexpected_error_to_its_order(
    applier: BatchApplier, repository: Any, record: MakeRecord
) -> None:
    # GIVEN a batch with two orders, and a bug that breaks the commits of order A
    repository.fail_on[ORDER_A] = KeyError("status")
    a_created, a_paid = record(created(ORDER_A)), record(payment_processed(ORDER_A, Decimal(1)))
    b_created = record(created(ORDER_B))
    # WHEN the batch is applied
    result = applier.apply([a_created, b_created, a_paid])
    # THEN only order A's records are retried; order B is applied
    assert result.failed_message_ids() == [a_created.message_id, a_paid.message_id]
    assert result.results[a_created.message_id].reason == "UnexpectedKeyError"
    assert result.results[b_created.message_id].outcome is Outcome.APPLIED
    assert set(repository.orders) == {ORDER_B}


def test_batch_applier_notifies_applied_change_with_previous_status(
    applier: BatchApplier, repository: Any, notifier: Any, record: MakeRecord
) -> None:
    # GIVEN a processing order and the event that completes it
    repository.seed(existing(OrderStatus.PROCESSING))
    event = order_status_changed(ORDER_A, OrderStatus.COMPLETED)
    # WHEN the batch is applied
    applier.apply([record(event)])
    # THEN one notification says processing -> completed for that event
    [note] = notifier.sent
    assert (note.event.event_id, note.previous_status, note.status) == (
        event.event_id,
        OrderStatus.PROCESSING,
        OrderStatus.COMPLETED,
    )
