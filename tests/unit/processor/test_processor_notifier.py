"""SnsNotifier: PublishBatch with filterable attributes; failed entries are reported, never assumed sent."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from decimal import Decimal
from typing import Any

import boto3
import pytest
from botocore.stub import Stubber

from order_processor.model import Notification
from order_processor.notifier import SnsNotifier
from orders_shared.events import NewEvent, OrderEvent, OrderStatus, order_created, order_status_changed
from orders_shared.validation import validate_notification_written
from tests.support.aws import record_requests

Parse = Callable[[NewEvent], OrderEvent]
ORDER_ID = "6f1c2b7e-3d4a-4f5b-8c9d-0e1f2a3b4c5d"
TOPIC_ARN = "arn:aws:sns:us-east-1:123456789012:notifications"


@pytest.fixture
def completion(parsed: Parse) -> Notification:
    event = parsed(order_status_changed(ORDER_ID, OrderStatus.COMPLETED))
    return Notification(event, OrderStatus.COMPLETED, OrderStatus.PROCESSING)


@pytest.fixture
def creations(parsed: Parse) -> Callable[[int], list[Notification]]:
    """``n`` notifications of new orders."""

    def build(n: int) -> list[Notification]:
        events = [parsed(order_created(f"00000000-0000-4000-8000-{i:012d}", "cust-42", Decimal(1))) for i in range(n)]
        return [Notification(event, OrderStatus.PENDING, None) for event in events]

    return build


def test_notifier_publishes_filterable_message_attributes(
    sns: Any, topic_arn: str, subscribed_queue: str, receive_all: Any, completion: Notification
) -> None:
    # GIVEN a queue subscribed to the topic
    notifier = SnsNotifier(sns, topic_arn)
    # WHEN a completion is notified
    failed = notifier.notify([completion])
    # THEN the subscriber receives it with the status, detail-type, event id and schema version as attributes
    [delivered] = receive_all(subscribed_queue)
    attributes = json.loads(delivered["Body"])["MessageAttributes"]
    assert failed == set()
    assert {name: attribute["Value"] for name, attribute in attributes.items()} == {
        "status": "completed",
        "detailType": "OrderStatusChanged",
        "eventId": completion.event.event_id,
        "schemaVersion": "1.0",
    }


def test_notifier_message_names_order_and_both_statuses(
    sns: Any, topic_arn: str, subscribed_queue: str, receive_all: Any, completion: Notification
) -> None:
    # GIVEN a queue subscribed to the topic
    notifier = SnsNotifier(sns, topic_arn)
    # WHEN a completion is notified
    notifier.notify([completion])
    # THEN the message says which order moved from which status to which, for which event
    [delivered] = receive_all(subscribed_queue)
    message = json.loads(json.loads(delivered["Body"])["Message"])
    validate_notification_written(message)  # the outbound contract, exactly
    assert (message["orderId"], message["previousStatus"], message["status"], message["eventId"]) == (
        ORDER_ID,
        "processing",
        "completed",
        completion.event.event_id,
    )


def test_notifier_publishes_in_chunks_of_ten(
    sns: Any, topic_arn: str, creations: Callable[[int], list[Notification]]
) -> None:
    # GIVEN 23 notifications and a record of every PublishBatch
    sizes = record_requests(sns, "sns.PublishBatch", lambda params: len(params["PublishBatchRequestEntries"]))
    notifier = SnsNotifier(sns, topic_arn)
    # WHEN they are notified
    failed = notifier.notify(creations(23))
    # THEN they go out in batches of at most ten, all of them
    assert sizes == [10, 10, 3]
    assert failed == set()


@pytest.fixture
def stubbed() -> Iterator[tuple[Any, Stubber]]:
    client = boto3.client("sns", region_name="us-east-1")
    with Stubber(client) as stubber:
        yield client, stubber


def test_notifier_reports_failed_entry_of_successful_response(
    stubbed: tuple[Any, Stubber], creations: Callable[[int], list[Notification]]
) -> None:
    # GIVEN PublishBatch answering HTTP 200 with the second of three entries in Failed
    client, stubber = stubbed
    notes = creations(3)
    stubber.add_response(
        "publish_batch",
        {
            "Successful": [{"Id": "0", "MessageId": "m-0"}, {"Id": "2", "MessageId": "m-2"}],
            "Failed": [{"Id": "1", "Code": "InternalError", "SenderFault": False}],
        },
    )
    # WHEN they are notified
    failed = SnsNotifier(client, TOPIC_ARN).notify(notes)
    # THEN exactly the failed entry's event id is reported
    assert failed == {notes[1].event.event_id}


def test_notifier_reports_entry_missing_from_response(
    stubbed: tuple[Any, Stubber], creations: Callable[[int], list[Notification]]
) -> None:
    # GIVEN a response that lists neither success nor failure for the second entry
    client, stubber = stubbed
    notes = creations(2)
    stubber.add_response("publish_batch", {"Successful": [{"Id": "0", "MessageId": "m-0"}], "Failed": []})
    # WHEN they are notified
    failed = SnsNotifier(client, TOPIC_ARN).notify(notes)
    # THEN it is not assumed sent
    assert failed == {notes[1].event.event_id}


def test_notifier_reports_whole_chunk_when_call_fails(
    stubbed: tuple[Any, Stubber], creations: Callable[[int], list[Notification]]
) -> None:
    # GIVEN 12 notifications; the first PublishBatch is throttled, the second succeeds
    client, stubber = stubbed
    notes = creations(12)
    stubber.add_client_error("publish_batch", service_error_code="Throttling", http_status_code=400)
    stubber.add_response(
        "publish_batch", {"Successful": [{"Id": "0", "MessageId": "a"}, {"Id": "1", "MessageId": "b"}]}
    )
    # WHEN they are notified
    failed = SnsNotifier(client, TOPIC_ARN).notify(notes)
    # THEN the ten of the throttled chunk are reported, and the rest are not
    assert failed == {note.event.event_id for note in notes[:10]}


def test_notifier_sends_entries_with_attributes_per_notification(
    stubbed: tuple[Any, Stubber], completion: Notification
) -> None:
    # GIVEN a recorder of the PublishBatch request
    client, stubber = stubbed
    calls = record_requests(client, "sns.PublishBatch")
    stubber.add_response("publish_batch", {"Successful": [{"Id": "0", "MessageId": "m-0"}]})
    # WHEN one notification is sent
    SnsNotifier(client, TOPIC_ARN).notify([completion])
    # THEN its entry carries the four String attributes subscription filters use
    [call] = calls
    assert call["TopicArn"] == TOPIC_ARN
    [entry] = call["PublishBatchRequestEntries"]
    assert entry["MessageAttributes"] == {
        "status": {"DataType": "String", "StringValue": "completed"},
        "detailType": {"DataType": "String", "StringValue": "OrderStatusChanged"},
        "eventId": {"DataType": "String", "StringValue": completion.event.event_id},
        "schemaVersion": {"DataType": "String", "StringValue": "1.0"},
    }
