"""An event id reused with other content is a conflict, parked with its reason; never a duplicate.

The defect these tests pin down: ``OrderCreated`` for order A with event id X, then ``PaymentFailed``
for order B with the same id X, was taken for a duplicate of the first: B stayed pending and
subscribers were told "B cancelled". The first half runs the domain against the in-memory ports,
the second the handler on moto with its real adapters.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable
from decimal import Decimal
from typing import Any

from order_processor.applier import BatchApplier
from order_processor.decision import conflict_of
from order_processor.model import OrderState, Outcome, Record, Recorded
from orders_shared.events import (
    NewEvent,
    OrderEvent,
    OrderStatus,
    content_digest,
    order_created,
    payment_failed,
    payment_processed,
)
from tests.support.tables import read_stream

MakeRecord = Callable[..., Record]
Parse = Callable[[NewEvent], OrderEvent]
ORDER_A = "6f1c2b7e-3d4a-4f5b-8c9d-0e1f2a3b4c5d"
ORDER_B = "0b7a6c5d-4e3f-4a2b-9c1d-8e7f6a5b4c3d"
EVENT_X = "c3d2e1f0-a9b8-4c7d-8e6f-5a4b3c2d1e0f"


def pending(order_id: str) -> OrderState:
    return OrderState(order_id, OrderStatus.PENDING, 1, "cust-42", Decimal("129.99"), "2026-11-29T10:00:00.000Z")


# --- the domain against in-memory ports ----------------------------------------------------------


def test_batch_applier_parks_an_event_reusing_an_applied_id_for_another_order(
    applier: BatchApplier, repository: Any, notifier: Any, dead_letters: Any, record: MakeRecord
) -> None:
    # GIVEN OrderCreated of A applied under event id X, and order B pending
    applier.apply([record(order_created(ORDER_A, "cust-42", Decimal("129.99"), event_id=EVENT_X))])
    repository.seed(pending(ORDER_B))
    notifier.sent.clear()
    # WHEN PaymentFailed of B arrives under the same id X
    reused = record(payment_failed(ORDER_B, "card declined", event_id=EVENT_X))
    result = applier.apply([reused]).results[reused.message_id]
    # THEN it is rejected as a conflict: B unchanged, nobody notified, parked with both events named
    assert (result.outcome, result.reason) == (Outcome.REJECTED, "EventIdConflict")
    assert repository.orders[ORDER_B] == pending(ORDER_B)
    assert notifier.sent == []
    [parked] = dead_letters.parked
    assert parked.record == reused
    assert (parked.error.reason, parked.error.path, parked.error.rule) == (
        "EventIdConflict",
        "detail.metadata.eventId",
        "unique",
    )
    assert parked.error.message == (
        f"event id {EVENT_X} was recorded for OrderCreated of order {ORDER_A}; this is PaymentFailed of order {ORDER_B}"
    )


def test_batch_applier_parks_an_event_reusing_an_id_for_the_same_order_with_other_content(
    applier: BatchApplier, repository: Any, notifier: Any, dead_letters: Any, record: MakeRecord
) -> None:
    # GIVEN PaymentProcessed of A for 129.99 applied under event id X
    repository.seed(pending(ORDER_A))
    applier.apply([record(payment_processed(ORDER_A, Decimal("129.99"), event_id=EVENT_X))])
    state = repository.orders[ORDER_A]
    notifier.sent.clear()
    # WHEN a PaymentProcessed of A for another amount arrives under the same id (a producer bug)
    reused = record(payment_processed(ORDER_A, Decimal("5.00"), event_id=EVENT_X))
    result = applier.apply([reused]).results[reused.message_id]
    # THEN it is a conflict too, not a duplicate: nothing changes, nobody is notified
    assert (result.outcome, result.reason) == (Outcome.REJECTED, "EventIdConflict")
    assert repository.orders[ORDER_A] == state
    assert notifier.sent == []
    assert [parked.error.message for parked in dead_letters.parked] == [
        f"event id {EVENT_X} was recorded for PaymentProcessed of order {ORDER_A} with other content"
    ]
    # AND the park names the field and the rule it breaks, as for another order's event
    assert [(p.error.reason, p.error.path, p.error.rule) for p in dead_letters.parked] == [
        ("EventIdConflict", "detail.metadata.eventId", "unique")
    ]


def test_batch_applier_parks_a_conflict_found_by_an_ignored_event(
    applier: BatchApplier, repository: Any, dead_letters: Any, record: MakeRecord
) -> None:
    # GIVEN OrderCreated of A applied under event id X, and B already processing
    applier.apply([record(order_created(ORDER_A, "cust-42", Decimal("129.99"), event_id=EVENT_X))])
    repository.seed(OrderState(ORDER_B, OrderStatus.PROCESSING, 2, "cust-42", Decimal(1), "2026-11-29T10:00:00.000Z"))
    # WHEN a PaymentProcessed of B (moot: B is processing already) reuses the id X
    reused = record(payment_processed(ORDER_B, Decimal(1), event_id=EVENT_X))
    result = applier.apply([reused]).results[reused.message_id]
    # THEN the conflict is found where the ignored event is recorded, and parked
    assert (result.outcome, result.reason) == (Outcome.REJECTED, "EventIdConflict")
    assert [parked.record for parked in dead_letters.parked] == [reused]


def test_batch_applier_retries_a_conflict_it_cannot_park(
    applier: BatchApplier, repository: Any, dead_letters: Any, record: MakeRecord
) -> None:
    # GIVEN an event id X applied, and a dead-letter queue that refuses every message
    applier.apply([record(order_created(ORDER_A, "cust-42", Decimal("129.99"), event_id=EVENT_X))])
    repository.seed(pending(ORDER_B))
    dead_letters.unavailable = True
    # WHEN an event of B reuses X
    reused = record(payment_failed(ORDER_B, "card declined", event_id=EVENT_X))
    result = applier.apply([reused]).results[reused.message_id]
    # THEN the record is retried (never acknowledged unparked), and B is still unchanged
    assert (result.outcome, result.reason) == (Outcome.RETRY, "DeadLetterSendFailed")
    assert repository.orders[ORDER_B] == pending(ORDER_B)


def test_batch_applier_renotifies_a_duplicate_with_the_move_its_marker_recorded(
    applier: BatchApplier, repository: Any, notifier: Any, record: MakeRecord
) -> None:
    # GIVEN a PaymentProcessed applied (pending -> processing) whose notification failed
    repository.seed(pending(ORDER_A))
    event = payment_processed(ORDER_A, Decimal("129.99"))
    notifier.failing.add(event.event_id)
    applier.apply([record(event)])
    notifier.failing.clear()
    # WHEN it is redelivered
    applier.apply([record(event)])
    # THEN the notification sent now carries the recorded move, previous status included
    [note] = notifier.sent
    assert (note.event.event_id, note.status, note.previous_status) == (
        event.event_id,
        OrderStatus.PROCESSING,
        OrderStatus.PENDING,
    )


def test_batch_applier_applies_one_and_parks_the_other_when_one_batch_reuses_an_id(
    applier: BatchApplier, repository: Any, notifier: Any, dead_letters: Any, record: MakeRecord
) -> None:
    # GIVEN one batch holding OrderCreated of A and OrderCreated of B under the same event id
    first = record(order_created(ORDER_A, "cust-42", Decimal("129.99"), event_id=EVENT_X))
    second = record(order_created(ORDER_B, "cust-43", Decimal("5.00"), event_id=EVENT_X))
    # WHEN it is applied
    results = applier.apply([first, second]).results
    # THEN exactly one order exists, one notification went out for it, and the other event is parked
    outcomes = sorted(str(results[message.message_id].outcome) for message in (first, second))
    assert outcomes == ["applied", "rejected"]
    applied = first if results[first.message_id].outcome is Outcome.APPLIED else second
    parked_order = ORDER_B if applied is first else ORDER_A
    assert parked_order not in repository.orders
    assert [note.event.order_id for note in notifier.sent] == [ORDER_B if parked_order == ORDER_A else ORDER_A]
    assert [parked.error.reason for parked in dead_letters.parked] == ["EventIdConflict"]


def test_conflict_of_accepts_a_marker_written_before_digests_for_the_same_order_and_type(parsed: Parse) -> None:
    # GIVEN a marker of before digests were kept (no digest, no statuses)
    event = parsed(payment_processed(ORDER_A, Decimal(1), event_id=EVENT_X))
    earlier = Recorded(Outcome.APPLIED, ORDER_A, "PaymentProcessed")
    # WHEN the same id comes again for the same order and type
    # THEN it is taken for the same event (nothing else to compare)
    assert conflict_of(event, earlier) is None


def test_conflict_of_refuses_a_marker_written_before_digests_for_another_order(parsed: Parse) -> None:
    # GIVEN a marker of before digests, for order A
    event = parsed(payment_processed(ORDER_B, Decimal(1), event_id=EVENT_X))
    earlier = Recorded(Outcome.APPLIED, ORDER_A, "PaymentProcessed")
    # WHEN the same id comes for order B
    conflict = conflict_of(event, earlier)
    # THEN it is a conflict
    assert conflict is not None
    assert conflict.reason == "EventIdConflict"


def test_conflict_of_accepts_the_same_content_spelled_differently(parsed: Parse) -> None:
    # GIVEN an event, and a copy of it whose JSON a serialiser on the way re-spelled (keys reordered,
    # 129.99 as 129.990): the same event
    event = parsed(payment_processed(ORDER_A, Decimal("129.99"), event_id=EVENT_X))
    respelled = dict(reversed(list(event.detail.items())))
    respelled["amount"] = Decimal("129.990")
    copy = OrderEvent(
        event.detail_type, event.source, event.order_id, event.metadata, respelled, str(uuid.uuid4()), event.time
    )
    earlier = Recorded(Outcome.APPLIED, ORDER_A, "PaymentProcessed", content_digest(event))
    # WHEN the copy is compared with the marker
    # THEN it is the same event
    assert conflict_of(copy, earlier) is None


# --- the handler on moto, with its real adapters ---------------------------------------------------

Invoke = Callable[[dict[str, Any]], dict[str, Any]]
LambdaEvent = Callable[..., dict[str, Any]]
Body = Callable[[NewEvent], str]


def test_handler_parks_an_event_reusing_an_applied_id_and_announces_nothing(
    *,
    invoke: Invoke,
    lambda_event: LambdaEvent,
    body: Body,
    dynamodb: Any,
    dlq_url: str,
    subscribed_queue: str,
    receive_all: Any,
) -> None:
    # GIVEN OrderCreated of A and of B applied, A's under event id X, and the notifications drained
    invoke(lambda_event((str(uuid.uuid4()), body(order_created(ORDER_A, "cust-42", Decimal(1), event_id=EVENT_X)))))
    invoke(lambda_event((str(uuid.uuid4()), body(order_created(ORDER_B, "cust-43", Decimal(2))))))
    receive_all(subscribed_queue)
    # WHEN PaymentFailed of B arrives under the id X
    reused = str(uuid.uuid4())
    response = invoke(lambda_event((reused, body(payment_failed(ORDER_B, "card declined", event_id=EVENT_X)))))
    # THEN the record is acknowledged, B is still pending at version 1 with a one-event stream,
    # no notification went out, and the DLQ holds it with the conflict as its reason
    item = dynamodb.get_item(TableName="Orders", Key={"orderId": {"S": ORDER_B}}, ConsistentRead=True)["Item"]
    stream = read_stream(dynamodb, ORDER_B)
    assert response == {"batchItemFailures": []}
    assert (item["status"]["S"], item["version"]["N"]) == ("pending", "1")
    assert len(stream) == 1
    assert receive_all(subscribed_queue) == []
    [parked] = receive_all(dlq_url)
    attributes = {name: value["StringValue"] for name, value in parked["MessageAttributes"].items()}
    assert attributes["rejectionReason"] == "EventIdConflict"
    assert attributes["originalMessageId"] == reused
    assert ORDER_A in attributes["rejectionMessage"]
    assert ORDER_B in attributes["rejectionMessage"]


def test_batch_applier_parks_a_waiting_event_that_reuses_an_applied_id(
    applier: BatchApplier, repository: Any, notifier: Any, dead_letters: Any, record: MakeRecord
) -> None:
    # GIVEN OrderCreated of A applied under event id X
    applier.apply([record(order_created(ORDER_A, "cust-42", Decimal("129.99"), event_id=EVENT_X))])
    notifier.sent.clear()
    # WHEN a payment of order B, which does not exist (an event that would wait), reuses X
    reused = record(payment_failed(ORDER_B, "card declined", event_id=EVENT_X))
    result = applier.apply([reused]).results[reused.message_id]
    # THEN it is parked as a conflict at once, not retried into the DLQ without a reason
    assert (result.outcome, result.reason) == (Outcome.REJECTED, "EventIdConflict")
    assert [parked.record for parked in dead_letters.parked] == [reused]
    assert ORDER_B not in repository.orders
    assert notifier.sent == []


def test_batch_applier_retries_a_waiting_event_whose_id_is_new(
    applier: BatchApplier, dead_letters: Any, record: MakeRecord
) -> None:
    # GIVEN a payment of an order that does not exist yet, under a new id
    payment = record(payment_failed(ORDER_B, "card declined"))
    # WHEN it is applied
    result = applier.apply([payment]).results[payment.message_id]
    # THEN it waits (retried), nothing parked
    assert (result.outcome, result.reason) == (Outcome.RETRY, f"order {ORDER_B} does not exist (yet)")
    assert dead_letters.parked == []


def test_handler_parks_a_waiting_event_reusing_an_applied_id(
    *,
    invoke: Invoke,
    lambda_event: LambdaEvent,
    body: Body,
    dynamodb: Any,
    dlq_url: str,
    receive_all: Any,
) -> None:
    # GIVEN OrderCreated of A applied under event id X
    invoke(lambda_event((str(uuid.uuid4()), body(order_created(ORDER_A, "cust-42", Decimal(1), event_id=EVENT_X)))))
    # WHEN a payment of order B, never created, arrives under X (its marker is read before it waits)
    response = invoke(lambda_event((str(uuid.uuid4()), body(payment_failed(ORDER_B, "declined", event_id=EVENT_X)))))
    # THEN it is acknowledged and parked as a conflict; B does not exist
    assert response == {"batchItemFailures": []}
    assert "Item" not in dynamodb.get_item(TableName="Orders", Key={"orderId": {"S": ORDER_B}})
    [parked] = receive_all(dlq_url)
    assert parked["MessageAttributes"]["rejectionReason"]["StringValue"] == "EventIdConflict"
