"""The emitter's AWS reads: queue attributes and the counter shards."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from decimal import Decimal
from typing import TYPE_CHECKING

from botocore.exceptions import ClientError

from metrics_emitter.domain import FiguresUnavailableError, QueueFigures
from orders_shared.aws import error_code
from orders_shared.counters import all_stats_keys

if TYPE_CHECKING:
    from mypy_boto3_dynamodb import DynamoDBClient
    from mypy_boto3_dynamodb.type_defs import KeysAndAttributesUnionTypeDef
    from mypy_boto3_sqs import SQSClient


class SqsQueueStats:
    """GetQueueAttributes for depth and in-flight counts (``client``: a boto3 ``sqs`` client)."""

    def __init__(self, client: SQSClient) -> None:
        self._client = client

    def figures(self, queue_url: str) -> QueueFigures:
        """Visible and in-flight message counts (approximate, as SQS reports them).

        Raises
        ------
        FiguresUnavailableError
            If SQS refused the call, naming the queue and the error code.
        """
        try:
            attributes = self._client.get_queue_attributes(
                QueueUrl=queue_url,
                AttributeNames=["ApproximateNumberOfMessages", "ApproximateNumberOfMessagesNotVisible"],
            )["Attributes"]
        except ClientError as error:
            raise FiguresUnavailableError(f"GetQueueAttributes on {queue_url} failed: {error_code(error)}") from error
        return QueueFigures(
            visible=int(attributes["ApproximateNumberOfMessages"]),
            in_flight=int(attributes["ApproximateNumberOfMessagesNotVisible"]),
        )


class DynamoCounters:
    """The status counter shards in the Orders table, read in one BatchGetItem (``client``: boto3 ``dynamodb``)."""

    def __init__(self, client: DynamoDBClient, table_name: str) -> None:
        self._client = client
        self._table = table_name

    def shards(self) -> Iterable[Mapping[str, Decimal]]:
        """Each existing shard as attribute name → number.

        Raises
        ------
        FiguresUnavailableError
            If DynamoDB refused the read, naming the table and the error code.
        """
        request: Mapping[str, KeysAndAttributesUnionTypeDef] = {
            self._table: {"Keys": [{"orderId": {"S": key}} for key in all_stats_keys()]}
        }
        shards: list[Mapping[str, Decimal]] = []
        while request:
            try:
                response = self._client.batch_get_item(RequestItems=request)
            except ClientError as error:
                raise FiguresUnavailableError(f"BatchGetItem on {self._table} failed: {error_code(error)}") from error
            for item in response.get("Responses", {}).get(self._table, []):
                shards.append({name: Decimal(value["N"]) for name, value in item.items() if "N" in value})
            request = response.get("UnprocessedKeys") or {}
        return shards
