"""The processor's model: what a record, an order state, a change and their outcomes are.

Plain frozen data with no behaviour beyond a property; the decision (:mod:`.decision`), the batch
applier (:mod:`.applier`) and the adapters all speak in these types.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from decimal import Decimal
from enum import StrEnum

from orders_shared.errors import InvalidEventError, RetryableError
from orders_shared.events import OrderEvent, OrderStatus
from orders_shared.upcasting import LEGACY_CURRENCY


class Outcome(StrEnum):
    """What became of one record."""

    APPLIED = "applied"  # state changed (and notification sent)
    DUPLICATE = "duplicate"  # already handled earlier; nothing changed
    IGNORED = "ignored"  # a valid event the order's state makes moot (recorded, not an error)
    REJECTED = "rejected"  # can never succeed; parked in the DLQ with its reason
    EXHAUSTED = "exhausted"  # failed on its last receive; parked in the DLQ with its last error
    RETRY = "retry"  # transient failure; reported in batchItemFailures


@dataclass(frozen=True, slots=True)
class Record:
    """The parts of an SQS record the domain needs.

    ``attributes`` are its string message attributes; ``receive_count`` is SQS's
    ``ApproximateReceiveCount`` (1 on the first delivery).
    """

    message_id: str
    body: str
    attributes: Mapping[str, str] = field(default_factory=dict)
    receive_count: int = 1


@dataclass(frozen=True, slots=True)
class OrderState:
    """The projection of one order (``created_at``: when it was first stored; None before).

    ``amount`` is in ``currency``; an order stored before currencies were kept is in USD.
    """

    order_id: str
    status: OrderStatus
    version: int
    customer_id: str
    amount: Decimal
    created_at: str | None = None
    currency: str = LEGACY_CURRENCY


# --- what an event does to an order (returned by decision.decide) ---------------------------------


@dataclass(frozen=True, slots=True)
class Change:
    """One state change to commit: ``previous`` is None for a new order."""

    event: OrderEvent
    previous: OrderState | None
    new: OrderState


@dataclass(frozen=True, slots=True)
class Ignored:
    """A valid event that changes nothing (a late or repeated move); recorded with ``reason``."""

    reason: str


@dataclass(frozen=True, slots=True)
class NotYet:
    """An event that came too early (its order does not exist yet, or it skips a step): retried."""

    reason: str


type Decision = Change | Ignored | NotYet


# --- what the repository did with a change or an ignored event ------------------------------------


@dataclass(frozen=True, slots=True)
class Recorded:
    """What the idempotency marker of an event id holds: the first handling of that id.

    ``digest`` is the :func:`~orders_shared.events.content_digest` of the event then (None in a
    marker written before digests were kept); ``status`` and ``previous_status`` are the move an
    applied event made (None for an ignored one, or an older marker).
    """

    outcome: Outcome
    order_id: str
    event_type: str
    digest: str | None = None
    status: OrderStatus | None = None
    previous_status: OrderStatus | None = None


@dataclass(frozen=True, slots=True)
class Committed:
    """Written: the change (or the ignored event's marker) is stored."""


@dataclass(frozen=True, slots=True)
class Duplicate:
    """The event id was recorded before: nothing written; ``earlier`` is what its marker holds."""

    earlier: Recorded


@dataclass(frozen=True, slots=True)
class Refused:
    """Nothing committed: a condition refused the change (the order, or the claim of its event,
    moved since it was read). Decided again, alone."""

    reason: str


@dataclass(frozen=True, slots=True)
class Failed:
    """Nothing written, for a reason that may pass (throttling, a 5xx, a lost connection)."""

    error: RetryableError


type CommitResult = Committed | Duplicate | Refused | Failed


# --- what leaves the batch ----------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Rejection:
    """A record that can never succeed, and why."""

    record: Record
    error: InvalidEventError


@dataclass(frozen=True, slots=True)
class Notification:
    """A status notification for subscribers (at least once, keyed by ``event.event_id``)."""

    event: OrderEvent
    status: OrderStatus
    previous_status: OrderStatus | None
