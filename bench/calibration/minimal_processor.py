"""A reference for the end-to-end figure: the least an order processor can do per batch.

One TransactWriteItems per order (projection, event-store entry, idempotency marker) and one
PublishBatch per batch; no read (the version is taken from the event type), no validation, no
Powertools, no metrics, no logs. It is not correct (a redelivered or reordered event is not
handled; its writes are unconditional, so a duplicate rewrites the same items) and is never
deployed with the stack: `make bench` swaps it in for the function's code on the emulator,
measures it, and puts ours back (bench/e2e.py, ``calibrate``).
"""

import json
import os
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime

import boto3

dynamodb = boto3.client("dynamodb")
sns = boto3.client("sns")
pool = ThreadPoolExecutor(max_workers=16)
ORDERS, EVENTS = os.environ["ORDERS_TABLE_NAME"], os.environ["EVENT_STORE_TABLE_NAME"]
TOPIC = os.environ["NOTIFICATIONS_TOPIC_ARN"]
VERSION = {"OrderCreated": 1, "PaymentProcessed": 2, "PaymentFailed": 2}  # OrderStatusChanged: 3


def _commit(envelope: dict) -> None:
    detail, kind = envelope["detail"], envelope["detail-type"]
    version = VERSION.get(kind, 3)
    status = {"OrderCreated": "pending", "PaymentProcessed": "processing", "PaymentFailed": "cancelled"}.get(
        kind, detail.get("status", "")
    )
    now = datetime.now(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")
    order = {"S": detail["orderId"]}
    dynamodb.transact_write_items(
        TransactItems=[
            {
                "Put": {
                    "TableName": ORDERS,
                    "Item": {"orderId": order, "status": {"S": status}, "version": {"N": str(version)}},
                }
            },
            {
                "Put": {
                    "TableName": EVENTS,
                    "Item": {
                        "streamId": order,
                        "version": {"N": str(version)},
                        "data": {"S": json.dumps(detail)},
                        "recordedAt": {"S": now},
                    },
                }
            },
            {
                "Put": {
                    "TableName": EVENTS,
                    "Item": {"streamId": {"S": "event#" + detail["metadata"]["eventId"]}, "version": {"N": "0"}},
                }
            },
        ]
    )


def handler(event: dict, context: object) -> dict:
    unique = {}
    for record in event["Records"]:
        envelope = json.loads(record["body"])
        unique[envelope["detail"]["metadata"]["eventId"]] = envelope  # a duplicate in the batch: once
    envelopes = list(unique.values())
    list(pool.map(_commit, envelopes))
    for start in range(0, len(envelopes), 10):
        sns.publish_batch(
            TopicArn=TOPIC,
            PublishBatchRequestEntries=[
                {"Id": str(index), "Message": json.dumps({"orderId": e["detail"]["orderId"]})}
                for index, e in enumerate(envelopes[start : start + 10])
            ],
        )
    return {"batchItemFailures": []}
