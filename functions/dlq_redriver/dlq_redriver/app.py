"""DLQ redriver: invoked on demand (``make redrive``) with a JSON request; returns a report."""

from __future__ import annotations

import time
from typing import Any

import boto3

from dlq_redriver.adapters import SqsQueues
from dlq_redriver.domain import PayloadError, parse_request, redrive
from dlq_redriver.settings import Settings
from orders_shared.observability import MetricUnit, configure, logger, metrics, tracer

settings = Settings.from_env()
configure(settings.stage)
queues = SqsQueues(boto3.client("sqs"), settings.visibility_seconds)


@logger.inject_lambda_context
@tracer.capture_lambda_handler
@metrics.log_metrics
def handler(event: Any, context: Any) -> dict[str, Any]:
    """Validate the request, redrive, and report (a bad request gets an error naming the field)."""
    try:
        request = parse_request(event)
    except PayloadError as error:
        logger.warning("redrive request refused", extra={"error": str(error)})
        metrics.add_metric(name="RedriveRequestsRefused", unit=MetricUnit.Count, value=1)
        return {"error": str(error)}
    report = redrive(
        request,
        queues,
        settings.dead_letter_queue_url,
        settings.source_queue_url,
        remaining_ms=context.get_remaining_time_in_millis,
        now_ms=lambda: int(time.time() * 1000),
    )
    metrics.add_metric(name="MessagesRedriven", unit=MetricUnit.Count, value=report.moved)
    metrics.add_metric(name="MessagesParked", unit=MetricUnit.Count, value=report.parked)
    logger.info("redrive finished", extra={"report": report.as_dict(), "dryRun": request.dry_run})
    return report.as_dict()
