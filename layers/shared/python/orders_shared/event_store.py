"""An append-only event store on DynamoDB with optimistic concurrency (the seed's EventStore).

Table layout: partition key ``streamId`` (S), sort key ``version`` (N), versions 1, 2, 3, ... with
no gaps. ``expected_version`` is the version the writer last saw (0 for a new stream).
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import TYPE_CHECKING, Any, Protocol

from botocore.exceptions import ClientError

from orders_shared.aws import error_code
from orders_shared.errors import ConcurrencyError, RetryableError
from orders_shared.events import dumps, utc_now_iso

if TYPE_CHECKING:
    from mypy_boto3_dynamodb import DynamoDBClient
    from mypy_boto3_dynamodb.type_defs import AttributeValueTypeDef, QueryInputTypeDef, TransactWriteItemTypeDef

MAX_TRANSACTION_ITEMS = 100  # TransactWriteItems limit

# The streams index: a sparse global secondary index holding one key per stream (its version-1
# item alone carries STREAM_SHARD), so that streams are listed without reading the whole table.
STREAMS_INDEX = "StreamsIndex"
STREAM_SHARD = "streamShard"
# A new stream writes one index item into one of these partitions: 16 spread any write rate the
# processor reaches (one index partition takes ~1,000 writes/s) and cost 16 queries to list.
STREAM_SHARDS = 16


def stream_shard(stream_id: str) -> str:
    """The streams-index partition (``"00"`` ... ``"15"``) of a stream, fixed by its id."""
    digest = hashlib.sha256(stream_id.encode("utf-8")).digest()
    return f"{int.from_bytes(digest[:4], 'big') % STREAM_SHARDS:02d}"


class DomainEvent(Protocol):
    """What the store needs of an event (``NewEvent`` and ``OrderEvent`` both fit)."""

    @property
    def event_id(self) -> str: ...

    @property
    def detail_type(self) -> str: ...

    @property
    def detail(self) -> Mapping[str, Any]: ...


@dataclass(frozen=True, slots=True)
class RecordedEvent:
    """One event as stored in a stream."""

    stream_id: str
    version: int
    event_id: str
    event_type: str
    data: Mapping[str, Any]
    recorded_at: str


def put_event_item(
    table_name: str, stream_id: str, version: int, event: DomainEvent, recorded_at: str
) -> TransactWriteItemTypeDef:
    """The TransactWriteItems ``Put`` that stores ``event`` at ``version``, refusing a taken slot.

    Exposed so that a caller can append inside a larger transaction (the order processor writes
    its projection, the event and the idempotency marker atomically). The first event of a stream
    also carries its streams-index shard (:data:`STREAM_SHARD`).
    """
    item: dict[str, AttributeValueTypeDef] = {
        "streamId": {"S": stream_id},
        "version": {"N": str(version)},
        "eventId": {"S": event.event_id},
        "eventType": {"S": str(event.detail_type)},
        "data": {"S": dumps(event.detail)},
        "recordedAt": {"S": recorded_at},
    }
    if version == 1:  # the stream's first event lists the stream in the sparse streams index
        item[STREAM_SHARD] = {"S": stream_shard(stream_id)}
    return {"Put": {"TableName": table_name, "Item": item, "ConditionExpression": "attribute_not_exists(streamId)"}}


class EventStore:
    """Append and read event streams in one DynamoDB table.

    Parameters
    ----------
    client
        A boto3 ``dynamodb`` client, built once by the caller.
    table_name : str
        The event store table.
    clock
        Returns the ISO timestamp recorded with each event (injected for tests).
    """

    def __init__(self, client: DynamoDBClient, table_name: str, *, clock: Callable[[], str] = utc_now_iso) -> None:
        self._client = client
        self._table = table_name
        self._clock = clock

    @property
    def table_name(self) -> str:
        """The event store table."""
        return self._table

    def append(self, stream_id: str, events: Sequence[DomainEvent], expected_version: int) -> int:
        """Append events atomically after ``expected_version``.

        All events are written in one transaction, or none is. If the stream is not exactly at
        ``expected_version`` (someone appended first, or the writer is ahead of the stream),
        nothing is written.

        Returns
        -------
        int
            The stream's new version.

        Raises
        ------
        ConcurrencyError
            Naming the stream, the expected and the actual version.
        ValueError
            If there are no events, or more than one transaction holds.
        RetryableError
            On a transaction conflict or throttling; appending again later may succeed.
        """
        if not events:
            raise ValueError("append needs at least one event")
        if expected_version < 0:
            raise ValueError("expected_version must be 0 or more")
        check = 1 if expected_version > 0 else 0
        if len(events) + check > MAX_TRANSACTION_ITEMS:
            raise ValueError(f"at most {MAX_TRANSACTION_ITEMS - check} events fit one atomic append")
        recorded_at = self._clock()
        items = [
            put_event_item(self._table, stream_id, expected_version + offset, event, recorded_at)
            for offset, event in enumerate(events, start=1)
        ]
        if check:
            # Without this, a writer ahead of the stream (expected 5, actual 2) would leave a gap.
            items.append(
                {
                    "ConditionCheck": {
                        "TableName": self._table,
                        "Key": {"streamId": {"S": stream_id}, "version": {"N": str(expected_version)}},
                        "ConditionExpression": "attribute_exists(streamId)",
                    }
                }
            )
        try:
            self._client.transact_write_items(TransactItems=items)
        except ClientError as error:
            if error_code(error) != "TransactionCanceledException":
                raise
            codes = [reason.get("Code", "None") for reason in error.response.get("CancellationReasons", [])]
            if "ConditionalCheckFailed" in codes:
                raise ConcurrencyError(stream_id, expected_version, self.current_version(stream_id)) from None
            raise RetryableError(f"append to stream {stream_id!r} cancelled: {','.join(codes)}") from error
        return expected_version + len(events)

    def current_version(self, stream_id: str) -> int:
        """The version of the last event of the stream (0 if it has none); a consistent read."""
        response = self._client.query(
            TableName=self._table,
            KeyConditionExpression="streamId = :s",
            ExpressionAttributeValues={":s": {"S": stream_id}},
            ScanIndexForward=False,
            Limit=1,
            ConsistentRead=True,
            ProjectionExpression="version",
        )
        items = response.get("Items", [])
        return int(items[0]["version"]["N"]) if items else 0

    def get_events(self, stream_id: str, from_version: int = 0) -> list[RecordedEvent]:
        """Every event of a stream with version ≥ ``from_version``, in version order.

        Reads are strongly consistent and follow ``LastEvaluatedKey`` across result pages.
        """
        kwargs: QueryInputTypeDef = {
            "TableName": self._table,
            "KeyConditionExpression": "streamId = :s AND version >= :v",
            "ExpressionAttributeValues": {":s": {"S": stream_id}, ":v": {"N": str(from_version)}},
            "ConsistentRead": True,
        }
        events: list[RecordedEvent] = []
        while True:
            response = self._client.query(**kwargs)
            events.extend(recorded_event(item) for item in response.get("Items", []))
            last_key = response.get("LastEvaluatedKey")
            if not last_key:
                return events
            kwargs["ExclusiveStartKey"] = last_key

    def stream_page(self, shard: str, start: Mapping[str, Any] | None = None, limit: int | None = None) -> StreamPage:
        """One page of the stream ids listed in a shard of the streams index, and where the next starts.

        At most ``limit`` ids (else up to DynamoDB's 1 MB page). The index is eventually consistent: a
        stream created a moment ago may not be listed yet.
        """
        kwargs: QueryInputTypeDef = {
            "TableName": self._table,
            "IndexName": STREAMS_INDEX,
            "KeyConditionExpression": "#shard = :shard",
            "ExpressionAttributeNames": {"#shard": STREAM_SHARD},
            "ExpressionAttributeValues": {":shard": {"S": shard}},
        }
        if start:
            kwargs["ExclusiveStartKey"] = dict(start)
        if limit is not None:
            kwargs["Limit"] = limit
        response = self._client.query(**kwargs)
        ids = [item["streamId"]["S"] for item in response.get("Items", [])]
        return StreamPage(ids, response.get("LastEvaluatedKey") or None)


@dataclass(frozen=True, slots=True)
class StreamPage:
    """Stream ids from the streams index; ``next_start`` is None after a shard's last page."""

    stream_ids: list[str]
    next_start: Mapping[str, Any] | None


def recorded_event(item: Mapping[str, Any]) -> RecordedEvent:
    """The event an event-store item holds (``item`` as DynamoDB's client returns it)."""
    return RecordedEvent(
        stream_id=item["streamId"]["S"],
        version=int(item["version"]["N"]),
        event_id=item["eventId"]["S"],
        event_type=item["eventType"]["S"],
        data=json.loads(item["data"]["S"], parse_float=Decimal),
        recorded_at=item["recordedAt"]["S"],
    )
