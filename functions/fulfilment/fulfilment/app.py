"""Fulfilment handler: order notifications from its SQS queue (raw delivery), one shipment per completed order."""

from __future__ import annotations

from typing import Any

import boto3

from fulfilment.adapters import DynamoShipmentLedger
from fulfilment.domain import Message, Outcome, handle
from fulfilment.settings import Settings
from orders_shared.events import utc_now_iso
from orders_shared.observability import MetricUnit, configure, logger, metrics, tracer

settings = Settings.from_env()
configure(settings.stage)
ledger = DynamoShipmentLedger(boto3.client("dynamodb"), settings.shipments_table)


@logger.inject_lambda_context
@tracer.capture_lambda_handler
@metrics.log_metrics
def handler(event: dict[str, Any], context: Any) -> dict[str, Any]:
    """Handle a batch; report the messages to deliver again (invalid ones end in the queue's DLQ)."""
    messages = [Message(record["messageId"], record["body"]) for record in event.get("Records", [])]
    report = handle(messages, ledger, utc_now_iso)
    for message_id, reason in report.reasons.items():
        logger.warning("notification not handled", extra={"messageId": message_id, "reason": reason})
    counts = {str(outcome): report.count(outcome) for outcome in Outcome}
    metrics.add_metric(name="ShipmentsRequested", unit=MetricUnit.Count, value=counts["requested"])
    logger.info("notifications handled", extra=counts)
    return {"batchItemFailures": [{"itemIdentifier": message_id} for message_id in report.failures]}
