"""Operations on the deployed stack: retry exhaustion into the DLQ, redrive back, the metrics emitter."""

from __future__ import annotations

import json
import time
import uuid
from decimal import Decimal
from typing import Any

import pytest

from orders_shared.events import order_created, payment_processed
from tests.integration.stack_client import Stack, eventually

# Five receives (maxReceiveCount) one visibility timeout apart (19 s on the local stack), plus slack.
RETRY_EXHAUSTION_S = 5 * 20 + 40


@pytest.fixture(scope="module")
def poisoned(stack: Stack) -> dict[str, Any]:
    """A payment for an order that does not exist, left to exhaust its retries."""
    order_id = str(uuid.uuid4())
    payment = payment_processed(order_id, Decimal(15))
    stack.publish(payment)
    parked = eventually(lambda: stack.dead_letters(payment.event_id), timeout=RETRY_EXHAUSTION_S, interval=2)
    return {"order_id": order_id, "event": payment, "message": parked[0]}


def test_operations_transient_failure_reaches_dlq_after_max_receives(stack: Stack, poisoned: dict[str, Any]) -> None:
    # GIVEN the poisoned payment (fixture) WHEN it is found in the DLQ
    message = poisoned["message"]

    # THEN the processor parked it itself on its last (fifth) receive, with its last error as the reason
    attributes = {name: value["StringValue"] for name, value in message["MessageAttributes"].items()}
    assert attributes["rejectionReason"] == "RetryExhausted"
    assert attributes["rejectionMessage"] == (
        f"still failing after 5 receives: order {poisoned['order_id']} does not exist (yet)"
    )
    assert stack.order(poisoned["order_id"]) is None


def test_operations_redrive_brings_fixed_message_back(stack: Stack, poisoned: dict[str, Any]) -> None:
    # GIVEN the cause is fixed: the order now exists
    order_id = poisoned["order_id"]
    stack.publish(order_created(order_id, "customer-it-redrive", Decimal(15)))
    eventually(lambda: stack.order(order_id))

    # WHEN a dry run, then a real redrive of retry-exhausted messages runs
    dry = stack.invoke("DlqRedriverFunctionName", {"dryRun": True, "filter": {"reasons": ["RetryExhausted"]}})
    report = stack.invoke("DlqRedriverFunctionName", {"filter": {"reasons": ["RetryExhausted"]}})

    # THEN the dry run moved nothing, the real run moved it, and the payment is applied
    assert dry["wouldMove"] >= 1
    assert dry["moved"] == 0
    assert report["moved"] >= 1
    assert report["failed"] == 0
    eventually(lambda: (item := stack.order(order_id)) and item["status"]["S"] == "processing")
    assert stack.marker(poisoned["event"].event_id)["outcome"]["S"] == "applied"  # type: ignore[index]


def test_operations_redrive_leaves_rejected_messages_unless_asked(stack: Stack) -> None:
    # GIVEN an invalid event parked by the processor
    marker = str(uuid.uuid4())
    stack.put_raw("order-service", "OrderCreated", json.dumps({"orderId": "not-a-uuid", "marker": marker}))
    eventually(lambda: stack.dead_letters(marker), timeout=15)

    # WHEN a redrive runs without asking for rejected messages
    report = stack.invoke("DlqRedriverFunctionName", {"maxMessages": 50})

    # THEN the rejected message is filtered out and still in the DLQ
    assert report["filteredOut"] >= 1
    assert stack.dead_letters(marker)


def test_operations_metrics_emitter_writes_emf(stack: Stack) -> None:
    # GIVEN at least one order exists (other tests created some)
    stack.publish(order_created(str(uuid.uuid4()), "customer-it-emf", Decimal(1)))
    time.sleep(1)

    # WHEN the emitter runs
    started_ms = int(time.time() * 1000) - 1000
    figures = stack.invoke("MetricsEmitterFunctionName", {})

    # THEN it returns the figures and writes them as EMF to its log group
    assert figures["OrdersPending"] + figures["OrdersProcessing"] + figures["OrdersCompleted"] >= 1
    group = f"/aws/lambda/{stack.outputs['MetricsEmitterFunctionName']}"

    def emf_lines() -> list[dict[str, Any]]:
        events = stack.logs.filter_log_events(logGroupName=group, startTime=started_ms)["events"]
        lines = [json.loads(event["message"]) for event in events if event["message"].startswith('{"_aws"')]
        return [line for line in lines if "QueueDepth" in line]

    line = eventually(emf_lines, timeout=20)[-1]
    directive = line["_aws"]["CloudWatchMetrics"][0]
    assert directive["Namespace"] == "OrderPipeline"
    assert "Stage" in directive["Dimensions"][0]
    assert line["Stage"] == "local"
    assert emf_value(line["OrdersPending"]) == figures["OrdersPending"]
    assert emf_value(line["DeadLetterQueueDepth"]) == figures["DeadLetterQueueDepth"]


def emf_value(value: float | list[float]) -> float:
    """EMF allows a value or a list of values; Powertools writes lists."""
    return value[0] if isinstance(value, list) else value
