"""view_of: the projection a change leaves (what head_write stores, and the bench's format 1 writes whole)."""

from __future__ import annotations

from decimal import Decimal

from order_processor.items import view_of
from orders_shared.events import OrderStatus, order_created, payment_processed
from orders_shared.projection import OrderView
from tests.unit.processor.processor_support import NOW, ORDER_ID, Parse, change_of, pending

CREATED_AT = "2026-11-25T09:00:00.000Z"  # a day before NOW


def test_view_of_a_new_order_is_the_new_state_created_and_updated_now(parsed: Parse) -> None:
    # GIVEN the creation of an order
    change = change_of(parsed, order_created(ORDER_ID, "cust-42", Decimal("129.99")), None)
    # WHEN its view is built at NOW
    view = view_of(change, NOW)
    # THEN it is the new state, created and updated now, with the event's id and time
    assert view == OrderView(
        order_id=ORDER_ID,
        status=OrderStatus.PENDING,
        version=1,
        customer_id="cust-42",
        amount=Decimal("129.99"),
        currency="USD",
        created_at=NOW,
        updated_at=NOW,
        last_event_id=change.event.event_id,
        occurred_at=change.event.metadata.occurred_at,
    )


def test_view_of_a_later_change_keeps_the_creation_time_read(parsed: Parse) -> None:
    # GIVEN a payment on an order read with the time it was created
    change = change_of(parsed, payment_processed(ORDER_ID, Decimal("129.99")), pending(created_at=CREATED_AT))
    # WHEN its view is built at NOW
    view = view_of(change, NOW)
    # THEN the order moved, updated now, and still says when it was created
    assert (view.status, view.version, view.created_at, view.updated_at) == (
        OrderStatus.PROCESSING,
        2,
        CREATED_AT,
        NOW,
    )


def test_view_of_an_order_stored_without_a_creation_time_is_created_now(parsed: Parse) -> None:
    # GIVEN a payment on an order read without a creation time (stored before they were kept)
    change = change_of(parsed, payment_processed(ORDER_ID, Decimal("129.99")), pending(created_at=None))
    # WHEN its view is built at NOW THEN it is taken as created now
    assert view_of(change, NOW).created_at == NOW
