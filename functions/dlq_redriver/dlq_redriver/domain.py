"""Moving messages from the dead-letter queue back to work, without losing or looping any.

Each round: receive up to 10 → SendMessageBatch to the target → DeleteMessageBatch of only the
entries that were sent. A failed send leaves its message in the DLQ (it becomes visible again); a
failed delete after a send leaves a copy in both queues, a duplicate the idempotent processor
absorbs. A message redriven ``max_redrives`` times stays parked in the DLQ and is reported.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Protocol

REDRIVE_COUNT = "redriveCount"
REJECTION_REASON = "rejectionReason"
MAX_ATTRIBUTES = 10  # SQS message attributes per message


class PayloadError(ValueError):
    """The redrive request is malformed; the message names the field."""


@dataclass(frozen=True, slots=True)
class Filter:
    """Which DLQ messages to move.

    Rejected messages (those the processor parked as invalid, with a ``rejectionReason``) are moved
    only when ``reasons`` names their reason: they fail again unless the cause was fixed.
    """

    reasons: frozenset[str] = frozenset()
    detail_types: frozenset[str] = frozenset()
    min_age_seconds: int = 0
    max_age_seconds: int | None = None

    def matches(self, message: DlqMessage, now_ms: int) -> bool:
        """True if the message should be moved."""
        reason = message.attributes.get(REJECTION_REASON)
        if reason is not None and reason not in self.reasons:
            return False
        if reason is None and self.reasons and "RetryExhausted" not in self.reasons:
            return False
        if self.detail_types and message.detail_type not in self.detail_types:
            return False
        age = (now_ms - message.sent_timestamp_ms) / 1000
        if age < self.min_age_seconds:
            return False
        return self.max_age_seconds is None or age <= self.max_age_seconds


@dataclass(frozen=True, slots=True)
class Request:
    """A validated redrive request."""

    max_messages: int = 100
    dry_run: bool = False
    filter: Filter = field(default_factory=Filter)
    target_queue_url: str | None = None
    max_redrives: int = 3


def _names(payload: Mapping[str, Any], key: str) -> frozenset[str]:
    value = payload.get(key, [])
    if not isinstance(value, list) or not all(isinstance(item, str) and item for item in value):
        raise PayloadError(f"filter.{key} must be a list of non-empty strings")
    return frozenset(value)


def _int(payload: Mapping[str, Any], key: str, default: int | None, low: int, high: int) -> int | None:
    value = payload.get(key, default)
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int) or not low <= value <= high:
        raise PayloadError(f"{key} must be an integer from {low} to {high}")
    return value


def parse_request(payload: Any) -> Request:
    """Validate the invocation payload.

    Accepted keys: ``maxMessages`` (1-10000, default 100), ``dryRun`` (bool), ``filter``
    (``reasons``, ``detailTypes``, ``minAgeSeconds``, ``maxAgeSeconds``), ``targetQueueUrl``,
    ``maxRedrives`` (1-100, default 3).

    Raises
    ------
    PayloadError
        Naming the first field that is wrong; unknown keys are refused too.
    """
    if payload is None:
        payload = {}
    if not isinstance(payload, dict):
        raise PayloadError("payload must be a JSON object")
    unknown = set(payload) - {"maxMessages", "dryRun", "filter", "targetQueueUrl", "maxRedrives"}
    if unknown:
        raise PayloadError(f"unknown keys: {', '.join(sorted(unknown))}")
    dry_run = payload.get("dryRun", False)
    if not isinstance(dry_run, bool):
        raise PayloadError("dryRun must be true or false")
    raw_filter = payload.get("filter", {})
    if not isinstance(raw_filter, dict):
        raise PayloadError("filter must be a JSON object")
    unknown = set(raw_filter) - {"reasons", "detailTypes", "minAgeSeconds", "maxAgeSeconds"}
    if unknown:
        raise PayloadError(f"unknown filter keys: {', '.join(sorted(unknown))}")
    target = payload.get("targetQueueUrl")
    if target is not None and (not isinstance(target, str) or not target.startswith(("https://", "http://"))):
        raise PayloadError("targetQueueUrl must be a queue URL")
    return Request(
        max_messages=_int(payload, "maxMessages", 100, 1, 10_000) or 100,
        dry_run=dry_run,
        filter=Filter(
            reasons=_names(raw_filter, "reasons"),
            detail_types=_names(raw_filter, "detailTypes"),
            min_age_seconds=_int(raw_filter, "minAgeSeconds", 0, 0, 1_209_600) or 0,
            max_age_seconds=_int(raw_filter, "maxAgeSeconds", None, 0, 1_209_600),
        ),
        target_queue_url=target,
        max_redrives=_int(payload, "maxRedrives", 3, 1, 100) or 3,
    )


@dataclass(frozen=True, slots=True)
class DlqMessage:
    """A received DLQ message: body, attributes, and what SQS says of it.

    ``attributes`` is the string view the filters read; ``raw_attributes`` holds every attribute
    as SQS gave it (Number and Binary ones included), so that a moved message keeps them all.
    """

    message_id: str
    receipt_handle: str
    body: str
    attributes: Mapping[str, str]
    sent_timestamp_ms: int
    raw_attributes: Mapping[str, Mapping[str, Any]] = field(default_factory=dict)

    @property
    def attribute_count(self) -> int:
        """How many message attributes the message carries (SQS allows 10)."""
        return len(set(self.attributes) | set(self.raw_attributes))

    @property
    def redrive_count(self) -> int:
        """How many times this message was redriven before."""
        raw = self.attributes.get(REDRIVE_COUNT, "0")
        return int(raw) if raw.isdigit() else 0

    @property
    def detail_type(self) -> str | None:
        """The envelope's detail-type, or None when the body is not an envelope (rejected input)."""
        try:
            envelope = json.loads(self.body)
        except ValueError:
            return None
        value = envelope.get("detail-type") if isinstance(envelope, dict) else None
        return value if isinstance(value, str) else None


