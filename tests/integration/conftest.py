"""Integration fixtures: the stack under test and a subscription to its notifications."""

from __future__ import annotations

import json
import os
import uuid
from collections.abc import Callable, Iterator
from typing import Any

import pytest

from tests.integration.stack_client import Stack


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    for item in items:
        item.add_marker(pytest.mark.integration)
    # The emulator restart runs after every other test, whatever the order they were collected in.
    items.sort(key=lambda item: item.path.name == "test_integration_restart.py")


@pytest.fixture(scope="session")
def stack() -> Stack:
    return Stack(os.environ.get("STACK_NAME", "order-pipeline-local"))


@pytest.fixture(scope="session")
def notifications(stack: Stack) -> Iterator[Callable[[str], list[dict[str, Any]]]]:
    """An SQS queue subscribed to the Notifications topic (raw delivery keeps the attributes)."""
    queue_url = stack.sqs.create_queue(QueueName=f"it-notifications-{uuid.uuid4().hex[:8]}")["QueueUrl"]
    attributes = stack.sqs.get_queue_attributes(QueueUrl=queue_url, AttributeNames=["QueueArn"])["Attributes"]
    queue_arn = attributes["QueueArn"]
    subscription = stack.sns.subscribe(
        TopicArn=stack.outputs["NotificationsTopicArn"],
        Protocol="sqs",
        Endpoint=queue_arn,
        Attributes={"RawMessageDelivery": "true"},
        ReturnSubscriptionArn=True,
    )["SubscriptionArn"]
    seen: list[dict[str, Any]] = []

    def received(order_id: str) -> list[dict[str, Any]]:
        while True:
            messages = stack.sqs.receive_message(
                QueueUrl=queue_url, MaxNumberOfMessages=10, MessageAttributeNames=["All"], WaitTimeSeconds=1
            ).get("Messages", [])
            if not messages:
                break
            seen.extend(messages)
            stack.sqs.delete_message_batch(
                QueueUrl=queue_url,
                Entries=[{"Id": str(i), "ReceiptHandle": m["ReceiptHandle"]} for i, m in enumerate(messages)],
            )
        return [message for message in seen if json.loads(message["Body"])["orderId"] == order_id]

    yield received
    stack.sns.unsubscribe(SubscriptionArn=subscription)
    stack.sqs.delete_queue(QueueUrl=queue_url)
