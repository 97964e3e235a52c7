"""Format 2's items stay under 1 KB for the events the contract describes: one write unit each.

The cost model (bench/billing.py) prices an UpdateItem of a head as one write unit; DynamoDB bills
the larger of the item before and after, per started KB. These tests hold the items to it, with
DynamoDB's own count (UTF-8 bytes of each attribute name and value; a number by its digits).
"""

from __future__ import annotations

import random
import uuid
from decimal import Decimal
from typing import Any

from order_processor.repository import DynamoOrderRepository
from orders_shared.events import Money, OrderStatus, order_created, order_status_changed, payment_processed
from tests.unit.processor.processor_support import NOW, Parse, change_of

KB = 1024


def _size(value: Any) -> int:
    ((kind, inner),) = value.items()
    if kind in {"S", "N"}:
        return len(str(inner).encode("utf-8"))
    if kind == "L":
        return 3 + sum(1 + _size(entry) for entry in inner)
    if kind == "M":
        return 3 + sum(len(name.encode("utf-8")) + 1 + _size(entry) for name, entry in inner.items())
    return len(str(inner).encode("utf-8"))


def item_bytes(item: dict[str, Any]) -> int:
    """An item's size as DynamoDB counts it (close to: names plus values, lists with their overhead)."""
    return sum(len(name.encode("utf-8")) + _size(value) for name, value in item.items())


def test_a_whole_lifecycle_keeps_the_head_and_every_event_item_under_1_kb(dynamodb: Any, parsed: Parse) -> None:
    # GIVEN an order taken through its longest lifecycle by the repository, with long but valid values
    order_id = str(uuid.uuid4())
    repo = DynamoOrderRepository(dynamodb, "Orders", "EventStore", clock=lambda: NOW, rng=random.Random(1))
    customer = "customer-" + "x" * 54  # the contract's longest customer id is 64 characters
    state = None
    for event in (
        order_created(order_id, customer, Money(Decimal("99999999.99"), "EUR")),
        payment_processed(order_id, Decimal("99999999.99")),
        order_status_changed(order_id, OrderStatus.COMPLETED),
    ):
        change = change_of(parsed, event, state)
        assert repo.commit([change]) != []
        state = change.new
    # WHEN its items are read back
    head = dynamodb.get_item(TableName="Orders", Key={"orderId": {"S": order_id}}, ConsistentRead=True)["Item"]
    events = [
        item
        for item in dynamodb.scan(TableName="EventStore", ConsistentRead=True)["Items"]
        if item.get("orderId", {}).get("S") == order_id
    ]
    # THEN each is under 1 KB: one write unit per write
    assert len(events) == 3
    assert item_bytes(head) < KB, item_bytes(head)
    assert max(item_bytes(item) for item in events) < KB, [item_bytes(item) for item in events]
