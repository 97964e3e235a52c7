"""EventStore on a moto DynamoDB table: appends, reads, optimistic concurrency, atomicity."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import pytest

from orders_shared.errors import ConcurrencyError
from orders_shared.event_store import EventStore, RecordedEvent
from orders_shared.events import DetailType, NewEvent, OrderStatus, new_event, order_created, order_status_changed

STREAM = "order-6f1c2b7e-3d4a-4f5b-8c9d-0e1f2a3b4c5d"
ORDER_ID = "6f1c2b7e-3d4a-4f5b-8c9d-0e1f2a3b4c5d"


def created() -> NewEvent:
    """An OrderCreated event of the stream's order."""
    return order_created(ORDER_ID, "cust-42", Decimal("129.99"))


def changed(status: OrderStatus = OrderStatus.PROCESSING) -> NewEvent:
    """An OrderStatusChanged event of the stream's order."""
    return order_status_changed(ORDER_ID, status)


def versions(events: list[RecordedEvent]) -> list[int]:
    """The versions of recorded events, in the order returned."""
    return [event.version for event in events]


def test_event_store_append_to_a_new_stream_then_read_it_back(store: EventStore) -> None:
    # GIVEN two events for a stream that does not exist yet
    events = [created(), changed()]

    # WHEN they are appended at expected version 0 and the stream is read
    new_version = store.append(STREAM, events, expected_version=0)
    recorded = store.get_events(STREAM)

    # THEN they are stored as versions 1 and 2, with their ids, types, data and time of recording
    assert new_version == 2
    assert recorded == [
        RecordedEvent(STREAM, 1, events[0].event_id, "OrderCreated", events[0].detail, "2026-11-26T10:00:05.000Z"),
        RecordedEvent(
            STREAM, 2, events[1].event_id, "OrderStatusChanged", events[1].detail, "2026-11-26T10:00:05.000Z"
        ),
    ]


def test_event_store_append_after_the_expected_version(store: EventStore) -> None:
    # GIVEN a stream at version 2
    store.append(STREAM, [created(), changed()], expected_version=0)
    completed = changed(OrderStatus.COMPLETED)

    # WHEN an event is appended by a writer that saw version 2
    new_version = store.append(STREAM, [completed], expected_version=2)

    # THEN it becomes version 3
    assert new_version == 3
    assert [(e.version, e.event_id) for e in store.get_events(STREAM)][-1] == (3, completed.event_id)


def test_event_store_get_events_from_a_version(store: EventStore) -> None:
    # GIVEN a stream of four events
    events = [created(), changed(), changed(OrderStatus.COMPLETED), changed(OrderStatus.CANCELLED)]
    store.append(STREAM, events, expected_version=0)

    # WHEN it is read from version 3
    recorded = store.get_events(STREAM, from_version=3)

    # THEN only versions 3 and 4 come back, in order
    assert [(e.version, e.event_id) for e in recorded] == [(3, events[2].event_id), (4, events[3].event_id)]


def test_event_store_get_events_of_an_unknown_stream_is_empty(store: EventStore) -> None:
    # GIVEN a stream with events and another without
    store.append(STREAM, [created()], expected_version=0)

    # WHEN the other stream is read
    # THEN nothing comes back, and its version is 0
    assert store.get_events("order-unknown") == []
    assert store.current_version("order-unknown") == 0


def test_event_store_get_events_follows_pages(store: EventStore, dynamodb: Any) -> None:
    # GIVEN 150 events of about 5 KB each: more keys than one BatchGetItem takes (100)
    note = "n" * 5_000
    events = [
        new_event(DetailType.ORDER_STATUS_CHANGED, {"orderId": ORDER_ID, "status": "processing", "note": note})
        for _ in range(150)
    ]
    store.append(STREAM, events[:99], expected_version=0)
    store.append(STREAM, events[99:], expected_version=99)
    pages: list[int] = []
    dynamodb.meta.events.register(
        "after-call.dynamodb.BatchGetItem",
        lambda parsed, **_: pages.append(sum(len(items) for items in parsed.get("Responses", {}).values())),
    )

    # WHEN the stream is read
    recorded = store.get_events(STREAM)

    # THEN every page was fetched (more than one) and all 150 events came back in version order
    assert len(pages) > 1
    assert sum(pages) == 150
    assert versions(recorded) == list(range(1, 151))
    assert [e.event_id for e in recorded] == [e.event_id for e in events]


