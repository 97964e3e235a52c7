"""The audit on moto: clean after the processor, and every kind of drift found, counted and shown."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from typing import Any

from orders_shared.audit import audit
from orders_shared.counters import stats_key
from orders_shared.event_store import EventStore, event_key, head_events
from orders_shared.events import OrderStatus, order_status_changed
from orders_shared.ledger import reduce_ledgers
from orders_shared.streams import Totals
from tests.support.tables import EVENTS_TABLE, ORDERS_TABLE
from tests.unit.readside.conftest import Pipeline


def run_audit(client: Any, executor: ThreadPoolExecutor, **kwargs: Any) -> Any:
    kwargs.setdefault("sleep", lambda _: None)
    kwargs.setdefault("index_lag_s", 0)
    return audit(client, ORDERS_TABLE, EVENTS_TABLE, executor, **kwargs)


def test_audit_after_the_processor_is_clean(pipeline: Pipeline, dynamodb: Any, executor: ThreadPoolExecutor) -> None:
    # GIVEN twelve orders taken through their lifecycles by the processor
    pipeline.orders(12)

    # WHEN audited
    report = run_audit(dynamodb, executor)

    # THEN every order and event is read, and nothing drifted, counters included (the counter
    # shards, moved only by the ledgers' reducer, plus the committed moves not reduced yet)
    assert (report.orders, report.events) == (12, 12 + 8 + 6)
    assert report.clean
    assert report.settled.counters == report.settled.projection
    assert report.settled.read.plus(report.settled.pending.counts, report.settled.pending.revenues) == (
        report.settled.projection
    )


def test_audit_after_the_ledgers_are_reduced_finds_the_counters_alone_equal(
    pipeline: Pipeline, dynamodb: Any, executor: ThreadPoolExecutor
) -> None:
    # GIVEN processed orders whose ledgers were all reduced into the counters
    pipeline.orders(12)
    reduce_ledgers(dynamodb, EVENTS_TABLE, ORDERS_TABLE, settle_s=0)

    # WHEN audited THEN clean, nothing pending, and the counter shards alone are the projection's totals
    report = run_audit(dynamodb, executor)
    assert report.clean
    assert report.settled.pending == Totals()
    assert report.settled.read == report.settled.projection


def test_audit_finds_each_kind_of_projection_drift(
    pipeline: Pipeline, dynamodb: Any, executor: ThreadPoolExecutor
) -> None:
    # GIVEN orders, then one projection deleted (from its head), one with another amount, one with
    # an extra attribute, one with an unreadable status, one with an older version
    ids = pipeline.orders(12)
    pipeline.delete_projection(ids[0])
    changes = {
        ids[1]: "SET amount = :v",
        ids[2]: "SET junk = :j",
        ids[3]: "SET #s = :bad",
        ids[4]: "SET version = :one",
    }
    for order_id, expression in changes.items():
        names = {"#s": "status"} if "#s" in expression else {}
        values = {":v": {"N": "999"}, ":j": {"S": "x"}, ":bad": {"S": "lost"}, ":one": {"N": "1"}}
        used = {key: value for key, value in values.items() if key in expression}
        dynamodb.update_item(
            TableName=ORDERS_TABLE,
            Key={"orderId": {"S": order_id}},
            UpdateExpression=expression,
            ExpressionAttributeValues=used,
            **({"ExpressionAttributeNames": names} if names else {}),
        )

    # WHEN audited
    report = run_audit(dynamodb, executor)

    # THEN each is found once, by kind; the counters (from the ledgers) differ from the projection
    assert report.drift["missing"] == 1
    assert report.drift["differs"] == 3
    assert report.drift["unreadable"] == 1
    assert report.drift["counters"] >= 1
    assert not report.clean
    found = {example.subject: example.detail for example in report.examples}
    assert "amount: 999" in found[ids[1]]
    assert "junk: not an attribute" in found[ids[2]]
    assert "status holds no known status" in found[ids[3]]
    assert "version: 1" in found[ids[4]]


def test_audit_names_a_stream_the_lifecycle_cannot_fold(
    pipeline: Pipeline, dynamodb: Any, executor: ThreadPoolExecutor
) -> None:
    # GIVEN a completed order whose stream gets a fourth event reopening it (its head lists it)
    ids = pipeline.orders(2)  # index 1: created, paid, completed
    store = EventStore(dynamodb, EVENTS_TABLE, heads_table=ORDERS_TABLE)
    store.append(ids[1], [order_status_changed(ids[1], OrderStatus.PROCESSING)], 3)

    # WHEN audited THEN the corrupt stream is named with its version
    report = run_audit(dynamodb, executor)
    assert report.drift["corrupt-stream"] == 1
    assert "version 4: OrderStatusChanged cannot move completed to processing" in report.examples[0].detail


def test_audit_names_a_stream_whose_head_lists_an_event_with_no_item(
    pipeline: Pipeline, dynamodb: Any, executor: ThreadPoolExecutor
) -> None:
    # GIVEN orders, one of whose second event's item is lost (its head still lists it)
    ids = pipeline.orders(3)  # index 1: created, paid, completed
    head = pipeline.item(ids[1])
    lost = head_events(head)[1]
    dynamodb.delete_item(TableName=EVENTS_TABLE, Key=event_key(lost))

    # WHEN audited THEN that stream alone is corrupt, named with the version and the event
    report = run_audit(dynamodb, executor)
    assert report.drift["corrupt-stream"] == 1
    corrupt = next(example for example in report.examples if example.kind == "corrupt-stream")
    assert corrupt.subject == ids[1]
    assert corrupt.detail == f"stream {ids[1]} version 2: event {lost} has no item"


def test_audit_finds_a_counter_that_drifted(pipeline: Pipeline, dynamodb: Any, executor: ThreadPoolExecutor) -> None:
    # GIVEN orders, then one counter shard bumped by hand
    pipeline.orders(6)
    dynamodb.update_item(
        TableName=ORDERS_TABLE,
        Key={"orderId": {"S": stats_key(9)}},
        UpdateExpression="ADD pending :one",
        ExpressionAttributeValues={":one": {"N": "1"}},
    )

    # WHEN audited THEN exactly the pending counter drifted, with both figures
    report = run_audit(dynamodb, executor)
    assert dict(report.drift) == {"counters": 1}
    assert report.examples[0].subject == "pending"
    assert report.examples[0].detail == "counters say 3, the projection 2"


def test_audit_shows_only_the_first_examples(pipeline: Pipeline, dynamodb: Any, executor: ThreadPoolExecutor) -> None:
    # GIVEN five deleted projections WHEN audited with two examples THEN five counted, two shown
    for order_id in pipeline.orders(5):
        pipeline.delete_projection(order_id)
    report = run_audit(dynamodb, executor, examples=2)
    assert report.drift["missing"] == 5
    assert len(report.examples) == 2


def test_audit_leaves_the_counters_unchecked_while_the_pipeline_never_pauses(
    pipeline: Pipeline, dynamodb: Any, executor: ThreadPoolExecutor
) -> None:
    # GIVEN orders, and a processor that commits (a ledger's move lands in a head) whenever the audit waits
    pipeline.orders(3)

    def busy(_: float) -> None:
        pipeline.orders(1)

    # WHEN audited THEN the counters are not compared (a comparison then could be wrong), not clean
    report = run_audit(dynamodb, executor, sleep=busy, settle_tries=3)
    assert not report.counters_checked
    assert not report.clean
    assert "counters" not in report.drift
