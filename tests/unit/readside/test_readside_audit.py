"""The audit on moto: clean after the processor, and every kind of drift found, counted and shown."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from typing import Any

from orders_shared.audit import audit
from orders_shared.counters import stats_key
from orders_shared.event_store import RecordedEvent, recorded_event
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

    # THEN every order and event is read, and nothing drifted, counters included
    assert (report.orders, report.events) == (12, 12 + 8 + 6)
    assert report.clean
    assert report.settled.counters == report.settled.projection


def test_audit_finds_each_kind_of_projection_drift(
    pipeline: Pipeline, dynamodb: Any, executor: ThreadPoolExecutor
) -> None:
    # GIVEN orders, then one projection deleted, one with another amount, one with an extra
    # attribute, one with an unreadable status, one with an older version
    ids = pipeline.orders(12)
    dynamodb.delete_item(TableName=ORDERS_TABLE, Key={"orderId": {"S": ids[0]}})
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

    # THEN each is found once, by kind; the counters (kept by the processor) differ from the projection
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
    # GIVEN a completed order whose stored stream gets a fourth event reopening it
    ids = pipeline.orders(2)  # index 1: created, paid, completed
    last = recorded_event(
        dynamodb.get_item(TableName=EVENTS_TABLE, Key={"streamId": {"S": ids[1]}, "version": {"N": "3"}})["Item"]
    )
    reopen = RecordedEvent(ids[1], 4, "e-reopen", "OrderStatusChanged", {"status": "processing"}, last.recorded_at)
    dynamodb.put_item(
        TableName=EVENTS_TABLE,
        Item={
            "streamId": {"S": ids[1]},
            "version": {"N": "4"},
            "eventId": {"S": reopen.event_id},
            "eventType": {"S": reopen.event_type},
            "data": {"S": '{"status":"processing","metadata":{"occurredAt":"2026-11-29T10:00:00Z"}}'},
            "recordedAt": {"S": reopen.recorded_at},
        },
    )

    # WHEN audited THEN the corrupt stream is named with its version
    report = run_audit(dynamodb, executor)
    assert report.drift["corrupt-stream"] == 1
    assert "version 4: OrderStatusChanged cannot move completed to processing" in report.examples[0].detail


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
        dynamodb.delete_item(TableName=ORDERS_TABLE, Key={"orderId": {"S": order_id}})
    report = run_audit(dynamodb, executor, examples=2)
    assert report.drift["missing"] == 5
    assert len(report.examples) == 2


def test_audit_leaves_the_counters_unchecked_while_the_pipeline_never_pauses(
    pipeline: Pipeline, dynamodb: Any, executor: ThreadPoolExecutor
) -> None:
    # GIVEN orders, and a processor that commits (a counter moves) whenever the audit waits
    pipeline.orders(3)

    def busy(_: float) -> None:
        pipeline.orders(1)

    # WHEN audited THEN the counters are not compared (a comparison then could be wrong), not clean
    report = run_audit(dynamodb, executor, sleep=busy, settle_tries=3)
    assert not report.counters_checked
    assert not report.clean
    assert "counters" not in report.drift
