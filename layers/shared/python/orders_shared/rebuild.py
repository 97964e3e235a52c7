"""The rebuild: the projection and the status counters written again from the event store.

Every listed stream is folded from the events its head lists; an order whose projection is not its
fold (missing, stale, corrupted, or a new table) gets the fold written, conditioned on its head still
listing the events folded: a rebuild never overwrites a newer projection, so the processor may keep
running. The head's own attributes (``events``, ``ledgers``) are written back as
read, under that same condition, so the stream is never touched; into another table they are copied
with the projection (a whole head), the condition checked on the stream's head in a transaction.
Orders already right are not written. After each page of the streams listing the cursor is saved in
the target table (item ``#rebuild``), so an interrupted run resumes where it stopped; a run that
finishes removes it. Last, the counters are corrected by what they differ from the projection (the
committed moves not reduced yet counted with them), read with no commit nor reduction in between
(an ADD: commits and reductions during the correction are kept). Running it twice changes nothing
the second time.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from concurrent.futures import Executor
from dataclasses import dataclass, field
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from botocore.exceptions import ClientError

from orders_shared.aws import error_code
from orders_shared.counters import stats_key
from orders_shared.event_store import EVENTS, LEDGERS, EventStore
from orders_shared.events import utc_now_iso
from orders_shared.projection import Upcaster, projection_item, upcast
from orders_shared.streams import (
    PAGE_ORDERS,
    Cursor,
    Drift,
    OrderReading,
    ReadSideError,
    Settled,
    drift_of,
    read_orders,
    settled_totals,
    stream_pages,
)

if TYPE_CHECKING:
    from mypy_boto3_dynamodb import DynamoDBClient
    from mypy_boto3_dynamodb.type_defs import AttributeValueTypeDef, ConditionCheckTypeDef, TransactWriteItemTypeDef

CHECKPOINT_KEY = "#rebuild"  # beside the projection; no order id starts with "#" (they are UUIDs)
TRANSACTION_ORDERS = 50  # into another table, a check and a put per order: TransactWriteItems' 100 actions
WRITE_ROUNDS = 5  # orders whose stream moved during their write are read and written again, this often

type Progress = Callable[[int, str], None]


@dataclass(slots=True)
class RebuildReport:
    """What a rebuild did (a resumed run counts what the interrupted one did too)."""

    orders: int = 0
    events: int = 0
    written: int = 0
    rewritten: int = 0  # written again because their stream moved during the write
    corrupt: list[Drift] = field(default_factory=list)
    resumed: bool = False
    finished: bool = False
    settled: Settled | None = None
    correction: dict[str, Decimal] = field(default_factory=dict)

    @property
    def counters_reconciled(self) -> bool:
        """True when the counters were compared (and corrected) with the projection."""
        return self.settled is not None


def _checkpoint(client: DynamoDBClient, table: str) -> dict[str, Any] | None:
    item = client.get_item(TableName=table, Key={"orderId": {"S": CHECKPOINT_KEY}}, ConsistentRead=True).get("Item")
    return dict(item) if item else None


def _save(client: DynamoDBClient, table: str, cursor: Cursor, report: RebuildReport, started: str) -> None:
    client.put_item(
        TableName=table,
        Item={
            "orderId": {"S": CHECKPOINT_KEY},
            "cursor": {"S": cursor.to_json()},
            "orders": {"N": str(report.orders)},
            "events": {"N": str(report.events)},
            "written": {"N": str(report.written)},
            "startedAt": {"S": started},
            "savedAt": {"S": utc_now_iso()},
        },
    )


def _unmoved(table: str, reading: OrderReading) -> ConditionCheckTypeDef:
    """The condition that the order's head is as read: it lists as many events, at the same version.

    A head's list only grows (one event per commit), and every commit moves its version: so no event
    was committed since the reading, and the fold is the latest state.
    """
    head = reading.head or {}
    values: dict[str, AttributeValueTypeDef] = {":n": {"N": str(reading.version)}}
    condition = "size(#events) = :n"
    if "version" in head:
        values[":v"] = head["version"]
        condition += " AND #version = :v"
    else:
        condition += " AND attribute_not_exists(#version)"
    return {
        "TableName": table,
        "Key": {"orderId": {"S": reading.order_id}},
        "ConditionExpression": condition,
        "ExpressionAttributeNames": {"#events": EVENTS, "#version": "version"},
        "ExpressionAttributeValues": values,
    }


def _head_item(reading: OrderReading) -> dict[str, AttributeValueTypeDef]:
    """The fold as a head: the projection, and the stream's lists as the head holds them."""
    if reading.view is None or reading.head is None:
        raise ValueError(f"order {reading.order_id} has no fold to write")
    item = projection_item(reading.view)
    for name in (EVENTS, LEDGERS):
        if name in reading.head:
            item[name] = reading.head[name]
    return item


