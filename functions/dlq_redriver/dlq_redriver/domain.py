"""Moving messages from the dead-letter queue back to work, without losing or looping any.

Each round: receive up to 10 → SendMessageBatch to the source queue → DeleteMessageBatch of only the
entries that were sent. A failed send leaves its message in the DLQ (it becomes visible again); a
failed delete after a send leaves a copy in both queues, a duplicate the idempotent processor
absorbs. A message that must not move stays parked in the DLQ and is reported with its reason
(:class:`ParkReason`): redriven ``max_redrives`` times already, a ``redriveCount`` that is not a
count, no room left for the count, or too large to send once the count is added.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any, Protocol

from dlq_redriver.messages import (
    MAX_ATTRIBUTES,
    MAX_BATCH_ENTRIES,
    MAX_MESSAGE_BYTES,
    MAX_REDRIVES,
    REDRIVE_COUNT,
    REJECTION_REASON,
    DlqMessage,
    RedriveCountError,
    outgoing_attributes,
    sqs_size,
)


class PayloadError(ValueError):
    """The redrive request is malformed; the message names the field."""


class ParkReason(StrEnum):
    """Why a message stays in the DLQ instead of moving (each needs a person, not another run)."""

    REDRIVE_LIMIT = "RedriveLimitReached"  # redriven maxRedrives times already: it would loop
    BAD_REDRIVE_COUNT = "RedriveCountInvalid"  # not 1-3 ASCII digits: forged or corrupted
    NO_ROOM_FOR_COUNT = "NoRoomForRedriveCount"  # 10 attributes already: the count cannot be added
    TOO_LARGE = "TooLargeToRedrive"  # over the SQS message size once the count is added


RETRY_EXHAUSTED = "RetryExhausted"  # failed every receive: parked so by the processor, or moved by SQS


def reason_of(message: DlqMessage) -> str:
    """Why a message is in the DLQ: its ``rejectionReason``, or RetryExhausted when it has none.

    The processor parks a record still failing on its last receive with ``RetryExhausted`` and its
    last error; a message SQS moved itself (an invocation that timed out on that receive) has no
    reason at all, and is the same case.
    """
    return message.attributes.get(REJECTION_REASON) or RETRY_EXHAUSTED


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
        """True if the message should be moved (by default: the retry-exhausted ones only)."""
        if reason_of(message) not in (self.reasons or {RETRY_EXHAUSTED}):
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
    max_redrives: int = 3


def _known_keys(payload: Mapping[str, Any], allowed: set[str], what: str) -> None:
    unknown = set(payload) - allowed
    if unknown:
        raise PayloadError(f"unknown {what}: {', '.join(sorted(unknown))}")


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
    (``reasons``, ``detailTypes``, ``minAgeSeconds``, ``maxAgeSeconds``), ``maxRedrives``
    (1-100, default 3). Messages always go back to the queue the function is configured with:
    ``targetQueueUrl`` is refused with its own error.

    Raises
    ------
    PayloadError
        Naming the first field that is wrong; unknown keys are refused too.
    """
    if payload is None:
        payload = {}
    if not isinstance(payload, dict):
        raise PayloadError("payload must be a JSON object")
    if "targetQueueUrl" in payload:
        # The role may send only to the order-events queue, and a message moved elsewhere would
        # leave the pipeline: the option is gone rather than checked against the one allowed value.
        raise PayloadError("targetQueueUrl is not accepted: messages go back to the order-events queue only")
    _known_keys(payload, {"maxMessages", "dryRun", "filter", "maxRedrives"}, "keys")
    dry_run = payload.get("dryRun", False)
    if not isinstance(dry_run, bool):
        raise PayloadError("dryRun must be true or false")
    raw_filter = payload.get("filter", {})
    if not isinstance(raw_filter, dict):
        raise PayloadError("filter must be a JSON object")
    _known_keys(raw_filter, {"reasons", "detailTypes", "minAgeSeconds", "maxAgeSeconds"}, "filter keys")
    return Request(
        max_messages=_int(payload, "maxMessages", 100, 1, 10_000) or 100,
        dry_run=dry_run,
        filter=Filter(
            reasons=_names(raw_filter, "reasons"),
            detail_types=_names(raw_filter, "detailTypes"),
            min_age_seconds=_int(raw_filter, "minAgeSeconds", 0, 0, 1_209_600) or 0,
            max_age_seconds=_int(raw_filter, "maxAgeSeconds", None, 0, 1_209_600),
        ),
        max_redrives=_int(payload, "maxRedrives", 3, 1, MAX_REDRIVES) or 3,
    )


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
    filtered_out: int = 0
    failed: int = 0
    delete_failed: int = 0
    would_move: int = 0
    stopped_by: str = "drained"
    parked_messages: list[tuple[str, ParkReason]] = field(default_factory=list)
    by_reason: dict[str, dict[str, int]] = field(default_factory=dict)  # DLQ reason -> outcome -> messages

    def count(self, message: DlqMessage, outcome: str) -> None:
        """Count a message's outcome under the reason it is in the DLQ for."""
        counts = self.by_reason.setdefault(reason_of(message), {})
        counts[outcome] = counts.get(outcome, 0) + 1

    @property
    def parked(self) -> int:
        """Messages left in the DLQ for a person to look at."""
        return len(self.parked_messages)

    def park(self, message: DlqMessage, reason: ParkReason) -> None:
        """Record a message left in the DLQ, with why."""
        self.parked_messages.append((message.message_id, reason))

    def as_dict(self) -> dict[str, Any]:
        """The report in the function's JSON response (camelCase); at most 50 parked messages listed."""
        reasons: dict[str, int] = {}
        for _, reason in self.parked_messages:
            reasons[reason] = reasons.get(reason, 0) + 1
        return {
            "examined": self.examined,
            "moved": self.moved,
            "parked": self.parked,
            "parkedReasons": reasons,
            "filteredOut": self.filtered_out,
            "failed": self.failed,
            "deleteFailed": self.delete_failed,
            "wouldMove": self.would_move,
            "stoppedBy": self.stopped_by,
            "byReason": {reason: dict(sorted(counts.items())) for reason, counts in sorted(self.by_reason.items())},
            "parkedMessages": [
                {"messageId": message_id, "reason": str(reason)} for message_id, reason in self.parked_messages[:50]
            ],
        }


