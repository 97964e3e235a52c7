"""Reading an order back from the event store: history, as-of, and the streams listing."""

from __future__ import annotations

import itertools
from decimal import Decimal
from typing import Any

import pytest

from orders_shared.event_store import STREAM_SHARDS, EventStore, stream_shard
from orders_shared.events import OrderStatus, order_created, order_status_changed, payment_processed
from orders_shared.history import UnknownOrderError, read_history
from orders_shared.projection import AsOfError, StreamError, parse_time

ORDER = "4d3c2b1a-0f9e-4d8c-b7a6-554433221100"


@pytest.fixture
def ticking_store(dynamodb: Any) -> EventStore:
    """An EventStore whose clock moves one second per append, from 10:00:01."""
    seconds = itertools.count(1)
    return EventStore(
        dynamodb, "event-store", heads_table="orders", clock=lambda: f"2026-11-29T10:00:{next(seconds):02d}.000Z"
    )


def store_lifecycle(store: EventStore, order_id: str = ORDER) -> None:
    store.append(order_id, [order_created(order_id, "c-1", Decimal(20), correlation_id="corr-1")], 0)
    store.append(order_id, [payment_processed(order_id, Decimal(20), correlation_id="corr-1")], 1)
    store.append(order_id, [order_status_changed(order_id, OrderStatus.COMPLETED, correlation_id="corr-2")], 2)


def test_read_history_gives_every_event_and_the_current_state(ticking_store: EventStore) -> None:
    # GIVEN a stored lifecycle WHEN its history is read
    store_lifecycle(ticking_store)
    history = read_history(ticking_store, ORDER)

    # THEN all three events, their correlation ids, and the completed order
    assert [event.version for event in history.events] == [1, 2, 3]
    assert history.correlation_ids == ["corr-1", "corr-1", "corr-2"]
    assert (history.view.status, history.view.version, history.known) == (OrderStatus.COMPLETED, 3, 3)


def test_read_history_as_of_a_version(ticking_store: EventStore) -> None:
    # GIVEN a stored lifecycle WHEN read as of version 2 THEN processing, all events still listed
    store_lifecycle(ticking_store)
    history = read_history(ticking_store, ORDER, version=2)
    assert (history.view.status, history.known, len(history.events)) == (OrderStatus.PROCESSING, 2, 3)


def test_read_history_as_of_a_time(ticking_store: EventStore) -> None:
    # GIVEN events committed at 10:00:01, :02 and :03 WHEN read as of 10:00:01.5 THEN just created
    store_lifecycle(ticking_store)
    history = read_history(ticking_store, ORDER, at=parse_time("2026-11-29T10:00:01.500Z"))
    assert (history.view.status, history.known) == (OrderStatus.PENDING, 1)


def test_read_history_of_an_unknown_order_is_refused(ticking_store: EventStore) -> None:
    # GIVEN an empty store WHEN an order's history is read THEN it is named unknown
    with pytest.raises(UnknownOrderError, match=f"order {ORDER} has no stored events"):
        read_history(ticking_store, ORDER)


def test_read_history_of_a_version_beyond_the_head_is_refused(ticking_store: EventStore) -> None:
    # GIVEN a three-event stream WHEN version 9 is asked for THEN refused with the range
    store_lifecycle(ticking_store)
    with pytest.raises(AsOfError, match="versions 1 to 3"):
        read_history(ticking_store, ORDER, version=9)


def test_read_history_refuses_a_version_and_a_time_together(ticking_store: EventStore) -> None:
    # GIVEN both a version and a time WHEN read THEN refused
    with pytest.raises(ValueError, match="not both"):
        read_history(ticking_store, ORDER, version=1, at=parse_time("2026-11-29T10:00:00Z"))


def test_read_history_names_a_corrupt_stream(ticking_store: EventStore) -> None:
    # GIVEN a stream whose second event skips processing (never stored by the processor)
    ticking_store.append(ORDER, [order_created(ORDER, "c-1", Decimal(1))], 0)
    ticking_store.append(ORDER, [order_status_changed(ORDER, OrderStatus.COMPLETED)], 1)

    # WHEN read THEN the corrupt version is named
    with pytest.raises(StreamError, match="version 2: OrderStatusChanged cannot move pending to completed"):
        read_history(ticking_store, ORDER)


def test_the_head_alone_stands_for_its_stream_and_counter_items_are_not_listed(
    ticking_store: EventStore, dynamodb: Any
) -> None:
    # GIVEN three stored events of one order, and a counter shard beside its head
    store_lifecycle(ticking_store)
    dynamodb.put_item(TableName="orders", Item={"orderId": {"S": "#stats#03"}, "pending": {"N": "1"}})

    # WHEN the heads' table is read, and the streams listed THEN one head, the stream listed once
    heads = [item for item in dynamodb.scan(TableName="orders")["Items"] if "events" in item]
    assert [item["orderId"]["S"] for item in heads] == [ORDER]
    listed = [
        stream_id
        for shard in range(STREAM_SHARDS)
        for stream_id in ticking_store.stream_page(f"{shard:02d}").stream_ids
    ]
    assert listed == [ORDER]


def test_stream_page_lists_each_stream_once_in_its_shard(ticking_store: EventStore) -> None:
    # GIVEN twenty orders' lifecycles
    orders = [f"{index:08d}-0000-4000-8000-000000000000" for index in range(20)]
    for order_id in orders:
        store_lifecycle(ticking_store, order_id)

    # WHEN every segment of the streams listing is read
    listed = [
        stream_id
        for shard in range(STREAM_SHARDS)
        for stream_id in ticking_store.stream_page(f"{shard:02d}").stream_ids
    ]

    # THEN each order appears exactly once
    assert sorted(listed) == sorted(orders)


def test_stream_shard_is_stable_and_within_range() -> None:
    # GIVEN a stream id WHEN its shard is computed twice THEN the same two digits in 00..15
    assert stream_shard(ORDER) == stream_shard(ORDER)
    assert 0 <= int(stream_shard(ORDER)) < STREAM_SHARDS
