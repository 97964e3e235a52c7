"""The scenario: order lifecycles, poison messages, events reusing ids, and the bodies in publishing order."""

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
    content_digest,
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


class Reuse(StrEnum):
    """How an event reuses the id of one of the scenario's events (its original)."""

    # The same order, another detail-type, the id of the order's OrderCreated. Published at any time
    # (often before its original): the processor holds it back while the order does not exist, and
    # the order comes to exist only in the transaction that records the id.
    OTHER_TYPE = "other-type"
    # Another order's event id. Published once its original is recorded (reported applied, ignored or
    # a duplicate: its marker exists).
    OTHER_ORDER = "other-order"
    # The same order and detail-type, another amount or reason. Published once its original is recorded.
    OTHER_CONTENT = "other-content"


@dataclass(frozen=True)
class Reuser:
    """An event published under an id another event of the scenario already carries.

    It must never change anything: the id belongs to ``original`` (see :class:`Reuse` for why the
    original is always recorded first), and every delivery of the reuser must be parked as
    ``EventIdConflict``.
    """

    event: NewEvent
    original: NewEvent
    kind: Reuse
    body: str

    @property
    def late(self) -> bool:
        """Published only once its original is recorded (see :class:`Reuse`)."""
        return self.kind is not Reuse.OTHER_TYPE

    @cached_property
    def content(self) -> tuple[str, str]:
        """(event id, content digest): what tells this event from its original, which shares the id."""
        return self.event.event_id, digest_of(self.event)


@dataclass(frozen=True)
class Scenario:
    """Orders, poison, reusers, and the bodies in the order producers publish them.

    ``bodies`` are published up front; a late reuser (:attr:`Reuser.late`) is published only once
    its original is recorded.
    """

    seed: int
    orders: tuple[Order, ...]
    poison: tuple[Poison, ...]
    bodies: tuple[str, ...]
    reusers: tuple[Reuser, ...] = ()

    @property
    def event_count(self) -> int:
        """Valid lifecycle events (each published once)."""
        return sum(len(order.events) for order in self.orders)

    @cached_property
    def status_after(self) -> dict[str, str]:
        """Event id -> the status its order is in once it is applied (see :func:`status_after`)."""
        return {event.event_id: str(status_after(event)) for order in self.orders for event in order.events}

    @cached_property
    def events(self) -> dict[str, NewEvent]:
        """Event id -> the lifecycle event it belongs to (a reuser's id included: its original's)."""
        return {event.event_id: event for order in self.orders for event in order.events}

    @cached_property
    def digests(self) -> dict[str, str]:
        """Event id -> the content digest of its lifecycle event (what its marker must hold)."""
        return {event_id: digest_of(event) for event_id, event in self.events.items()}

    @property
    def held_back(self) -> tuple[tuple[str, str], ...]:
        """(original's event id, body) of each late reuser: published once that event is recorded."""
        return tuple((r.original.event_id, r.body) for r in self.reusers if r.late)


def digest_of(event: NewEvent) -> str:
    """The content digest the processor computes for ``event`` (on a body of it: it digests what it parses)."""
    return content_digest(parse_sqs_body(body_for(event, random.Random(0))))


def build_scenario(
    seed: int,
    orders: int,
    *,
    invalid: int | None = None,
    orphans: int | None = None,
    reusers: int | None = None,
) -> Scenario:
    """``orders`` lifecycles plus hostile-corpus bodies, status changes for orders never created, and
    events reusing the ids of others (one in 30 orders by default, the three kinds of :class:`Reuse`
    in turn).

    Producers publish an order's events one after another, orders overlapping: the body list is
    sorted by a simulated publish time. The queue then shuffles locally, as SQS does. Reusers are
    drawn from a generator of their own: the orders and poison of a seed are those it had without them.
    """
    rng = random.Random(seed)
    invalid = max(1, orders // 50) if invalid is None else invalid
    orphans = max(1, orders // 100) if orphans is None else orphans
    reusers = max(3, orders // 30) if reusers is None else reusers
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
    reusing = _reusers(random.Random(f"{seed}:reusers"), built, reusers)
    created_at = {order.order_id: float(index) for index, order in enumerate(built)}
    for reuser in reusing:
        if not reuser.late:  # published just before its original, the order's creation: often delivered first
            timed.append((created_at[reuser.event.order_id] - 0.5, len(timed), reuser.body))
    timed.sort()
    return Scenario(seed, tuple(built), tuple(poison), tuple(body for _, _, body in timed), tuple(reusing))


def _reusers(rng: random.Random, orders: list[Order], count: int) -> list[Reuser]:
    """``count`` reusers of distinct orders' ids, the kinds in turn (see :class:`Reuse`)."""
    if count > len(orders) // 2:
        raise ValueError(f"{count} reusers need at least {2 * count} orders")
    chosen = rng.sample(orders, 2 * count)  # each reuser its original's order and another order
    found: list[Reuser] = []
    for index in range(count):
        order, other = chosen[2 * index], chosen[2 * index + 1]
        kind = list(Reuse)[index % len(Reuse)]
        original = order.events[0] if kind is Reuse.OTHER_TYPE else rng.choice(order.events)
        if kind is Reuse.OTHER_TYPE:
            event = _another_type(order, original, rng)
        elif kind is Reuse.OTHER_ORDER:
            event = _another_order(other, original, rng)
        else:
            event = _other_content(original, rng)
        found.append(Reuser(event, original, kind, body_for(event, rng)))
    return found


def _reusing(original: NewEvent, correlation: str | None = None) -> dict[str, Any]:
    correlation = correlation or str(original.detail["metadata"]["correlationId"])
    return {"event_id": original.event_id, "correlation_id": correlation, "clock": fixed_clock}


def _another_type(order: Order, original: NewEvent, rng: random.Random) -> NewEvent:
    # A type no state of the order leaves waiting (never NotYet once it exists): a move or moot.
    meta = _reusing(original)  # a producer copying the id of the event it reacts to keeps its correlation
    return rng.choice(
        [
            lambda: payment_processed(order.order_id, order.amount, payment_id=seeded_uuid(rng), **meta),
            lambda: payment_failed(order.order_id, "card declined", **meta),
            lambda: order_status_changed(order.order_id, OrderStatus.CANCELLED, "customer request", **meta),
        ]
    )()


def _another_order(order: Order, original: NewEvent, rng: random.Random) -> NewEvent:
    # An event of another order: a creation (moot if that order exists, which it does when this arrives)
    # or a move no state of that order leaves waiting.
    meta = _reusing(original, seeded_uuid(rng))
    return rng.choice(
        [
            lambda: order_created(order.order_id, f"cust-{rng.randrange(10_000)}", order.amount, **meta),
            lambda: payment_failed(order.order_id, "card declined", **meta),
            lambda: order_status_changed(order.order_id, OrderStatus.CANCELLED, **meta),
        ]
    )()


def _other_content(original: NewEvent, rng: random.Random) -> NewEvent:
    # The same order and type, one field changed: the amount, the customer, or the reason.
    detail = {name: value for name, value in original.detail.items() if name != "metadata"}
    if "amount" in detail:
        detail["amount"] = Decimal(detail["amount"]) + Decimal(rng.randrange(1, 1000)).scaleb(-2)
    else:
        detail["reason"] = f"{detail.get('reason', 'no reason')} (resent)"
    return NewEvent(original.detail_type, {**detail, "metadata": dict(original.detail["metadata"])})


def _meta(rng: random.Random) -> dict[str, Any]:
    return {"event_id": seeded_uuid(rng), "correlation_id": seeded_uuid(rng), "clock": fixed_clock}
