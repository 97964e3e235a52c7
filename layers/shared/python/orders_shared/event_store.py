"""The event store on DynamoDB: one item per event, keyed by its id, and a head per stream listing them.

Layout (storage format 2, see docs/decisions.md, 2026-11-30):

- **Event items**, in the EventStore table at ``streamId`` = ``event#<eventId>``, ``version`` 0: the
  event as received (``eventType``, ``data``), the stream it belongs to (``orderId``) and its place
  in it (``position``), when it was recorded, and the ledger of the commit that wrote it. The key is
  the producer's event id, so the item is also the id's idempotency marker: an id is claimed once,
  whatever the order.
- **Heads**, one item per stream in the Orders table (key ``orderId``): the stream's event ids in
  order (``events``), the ledger that committed each (``ledgers``), the version (their number), and,
  written by the processor, the projection of the order. An event is in a stream when, and only
  when, its stream's head lists it: the head's conditional write is the commit. An event item whose
  head does not list it is an uncommitted claim, part of no stream.
- **Listing the streams**: the heads are the streams, one item each in the Orders table (beside a
  few counter and checkpoint items, whose keys start with ``#``), so a stream listing is a Scan of
  that table in 16 segments, each resumable; it reads what an audit reads anyway (every head), at
  half a read unit per 4 KB. No index: one would cost a write per stream (a third of a write unit
  per event) to save nothing.

Versions are 1, 2, 3, ... with no gaps, by construction: ``version`` is the length of ``events``, and
a head moves only from the version its writer read.
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
from orders_shared.batch_reads import batch_get
from orders_shared.errors import ConcurrencyError, OrderPipelineError, RetryableError
from orders_shared.events import dumps, utc_now_iso

if TYPE_CHECKING:
    from mypy_boto3_dynamodb import DynamoDBClient
    from mypy_boto3_dynamodb.type_defs import (
        AttributeValueTypeDef,
        ScanInputTypeDef,
        TransactWriteItemTypeDef,
        UpdateTypeDef,
    )

type Item = dict[str, AttributeValueTypeDef]

MAX_TRANSACTION_ITEMS = 100  # TransactWriteItems limit

EVENT_KEY_PREFIX = "event#"  # no stream id starts with it (order ids are UUIDs)
EVENTS = "events"  # head attribute: the stream's event ids, in version order
LEDGERS = "ledgers"  # head attribute: the ledger id of the commit of each event, beside ``events``
GENERIC_LEDGER = "append"  # the ledger id of events appended with EventStore.append (no counters)

# Streams are listed by a Scan of the heads' table in this many segments (each resumable on its own).
STREAM_SHARDS = 16
STATS_KEY_MARK = "#"  # keys of the heads' table that are not streams (counter shards, checkpoints)


class StreamReadError(OrderPipelineError):
    """A stream that cannot be read back: its head lists an event whose item is missing or unreadable."""


def stream_shard(stream_id: str) -> str:
    """Format 1's streams-index partition (``"00"`` ... ``"15"``) of a stream (kept for the cost study)."""
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


def event_key(event_id: str) -> Item:
    """The EventStore key of an event's item (which is also its id's idempotency marker)."""
    return {"streamId": {"S": f"{EVENT_KEY_PREFIX}{event_id}"}, "version": {"N": "0"}}


def event_item(stream_id: str, position: int, event: DomainEvent, recorded_at: str, ledger: str) -> Item:
    """The item storing ``event`` as the ``position``-th of ``stream_id``, written by commit ``ledger``."""
    return {
        **event_key(event.event_id),
        "orderId": {"S": stream_id},
        "position": {"N": str(position)},
        "eventType": {"S": str(event.detail_type)},
        "data": {"S": dumps(event.detail)},
        "recordedAt": {"S": recorded_at},
        "ledger": {"S": ledger},
    }