class Queues(Protocol):
    """The SQS operations the redriver needs (an adapter over boto3)."""

    def receive(self, queue_url: str, count: int) -> list[DlqMessage]: ...

    def send(self, queue_url: str, messages: Sequence[tuple[DlqMessage, Mapping[str, str]]]) -> set[str]:
        """Send copies with the given attributes; returns the message ids sent."""
        ...

    def delete(self, queue_url: str, messages: Sequence[DlqMessage]) -> set[str]:
        """Delete; returns the message ids deleted."""
        ...

    def release(self, queue_url: str, messages: Sequence[DlqMessage]) -> None:
        """Make messages visible again at once (after a dry run or a filter skip)."""
        ...


@dataclass(slots=True)
class Report:
    """What a redrive did."""

    examined: int = 0
    moved: int = 0
    parked: int = 0
    filtered_out: int = 0
    failed: int = 0
    delete_failed: int = 0
    would_move: int = 0
    stopped_by: str = "drained"
    parked_message_ids: list[str] = field(default_factory=list)

    def as_dict(self) -> dict[str, Any]:
        """The report in the function's JSON response (camelCase)."""
        return {
            "examined": self.examined,
            "moved": self.moved,
            "parked": self.parked,
            "filteredOut": self.filtered_out,
            "failed": self.failed,
            "deleteFailed": self.delete_failed,
            "wouldMove": self.would_move,
            "stoppedBy": self.stopped_by,
            "parkedMessageIds": self.parked_message_ids[:50],
        }


def redrive(
    request: Request,
    queues: Queues,
    dlq_url: str,
    source_url: str,
    *,
    remaining_ms: Callable[[], int],
    now_ms: Callable[[], int],
    safety_ms: int = 5_000,
) -> Report:
    """Move DLQ messages back to the source queue (or ``request.target_queue_url``).

    Stops when the DLQ yields nothing more, after ``max_messages`` examined, or when less than
    ``safety_ms`` of the invocation is left (``stopped_by`` says which). Delivery to the target is
    at least once: a message may be sent twice if its delete failed, never lost.
    """
    report = Report()
    target = request.target_queue_url or source_url
    held: list[DlqMessage] = []  # received but left in the DLQ: released at the end
    while True:
        if report.examined >= request.max_messages:
            report.stopped_by = "maxMessages"
            break
        if remaining_ms() < safety_ms:
            report.stopped_by = "deadline"
            break
        batch = queues.receive(dlq_url, min(10, request.max_messages - report.examined))
        if not batch:
            break
        report.examined += len(batch)
        to_move: list[tuple[DlqMessage, Mapping[str, str]]] = []
        for message in batch:
            if not request.filter.matches(message, now_ms()):
                report.filtered_out += 1
                held.append(message)
            elif message.redrive_count >= request.max_redrives:
                report.parked += 1
                report.parked_message_ids.append(message.message_id)
                held.append(message)
            elif request.dry_run:
                report.would_move += 1
                held.append(message)
            elif message.attribute_count >= MAX_ATTRIBUTES and REDRIVE_COUNT not in message.attributes:
                report.failed += 1  # no room for the redrive count: moving it could loop for ever
                held.append(message)
            else:
                attributes = {**message.attributes, REDRIVE_COUNT: str(message.redrive_count + 1)}
                to_move.append((message, attributes))
        if to_move:
            sent = queues.send(target, to_move)
            report.failed += len(to_move) - len(sent)
            moved = [message for message, _ in to_move if message.message_id in sent]
            deleted = queues.delete(dlq_url, moved) if moved else set()
            report.moved += len(moved)
            report.delete_failed += len(moved) - len(deleted)
    if held:
        queues.release(dlq_url, held)
    return report
