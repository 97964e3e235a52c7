"""Fixtures of the read side's tests: the real processor writing orders into moto's tables."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from decimal import Decimal
from typing import Any

import pytest

from order_processor.applier import BatchApplier
from order_processor.model import Record
from order_processor.repository import DynamoOrderRepository
from orders_shared.events import NewEvent, OrderStatus, order_created, order_status_changed, payment_processed
from tests.support.tables import EVENTS_TABLE, ORDERS_TABLE
from tests.unit.processor.conftest import FakeDeadLetters, FakeNotifier, body_of

# A head's projection attributes, less the version (also the stream's): what deleting a projection removes.
PROJECTION_ONLY = ("customerId", "amount", "currency", "createdAt", "status", "lastEventId", "updatedAt", "occurredAt")


def lifecycle(order_id: str, index: int) -> list[NewEvent]:
    """Created; then paid (two in three); then completed (one in three) or cancelled (one in six)."""
    amount = Decimal(index % 50 + 1) + Decimal("0.25")
    events = [order_created(order_id, f"cust-{index}", amount)]
    if index % 3:
        events.append(payment_processed(order_id, amount))
        if index % 3 == 1:
            events.append(order_status_changed(order_id, OrderStatus.COMPLETED))
        elif index % 2:
            events.append(order_status_changed(order_id, OrderStatus.CANCELLED))
    return events


class Pipeline:
    """The processor on moto: ``run`` applies events in batches of ten, as the SQS trigger would."""

    def __init__(self, client: Any, executor: ThreadPoolExecutor) -> None:
        self.client = client
        repository = DynamoOrderRepository(client, ORDERS_TABLE, EVENTS_TABLE, executor=executor)
        self.applier = BatchApplier(repository, FakeNotifier(), FakeDeadLetters(), executor)

    def run(self, events: list[NewEvent]) -> None:
        for start in range(0, len(events), 10):
            records = [Record(str(uuid.uuid4()), body_of(event)) for event in events[start : start + 10]]
            self.applier.apply(records)

    def orders(self, count: int) -> list[str]:
        """Create ``count`` orders through their lifecycles (each step in a later batch); their ids."""
        ids = [str(uuid.uuid4()) for _ in range(count)]
        lifecycles = [lifecycle(order_id, index) for index, order_id in enumerate(ids)]
        for step in range(3):
            self.run([events[step] for events in lifecycles if len(events) > step])
        return ids

    def delete_projection(self, order_id: str, table: str = ORDERS_TABLE) -> None:
        """Remove an order's projection from its head, keeping the stream (its lists and version)."""
        self.client.update_item(
            TableName=table,
            Key={"orderId": {"S": order_id}},
            UpdateExpression="REMOVE " + ", ".join(f"#p{index}" for index in range(len(PROJECTION_ONLY))),
            ExpressionAttributeNames={f"#p{index}": name for index, name in enumerate(PROJECTION_ONLY)},
        )

    def item(self, order_id: str) -> dict[str, Any] | None:
        response = self.client.get_item(TableName=ORDERS_TABLE, Key={"orderId": {"S": order_id}}, ConsistentRead=True)
        return response.get("Item")


@pytest.fixture
def executor() -> Iterator[ThreadPoolExecutor]:
    with ThreadPoolExecutor(max_workers=4) as pool:
        yield pool


@pytest.fixture
def pipeline(dynamodb: Any, executor: ThreadPoolExecutor) -> Pipeline:
    return Pipeline(dynamodb, executor)
