"""SqsQueues: a real redrive on moto queues, partial failures through botocore's Stubber, calls per message."""

from __future__ import annotations

import copy
import time
import uuid
from collections import Counter
from decimal import Decimal
from typing import Any

import boto3
import pytest
from botocore.stub import Stubber

from dlq_redriver.adapters import SqsQueues
from dlq_redriver.domain import REDRIVE_COUNT, DlqMessage, ParkReason, Report, Request, redrive
from orders_shared.events import order_created
from tests.support.aws import drain
from tests.unit.ops.ops_support import DLQ_URL, REGION, SOURCE_URL, body_of, depth, send_to

VISIBILITY = 30
SQS_BATCH_BYTES = 1_048_576  # SendMessageBatch: 1 MiB in total, bodies and attributes (AWS API reference)


def now_ms() -> int:
    return int(time.time() * 1000)


def redrive_on(sqs: Any, dlq: str, source: str, request: Request | None = None) -> Report:
    """Redrive with the real adapter and plenty of time left."""
    return redrive(
        request or Request(), SqsQueues(sqs, VISIBILITY), dlq, source, remaining_ms=lambda: 300_000, now_ms=now_ms
    )


def fill(sqs: Any, queue_url: str, count: int) -> list[str]:
    """Send ``count`` order events to a moto queue, ten per call; returns their bodies."""
    bodies = [body_of(order_created(str(uuid.uuid4()), "cust-42", Decimal(n))) for n in range(count)]
    for start in range(0, count, 10):
        entries = [{"Id": str(i), "MessageBody": body} for i, body in enumerate(bodies[start : start + 10])]
        sqs.send_message_batch(QueueUrl=queue_url, Entries=entries)
    return bodies


# --- a real redrive on moto ----------------------------------------------------------------------------


def test_sqs_queues_redrive_moves_every_message_to_the_source_queue(sqs: Any, moto_dlq: str, moto_source: str) -> None:
    # GIVEN 25 order events in the DLQ
    bodies = fill(sqs, moto_dlq, 25)
    # WHEN they are redriven through the real adapter
    report = redrive_on(sqs, moto_dlq, moto_source)
    # THEN all 25 bodies arrived in the source queue, and the report says so
    assert sorted(message["Body"] for message in drain(sqs, moto_source)) == sorted(bodies)
    assert (report.examined, report.moved, report.failed, report.stopped_by) == (25, 25, 0, "drained")


def test_sqs_queues_redrive_keeps_attributes_and_adds_the_redrive_count(
    sqs: Any, moto_dlq: str, moto_source: str
) -> None:
    # GIVEN a DLQ message with attributes, and one redriven once before
    first = body_of(order_created(str(uuid.uuid4()), "cust-42", Decimal(1)))
    again = body_of(order_created(str(uuid.uuid4()), "cust-43", Decimal(2)))
    send_to(sqs, moto_dlq, first, {"originalMessageId": "m-1", "traceparent": "00-abc-01"})
    send_to(sqs, moto_dlq, again, {REDRIVE_COUNT: "1"})
    # WHEN they are redriven (maxMessages spares the last, long-polling receive)
    redrive_on(sqs, moto_dlq, moto_source, Request(max_messages=2))
    # THEN each copy keeps its attributes and carries an incremented redrive count
    arrived = {
        message["Body"]: {name: value["StringValue"] for name, value in message["MessageAttributes"].items()}
        for message in drain(sqs, moto_source)
    }
    assert arrived == {
        first: {"originalMessageId": "m-1", "traceparent": "00-abc-01", REDRIVE_COUNT: "1"},
        again: {REDRIVE_COUNT: "2"},
    }


def test_sqs_queues_redrive_empties_the_dlq(sqs: Any, moto_dlq: str, moto_source: str) -> None:
    # GIVEN 25 order events in the DLQ
    fill(sqs, moto_dlq, 25)
    # WHEN they are redriven (maxMessages spares the last, long-polling receive)
    redrive_on(sqs, moto_dlq, moto_source, Request(max_messages=25))
    # THEN the DLQ holds nothing, visible or in flight
    assert depth(sqs, moto_dlq) == (0, 0)


