"""bench/capacity.py (the capacity plan's arithmetic) and bench/workload.py (the work profile it reads)."""

from __future__ import annotations

import json
from typing import Any

import capacity
import cost
import pytest
import reducer_capacity
from quotas import COLLECT_CALLS, LAMBDA_CPU_SCALE
from workload import Watcher, profile, with_bench_lifecycle

from orders_shared.batch_reads import BATCH_GET_LIMIT
from orders_shared.ledger import LEDGER_SHARDS, LEDGERS_PER_TRANSACTION
from tests.unit.template.template_support import load_template

LIFECYCLE = {"orders": 10, "billed_ms": 150, "wru": 63, "rru": 20, "sns_requests": 3, "log_bytes": 3000}
REDUCER = {
    "backlog": {"ledgers": 250, "moves": 2500, "shards_with_ledgers": 1},
    "calls": {"dynamodb.BatchGetItem": 25, "dynamodb.GetItem": 16, "dynamodb.Query": 19},
    "rru": {"Orders": 2500, "EventStore": 35},
    "wru": {"Orders": 10, "EventStore": 10},
    "head_bytes": 700,
    "cpu_us_per_move": 0.0,
    "ledgers_per_query": 100,
    "keys_per_batch_get": 100,
    "max_ledgers_per_shard_run": 10_000,
}


