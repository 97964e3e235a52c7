"""Order processor: SQS batch of EventBridge order events → DynamoDB + SNS (partial batch response)."""

from __future__ import annotations

import gc

# No cyclic garbage collection during the cold start: the imports and clients below allocate some
# hundred thousand objects that all live as long as the process, and the thirty-odd collections
# their allocations triggered found almost nothing to free, for about 20 ms of CPU (docs/decisions.md,
# 2026-11-30). Everything built here is frozen at the end of the module, then collection resumes.
gc.disable()

from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any, cast

from botocore.config import Config
from botocore.session import get_session

from order_processor import telemetry
from order_processor.applier import BatchApplier, Deadline
from order_processor.dead_letters import SqsDeadLetters, lazy_client
from order_processor.model import Record
from order_processor.notifier import SnsNotifier
from order_processor.repository import DynamoOrderRepository
from order_processor.settings import Settings
from orders_shared.observability import configure, logger, metrics, tracer

if TYPE_CHECKING:
    from mypy_boto3_dynamodb import DynamoDBClient
    from mypy_boto3_sns import SNSClient
    from mypy_boto3_sqs import SQSClient

settings = Settings.from_env()
configure(settings.stage)
# Client-side parameter validation re-checks, on every call, requests the adapters always build the same
# way (and the service validates them anyway): off, it saves a third of the CPU of a large request.
# A hung call fails fast (botocore's 60 s defaults would outlast the 30 s function): two attempts of
# 1 s to connect and 3 s to read, within the applier's CALL_BUDGET_MS; DynamoDB and SNS answer in
# milliseconds. The applier starts no call with less than that budget left, and reports the rest.
_config = Config(
    connect_timeout=1,
    read_timeout=3,
    retries={"mode": "standard", "max_attempts": 2},
    max_pool_connections=32,
    parameter_validation=False,
)
_executor = ThreadPoolExecutor(max_workers=16)  # orders of a batch, a group commit's requests, notification chunks
# The clients come from botocore, which boto3.client calls through a default session: importing boto3
# would also import s3transfer and its resource layer, none of which a client uses (about a tenth of
# a cold start's CPU, measured by `make bench`'s "as deployed" row; docs/decisions.md, 2026-11-30).
# Region, credentials and AWS_ENDPOINT_URL are read from the environment by botocore, as before.
_session = get_session()
_dynamodb = cast("DynamoDBClient", _session.create_client("dynamodb", config=_config))
_sns = cast("SNSClient", _session.create_client("sns", config=_config))


def _sqs() -> SQSClient:
    return cast("SQSClient", _session.create_client("sqs", config=_config))


applier = BatchApplier(
    DynamoOrderRepository(_dynamodb, settings.orders_table, settings.event_store_table, executor=_executor),
    SnsNotifier(_sns, settings.notifications_topic_arn, executor=_executor),
    # Built on first use: only a batch with invalid input needs it.
    SqsDeadLetters(lazy_client(_sqs), settings.dead_letter_queue_url),
    _executor,
    max_receives=settings.max_receive_count,
)
# What the cold start built lives as long as the process: frozen (gc.freeze, the permanent generation),
# no collection scans it again, on the first batch or later ones.
gc.freeze()
gc.enable()


def _string_attributes(record: dict[str, Any]) -> dict[str, str]:
    attributes = record.get("messageAttributes") or {}
    return {name: value["stringValue"] for name, value in attributes.items() if "stringValue" in value}


@logger.inject_lambda_context
@tracer.capture_lambda_handler
@metrics.log_metrics
def handler(event: dict[str, Any], context: Any) -> dict[str, Any]:
    """Apply the batch at once (two or three round trips) and report the records to retry.

    The partial batch response is built from the outcomes: Powertools' BatchProcessor would shape
    the same answer, but importing it (with every event data class) costs a tenth of a cold start.
    Every record that failed is listed, even when all did: the same retries, without an invocation
    error (the Errors alarm) or, on the emulator, a restarted worker.
    """
    records = [
        Record(
            record["messageId"],
            record["body"],
            _string_attributes(record),
            receive_count=int(record.get("attributes", {}).get("ApproximateReceiveCount", "1")),
        )
        for record in event["Records"]
    ]
    batch = applier.apply(records, Deadline.of_invocation(context.get_remaining_time_in_millis))
    telemetry.record(batch, metrics, logger, datetime.now(UTC))
    return {"batchItemFailures": [{"itemIdentifier": message_id} for message_id in batch.failed_message_ids()]}
