"""The redriver's SQS adapter: batched receive, send, delete and release."""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Mapping, Sequence
from functools import partial
from typing import TYPE_CHECKING

from botocore.exceptions import BotoCoreError, ClientError

from dlq_redriver import telemetry
from dlq_redriver.messages import (
    MAX_BATCH_ENTRIES,
    MAX_MESSAGE_BYTES,
    AttributeValue,
    DlqMessage,
    outgoing_attributes,
    sqs_size,
)
from orders_shared.aws import failure_code
from orders_shared.batching import batches
from orders_shared.observability import logger

if TYPE_CHECKING:
    from mypy_boto3_sqs import SQSClient
    from mypy_boto3_sqs.type_defs import (
        ChangeMessageVisibilityBatchRequestEntryTypeDef,
        ChangeMessageVisibilityBatchResultTypeDef,
        DeleteMessageBatchRequestEntryTypeDef,
        DeleteMessageBatchResultTypeDef,
        SendMessageBatchRequestEntryTypeDef,
        SendMessageBatchResultTypeDef,
    )

    BatchResult = (
        SendMessageBatchResultTypeDef | DeleteMessageBatchResultTypeDef | ChangeMessageVisibilityBatchResultTypeDef
    )

# (call, queue URL, error code, entries concerned): told of every failed call or entry.
FailureSink = Callable[[str, str, str, int], None]


def _outgoing_size(outgoing: tuple[int, str, Mapping[str, AttributeValue]]) -> int:
    _, body, attributes = outgoing
    return sqs_size(body, attributes)


class SqsQueues:
    """SQS calls in batches of at most 10 entries (and, for sends, 1 MiB in total).

    Parameters
    ----------
    client : SQSClient
        A boto3 ``sqs`` client.
    visibility_seconds : int
        How long a received DLQ message stays hidden: longer than one invocation, so a message
        held back (filtered, parked) is not examined twice in the same run.
    on_failure : callable, optional
        Told of each failed call or group of failed entries (call, queue URL, error code, count);
        by default it logs them through the layer's logger.
    """

    def __init__(self, client: SQSClient, visibility_seconds: int, on_failure: FailureSink | None = None) -> None:
        self._client = client
        self._visibility = visibility_seconds
        self._on_failure = on_failure or partial(telemetry.call_failed, logger)

    def receive(self, queue_url: str, count: int) -> list[DlqMessage]:
        """Receive up to ``count`` (≤ 10) messages with all their attributes."""
        response = self._client.receive_message(
            QueueUrl=queue_url,
            MaxNumberOfMessages=count,
            WaitTimeSeconds=1,  # short poll samples only some servers and can miss messages
            VisibilityTimeout=self._visibility,
            MessageAttributeNames=["All"],
            MessageSystemAttributeNames=["SentTimestamp"],
        )
        return [
            DlqMessage(
                message_id=message["MessageId"],
                receipt_handle=message["ReceiptHandle"],
                body=message["Body"],
                attributes={
                    name: value["StringValue"]
                    for name, value in message.get("MessageAttributes", {}).items()
                    if "StringValue" in value
                },
                sent_timestamp_ms=int(message.get("Attributes", {}).get("SentTimestamp", "0")),
                raw_attributes=message.get("MessageAttributes", {}),
            )
            for message in response.get("Messages", [])
        ]

    def send(self, queue_url: str, messages: Sequence[tuple[DlqMessage, Mapping[str, str]]]) -> set[str]:
        """SendMessageBatch, split to fit the entry and size limits; returns the ids of the messages sent.

        An entry over the size limit on its own is not sent (SQS would refuse it); the domain parks
        such messages before they get here.
        """
        outgoing = [
            (index, message.body, outgoing_attributes(message, attributes))
            for index, (message, attributes) in enumerate(messages)
        ]
        sent: set[str] = set()
        for chunk in batches(
            outgoing, max_items=MAX_BATCH_ENTRIES, max_bytes=MAX_MESSAGE_BYTES, size_of=_outgoing_size
        ):
            if _outgoing_size(chunk[0]) > MAX_MESSAGE_BYTES:
                self._on_failure("SendMessageBatch", queue_url, "MessageTooLong", 1)
                continue
            entries: list[SendMessageBatchRequestEntryTypeDef] = [
                {"Id": str(index), "MessageBody": body, "MessageAttributes": attributes}
                for index, body, attributes in chunk
            ]
            ids = self._call(
                "SendMessageBatch",
                queue_url,
                len(entries),
                partial(self._client.send_message_batch, QueueUrl=queue_url, Entries=entries),
            )
            sent.update(messages[int(entry_id)][0].message_id for entry_id in ids)
        return sent

    def delete(self, queue_url: str, messages: Sequence[DlqMessage]) -> set[str]:
        """DeleteMessageBatch; returns the ids deleted."""
        deleted: set[str] = set()
        numbered = list(enumerate(messages))
        for chunk in batches(numbered, max_items=MAX_BATCH_ENTRIES):
            entries: list[DeleteMessageBatchRequestEntryTypeDef] = [
                {"Id": str(index), "ReceiptHandle": m.receipt_handle} for index, m in chunk
            ]
            ids = self._call(
                "DeleteMessageBatch",
                queue_url,
                len(entries),
                partial(self._client.delete_message_batch, QueueUrl=queue_url, Entries=entries),
            )
            deleted.update(messages[int(entry_id)].message_id for entry_id in ids)
        return deleted

    def release(self, queue_url: str, messages: Sequence[DlqMessage]) -> None:
        """Make held messages visible again now; a failure only delays them until the timeout."""
        numbered = list(enumerate(messages))
        for chunk in batches(numbered, max_items=MAX_BATCH_ENTRIES):
            entries: list[ChangeMessageVisibilityBatchRequestEntryTypeDef] = [
                {"Id": str(index), "ReceiptHandle": m.receipt_handle, "VisibilityTimeout": 0} for index, m in chunk
            ]
            self._call(
                "ChangeMessageVisibilityBatch",
                queue_url,
                len(entries),
                partial(self._client.change_message_visibility_batch, QueueUrl=queue_url, Entries=entries),
            )

    def _call(self, name: str, queue_url: str, entries: int, call: Callable[[], BatchResult]) -> list[str]:
        """One batch call of ``entries`` entries; returns the ids of those that succeeded, reporting the others."""
        try:
            response = call()
        except (ClientError, BotoCoreError) as error:
            self._on_failure(name, queue_url, failure_code(error), entries)
            return []
        for code, count in Counter(entry.get("Code", "") for entry in response.get("Failed", [])).items():
            self._on_failure(name, queue_url, code, count)
        return [entry["Id"] for entry in response.get("Successful", [])]
