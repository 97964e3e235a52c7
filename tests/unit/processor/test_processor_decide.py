"""decide(): the change an event makes to an order, or why it makes none."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from decimal import Decimal

import pytest

from order_processor.decision import decide
from order_processor.model import Change, Ignored, NotYet, OrderState
from orders_shared.events import (
    NewEvent,
    OrderEvent,
    OrderStatus,
    order_created,
    order_status_changed,
    payment_failed,
    payment_processed,
)

Parse = Callable[[NewEvent], OrderEvent]
ORDER_ID = "6f1c2b7e-3d4a-4f5b-8c9d-0e1f2a3b4c5d"


def state(status: OrderStatus, version: int) -> OrderState:
    return OrderState(ORDER_ID, status, version, "cust-42", Decimal("129.99"))


def test_decide_creates_pending_order_at_version_one(parsed: Parse) -> None:
    # GIVEN an OrderCreated event for an order that does not exist
    event = parsed(order_created(ORDER_ID, "cust-42", Decimal("129.99")))
    # WHEN it is decided
    decision = decide(event, None)
    # THEN the change creates the order, pending, at version 1, with its customer and amount
    assert decision == Change(event, None, OrderState(ORDER_ID, OrderStatus.PENDING, 1, "cust-42", Decimal("129.99")))


def test_decide_moves_status_and_bumps_version(parsed: Parse) -> None:
    # GIVEN a pending order at version 3 and a PaymentProcessed event for it
    current = state(OrderStatus.PENDING, 3)
    event = parsed(payment_processed(ORDER_ID, Decimal("129.99")))
    # WHEN it is decided
    decision = decide(event, current)
    # THEN the order moves to processing at version 4, keeping its customer and amount
    assert decision == Change(event, current, state(OrderStatus.PROCESSING, 4))


@pytest.mark.parametrize(
    ("current", "new_event", "target"),
    [
        (OrderStatus.PENDING, lambda: payment_failed(ORDER_ID, "card declined"), OrderStatus.CANCELLED),
        (OrderStatus.PROCESSING, lambda: order_status_changed(ORDER_ID, OrderStatus.COMPLETED), OrderStatus.COMPLETED),
        (OrderStatus.PROCESSING, lambda: order_status_changed(ORDER_ID, OrderStatus.CANCELLED), OrderStatus.CANCELLED),
    ],
)
def test_decide_applies_each_event_type_target(
    parsed: Parse, current: OrderStatus, new_event: Callable[[], NewEvent], target: OrderStatus
) -> None:
    # GIVEN an order and an event whose target status is a forward move from it
    event = parsed(new_event())
    # WHEN it is decided
    decision = decide(event, state(current, 2))
    # THEN the order moves to the event's target
    assert isinstance(decision, Change)
    assert decision.new.status is target


def test_decide_ignores_creation_of_existing_order(parsed: Parse) -> None:
    # GIVEN an order that exists and a second OrderCreated (a new event id) for it
    event = parsed(order_created(ORDER_ID, "cust-42", Decimal("129.99")))
    # WHEN it is decided
    decision = decide(event, state(OrderStatus.PROCESSING, 2))
    # THEN nothing changes, for the reason "AlreadyCreated"
    assert decision == Ignored("AlreadyCreated")


def test_decide_ignores_move_back_to_earlier_state(parsed: Parse) -> None:
    # GIVEN a completed order and a late PaymentProcessed (which moves to processing)
    event = parsed(payment_processed(ORDER_ID, Decimal("129.99")))
    # WHEN it is decided
    decision = decide(event, state(OrderStatus.COMPLETED, 3))
    # THEN the reason names the refused move
    assert decision == Ignored("completed->processing")


def test_decide_ignores_move_out_of_terminal_state(parsed: Parse) -> None:
    # GIVEN a cancelled order and an event that would complete it
    event = parsed(order_status_changed(ORDER_ID, OrderStatus.COMPLETED))
    # WHEN it is decided
    decision = decide(event, state(OrderStatus.CANCELLED, 2))
    # THEN the reason names the refused move
    assert decision == Ignored("cancelled->completed")


def test_decide_ignores_move_to_current_state(parsed: Parse) -> None:
    # GIVEN a processing order and an OrderStatusChanged to processing
    event = parsed(order_status_changed(ORDER_ID, OrderStatus.PROCESSING))
    # WHEN it is decided
    decision = decide(event, state(OrderStatus.PROCESSING, 2))
    # THEN the reason names the non-move
    assert decision == Ignored("processing->processing")


@pytest.mark.parametrize(
    "new_event",
    [
        lambda: payment_processed(ORDER_ID, Decimal("129.99")),
        lambda: payment_failed(ORDER_ID, "card declined"),
        lambda: order_status_changed(ORDER_ID, OrderStatus.CANCELLED),
    ],
    ids=["PaymentProcessed", "PaymentFailed", "OrderStatusChanged"],
)
def test_decide_waits_for_order_not_created_yet(parsed: Parse, new_event: Callable[[], NewEvent]) -> None:
    # GIVEN an event about an order that does not exist (its OrderCreated may still be on the way)
    event = parsed(new_event())
    # WHEN it is decided
    decision = decide(event, None)
    # THEN it is not yet time for it (retried), and the reason names the order
    assert decision == NotYet(f"order {ORDER_ID} does not exist (yet)")


def test_decide_uses_lower_case_order_id(parsed: Parse) -> None:
    # GIVEN an OrderCreated whose order id the producer wrote in upper case
    event = parsed(order_created(ORDER_ID.upper(), "cust-42", Decimal(1)))
    # WHEN it is decided
    decision = decide(event, None)
    # THEN the order is keyed by the canonical (lower-case) id, so both spellings meet one order
    assert isinstance(decision, Change)
    assert decision.new.order_id == ORDER_ID


def test_decide_reads_amount_as_exact_decimal(parsed: Parse) -> None:
    # GIVEN an amount that a float cannot hold exactly
    event = parsed(order_created(str(uuid.uuid4()), "cust-42", Decimal("0.1")))
    # WHEN it is decided
    decision = decide(event, None)
    # THEN the amount is the exact decimal
    assert isinstance(decision, Change)
    assert decision.new.amount == Decimal("0.1")
