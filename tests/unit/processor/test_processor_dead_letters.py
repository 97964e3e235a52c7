"""SqsDeadLetters: a rejected record is parked with its body intact and its reason as attributes."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from typing import Any

import boto3
import pytest
from botocore.stub import Stubber

from order_processor.dead_letters import SqsDeadLetters
from order_processor.model import Record, Rejection
from orders_shared.errors import InvalidEventError, MalformedEventError, SchemaValidationError
from orders_shared.events import parse_sqs_body
from tests.support.aws import record_requests

REJECTED_AT = "2026-11-26T10:00:05.000Z"
DLQ_URL = "https://sqs.us-east-1.amazonaws.com/123456789012/order-events-dlq"


def rejection(body: str, message_id: str | None = None) -> Rejection:
    """The rejection the processor makes of ``body``."""
    try:
        parse_sqs_body(body)
    except InvalidEventError as error:
        return Rejection(Record(message_id or str(uuid.uuid4()), body), error)
    raise AssertionError("body is valid")


def test_dead_letters_park_keeps_original_body(sqs: Any, dlq_url: str, receive_all: Any) -> None:
    # GIVEN a rejected record
    rejected = rejection('{"version": "0", "detail": []}')
    # WHEN it is parked
    failed = SqsDeadLetters(sqs, dlq_url, clock=lambda: REJECTED_AT).park([rejected])
    # THEN the dead-letter queue holds the body, byte for byte
    [message] = receive_all(dlq_url)
    assert failed == set()
    assert message["Body"] == rejected.record.body


def test_dead_letters_park_adds_rejection_attributes(sqs: Any, dlq_url: str, receive_all: Any) -> None:
    # GIVEN a record rejected for a schema violation
    error = SchemaValidationError("detail.orderId must be uuid", path="detail.orderId", rule="format")
    rejected = Rejection(Record("msg-1", "{}"), error)
    # WHEN it is parked
    SqsDeadLetters(sqs, dlq_url, clock=lambda: REJECTED_AT).park([rejected])
    # THEN its attributes say why, where, which rule, and which message it was
    [message] = receive_all(dlq_url)
    attributes = {name: value["StringValue"] for name, value in message["MessageAttributes"].items()}
    assert attributes == {
        "rejectionReason": "SchemaViolation",
        "rejectionMessage": "detail.orderId must be uuid",
        "rejectionPath": "detail.orderId",
        "rejectionRule": "format",
        "originalMessageId": "msg-1",
        "rejectedAt": REJECTED_AT,
    }


def test_dead_letters_park_leaves_out_empty_attributes(sqs: Any, dlq_url: str, receive_all: Any) -> None:
    # GIVEN a record rejected as malformed JSON (no path in the payload)
    rejected = Rejection(Record("msg-1", "{"), MalformedEventError("body is not valid JSON", rule="json"))
    # WHEN it is parked (SQS refuses empty attribute values)
    failed = SqsDeadLetters(sqs, dlq_url).park([rejected])
    # THEN it arrives without a rejectionPath attribute
    [message] = receive_all(dlq_url)
    assert failed == set()
    assert "rejectionPath" not in message["MessageAttributes"]
    assert message["MessageAttributes"]["rejectionReason"]["StringValue"] == "MalformedJson"


def test_dead_letters_park_sends_in_chunks_of_ten(sqs: Any, dlq_url: str, receive_all: Any) -> None:
    # GIVEN 23 rejected records and a record of every SendMessageBatch
    sizes = record_requests(sqs, "sqs.SendMessageBatch", lambda params: len(params["Entries"]))
    rejections = [rejection("{") for _ in range(23)]
    # WHEN they are parked
    SqsDeadLetters(sqs, dlq_url).park(rejections)
    # THEN they go in batches of at most ten, and all arrive
    assert sizes == [10, 10, 3]
    assert len(receive_all(dlq_url)) == 23


@pytest.fixture
def stubbed() -> Iterator[tuple[Any, Stubber]]:
    client = boto3.client("sqs", region_name="us-east-1")
    with Stubber(client) as stubber:
        yield client, stubber


def test_dead_letters_park_reports_failed_entry(stubbed: tuple[Any, Stubber]) -> None:
    # GIVEN SendMessageBatch answering with the second of two entries in Failed
    client, stubber = stubbed
    first, second = rejection("{", "msg-1"), rejection("[", "msg-2")
    stubber.add_response(
        "send_message_batch",
        {
            "Successful": [{"Id": "0", "MessageId": "m", "MD5OfMessageBody": "d41d8cd98f00b204e9800998ecf8427e"}],
            "Failed": [{"Id": "1", "SenderFault": False, "Code": "InternalError"}],
        },
    )
    # WHEN both are parked
    failed = SqsDeadLetters(client, DLQ_URL).park([first, second])
    # THEN the failed entry's original message id is reported
    assert failed == {"msg-2"}


def test_dead_letters_park_reports_whole_chunk_when_call_fails(stubbed: tuple[Any, Stubber]) -> None:
    # GIVEN SendMessageBatch failing outright
    client, stubber = stubbed
    stubber.add_client_error("send_message_batch", service_error_code="AWS.SimpleQueueService.NonExistentQueue")
    # WHEN two records are parked
    failed = SqsDeadLetters(client, DLQ_URL).park([rejection("{", "msg-1"), rejection("[", "msg-2")])
    # THEN both are reported, so neither is acknowledged
    assert failed == {"msg-1", "msg-2"}