def _put(client: DynamoDBClient, table: str, reading: OrderReading) -> str:
    """Write one fold over its head, unless its stream moved: "written" or "moved" (read it again)."""
    check = _unmoved(table, reading)
    try:
        client.put_item(
            TableName=table,
            Item=_head_item(reading),
            ConditionExpression=check["ConditionExpression"],
            ExpressionAttributeNames=check["ExpressionAttributeNames"],
            ExpressionAttributeValues=check["ExpressionAttributeValues"],
        )
    except ClientError as error:
        if error_code(error) == "ConditionalCheckFailedException":
            return "moved"
        raise
    return "written"


def _copy(client: DynamoDBClient, store: EventStore, table: str, group: Sequence[OrderReading]) -> list[str]:
    """Write folds as whole heads into another table, each if its stream's head is as read.

    One transaction for the group (a check and a put per order). Returns, per reading, "written",
    "moved" (read it again) or "retry" (the transaction conflicted, or was cancelled for another's sake).
    """
    actions: list[TransactWriteItemTypeDef] = []
    for reading in group:
        actions.append({"ConditionCheck": _unmoved(store.heads_table, reading)})
        actions.append({"Put": {"TableName": table, "Item": _head_item(reading)}})
    try:
        client.transact_write_items(TransactItems=actions)
    except ClientError as error:
        if error_code(error) != "TransactionCanceledException":
            raise
        reasons = list(error.response.get("CancellationReasons", []))
        codes = [
            reasons[2 * index].get("Code", "None") if len(reasons) == len(actions) else "None"
            for index in range(len(group))
        ]
        return ["moved" if code == "ConditionalCheckFailed" else "retry" for code in codes]
    return ["written"] * len(group)


def write_folds(
    client: DynamoDBClient,
    store: EventStore,
    orders_table: str,
    readings: Sequence[OrderReading],
    executor: Executor,
    *,
    upcaster: Upcaster = upcast,
) -> tuple[int, int]:
    """Write the fold of each reading as its projection, unless its stream has moved on since.

    Into ``orders_table``: the heads' own table (``store.heads_table``), or another one. An order
    whose stream moved (or whose transaction conflicted) is read again and written if it still needs
    it. Returns (orders written, of which written again).

    Raises
    ------
    ReadSideError
        If some orders are still contended after ``WRITE_ROUNDS`` rounds.
    """
    pending, written, again = list(readings), 0, 0
    for _ in range(WRITE_ROUNDS):
        if orders_table == store.heads_table:  # the heads themselves: a conditional Put each, concurrently
            outcomes = list(executor.map(lambda reading: _put(client, orders_table, reading), pending))
        else:
            outcomes = [
                outcome
                for start in range(0, len(pending), TRANSACTION_ORDERS)
                for outcome in _copy(client, store, orders_table, pending[start : start + TRANSACTION_ORDERS])
            ]
        written += outcomes.count("written")
        moved = [reading.order_id for reading, outcome in zip(pending, outcomes, strict=True) if outcome == "moved"]
        retry = [reading for reading, outcome in zip(pending, outcomes, strict=True) if outcome == "retry"]
        if moved:
            fresh = read_orders(client, store, orders_table, moved, executor, upcaster=upcaster)
            redo = [reading for reading in fresh if reading.view is not None and drift_of(reading) is not None]
            again += len(redo)
            retry.extend(redo)
        pending = retry
        if not pending:
            return written, again
    raise ReadSideError(f"{len(pending)} orders still contended after {WRITE_ROUNDS} rounds")


