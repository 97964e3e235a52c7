"""Metrics and logs of a processed batch (kept out of the handler to keep it wiring only)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from order_processor.domain import BatchResult, Outcome, summarise
from orders_shared.observability import MetricUnit

METRIC_OF = {
    Outcome.APPLIED: "OrdersProcessed",
    Outcome.REJECTED: "EventsRejected",
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
    """Emit one EMF count per outcome, the publish-to-commit latency, and a log line per record."""
    for outcome, count in summarise(batch.results.values()).items():
        metrics.add_metric(name=METRIC_OF[outcome], unit=MetricUnit.Count, value=count)
    for message_id, result in batch.results.items():
        event = result.event
        if result.outcome is Outcome.APPLIED and event is not None:
            latency = _latency_ms(event.metadata.occurred_at, now)
            if latency is not None:
                metrics.add_metric(name="ProcessingLatency", unit=MetricUnit.Milliseconds, value=latency)
        logger.info(
            "record processed",
            extra={
                "messageId": message_id,
                "outcome": str(result.outcome),
                "reason": result.reason,
                "eventId": event.event_id if event else None,
                "orderId": event.order_id if event else None,
                "correlationId": event.metadata.correlation_id if event else None,
            },
        )
