"""The status counters, derived: each commit writes a ledger of its moves, a reducer adds the committed ones.

A commit of the processor (a group of orders' changes) first writes one ledger item listing the
moves it is about to make (order, position in the stream, status before and after), then commits
each order's head, which records the ledger's id beside the event it appends. The reducer (run by
the metrics emitter every minute, and by the tools that check the counters) reads the ledgers
older than a settling time, keeps the moves whose head names that ledger at that position (the
commits that happened, exactly once each: a head lists an event once), and adds them to the counter
shards together with its checkpoint, in one transaction. So the counters are exact once reduced,
and lag the commits by the settling time plus the emitter's minute.

Why a ledger and not a transaction per commit: a transaction bills each item twice, and the
counters need only be exact, not instantaneous (docs/decisions.md, 2026-11-30). Why not DynamoDB
Streams: the local emulator keeps no stream records across a restart, so it could not show them
exact; the ledger is ordinary items.

Ledger items live in the EventStore table: ``streamId`` ``#ledger#<shard>``, ``version`` a sequence
(microseconds since the epoch, times 1,000, plus a random 0-999: ordered by time, unique), and
expire after ``LEDGER_TTL_S`` (reduced long before). Each shard's checkpoint is its item at version
0. A commit must finish within its invocation, so a ledger older than the processor's timeout plus a
margin (``settle_s``) has every commit it will ever have: the reducer takes only those.
"""

from __future__ import annotations

import json
import random
import time
from collections.abc import Callable, Mapping, Sequence
from concurrent.futures import Executor
from dataclasses import dataclass, field
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from botocore.exceptions import ClientError

from orders_shared.aws import error_code
from orders_shared.batch_reads import batch_get
from orders_shared.batching import map_batches
from orders_shared.counters import counter_update, revenue_attribute
from orders_shared.event_store import Item, head_ledgers
from orders_shared.events import OrderStatus
from orders_shared.upcasting import LEGACY_CURRENCY

if TYPE_CHECKING:
    from mypy_boto3_dynamodb import DynamoDBClient
    from mypy_boto3_dynamodb.type_defs import (
        AttributeValueTypeDef,
        PutTypeDef,
        QueryInputTypeDef,
        TransactWriteItemTypeDef,
    )

LEDGER_SHARDS = 16  # ledger partitions (one takes ~1,000 writes/s); shard k's moves go to counter shard k
LEDGER_KEY_PREFIX = "#ledger#"  # no stream id starts with "#"
LEDGER_TTL_S = 14 * 24 * 3600  # an unreduced ledger is kept two weeks (the reducer runs every minute)
LEDGERS_PER_TRANSACTION = 100  # ledgers reduced per counter transaction (and per BatchGetItem of heads)


@dataclass(frozen=True, slots=True)
class Move:
    """One order's change in a commit: its event's position in the stream, its status before and after."""

    order_id: str
    position: int
    previous: OrderStatus | None
    status: OrderStatus

    def to_json(self) -> list[Any]:
        """The compact form stored in a ledger."""
        return [self.order_id, self.position, str(self.previous) if self.previous else "", str(self.status)]

    @classmethod
    def from_json(cls, value: Sequence[Any]) -> Move:
        """A move as stored in a ledger."""
        order_id, position, previous, status = value
        return cls(str(order_id), int(position), OrderStatus(previous) if previous else None, OrderStatus(status))


@dataclass(frozen=True, slots=True)
class Ledger:
    """Where a commit's ledger lives: a shard and a sequence; ``id`` is what the heads record."""

    shard: int
    sequence: int

    @property
    def id(self) -> str:
        """The ledger's id, as heads record it beside each event it committed."""
        return f"{self.shard:02d}:{self.sequence}"

    @classmethod
    def new(cls, now_s: float, rng: random.Random | None = None) -> Ledger:
        """A ledger for a commit starting at ``now_s`` (seconds since the epoch), on a random shard."""
        pick = rng or random.Random()  # noqa: S311 - spreading load, not secrecy
        return cls(pick.randrange(LEDGER_SHARDS), int(now_s * 1_000_000) * 1000 + pick.randrange(1000))


