"""The read side measured: listing the streams (a segmented Scan of the heads), the audit, the rebuild.

Runs on its own, against the emulator of $AWS_ENDPOINT_URL (or moto with ``--moto``), in two tables
of its own (the template's keys, ``tests/support/tables.py``) that it deletes at the end:

    PYTHONPATH=layers/shared/python:functions/order_processor:scripts:bench:. \\
        AWS_ENDPOINT_URL=http://127.0.0.1:4572 AWS_ACCESS_KEY_ID=test AWS_SECRET_ACCESS_KEY=test \\
        AWS_DEFAULT_REGION=us-east-1 .venv/bin/python bench/read_side.py --orders 1000

The orders are written by the real processor (applier and repository; notifications and parking
faked), so the tables hold what production holds: event items, heads, ledgers. Emulators
bill nothing: the request units are computed from the item sizes read and written, by DynamoDB's
rounding rules, and priced with ``cost.PRICES``.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import math
import statistics
import time
import uuid
from collections.abc import Callable, Iterator, Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from decimal import Decimal
from typing import Any

import boto3
from cost import PRICES

from order_processor.applier import BatchApplier
from order_processor.model import Notification, Record, Rejection
from order_processor.repository import DynamoOrderRepository
from orders_shared.audit import audit
from orders_shared.event_store import STREAM_SHARDS, EventStore
from orders_shared.events import (
    NewEvent,
    OrderStatus,
    dumps,
    envelope_for,
    order_created,
    order_status_changed,
    payment_processed,
)
from orders_shared.rebuild import rebuild
from tests.support.tables import create_tables

READ_UNIT = 4096  # bytes of a read request unit (strongly consistent; eventually consistent reads take half)
WRITE_UNIT = 1024
INDEX_ITEM_OVERHEAD = 100  # bytes DynamoDB counts per secondary-index item


class Quiet:
    """Notifier and dead letters that accept everything (the benchmark measures the tables)."""

    def notify(self, notifications: Sequence[Notification]) -> set[str]:
        return set()

    def park(self, rejections: Sequence[Rejection]) -> set[str]:
        return set()


def item_bytes(item: Mapping[str, Any]) -> int:
    """An item's size as DynamoDB counts it: names plus values (a number about one byte per two digits)."""
    size = 0
    for name, value in item.items():
        size += len(name.encode())
        if "S" in value:
            size += len(value["S"].encode())
        elif "N" in value:
            size += len(value["N"].lstrip("-").replace(".", "")) // 2 + 2
        else:
            size += len(json.dumps(value))
    return size


def lifecycle(order_id: str, index: int) -> list[NewEvent]:
    amount = Decimal(index % 90 + 10) + Decimal("0.99")
    events = [order_created(order_id, f"customer-{index:05d}", amount)]
    if index % 5:
        events.append(payment_processed(order_id, amount))
        events.append(order_status_changed(order_id, OrderStatus.COMPLETED if index % 5 > 1 else OrderStatus.CANCELLED))
    return events


def deliver(applier: BatchApplier, bodies: list[str]) -> None:
    """Apply a batch as SQS would: the records the applier reports failed are delivered again."""
    records = [Record(str(uuid.uuid4()), body) for body in bodies]
    for _ in range(20):
        failed = set(applier.apply(records).failed_message_ids())
        records = [record for record in records if record.message_id in failed]
        if not records:
            return
    raise SystemExit(f"{len(records)} records still failing after 20 deliveries")


def seed(client: Any, orders_table: str, events_table: str, count: int) -> list[str]:
    """``count`` orders through the real processor, a step of every order per round of batches."""
    ids = [str(uuid.uuid4()) for _ in range(count)]
    plans = [lifecycle(order_id, index) for index, order_id in enumerate(ids)]
    # The applier runs its orders on an executor of its own; batches run side by side on another.
    with ThreadPoolExecutor(max_workers=4) as inner, ThreadPoolExecutor(max_workers=4) as batches_pool:
        repository = DynamoOrderRepository(client, orders_table, events_table, executor=inner)
        applier = BatchApplier(repository, Quiet(), Quiet(), inner)
        for step in range(3):
            bodies = [dumps(envelope_for(plan[step])) for plan in plans if len(plan) > step]
            batches = [bodies[start : start + 10] for start in range(0, len(bodies), 10)]
            list(batches_pool.map(lambda batch: deliver(applier, batch), batches))
    return ids


