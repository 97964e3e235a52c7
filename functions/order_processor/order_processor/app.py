"""Order processor: SQS batch of EventBridge order events → DynamoDB + SNS (partial batch response)."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime
from typing import Any

import boto3
from aws_lambda_powertools.utilities.batch import BatchProcessor, EventType, process_partial_response
from aws_lambda_powertools.utilities.data_classes.sqs_event import SQSRecord
from botocore.config import Config

from order_processor import telemetry
from order_processor.adapters import DynamoOrderRepository, LazyClient, SnsNotifier, SqsDeadLetters
from order_processor.domain import BatchApplier, Outcome, Record
from order_processor.settings import Settings
from orders_shared.errors import RetryableError
from orders_shared.observability import configure, logger, metrics, tracer

settings = Settings.from_env()
configure(settings.stage)
# Client-side parameter validation re-checks, on every call, requests the adapters always build the same
# way (and the service validates them anyway): off, it saves a third of the CPU of a batch transaction.
_config = Config(retries={"mode": "standard", "max_attempts": 3}, max_pool_connections=32, parameter_validation=False)
_executor = ThreadPoolExecutor(max_workers=16)  # orders of a batch, group transactions, notification chunks
applier = BatchApplier(
    DynamoOrderRepository(
        boto3.client("dynamodb", config=_config),
        settings.orders_table,
        settings.event_store_table,
        executor=_executor,
    ),
    SnsNotifier(boto3.client("sns", config=_config), settings.notifications_topic_arn, executor=_executor),
    # Built on first use: only a batch with invalid input needs it.
    SqsDeadLetters(LazyClient(lambda: boto3.client("sqs", config=_config)), settings.dead_letter_queue_url),
    _executor,
)
# Not raising when every record failed: the same retries, without counting an invocation error
# (the Errors alarm) or, on the emulator, restarting the worker.
processor = BatchProcessor(event_type=EventType.SQS, raise_on_entire_batch_failure=False)


def _string_attributes(record: dict[str, Any]) -> dict[str, str]:
    attributes = record.get("messageAttributes") or {}
    return {name: value["stringValue"] for name, value in attributes.items() if "stringValue" in value}


@logger.inject_lambda_context
@tracer.capture_lambda_handler
@metrics.log_metrics
def handler(event: dict[str, Any], context: Any) -> dict[str, Any]:
    """Apply the batch at once (three round trips), then let Powertools shape the partial response."""
    records = [Record(record["messageId"], record["body"], _string_attributes(record)) for record in event["Records"]]
    batch = applier.apply(records)
    telemetry.record(batch, metrics, logger, datetime.now(UTC))

    def record_handler(record: SQSRecord) -> None:
        result = batch.results[record.message_id]
        if result.outcome is Outcome.RETRY:
            raise RetryableError(result.reason or "retry")  # reported in batchItemFailures

    response = process_partial_response(
        event=event, record_handler=record_handler, processor=processor, context=context
    )
    return dict(response)
