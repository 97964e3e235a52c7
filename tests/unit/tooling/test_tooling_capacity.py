"""bench/capacity.py (the capacity plan's arithmetic) and bench/workload.py (the work profile it reads)."""

from __future__ import annotations

import json
from typing import Any

import capacity
import cost
import pytest
from workload import Watcher, profile, with_bench_lifecycle

from orders_shared.counters import STATS_SHARDS
from orders_shared.event_store import STREAM_SHARD, STREAM_SHARDS
from tests.unit.template.template_support import load_template

LIFECYCLE = {"orders": 10, "billed_ms": 150, "wru": 186, "rru": 20, "sns_requests": 3, "log_bytes": 3000}


def a_profile(**changes: Any) -> dict[str, Any]:
    """A round-number profile: 3 events an order, batches of 10 at 50 ms, 16 shards."""
    base: dict[str, Any] = {
        "source": {"commit": "abc1234", "measured_at": "2026-11-30T00:00:00+00:00", "how": "test"},
        "events_per_order": 3,
        "events_per_batch": 10,
        "batch_ms": 50.0,
        "wru_per_event": {"Orders": 2.2, "EventStore": 4.0},
        "rru_per_event": {"Orders": 2 / 3},
        "counter_updates_per_event": 0.1,
        "counter_wru_per_update": 2,
        "counter_shards": 16,
        "max_writes_per_order_item": 3,
        "max_transaction_actions": 31,
        "max_transaction_bytes": 20_000,
        "index_entries_per_order": 1,
        "index_partitions": 16,
        "sns_messages_per_event": 1,
        "lifecycle": LIFECYCLE,
    }
    return {**base, **changes}


def limit_named(name: str, found: list[capacity.Limit]) -> capacity.Limit:
    return next(limit for limit in found if limit.name.startswith(name))


def test_capacity_putevents_allows_quota_over_events_per_order() -> None:
    # GIVEN 3 events an order, one entry a PutEvents request
    limit = limit_named("EventBridge PutEvents", capacity.limits(a_profile()))
    # WHEN the rate it allows is computed THEN it is the 10,000 requests/s quota over 3
    assert limit.per_order == 3
    assert limit.max_rate(capacity.QUOTAS) == pytest.approx(10_000 / 3)


def test_capacity_table_writes_are_events_times_units() -> None:
    # GIVEN 4 WRU an event on the EventStore table
    limit = limit_named("DynamoDB EventStore table writes", capacity.limits(a_profile()))
    # WHEN 10,000 orders a second ask for 3 x 4 x 10,000 WRU THEN the 40,000 WRU quota has 1/3 headroom
    assert limit.demand(10_000) == pytest.approx(120_000)
    assert limit.headroom(10_000, capacity.QUOTAS) == pytest.approx(1 / 3)


def test_capacity_concurrency_is_invocations_times_duration() -> None:
    # GIVEN batches of 10 events lasting 50 ms
    # WHEN the concurrency of 1,000 orders a second is computed
    # THEN it is 3,000 events / 10 = 300 invocations a second x 0.05 s
    assert capacity.concurrency_per_order(a_profile()) * 1_000 == pytest.approx(15)


def test_capacity_counter_shard_writes_spread_over_shards() -> None:
    # GIVEN one transactional ADD (2 WCU) per 10 events over 16 shards
    limit = limit_named("DynamoDB counter shard writes", capacity.limits(a_profile()))
    # THEN a shard takes 3 x 0.1 x 2 / 16 WCU per order a second, against 1,000 WCU a partition
    assert limit.per_order == pytest.approx(0.0375)
    assert limit.max_rate(capacity.QUOTAS) == pytest.approx(1_000 / 0.0375)


def test_capacity_counter_shard_hold_model_scales_with_hold_time() -> None:
    # GIVEN a shard held 10 ms by each of its transactions
    limit = limit_named("DynamoDB counter shard held", capacity.limits(a_profile(), hold_ms=10))
    # THEN 3 x 0.1 / 16 transactions a shard per order a second, 10 ms each, saturate it at 5,333 orders/s
    assert limit.max_rate(capacity.QUOTAS) == pytest.approx(16 / (0.3 * 0.010))


def test_capacity_fixed_limit_is_within_or_beyond_its_quota_at_any_rate() -> None:
    # GIVEN a transaction of 31 actions, then one of 101
    within = limit_named("DynamoDB transaction actions", capacity.limits(a_profile()))
    beyond = limit_named("DynamoDB transaction actions", capacity.limits(a_profile(max_transaction_actions=101)))
    # THEN the first never limits the rate, the second allows none
    assert within.max_rate(capacity.QUOTAS) == float("inf")
    assert beyond.max_rate(capacity.QUOTAS) == 0


def test_capacity_plan_names_the_steady_limit_with_least_headroom() -> None:
    # GIVEN batches of 60 ms, at 10,000 orders a second
    row = capacity.plan(a_profile(batch_ms=60.0), rates=[10_000])[0]
    steady = [entry for entry in row["limits"] if entry["kind"] == capacity.STEADY]
    # THEN the binding limit is the steady one with the smallest headroom, and every limit under 1x is exceeded
    assert row["binding_headroom"] == min(entry["headroom"] for entry in steady)
    assert row["binding"] == "SQS trigger MaximumConcurrency (prod)"  # 180 concurrent batches against 50
    assert set(row["exceeded"]) == {entry["limit"] for entry in row["limits"] if entry["headroom"] < 1}
    assert "DynamoDB new EventStore table (warm)" in row["exceeded"]  # a ramp limit is listed, never binding