def scan_all(client: Any, table: str, **kwargs: Any) -> Iterator[dict[str, Any]]:
    request = {"TableName": table, **kwargs}
    while True:
        page = client.scan(**request)
        yield page
        if "LastEvaluatedKey" not in page:
            return
        request["ExclusiveStartKey"] = page["LastEvaluatedKey"]


def timed(action: Callable[[], Any], repeats: int = 3) -> tuple[float, Any]:
    times, result = [], None
    for _ in range(repeats):
        started = time.perf_counter()
        result = action()
        times.append(time.perf_counter() - started)
    return statistics.median(times), result


def enumeration(client: Any, orders_table: str, events_table: str, orders: int) -> dict[str, Any]:
    """Listing every stream id: a Scan of the heads in 16 segments (format 2 has one head per stream)."""
    store = EventStore(client, events_table, heads_table=orders_table)

    def by_segments() -> list[str]:
        ids: list[str] = []
        for shard in range(STREAM_SHARDS):
            start = None
            while True:
                page = store.stream_page(f"{shard:02d}", start)
                ids.extend(page.stream_ids)
                if page.next_start is None:
                    break
                start = page.next_start
        return ids

    listing_s, listed = timed(by_segments)
    if len(listed) != orders or len(set(listed)) != orders:
        raise SystemExit(f"the listing found {len(listed)} streams ({len(set(listed))} distinct) of {orders}")
    heads = [item for page in scan_all(client, orders_table) for item in page["Items"]]
    heads_bytes = sum(item_bytes(item) for item in heads)
    # A Scan is billed on every item it reads (eventually consistent: half a unit per 4 KB), per segment.
    listing_rru = math.ceil(heads_bytes / READ_UNIT) * 0.5 + STREAM_SHARDS * 0.5
    return {
        "orders": orders,
        "table_items": len(heads),
        "table_bytes": heads_bytes,
        "scan": {"seconds": round(listing_s, 3), "rru": listing_rru, "items_read": len(heads)},
    }


PROJECTION_ONLY = ("customerId", "amount", "currency", "createdAt", "status", "lastEventId", "updatedAt", "occurredAt")


def damage(client: Any, orders_table: str, ids: list[str]) -> int:
    """A third of the projections removed from their heads (the streams kept) and a tenth corrupted."""
    for order_id in ids[::3]:
        client.update_item(
            TableName=orders_table,
            Key={"orderId": {"S": order_id}},
            UpdateExpression="REMOVE " + ", ".join(f"#p{n}" for n in range(len(PROJECTION_ONLY))),
            ExpressionAttributeNames={f"#p{n}": name for n, name in enumerate(PROJECTION_ONLY)},
        )
    corrupted = [order_id for index, order_id in enumerate(ids) if index % 10 == 1]
    for order_id in corrupted:
        client.update_item(
            TableName=orders_table,
            Key={"orderId": {"S": order_id}},
            UpdateExpression="SET customerId = :x",
            ExpressionAttributeValues={":x": {"S": "corrupted"}},
        )
    return len(ids[::3]) + len(corrupted)