def test_event_store_only_one_of_two_writers_at_the_same_version_wins(store: EventStore, dynamodb: Any) -> None:
    # GIVEN a stream at version 1, and two writers that both read it at version 1
    store.append(STREAM, [created()], expected_version=0)
    other_writer = EventStore(dynamodb, "event-store", heads_table="orders")
    first, second = changed(OrderStatus.PROCESSING), changed(OrderStatus.CANCELLED)

    # WHEN both append after version 1
    store.append(STREAM, [first], expected_version=1)
    with pytest.raises(ConcurrencyError) as caught:
        other_writer.append(STREAM, [second], expected_version=1)

    # THEN the second is refused, naming the stream, the version it expected and the one it found
    assert (caught.value.stream_id, caught.value.expected_version, caught.value.actual_version) == (STREAM, 1, 2)
    assert [e.event_id for e in store.get_events(STREAM, from_version=2)] == [first.event_id]


def test_event_store_refuses_a_new_stream_append_to_an_existing_stream(store: EventStore) -> None:
    # GIVEN a stream that already has two events
    store.append(STREAM, [created(), changed()], expected_version=0)

    # WHEN a writer that believes the stream is new appends
    with pytest.raises(ConcurrencyError) as caught:
        store.append(STREAM, [created()], expected_version=0)

    # THEN it is refused with the versions expected and found
    assert (caught.value.expected_version, caught.value.actual_version) == (0, 2)


def test_event_store_refuses_an_expected_version_ahead_of_the_stream(store: EventStore) -> None:
    # GIVEN a stream at version 2
    store.append(STREAM, [created(), changed()], expected_version=0)

    # WHEN a writer appends after version 5, which does not exist
    with pytest.raises(ConcurrencyError) as caught:
        store.append(STREAM, [changed(OrderStatus.COMPLETED)], expected_version=5)

    # THEN it is refused and no gap is left: the stream still ends at version 2
    assert (caught.value.expected_version, caught.value.actual_version) == (5, 2)
    assert versions(store.get_events(STREAM)) == [1, 2]


def test_event_store_failed_append_writes_nothing(store: EventStore) -> None:
    # GIVEN a stream at version 1
    original = created()
    store.append(STREAM, [original], expected_version=0)

    # WHEN a stale writer appends three events after version 0 (only the first slot is taken)
    with pytest.raises(ConcurrencyError):
        store.append(STREAM, [created(), changed(), changed(OrderStatus.COMPLETED)], expected_version=0)

    # THEN none of the three was written: versions 2 and 3 stay free
    assert [(e.version, e.event_id) for e in store.get_events(STREAM)] == [(1, original.event_id)]


def test_event_store_appends_99_events_to_a_new_stream_atomically(store: EventStore) -> None:
    # GIVEN 99 events, the most one transaction holds beside the stream's head
    events = [changed() for _ in range(99)]

    # WHEN they are appended to a new stream
    new_version = store.append(STREAM, events, expected_version=0)

    # THEN all are stored
    assert new_version == 99
    assert versions(store.get_events(STREAM)) == list(range(1, 100))


@pytest.mark.parametrize(
    ("count", "expected_version"),
    [pytest.param(100, 0, id="100-new-stream"), pytest.param(100, 1, id="100-existing-stream")],
)
def test_event_store_refuses_more_events_than_one_transaction_holds(
    store: EventStore, count: int, expected_version: int
) -> None:
    # GIVEN a stream at the expected version, and more events than fit one transaction with its check
    if expected_version:
        store.append(STREAM, [created()], expected_version=0)
    events = [changed() for _ in range(count)]

    # WHEN they are appended
    with pytest.raises(ValueError, match="at most"):
        store.append(STREAM, events, expected_version=expected_version)

    # THEN nothing was written
    assert store.current_version(STREAM) == expected_version


def test_event_store_refuses_an_empty_append(store: EventStore) -> None:
    # GIVEN no events
    # WHEN they are appended
    # THEN the call is refused rather than silently doing nothing
    with pytest.raises(ValueError, match="at least one"):
        store.append(STREAM, [], expected_version=0)
