"""Event-id reuse, as data: sequences of batches in which an id is recorded, then carried by another event.

Each must end with the reuser rejected as ``EventIdConflict``, parked once, changing nothing (see
``tests/reliability/test_reliability_corpus.py``). Every body is deterministic: fixed ids, a fixed
clock.
"""

from __future__ import annotations

import random
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from orders_shared.events import (
    NewEvent,
    OrderStatus,
    order_created,
    order_status_changed,
    payment_failed,
    payment_processed,
)
from tests.reliability.corpus import CORRELATION_ID, NOW

CONFLICT = "EventIdConflict"


@dataclass(frozen=True)
class ReuseCase:
    """A sequence of batches in which an event id is recorded, then reused by another event.

    ``batches`` go to the processor one after another; ``reuser`` is in the last one and must be
    rejected with reason ``EventIdConflict``, changing nothing: every order must end as it ends
    when the same batches are sent without it. ``original`` is the event the id was first
    recorded for (the rejection message must name it).
    """

    name: str
    batches: tuple[tuple[NewEvent, ...], ...]
    original: NewEvent
    reuser: NewEvent

    @property
    def order_ids(self) -> frozenset[str]:
        """Every order the case's events are about."""
        return frozenset(event.order_id for batch in self.batches for event in batch)

    def without_reuser(self) -> tuple[tuple[NewEvent, ...], ...]:
        """The same batches, the reusing event left out."""
        return tuple(tuple(event for event in batch if event is not self.reuser) for batch in self.batches)


def reuse_cases() -> list[ReuseCase]:
    """Event ids reused with other content, each case with its own orders and ids."""
    cases = [
        _reuse_case("another-order", _another_order),
        _reuse_case("another-detail-type-same-order", _another_detail_type),
        _reuse_case("same-order-and-type-other-amount", _other_amount),
        _reuse_case("same-order-and-type-other-customer-would-be-ignored", _created_again_other_content),
        _reuse_case("another-order-would-be-ignored", _moot_for_its_order),
        _reuse_case("original-was-ignored", _original_ignored),
        _reuse_case("same-batch-reuser-first-same-order", _same_batch_same_order),
        _reuse_case("same-batch-after-a-creation-of-another-order", _same_batch_after_creation),
        _reuse_case("same-batch-as-a-redelivery-of-the-original", _same_batch_as_redelivery),
    ]
    names = [case.name for case in cases]
    assert len(names) == len(set(names)), "reuse case names must be unique"
    return cases


def waiting_reuse_cases() -> list[ReuseCase]:
    """Reuses by an event that would wait (``NotYet``: its order does not exist, or it skips a step):
    the processor reads the id's marker before retrying it, and parks it as a conflict at once.
    """
    return [
        _reuse_case("reuser-of-an-order-never-created", _order_never_created),
        _reuse_case("reuser-skipping-a-step", _skipping_a_step),
    ]


class _Ids:
    """Fresh, reproducible ids for one reuse case (drawn from its name)."""

    def __init__(self, name: str) -> None:
        self._rng = random.Random(name)
        self.order_a, self.order_b = self.new(), self.new()
        self.reused = self.new()

    def new(self) -> str:
        return str(uuid.UUID(int=self._rng.getrandbits(128), version=4))

    def meta(self, event_id: str | None = None) -> dict[str, Any]:
        return {"event_id": event_id or self.new(), "correlation_id": CORRELATION_ID, "clock": lambda: NOW}


type _Built = tuple[tuple[tuple[NewEvent, ...], ...], NewEvent, NewEvent]  # batches, original, reuser
type _Build = Callable[[_Ids], _Built]


def _reuse_case(name: str, build: _Build) -> ReuseCase:
    batches, original, reuser = build(_Ids(name))
    return ReuseCase(name, batches, original, reuser)


def _another_order(ids: _Ids) -> _Built:
    # OrderCreated of A under X; then PaymentFailed of B, pending, under X (would cancel B).
    original = order_created(ids.order_a, "cust-42", Decimal("129.99"), **ids.meta(ids.reused))
    reuser = payment_failed(ids.order_b, "card declined", **ids.meta(ids.reused))
    created_b = order_created(ids.order_b, "cust-43", Decimal("5.00"), **ids.meta())
    return ((original,), (created_b,), (reuser,)), original, reuser


def _another_detail_type(ids: _Ids) -> _Built:
    # OrderCreated of A under X; then PaymentProcessed of A under X (would move A to processing).
    original = order_created(ids.order_a, "cust-42", Decimal("129.99"), **ids.meta(ids.reused))
    reuser = payment_processed(ids.order_a, Decimal("129.99"), payment_id=ids.new(), **ids.meta(ids.reused))
    return ((original,), (reuser,)), original, reuser


