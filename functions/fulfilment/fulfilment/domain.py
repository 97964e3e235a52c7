"""What fulfilment does with an order notification: ship a completed order, once. No AWS in here.

The notifications topic delivers each message at least once, and the subscription's filter policy
lets only completed orders through; neither is trusted alone. Each message is read as a tolerant
reader of the outbound contract (``OrderNotification``, any 1.x: unknown fields ignored, known
ones checked), and a shipment is requested for a completed order only, recorded under the
notification's ``eventId`` so that a duplicate requests nothing more.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any, Protocol

from orders_shared.errors import InvalidEventError, RetryableError
from orders_shared.events import loads_strict
from orders_shared.validation import validate_notification


class Outcome(StrEnum):
    """What became of one notification."""

    REQUESTED = "requested"  # a shipment was requested: the one effect of a completed order
    DUPLICATE = "duplicate"  # its eventId requested a shipment before: nothing more
    SKIPPED = "skipped"  # not a completed order (the filter policy should have kept it away)
    INVALID = "invalid"  # not an order notification this service reads: retried, then its DLQ
    RETRY = "retry"  # the ledger could not be written now: retried


@dataclass(frozen=True, slots=True)
class ShipmentRequest:
    """A request to ship an order, keyed by the notification's event id."""

    event_id: str
    order_id: str
    correlation_id: str
    completed_at: str
    schema_version: str


class ShipmentLedger(Protocol):
    """Where shipment requests are recorded, once per event id."""

    def record(self, request: ShipmentRequest, requested_at: str) -> bool:
        """Record the request; False when its event id was recorded before (nothing written).

        Raises RetryableError when the write failed for a reason that may pass.
        """
        ...


@dataclass(frozen=True, slots=True)
class Message:
    """One SQS record: its id and its body (the notification itself: raw delivery)."""

    message_id: str
    body: str


@dataclass(slots=True)
class Report:
    """Outcomes of a batch, and the message ids SQS must deliver again."""

    outcomes: dict[str, Outcome] = field(default_factory=dict)
    reasons: dict[str, str] = field(default_factory=dict)

    @property
    def failures(self) -> list[str]:
        """The message ids to report in ``batchItemFailures``."""
        return [mid for mid, outcome in self.outcomes.items() if outcome in {Outcome.INVALID, Outcome.RETRY}]

    def count(self, outcome: Outcome) -> int:
        """How many messages ended with ``outcome``."""
        return sum(1 for value in self.outcomes.values() if value is outcome)


def shipment_for(notification: Mapping[str, Any]) -> ShipmentRequest | None:
    """The shipment a valid notification asks for: one for a completed order, none otherwise."""
    if notification["status"] != "completed":
        return None
    return ShipmentRequest(
        event_id=notification["eventId"].lower(),
        order_id=notification["orderId"].lower(),
        correlation_id=notification["correlationId"],
        completed_at=notification["occurredAt"],
        schema_version=notification["schemaVersion"],
    )


def read(body: str) -> Mapping[str, Any]:
    """Parse and check a notification body (any 1.x of OrderNotification).

    Raises
    ------
    InvalidEventError
        Naming the problem (malformed JSON, a field broken, an unsupported major).
    """
    message: Mapping[str, Any] = loads_strict(body)
    validate_notification(message)
    return message


def handle(messages: Sequence[Message], ledger: ShipmentLedger, clock: Callable[[], str]) -> Report:
    """Request one shipment per completed order among ``messages``; never two for one event id."""
    report = Report()
    for message in messages:
        try:
            request = shipment_for(read(message.body))
        except InvalidEventError as error:
            report.outcomes[message.message_id] = Outcome.INVALID
            report.reasons[message.message_id] = f"{error.reason}: {error.message}"
            continue
        if request is None:
            report.outcomes[message.message_id] = Outcome.SKIPPED
            continue
        try:
            recorded = ledger.record(request, clock())
        except RetryableError as error:
            report.outcomes[message.message_id] = Outcome.RETRY
            report.reasons[message.message_id] = str(error)
            continue
        report.outcomes[message.message_id] = Outcome.REQUESTED if recorded else Outcome.DUPLICATE
    return report
