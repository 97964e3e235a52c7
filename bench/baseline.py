"""The naive baseline: the seed's §3 Lambda handler, followed literally, in Python.

Per invocation it builds a DynamoDB and an SNS client; per record it parses the body, calls
``UpdateItem`` (``SET #status = :status``) and then ``Publish``, and re-raises the first error so
that the whole batch is retried. No validation, no idempotency, no event store, no batching.

Two adaptations, both needed for it to run at all on this pipeline's events:

- the seed parses ``record.body`` as the order itself; behind an EventBridge rule the body is the
  envelope, so the order fields are read from its ``detail``;
- the seed's ``publish`` call shows no ``TopicArn`` (lost from the snippet); it is read from the
  environment, as the table name is.
"""

from __future__ import annotations

import json
import os
from typing import Any

import boto3


def handler(event: dict[str, Any], context: Any) -> None:
    """Apply each record with one UpdateItem and one Publish, in order (the seed's §3)."""
    dynamodb = boto3.client("dynamodb", region_name=os.environ["AWS_REGION"])
    sns = boto3.client("sns", region_name=os.environ["AWS_REGION"])
    for record in event["Records"]:
        try:
            order_event = json.loads(record["body"])["detail"]
            dynamodb.update_item(
                TableName=os.environ["ORDERS_TABLE"],
                Key={"orderId": {"S": order_event["orderId"]}},
                UpdateExpression="SET #status = :status",
                ExpressionAttributeNames={"#status": "status"},
                ExpressionAttributeValues={":status": {"S": order_event["status"]}},
            )
            sns.publish(
                TopicArn=os.environ["NOTIFICATION_TOPIC_ARN"],
                Message=json.dumps(
                    {
                        "orderId": order_event["orderId"],
                        "status": order_event["status"],
                        "message": f"Order {order_event['orderId']} is now {order_event['status']}",
                    }
                ),
            )
        except Exception as error:
            print("Error processing event:", error)
            raise  # will trigger SQS retry