def test_sqs_queues_redrive_costs_about_three_calls_per_ten_messages(sqs: Any, moto_dlq: str, moto_source: str) -> None:
    # GIVEN 100 messages in the DLQ, and a counter of every SQS call the client makes from now on
    fill(sqs, moto_dlq, 100)
    calls: Counter[str] = Counter()

    def count(model: Any, **_: Any) -> None:
        calls[model.name] += 1

    sqs.meta.events.register("before-call.sqs", count)
    # WHEN they are all redriven
    report = redrive_on(sqs, moto_dlq, moto_source, Request(max_messages=1_000))
    # THEN a receive, a send and a delete per 10 messages, and one last empty receive: ≈ 0.31 calls per message
    assert report.moved == 100
    assert sum(calls.values()) / report.moved <= 0.35, calls


# --- partial failures, with the Stubber -----------------------------------------------------------------


@pytest.fixture
def stubbed() -> tuple[Any, Stubber, list[dict[str, Any]]]:
    """A real SQS client answered by a Stubber, and every DeleteMessageBatch request it was asked to make.

    The adapter treats botocore errors (the Stubber's own assertion errors among them) as a failed
    call, so the requests are recorded here and asserted on explicitly.
    """
    client = boto3.client("sqs", region_name=REGION)
    deletes: list[dict[str, Any]] = []

    def record(params: dict[str, Any], **_: Any) -> None:
        deletes.append(copy.deepcopy(params))

    client.meta.events.register("provide-client-params.sqs.DeleteMessageBatch", record)
    return client, Stubber(client), deletes


def received(count: int) -> dict[str, Any]:
    """A ReceiveMessage response with ``count`` messages m-0, m-1, … and receipt handles h-0, h-1, …"""
    return {
        "Messages": [
            {
                "MessageId": f"m-{n}",
                "ReceiptHandle": f"h-{n}",
                "Body": f'{{"n": {n}}}',
                "Attributes": {"SentTimestamp": "1795687200000"},
                "MessageAttributes": {"originalMessageId": {"DataType": "String", "StringValue": f"o-{n}"}},
            }
            for n in range(count)
        ]
    }


def test_sqs_queues_does_not_delete_a_message_whose_send_failed(
    stubbed: tuple[Any, Stubber, list[dict[str, Any]]],
) -> None:
    # GIVEN three DLQ messages, and a SendMessageBatch that answers the second entry in Failed
    client, stubber, deletes = stubbed
    stubber.add_response("receive_message", received(3))
    stubber.add_response(
        "send_message_batch",
        {
            "Successful": [
                {"Id": "0", "MessageId": "n-0", "MD5OfMessageBody": "0" * 32},
                {"Id": "2", "MessageId": "n-2", "MD5OfMessageBody": "0" * 32},
            ],
            "Failed": [{"Id": "1", "SenderFault": False, "Code": "InternalError", "Message": "try again"}],
        },
    )
    stubber.add_response("delete_message_batch", {"Successful": [{"Id": "0"}, {"Id": "1"}], "Failed": []})
    stubber.add_response("receive_message", {})
    # WHEN they are redriven
    with stubber:
        report = redrive(
            Request(), SqsQueues(client, VISIBILITY), DLQ_URL, SOURCE_URL, remaining_ms=lambda: 300_000, now_ms=now_ms
        )
    # THEN the DeleteMessageBatch named only the two that were sent; the failed one stays in the DLQ
    assert deletes == [
        {
            "QueueUrl": DLQ_URL,
            "Entries": [{"Id": "0", "ReceiptHandle": "h-0"}, {"Id": "1", "ReceiptHandle": "h-2"}],
        }
    ]
    assert (report.moved, report.failed, report.delete_failed) == (2, 1, 0)
    stubber.assert_no_pending_responses()


