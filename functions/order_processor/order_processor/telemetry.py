"""Metrics and logs of a processed batch (kept out of the handler to keep it wiring only)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from order_processor.applier import BatchResult, summarise
from order_processor.model import Outcome
from orders_shared.observability import MetricUnit

# Per-record log levels: what an operator looks for (a record refused, retried or ignored) is
# logged at INFO or above; the happy path (applied, a duplicate skipped) only at DEBUG, since the
# event store already keeps each applied event and its outcome, and a line per applied record was
# nearly a third of the emulator's time per event and most of the CloudWatch Logs bill.
LEVEL_OF = {
    Outcome.APPLIED: "debug",
    Outcome.DUPLICATE: "debug",
    Outcome.IGNORED: "info",
    Outcome.REJECTED: "warning",
    Outcome.EXHAUSTED: "warning",
    Outcome.RETRY: "warning",
}

METRIC_OF = {
    Outcome.APPLIED: "OrdersProcessed",
    Outcome.REJECTED: "EventsRejected",
    Outcome.EXHAUSTED: "EventsExhausted",
    Outcome.DUPLICATE: "DuplicatesSkipped",
    Outcome.IGNORED: "TransitionsIgnored",
    Outcome.RETRY: "EventsRetried",
}


def _latency_ms(occurred_at: str, now: datetime) -> float | None:
    # The contract's date-time (RFC 3339) allows a lower-case "t"/"z" and a leap second, which
    # fromisoformat refuses; the change is committed by now, so a metric must not fail the batch.
    try:
        occurred = datetime.fromisoformat(occurred_at.upper())
    except ValueError:
        return None
    return (now - occurred).total_seconds() * 1000


def record(batch: BatchResult, metrics: Any, logger: Any, now: datetime) -> None:
    """Emit one EMF count per outcome, the publish-to-commit latency, and the batch's log lines.

    One INFO line per batch carries the count of each outcome; each record gets its own line
    (message id, outcome, reason, event, order and correlation ids) at the level of its outcome
    (``LEVEL_OF``): POWERTOOLS_LOG_LEVEL=DEBUG shows the applied ones too.
    """
    counts = summarise(batch.results.values())
    for outcome, count in counts.items():
        metrics.add_metric(name=METRIC_OF[outcome], unit=MetricUnit.Count, value=count)
    logger.info(
        "batch processed",
        extra={"records": len(batch.results), **{str(outcome): count for outcome, count in counts.items()}},
    )
    for message_id, result in batch.results.items():
        event = result.event
        if result.outcome is Outcome.APPLIED and event is not None:
            latency = _latency_ms(event.metadata.occurred_at, now)
            if latency is not None:
                metrics.add_metric(name="ProcessingLatency", unit=MetricUnit.Milliseconds, value=latency)
        keys = {
            "messageId": message_id,
            "outcome": str(result.outcome),
            "reason": result.reason,
            "eventId": event.event_id if event else None,
            "orderId": event.order_id if event else None,
            "correlationId": event.metadata.correlation_id if event else None,
        }
        getattr(logger, LEVEL_OF[result.outcome])("record processed", extra=keys)
        if result.error is not None:  # a bug or an unforeseen AWS error: its traceback, loudly
            logger.error("record failed unexpectedly", exc_info=result.error, extra=keys)