def correct_counters(client: DynamoDBClient, orders_table: str, settled: Settled) -> dict[str, Decimal]:
    """ADD to one counter shard what the counters lack of the projection's totals; returns that correction.

    ``settled.counters`` counts the committed moves not reduced yet: the reducer adds them later, so
    the correction leaves them out (counters + pending = projection).
    """
    correction = {
        name: projected - counted for name, counted, projected in settled.counters.differences(settled.projection)
    }
    if not correction:
        return correction
    names = {f"#c{index}": name for index, name in enumerate(correction)}
    values = {f":c{index}": {"N": str(delta)} for index, delta in enumerate(correction.values())}
    client.update_item(
        TableName=orders_table,
        Key={"orderId": {"S": stats_key(0)}},
        UpdateExpression="ADD " + ", ".join(f"#c{index} :c{index}" for index in range(len(correction))),
        ExpressionAttributeNames=names,
        ExpressionAttributeValues=values,
    )
    return correction


def rebuild(
    client: DynamoDBClient,
    events_table: str,
    orders_table: str,
    executor: Executor,
    *,
    progress: Progress = lambda done, note: None,
    fresh: bool = False,
    max_pages: int | None = None,
    page_orders: int = PAGE_ORDERS,
    settle_tries: int = 10,
    index_lag_s: float = 1.0,
    sleep: Callable[[float], None],
    upcaster: Upcaster = upcast,
    heads_table: str | None = None,
) -> RebuildReport:
    """Rebuild the projection and the counters in ``orders_table`` (the live one or a new one).

    Parameters
    ----------
    heads_table
        The table of the streams' heads (the live Orders table), when ``orders_table`` is another
        one; by default ``orders_table`` holds them. Into another table, whole heads are written
        (their lists copied), so that it can stand for the Orders table.
    fresh
        Start from the first stream even if an interrupted run left a checkpoint.
    max_pages, page_orders
        Stop after this many pages of the streams listing (of ``page_orders`` streams), leaving the
        checkpoint (to split a run).
    settle_tries, index_lag_s, sleep
        See :func:`~orders_shared.streams.settled_totals`: a pipeline that never pauses leaves the
        counters uncorrected (``counters_reconciled`` False).

    Raises
    ------
    ReadSideError
        If a read cannot complete or orders stay contended.
    """
    store = EventStore(client, events_table, heads_table=heads_table or orders_table)
    report, cursor, started = RebuildReport(), Cursor(), utc_now_iso()
    saved = None if fresh else _checkpoint(client, orders_table)
    if saved is not None:
        cursor, started, report.resumed = Cursor.from_json(saved["cursor"]["S"]), saved["startedAt"]["S"], True
        report.orders, report.events = int(saved["orders"]["N"]), int(saved["events"]["N"])
        report.written = int(saved["written"]["N"])
    for pages, (order_ids, after) in enumerate(stream_pages(store, cursor, page_orders), start=1):
        readings = read_orders(client, store, orders_table, order_ids, executor, upcaster=upcaster)
        report.orders += len(readings)
        report.events += sum(len(reading.events) for reading in readings)
        report.corrupt.extend(
            Drift("corrupt-stream", reading.order_id, str(reading.corrupt)) for reading in readings if reading.corrupt
        )
        stale = [reading for reading in readings if reading.view is not None and drift_of(reading) is not None]
        written, again = write_folds(client, store, orders_table, stale, executor, upcaster=upcaster)
        report.written += written
        report.rewritten += again
        _save(client, orders_table, after, report, started)
        progress(report.orders, f"{report.written} written")
        if max_pages is not None and pages >= max_pages and not after.done:
            return report
    report.settled = settled_totals(
        client, store, orders_table, tries=settle_tries, sleep=sleep, index_lag_s=index_lag_s
    )
    if report.settled is not None:
        report.correction = correct_counters(client, orders_table, report.settled)
    client.delete_item(TableName=orders_table, Key={"orderId": {"S": CHECKPOINT_KEY}})
    report.finished = True
    return report
