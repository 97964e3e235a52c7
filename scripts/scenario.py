"""A realistic stream of order events: lifecycles, a few duplicates, a few invalid events.

Used by ``make demo``, ``make publish`` and the end-to-end benchmark. Deterministic for a seed.
"""

from __future__ import annotations

import random
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from decimal import Decimal
from functools import partial

from orders_shared.events import (
    Money,
    NewEvent,
    OrderStatus,
    dumps,
    order_created,
    order_status_changed,
    payment_failed,
    payment_processed,
)

# Each lifecycle is a list of waves: wave n holds the n-th event of every order.
FATES = (
    ("completed", 0.55),
    ("cancelled after payment", 0.10),
    ("payment failed", 0.10),
    ("processing", 0.15),
    ("pending", 0.10),
)


EventFactory = Callable[[], NewEvent]


@dataclass
class Scenario:
    """Waves of valid events (built when published, so their time is the publish time), and what to expect."""

    waves: list[list[EventFactory]] = field(default_factory=list)
    duplicates: set[tuple[int, int]] = field(default_factory=set)  # (wave, index) published twice
    invalid: list[tuple[str, str, str, str]] = field(default_factory=list)  # (label, source, type, detail)
    expected_status: dict[str, str] = field(default_factory=dict)

    @property
    def valid_events(self) -> int:
        """Distinct valid events (duplicates excluded)."""
        return sum(len(wave) for wave in self.waves)

    def materialise(self, number: int) -> tuple[list[NewEvent], list[NewEvent]]:
        """Build wave ``number`` now: its events, and those of them to publish a second time."""
        events = [factory() for factory in self.waves[number]]
        return events, [event for index, event in enumerate(events) if (number, index) in self.duplicates]


def _fate(rng: random.Random) -> str:
    roll, total = rng.random(), 0.0
    for fate, share in FATES:
        total += share
        if roll < total:
            return fate
    return FATES[0][0]


def build(orders: int, *, seed: int = 7, duplicate_share: float = 0.03, invalid: int = 5) -> Scenario:
    """Lifecycles for ``orders`` orders; ``duplicate_share`` of the events are published twice."""
    rng = random.Random(seed)
    scenario = Scenario(waves=[[], [], []])
    for index in range(orders):
        order_id = str(uuid.UUID(int=rng.getrandbits(128), version=4))
        amount = Decimal(rng.randrange(500, 50_000)) / 100
        customer = f"customer-{rng.randrange(1, max(2, orders // 3)):05d}"
        fate = _fate(rng)
        scenario.waves[0].append(partial(order_created, order_id, customer, Money(amount)))  # 2.0, USD
        status = "pending"
        if fate == "payment failed":
            scenario.waves[1].append(partial(payment_failed, order_id, "card declined"))
            status = "cancelled"
        elif fate != "pending":
            scenario.waves[1].append(partial(payment_processed, order_id, amount))
            status = "processing"
            if fate == "completed":
                scenario.waves[2].append(partial(order_status_changed, order_id, OrderStatus.COMPLETED))
                status = "completed"
            elif fate == "cancelled after payment":
                reason = "customer request" if index % 2 else "out of stock"
                scenario.waves[2].append(partial(order_status_changed, order_id, OrderStatus.CANCELLED, reason=reason))
                status = "cancelled"
        scenario.expected_status[order_id] = status
    every = [(number, index) for number, wave in enumerate(scenario.waves) for index in range(len(wave))]
    scenario.duplicates = set(rng.sample(every, k=int(len(every) * duplicate_share)))
    samples = [
        ("orderId '123' (the seed's own example)", "order-service", "OrderCreated", '{"orderId": "123"}'),
        ("negative amount", "order-service", "OrderCreated", None),
        ("unknown detail-type", "order-service", "OrderShipped", None),
        ("status outside the lifecycle", "order-service", "OrderStatusChanged", None),
        ("payment from the wrong source", "order-service", "PaymentProcessed", None),
    ]
    for label, source, kind, detail in samples[:invalid]:
        scenario.invalid.append((label, source, kind, detail or _broken_detail(label, rng)))
    return scenario


def _broken_detail(label: str, rng: random.Random) -> str:
    event = order_created(str(uuid.UUID(int=rng.getrandbits(128), version=4)), "customer-x", Decimal(10))
    detail = dict(event.detail)
    if label == "negative amount":
        detail["amount"] = -5
    elif label == "status outside the lifecycle":
        detail["status"] = "shipped"
    return dumps(detail)
