"""Metrics and logs of a redrive (kept out of the handler to keep it wiring only).

Each function takes the Powertools ``metrics`` and ``logger`` it writes to, so that tests hand
in recorders; messages are constant and the facts travel as keys.
"""

from __future__ import annotations

from typing import Any

from dlq_redriver.domain import PayloadError, Report, Request
from orders_shared.observability import MetricUnit


def refused(error: PayloadError, metrics: Any, logger: Any) -> None:
    """A request refused before anything moved: one WARNING line naming the field, one count."""
    metrics.add_metric(name="RedriveRequestsRefused", unit=MetricUnit.Count, value=1)
    logger.warning("redrive request refused", extra={"error": str(error)})


def finished(request: Request, report: Report, metrics: Any, logger: Any) -> None:
    """What a run did: the moved and parked counts, a WARNING per parked message, one INFO summary."""
    metrics.add_metric(name="MessagesRedriven", unit=MetricUnit.Count, value=report.moved)
    metrics.add_metric(name="MessagesParked", unit=MetricUnit.Count, value=report.parked)
    for message_id, reason in report.parked_messages:
        logger.warning("message parked", extra={"messageId": message_id, "reason": str(reason)})
    logger.info("redrive finished", extra={"report": report.as_dict(), "dryRun": request.dry_run})


def call_failed(logger: Any, call: str, queue_url: str, code: str, entries: int) -> None:
    """An SQS batch call, or some of its entries, failed: the messages stay in the DLQ."""
    logger.warning(
        "sqs call failed", extra={"call": call, "queueUrl": queue_url, "errorCode": code, "entries": entries}
    )
