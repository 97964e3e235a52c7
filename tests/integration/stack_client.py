"""A client for the deployed stack (the local emulator unless told otherwise).

The stack is found by name ($STACK_NAME, default ``order-pipeline-local``) through whatever AWS
endpoint and credentials the environment gives: ``make integration`` points them at the local
emulator; unset AWS_ENDPOINT_URL and set STACK_NAME to run against a real stack.
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable
from typing import Any

import boto3
import pytest

from orders_shared.events import NewEvent
from orders_shared.publisher import EventPublisher


class Stack:
    """The stack's outputs and clients for it."""

    def __init__(self, name: str) -> None:
        self.name = name
        description = boto3.client("cloudformation").describe_stacks(StackName=name)["Stacks"][0]
        self.outputs = {output["OutputKey"]: output["OutputValue"] for output in description.get("Outputs", [])}
        self.events = boto3.client("events")
        self.sqs = boto3.client("sqs")
        self.sns = boto3.client("sns")
        self.dynamodb = boto3.client("dynamodb")
        self.lambda_ = boto3.client("lambda")
        self.logs = boto3.client("logs")
        self.publisher = EventPublisher(self.events, self.outputs["EventBusName"])

    def publish(self, *events: NewEvent) -> None:
        """Publish through the project's EventPublisher (validated, retried)."""
        self.publisher.publish(list(events))

    def put_raw(self, source: str, detail_type: str, detail: str) -> None:
        """Publish what a careless producer might: no validation at all."""
        response = self.events.put_events(
            Entries=[
                {
                    "EventBusName": self.outputs["EventBusName"],
                    "Source": source,
                    "DetailType": detail_type,
                    "Detail": detail,
                }
            ]
        )
        assert response["FailedEntryCount"] == 0

    def order(self, order_id: str) -> dict[str, Any] | None:
        """The projection item of an order (consistent read)."""
        item = self.dynamodb.get_item(
            TableName=self.outputs["OrdersTableName"], Key={"orderId": {"S": order_id}}, ConsistentRead=True
        ).get("Item")
        return item

    def stream(self, order_id: str) -> list[dict[str, Any]]:
        """The event-store entries of an order."""
        response = self.dynamodb.query(
            TableName=self.outputs["EventStoreTableName"],
            KeyConditionExpression="streamId = :s",
            ExpressionAttributeValues={":s": {"S": order_id}},
            ConsistentRead=True,
        )
        return list(response["Items"])

    def marker(self, event_id: str) -> dict[str, Any] | None:
        """The idempotency marker of an event."""
        return self.dynamodb.get_item(
            TableName=self.outputs["EventStoreTableName"],
            Key={"streamId": {"S": f"event#{event_id}"}, "version": {"N": "0"}},
            ConsistentRead=True,
        ).get("Item")

    def dead_letters(self, needle: str) -> list[dict[str, Any]]:
        """DLQ messages whose body contains ``needle``, peeked: every message received is released."""
        queue_url = self.outputs["OrderEventsDeadLetterQueueUrl"]
        found: list[dict[str, Any]] = []
        received: list[dict[str, Any]] = []
        for _ in range(20):  # up to 200 messages deep; held messages are not received twice
            messages = self.sqs.receive_message(
                QueueUrl=queue_url,
                MaxNumberOfMessages=10,
                VisibilityTimeout=30,
                MessageAttributeNames=["All"],
                MessageSystemAttributeNames=["All"],
            ).get("Messages", [])
            received.extend(messages)
            found.extend(message for message in messages if needle in message["Body"])
            if not messages or found:
                break
        for start in range(0, len(received), 10):
            self.sqs.change_message_visibility_batch(
                QueueUrl=queue_url,
                Entries=[
                    {"Id": str(index), "ReceiptHandle": message["ReceiptHandle"], "VisibilityTimeout": 0}
                    for index, message in enumerate(received[start : start + 10])
                ],
            )
        return found

    def invoke(self, output: str, payload: Any) -> Any:
        """Invoke a function synchronously and return its JSON answer."""
        response = self.lambda_.invoke(FunctionName=self.outputs[output], Payload=json.dumps(payload).encode())
        body = json.loads(response["Payload"].read())
        assert "FunctionError" not in response, body
        return body


def eventually[T](probe: Callable[[], T | None], *, timeout: float = 30, interval: float = 0.25) -> T:
    """Poll ``probe`` until it returns something truthy; fail with what it last saw."""
    deadline = time.monotonic() + timeout
    last: T | None = None
    while time.monotonic() < deadline:
        last = probe()
        if last:
            return last
        time.sleep(interval)
    pytest.fail(f"condition not met within {timeout:.0f} s (last value: {last!r})")