def test_sqs_queues_deletes_nothing_when_the_send_call_fails(
    stubbed: tuple[Any, Stubber, list[dict[str, Any]]],
) -> None:
    # GIVEN three DLQ messages, and a SendMessageBatch call that fails as a whole
    client, stubber, deletes = stubbed
    stubber.add_response("receive_message", received(3))
    stubber.add_client_error("send_message_batch", service_error_code="AWS.SimpleQueueService.ServiceUnavailable")
    stubber.add_response("receive_message", {})
    # WHEN they are redriven
    with stubber:
        report = redrive(
            Request(), SqsQueues(client, VISIBILITY), DLQ_URL, SOURCE_URL, remaining_ms=lambda: 300_000, now_ms=now_ms
        )
    # THEN nothing was deleted and all three count as failed
    assert deletes == []
    assert (report.moved, report.failed) == (0, 3)
    stubber.assert_no_pending_responses()


def test_sqs_queues_counts_a_delete_answered_in_failed(stubbed: tuple[Any, Stubber, list[dict[str, Any]]]) -> None:
    # GIVEN two DLQ messages both sent, and a DeleteMessageBatch that answers the second in Failed
    client, stubber, _ = stubbed
    stubber.add_response("receive_message", received(2))
    stubber.add_response(
        "send_message_batch",
        {
            "Successful": [{"Id": str(n), "MessageId": f"n-{n}", "MD5OfMessageBody": "0" * 32} for n in range(2)],
            "Failed": [],
        },
    )
    stubber.add_response(
        "delete_message_batch",
        {
            "Successful": [{"Id": "0"}],
            "Failed": [{"Id": "1", "SenderFault": True, "Code": "ReceiptHandleIsInvalid"}],
        },
    )
    stubber.add_response("receive_message", {})
    # WHEN they are redriven
    with stubber:
        report = redrive(
            Request(), SqsQueues(client, VISIBILITY), DLQ_URL, SOURCE_URL, remaining_ms=lambda: 300_000, now_ms=now_ms
        )
    # THEN both count as moved, one delete as failed (a duplicate, never a loss)
    assert (report.moved, report.delete_failed) == (2, 1)
    stubber.assert_no_pending_responses()


def test_sqs_queues_receive_reads_attributes_and_sent_timestamp(
    stubbed: tuple[Any, Stubber, list[dict[str, Any]]],
) -> None:
    # GIVEN a ReceiveMessage answer with one message
    client, stubber, _ = stubbed
    stubber.add_response(
        "receive_message",
        received(1),
        expected_params={
            "QueueUrl": DLQ_URL,
            "MaxNumberOfMessages": 7,
            "WaitTimeSeconds": 1,
            "VisibilityTimeout": VISIBILITY,
            "MessageAttributeNames": ["All"],
            "MessageSystemAttributeNames": ["SentTimestamp"],
        },
    )
    # WHEN the adapter receives
    with stubber:
        [message] = SqsQueues(client, VISIBILITY).receive(DLQ_URL, 7)
    # THEN the message carries its id, handle, body, string attributes and sent time
    assert (message.message_id, message.receipt_handle, message.body) == ("m-0", "h-0", '{"n": 0}')
    assert message.attributes == {"originalMessageId": "o-0"}
    assert message.sent_timestamp_ms == 1_795_687_200_000


def test_sqs_queues_redrive_keeps_number_and_binary_attributes(sqs: Any, moto_dlq: str, moto_source: str) -> None:
    # GIVEN a DLQ message with a Number and a Binary attribute beside a String one
    sqs.send_message(
        QueueUrl=moto_dlq,
        MessageBody='{"order": 1}',
        MessageAttributes={
            "priority": {"DataType": "Number", "StringValue": "7"},
            "signature": {"DataType": "Binary", "BinaryValue": b"\x00\x01\x02"},
            "origin": {"DataType": "String", "StringValue": "order-service"},
        },
    )

    # WHEN it is redriven
    report = redrive_on(sqs, moto_dlq, moto_source)

    # THEN it arrives with every attribute, types intact, plus the redrive count
    assert report.moved == 1
    (moved,) = drain(sqs, moto_source)
    attributes = moved["MessageAttributes"]
    assert attributes["priority"] == {"DataType": "Number", "StringValue": "7"}
    assert attributes["signature"] == {"DataType": "Binary", "BinaryValue": b"\x00\x01\x02"}
    assert attributes["origin"]["StringValue"] == "order-service"
    assert attributes[REDRIVE_COUNT]["StringValue"] == "1"