def _other_amount(ids: _Ids) -> _Built:
    # PaymentProcessed of A for 129.99 under X; then the same for 5.00 (would be moot: A is processing).
    created = order_created(ids.order_a, "cust-42", Decimal("129.99"), **ids.meta())
    payment = ids.new()
    original = payment_processed(ids.order_a, Decimal("129.99"), payment_id=payment, **ids.meta(ids.reused))
    reuser = payment_processed(ids.order_a, Decimal("5.00"), payment_id=payment, **ids.meta(ids.reused))
    return ((created,), (original,), (reuser,)), original, reuser


def _created_again_other_content(ids: _Ids) -> _Built:
    # OrderCreated of A under X; then OrderCreated of A under X for another customer (AlreadyCreated).
    original = order_created(ids.order_a, "cust-42", Decimal("129.99"), **ids.meta(ids.reused))
    reuser = order_created(ids.order_a, "cust-666", Decimal("129.99"), **ids.meta(ids.reused))
    return ((original,), (reuser,)), original, reuser


def _moot_for_its_order(ids: _Ids) -> _Built:
    # OrderCreated of A under X; B paid; then PaymentProcessed of B under X (moot: B is processing).
    original = order_created(ids.order_a, "cust-42", Decimal("129.99"), **ids.meta(ids.reused))
    created_b = order_created(ids.order_b, "cust-43", Decimal("5.00"), **ids.meta())
    paid_b = payment_processed(ids.order_b, Decimal("5.00"), payment_id=ids.new(), **ids.meta())
    reuser = payment_processed(ids.order_b, Decimal("5.00"), payment_id=ids.new(), **ids.meta(ids.reused))
    return ((original, created_b), (paid_b,), (reuser,)), original, reuser


def _original_ignored(ids: _Ids) -> _Built:
    # A cancelled; PaymentProcessed of A under X recorded as ignored; then PaymentFailed of B under X.
    created_a = order_created(ids.order_a, "cust-42", Decimal("129.99"), **ids.meta())
    cancelled_a = payment_failed(ids.order_a, "card declined", **ids.meta())
    original = payment_processed(ids.order_a, Decimal("129.99"), payment_id=ids.new(), **ids.meta(ids.reused))
    created_b = order_created(ids.order_b, "cust-43", Decimal("5.00"), **ids.meta())
    reuser = payment_failed(ids.order_b, "card declined", **ids.meta(ids.reused))
    return ((created_a, created_b), (cancelled_a,), (original,), (reuser,)), original, reuser


def _same_batch_same_order(ids: _Ids) -> _Built:
    # One batch: PaymentFailed of A under X, then OrderCreated of A under X. An order's events are
    # applied in lifecycle order, so the creation is recorded first, whatever the batch order.
    original = order_created(ids.order_a, "cust-42", Decimal("129.99"), **ids.meta(ids.reused))
    reuser = payment_failed(ids.order_a, "card declined", **ids.meta(ids.reused))
    return ((reuser, original),), original, reuser


def _same_batch_after_creation(ids: _Ids) -> _Built:
    # B pending; one batch: OrderCreated of A under X, PaymentFailed of B under X. The applier
    # commits a batch's creations before it reads the other orders: A's creation is recorded first.
    created_b = order_created(ids.order_b, "cust-43", Decimal("5.00"), **ids.meta())
    original = order_created(ids.order_a, "cust-42", Decimal("129.99"), **ids.meta(ids.reused))
    reuser = payment_failed(ids.order_b, "card declined", **ids.meta(ids.reused))
    return ((created_b,), (original, reuser)), original, reuser


def _same_batch_as_redelivery(ids: _Ids) -> _Built:
    # OrderCreated of A under X; then one batch: that event again (a duplicate, re-notified) and
    # PaymentFailed of B under X (a conflict): one id, told apart by content.
    original = order_created(ids.order_a, "cust-42", Decimal("129.99"), **ids.meta(ids.reused))
    created_b = order_created(ids.order_b, "cust-43", Decimal("5.00"), **ids.meta())
    reuser = payment_failed(ids.order_b, "card declined", **ids.meta(ids.reused))
    return ((original, created_b), (original, reuser)), original, reuser


def _order_never_created(ids: _Ids) -> _Built:
    # OrderCreated of A under X; then PaymentFailed of B, which does not exist, under X.
    original = order_created(ids.order_a, "cust-42", Decimal("129.99"), **ids.meta(ids.reused))
    reuser = payment_failed(ids.order_b, "card declined", **ids.meta(ids.reused))
    return ((original,), (reuser,)), original, reuser


def _skipping_a_step(ids: _Ids) -> _Built:
    # OrderCreated of A under X; B pending; then OrderStatusChanged of B to completed (skips processing) under X.
    original = order_created(ids.order_a, "cust-42", Decimal("129.99"), **ids.meta(ids.reused))
    created_b = order_created(ids.order_b, "cust-43", Decimal("5.00"), **ids.meta())
    reuser = order_status_changed(ids.order_b, OrderStatus.COMPLETED, **ids.meta(ids.reused))
    return ((original, created_b), (reuser,)), original, reuser
