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
from scripts.stack import peek_messages


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

    def shipments(self, order_id: str) -> list[dict[str, Any]]:
        """Fulfilment's shipment requests for an order (a scan: the table is keyed by event id)."""
        pages = self.dynamodb.get_paginator("scan").paginate(
            TableName=self.outputs["ShipmentsTableName"],
            FilterExpression="orderId = :o",
            ExpressionAttributeValues={":o": {"S": order_id}},
            ConsistentRead=True,
        )
        return [item for page in pages for item in page["Items"]]

    def dead_letters(self, needle: str) -> list[dict[str, Any]]:
        """DLQ messages whose body contains ``needle`` (a peek: they stay in the DLQ)."""
        return peek_messages(self.sqs, self.outputs["OrderEventsDeadLetterQueueUrl"], needle)

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
