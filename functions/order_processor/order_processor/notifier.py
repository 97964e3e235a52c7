"""The Notifier port on SNS: status notifications with attributes for subscription filters.

The message body follows the outbound contract, ``schemas/OrderNotification/<version>.json`` in the
layer (documented with its attributes in docs/contract.md); the tests validate every message built
here against it.
"""

from __future__ import annotations

from collections.abc import Sequence
from concurrent.futures import Executor
from typing import TYPE_CHECKING, Any

from botocore.exceptions import BotoCoreError, ClientError

from order_processor.model import Notification
from orders_shared.batching import batches, map_batches
from orders_shared.events import dumps
from orders_shared.validation import CURRENT_VERSIONS, NOTIFICATION

if TYPE_CHECKING:
    from mypy_boto3_sns import SNSClient
    from mypy_boto3_sns.type_defs import MessageAttributeValueTypeDef, PublishBatchRequestEntryTypeDef

PUBLISH_LIMIT = 10  # PublishBatch entries per call
NOTIFICATION_VERSION = CURRENT_VERSIONS[NOTIFICATION]  # the version of the outbound contract sent


def notification_message(note: Notification) -> dict[str, Any]:
    """The JSON body subscribers receive for one status change."""
    event = note.event
    return {
        "schemaVersion": NOTIFICATION_VERSION,
        "eventId": event.event_id,
        "orderId": event.order_id,
        "status": str(note.status),
        "previousStatus": str(note.previous_status) if note.previous_status else None,
        "detailType": str(event.detail_type),
        "correlationId": event.metadata.correlation_id,
        "occurredAt": event.metadata.occurred_at,
        "message": f"Order {event.order_id} is now {note.status}",
    }


def notification_attributes(note: Notification) -> dict[str, MessageAttributeValueTypeDef]:
    """The SNS message attributes subscription filter policies match on (documented in docs/contract.md)."""
    values = {
        "status": str(note.status),
        "detailType": str(note.event.detail_type),
        "eventId": note.event.event_id,
        "schemaVersion": NOTIFICATION_VERSION,
    }
    return {name: {"DataType": "String", "StringValue": value} for name, value in values.items()}


class SnsNotifier:
    """Status notifications on SNS (at least once: a failed one is reported, and sent again later).

    ``executor``, when given, sends the PublishBatch calls of a large batch concurrently.
    """

    def __init__(self, client: SNSClient, topic_arn: str, *, executor: Executor | None = None) -> None:
        self._client = client
        self._topic = topic_arn
        self._executor = executor

    def notify(self, notifications: Sequence[Notification]) -> set[str]:
        """PublishBatch in chunks of 10; returns the event ids whose notification failed."""
        chunks = list(batches(notifications, max_items=PUBLISH_LIMIT))
        outcomes = map_batches(self._publish, chunks, self._executor)
        failed: set[str] = set()
        for outcome in outcomes:
            failed |= outcome
        return failed

    def _publish(self, chunk: Sequence[Notification]) -> set[str]:
        entries: list[PublishBatchRequestEntryTypeDef] = [
            {
                "Id": str(index),
                "Message": dumps(notification_message(note)),
                "MessageAttributes": notification_attributes(note),
            }
            for index, note in enumerate(chunk)
        ]
        try:
            response = self._client.publish_batch(TopicArn=self._topic, PublishBatchRequestEntries=entries)
        except (ClientError, BotoCoreError):
            return {note.event.event_id for note in chunk}
        # HTTP 200 does not mean every message went out: check Failed, and trust only Successful.
        succeeded = {entry["Id"] for entry in response.get("Successful", [])}
        return {note.event.event_id for index, note in enumerate(chunk) if str(index) not in succeeded}
