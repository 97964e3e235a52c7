"""The read side's fold and as-of queries: a stored stream back into the order it describes."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

import pytest

from orders_shared.event_store import RecordedEvent
from orders_shared.events import OrderStatus
from orders_shared.projection import (
    AsOfError,
    OrderView,
    ProjectionItemError,
    StreamError,
    as_of_time,
    as_of_version,
    evolve,
    fold,
    parse_time,
    projection_item,
    upcast,
    view_from_item,
)

ORDER = "0b6f7a52-1c1e-4f57-9d0a-7f1d3c2b9e11"


def stored(version: int, event_type: str, second: int, **fields: Any) -> RecordedEvent:
    """One stored event of ORDER, recorded at 10:00:<second>."""
    data = {
        "orderId": ORDER,
        **fields,
        "metadata": {"schemaVersion": "1.0", "occurredAt": f"2026-11-29T09:59:{second:02d}.000Z"},
    }
    return RecordedEvent(ORDER, version, f"e{version}", event_type, data, f"2026-11-29T10:00:{second:02d}.000Z")


CREATED = stored(1, "OrderCreated", 1, customerId="c-1", amount=Decimal("12.50"), status="pending")
PAID = stored(2, "PaymentProcessed", 2, amount=Decimal("12.50"), paymentId="p-1")
COMPLETED = stored(3, "OrderStatusChanged", 3, status="completed")
STREAM = [CREATED, PAID, COMPLETED]


def test_fold_gives_the_projection_the_stream_describes() -> None:
    # GIVEN a created, paid and completed order's stream WHEN folded
    view = fold(STREAM)

    # THEN every attribute is the processor's: created and updated at the commit times of the ends
    assert view == OrderView(
        order_id=ORDER,
        status=OrderStatus.COMPLETED,
        version=3,
        customer_id="c-1",
        amount=Decimal("12.5"),
        created_at="2026-11-29T10:00:01.000Z",
        updated_at="2026-11-29T10:00:03.000Z",
        last_event_id="e3",
        occurred_at="2026-11-29T09:59:03.000Z",
    )


def test_fold_of_an_empty_stream_is_none() -> None:
    # GIVEN no events WHEN folded THEN there is no order
    assert fold([]) is None


def test_fold_passes_every_event_through_the_upcaster() -> None:
    # GIVEN an upcaster that renames an old field (as a contract upcaster would), then upcasts as usual
    old = stored(1, "OrderCreated", 1, customer="c-9", amount=5, status="pending")

    def rename(event: RecordedEvent) -> RecordedEvent:
        data = dict(event.data)
        if "customer" in data:
            data["customerId"] = data.pop("customer")
        renamed = RecordedEvent(
            event.stream_id, event.version, event.event_id, event.event_type, data, event.recorded_at
        )
        return upcast(renamed)

    # WHEN folded through it THEN the fold reads the upcast shape; without it, the old shape is corrupt
    assert fold([old], upcaster=rename) is not None
    assert fold([old], upcaster=rename).customer_id == "c-9"  # type: ignore[union-attr]
    with pytest.raises(StreamError, match="customerId"):
        fold([old])


@pytest.mark.parametrize(
    ("stream", "problem"),
    [
        ([PAID], "does not start at version 1"),
        ([stored(1, "PaymentProcessed", 1, amount=1)], "starts with PaymentProcessed"),
        ([CREATED, COMPLETED], "follows version 1"),
        ([CREATED, stored(2, "OrderStatusChanged", 2, status="completed")], "cannot move pending to completed"),
        ([CREATED, stored(2, "OrderCreated", 2, customerId="c", amount=1)], "cannot move"),
        ([CREATED, PAID, COMPLETED, stored(4, "PaymentFailed", 4, reason="x")], "cannot move completed"),
        ([CREATED, stored(2, "OrderShipped", 2)], "unknown event type"),
        ([CREATED, stored(2, "OrderStatusChanged", 2, status="lost")], "names no known status"),
    ],
)
def test_evolve_refuses_what_the_lifecycle_forbids(stream: list[RecordedEvent], problem: str) -> None:
    # GIVEN a stream the processor could never have stored WHEN folded THEN it is named corrupt
    with pytest.raises(StreamError, match=problem):
        fold(stream)


def test_evolve_names_the_stream_and_version_of_a_corrupt_event() -> None:
    # GIVEN a gap at version 3 WHEN evolved THEN the error carries where it is
    with pytest.raises(StreamError) as raised:
        evolve(fold([CREATED]), COMPLETED)
    assert (raised.value.stream_id, raised.value.version) == (ORDER, 3)


def test_as_of_version_folds_up_to_that_version() -> None:
    # GIVEN a three-event stream WHEN asked for version 2 THEN the order was processing then
    view = as_of_version(STREAM, 2)
    assert (view.status, view.version, view.updated_at) == (OrderStatus.PROCESSING, 2, PAID.recorded_at)


@pytest.mark.parametrize("version", [0, -1, 4])
def test_as_of_version_refuses_a_version_the_stream_never_had(version: int) -> None:
    # GIVEN a three-event stream WHEN asked for a version outside 1..3 THEN the error says the range
    with pytest.raises(AsOfError, match=f"version {version} does not exist: the stream has versions 1 to 3"):
        as_of_version(STREAM, version)


def test_as_of_time_folds_what_was_recorded_by_then() -> None:
    # GIVEN a stream recorded at 10:00:01, :02, :03 WHEN asked at 10:00:02.5 (another offset) THEN version 2
    view = as_of_time(STREAM, parse_time("2026-11-29T11:00:02.500+01:00"))
    assert view.version == 2


def test_as_of_time_at_the_exact_commit_time_includes_that_event() -> None:
    # GIVEN the third event's commit time WHEN asked THEN it is part of the state
    assert as_of_time(STREAM, parse_time(COMPLETED.recorded_at)).version == 3


def test_as_of_time_before_the_order_existed_is_refused() -> None:
    # GIVEN a time before the creation WHEN asked THEN the order was not recorded yet
    with pytest.raises(AsOfError, match="not recorded yet"):
        as_of_time(STREAM, datetime(2026, 11, 29, 9, tzinfo=UTC))


def test_as_of_time_refuses_a_naive_datetime() -> None:
    # GIVEN a datetime without a zone WHEN asked THEN refused (a library caller must say which zone)
    with pytest.raises(ValueError, match="time zone"):
        as_of_time(STREAM, datetime(2026, 11, 29, 10))


def test_parse_time_takes_a_time_without_an_offset_as_utc() -> None:
    # GIVEN an ISO time with no offset WHEN parsed THEN UTC
    assert parse_time("2026-11-29T10:00:02") == datetime(2026, 11, 29, 10, 0, 2, tzinfo=UTC)


def test_parse_time_refuses_what_is_not_a_time() -> None:
    # GIVEN text that is no ISO time WHEN parsed THEN ValueError
    with pytest.raises(ValueError, match="Invalid isoformat"):
        parse_time("yesterday")


def test_projection_item_and_view_from_item_round_trip() -> None:
    # GIVEN a folded view WHEN written as an item and read back THEN the same view
    view = fold(STREAM)
    assert view is not None
    assert view_from_item(json.loads(json.dumps(projection_item(view)))) == view


@pytest.mark.parametrize(
    ("change", "problem"),
    [
        ({"status": {"S": "lost"}}, "status holds no known status"),
        ({"version": {"S": "3"}}, "version is missing or not a number"),
        ({"createdAt": None}, "createdAt is missing"),
    ],
)
def test_view_from_item_names_an_unreadable_attribute(change: dict[str, Any], problem: str) -> None:
    # GIVEN a corrupted projection item WHEN read THEN the error names the attribute
    view = fold(STREAM)
    assert view is not None
    item: dict[str, Any] = {**projection_item(view), **change}
    item = {name: value for name, value in item.items() if value is not None}
    with pytest.raises(ProjectionItemError, match=problem):
        view_from_item(item)


def test_order_view_differences_names_the_attributes_that_differ() -> None:
    # GIVEN a view and a copy with another status and an equal amount spelled otherwise
    view = fold(STREAM)
    assert view is not None
    other = view_from_item({**projection_item(view), "status": {"S": "cancelled"}, "amount": {"N": "12.500"}})

    # WHEN compared THEN only the status differs (numbers compare by value)
    assert view.differences(other) == ["status"]


def test_fold_reads_a_1_x_and_a_2_0_creation_into_the_same_money() -> None:
    # GIVEN one order created in 1.0 (an amount, in USD by the contract) and one in 2.0 (a total in EUR)
    v1 = stored(1, "OrderCreated", 1, customerId="c-1", amount=Decimal("12.50"), status="pending")
    v2 = stored(1, "OrderCreated", 1, customerId="c-2", total={"amount": "12.50", "currency": "EUR"}, status="pending")
    v2 = RecordedEvent(
        v2.stream_id,
        v2.version,
        v2.event_id,
        v2.event_type,
        {**v2.data, "metadata": {**v2.data["metadata"], "schemaVersion": "2.0"}},
        v2.recorded_at,
    )
    # WHEN each stream is folded (the stored 1.0 data upcast on the way, never rewritten)
    first, second = fold([v1]), fold([v2])
    # THEN both carry an amount and its currency
    assert first is not None
    assert second is not None
    assert (first.amount, first.currency) == (Decimal("12.50"), "USD")
    assert (second.amount, second.currency) == (Decimal("12.50"), "EUR")
    assert "total" not in v1.data  # the stored copy is as it was