def shard_key(shard: int, sequence: int) -> dict[str, AttributeValueTypeDef]:
    """The EventStore key of a ledger (``sequence`` > 0) or of its shard's checkpoint (``sequence`` 0)."""
    return {"streamId": {"S": f"{LEDGER_KEY_PREFIX}{shard:02d}"}, "version": {"N": str(sequence)}}


def ledger_item(ledger: Ledger, moves: Sequence[Move], now_iso: str, now_s: float) -> Item:
    """A commit's ledger: the moves it makes, when, and when the item expires."""
    return {
        **shard_key(ledger.shard, ledger.sequence),
        "moves": {"S": json.dumps([move.to_json() for move in moves], separators=(",", ":"))},
        "at": {"S": now_iso},
        "expiresAt": {"N": str(int(now_s) + LEDGER_TTL_S)},
    }


def ledger_put(table: str, ledger: Ledger, moves: Sequence[Move], now_iso: str, now_s: float) -> PutTypeDef:
    """The Put of a commit's ledger, refused if another commit took the same sequence (pick another)."""
    return {
        "TableName": table,
        "Item": ledger_item(ledger, moves, now_iso, now_s),
        "ConditionExpression": "attribute_not_exists(streamId)",
    }


@dataclass
class Deltas:
    """What a set of committed moves does to the counters: orders per status, revenue per attribute."""

    counts: dict[str, int] = field(default_factory=dict)
    revenues: dict[str, Decimal] = field(default_factory=dict)

    def add(self, move: Move, amount: Decimal, currency: str) -> None:
        """Count one committed move (``amount`` and ``currency`` are its order's)."""
        self.counts[str(move.status)] = self.counts.get(str(move.status), 0) + 1
        if move.previous is not None:
            self.counts[str(move.previous)] = self.counts.get(str(move.previous), 0) - 1
        if move.status is OrderStatus.COMPLETED:
            attribute = revenue_attribute(currency)
            self.revenues[attribute] = self.revenues.get(attribute, Decimal(0)) + amount


def committed_moves(
    ledger_id: str, moves: Sequence[Move], heads: Mapping[str, Mapping[str, Any]]
) -> list[tuple[Move, Decimal, str]]:
    """The moves of a ledger that its commit made: those whose head names the ledger at their position.

    Pure. ``heads`` are the orders' head items read after the ledger settled; each committed move
    comes with its order's amount and currency (for the revenue of a completion).
    """
    made: list[tuple[Move, Decimal, str]] = []
    for move in moves:
        head = heads.get(move.order_id)
        ledgers = head_ledgers(head)
        if head is None or move.position < 1 or len(ledgers) < move.position or ledgers[move.position - 1] != ledger_id:
            continue
        made.append((move, _amount(head), _currency(head)))
    return made


def _amount(head: Mapping[str, Any]) -> Decimal:
    # A head whose projection was damaged (no readable amount) still committed its move: counted,
    # with no revenue; the audit names the head, the rebuild repairs it and corrects the revenue.
    try:
        return Decimal(head["amount"]["N"])
    except (KeyError, TypeError, ArithmeticError):
        return Decimal(0)


def _currency(head: Mapping[str, Any]) -> str:
    value = head.get("currency")
    return str(value["S"]) if isinstance(value, Mapping) and "S" in value else LEGACY_CURRENCY


@dataclass
class ReduceReport:
    """What a reducer run did."""

    ledgers: int = 0
    moves: int = 0
    committed: int = 0
    contended: int = 0  # shards another reducer was moving at the same time (left to it)


