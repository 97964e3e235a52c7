"""SqsQueues on moto queues: a real redrive, attributes carried over, calls per message, batches under 1 MiB."""

from __future__ import annotations

import uuid
from collections import Counter
from decimal import Decimal
from typing import Any

import pytest

from dlq_redriver.adapters import SqsQueues
from dlq_redriver.domain import ParkReason, Report, Request, redrive
from dlq_redriver.messages import REDRIVE_COUNT, DlqMessage
from orders_shared.events import order_created
from tests.support.aws import drain, record_requests
from tests.unit.ops.ops_support import VISIBILITY, FailureLog, body_of, depth, now_ms, order_bodies, send_to

SQS_BATCH_BYTES = 1_048_576  # SendMessageBatch: 1 MiB in total, bodies and attributes (AWS API reference)


def redrive_on(sqs: Any, dlq: str, source: str, request: Request | None = None) -> Report:
    """Redrive with the real adapter and plenty of time left."""
    return redrive(
        request or Request(), SqsQueues(sqs, VISIBILITY), dlq, source, remaining_ms=lambda: 300_000, now_ms=now_ms
    )


def fill(sqs: Any, queue_url: str, count: int) -> list[str]:
    """Send ``count`` order events to a moto queue, ten per call; returns their bodies."""
    bodies = order_bodies(count)
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


def test_sqs_queues_releases_every_held_message_ten_at_a_time(sqs: Any, moto_dlq: str, moto_source: str) -> None:
    # GIVEN 25 rejected messages, which a default redrive filters out and holds
    for n in range(25):
        send_to(sqs, moto_dlq, f"rejected {n}", {"rejectionReason": "SchemaViolation"})
    releases = record_requests(sqs, "sqs.ChangeMessageVisibilityBatch", lambda params: len(params["Entries"]))
    # WHEN a redrive runs (maxMessages spares the last, long-polling receive)
    report = redrive_on(sqs, moto_dlq, moto_source, Request(max_messages=25))
    # THEN all 25 are visible in the DLQ again at once, none in flight, released in calls of 10, 10 and 5
    assert report.filtered_out == 25
    assert depth(sqs, moto_dlq) == (25, 0)
    assert releases == [10, 10, 5]


# --- batches within the size limit ------------------------------------------------------------------


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
    return record_requests(sqs, "sqs.SendMessageBatch", lambda params: [wire_size(e) for e in params["Entries"]])


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
