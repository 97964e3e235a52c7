"""What one event does to one order: the lifecycle rules applied, and event-id conflicts told apart.

Pure functions: no I/O, no clock, no logging.
"""

from __future__ import annotations

from dataclasses import replace
from decimal import Decimal

from order_processor.model import Change, Decision, Ignored, NotYet, OrderState, Recorded
from orders_shared.errors import EventIdConflictError
from orders_shared.events import DetailType, OrderEvent, OrderStatus, content_digest
from orders_shared.transitions import can_move, can_reach, rank


def decide(event: OrderEvent, state: OrderState | None) -> Decision:
    """The change an event makes to an order, or why it makes none.

    Returns
    -------
    Change
        The new state, one version up (version 1 for a created order).
    Ignored
        For an event about an order already in that state, a later one or a terminal one; the
        reason (``AlreadyCreated``, ``completed->processing``) is recorded with its marker.
    NotYet
        For an event that came too early: about an order that does not exist yet, or one that
        skips a step (``completed`` while ``pending``); what it waits for may still be on the way.
    """
    target = event.target_status
    if state is None:
        if event.detail_type is not DetailType.ORDER_CREATED:
            return NotYet(f"order {event.order_id} does not exist (yet)")
        model = event.model  # the current major's shape (2.x: a total with its currency)
        new = OrderState(
            order_id=event.order_id,
            status=OrderStatus.PENDING,
            version=1,
            customer_id=str(model["customerId"]),
            amount=Decimal(str(model["total"]["amount"])),
            currency=str(model["total"]["currency"]),
        )
        return Change(event, None, new)
    if event.detail_type is DetailType.ORDER_CREATED:
        return Ignored("AlreadyCreated")
    if can_move(state.status, target):
        return Change(event, state, replace(state, status=target, version=state.version + 1))
    if can_reach(state.status, target):
        # Overtook the event before it (completed while still pending): that one is on its way.
        return NotYet(f"order {event.order_id} is {state.status}, not yet ready for {target}")
    return Ignored(f"{state.status}->{target}")


def conflict_of(event: OrderEvent, earlier: Recorded) -> EventIdConflictError | None:
    """Why ``event`` is not the event its id was first recorded for, or None when it is that event.

    The same id for another order, another detail-type or another content is a conflict: applying it
    would apply two events under one key, skipping it as a duplicate would lose it silently.
    """
    recorded_as = f"event id {event.event_id} was recorded for {earlier.event_type} of order {earlier.order_id}"
    if earlier.order_id != event.order_id or earlier.event_type != str(event.detail_type):
        return EventIdConflictError(
            f"{recorded_as}; this is {event.detail_type} of order {event.order_id}",
            path="detail.metadata.eventId",
            rule="unique",
        )
    if earlier.digest is not None and earlier.digest != content_digest(event):
        return EventIdConflictError(f"{recorded_as} with other content", path="detail.metadata.eventId", rule="unique")
    return None


def lifecycle_order[T](events: list[tuple[T, OrderEvent]]) -> list[tuple[T, OrderEvent]]:
    """One order's events in lifecycle order (creation, then processing, then the end).

    Within one batch an order's events are applied in that order, whatever order SQS delivered them
    in (a standard queue keeps none); the sort is stable, so equal ranks keep their delivery order.
    """
    return sorted(events, key=lambda pair: rank(pair[1].target_status))
