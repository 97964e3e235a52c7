"""The processor's ports: what the batch applier needs of storage, notification and parking.

The adapters (:mod:`.repository`, :mod:`.notifier`, :mod:`.dead_letters`) implement them on AWS;
the unit tests implement them in memory, through the same calls.
"""

from __future__ import annotations

from collections.abc import Collection, Sequence
from typing import Protocol

from order_processor.model import Change, CommitResult, Notification, OrderState, Recorded, Rejection
from orders_shared.events import OrderEvent


class OrderRepository(Protocol):
    """Order state storage (DynamoDB in production)."""

    def load(self, order_ids: Collection[str]) -> dict[str, OrderState]:
        """Current state of each order that exists. Raises RetryableError."""
        ...

    def commit(self, changes: Sequence[Change]) -> list[CommitResult]:
        """Apply changes of different orders, each atomically with its event and idempotency marker.

        One result per change, in order. A single change is a group of one. At most one change per
        order and per event id (the caller's guarantee).
        """
        ...

    def record_ignored(self, event: OrderEvent, reason: str) -> CommitResult:
        """Record that an event was handled without a change: Committed, Duplicate or Failed."""
        ...

    def recorded(self, event: OrderEvent) -> Recorded | None:
        """What the marker of the event's id holds, or None when the id was never recorded.

        Raises RetryableError.
        """
        ...


class Notifier(Protocol):
    """Sends notifications (at least once); returns the event ids whose notification failed."""

    def notify(self, notifications: Sequence[Notification]) -> set[str]: ...


class DeadLetters(Protocol):
    """Parks rejected records; returns the message ids that could not be parked."""

    def park(self, rejections: Sequence[Rejection]) -> set[str]: ...