def _move_or_park(message: DlqMessage, request: Request, report: Report) -> dict[str, str] | None:
    """The attributes a moved copy gets, or None once the message is parked (recorded in ``report``)."""
    try:
        count = message.redrive_count
    except RedriveCountError:
        report.park(message, ParkReason.BAD_REDRIVE_COUNT)
        return None
    if count >= request.max_redrives:
        report.park(message, ParkReason.REDRIVE_LIMIT)
        return None
    if message.attribute_count >= MAX_ATTRIBUTES and REDRIVE_COUNT not in message.attributes:
        report.park(message, ParkReason.NO_ROOM_FOR_COUNT)  # moved without its count, it could loop for ever
        return None
    attributes = {**message.attributes, REDRIVE_COUNT: str(count + 1)}
    if sqs_size(message.body, outgoing_attributes(message, attributes)) > MAX_MESSAGE_BYTES:
        report.park(message, ParkReason.TOO_LARGE)  # SQS would refuse it on every run
        return None
    return attributes


def _triage(
    batch: Sequence[DlqMessage], request: Request, report: Report, now_ms: int, held: list[DlqMessage]
) -> list[tuple[DlqMessage, Mapping[str, str]]]:
    """The messages of a batch to move, with their new attributes; the others are held (and counted)."""
    to_move: list[tuple[DlqMessage, Mapping[str, str]]] = []
    for message in batch:
        report.count(message, "examined")
        if not request.filter.matches(message, now_ms):
            report.filtered_out += 1
            held.append(message)
        elif (attributes := _move_or_park(message, request, report)) is None:
            report.count(message, "parked")
            held.append(message)
        elif request.dry_run:
            report.would_move += 1
            report.count(message, "wouldMove")
            held.append(message)
        else:
            to_move.append((message, attributes))
    return to_move


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
    """Move DLQ messages back to the source queue, the only place they may go.

    Stops when the DLQ yields nothing more, after ``max_messages`` examined, or when less than
    ``safety_ms`` of the invocation is left (``stopped_by`` says which). Delivery to the source is
    at least once: a message may be sent twice if its delete failed, never lost. A message that
    must not move is parked with its reason and the run goes on; whatever happens, every message
    held back is made visible again before the function returns or raises.
    """
    report = Report()
    held: list[DlqMessage] = []  # received but left in the DLQ: released at the end
    try:
        while True:
            if report.examined >= request.max_messages:
                report.stopped_by = "maxMessages"
                break
            if remaining_ms() < safety_ms:
                report.stopped_by = "deadline"
                break
            batch = queues.receive(dlq_url, min(MAX_BATCH_ENTRIES, request.max_messages - report.examined))
            if not batch:
                break
            report.examined += len(batch)
            to_move = _triage(batch, request, report, now_ms(), held)
            if to_move:
                sent = queues.send(source_url, to_move)
                report.failed += len(to_move) - len(sent)
                moved = [message for message, _ in to_move if message.message_id in sent]
                for message in moved:
                    report.count(message, "moved")
                deleted = queues.delete(dlq_url, moved) if moved else set()
                report.moved += len(moved)
                report.delete_failed += len(moved) - len(deleted)
    finally:
        if held:
            queues.release(dlq_url, held)
    return report
