"""The pipeline end to end: bus → rule → queue → processor → DynamoDB + SNS, on the deployed stack."""

from __future__ import annotations

import json
import uuid
from collections.abc import Callable
from decimal import Decimal
from typing import Any

from orders_shared.events import (
    OrderStatus,
    dumps,
    order_created,
    order_status_changed,
    payment_failed,
    payment_processed,
)
from tests.integration.stack_client import Stack, eventually

Notifications = Callable[[str], list[dict[str, Any]]]


def status_of(stack: Stack, order_id: str) -> str | None:
    item = stack.order(order_id)
    return item["status"]["S"] if item else None


def test_pipeline_full_lifecycle_projects_records_and_notifies(stack: Stack, notifications: Notifications) -> None:
    # GIVEN a new order id
    order_id = str(uuid.uuid4())

    # WHEN the order is created, paid and completed, each waiting for the previous to land
    stack.publish(order_created(order_id, "customer-it-1", Decimal("120.50")))
    eventually(lambda: status_of(stack, order_id) == "pending")
    stack.publish(payment_processed(order_id, Decimal("120.50")))
    eventually(lambda: status_of(stack, order_id) == "processing")
    stack.publish(order_status_changed(order_id, OrderStatus.COMPLETED))

    # THEN the projection is completed at version 3, with a gapless stream of three events
    eventually(lambda: status_of(stack, order_id) == "completed")
    item = stack.order(order_id)
    assert item is not None
    assert item["version"]["N"] == "3"
    assert Decimal(item["amount"]["N"]) == Decimal("120.50")
    stream = stack.stream(order_id)
    assert [entry["version"]["N"] for entry in stream] == ["1", "2", "3"]
    assert [entry["eventType"]["S"] for entry in stream] == ["OrderCreated", "PaymentProcessed", "OrderStatusChanged"]
    # AND one notification per change, with the attributes subscription filters use
    messages = eventually(lambda: (found := notifications(order_id)) and len(found) >= 3 and found)
    statuses = sorted(message["MessageAttributes"]["status"]["StringValue"] for message in messages)
    assert statuses == ["completed", "pending", "processing"]
    kinds = {message["MessageAttributes"]["detailType"]["StringValue"] for message in messages}
    assert kinds == {"OrderCreated", "PaymentProcessed", "OrderStatusChanged"}
    assert all(json.loads(message["Body"])["eventId"] for message in messages)


def test_pipeline_invalid_input_goes_to_dlq_with_reason_without_retries(stack: Stack) -> None:
    # GIVEN an event whose orderId is the seed's "123", published without validation
    order_id = "123"
    marker = str(uuid.uuid4())
    detail = {
        "orderId": order_id,
        "customerId": "customer-it-2",
        "amount": 10,
        "status": "pending",
        "metadata": {
            "eventId": marker,
            "correlationId": marker,
            "schemaVersion": "1.0",
            "occurredAt": "2026-11-26T10:00:00Z",
        },
    }

    # WHEN it goes through the bus
    stack.put_raw("order-service", "OrderCreated", dumps(detail))

    # THEN it is parked in the DLQ with the reason, by the processor itself (first receive)
    parked = eventually(lambda: stack.dead_letters(marker), timeout=15)
    attributes = {name: value["StringValue"] for name, value in parked[0]["MessageAttributes"].items()}
    assert attributes["rejectionReason"] == "SchemaViolation"
    assert attributes["rejectionPath"] == "detail.orderId"
    assert attributes["rejectionRule"] == "format"
    # AND no retry was burned: a message moved by the redrive policy carries no rejection attributes
    # and would need 5 receives, far beyond the 15 s waited here with a visibility timeout of 19 s
    assert json.loads(parked[0]["Body"])["detail"]["metadata"]["eventId"] == marker