def head_update(
    table: str,
    stream_id: str,
    expected_version: int,
    event_ids: Sequence[str],
    *,
    ledger: str,
    state: Mapping[str, AttributeValueTypeDef] | None = None,
) -> UpdateTypeDef:
    """The conditional UpdateItem that appends ``event_ids`` to a stream's head: the commit of a stream.

    Conditioned on the head being at ``expected_version`` (absent for 0), it sets the version, appends
    the ids and their ledger, and sets ``state`` (the projection's attributes, by name) when given.
    """
    names: dict[str, str] = {"#events": EVENTS, "#ledgers": LEDGERS, "#version": "version"}
    values: Item = {
        ":ids": {"L": [{"S": event_id} for event_id in event_ids]},
        ":ledgers": {"L": [{"S": ledger} for _ in event_ids]},
        ":none": {"L": []},
        ":version": {"N": str(expected_version + len(event_ids))},
    }
    sets = [
        "#events = list_append(if_not_exists(#events, :none), :ids)",
        "#ledgers = list_append(if_not_exists(#ledgers, :none), :ledgers)",
        "#version = :version",
    ]
    for position, (name, value) in enumerate(sorted((state or {}).items())):
        if name in {"orderId", "version", EVENTS, LEDGERS}:
            continue  # the key, and what the commit itself sets
        names[f"#a{position}"] = name
        values[f":a{position}"] = value
        sets.append(f"#a{position} = :a{position}")
    update: UpdateTypeDef = {
        "TableName": table,
        "Key": {"orderId": {"S": stream_id}},
        "UpdateExpression": "SET " + ", ".join(sets),
        "ExpressionAttributeNames": names,
        "ExpressionAttributeValues": values,
    }
    if expected_version == 0:
        update["ConditionExpression"] = "attribute_not_exists(orderId)"
    else:
        update["ConditionExpression"] = "#version = :expected"
        values[":expected"] = {"N": str(expected_version)}
    return update


def head_events(item: Mapping[str, Any] | None) -> list[str]:
    """The event ids a head lists (none for a missing head)."""
    if not item or EVENTS not in item:
        return []
    return [entry["S"] for entry in item[EVENTS].get("L", [])]


def head_ledgers(item: Mapping[str, Any] | None) -> list[str]:
    """The ledger ids a head lists, one per event."""
    if not item or LEDGERS not in item:
        return []
    return [entry["S"] for entry in item[LEDGERS].get("L", [])]


def recorded_event(item: Mapping[str, Any]) -> RecordedEvent:
    """The event an event item holds (``item`` as DynamoDB's client returns it)."""
    return RecordedEvent(
        stream_id=item["orderId"]["S"],
        version=int(item["position"]["N"]),
        event_id=item["streamId"]["S"].removeprefix(EVENT_KEY_PREFIX),
        event_type=item["eventType"]["S"],
        data=json.loads(item["data"]["S"], parse_float=Decimal),
        recorded_at=item["recordedAt"]["S"],
    )