def reduce_ledgers(
    client: DynamoDBClient,
    events_table: str,
    orders_table: str,
    *,
    settle_s: float,
    clock: Callable[[], float] = time.time,
    max_ledgers: int = 10_000,
    executor: Executor | None = None,
) -> ReduceReport:
    """Add the committed moves of every settled ledger to the counters, shard by shard.

    The shards are independent (each its checkpoint and its counter shard): with ``executor``
    they are reduced concurrently, one after another without it.

    ``settle_s`` must exceed the longest a commit can take after its ledger is written (the
    processor's function timeout, plus clock skew): a ledger younger than that may still see heads
    commit, so it waits for the next run. 0 is right only when no processor runs (a check after the
    pipeline drained). At most ``max_ledgers`` per shard a run (the rest: next run).

    Raises
    ------
    ClientError, BotoCoreError
        As DynamoDB raised them (the caller retries the run; a run half done is never counted twice).
    """
    cutoff = int((clock() - settle_s) * 1_000_000) * 1000 + 999

    def one(shard: int) -> ReduceReport:
        reducer = _Reducer(client, events_table, orders_table, ReduceReport())
        reducer.shard(shard, cutoff, max_ledgers)
        return reducer.report

    reports = map_batches(one, list(range(LEDGER_SHARDS)), executor)
    total = ReduceReport()
    for report in reports:
        total.ledgers += report.ledgers
        total.moves += report.moves
        total.committed += report.committed
        total.contended += report.contended
    return total


def read_heads(client: DynamoDBClient, orders_table: str, order_ids: Sequence[str]) -> dict[str, Mapping[str, Any]]:
    """What :func:`committed_moves` needs of these orders' heads (consistent reads), by order id."""
    keys: list[dict[str, AttributeValueTypeDef]] = [{"orderId": {"S": order_id}} for order_id in order_ids]
    projection = "orderId, ledgers, amount, currency"
    items = batch_get(client, orders_table, keys, what="heads", projection=projection)
    return {item["orderId"]["S"]: item for item in items}


@dataclass
class _Reducer:
    client: DynamoDBClient
    events_table: str
    orders_table: str
    report: ReduceReport

    def shard(self, shard: int, cutoff: int, max_ledgers: int) -> None:
        key = shard_key(shard, 0)
        checkpoint = self.client.get_item(TableName=self.events_table, Key=key, ConsistentRead=True).get("Item")
        through = int(checkpoint["through"]["N"]) if checkpoint and "through" in checkpoint else 0
        done = 0
        while done < max_ledgers and through < cutoff:
            ledgers = self._settled(shard, through, cutoff)
            if not ledgers:
                return
            parsed = [
                (f"{shard:02d}:{sequence}", [Move.from_json(move) for move in json.loads(moves)])
                for sequence, moves in ledgers
            ]
            order_ids = sorted({move.order_id for _, moves in parsed for move in moves})
            heads = read_heads(self.client, self.orders_table, order_ids)
            deltas = Deltas()
            for ledger_id, moves in parsed:
                self.report.moves += len(moves)
                for move, amount, currency in committed_moves(ledger_id, moves, heads):
                    deltas.add(move, amount, currency)
                    self.report.committed += 1
            last = ledgers[-1][0]
            if not self._commit(shard, through, last, deltas):
                self.report.contended += 1
                return
            self.report.ledgers += len(ledgers)
            through, done = last, done + len(ledgers)

    def _settled(self, shard: int, after: int, cutoff: int) -> list[tuple[int, str]]:
        request: QueryInputTypeDef = {
            "TableName": self.events_table,
            "KeyConditionExpression": "streamId = :s AND version BETWEEN :after AND :cutoff",
            "ExpressionAttributeValues": {
                ":s": {"S": f"{LEDGER_KEY_PREFIX}{shard:02d}"},
                ":after": {"N": str(after + 1)},
                ":cutoff": {"N": str(cutoff)},
            },
            "ConsistentRead": True,
            "Limit": LEDGERS_PER_TRANSACTION,
        }
        items = self.client.query(**request).get("Items", [])
        return [(int(item["version"]["N"]), item["moves"]["S"]) for item in items]

    def _commit(self, shard: int, through: int, last: int, deltas: Deltas) -> bool:
        # The counters' ADD and the checkpoint's move, together: a run that fails between the two
        # never happened, and two runs on one shard cannot both add the same ledgers.
        checkpoint: TransactWriteItemTypeDef = {
            "Update": {
                "TableName": self.events_table,
                "Key": shard_key(shard, 0),
                "UpdateExpression": "SET through = :last",
                "ConditionExpression": "attribute_not_exists(through) OR through = :through",
                "ExpressionAttributeValues": {":last": {"N": str(last)}, ":through": {"N": str(through)}},
            }
        }
        items = [checkpoint]
        update = counter_update(self.orders_table, shard, deltas.counts, deltas.revenues)
        if update is not None:
            items.append({"Update": update})
        try:
            self.client.transact_write_items(TransactItems=items)
        except ClientError as error:
            if error_code(error) == "TransactionCanceledException":
                return False
            raise
        return True


