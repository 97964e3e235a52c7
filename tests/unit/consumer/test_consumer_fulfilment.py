"""Fulfilment, the downstream consumer: one shipment per completed order, none for others or duplicates."""

from __future__ import annotations

import json
from collections.abc import Iterator
from decimal import Decimal
from pathlib import Path
from types import ModuleType
from typing import Any

import boto3
import pytest

from fulfilment.adapters import DynamoShipmentLedger
from fulfilment.domain import Message, Outcome, ShipmentRequest, handle
from order_processor.model import Notification
from order_processor.notifier import SnsNotifier, notification_message
from orders_shared.errors import RetryableError
from orders_shared.events import (
    Money,
    NewEvent,
    OrderEvent,
    OrderStatus,
    dumps,
    envelope_for,
    order_created,
    order_status_changed,
    parse_envelope,
)
from tests.support.aws import FakeLambdaContext
from tests.unit.ops.conftest import cold_start, forget

ORDER_ID = "6f1c2b7e-3d4a-4f5b-8c9d-0e1f2a3b4c5d"
NOW = "2026-11-26T10:00:05.000Z"
TABLE = "Shipments"


def parse(event: NewEvent) -> OrderEvent:
    return parse_envelope(json.loads(dumps(envelope_for(event)), parse_float=Decimal))


def completed() -> Notification:
    return Notification(parse(order_status_changed(ORDER_ID, OrderStatus.COMPLETED)), OrderStatus.COMPLETED, None)


def pending() -> Notification:
    return Notification(parse(order_created(ORDER_ID, "c-1", Money(Decimal(5), "EUR"))), OrderStatus.PENDING, None)


def body(note: Notification, **changes: Any) -> str:
    return dumps({**notification_message(note), **changes})


class FakeLedger:
    """Shipment requests in memory, once per event id; ``failing`` makes every write fail transiently,
    ``failing_ids`` only those of the event ids in it."""

    def __init__(self) -> None:
        self.requests: dict[str, ShipmentRequest] = {}
        self.failing = False
        self.failing_ids: set[str] = set()

    def record(self, request: ShipmentRequest, requested_at: str) -> bool:
        if self.failing or request.event_id in self.failing_ids:
            raise RetryableError(f"throttled writing {request.event_id}")
        if request.event_id in self.requests:
            return False
        self.requests[request.event_id] = request
        return True


def test_handle_requests_one_shipment_for_a_completed_order() -> None:
    # GIVEN a completed-order notification
    ledger, note = FakeLedger(), completed()
    # WHEN it is handled
    report = handle([Message("m-1", body(note))], ledger, lambda: NOW)
    # THEN one shipment is requested for that order, keyed by the event id
    assert report.outcomes == {"m-1": Outcome.REQUESTED}
    assert [(r.event_id, r.order_id) for r in ledger.requests.values()] == [(note.event.event_id, ORDER_ID)]


def test_handle_requests_nothing_for_a_pending_order() -> None:
    # GIVEN a notification of a new (pending) order that got past the filter policy
    ledger = FakeLedger()
    # WHEN it is handled
    report = handle([Message("m-1", body(pending()))], ledger, lambda: NOW)
    # THEN nothing is requested, and the message is done with
    assert report.outcomes == {"m-1": Outcome.SKIPPED}
    assert ledger.requests == {}
    assert report.failures == []


def test_handle_requests_nothing_for_a_duplicate_notification() -> None:
    # GIVEN the same completion delivered twice (SNS and SQS deliver at least once), in two batches
    ledger, note = FakeLedger(), completed()
    handle([Message("m-1", body(note))], ledger, lambda: NOW)
    # WHEN the copy is handled
    report = handle([Message("m-2", body(note))], ledger, lambda: NOW)
    # THEN it is a duplicate: still one shipment
    assert report.outcomes == {"m-2": Outcome.DUPLICATE}
    assert len(ledger.requests) == 1


def test_handle_reads_a_newer_minor_of_the_notification() -> None:
    # GIVEN a completion of notification 1.3, with a field this consumer does not know
    ledger = FakeLedger()
    # WHEN it is handled
    report = handle([Message("m-1", body(completed(), schemaVersion="1.3", carrier="dhl"))], ledger, lambda: NOW)
    # THEN it is a tolerant reader: the shipment is requested
    assert report.outcomes == {"m-1": Outcome.REQUESTED}


@pytest.mark.parametrize(
    ("text", "reason"),
    [
        pytest.param("not json", "MalformedJson", id="malformed"),
        pytest.param(body(completed(), orderId="123"), "SchemaViolation", id="bad-order-id"),
        pytest.param(body(completed(), schemaVersion="2.0"), "UnsupportedSchemaVersion", id="unsupported-major"),
    ],
)
def test_handle_reports_an_unreadable_notification_for_retry_and_its_dlq(text: str, reason: str) -> None:
    # GIVEN a message that is not a notification this consumer reads
    ledger = FakeLedger()
    # WHEN it is handled
    report = handle([Message("m-1", text)], ledger, lambda: NOW)
    # THEN nothing is requested; it is reported (SQS moves it to the DLQ after its receives), with why
    assert report.failures == ["m-1"]
    assert report.reasons["m-1"].startswith(reason)
    assert ledger.requests == {}


