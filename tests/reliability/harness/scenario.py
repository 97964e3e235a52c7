"""The scenario: order lifecycles, poison messages, and the bodies in publishing order."""

from __future__ import annotations

import random
from dataclasses import dataclass
from decimal import Decimal
from enum import StrEnum
from functools import cached_property
from typing import Any

from orders_shared.events import (
    NewEvent,
    OrderStatus,
    dumps,
    envelope_for,
    order_created,
    order_status_changed,
    parse_sqs_body,
    payment_failed,
    payment_processed,
)
from tests.reliability import corpus
from tests.reliability.harness.common import ACCOUNT, FIXED_NOW, REGION, fixed_clock, seeded_uuid


class Lifecycle(StrEnum):
    """How an order of the scenario goes; the final status follows from it whatever the order."""

    COMPLETED = "completed"  # created → payment processed → completed
    PAYMENT_FAILED = "payment-failed"  # created → payment failed
    CANCELLED_AFTER_PAYMENT = "cancelled-after-payment"  # created → payment processed → cancelled
    CANCELLED_BY_CUSTOMER = "cancelled-by-customer"  # created → cancelled
    LEFT_PENDING = "left-pending"  # created, nothing since


LIFECYCLE_WEIGHTS = {
    Lifecycle.COMPLETED: 60,
    Lifecycle.PAYMENT_FAILED: 15,
    Lifecycle.CANCELLED_AFTER_PAYMENT: 10,
    Lifecycle.CANCELLED_BY_CUSTOMER: 10,
    Lifecycle.LEFT_PENDING: 5,
}
FINAL_STATUS = {
    Lifecycle.COMPLETED: OrderStatus.COMPLETED,
    Lifecycle.PAYMENT_FAILED: OrderStatus.CANCELLED,
    Lifecycle.CANCELLED_AFTER_PAYMENT: OrderStatus.CANCELLED,
    Lifecycle.CANCELLED_BY_CUSTOMER: OrderStatus.CANCELLED,
    Lifecycle.LEFT_PENDING: OrderStatus.PENDING,
}


@dataclass(frozen=True)
class Order:
    """One order of the scenario and the events its producers publish, in publishing order."""

    order_id: str
    lifecycle: Lifecycle
    amount: Decimal
    events: tuple[NewEvent, ...]

    @property
    def final_status(self) -> OrderStatus:
        """The status the order must end in."""
        return FINAL_STATUS[self.lifecycle]


def lifecycle_events(order_id: str, lifecycle: Lifecycle, amount: Decimal, rng: random.Random) -> list[NewEvent]:
    """The events of one order's lifecycle, with seeded ids and a fixed clock."""

    def meta() -> dict[str, Any]:
        return {"event_id": seeded_uuid(rng), "correlation_id": correlation, "clock": fixed_clock}

    correlation = seeded_uuid(rng)
    events = [order_created(order_id, f"cust-{rng.randrange(10_000)}", amount, **meta())]
    if lifecycle in (Lifecycle.COMPLETED, Lifecycle.CANCELLED_AFTER_PAYMENT):
        events.append(payment_processed(order_id, amount, payment_id=seeded_uuid(rng), **meta()))
    if lifecycle is Lifecycle.COMPLETED:
        events.append(order_status_changed(order_id, OrderStatus.COMPLETED, **meta()))
    elif lifecycle is Lifecycle.PAYMENT_FAILED:
        events.append(payment_failed(order_id, "card declined", **meta()))
    elif lifecycle in (Lifecycle.CANCELLED_AFTER_PAYMENT, Lifecycle.CANCELLED_BY_CUSTOMER):
        events.append(order_status_changed(order_id, OrderStatus.CANCELLED, "customer request", **meta()))
    return events


def status_after(event: NewEvent) -> OrderStatus:
    """The status an order is in once ``event`` is applied, as the events contract defines it."""
    return parse_sqs_body(body_for(event, random.Random(0))).target_status


def body_for(event: NewEvent, rng: random.Random) -> str:
    """The SQS body EventBridge delivers for ``event``, with a seeded envelope id."""
    envelope = envelope_for(event, account=ACCOUNT, region=REGION)
    envelope["id"] = seeded_uuid(rng)
    envelope["time"] = FIXED_NOW[:19] + "Z"
    return dumps(envelope)


@dataclass(frozen=True)
class Poison:
    """A message that can never succeed, and where it must end."""

    body: str
    kind: str  # "rejected" (the processor's DLQ, with a reason) or "orphan" (retries exhausted)
    reason: str | None = None
    event_id: str | None = None


@dataclass(frozen=True)
class Scenario:
    """Orders, poison, and the bodies in the order producers publish them."""

    seed: int
    orders: tuple[Order, ...]
    poison: tuple[Poison, ...]
    bodies: tuple[str, ...]

    @property
    def event_count(self) -> int:
        """Valid lifecycle events (each published once)."""
        return sum(len(order.events) for order in self.orders)

    @cached_property
    def status_after(self) -> dict[str, str]:
        """Event id -> the status its order is in once it is applied (see :func:`status_after`)."""
        return {event.event_id: str(status_after(event)) for order in self.orders for event in order.events}


def build_scenario(seed: int, orders: int, *, invalid: int | None = None, orphans: int | None = None) -> Scenario:
    """``orders`` lifecycles plus hostile-corpus bodies and status changes for orders never created.

    Producers publish an order's events one after another, orders overlapping: the body list is
    sorted by a simulated publish time. The queue then shuffles locally, as SQS does.
    """
    rng = random.Random(seed)
    invalid = max(1, orders // 50) if invalid is None else invalid
    orphans = max(1, orders // 100) if orphans is None else orphans
    kinds, weights = zip(*LIFECYCLE_WEIGHTS.items(), strict=True)
    timed: list[tuple[float, int, str]] = []
    built: list[Order] = []
    for index in range(orders):
        order_id = seeded_uuid(rng)
        lifecycle = rng.choices(kinds, weights)[0]
        amount = Decimal(rng.randrange(100, 100_000)).scaleb(-2)
        events = lifecycle_events(order_id, lifecycle, amount, rng)
        built.append(Order(order_id, lifecycle, amount, tuple(events)))
        at = float(index)
        for event in events:
            timed.append((at, len(timed), body_for(event, rng)))
            at += rng.uniform(1, 30)  # seconds between an order's steps, in units of order arrivals

    poison: list[Poison] = []
    cases = corpus.rejection_cases()
    for case in rng.sample(cases, min(invalid, len(cases))):
        poison.append(Poison(case.body, "rejected", case.reason))
    for _ in range(orphans):
        order_id = seeded_uuid(rng)
        maker = rng.choice(
            [
                lambda oid: payment_processed(oid, Decimal("10.00"), payment_id=seeded_uuid(rng), **_meta(rng)),
                lambda oid: payment_failed(oid, "card declined", **_meta(rng)),
                lambda oid: order_status_changed(oid, OrderStatus.CANCELLED, **_meta(rng)),
            ]
        )
        event = maker(order_id)
        poison.append(Poison(body_for(event, rng), "orphan", None, event.event_id))
    for item in poison:
        timed.append((rng.uniform(0, orders), len(timed), item.body))
    timed.sort()
    return Scenario(seed, tuple(built), tuple(poison), tuple(body for _, _, body in timed))


def _meta(rng: random.Random) -> dict[str, Any]:
    return {"event_id": seeded_uuid(rng), "correlation_id": seeded_uuid(rng), "clock": fixed_clock}