# --- batches within the size limit ------------------------------------------------------------------


class FailureLog:
    """An ``on_failure`` sink recording (call, queue URL, error code, entries)."""

    def __init__(self) -> None:
        self.failures: list[tuple[str, str, str, int]] = []

    def __call__(self, call: str, queue_url: str, code: str, entries: int) -> None:
        self.failures.append((call, queue_url, code, entries))


def wire_size(entry: dict[str, Any]) -> int:
    """An entry's size as SQS counts it: the UTF-8 body plus each attribute's name, type and value."""
    size = len(entry["MessageBody"].encode())
    for name, value in entry.get("MessageAttributes", {}).items():
        data = value["StringValue"].encode() if "StringValue" in value else value["BinaryValue"]
        size += len(name.encode()) + len(value["DataType"].encode()) + len(data)
    return size


@pytest.fixture
def send_calls(sqs: Any) -> list[list[int]]:
    """The size of each entry of every SendMessageBatch the moto client is asked to make, per call."""
    calls: list[list[int]] = []

    def record(params: dict[str, Any], **_: Any) -> None:
        calls.append([wire_size(entry) for entry in params["Entries"]])

    sqs.meta.events.register("provide-client-params.sqs.SendMessageBatch", record)
    return calls


def test_sqs_queues_splits_near_limit_bodies_into_batches_under_one_mebibyte(
    sqs: Any, moto_dlq: str, moto_source: str, send_calls: list[list[int]]
) -> None:
    # GIVEN ten DLQ messages of 300,000 bytes each (3 MB together, one receive's worth)
    for n in range(10):
        send_to(sqs, moto_dlq, str(n) * 300_000, {"origin": "order-service"})
    # WHEN they are redriven (maxMessages spares the last, long-polling receive)
    report = redrive_on(sqs, moto_dlq, moto_source, Request(max_messages=10))
    # THEN all ten moved, in four SendMessageBatch calls of 3, 3, 3 and 1 entries, none over 1 MiB
    entry = 300_000 + len("origin") + len("String") + len("order-service") + len(REDRIVE_COUNT) + len("String1")
    assert send_calls == [[entry] * 3, [entry] * 3, [entry] * 3, [entry]]
    assert all(sum(call) <= SQS_BATCH_BYTES for call in send_calls)
    assert (report.moved, report.failed) == (10, 0)
    assert len(drain(sqs, moto_source)) == 10


def test_sqs_queues_counts_attributes_toward_the_batch_size(
    sqs: Any, moto_dlq: str, moto_source: str, send_calls: list[list[int]]
) -> None:
    # GIVEN two messages whose bodies fit one batch together (1,040,000 bytes) but not with their attributes
    for n in range(2):
        send_to(sqs, moto_dlq, str(n) * 520_000, {"note": "n" * 5_000})
    # WHEN they are redriven
    report = redrive_on(sqs, moto_dlq, moto_source, Request(max_messages=2))
    # THEN they went in two calls, each under 1 MiB with its attributes
    entry = 520_000 + len("note") + len("String") + 5_000 + len(REDRIVE_COUNT) + len("String1")
    assert send_calls == [[entry], [entry]]
    assert 2 * entry > SQS_BATCH_BYTES
    assert report.moved == 2


def test_sqs_queues_send_skips_and_reports_an_entry_over_the_limit_alone(
    sqs: Any, moto_source: str, send_calls: list[list[int]]
) -> None:
    # GIVEN a message that the redrive count would push past 1 MiB, and a failure sink
    failures = FailureLog()
    queues = SqsQueues(sqs, VISIBILITY, failures)
    message = DlqMessage("m-1", "h-1", "x" * SQS_BATCH_BYTES, {}, 0)
    # WHEN the adapter is asked to send it
    sent = queues.send(moto_source, [(message, {REDRIVE_COUNT: "1"})])
    # THEN no call is made (SQS would refuse it), nothing counts as sent, and the failure is reported
    assert (send_calls, sent) == ([], set())
    assert failures.failures == [("SendMessageBatch", moto_source, "MessageTooLong", 1)]