def test_handle_gives_every_message_of_a_mixed_batch_its_own_outcome() -> None:
    # GIVEN a batch where each outcome is followed by more messages: an unreadable one, a pending
    # order, a completion whose write fails now, a completion, and a copy of a completion shipped before
    ledger = FakeLedger()
    shipped_before, throttled, fresh = completed(), completed(), completed()
    handle([Message("m-0", body(shipped_before))], ledger, lambda: NOW)
    ledger.failing_ids = {throttled.event.event_id.lower()}
    batch = [
        Message("m-1", "not json"),
        Message("m-2", body(pending())),
        Message("m-3", body(throttled)),
        Message("m-4", body(fresh)),
        Message("m-5", body(shipped_before)),
    ]
    # WHEN the batch is handled
    report = handle(batch, ledger, lambda: NOW)
    # THEN every message has its outcome (none is dropped after an early one), the two to deliver
    # again are reported with their reasons, and the counts per outcome add up to the batch
    assert report.outcomes == {
        "m-1": Outcome.INVALID,
        "m-2": Outcome.SKIPPED,
        "m-3": Outcome.RETRY,
        "m-4": Outcome.REQUESTED,
        "m-5": Outcome.DUPLICATE,
    }
    assert report.failures == ["m-1", "m-3"]
    assert set(report.reasons) == {"m-1", "m-3"}
    assert report.reasons["m-1"].startswith("MalformedJson: ")
    assert report.reasons["m-3"] == f"throttled writing {throttled.event.event_id.lower()}"
    assert {str(outcome): report.count(outcome) for outcome in Outcome} == {
        "requested": 1,
        "duplicate": 1,
        "skipped": 1,
        "invalid": 1,
        "retry": 1,
    }
    assert set(ledger.requests) == {shipped_before.event.event_id.lower(), fresh.event.event_id.lower()}


def test_handle_reports_a_failed_write_for_retry() -> None:
    # GIVEN a ledger that cannot be written now
    ledger = FakeLedger()
    ledger.failing = True
    # WHEN a completion is handled
    report = handle([Message("m-1", body(completed()))], ledger, lambda: NOW)
    # THEN it is reported for another delivery
    assert report.outcomes == {"m-1": Outcome.RETRY}
    assert report.failures == ["m-1"]


# --- the adapter and the handler on moto -------------------------------------------------------------


@pytest.fixture
def shipments(aws: None) -> Any:
    client = boto3.client("dynamodb", region_name="us-east-1")
    client.create_table(
        TableName=TABLE,
        AttributeDefinitions=[{"AttributeName": "eventId", "AttributeType": "S"}],
        KeySchema=[{"AttributeName": "eventId", "KeyType": "HASH"}],
        BillingMode="PAY_PER_REQUEST",
    )
    return client


def test_ledger_records_once_per_event_id(shipments: Any) -> None:
    # GIVEN the DynamoDB ledger and a request
    ledger = DynamoShipmentLedger(shipments, TABLE)
    request = ShipmentRequest("e-1", ORDER_ID, "c-1", NOW, "1.0")
    # WHEN it is recorded twice
    first, second = ledger.record(request, NOW), ledger.record(request, NOW)
    # THEN the first writes, the second finds it
    assert (first, second) == (True, False)
    assert shipments.scan(TableName=TABLE)["Count"] == 1


@pytest.fixture
def app(monkeypatch: pytest.MonkeyPatch, shipments: Any) -> Iterator[ModuleType]:
    module = cold_start(monkeypatch, "fulfilment.app", {"SHIPMENTS_TABLE_NAME": TABLE})
    yield module
    forget("fulfilment.app")


def test_handler_through_a_filtered_raw_subscription_ships_completed_orders_once(
    app: ModuleType, shipments: Any, sns: Any, sqs: Any
) -> None:
    # GIVEN fulfilment's queue subscribed to the topic as the template does (raw, filter on the attributes)
    topic = sns.create_topic(Name="notifications")["TopicArn"]
    queue_url = sqs.create_queue(QueueName="fulfilment")["QueueUrl"]
    queue_arn = sqs.get_queue_attributes(QueueUrl=queue_url, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
    policy = {"status": ["completed"], "schemaVersion": [{"prefix": "1."}]}
    sns.subscribe(
        TopicArn=topic,
        Protocol="sqs",
        Endpoint=queue_arn,
        Attributes={"RawMessageDelivery": "true", "FilterPolicy": json.dumps(policy)},
    )
    # WHEN the processor's notifier sends a pending order, a completion, and the completion again
    note = completed()
    assert SnsNotifier(sns, topic).notify([pending(), note, note]) == set()
    messages = sqs.receive_message(QueueUrl=queue_url, MaxNumberOfMessages=10)["Messages"]
    records = [{"messageId": m["MessageId"], "body": m["Body"]} for m in messages]
    response = app.handler({"Records": records}, FakeLambdaContext("fulfilment"))
    # THEN only the completions got through, and exactly one shipment is recorded
    assert len(records) == 2
    assert response == {"batchItemFailures": []}
    [item] = shipments.scan(TableName=TABLE)["Items"]
    assert (item["eventId"]["S"], item["orderId"]["S"]) == (note.event.event_id, ORDER_ID)


def test_sample_notification_event_requests_a_shipment() -> None:
    # GIVEN the committed sample (events/fulfilment_completed_notification.json, for make invoke)
    sample = Path(__file__).parents[3] / "events" / "fulfilment_completed_notification.json"
    [record] = json.loads(sample.read_text(encoding="utf-8"))["Records"]
    # WHEN fulfilment handles it
    report = handle([Message(record["messageId"], record["body"])], FakeLedger(), lambda: NOW)
    # THEN it is a completed order's notification: one shipment
    assert report.outcomes == {record["messageId"]: Outcome.REQUESTED}
