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

from orders_shared.event_store import event_key, head_events
from orders_shared.events import NewEvent
from orders_shared.ledger import ReduceReport, reduce_ledgers
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
        """The events of an order's stream, in order: what its head lists (storage format 2).

        Each entry is the listed event's item with ``version`` set to the position the item records
        (a version test sees an item at another place than its head lists it), and ``eventId``.

        Raises
        ------
        AssertionError
            If the head lists an event that has no item holding it.
        """
        head = self.order(order_id)
        entries = []
        for listed, event_id in enumerate(head_events(head), start=1):
            item = self._event_item(event_id)
            assert item is not None, f"stream {order_id} v{listed}: event {event_id} has no item"
            assert "position" in item, f"stream {order_id} v{listed}: event {event_id}'s item holds no event"
            entries.append({**item, "version": item["position"], "eventId": {"S": event_id}})
        return entries

    def marker(self, event_id: str) -> dict[str, Any] | None:
        """The idempotency marker of an event (its item), once committed.

        An applied event's item that its order's head does not list is an uncommitted claim, part of
        no stream: no marker yet.
        """
        item = self._event_item(event_id)
        if item is None or item.get("outcome", {}).get("S") != "applied":
            return item
        return item if event_id in head_events(self.order(item["orderId"]["S"])) else None

    def _event_item(self, event_id: str) -> dict[str, Any] | None:
        return self.dynamodb.get_item(
            TableName=self.outputs["EventStoreTableName"], Key=event_key(event_id), ConsistentRead=True
        ).get("Item")

    def reduce_when_drained(self, *, quiet_s: float = 3, timeout: float = 180) -> ReduceReport:
        """Once the order-events queue has stayed empty for ``quiet_s`` (no processor runs), add
        every commit's ledger to the counters, settled at once, as the metrics emitter would later."""
        deadline, quiet_since = time.monotonic() + timeout, None
        while True:
            attributes = self.sqs.get_queue_attributes(
                QueueUrl=self.outputs["OrderEventsQueueUrl"],
                AttributeNames=["ApproximateNumberOfMessages", "ApproximateNumberOfMessagesNotVisible"],
            )["Attributes"]
            if int(attributes["ApproximateNumberOfMessages"]) + int(
                attributes["ApproximateNumberOfMessagesNotVisible"]
            ):
                quiet_since = None
            elif quiet_since is None:
                quiet_since = time.monotonic()
            elif time.monotonic() - quiet_since >= quiet_s:
                break
            if time.monotonic() > deadline:
                pytest.fail(f"the order-events queue did not drain within {timeout:.0f} s: {attributes}")
            time.sleep(0.5)
        return reduce_ledgers(
            self.dynamodb, self.outputs["EventStoreTableName"], self.outputs["OrdersTableName"], settle_s=0
        )

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
