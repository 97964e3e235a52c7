"""The handler end to end on moto: real adapters, a realistic SQS event, the partial batch response.

``order_processor.app`` builds its settings and clients at import, as on a cold start; the ``app``
fixture imports it inside moto once the environment and resources exist, and ``invoke`` calls its
``handler`` with a fake Lambda context. Nothing is patched.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable
from decimal import Decimal
from typing import Any

from orders_shared.events import NewEvent, order_created, payment_processed
from tests.support.tables import read_stream

ORDER_ID = "6f1c2b7e-3d4a-4f5b-8c9d-0e1f2a3b4c5d"
LambdaEvent = Callable[..., dict[str, Any]]
Body = Callable[[NewEvent], str]
Invoke = Callable[[dict[str, Any]], dict[str, Any]]


def message_id() -> str:
    return str(uuid.uuid4())


def test_handler_reports_no_failures_when_every_record_succeeds(
    invoke: Invoke, lambda_event: LambdaEvent, body: Body
) -> None:
    # GIVEN a batch creating an order and paying for it
    event = lambda_event(
        (message_id(), body(payment_processed(ORDER_ID, Decimal("129.99")))),
        (message_id(), body(order_created(ORDER_ID, "cust-42", Decimal("129.99")))),
    )
    # WHEN the handler runs
    response = invoke(event)
    # THEN the partial batch response lists no failures
    assert response == {"batchItemFailures": []}


def test_handler_reports_exactly_the_transient_record(invoke: Invoke, lambda_event: LambdaEvent, body: Body) -> None:
    # GIVEN a batch with a valid creation, a malformed body and a payment for an order not created yet
    transient = message_id()
    event = lambda_event(
        (message_id(), body(order_created(ORDER_ID, "cust-42", Decimal("129.99")))),
        (message_id(), "{not json"),
        (transient, body(payment_processed(str(uuid.uuid4()), Decimal(5)))),
    )
    # WHEN the handler runs
    response = invoke(event)
    # THEN only the transient record is reported for redelivery
    assert response == {"batchItemFailures": [{"itemIdentifier": transient}]}


def test_handler_stores_order_state(invoke: Invoke, lambda_event: LambdaEvent, body: Body, dynamodb: Any) -> None:
    # GIVEN a batch creating an order and paying for it
    event = lambda_event(
        (message_id(), body(order_created(ORDER_ID, "cust-42", Decimal("129.99")))),
        (message_id(), body(payment_processed(ORDER_ID, Decimal("129.99")))),
    )
    # WHEN the handler runs
    invoke(event)
    # THEN the order is processing, at version 2, in the Orders table
    item = dynamodb.get_item(TableName="Orders", Key={"orderId": {"S": ORDER_ID}})["Item"]
    assert (item["status"]["S"], item["version"]["N"]) == ("processing", "2")


def test_handler_parks_malformed_record_in_dead_letter_queue(
    invoke: Invoke, lambda_event: LambdaEvent, body: Body, dlq_url: str, receive_all: Any
) -> None:
    # GIVEN a batch with one malformed record among valid ones
    bad = message_id()
    event = lambda_event(
        (message_id(), body(order_created(ORDER_ID, "cust-42", Decimal("129.99")))),
        (bad, "{not json"),
    )
    # WHEN the handler runs
    response = invoke(event)
    # THEN the record is acknowledged and its body waits in the DLQ with its original message id
    [parked] = receive_all(dlq_url)
    assert response == {"batchItemFailures": []}
    assert parked["Body"] == "{not json"
    assert parked["MessageAttributes"]["originalMessageId"]["StringValue"] == bad


def test_handler_notifies_applied_change(
    invoke: Invoke,
    lambda_event: LambdaEvent,
    body: Body,
    subscribed_queue: str,
    receive_all: Any,
) -> None:
    # GIVEN a queue subscribed to the Notifications topic
    created = order_created(ORDER_ID, "cust-42", Decimal("129.99"))
    # WHEN the handler applies an OrderCreated
    invoke(lambda_event((message_id(), body(created))))
    # THEN one notification for that event reaches the subscriber
    [delivered] = receive_all(subscribed_queue)
    assert created.event_id in delivered["Body"]


def test_handler_treats_redelivered_batch_as_duplicate(
    invoke: Invoke, lambda_event: LambdaEvent, body: Body, dynamodb: Any
) -> None:
    # GIVEN a batch already handled once
    text = body(order_created(ORDER_ID, "cust-42", Decimal("129.99")))
    invoke(lambda_event((message_id(), text)))
    # WHEN SQS delivers it again (a new message id)
    response = invoke(lambda_event((message_id(), text)))
    # THEN it succeeds without a second write to the order's stream
    stream = read_stream(dynamodb, ORDER_ID)
    assert response == {"batchItemFailures": []}
    assert [event.version for event in stream] == [1]


def test_handler_accepts_event_with_lower_case_rfc3339_timestamp(
    invoke: Invoke, lambda_event: LambdaEvent, body: Body, dynamodb: Any
) -> None:
    # GIVEN an OrderCreated whose occurredAt is valid RFC 3339 (and passes the contract) in lower case
    created = order_created(ORDER_ID, "cust-42", Decimal("129.99"), clock=lambda: "2026-11-26t10:00:00.123z")
    # WHEN the handler applies it
    response = invoke(lambda_event((message_id(), body(created))))
    # THEN the batch succeeds (the timestamp is only used for the latency metric)
    assert response == {"batchItemFailures": []}


def test_handler_keeps_the_redrive_count_of_a_record_it_rejects_again(
    invoke: Invoke, lambda_event: LambdaEvent, dlq_url: str, receive_all: Any
) -> None:
    # GIVEN a malformed record the redriver already brought back twice
    redriven = message_id()
    event = lambda_event((redriven, "{not json"))
    event["Records"][0]["messageAttributes"] = {
        "redriveCount": {"stringValue": "2", "stringListValues": [], "binaryListValues": [], "dataType": "String"}
    }
    # WHEN the handler rejects it again
    invoke(event)
    # THEN it is parked with its count, so the redriver's limit still applies to it
    [parked] = receive_all(dlq_url)
    assert parked["MessageAttributes"]["redriveCount"]["StringValue"] == "2"
    assert parked["MessageAttributes"]["rejectionReason"]["StringValue"] == "MalformedJson"