def test_pipeline_duplicate_delivery_has_one_effect(stack: Stack, notifications: Notifications) -> None:
    # GIVEN one producer event
    order_id = str(uuid.uuid4())
    event = order_created(order_id, "customer-it-3", Decimal(5))

    # WHEN it is published twice (EventBridge gives each PutEvents a new id, SQS a new messageId)
    stack.publish(event)
    stack.publish(event)

    # THEN the order exists once, at version 1, with one event in its stream
    eventually(lambda: stack.marker(event.event_id))
    eventually(lambda: len(notifications(order_id)) >= 1)
    item = stack.order(order_id)
    assert item is not None
    assert item["version"]["N"] == "1"
    assert len(stack.stream(order_id)) == 1
    assert stack.marker(event.event_id)["outcome"]["S"] == "applied"  # type: ignore[index]


def test_pipeline_out_of_order_events_never_regress(stack: Stack) -> None:
    # GIVEN an order paid and completed
    order_id = str(uuid.uuid4())
    stack.publish(order_created(order_id, "customer-it-4", Decimal(7)))
    eventually(lambda: status_of(stack, order_id) == "pending")
    stack.publish(payment_processed(order_id, Decimal(7)))
    eventually(lambda: status_of(stack, order_id) == "processing")
    stack.publish(order_status_changed(order_id, OrderStatus.COMPLETED))
    eventually(lambda: status_of(stack, order_id) == "completed")

    # WHEN a late status change arrives (another event id)
    late = order_status_changed(order_id, OrderStatus.PROCESSING)
    stack.publish(late)

    # THEN it is recorded as ignored and the order stays completed at version 3
    marker = eventually(lambda: stack.marker(late.event_id))
    assert marker["outcome"]["S"] == "ignored"
    assert marker["reason"]["S"] == "completed->processing"
    item = stack.order(order_id)
    assert item is not None
    assert (item["status"]["S"], item["version"]["N"]) == ("completed", "3")


def test_pipeline_payment_before_creation_is_applied_once_created(stack: Stack) -> None:
    # GIVEN a payment that arrives before its order's creation
    order_id = str(uuid.uuid4())
    payment = payment_processed(order_id, Decimal(9))
    stack.publish(payment)

    # WHEN the creation arrives a moment later
    stack.publish(order_created(order_id, "customer-it-5", Decimal(9)))

    # THEN the payment is retried until it applies: the order ends processing, created first
    eventually(lambda: status_of(stack, order_id) == "processing", timeout=60)
    assert [entry["eventType"]["S"] for entry in stack.stream(order_id)] == ["OrderCreated", "PaymentProcessed"]


def test_pipeline_event_reusing_an_applied_id_is_parked_and_announces_nothing(
    stack: Stack, notifications: Notifications
) -> None:
    # GIVEN order A created under event id X, and order B created (pending)
    order_a, order_b = str(uuid.uuid4()), str(uuid.uuid4())
    first = order_created(order_a, "customer-it-6", Decimal(11))
    stack.publish(first, order_created(order_b, "customer-it-7", Decimal(12)))
    eventually(lambda: status_of(stack, order_a) == "pending" and status_of(stack, order_b) == "pending")

    # WHEN PaymentFailed of B is published under the same event id X (a producer bug, a replayed id)
    stack.publish(payment_failed(order_b, "card declined", event_id=first.event_id))

    # THEN it is parked with a reason naming the conflict, B stays pending at version 1 with one
    # event, and no notification announces B cancelled
    parked = eventually(lambda: stack.dead_letters(order_b), timeout=30)
    attributes = {name: value["StringValue"] for name, value in parked[0]["MessageAttributes"].items()}
    assert attributes["rejectionReason"] == "EventIdConflict"
    assert order_a in attributes["rejectionMessage"]
    item = stack.order(order_b)
    assert item is not None
    assert (item["status"]["S"], item["version"]["N"]) == ("pending", "1")
    assert len(stack.stream(order_b)) == 1
    eventually(lambda: notifications(order_b))
    assert [json.loads(m["Body"])["status"] for m in notifications(order_b)] == ["pending"]