def test_capacity_usd_per_hour_from_dollars_per_million_orders() -> None:
    # GIVEN $16 per million orders WHEN 1,000 orders a second run an hour THEN 3.6 million orders cost $57.60
    assert capacity.usd_per_hour(16, 1_000) == pytest.approx(57.6)


def test_capacity_storage_grows_with_bytes_stored_per_order() -> None:
    # GIVEN orders that store 1 GB an hour at one order a second WHEN 100 orders a second run THEN 100 GB an hour
    row = capacity.plan(a_profile(stored_bytes_per_order=1024**3 / 3600), rates=[100])[0]
    assert row["gb_stored_per_hour"] == pytest.approx(100)


def test_capacity_dollars_are_bench_cost_lines_plus_index_writes() -> None:
    # GIVEN the bench's cost model of the lifecycle
    lines = capacity.usd_per_million_orders(a_profile())
    bench = cost.per_million_orders(LIFECYCLE)["total"]
    # THEN the plan adds one write unit per order for the streams index, which the bench does not count
    assert sum(lines.values()) == pytest.approx(bench + 0.625)
    assert capacity.plan(a_profile(), rates=[100])[0]["usd_per_hour"] == pytest.approx((bench + 0.625) * 0.36)


def test_capacity_render_quotes_the_profile_source() -> None:
    text = capacity.render(a_profile())
    assert "abc1234" in text
    assert "| 100,000 |" in text


def test_capacity_prod_concurrency_quota_is_the_templates() -> None:
    # GIVEN the template's prod stage THEN the plan's MaximumConcurrency is the template's
    prod = load_template()["Mappings"]["StageSettings"]["prod"]["MaxConcurrency"]
    assert capacity.QUOTAS["esm_max_concurrency"].value == prod


def test_capacity_saved_profile_matches_the_code() -> None:
    # GIVEN the profile docs/capacity.md was computed from
    saved = json.loads(capacity.PROFILE.read_text())
    events = load_template()["Resources"]["OrderProcessorFunction"]["Properties"]["Events"]["OrderEvents"]
    # THEN it was measured with today's shards and batch size (else: make capacity, and update the doc)
    assert saved["counter_shards"] == STATS_SHARDS
    assert saved["index_partitions"] == STREAM_SHARDS
    assert saved["events_per_batch"] == events["Properties"]["BatchSize"]


def test_workload_watcher_counts_transactional_units_by_table_and_hot_key() -> None:
    # GIVEN one batch's transaction: projection, event (first of its stream) and marker, then a counter ADD
    watcher = Watcher()
    order = {"orderId": {"S": "o-1"}, "status": {"S": "CREATED"}, "version": {"N": "1"}}
    event = {"streamId": {"S": "o-1"}, "version": {"N": "1"}, STREAM_SHARD: {"S": "03"}}
    marker = {"streamId": {"S": "event#e-1"}, "version": {"N": "0"}}
    counter = {"TableName": "Orders", "Key": {"orderId": {"S": "#stats#03"}}, "UpdateExpression": "ADD #s :d"}
    actions = [
        {"Put": {"TableName": "Orders", "Item": order}},
        {"Put": {"TableName": "EventStore", "Item": event}},
        {"Put": {"TableName": "EventStore", "Item": marker}},
        {"Update": counter},
    ]
    # WHEN the watcher sees it, then the next event's write of the projection (its version attribute moved on)
    watcher("provide-client-params.dynamodb.TransactWriteItems", {"TransactItems": actions})
    paid = {**order, "version": {"N": "2"}}
    watcher(
        "provide-client-params.dynamodb.TransactWriteItems",
        {"TransactItems": [{"Put": {"TableName": "Orders", "Item": paid}}]},
    )
    watcher("provide-client-params.sns.PublishBatch", {"PublishBatchRequestEntries": [{}, {}, {}]})
    # THEN every item bills 2 WRU, by table; the index entry, the counter write and the messages are counted
    assert watcher.wru == {"Orders": 6, "EventStore": 4}
    assert watcher.index_entries == 1
    assert watcher.transaction_actions == [4, 1]
    assert watcher.sns_messages == 3
    measured = profile(watcher, LIFECYCLE, reps=1, source={})
    assert measured["counter_updates_per_event"] == pytest.approx(1 / 30)
    assert measured["max_writes_per_order_item"] == 2  # the order item, keyed by orderId alone


def bench_json(**lifecycle: Any) -> dict[str, Any]:
    machine = {"date": "2026-11-30T01:00:04+00:00", "commit": "7ace2be", "load_average_at_start": [0.4, 1.3, 1.4]}
    return {"machine": machine, "in_process": {"ours": {"lifecycle": {**LIFECYCLE, **lifecycle}}}}


def test_workload_batch_time_taken_from_a_bench_run_of_the_same_work() -> None:
    # GIVEN a make bench run whose lifecycle did the same work in 151 ms over its three batches
    taken = with_bench_lifecycle(a_profile(batch_ms=300.0), bench_json(billed_ms=151), "latest.json")
    # THEN the profile's batch time is that run's, and the profile says where it came from
    assert taken["batch_ms"] == pytest.approx(151 / 3)
    assert "7ace2be" in taken["source"]["batch_time_from"]


def test_workload_batch_time_refused_from_a_bench_run_of_other_work() -> None:
    # GIVEN a make bench run of another design (fewer write units per 10 orders) THEN its time is refused
    with pytest.raises(ValueError, match="wru"):
        with_bench_lifecycle(a_profile(), bench_json(wru=120), "latest.json")
