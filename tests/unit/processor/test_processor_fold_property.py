"""Property: whatever the processor accepts, its projection is the fold of what it stored.

The real applier and repository on moto: any sequence of events about two orders (valid moves,
moves the lifecycle refuses, overtaking events, duplicates), in any batching. After every batch each
order's projection item, read back, equals the fold of its stored stream, attribute for attribute.
"""

from __future__ import annotations

import uuid
from concurrent.futures import ThreadPoolExecutor
from decimal import Decimal
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from order_processor.applier import BatchApplier
from order_processor.model import Record
from order_processor.repository import DynamoOrderRepository
from orders_shared.event_store import EventStore
from orders_shared.events import (
    NewEvent,
    OrderStatus,
    order_created,
    order_status_changed,
    payment_failed,
    payment_processed,
)
from orders_shared.projection import fold, view_from_item
from tests.support.tables import EVENTS_TABLE, ORDERS_TABLE
from tests.unit.processor.conftest import FakeDeadLetters, FakeNotifier, body_of

KINDS = ["created", "paid", "failed", "processing", "completed", "cancelled"]


def event_of(kind: str, order_id: str, amount: int) -> NewEvent:
    if kind == "created":
        return order_created(order_id, f"cust-{amount}", Decimal(amount) / 4)
    if kind == "paid":
        return payment_processed(order_id, Decimal(amount))
    if kind == "failed":
        return payment_failed(order_id, "card declined")
    return order_status_changed(order_id, OrderStatus(kind))


@st.composite
def histories(draw: st.DrawFn) -> tuple[list[tuple[int, str, int]], list[int]]:
    """Events (order 0 or 1, kind, amount) with repeats of earlier ones, and batch sizes."""
    events = draw(
        st.lists(st.tuples(st.integers(0, 1), st.sampled_from(KINDS), st.integers(0, 10_000)), min_size=1, max_size=9)
    )
    # Most histories create their orders somewhere, so that later moves have something to move.
    creations = [(order, "created", 100 * order + 7) for order in (0, 1) if draw(st.booleans()) or draw(st.booleans())]
    events = [*creations, *events]
    repeats = draw(st.lists(st.integers(0, len(events) - 1), max_size=3))
    order = draw(st.permutations([*range(len(events)), *repeats]))
    sizes = draw(st.lists(st.integers(1, 6), min_size=1, max_size=4))
    return [events[index] for index in order], sizes


@settings(
    max_examples=40,  # each example drives the real applier on moto
    deadline=None,
    derandomize=True,
    database=None,
    # The tables are shared by the examples on purpose: each example's orders are new.
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
)
@given(case=histories())
def test_processor_projection_equals_the_fold_of_its_stream(
    dynamodb: Any, case: tuple[list[tuple[int, str, int]], list[int]]
) -> None:
    # GIVEN the real processor on moto and a history of two orders' events (repeats redelivered as-is)
    history, sizes = case
    orders = [str(uuid.uuid4()), str(uuid.uuid4())]
    client = dynamodb
    with ThreadPoolExecutor(max_workers=2) as executor:
        repository = DynamoOrderRepository(client, ORDERS_TABLE, EVENTS_TABLE, executor=executor)
        applier = BatchApplier(repository, FakeNotifier(), FakeDeadLetters(), executor)
        store = EventStore(client, EVENTS_TABLE, heads_table=ORDERS_TABLE)
        built: dict[tuple[int, str, int], str] = {}
        bodies = [built.setdefault(key, body_of(event_of(key[1], orders[key[0]], key[2]))) for key in history]
        position, turn = 0, 0
        while position < len(bodies):
            size = sizes[turn % len(sizes)]
            # WHEN each batch is applied
            applier.apply([Record(str(uuid.uuid4()), body) for body in bodies[position : position + size]])
            position, turn = position + size, turn + 1

            # THEN each order's projection is the fold of its stored stream (or neither exists)
            for order_id in orders:
                item: Any = client.get_item(
                    TableName=ORDERS_TABLE, Key={"orderId": {"S": order_id}}, ConsistentRead=True
                ).get("Item")
                folded = fold(store.get_events(order_id))
                assert (view_from_item(item) if item else None) == folded
