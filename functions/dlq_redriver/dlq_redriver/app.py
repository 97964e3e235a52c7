"""DLQ redriver: invoked on demand (``make redrive``) with a JSON request; returns a report."""

from __future__ import annotations

import time
from functools import partial
from typing import TYPE_CHECKING, Any

import boto3

from dlq_redriver import telemetry
from dlq_redriver.adapters import SqsQueues
from dlq_redriver.domain import PayloadError, parse_request, redrive
from dlq_redriver.settings import Settings
from orders_shared.observability import configure, logger, metrics, tracer

if TYPE_CHECKING:
    from mypy_boto3_sqs import SQSClient

settings = Settings.from_env()
configure(settings.stage)
_sqs: SQSClient = boto3.client("sqs")
queues = SqsQueues(_sqs, settings.visibility_seconds, partial(telemetry.call_failed, logger))


def _now_ms() -> int:
    return int(time.time() * 1000)


@logger.inject_lambda_context
@tracer.capture_lambda_handler
@metrics.log_metrics
def handler(event: Any, context: Any) -> dict[str, Any]:
    """Validate the request, redrive, and report (a bad request gets an error naming the field)."""
    try:
        request = parse_request(event)
    except PayloadError as error:
        telemetry.refused(error, metrics, logger)
        return {"error": str(error)}
    dlq, source = settings.dead_letter_queue_url, settings.source_queue_url
    report = redrive(request, queues, dlq, source, remaining_ms=context.get_remaining_time_in_millis, now_ms=_now_ms)
    telemetry.finished(request, report, metrics, logger)
    return report.as_dict()
