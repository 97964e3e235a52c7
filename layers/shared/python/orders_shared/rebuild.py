"""The rebuild: the projection and the status counters written again from the event store.

Every listed stream is folded; an order whose projection item is not its fold (missing, stale,
corrupted, or a new table) gets the fold written, in a transaction that also checks the stream has
no newer event: a rebuild never overwrites a newer projection, so the processor may keep running.
Orders already right are not written. After each page of the streams index the cursor is saved in
the target table (item ``#rebuild``), so an interrupted run resumes where it stopped; a run that
finishes removes it. Last, the counters are corrected by what they differ from the projection, read
with no commit in between (an ADD: commits of the processor during the correction are kept).
Running it twice changes nothing the second time.
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
from orders_shared.event_store import EventStore
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
    from mypy_boto3_dynamodb.type_defs import TransactWriteItemTypeDef

CHECKPOINT_KEY = "#rebuild"  # beside the projection; no order id starts with "#" (they are UUIDs)
TRANSACTION_ORDERS = 50  # a check and a put per order: the 100-action limit of TransactWriteItems
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


def _writes(events_table: str, orders_table: str, reading: OrderReading) -> list[TransactWriteItemTypeDef]:
    if reading.view is None:
        raise ValueError(f"order {reading.order_id} has no fold to write")
    return [
        {
            "ConditionCheck": {  # no newer event: the fold is the latest state
                "TableName": events_table,
                "Key": {"streamId": {"S": reading.order_id}, "version": {"N": str(reading.head + 1)}},
                "ConditionExpression": "attribute_not_exists(streamId)",
            }
        },
        {"Put": {"TableName": orders_table, "Item": projection_item(reading.view)}},
    ]


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

    An order whose stream moved (or whose transaction conflicted) is read again and written if it
    still needs it. Returns (orders written, of which written again).

    Raises
    ------
    ReadSideError
        If some orders are still contended after ``WRITE_ROUNDS`` rounds.
    """
    pending, written, again = list(readings), 0, 0
    for _ in range(WRITE_ROUNDS):
        moved: list[str] = []
        retry: list[OrderReading] = []
        for start in range(0, len(pending), TRANSACTION_ORDERS):
            group = pending[start : start + TRANSACTION_ORDERS]
            actions = [action for reading in group for action in _writes(store.table_name, orders_table, reading)]
            try:
                client.transact_write_items(TransactItems=actions)
            except ClientError as error:
                if error_code(error) != "TransactionCanceledException":
                    raise
                reasons = list(error.response.get("CancellationReasons", []))
                for index, reading in enumerate(group):
                    code = reasons[2 * index].get("Code", "None") if len(reasons) == len(actions) else "None"
                    if code == "ConditionalCheckFailed":  # its stream moved on: read it again
                        moved.append(reading.order_id)
                    else:  # conflicted with another transaction, or cancelled for another's sake
                        retry.append(reading)
                continue
            written += len(group)
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
    """ADD to one counter shard what the counters lack of the projection's totals; returns that correction."""
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
) -> RebuildReport:
    """Rebuild the projection and the counters in ``orders_table`` (the live one or a new one).

    Parameters
    ----------
    fresh
        Start from the first stream even if an interrupted run left a checkpoint.
    max_pages, page_orders
        Stop after this many pages of the streams index (of ``page_orders`` streams), leaving the
        checkpoint (to split a run).
    settle_tries, index_lag_s, sleep
        See :func:`~orders_shared.streams.settled_totals`: a pipeline that never pauses leaves the
        counters uncorrected (``counters_reconciled`` False).

    Raises
    ------
    ReadSideError
        If a read cannot complete or orders stay contended.
    """
    store = EventStore(client, events_table, heads_table=orders_table)
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