def test_sqs_queues_redrive_parks_a_binary_redrive_count(sqs: Any, moto_dlq: str, moto_source: str) -> None:
    # GIVEN a DLQ message whose redriveCount is a Binary attribute
    sqs.send_message(
        QueueUrl=moto_dlq,
        MessageBody='{"order": 1}',
        MessageAttributes={REDRIVE_COUNT: {"DataType": "Binary", "BinaryValue": b"\x01"}},
    )
    # WHEN it is redriven
    report = redrive_on(sqs, moto_dlq, moto_source, Request(max_messages=1))
    # THEN it is parked as an invalid count, visible in the DLQ again, and nothing was sent
    assert [reason for _, reason in report.parked_messages] == [ParkReason.BAD_REDRIVE_COUNT]
    assert depth(sqs, moto_dlq) == (1, 0)
    assert depth(sqs, moto_source) == (0, 0)


# --- failures reported with their code ---------------------------------------------------------------


def test_sqs_queues_reports_a_failed_call_with_its_error_code(
    stubbed: tuple[Any, Stubber, list[dict[str, Any]]],
) -> None:
    # GIVEN a SendMessageBatch refused as a whole, and three messages to send
    client, stubber, _ = stubbed
    stubber.add_client_error("send_message_batch", service_error_code="AccessDenied")
    failures = FailureLog()
    messages = [(DlqMessage(f"m-{n}", f"h-{n}", "{}", {}, 0), {REDRIVE_COUNT: "1"}) for n in range(3)]
    # WHEN the adapter sends them
    with stubber:
        sent = SqsQueues(client, VISIBILITY, failures).send(SOURCE_URL, messages)
    # THEN none counts as sent, and the sink heard of the call, its queue, the code AWS gave and the entries
    assert sent == set()
    assert failures.failures == [("SendMessageBatch", SOURCE_URL, "AccessDenied", 3)]


def test_sqs_queues_reports_failed_entries_by_code(stubbed: tuple[Any, Stubber, list[dict[str, Any]]]) -> None:
    # GIVEN a DeleteMessageBatch that answers two entries in Failed, with two codes
    client, stubber, _ = stubbed
    stubber.add_response(
        "delete_message_batch",
        {
            "Successful": [{"Id": "0"}],
            "Failed": [
                {"Id": "1", "SenderFault": True, "Code": "ReceiptHandleIsInvalid"},
                {"Id": "2", "SenderFault": False, "Code": "InternalError"},
            ],
        },
    )
    failures = FailureLog()
    messages = [DlqMessage(f"m-{n}", f"h-{n}", "{}", {}, 0) for n in range(3)]
    # WHEN the adapter deletes them
    with stubber:
        deleted = SqsQueues(client, VISIBILITY, failures).delete(DLQ_URL, messages)
    # THEN the one deleted is returned and each failed entry's code is reported
    assert deleted == {"m-0"}
    assert sorted(failures.failures) == [
        ("DeleteMessageBatch", DLQ_URL, "InternalError", 1),
        ("DeleteMessageBatch", DLQ_URL, "ReceiptHandleIsInvalid", 1),
    ]


def test_sqs_queues_releases_every_held_message_ten_at_a_time(sqs: Any, moto_dlq: str, moto_source: str) -> None:
    # GIVEN 25 rejected messages, which a default redrive filters out and holds
    for n in range(25):
        send_to(sqs, moto_dlq, f"rejected {n}", {"rejectionReason": "SchemaViolation"})
    releases: list[int] = []
    sqs.meta.events.register(
        "provide-client-params.sqs.ChangeMessageVisibilityBatch",
        lambda params, **_: releases.append(len(params["Entries"])),
    )
    # WHEN a redrive runs (maxMessages spares the last, long-polling receive)
    report = redrive_on(sqs, moto_dlq, moto_source, Request(max_messages=25))
    # THEN all 25 are visible in the DLQ again at once, none in flight, released in calls of 10, 10 and 5
    assert report.filtered_out == 25
    assert depth(sqs, moto_dlq) == (25, 0)
    assert releases == [10, 10, 5]