def a_profile(**changes: Any) -> dict[str, Any]:
    """A round-number format 2 profile: 3 events an order, batches of 10 at 50 ms, a ledger a batch, 16 shards."""
    base: dict[str, Any] = {
        "source": {"commit": "abc1234", "measured_at": "2026-11-30T00:00:00+00:00", "how": "test"},
        "events_per_order": 3,
        "events_per_batch": 10,
        "batch_ms": 50.0,
        "wru_per_event": {"Orders": 1.0, "EventStore": 1.1},
        "rru_per_event": {"Orders": 2 / 3},
        "transactions_per_event": 0.0,
        "ledger_puts_per_event": 0.1,
        "moves_per_ledger": 10.0,
        "ledger_wru": 1,
        "ledger_bytes": 1024,
        "ledger_shards": 16,
        "max_writes_per_order_item": 3,
        "sns_messages_per_event": 1,
        "lifecycle": LIFECYCLE,
        "reducer": REDUCER,
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
    # GIVEN 1.1 WRU an event on the EventStore table (claim + a tenth of a ledger) and the reducer's checkpoints
    limit = limit_named("DynamoDB EventStore table writes", capacity.limits(a_profile()))
    # WHEN 10,000 orders a second ask for 3 x (1.1 + 10 / 2,500) x 10,000 WRU THEN 40,000 WRU have that headroom
    assert limit.demand(10_000) == pytest.approx(3 * 1.104 * 10_000)
    assert limit.headroom(10_000, capacity.QUOTAS) == pytest.approx(40_000 / 33_120)


def test_capacity_orders_reads_include_the_reducers_head_reads() -> None:
    # GIVEN the processor's 2/3 RRU an event and the reducer's one consistent head read a move
    limit = limit_named("DynamoDB Orders table reads", capacity.limits(a_profile()))
    # THEN an order costs 3 x (2/3 + 1) = 5 RRU: the 40,000 RRU quota allows 8,000 orders/s
    assert limit.per_order == pytest.approx(5)
    assert limit.max_rate(capacity.QUOTAS) == pytest.approx(8_000)


def test_capacity_concurrency_is_invocations_times_duration() -> None:
    # GIVEN batches of 10 events lasting 50 ms
    # WHEN the concurrency of 1,000 orders a second is computed
    # THEN it is 3,000 events / 10 = 300 invocations a second x 0.05 s
    assert capacity.concurrency_per_order(a_profile()) * 1_000 == pytest.approx(15)


def test_capacity_ledger_shard_writes_spread_over_shards() -> None:
    # GIVEN one ledger Put (1 WCU) per batch of 10 events over 16 ledger shards
    limit = limit_named("DynamoDB ledger shard partition writes", capacity.limits(a_profile()))
    # THEN a shard's partition takes 3 x 0.1 / 16 WCU per order a second, against 1,000 WCU a partition
    assert limit.per_order == pytest.approx(0.3 / 16)
    assert limit.max_rate(capacity.QUOTAS) == pytest.approx(16_000 / 0.3)


def test_capacity_reducer_ledgers_a_shard_a_run_against_max_ledgers() -> None:
    # GIVEN 0.3 ledgers an order over 16 shards, reduced once a minute, at most 10,000 a shard a run
    limit = limit_named("Ledger reducer ledgers a shard a run", capacity.limits(a_profile()))
    # THEN 60 x 0.3 / 16 ledgers a shard a run per order a second: 8,889 orders/s
    assert limit.max_rate(capacity.QUOTAS) == pytest.approx(10_000 / (60 * 0.3 / 16))
    # and at 10,000 orders/s (no CPU: the run fits its 50 s) an eighth of a minute's ledgers is left each minute
    assert reducer_capacity.lag_growth(a_profile(), 10_000, 50) == pytest.approx(0.125)


def test_reducer_calls_a_minute_follow_the_code() -> None:
    # GIVEN 1,000 orders a second: 180,000 moves a minute in 18,000 ledgers of 10, over 16 shards
    calls = reducer_capacity.calls_per_minute(a_profile(), 1_000)
    # THEN per shard a checkpoint GetItem and a last empty Query; per 100 ledgers a Query and a transaction;
    # per 100 heads a BatchGetItem
    assert calls == pytest.approx({"GetItem": 16, "Query": 16 + 180, "BatchGetItem": 1_800, "TransactWriteItems": 180})


def test_reducer_calls_model_matches_the_measured_backlog() -> None:
    # GIVEN the saved profile's reducer run on moto: 250 ledgers on one of the 16 shards
    saved = json.loads(capacity.PROFILE.read_text())
    reducer = saved["reducer"]
    ledgers, keys = reducer["backlog"]["ledgers"], reducer["ledgers_per_query"]
    steps = -(-ledgers // keys)
    # THEN it made the calls the model counts: a GetItem a shard, a Query a step and one more a shard,
    # a BatchGetItem per 100 moves, a transaction a step
    assert reducer["calls"]["dynamodb.GetItem"] == saved["ledger_shards"]
    assert reducer["calls"]["dynamodb.Query"] == saved["ledger_shards"] + steps
    assert reducer["calls"]["dynamodb.BatchGetItem"] == reducer["backlog"]["moves"] / reducer["keys_per_batch_get"]
    assert reducer["calls"]["dynamodb.TransactWriteItems"] == steps


def test_reducer_run_time_without_threads_is_every_call_in_turn() -> None:
    # GIVEN no CPU, 15 ms a call, the shards one after another
    profile = a_profile()
    calls = sum(reducer_capacity.calls_per_minute(profile, 1_000).values()) + COLLECT_CALLS
    # THEN a run at 1,000 orders/s takes every call in turn, and the rate it keeps up with solves 50 s
    serial = reducer_capacity.SERIAL
    assert reducer_capacity.run_seconds(profile, 1_000, serial, call_ms=15) == pytest.approx(calls * 0.015)
    expected = (50 - (32 + COLLECT_CALLS) * 0.015) / (2.16 * 0.015)
    assert reducer_capacity.max_rate(profile, 50, serial, call_ms=15) == pytest.approx(expected)
    assert reducer_capacity.lag_growth(profile, 1_000, 50, serial) == 0
    assert reducer_capacity.lag_growth(profile, 3_000, 50, serial) > 0


def test_reducer_limit_is_a_shards_calls_with_the_shards_side_by_side() -> None:
    # GIVEN no CPU, 15 ms a call, the 16 shards on 16 threads (as deployed)
    limit = limit_named("Ledger reducer run time", capacity.limits(a_profile(), call_ms=15))
    # THEN a run is a sixteenth of the calls (2 a shard whatever the rate, 2.16 / 16 per order a second) + the figures
    assert limit.fixed == pytest.approx((2 + COLLECT_CALLS) * 0.015)
    assert limit.max_rate(capacity.QUOTAS) == pytest.approx((50 - 5 * 0.015) / (2.16 / 16 * 0.015))


def test_reducer_cpu_per_move_is_scaled_to_the_emitters_share_of_a_vcpu() -> None:
    # GIVEN 10 us a move on this machine WHEN 1,000 orders a second leave 180,000 moves a minute
    slow = a_profile(reducer={**REDUCER, "cpu_us_per_move": 10.0})
    extra = reducer_capacity.run_seconds(slow, 1_000) - reducer_capacity.run_seconds(a_profile(), 1_000)
    # THEN they add 180,000 x 10 us x 1,769 / 512 seconds (one process: the threads do not divide it)
    assert extra == pytest.approx(180_000 * 10e-6 * LAMBDA_CPU_SCALE)


def test_reducer_threads_divide_the_calls_time_by_the_shards_done_at_once() -> None:
    # GIVEN the 16 shards reduced in 16 threads, no CPU
    calls = sum(reducer_capacity.calls_per_minute(a_profile(), 1_000).values())
    # THEN a run takes a sixteenth of the calls' time (plus the figures' calls)
    expected = (calls / 16 + COLLECT_CALLS) * 0.015
    threads = reducer_capacity.AS_CODED
    assert reducer_capacity.run_seconds(a_profile(), 1_000, threads, call_ms=15) == pytest.approx(expected)
    serial = reducer_capacity.max_rate(a_profile(), 50, reducer_capacity.SERIAL)
    assert reducer_capacity.max_rate(a_profile(), 50, threads) > 15 * serial


def test_reducer_concurrent_batch_gets_cost_one_call_a_step() -> None:
    # GIVEN a step's 10 BatchGetItems made at once (the proposal), no CPU
    proposed = reducer_capacity.VARIANTS[2]
    # THEN a shard's minute at 1,000 orders/s is its GetItem, Queries, transactions and one BatchGetItem a step
    per_shard = (16 + 196 + 180 + 180) / 16
    expected = (per_shard + COLLECT_CALLS) * 0.015
    assert reducer_capacity.run_seconds(a_profile(), 1_000, proposed, call_ms=15) == pytest.approx(expected)


def test_capacity_fixed_limit_is_within_or_beyond_its_quota_at_any_rate() -> None:
    # GIVEN a head written 3 times in its life, then one written 1,001 times
    within = limit_named("DynamoDB one order head", capacity.limits(a_profile()))
    beyond = limit_named("DynamoDB one order head", capacity.limits(a_profile(max_writes_per_order_item=1_001)))
    # THEN the first never limits the rate, the second allows none
    assert within.max_rate(capacity.QUOTAS) == float("inf")
    assert beyond.max_rate(capacity.QUOTAS) == 0


def test_capacity_plan_names_the_steady_limit_with_least_headroom() -> None:
    # GIVEN batches of 200 ms, at 10,000 orders a second
    row = capacity.plan(a_profile(batch_ms=200.0), rates=[10_000])[0]
    steady = [entry for entry in row["limits"] if entry["kind"] == capacity.STEADY]
    # THEN the binding limit is the steady one with the smallest headroom, and every limit under 1x is exceeded
    assert row["binding_headroom"] == min(entry["headroom"] for entry in steady)
    # 600 concurrent batches against 50 (the reducer: 20 s)
    assert row["binding"] == "SQS trigger MaximumConcurrency (prod)"
    assert set(row["exceeded"]) == {entry["limit"] for entry in row["limits"] if entry["headroom"] < 1}
    assert "DynamoDB new EventStore table (warm)" in row["exceeded"]  # a ramp limit is listed, never binding


def test_capacity_plan_names_the_reducer_first_when_its_cpu_binds() -> None:
    # GIVEN batches of 20 ms (the trigger's 50 batches carry 8,333 orders/s), 40 us of CPU a move, 2,500 orders/s
    slow = a_profile(batch_ms=20.0, reducer={**REDUCER, "cpu_us_per_move": 40.0})
    row = capacity.plan(slow, rates=[2_500])[0]
    # THEN the reducer (about 1,860 orders/s) binds before PutEvents (3,333), and the counters' lag grows
    assert row["binding"] == "Ledger reducer run time (as deployed)"
    assert row["counter_lag_growth"] > 0


def test_capacity_usd_per_hour_from_dollars_per_million_orders() -> None:
    # GIVEN $16 per million orders WHEN 1,000 orders a second run an hour THEN 3.6 million orders cost $57.60
    assert capacity.usd_per_hour(16, 1_000) == pytest.approx(57.6)
    assert capacity.usd_per_hour(16, 1_000, fixed_per_hour=0.5) == pytest.approx(58.1)


def test_capacity_emitter_costs_sixty_runs_an_hour_of_its_run_time() -> None:
    # GIVEN no orders: a run is a shard's GetItem and Query (the shards side by side) and 3 figures' calls
    seconds = (2 + COLLECT_CALLS) * 0.015
    reads = 60 * 32 * cost.PRICES["dynamodb_rru"]
    request = 60 * cost.PRICES["lambda_request"]
    expected = request + 60 * seconds * cost.MEMORY_GB * cost.PRICES["lambda_gb_s_arm64"] + reads
    assert capacity.emitter_usd_per_hour(a_profile(), 0, 50) == pytest.approx(expected)
    # THEN beyond the rate it keeps up with, a run costs its whole timeout
    at_most = request + 60 * 50 * cost.MEMORY_GB * cost.PRICES["lambda_gb_s_arm64"] + reads
    assert capacity.emitter_usd_per_hour(a_profile(), 100_000, 50) == pytest.approx(at_most)


def test_capacity_storage_grows_with_bytes_stored_per_order() -> None:
    # GIVEN orders that store 1 GB an hour at one order a second WHEN 100 orders a second run THEN 100 GB an hour
    row = capacity.plan(a_profile(stored_bytes_per_order=1024**3 / 3600), rates=[100])[0]
    assert row["gb_stored_per_hour"] == pytest.approx(100)


def test_capacity_dollars_are_bench_cost_lines_plus_the_reducers_units() -> None:
    # GIVEN the bench's cost model of the lifecycle
    lines = capacity.usd_per_million_orders(a_profile())
    bench = cost.per_million_orders(LIFECYCLE)["total"]
    # THEN the plan adds the reducer's ledger reads (a fortieth of a 4 KB page a move; its head reads are
    # in the lifecycle already) and its writes
    reads = 3 * (0.25 / 10) * 0.125
    writes = 3 * (10 / 2500 + 10 / 2500) * 0.625
    assert sum(lines.values()) == pytest.approx(bench + reads + writes)
    emitter = capacity.emitter_usd_per_hour(a_profile(), 100, 50)
    hour = capacity.plan(a_profile(), rates=[100])[0]["usd_per_hour"]
    assert hour == pytest.approx((bench + reads + writes) * 0.36 + emitter)


def test_capacity_render_quotes_the_profile_source() -> None:
    text = capacity.render(a_profile())
    assert "abc1234" in text
    assert "| 100,000 |" in text


def test_capacity_prod_concurrency_and_emitter_timeout_are_the_templates() -> None:
    # GIVEN the template THEN the plan's MaximumConcurrency (prod) and the emitter's run budget are the template's
    template = load_template()
    prod = template["Mappings"]["StageSettings"]["prod"]["MaxConcurrency"]
    assert capacity.QUOTAS["esm_max_concurrency"].value == prod
    emitter = template["Resources"]["MetricsEmitterFunction"]["Properties"]
    assert capacity.QUOTAS["emitter_run_s"].value == emitter["Timeout"]
    assert emitter["Events"]["EveryMinute"]["Properties"]["ScheduleExpression"] == "rate(1 minute)"


def test_capacity_saved_profile_matches_the_code() -> None:
    # GIVEN the profile docs/capacity.md was computed from
    saved = json.loads(capacity.PROFILE.read_text())
    events = load_template()["Resources"]["OrderProcessorFunction"]["Properties"]["Events"]["OrderEvents"]
    # THEN it was measured with today's ledger shards, reducer steps and batch size (else: make capacity, and the doc)
    assert saved["ledger_shards"] == LEDGER_SHARDS
    assert saved["reducer"]["ledgers_per_query"] == LEDGERS_PER_TRANSACTION
    assert saved["reducer"]["keys_per_batch_get"] == BATCH_GET_LIMIT
    assert saved["events_per_batch"] == events["Properties"]["BatchSize"]


def test_workload_watcher_counts_units_by_table_and_hot_partition() -> None:
    # GIVEN one commit of format 2: a ledger Put, a claim Put, then the head's UpdateItem (twice: two events)
    watcher = Watcher()
    moves = '[["o-1",1,"","pending"]]'
    ledger = {"streamId": {"S": "#ledger#03"}, "version": {"N": "17"}, "moves": {"S": moves}}
    claim = {"streamId": {"S": "event#e-1"}, "version": {"N": "0"}, "orderId": {"S": "o-1"}}
    head = {"TableName": "Orders", "Key": {"orderId": {"S": "o-1"}}, "UpdateExpression": "SET version = :v"}
    watcher("provide-client-params.dynamodb.PutItem", {"TableName": "EventStore", "Item": ledger})
    watcher("provide-client-params.dynamodb.PutItem", {"TableName": "EventStore", "Item": claim})
    watcher("provide-client-params.dynamodb.UpdateItem", head)
    watcher("provide-client-params.dynamodb.UpdateItem", head)
    watcher("provide-client-params.sns.PublishBatch", {"PublishBatchRequestEntries": [{}, {}, {}]})
    # THEN each plain write bills 1 WRU by table; the ledger, its moves and the head's writes are counted
    assert watcher.wru == {"Orders": 2, "EventStore": 2}
    assert watcher.ledger_moves == [1]
    assert watcher.transaction_actions == []
    assert watcher.sns_messages == 3
    measured = profile(watcher, LIFECYCLE, reps=1, source={})
    assert measured["ledger_puts_per_event"] == pytest.approx(1 / 30)
    assert measured["moves_per_ledger"] == 1
    assert measured["max_writes_per_order_item"] == 2  # the head, keyed by orderId alone


def test_workload_watcher_counts_a_statement_batch_as_its_single_item_writes() -> None:
    # GIVEN the same commit as one BatchExecuteStatement: the ledger and the claim INSERTed, the head UPDATEd twice
    watcher = Watcher()
    moves = '[["o-1",1,"","pending"]]'
    insert_ledger = "INSERT INTO \"EventStore\" VALUE {'streamId': ?, 'version': ?, 'moves': ?}"
    insert_claim = "INSERT INTO \"EventStore\" VALUE {'streamId': ?, 'version': ?, 'orderId': ?}"
    head = 'UPDATE "Orders" SET "version" = ? WHERE "orderId" = ? AND "version" = ?'
    statements = [
        {"Statement": insert_ledger, "Parameters": [{"S": "#ledger#03"}, {"N": "17"}, {"S": moves}]},
        {"Statement": insert_claim, "Parameters": [{"S": "event#e-1"}, {"N": "0"}, {"S": "o-1"}]},
        {"Statement": head, "Parameters": [{"N": "1"}, {"S": "o-1"}, {"N": "0"}]},
        {"Statement": head, "Parameters": [{"N": "2"}, {"S": "o-1"}, {"N": "1"}]},
    ]
    watcher("provide-client-params.dynamodb.BatchExecuteStatement", {"Statements": statements})
    # THEN the units, the ledger's moves and the head's partition are counted as for the single-item writes
    assert watcher.wru == {"Orders": 2, "EventStore": 2}
    assert watcher.ledger_moves == [1]
    assert watcher.operations == {"dynamodb.BatchExecuteStatement": 1}
    assert profile(watcher, LIFECYCLE, reps=1, source={})["max_writes_per_order_item"] == 2


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


def test_workload_watcher_keeps_the_reducers_calls_apart_from_the_processors() -> None:
    # GIVEN the processor's watcher, and the reducer's head read, ledger query and checkpoint read
    watcher = Watcher(processor_only=True)
    heads = {"Orders": {"Keys": [{"orderId": {"S": "o-1"}}], "ProjectionExpression": "orderId, ledgers, amount"}}
    ledgers = {"TableName": "EventStore", "ExpressionAttributeValues": {":s": {"S": "#ledger#03"}}}
    checkpoint = {"TableName": "EventStore", "Key": {"streamId": {"S": "#ledger#03"}, "version": {"N": "0"}}}
    watcher("provide-client-params.dynamodb.BatchGetItem", {"RequestItems": heads})
    watcher("provide-client-params.dynamodb.Query", ledgers)
    watcher("provide-client-params.dynamodb.GetItem", checkpoint)
    # WHEN the processor reads its heads' state
    state = {"Orders": {"Keys": [{"orderId": {"S": "o-1"}}], "ProjectionExpression": "orderId, #s, version"}}
    watcher("provide-client-params.dynamodb.BatchGetItem", {"RequestItems": state})
    # THEN only the processor's read is in its figures; the reducer's are counted apart
    assert watcher.rru == {"Orders": 1}
    assert watcher.operations == {"dynamodb.BatchGetItem": 1}
    assert sum(watcher.reducer_operations.values()) == 3
