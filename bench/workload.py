"""The work per order of the current design, measured on moto: the input of the capacity plan.

Runs the processor's lifecycle (10 orders through created, processing, completed, in three batches
of 10, at 15 ms a call: :func:`inprocess.lifecycle`) and watches every AWS request it makes, to
count per table the write and read units, the items written and how often each key is written
(the hot keys: counter shards, order items), the entries of the sparse streams index, the size of
the largest transaction, and the SNS requests and messages. Nothing is assumed about the storage
design: a design that writes other items shows other figures.

Units are estimated as :class:`inprocess.Capacity` estimates them (moto does not bill): 1 KB per
write unit, twice for a transactional write; 1 read unit per consistent read of an item under 4 KB.
"""

from __future__ import annotations

import json
import os
from collections import Counter
from collections.abc import Mapping
from datetime import UTC, datetime
from typing import Any

import inprocess
from harness import MotoStack, created_bodies, sqs_event

from orders_shared.counters import STATS_KEY_PREFIX, STATS_SHARDS
from orders_shared.event_store import STREAM_SHARD, STREAM_SHARDS

ORDERS_PER_REP = 10  # inprocess.lifecycle: 10 orders, three batches of 10 events
EVENTS_PER_ORDER = 3


def _bytes(item: dict[str, Any]) -> int:
    # As inprocess._item_kb counts an item (close to DynamoDB's count), plus the 100 bytes DynamoDB adds
    # to each item for storage.
    return sum(len(name) + len(json.dumps(value)) for name, value in item.items()) + 100


def _key(item: dict[str, Any]) -> str:
    # The tables' keys (tests/support/tables.py): EventStore (streamId, version), Orders (orderId), which
    # also has a version attribute that is not part of its key.
    names = ("streamId", "version") if "streamId" in item else ("orderId",)
    return json.dumps({name: item[name] for name in names if name in item}, sort_keys=True)


class Watcher:
    """Counts what each DynamoDB and SNS request does, by table and by key."""

    def __init__(self) -> None:
        self.operations: Counter[str] = Counter()
        self.wru: Counter[str] = Counter()
        self.rru: Counter[str] = Counter()
        self.items_written: Counter[str] = Counter()
        self.writes_per_key: Counter[tuple[str, str]] = Counter()
        self.index_entries = 0
        self.stored_bytes: dict[tuple[str, str], int] = {}  # last size written of each item (counters apart)
        self.transaction_actions: list[int] = []
        self.transaction_bytes: list[int] = []
        self.sns_messages = 0

    def _write(self, table: str, item: dict[str, Any], key: dict[str, Any], units: int) -> None:
        self.wru[table] += units
        self.items_written[table] += 1
        self.writes_per_key[(table, _key(key))] += 1
        if item and STATS_KEY_PREFIX not in _key(key):
            self.stored_bytes[(table, _key(key))] = _bytes(item)
        if STREAM_SHARD in item:
            self.index_entries += 1

    def __call__(self, event_name: str, params: dict[str, Any]) -> None:
        service, operation = event_name.split(".")[-2:]
        if service not in {"dynamodb", "sns"} or operation in {"CreateTable", "DeleteTable", "DescribeTable"}:
            return
        self.operations[f"{service}.{operation}"] += 1
        if operation == "TransactWriteItems":
            actions = params["TransactItems"]
            self.transaction_actions.append(len(actions))
            self.transaction_bytes.append(len(json.dumps(actions)))
            for action in actions:
                kind, body = next(iter(action.items()))
                if kind == "ConditionCheck":
                    continue
                item = body.get("Item", {})
                self._write(body["TableName"], item, body.get("Key", item), 2 * inprocess._item_kb(item))
        elif operation in {"PutItem", "UpdateItem"}:
            item = params.get("Item", {})
            self._write(params["TableName"], item, params.get("Key", item), inprocess._item_kb(item))
        elif operation == "BatchGetItem":
            for table, request in params["RequestItems"].items():
                self.rru[table] += len(request["Keys"])
        elif operation in {"GetItem", "Query"}:
            self.rru[params["TableName"]] += 1
        elif operation == "PublishBatch":
            self.sns_messages += len(params["PublishBatchRequestEntries"])
        elif operation == "Publish":
            self.sns_messages += 1


