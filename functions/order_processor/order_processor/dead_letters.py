"""The DeadLetters port on SQS: rejected records parked in the DLQ, body intact, reason as attributes."""

from __future__ import annotations

import threading
from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING, Any, cast

from botocore.exceptions import BotoCoreError, ClientError

from order_processor.model import Rejection
from orders_shared.batching import batches
from orders_shared.events import utc_now_iso

if TYPE_CHECKING:
    from mypy_boto3_sqs import SQSClient
    from mypy_boto3_sqs.type_defs import MessageAttributeValueTypeDef, SendMessageBatchRequestEntryTypeDef

SEND_LIMIT = 10  # SendMessageBatch entries per call
SEND_BATCH_BYTES = 256 * 1024  # keep a SendMessageBatch well under its total-size limit


class _LazyClient:
    """Builds the client on first attribute access; thread-safe."""

    def __init__(self, factory: Callable[[], object]) -> None:
        self._factory = factory
        self._client: object | None = None
        self._lock = threading.Lock()

    def __getattr__(self, name: str) -> Any:
        if self._client is None:
            with self._lock:
                if self._client is None:
                    self._client = self._factory()
        return getattr(self._client, name)


def lazy_client[C](factory: Callable[[], C]) -> C:
    """A boto3 client built on first use, for a port that most invocations never call.

    Parking rejected input is rare; building the SQS client at cold start would cost every cold
    start the loading of its service model. The proxy answers every attribute of the client it
    builds, so it stands for that client's type.
    """
    return cast("C", _LazyClient(factory))


def storable(body: str) -> str:
    """The body itself, unless it holds a lone surrogate (no UTF-8 exists for it, SQS refuses it): escaped."""
    return body.encode("utf-8", "backslashreplace").decode("utf-8")


def rejection_attributes(rejection: Rejection, rejected_at: str) -> dict[str, MessageAttributeValueTypeDef]:
    """The message attributes that say why a record was parked (empty values left out)."""
    error = rejection.error
    attributes = {
        "rejectionReason": error.reason,
        "rejectionMessage": error.message[:256],
        "rejectionPath": error.path,
        "rejectionRule": error.rule,
        "originalMessageId": rejection.record.message_id,
        "rejectedAt": rejected_at,
        # Kept so that a rejected message the redriver brought back stays counted (and parks).
        "redriveCount": rejection.record.attributes.get("redriveCount", ""),
    }
    return {name: {"DataType": "String", "StringValue": value} for name, value in attributes.items() if value}


class SqsDeadLetters:
    """Parks rejected records in the dead-letter queue, body intact, reason as attributes."""

    def __init__(self, client: SQSClient, queue_url: str, *, clock: Callable[[], str] = utc_now_iso) -> None:
        self._client = client
        self._queue = queue_url
        self._clock = clock

    def park(self, rejections: Sequence[Rejection]) -> set[str]:
        """SendMessageBatch in chunks of ≤ 10 and ≤ 256 KB; returns the message ids that could not be parked."""
        failed: set[str] = set()

        def body_size(rejection: Rejection) -> int:
            return len(storable(rejection.record.body).encode())

        for chunk in batches(rejections, max_items=SEND_LIMIT, max_bytes=SEND_BATCH_BYTES, size_of=body_size):
            now = self._clock()
            entries: list[SendMessageBatchRequestEntryTypeDef] = [
                {
                    "Id": str(index),
                    "MessageBody": storable(rejection.record.body),
                    "MessageAttributes": rejection_attributes(rejection, now),
                }
                for index, rejection in enumerate(chunk)
            ]
            try:
                response = self._client.send_message_batch(QueueUrl=self._queue, Entries=entries)
            except (ClientError, BotoCoreError):
                failed.update(rejection.record.message_id for rejection in chunk)
                continue
            sent = {entry["Id"] for entry in response.get("Successful", [])}
            failed.update(rej.record.message_id for index, rej in enumerate(chunk) if str(index) not in sent)
        return failed
