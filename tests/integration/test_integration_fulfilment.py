"""The downstream consumer on the deployed stack: fulfilment ships each completed order once, nothing else."""

from __future__ import annotations

import json
import time
import uuid
from decimal import Decimal
from typing import Any

from orders_shared.events import Money, OrderStatus, order_created, order_status_changed, payment_processed
from tests.integration.stack_client import Stack, eventually


def status_of(stack: Stack, order_id: str) -> str | None:
    item = stack.order(order_id)
    return item["status"]["S"] if item else None


def handled_counts(stack: Stack, since_ms: int) -> list[dict[str, Any]]:
    """The fulfilment function's per-batch counts logged since ``since_ms``."""
    group = f"/aws/lambda/{stack.outputs['FulfilmentFunctionName']}"
    events = stack.logs.filter_log_events(logGroupName=group, startTime=since_ms)["events"]
    lines = [json.loads(event["message"]) for event in events if event["message"].startswith("{")]
    return [line for line in lines if line.get("message") == "notifications handled"]


def queue_drained(stack: Stack) -> bool:
    attributes = stack.sqs.get_queue_attributes(
        QueueUrl=stack.outputs["FulfilmentQueueUrl"],
        AttributeNames=["ApproximateNumberOfMessages", "ApproximateNumberOfMessagesNotVisible"],
    )["Attributes"]
    return all(value == "0" for value in attributes.values())


def test_fulfilment_ships_a_completed_order_once_and_a_pending_one_never(stack: Stack) -> None:
    # GIVEN one order that stays pending and one that completes (a 2.0 producer's, in EUR)
    started_ms = int(time.time() * 1000) - 1000
    waiting, done = str(uuid.uuid4()), str(uuid.uuid4())
    stack.publish(order_created(waiting, "customer-it-wait", Decimal(3)))
    stack.publish(order_created(done, "customer-it-ship", Money(Decimal("64.00"), "EUR")))
    eventually(lambda: status_of(stack, done) == "pending")
    stack.publish(payment_processed(done, Decimal("64.00")))
    eventually(lambda: status_of(stack, done) == "processing")
    completion = order_status_changed(done, OrderStatus.COMPLETED)

    # WHEN it completes, and its completion is delivered again (the processor re-notifies a duplicate)
    stack.publish(completion)
    [shipment] = eventually(lambda: stack.shipments(done), timeout=30)
    stack.publish(completion)

    # THEN fulfilment saw the duplicate notification and requested nothing more
    eventually(lambda: any(line.get("duplicate", 0) >= 1 for line in handled_counts(stack, started_ms)), timeout=30)
    eventually(lambda: queue_drained(stack), timeout=30)
    assert len(stack.shipments(done)) == 1
    assert (shipment["eventId"]["S"], shipment["status"]["S"]) == (completion.event_id, "requested")
    # AND the order that stayed pending produced no shipment (its notification was filtered out)
    assert status_of(stack, waiting) == "pending"
    assert stack.shipments(waiting) == []
    assert not any(line.get("skipped", 0) for line in handled_counts(stack, started_ms))
