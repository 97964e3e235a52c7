"""Reading every order back for the audit and the rebuild: streams listed, read, folded and compared.

Streams are listed by a Scan of the heads' table in 16 segments (one head per stream), a page at a
time, so that a run can stop and resume where it was (:class:`Cursor`). Each order's head is read
once (a consistent read): it lists the stream's events and holds the projection, written by one
conditional write, so the two always belong together; the listed events are then read and folded.
A head's ``events`` and ``ledgers`` are the stream's part of it, not the projection's.

The status counters are moved only by the ledgers' reducer (:mod:`orders_shared.ledger`), so they are
compared with the projection together with the committed moves not reduced yet (``pending``).
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator, Mapping, Sequence
from concurrent.futures import Executor
from dataclasses import dataclass, field
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from orders_shared.batch_reads import BATCH_GET_TRIES, batch_get
from orders_shared.counters import COUNTED_STATUSES, all_stats_keys, revenue_attribute
from orders_shared.event_store import (
    EVENTS,
    LEDGERS,
    STREAM_SHARDS,
    EventStore,
    RecordedEvent,
    StreamReadError,
    head_events,
)
from orders_shared.events import OrderStatus
from orders_shared.ledger import Deltas, read_pending
from orders_shared.projection import (
    OrderView,
    ProjectionItemError,
    StreamError,
    Upcaster,
    fold,
    projection_item,
    upcast,
    view_from_item,
)
from orders_shared.upcasting import LEGACY_CURRENCY

if TYPE_CHECKING:
    from mypy_boto3_dynamodb import DynamoDBClient

PAGE_ORDERS = 100  # streams listed per page of the heads' Scan: one BatchGetItem of heads, one checkpoint
HEAD_ATTRIBUTES = frozenset({EVENTS, LEDGERS})  # a head's attributes that are the stream's
# A head holding only these has no projection (written by EventStore.append, or its projection lost).
STREAM_ONLY = HEAD_ATTRIBUTES | {"orderId", "version"}


class ReadSideError(Exception):
    """A read the audit or the rebuild cannot complete (throttled keys left, a counter unreadable)."""


@dataclass(frozen=True, slots=True)
class Cursor:
    """Where a listing of the streams stands: a Scan segment, and the key to start after (None: its start)."""

    shard: int = 0
    start: Mapping[str, Any] | None = None

    @property
    def done(self) -> bool:
        """True once every shard has been listed."""
        return self.shard >= STREAM_SHARDS

    def to_json(self) -> str:
        """The cursor as text (for a checkpoint)."""
        return json.dumps({"shard": self.shard, "start": self.start}, sort_keys=True)

    @classmethod
    def from_json(cls, text: str) -> Cursor:
        """The cursor a checkpoint saved."""
        value = json.loads(text)
        return cls(int(value["shard"]), value["start"])


def stream_pages(
    store: EventStore, cursor: Cursor = Cursor(), limit: int = PAGE_ORDERS
) -> Iterator[tuple[list[str], Cursor]]:
    """Every stream id (a Scan of the heads, segment by segment) from ``cursor`` on, a page at a time,
    with the cursor after each page."""
    while not cursor.done:
        page = store.stream_page(f"{cursor.shard:02d}", cursor.start, limit)
        cursor = Cursor(cursor.shard, page.next_start) if page.next_start else Cursor(cursor.shard + 1)
        if page.stream_ids or cursor.done:
            yield page.stream_ids, cursor


@dataclass(slots=True)
class OrderReading:
    """One order read back: its head, its stream, the fold of it (or why none), and its projection item.

    ``item`` is the order's item in the projection's table: the head itself when that table holds
    the heads (the live Orders table), else (a rebuild into another table) that table's copy.
    """

    order_id: str
    head: Mapping[str, Any] | None
    events: list[RecordedEvent]
    item: Mapping[str, Any] | None
    view: OrderView | None = None
    corrupt: StreamError | StreamReadError | None = None

    @property
    def version(self) -> int:
        """The stream's version as its head lists it (the number of its events)."""
        return len(head_events(self.head))


@dataclass(frozen=True, slots=True)
class Drift:
    """A difference between an order's projection and the fold of its stream (or in the counters)."""

    kind: str  # missing | differs | unreadable | corrupt-stream | counters
    subject: str  # the order id, or the counter
    detail: str