@dataclass(frozen=True, slots=True)
class Pending:
    """The committed moves of the ledgers past their shard's checkpoint: in no counter yet.

    ``committed`` names each such move (ledger id, order id, position); ``deltas`` is what they will
    add to the counters once reduced.
    """

    committed: frozenset[tuple[str, str, int]]
    deltas: Deltas


def read_pending(client: DynamoDBClient, events_table: str, orders_table: str) -> Pending:
    """Every committed move not reduced yet: the ledgers past each shard's checkpoint, whatever their age.

    Reads only (consistent reads): each shard's checkpoint, then its ledgers after it, then the heads
    they name (in ``orders_table``); a move counts when its head names its ledger at its position
    (:func:`committed_moves`), as the reducer will count it. So, at rest, the counters plus these
    deltas are the projection's totals.

    Raises
    ------
    RetryableError
        If heads stay unprocessed (throttled).
    ClientError, BotoCoreError
        As DynamoDB raised them.
    """
    ledgers: list[tuple[str, list[Move]]] = []
    for shard in range(LEDGER_SHARDS):
        checkpoint = client.get_item(TableName=events_table, Key=shard_key(shard, 0), ConsistentRead=True).get("Item")
        through = int(checkpoint["through"]["N"]) if checkpoint and "through" in checkpoint else 0
        for sequence, text in _ledgers_after(client, events_table, shard, through):
            ledgers.append((f"{shard:02d}:{sequence}", [Move.from_json(move) for move in json.loads(text)]))
    heads = read_heads(client, orders_table, sorted({move.order_id for _, moves in ledgers for move in moves}))
    deltas, committed = Deltas(), set[tuple[str, str, int]]()
    for ledger_id, moves in ledgers:
        for move, amount, currency in committed_moves(ledger_id, moves, heads):
            deltas.add(move, amount, currency)
            committed.add((ledger_id, move.order_id, move.position))
    return Pending(frozenset(committed), deltas)


def pending_deltas(client: DynamoDBClient, events_table: str, orders_table: str) -> Deltas:
    """What the committed moves not reduced yet will add to the counters (see :func:`read_pending`)."""
    return read_pending(client, events_table, orders_table).deltas


def _ledgers_after(client: DynamoDBClient, table: str, shard: int, after: int) -> list[tuple[int, str]]:
    request: QueryInputTypeDef = {
        "TableName": table,
        "KeyConditionExpression": "streamId = :s AND version > :after",
        "ExpressionAttributeValues": {":s": {"S": f"{LEDGER_KEY_PREFIX}{shard:02d}"}, ":after": {"N": str(after)}},
        "ConsistentRead": True,
    }
    found: list[tuple[int, str]] = []
    while True:
        response = client.query(**request)
        found.extend((int(item["version"]["N"]), item["moves"]["S"]) for item in response.get("Items", []))
        start = response.get("LastEvaluatedKey")
        if not start:
            return found
        request["ExclusiveStartKey"] = start
