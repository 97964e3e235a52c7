"""The redriver's SQS adapter: batched receive, send, delete and release."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from botocore.exceptions import BotoCoreError, ClientError

from dlq_redriver.domain import DlqMessage


def _merged(received: Mapping[str, Mapping[str, Any]], given: Mapping[str, str]) -> dict[str, Any]:
    """Every attribute as received (Number and Binary types kept), with the string values given.

    A received attribute whose value the redriver did not change keeps its original type; a new or
    changed one (the redrive count) is sent as a String.
    """
    merged = {
        name: {key: value[key] for key in ("DataType", "StringValue", "BinaryValue") if key in value}
        for name, value in received.items()
    }
    for name, text in given.items():
        if merged.get(name, {}).get("StringValue") != text:
            merged[name] = {"DataType": "String", "StringValue": text}
    return merged


class SqsQueues:
    """SQS calls in batches of 10.

    Parameters
    ----------
    client
        A boto3 ``sqs`` client.
    visibility_seconds : int
        How long a received DLQ message stays hidden: longer than one invocation, so a message
        held back (filtered, parked) is not examined twice in the same run.
    """

    def __init__(self, client: Any, visibility_seconds: int) -> None:
        self._client = client
        self._visibility = visibility_seconds

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
        """SendMessageBatch; returns the ids of the messages sent (none if the call failed)."""
        entries = [
            {
                "Id": str(index),
                "MessageBody": message.body,
                "MessageAttributes": _merged(message.raw_attributes, attributes),
            }
            for index, (message, attributes) in enumerate(messages)
        ]
        try:
            response = self._client.send_message_batch(QueueUrl=queue_url, Entries=entries)
        except (ClientError, BotoCoreError):
            return set()
        return {messages[int(entry["Id"])][0].message_id for entry in response.get("Successful", [])}

    def delete(self, queue_url: str, messages: Sequence[DlqMessage]) -> set[str]:
        """DeleteMessageBatch; returns the ids deleted."""
        entries = [{"Id": str(index), "ReceiptHandle": m.receipt_handle} for index, m in enumerate(messages)]
        try:
            response = self._client.delete_message_batch(QueueUrl=queue_url, Entries=entries)
        except (ClientError, BotoCoreError):
            return set()
        return {messages[int(entry["Id"])].message_id for entry in response.get("Successful", [])}

    def release(self, queue_url: str, messages: Sequence[DlqMessage]) -> None:
        """Make held messages visible again now; a failure only delays them until the timeout."""
        for start in range(0, len(messages), 10):
            chunk = messages[start : start + 10]
            entries = [
                {"Id": str(index), "ReceiptHandle": m.receipt_handle, "VisibilityTimeout": 0}
                for index, m in enumerate(chunk)
            ]
            try:
                self._client.change_message_visibility_batch(QueueUrl=queue_url, Entries=entries)
            except (ClientError, BotoCoreError):
                continue  # they reappear when their visibility timeout ends