def drift_of(reading: OrderReading) -> Drift | None:
    """What is wrong with an order's projection, given its stream; None when it is the fold."""
    if reading.corrupt is not None:
        return Drift("corrupt-stream", reading.order_id, str(reading.corrupt))
    if reading.view is None:  # a listed stream with no event: nothing to project
        return None
    if reading.item is None or not set(reading.item) - STREAM_ONLY:
        return Drift("missing", reading.order_id, f"no projection; the stream is at version {reading.version}")
    try:
        stored = view_from_item(reading.item)
    except ProjectionItemError as error:
        return Drift("unreadable", reading.order_id, str(error))
    differing = reading.view.differences(stored)
    extra = sorted(set(reading.item) - set(projection_item(reading.view)) - HEAD_ATTRIBUTES)
    copied = [  # a copy of the head in another table lists what the stream's head lists
        name for name in sorted(HEAD_ATTRIBUTES) if (reading.head or {}).get(name) != reading.item.get(name)
    ]
    if not differing and not extra and not copied:
        return None
    parts = [f"{name}: {getattr(stored, name)} (stream says {getattr(reading.view, name)})" for name in differing]
    parts += [f"{name}: not an attribute of the projection" for name in extra]
    parts += [f"{name}: not the stream head's" for name in copied]
    return Drift("differs", reading.order_id, "; ".join(parts))


def _batch_get(
    client: DynamoDBClient, table: str, keys: Sequence[Mapping[str, Any]], projection: str | None = None
) -> list[Mapping[str, Any]]:
    """The items of ``keys`` that exist (:func:`batch_get`, ``#s`` naming ``status`` in a projection).

    Raises
    ------
    ReadSideError
        Naming the table, when keys are still unprocessed after the last try.
    """
    return batch_get(
        client,
        table,
        keys,
        what="items",
        projection=projection,
        names={"#s": "status"} if projection is not None else None,
        unprocessed=lambda: ReadSideError(f"reading {table}: keys left unprocessed after {BATCH_GET_TRIES} tries"),
    )


def read_orders(
    client: DynamoDBClient,
    store: EventStore,
    orders_table: str,
    order_ids: Sequence[str],
    executor: Executor,
    *,
    upcaster: Upcaster = upcast,
) -> list[OrderReading]:
    """Read each order's head, then the events it lists, and fold them (consistent reads throughout).

    The head (in ``store.heads_table``) lists the stream and, in the live Orders table, holds the
    projection: one read gives both as of one commit. With ``orders_table`` another table (a rebuild's
    target), its item is read after the head. A head listing an event whose item is missing or
    unreadable makes the stream corrupt, like an event the lifecycle cannot fold.
    """
    keys = [{"orderId": {"S": order_id}} for order_id in order_ids]
    heads = {item["orderId"]["S"]: item for item in _batch_get(client, store.heads_table, keys)}
    items = heads
    if orders_table != store.heads_table:
        items = {item["orderId"]["S"]: item for item in _batch_get(client, orders_table, keys)}

    def read(order_id: str) -> OrderReading:
        head = heads.get(order_id)
        reading = OrderReading(order_id, head, [], items.get(order_id))
        try:
            reading.events = store.events_listed(order_id, head_events(head))
            reading.view = fold(reading.events, upcaster=upcaster)
        except (StreamError, StreamReadError) as error:
            reading.corrupt = error
        return reading

    return list(executor.map(read, order_ids))


@dataclass(frozen=True, slots=True)
class Totals:
    """Orders per status and the revenue of completed orders per currency: the status counters' figures.

    ``revenues`` is keyed by the counter attribute (``revenue`` for USD, ``revenue_EUR``...).
    """

    counts: Mapping[str, int] = field(default_factory=dict)
    revenues: Mapping[str, Decimal] = field(default_factory=dict)

    @property
    def revenue(self) -> Decimal:
        """The revenue in USD (the ``revenue`` counter: every 1.x order's)."""
        return self.revenues.get(revenue_attribute(LEGACY_CURRENCY), Decimal(0))

    def plus(self, counts: Mapping[str, int], revenues: Mapping[str, Decimal]) -> Totals:
        """These totals with ``counts`` and ``revenues`` added (figures that come to 0 left out)."""
        summed = {name: self.counts.get(name, 0) + counts.get(name, 0) for name in {*self.counts, *counts}}
        money = {
            name: self.revenues.get(name, Decimal(0)) + revenues.get(name, Decimal(0))
            for name in {*self.revenues, *revenues}
        }
        return Totals(
            {name: count for name, count in summed.items() if count},
            {name: amount for name, amount in money.items() if amount},
        )

    def differences(self, other: Totals) -> list[tuple[str, Decimal, Decimal]]:
        """(counter attribute, this, other) for each figure that differs (a missing one is 0)."""
        names = [str(status) for status in COUNTED_STATUSES]
        found = [(name, Decimal(self.counts.get(name, 0)), Decimal(other.counts.get(name, 0))) for name in names]
        for name in sorted({*self.revenues, *other.revenues, revenue_attribute(LEGACY_CURRENCY)}):
            found.append((name, self.revenues.get(name, Decimal(0)), other.revenues.get(name, Decimal(0))))
        return [(name, mine, theirs) for name, mine, theirs in found if mine != theirs]


