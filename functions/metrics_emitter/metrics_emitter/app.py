"""Metrics emitter: every minute, queue depths and business figures as EMF metrics."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import boto3

from metrics_emitter.adapters import DynamoCounters, SqsQueueStats
from metrics_emitter.domain import collect
from metrics_emitter.settings import Settings
from orders_shared.observability import configure, logger, metrics, tracer

if TYPE_CHECKING:
    from mypy_boto3_dynamodb import DynamoDBClient
    from mypy_boto3_sqs import SQSClient

settings = Settings.from_env()
configure(settings.stage)
_sqs: SQSClient = boto3.client("sqs")
_dynamodb: DynamoDBClient = boto3.client("dynamodb")
queue_stats = SqsQueueStats(_sqs)
counters = DynamoCounters(_dynamodb, settings.orders_table)


@logger.inject_lambda_context
@tracer.capture_lambda_handler
@metrics.log_metrics
def handler(event: Any, context: Any) -> dict[str, Any]:
    """Collect the figures, emit them (EMF, dimension Stage) and return them."""
    figures = collect(queue_stats, counters, settings.queue_url, settings.dead_letter_queue_url)
    emitted = figures.as_metrics()
    for name, (value, unit) in emitted.items():
        metrics.add_metric(name=name, unit=unit, value=value)
    logger.info("figures emitted", extra={"figures": {name: value for name, (value, _) in emitted.items()}})
    return {name: value for name, (value, _) in emitted.items()}
