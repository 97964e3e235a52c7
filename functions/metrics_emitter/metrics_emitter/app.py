"""Metrics emitter: every minute, the settled ledgers added to the counters, then queue depths and
business figures as EMF metrics."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from typing import TYPE_CHECKING, Any

import boto3
from botocore.exceptions import BotoCoreError, ClientError

from metrics_emitter.adapters import DynamoCounters, SqsQueueStats
from metrics_emitter.domain import collect
from metrics_emitter.settings import Settings
from orders_shared.errors import RetryableError
from orders_shared.ledger import LEDGER_SHARDS, reduce_ledgers
from orders_shared.observability import configure, logger, metrics, tracer

if TYPE_CHECKING:
    from mypy_boto3_dynamodb import DynamoDBClient
    from mypy_boto3_sqs import SQSClient

settings = Settings.from_env()
configure(settings.stage)
_sqs: SQSClient = boto3.client("sqs")
_dynamodb: DynamoDBClient = boto3.client("dynamodb")
_executor = ThreadPoolExecutor(max_workers=LEDGER_SHARDS)  # the ledger shards, reduced side by side
queue_stats = SqsQueueStats(_sqs)
counters = DynamoCounters(_dynamodb, settings.orders_table)


@logger.inject_lambda_context
@tracer.capture_lambda_handler
@metrics.log_metrics
def handler(event: Any, context: Any) -> dict[str, Any]:
    """Reduce the settled ledgers, then collect the figures, emit them (EMF, dimension Stage) and return them.

    A failed reduction is logged and the figures are emitted all the same (the counters as they
    stand); the next run reduces what this one left.
    """
    try:
        reduced = reduce_ledgers(
            _dynamodb,
            settings.events_table,
            settings.orders_table,
            settle_s=settings.ledger_settle_s,
            executor=_executor,
        )
        logger.info("ledgers reduced", extra={"reduced": vars(reduced)})
    except (ClientError, BotoCoreError, RetryableError):
        logger.exception("reducing the ledgers failed; the counters wait for the next run")
    figures = collect(queue_stats, counters, settings.queue_url, settings.dead_letter_queue_url)
    emitted = figures.as_metrics()
    for name, (value, unit) in emitted.items():
        metrics.add_metric(name=name, unit=unit, value=value)
    logger.info("figures emitted", extra={"figures": {name: value for name, (value, _) in emitted.items()}})
    return {name: value for name, (value, _) in emitted.items()}