def totals_of(views: Sequence[OrderView]) -> Totals:
    """What the counters should say of these orders."""
    counts: dict[str, int] = {}
    revenues: dict[str, Decimal] = {}
    for view in views:
        counts[str(view.status)] = counts.get(str(view.status), 0) + 1
        if view.status is OrderStatus.COMPLETED:
            name = revenue_attribute(view.currency)
            revenues[name] = revenues.get(name, Decimal(0)) + view.amount
    return Totals(counts, revenues)


def read_counters(client: DynamoDBClient, orders_table: str) -> Totals:
    """The status counters summed over their shards, read in one transaction (a consistent snapshot).

    Raises
    ------
    ReadSideError
        If a counter holds something other than a number.
    """
    response = client.transact_get_items(
        TransactItems=[{"Get": {"TableName": orders_table, "Key": {"orderId": {"S": key}}}} for key in all_stats_keys()]
    )
    statuses = {str(status) for status in COUNTED_STATUSES}
    counts: dict[str, int] = {}
    revenues: dict[str, Decimal] = {}
    for entry in response.get("Responses", []):
        item = entry.get("Item") or {}
        for name, value in item.items():
            if name not in statuses and not name.startswith("revenue"):
                continue
            if "N" not in value:
                raise ReadSideError(f"counter {item['orderId']['S']} {name} is not a number")
            if name in statuses:
                counts[name] = counts.get(name, 0) + int(Decimal(value["N"]))
            else:
                revenues[name] = revenues.get(name, Decimal(0)) + Decimal(value["N"])
    return Totals(counts, revenues)


def projection_totals(client: DynamoDBClient, store: EventStore, orders_table: str) -> tuple[Totals, int]:
    """What the projection items of every listed stream say (and how many there are)."""
    views: list[OrderView] = []
    for order_ids, _ in stream_pages(store):
        keys = [{"orderId": {"S": order_id}} for order_id in order_ids]
        for item in _batch_get(client, orders_table, keys, projection="orderId, #s, amount, currency, version"):
            try:
                status = OrderStatus(item["status"]["S"])
                amount = Decimal(item["amount"]["N"])
                currency = item["currency"]["S"] if "currency" in item else LEGACY_CURRENCY
            except (KeyError, ValueError, ArithmeticError):
                continue  # unreadable: the per-order check names it
            views.append(OrderView(item["orderId"]["S"], status, 0, "", amount, "", "", "", "", currency))
    return totals_of(views), len(views)


@dataclass(frozen=True, slots=True)
class Settled:
    """The counters and the projection's totals, read with no commit nor reduction in between.

    ``counters`` is what the counters say once every committed move is reduced: ``read`` (the counter
    shards as read) plus ``pending`` (the committed moves of the ledgers not reduced yet).
    """

    counters: Totals
    projection: Totals
    orders: int
    read: Totals = field(default_factory=Totals)
    pending: Totals = field(default_factory=Totals)


def settled_totals(
    client: DynamoDBClient,
    store: EventStore,
    orders_table: str,
    *,
    tries: int,
    sleep: Callable[[float], None],
    index_lag_s: float,
) -> Settled | None:
    """The counters and the projection's totals as of one moment, or None if the pipeline never paused.

    The counters and the pending moves (:func:`orders_shared.ledger.read_pending`, against the heads of
    ``orders_table``), then every projection item, then the pending moves and the counters again. A
    commit lands in a head after its ledger is written, so one between the two readings adds a
    committed move to the second; a reduction moves the counters (its moves, states moving only
    forward, never cancel out). Equal readings mean neither happened, and the projection read then
    belongs with them. The wait of ``index_lag_s`` after the first reading lets a stream created just
    before it reach the (eventually consistent) Scan that lists the streams.
    """
    for attempt in range(tries):
        before = read_counters(client, orders_table)
        pending = read_pending(client, store.table_name, orders_table)
        sleep(index_lag_s)
        totals, orders = projection_totals(client, store, orders_table)
        again = read_pending(client, store.table_name, orders_table)
        if again.committed == pending.committed and read_counters(client, orders_table) == before:
            moves = _totals(pending.deltas)
            return Settled(before.plus(moves.counts, moves.revenues), totals, orders, before, moves)
        sleep(min(2.0**attempt, 10.0))
    return None


def _totals(deltas: Deltas) -> Totals:
    return Totals().plus(deltas.counts, deltas.revenues)
