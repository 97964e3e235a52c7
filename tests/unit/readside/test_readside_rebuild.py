"""The rebuild on moto: repairs, never overwrites a newer projection, resumes, is idempotent."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from decimal import Decimal
from types import SimpleNamespace
from typing import Any, cast

import pytest

from orders_shared.audit import audit
from orders_shared.counters import stats_key
from orders_shared.event_store import EventStore
from orders_shared.events import OrderStatus, order_status_changed, payment_processed
from orders_shared.projection import view_from_item
from orders_shared.rebuild import CHECKPOINT_KEY, rebuild, write_folds
from orders_shared.streams import STREAM_ONLY, read_orders
from tests.support.tables import EVENTS_TABLE, ORDERS_TABLE, create_orders_table
from tests.unit.readside.conftest import Pipeline

QUIET = {"sleep": lambda _: None, "index_lag_s": 0}


def run_rebuild(client: Any, executor: ThreadPoolExecutor, table: str = ORDERS_TABLE, **kwargs: Any) -> Any:
    return rebuild(client, EVENTS_TABLE, table, executor, heads_table=ORDERS_TABLE, **{**QUIET, **kwargs})


def run_audit(client: Any, executor: ThreadPoolExecutor, table: str = ORDERS_TABLE) -> Any:
    return audit(client, table, EVENTS_TABLE, executor, **QUIET)


def damage(client: Any, ids: list[str]) -> None:
    """A third of the projections deleted (from their heads), three corrupted, one counter shard off."""
    for order_id in ids[::3]:
        Pipeline.delete_projection(cast("Pipeline", SimpleNamespace(client=client)), order_id)
    corrupted = [ids[1], ids[2], ids[4]] if ids else []
    for order_id, expression in zip(
        corrupted, ["SET customerId = :x", "SET junk = :x", "REMOVE createdAt"], strict=False
    ):
        values = {":x": {"S": "x"}} if ":x" in expression else {}
        client.update_item(
            TableName=ORDERS_TABLE,
            Key={"orderId": {"S": order_id}},
            UpdateExpression=expression,
            **({"ExpressionAttributeValues": values} if values else {}),
        )
    client.update_item(
        TableName=ORDERS_TABLE,
        Key={"orderId": {"S": stats_key(4)}},
        UpdateExpression="ADD completed :n, revenue :r",
        ExpressionAttributeValues={":n": {"N": "5"}, ":r": {"N": "10.5"}},
    )


def test_rebuild_repairs_deleted_and_corrupted_projections_and_counters(
    pipeline: Pipeline, dynamodb: Any, executor: ThreadPoolExecutor
) -> None:
    # GIVEN twelve orders, a third of their projections deleted, three corrupted, a counter off
    ids = pipeline.orders(12)
    damage(dynamodb, ids)
    assert not run_audit(dynamodb, executor).clean

    # WHEN rebuilt
    report = run_rebuild(dynamodb, executor)

    # THEN the damaged ones alone are written, the counters corrected, and the audit is clean
    assert (report.orders, report.written, report.finished) == (12, 4 + 3, True)
    assert report.correction == {"completed": Decimal(-5), "revenue": Decimal("-10.5")}
    assert run_audit(dynamodb, executor).clean
    assert dynamodb.get_item(TableName=ORDERS_TABLE, Key={"orderId": {"S": CHECKPOINT_KEY}}).get("Item") is None


def test_rebuild_twice_changes_nothing_the_second_time(
    pipeline: Pipeline, dynamodb: Any, executor: ThreadPoolExecutor
) -> None:
    # GIVEN a damaged projection rebuilt once
    ids = pipeline.orders(9)
    damage(dynamodb, ids)
    run_rebuild(dynamodb, executor)
    before = {order_id: pipeline.item(order_id) for order_id in ids}

    # WHEN rebuilt again THEN nothing is written, no counter corrected, every item as it was
    again = run_rebuild(dynamodb, executor)
    assert (again.written, again.correction) == (0, {})
    assert {order_id: pipeline.item(order_id) for order_id in ids} == before


def test_rebuild_never_overwrites_a_newer_projection(
    pipeline: Pipeline, dynamodb: Any, executor: ThreadPoolExecutor
) -> None:
    # GIVEN a pending order whose projection is corrupted, and read by the rebuild
    order_id = pipeline.orders(1)[0]  # index 0: created only
    dynamodb.update_item(
        TableName=ORDERS_TABLE,
        Key={"orderId": {"S": order_id}},
        UpdateExpression="SET customerId = :x",
        ExpressionAttributeValues={":x": {"S": "x"}},
    )
    store = EventStore(dynamodb, EVENTS_TABLE, heads_table=ORDERS_TABLE)
    stale = read_orders(dynamodb, store, ORDERS_TABLE, [order_id], executor)

    # WHEN the processor commits a payment (its projection at version 2) before the rebuild writes
    pipeline.run([payment_processed(order_id, Decimal(1))])
    written, again = write_folds(dynamodb, store, ORDERS_TABLE, stale, executor)

    # THEN the stale fold (version 1) is not written over it: the order is read again and its
    # version 2 written (the processor copied the corrupted customer from the item it read)
    item = pipeline.item(order_id)
    assert item is not None
    assert (view_from_item(item).version, view_from_item(item).status) == (2, OrderStatus.PROCESSING)
    assert (written, again) == (1, 1)
    assert item["customerId"] == {"S": "cust-0"}


def test_rebuild_interrupted_resumes_from_its_checkpoint(
    pipeline: Pipeline, dynamodb: Any, executor: ThreadPoolExecutor
) -> None:
    # GIVEN damaged orders, and a rebuild stopped after one page (two streams at most)
    ids = pipeline.orders(9)
    damage(dynamodb, ids)
    first = run_rebuild(dynamodb, executor, max_pages=1, page_orders=2)
    assert not first.finished
    assert 1 <= first.orders <= 2
    assert dynamodb.get_item(TableName=ORDERS_TABLE, Key={"orderId": {"S": CHECKPOINT_KEY}}).get("Item")

    # WHEN run again
    second = run_rebuild(dynamodb, executor, page_orders=2)

    # THEN it resumes after those two (each order read once in all), finishes, and the audit is clean
    assert (second.resumed, second.finished, second.orders) == (True, True, 9)
    assert run_audit(dynamodb, executor).clean


def test_rebuild_fresh_ignores_a_checkpoint(pipeline: Pipeline, dynamodb: Any, executor: ThreadPoolExecutor) -> None:
    # GIVEN a rebuild stopped after one page WHEN run again with fresh THEN it starts over
    pipeline.orders(4)
    run_rebuild(dynamodb, executor, max_pages=1, page_orders=2)
    again = run_rebuild(dynamodb, executor, fresh=True, page_orders=2)
    assert (again.resumed, again.orders) == (False, 4)


def test_rebuild_into_a_new_table_gives_projection_and_counters(
    pipeline: Pipeline, dynamodb: Any, executor: ThreadPoolExecutor
) -> None:
    # GIVEN processed orders and an empty table with the Orders keys
    ids = pipeline.orders(12)
    create_orders_table(dynamodb, "OrdersRebuilt")

    # WHEN rebuilt into it
    report = run_rebuild(dynamodb, executor, table="OrdersRebuilt")

    # THEN every order is written, whole heads (the stream's lists copied), and that table audits clean
    assert report.written == 12
    for order_id in ids:
        copy = dynamodb.get_item(TableName="OrdersRebuilt", Key={"orderId": {"S": order_id}})["Item"]
        assert copy == pipeline.item(order_id)
    assert run_audit(dynamodb, executor, table="OrdersRebuilt").clean


def test_rebuild_into_a_table_rewrites_a_copy_whose_lists_are_not_the_heads(
    pipeline: Pipeline, dynamodb: Any, executor: ThreadPoolExecutor
) -> None:
    # GIVEN orders rebuilt into another table, where one copy then lost its ledgers list
    ids = pipeline.orders(3)
    create_orders_table(dynamodb, "OrdersRebuilt")
    run_rebuild(dynamodb, executor, table="OrdersRebuilt")
    dynamodb.update_item(TableName="OrdersRebuilt", Key={"orderId": {"S": ids[1]}}, UpdateExpression="REMOVE ledgers")

    # WHEN rebuilt into it again THEN that copy alone is written, the same as the stream's head again
    again = run_rebuild(dynamodb, executor, table="OrdersRebuilt")
    assert again.written == 1
    copy = dynamodb.get_item(TableName="OrdersRebuilt", Key={"orderId": {"S": ids[1]}})["Item"]
    assert copy == pipeline.item(ids[1])


def test_rebuild_reports_a_corrupt_stream_and_writes_nothing_for_it(
    pipeline: Pipeline, dynamodb: Any, executor: ThreadPoolExecutor
) -> None:
    # GIVEN an order whose stream skips processing (completed while pending), its projection deleted
    order_id = pipeline.orders(1)[0]
    store = EventStore(dynamodb, EVENTS_TABLE, heads_table=ORDERS_TABLE)
    store.append(order_id, [order_status_changed(order_id, OrderStatus.COMPLETED)], 1)
    pipeline.delete_projection(order_id)
    before = pipeline.item(order_id)

    # WHEN rebuilt THEN it is reported corrupt and left alone (its head holds its stream alone)
    report = run_rebuild(dynamodb, executor)
    assert [drift.subject for drift in report.corrupt] == [order_id]
    assert pipeline.item(order_id) == before
    assert before is not None
    assert set(before) <= STREAM_ONLY


@pytest.mark.parametrize("tries", [2])
def test_rebuild_leaves_the_counters_while_the_pipeline_never_pauses(
    pipeline: Pipeline, dynamodb: Any, executor: ThreadPoolExecutor, tries: int
) -> None:
    # GIVEN a counter off, and a processor committing whenever the rebuild waits
    pipeline.orders(3)
    damage(dynamodb, [])

    def busy(_: float) -> None:
        pipeline.orders(1)

    # WHEN rebuilt THEN the projection is done but no correction is applied (it could be wrong)
    report = run_rebuild(dynamodb, executor, sleep=busy, settle_tries=tries)
    assert report.finished
    assert not report.counters_reconciled
    assert report.correction == {}
