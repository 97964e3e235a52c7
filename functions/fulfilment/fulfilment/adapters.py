"""The shipment ledger on DynamoDB: one item per notification event id, written once."""

from __future__ import annotations

from typing import TYPE_CHECKING

from botocore.exceptions import BotoCoreError, ClientError

from fulfilment.domain import ShipmentRequest
from orders_shared.aws import error_code
from orders_shared.errors import RetryableError

if TYPE_CHECKING:
    from mypy_boto3_dynamodb import DynamoDBClient


class DynamoShipmentLedger:
    """Shipment requests in a table keyed by ``eventId``; a conditional put makes each one once."""

    def __init__(self, client: DynamoDBClient, table: str) -> None:
        self._client = client
        self._table = table

    def record(self, request: ShipmentRequest, requested_at: str) -> bool:
        """Put the request unless its event id is there; False for a duplicate."""
        try:
            self._client.put_item(
                TableName=self._table,
                Item={
                    "eventId": {"S": request.event_id},
                    "orderId": {"S": request.order_id},
                    "correlationId": {"S": request.correlation_id},
                    "completedAt": {"S": request.completed_at},
                    "notificationVersion": {"S": request.schema_version},
                    "requestedAt": {"S": requested_at},
                    "status": {"S": "requested"},
                },
                ConditionExpression="attribute_not_exists(eventId)",
            )
        except ClientError as error:
            if error_code(error) == "ConditionalCheckFailedException":
                return False
            raise RetryableError(f"shipment ledger write failed: {error_code(error)}") from error
        except BotoCoreError as error:
            raise RetryableError(f"shipment ledger write failed: {type(error).__name__}") from error
        return True
