"""Named exceptions of the pipeline: callers branch on the class, never on message text."""

from __future__ import annotations


class OrderPipelineError(Exception):
    """Base class of every error raised by this package."""


class ConfigurationError(OrderPipelineError):
    """A required setting is missing or malformed (raised at cold start)."""


class InvalidEventError(OrderPipelineError):
    """Input that can never succeed, whatever the number of retries.

    Attributes
    ----------
    reason : str
        A short machine-readable class (``MalformedJson``, ``SchemaViolation``, ...), sent with a
        rejected message to the dead-letter queue.
    path : str
        Where in the payload the problem is (``detail.orderId``), or ``""`` for the whole body.
    rule : str
        The rule broken (``format``, ``required``, ``type``, ...).
    """

    reason = "InvalidEvent"

    def __init__(self, message: str, *, path: str = "", rule: str = "") -> None:
        super().__init__(message)
        self.message = message
        self.path = path
        self.rule = rule


class MalformedEventError(InvalidEventError):
    """The body is not strict JSON (bad JSON, NaN, duplicate keys, too deep, too large); a JSON value
    that is not an object is a :class:`SchemaValidationError` of the envelope."""

    reason = "MalformedJson"


class SchemaValidationError(InvalidEventError):
    """The payload breaks the event contract; carries the JSON path and the rule, never the payload."""

    reason = "SchemaViolation"


class UnsupportedSchemaVersionError(InvalidEventError):
    """The event's ``metadata.schemaVersion`` is of a major this code does not read (``3.0``).

    Not invalid for good: parked, it is applied by a redrive once a processor that reads that
    major is deployed (``{"filter": {"reasons": ["UnsupportedSchemaVersion"]}}``).
    """

    reason = "UnsupportedSchemaVersion"


class UnknownEventTypeError(InvalidEventError):
    """The source / detail-type pair is not one this pipeline handles."""

    reason = "UnknownEventType"


class EventIdConflictError(InvalidEventError):
    """The event reuses an event id already recorded for other content (another order, type or detail).

    Never a duplicate: applying it would be wrong, skipping it silently would lose it. A producer bug
    or a replayed id; the event is parked with what the id was first recorded for.
    """

    reason = "EventIdConflict"


class RetryExhaustedError(InvalidEventError):
    """A record still failing on its queue's last receive: parked with its last error, not lost.

    Not invalid input: its cause may pass (an order never created, a long throttling), and a redrive
    once it has gives the event another ``maxReceiveCount`` tries.
    """

    reason = "RetryExhausted"

    def __init__(self, receives: int, last_error: str | None) -> None:
        super().__init__(f"still failing after {receives} receives: {last_error or 'unknown'}", rule="maxReceiveCount")


class RetryableError(OrderPipelineError):
    """A failure that may succeed later: throttling, a 5xx, a conflict, an order not created yet."""


class ConcurrencyError(OrderPipelineError):
    """An optimistic-concurrency check failed: someone else appended to the stream first."""

    def __init__(self, stream_id: str, expected_version: int, actual_version: int | None) -> None:
        super().__init__(f"stream {stream_id!r}: expected version {expected_version}, found version {actual_version}")
        self.stream_id = stream_id
        self.expected_version = expected_version
        self.actual_version = actual_version