def profile(watcher: Watcher, lifecycle: dict[str, Any], reps: int, source: dict[str, Any]) -> dict[str, Any]:
    """The work profile (see capacity.py) from what ``watcher`` saw over ``reps`` identical lifecycles."""
    orders = reps * ORDERS_PER_REP
    events = orders * EVENTS_PER_ORDER
    batches = reps * EVENTS_PER_ORDER
    counter_writes = sum(n for (_, key), n in watcher.writes_per_key.items() if STATS_KEY_PREFIX in key)
    item_writes = [n for (_, key), n in watcher.writes_per_key.items() if STATS_KEY_PREFIX not in key]
    return {
        "source": source,
        "events_per_order": EVENTS_PER_ORDER,
        "events_per_batch": events / batches,
        "batch_ms": lifecycle["billed_ms"] / EVENTS_PER_ORDER,  # the billed (median) ms of a batch, averaged
        "calls_per_batch": {name: n / batches for name, n in sorted(watcher.operations.items())},
        "wru_per_event": {table: n / events for table, n in sorted(watcher.wru.items())},
        "rru_per_event": {table: n / events for table, n in sorted(watcher.rru.items())},
        "items_written_per_event": {table: n / events for table, n in sorted(watcher.items_written.items())},
        "transactions_per_event": len(watcher.transaction_actions) / events,
        "max_transaction_actions": max(watcher.transaction_actions, default=0),
        "max_transaction_bytes": max(watcher.transaction_bytes, default=0),
        "counter_updates_per_event": counter_writes / events,
        "counter_wru_per_update": 2,  # a transactional ADD on a shard item well under 1 KB
        "counter_shards": STATS_SHARDS,
        "max_writes_per_order_item": max(item_writes, default=0),
        "index_entries_per_order": watcher.index_entries / orders,
        "stored_bytes_per_order": sum(watcher.stored_bytes.values()) / orders,
        "index_partitions": STREAM_SHARDS,
        "sns_messages_per_event": watcher.sns_messages / events,
        "sns_requests_per_event": watcher.operations["sns.PublishBatch"] / events,
        "lifecycle": lifecycle,  # per 10 orders, as bench/cost.py takes it
    }


def measure(stack: MotoStack, reps: int, source: dict[str, Any]) -> dict[str, Any]:
    """Measure the profile of our processor over ``reps`` lifecycles of 10 orders."""
    invoke = stack.load("ours")
    invoke(sqs_event(created_bodies(10)))  # warm: the first batch is the cold start's
    watcher = Watcher()
    stack.calls.observers.append(watcher)
    try:
        lifecycle = inprocess.lifecycle(stack, invoke, "ours", reps=reps)
    finally:
        stack.calls.observers.remove(watcher)
    source = {
        **source,
        "measured_at": datetime.now(UTC).isoformat(timespec="seconds"),
        "lifecycles": reps,
        "load_average": [round(load, 2) for load in os.getloadavg()],  # batch_ms is CPU-bound beside the 15 ms
    }
    return profile(watcher, lifecycle, reps, source)


def with_bench_lifecycle(profile: Mapping[str, Any], bench: Mapping[str, Any], name: object) -> dict[str, Any]:
    """``profile`` with the batch time and lifecycle of a ``make bench`` run (its JSON), which must agree
    on the work: the same write units, read units and SNS requests per 10 orders."""
    lifecycle = bench["in_process"]["ours"]["lifecycle"]
    for key in ("wru", "rru", "sns_requests"):
        if lifecycle[key] != profile["lifecycle"][key]:
            raise ValueError(f"{name} measured other work ({key} {lifecycle[key]} != {profile['lifecycle'][key]})")
    machine = bench["machine"]
    load = [round(value, 2) for value in machine["load_average_at_start"]]
    origin = f"{name}: make bench of {machine['date']}, commit {machine['commit']}, load average {load}"
    return {
        **profile,
        "batch_ms": lifecycle["billed_ms"] / profile["events_per_order"],
        "lifecycle": lifecycle,
        "source": {**profile["source"], "batch_time_from": origin},
    }