class EventStore:
    """Append and read event streams: event items in one table, the streams' heads in another.

    Parameters
    ----------
    client
        A boto3 ``dynamodb`` client, built once by the caller.
    table_name : str
        The EventStore table (event items).
    heads_table : str
        The table of the streams' heads (the Orders table, where the processor keeps them with the
        projection).
    clock
        Returns the ISO timestamp recorded with each event (injected for tests).
    """

    def __init__(
        self, client: DynamoDBClient, table_name: str, *, heads_table: str, clock: Callable[[], str] = utc_now_iso
    ) -> None:
        self._client = client
        self._table = table_name
        self._heads = heads_table
        self._clock = clock

    @property
    def table_name(self) -> str:
        """The event store table."""
        return self._table

    @property
    def heads_table(self) -> str:
        """The table of the streams' heads."""
        return self._heads

    def append(self, stream_id: str, events: Sequence[DomainEvent], expected_version: int) -> int:
        """Append events atomically after ``expected_version`` (the seed's optimistic append).

        The event items and the head move in one transaction, or nothing is written. Events appended
        this way carry no counters' ledger (the order processor commits its own way).

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
        if len(events) + 1 > MAX_TRANSACTION_ITEMS:
            raise ValueError(f"at most {MAX_TRANSACTION_ITEMS - 1} events fit one atomic append")
        recorded_at = self._clock()
        items: list[TransactWriteItemTypeDef] = [
            {
                "Put": {
                    "TableName": self._table,
                    "Item": event_item(stream_id, expected_version + offset, event, recorded_at, GENERIC_LEDGER),
                    "ConditionExpression": "attribute_not_exists(streamId)",
                }
            }
            for offset, event in enumerate(events, start=1)
        ]
        ids = [event.event_id for event in events]
        items.append({"Update": head_update(self._heads, stream_id, expected_version, ids, ledger=GENERIC_LEDGER)})
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

    def head(self, stream_id: str) -> dict[str, Any] | None:
        """The stream's head item (a consistent read), or None for a stream with no event."""
        response = self._client.get_item(TableName=self._heads, Key={"orderId": {"S": stream_id}}, ConsistentRead=True)
        item = response.get("Item")
        return dict(item) if item is not None else None

    def current_version(self, stream_id: str) -> int:
        """The version of the last event of the stream (0 if it has none); a consistent read."""
        return len(head_events(self.head(stream_id)))

    def get_events(self, stream_id: str, from_version: int = 0) -> list[RecordedEvent]:
        """Every event of a stream with version ≥ ``from_version``, in version order (consistent reads).

        Raises
        ------
        StreamReadError
            If the head lists an event whose item is missing or unreadable.
        """
        return self.events_listed(stream_id, head_events(self.head(stream_id)), from_version)

    def events_listed(self, stream_id: str, event_ids: Sequence[str], from_version: int = 0) -> list[RecordedEvent]:
        """The events a head lists (``event_ids``, as read from it), from ``from_version`` on."""
        start = max(from_version, 1)
        wanted = list(event_ids[start - 1 :])
        items = self._items([event_key(event_id) for event_id in wanted])
        events: list[RecordedEvent] = []
        for version, event_id in enumerate(wanted, start=start):
            item = items.get(event_id)
            if item is None:
                raise StreamReadError(f"stream {stream_id} version {version}: event {event_id} has no item")
            try:
                recorded = recorded_event(item)
            except (KeyError, ValueError) as error:
                raise StreamReadError(f"stream {stream_id} version {version}: unreadable item ({error})") from None
            events.append(
                RecordedEvent(stream_id, version, event_id, recorded.event_type, recorded.data, recorded.recorded_at)
            )
        return events

    def _items(self, keys: Sequence[Item]) -> dict[str, Mapping[str, Any]]:
        items = batch_get(self._client, self._table, keys, what="events")
        return {item["streamId"]["S"].removeprefix(EVENT_KEY_PREFIX): item for item in items}

    def stream_page(self, shard: str, start: Mapping[str, Any] | None = None, limit: int | None = None) -> StreamPage:
        """One page of the stream ids in a segment (``"00"`` ... ``"15"``) of the heads, and where the next starts.

        A Scan of segment ``shard`` of :data:`STREAM_SHARDS`, eventually consistent, at most
        ``limit`` items a page (else up to DynamoDB's 1 MB); the counter and checkpoint items are
        left out, so a page may hold fewer ids than ``limit``, or none while ``next_start`` is set.
        """
        kwargs: ScanInputTypeDef = {
            "TableName": self._heads,
            "Segment": int(shard),
            "TotalSegments": STREAM_SHARDS,
            "ProjectionExpression": "orderId",
        }
        if start:
            kwargs["ExclusiveStartKey"] = dict(start)
        if limit is not None:
            kwargs["Limit"] = limit
        response = self._client.scan(**kwargs)
        ids = [item["orderId"]["S"] for item in response.get("Items", [])]
        return StreamPage(
            [stream_id for stream_id in ids if not stream_id.startswith(STATS_KEY_MARK)],
            response.get("LastEvaluatedKey") or None,
        )


@dataclass(frozen=True, slots=True)
class StreamPage:
    """Stream ids from a segment of the heads; ``next_start`` is None after the segment's last page."""

    stream_ids: list[str]
    next_start: Mapping[str, Any] | None