def read_side(client: Any, orders_table: str, events_table: str, ids: list[str]) -> dict[str, Any]:
    """Audit and rebuild rates, and their request units per event from the stored items' sizes."""
    options: dict[str, Any] = {"sleep": time.sleep, "index_lag_s": 0.0}
    with ThreadPoolExecutor(max_workers=8) as executor:
        audit_s, report = timed(lambda: audit(client, orders_table, events_table, executor, **options), repeats=1)
        damaged = damage(client, orders_table, ids)
        rebuild_s, rebuilt = timed(lambda: rebuild(client, events_table, orders_table, executor, **options), repeats=1)
        after = audit(client, orders_table, events_table, executor, **options)
    if not report.clean or not after.clean:
        raise SystemExit(f"audit not clean: before {report.examples}, after the rebuild {after.examples}")
    events = report.events
    heads = [
        item
        for page in scan_all(client, orders_table)
        for item in page["Items"]
        if not item["orderId"]["S"].startswith("#")
    ]
    head_bytes = statistics.mean(item_bytes(item) for item in heads)
    # Per order: its head (one consistent read, rounded up to 4 KB), each event item it lists (a
    # consistent BatchGetItem rounds each item up to 4 KB), and the head again for the counters' totals.
    audit_rru = events + 2 * len(heads)
    # A rebuilt order is one conditional Put of its head (under 1 KB: one write unit, no transaction).
    write_wru = math.ceil(head_bytes / WRITE_UNIT)
    rebuild_wru = rebuilt.written * write_wru
    read_million = 1e6 / events
    return {
        "events": events,
        "orders": report.orders,
        "audit": {
            "seconds": round(audit_s, 2),
            "events_per_s": round(events / audit_s),
            "rru_per_event": round(audit_rru / events, 3),
            "usd_per_million_events": round(audit_rru * read_million * PRICES["dynamodb_rru"], 4),
        },
        "rebuild": {
            "seconds": round(rebuild_s, 2),
            "events_per_s": round(events / rebuild_s),
            "damaged": damaged,
            "written": rebuilt.written,
            "wru_per_written_order": write_wru,
            "usd_per_million_events_all_written": round(
                (audit_rru * PRICES["dynamodb_rru"] + len(heads) * write_wru * PRICES["dynamodb_wru"]) * read_million,
                4,
            ),
            "usd_per_million_events_this_run": round(
                (audit_rru * PRICES["dynamodb_rru"] + rebuild_wru * PRICES["dynamodb_wru"]) * read_million, 4
            ),
        },
    }


@contextlib.contextmanager
def tables(client: Any) -> Iterator[tuple[str, str]]:
    suffix = uuid.uuid4().hex[:8]
    names = (f"bench-readside-orders-{suffix}", f"bench-readside-events-{suffix}")
    create_tables(client, *names)
    try:
        yield names
    finally:
        for name in names:
            client.delete_table(TableName=name)


def measure(orders: int, *, moto: bool = False, endpoint: str | None = None) -> dict[str, Any]:
    """Seed ``orders`` lifecycles into fresh tables, then time the listing, the audit and the rebuild.

    Against ``endpoint`` (the emulator; ``$AWS_ENDPOINT_URL`` when None), or in-process moto with
    ``moto``; the tables are deleted afterwards.
    """
    context: contextlib.AbstractContextManager[Any] = contextlib.nullcontext()
    if moto:
        from moto import mock_aws

        from tests.reliability.harness.moto_threads import moto_for_threads

        context = contextlib.ExitStack()
        context.enter_context(mock_aws())
        context.enter_context(moto_for_threads())  # moto alone is not safe for threads
    with context:
        client = boto3.client("dynamodb", endpoint_url=None if moto else endpoint)
        with tables(client) as (orders_table, events_table):
            started = time.perf_counter()
            ids = seed(client, orders_table, events_table, orders)
            seeded = time.perf_counter() - started
            return {
                "target": "moto" if moto else "emulator",
                "seeded_in_s": round(seeded, 1),
                "enumeration": enumeration(client, orders_table, events_table, orders),
                **read_side(client, orders_table, events_table, ids),
                "prices": {"dynamodb_rru": PRICES["dynamodb_rru"], "dynamodb_wru": PRICES["dynamodb_wru"]},
            }


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--orders", type=int, default=1000)
    parser.add_argument("--moto", action="store_true", help="in-process moto instead of $AWS_ENDPOINT_URL")
    args = parser.parse_args()
    print(json.dumps(measure(args.orders, moto=args.moto), indent=2))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
