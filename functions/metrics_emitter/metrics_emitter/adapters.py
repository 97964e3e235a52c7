"""The emitter's AWS reads: queue attributes and the counter shards."""

from __future__ import annotations

import time
from collections.abc import Iterable, Mapping
from decimal import Decimal
from typing import TYPE_CHECKING

from botocore.exceptions import BotoCoreError, ClientError

from metrics_emitter.domain import FiguresUnavailableError, QueueFigures
from orders_shared.aws import error_code
from orders_shared.batch_reads import batch_get
from orders_shared.counters import all_stats_keys

SHARD_READ_TRIES = 4  # calls for the shard keys at most: the first, and three for throttled keys
SHARD_READ_PAUSE_S = 0.1  # the pause after a call that left keys unprocessed

if TYPE_CHECKING:
    from mypy_boto3_dynamodb import DynamoDBClient
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
    """The status counter shards in the Orders table, read with BatchGetItem (``client``: boto3 ``dynamodb``).

    The read goes through the shared :func:`~orders_shared.batch_reads.batch_get`: consistent (the
    reducer of the same run has just added the settled ledgers to these items), 100 keys a call, and
    throttled keys asked for again ``tries`` times at most, so that a throttled table fails this run
    with a named error instead of holding it until the function times out.
    """

    def __init__(
        self,
        client: DynamoDBClient,
        table_name: str,
        *,
        tries: int = SHARD_READ_TRIES,
        pause_s: float = SHARD_READ_PAUSE_S,
    ) -> None:
        self._client = client
        self._table = table_name
        self._tries = tries
        self._pause_s = pause_s

    def shards(self) -> Iterable[Mapping[str, Decimal]]:
        """Each existing shard as attribute name → number.

        Raises
        ------
        FiguresUnavailableError
            If DynamoDB refused the read (naming the table and the error code), or keys were still
            unprocessed after the last try.
        """
        items = batch_get(
            self._client,
            self._table,
            [{"orderId": {"S": key}} for key in all_stats_keys()],
            what="counter shards",
            tries=self._tries,
            backoff=lambda: time.sleep(self._pause_s),
            unprocessed=lambda: FiguresUnavailableError(
                f"BatchGetItem on {self._table}: shard keys still unprocessed after {self._tries} calls"
            ),
            failed=self._failed,
        )
        return [{name: Decimal(value["N"]) for name, value in item.items() if "N" in value} for item in items]

    def _failed(self, error: ClientError | BotoCoreError) -> FiguresUnavailableError:
        reason = error_code(error) if isinstance(error, ClientError) else type(error).__name__
        return FiguresUnavailableError(f"BatchGetItem on {self._table} failed: {reason}")
