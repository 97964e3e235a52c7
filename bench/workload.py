"""The work per order of the current design, measured on moto: the input of the capacity plan.

Runs the processor's lifecycle (10 orders through created, processing, completed, in three batches
of 10, at 15 ms a call: :func:`inprocess.lifecycle`) and watches every AWS request it makes, to
count per table the write and read units (DynamoDB's billing rules, ``bench/billing.py``, as
``make bench`` counts them), the items written and how often each partition key is written (the
hot keys: ledger shards, order heads), the commits' ledgers (how many moves each carries, their
size), the transactions, and the SNS requests and messages. Then it measures the ledger reducer
(``orders_shared.ledger.reduce_ledgers``, which the metrics emitter runs once a minute): the calls it
makes for a known backlog of ledgers, on moto, and the CPU it spends per move outside its calls.
Nothing is assumed about the storage design: a design that writes other items shows other figures.
"""

from __future__ import annotations

import json
import os
import time
from collections import Counter
from collections.abc import Mapping
from datetime import UTC, datetime
from typing import Any

import inprocess
from billing import item_kb, read_units, statement_writes, write_units
from harness import EVENTS_TABLE, ORDERS_TABLE, MotoStack, created_bodies, sqs_event

from orders_shared.batch_reads import BATCH_GET_LIMIT
from orders_shared.counters import STATS_KEY_PREFIX
from orders_shared.events import OrderStatus
from orders_shared.ledger import (
    LEDGER_KEY_PREFIX,
    LEDGER_SHARDS,
    LEDGERS_PER_TRANSACTION,
    Deltas,
    Move,
    committed_moves,
    reduce_ledgers,
    shard_key,
)

ORDERS_PER_REP = 10  # inprocess.lifecycle: 10 orders, three batches of 10 events
EVENTS_PER_ORDER = 3
REDUCER_LEDGERS = 250  # the backlog the reducer is measured on: 250 ledgers of 10 moves on one shard
REDUCER_MAX_LEDGERS = 10_000  # reduce_ledgers' default max_ledgers: per shard and run


def _bytes(item: Mapping[str, Any]) -> int:
    # As billing.item_kb counts an item (close to DynamoDB's count), plus the 100 bytes DynamoDB adds
    # to each item for storage.
    return sum(len(name) + len(json.dumps(value)) for name, value in item.items()) + 100


def _partition(table: str, key: Mapping[str, Any]) -> str:
    # The partition key of the tables (tests/support/tables.py): EventStore streamId, Orders orderId.
    name = "streamId" if "streamId" in key else "orderId"
    return f"{table}:{json.dumps(key.get(name), sort_keys=True)}"


def _is_ledger(body: Mapping[str, Any]) -> bool:
    key = body.get("Key") or body.get("Item") or {}
    return str(key.get("streamId", {}).get("S", "")).startswith(LEDGER_KEY_PREFIX)


def _reducer_call(operation: str, params: Mapping[str, Any]) -> bool:
    """Whether a request is the ledger reducer's (inprocess.lifecycle runs it after the first lifecycle)."""
    if operation == "BatchGetItem":
        requests = params["RequestItems"].values()
        return any("ledgers" in str(request.get("ProjectionExpression", "")) for request in requests)
    if operation == "Query":
        return str(params.get("ExpressionAttributeValues", {}).get(":s", {}).get("S", "")).startswith(LEDGER_KEY_PREFIX)
    if operation == "GetItem":
        return _is_ledger(params)
    if operation == "TransactWriteItems":
        return any(_is_ledger(next(iter(action.values()))) for action in params["TransactItems"])
    return False


class Watcher:
    """Counts what each DynamoDB and SNS request does, by table and by partition key.

    With ``processor_only`` the reducer's requests are counted apart (``reducer_operations``), not
    in the processor's figures.
    """

    def __init__(self, *, processor_only: bool = False) -> None:
        self.processor_only = processor_only
        self.reducer_operations: Counter[str] = Counter()
        self.operations: Counter[str] = Counter()
        self.wru: Counter[str] = Counter()
        self.rru: Counter[str] = Counter()
        self.items_written: Counter[str] = Counter()
        self.writes_per_partition: Counter[str] = Counter()
        self.stored_bytes: dict[str, int] = {}  # last size written of each item (counters, ledgers apart)
        self.ledger_moves: list[int] = []
        self.ledger_bytes: list[int] = []
        self.ledger_kb: list[int] = []
        self.transaction_actions: list[int] = []
        self.transaction_bytes: list[int] = []
        self.sns_messages = 0

    def _write(self, table: str, operation: str, body: Mapping[str, Any]) -> None:
        item = body.get("Item", {})
        key = body.get("Key", item)
        transactional = {"TransactItems": [{"Put": body}]}  # billing.write_units reads the action's body
        self.wru[table] += write_units(operation, transactional if operation == "TransactWriteItems" else body)
        self.items_written[table] += 1
        self.writes_per_partition[_partition(table, key)] += 1
        if _is_ledger(body):
            if "moves" in item:
                self.ledger_moves.append(len(json.loads(item["moves"]["S"])))
                self.ledger_bytes.append(_bytes(item))
                self.ledger_kb.append(item_kb(item))
        elif item and STATS_KEY_PREFIX not in json.dumps(key):
            self.stored_bytes[json.dumps(key, sort_keys=True)] = _bytes(item)

    def _writes(self, operation: str, params: dict[str, Any]) -> None:
        if operation == "TransactWriteItems":
            actions = params["TransactItems"]
            self.transaction_actions.append(len(actions))
            self.transaction_bytes.append(len(json.dumps(actions)))
            for action in actions:
                kind, body = next(iter(action.items()))
                if kind != "ConditionCheck":
                    self._write(body["TableName"], operation, body)
        elif operation == "BatchExecuteStatement":  # each write statement as its single-item write
            for statement in params["Statements"]:
                self._write(*statement_writes(statement))
        else:
            self._write(params["TableName"], operation, params)

    def __call__(self, event_name: str, params: dict[str, Any]) -> None:
        service, operation = event_name.split(".")[-2:]
        if service not in {"dynamodb", "sns"} or operation in {"CreateTable", "DeleteTable", "DescribeTable"}:
            return
        if self.processor_only and _reducer_call(operation, params):
            self.reducer_operations[f"{service}.{operation}"] += 1
            return
        self.operations[f"{service}.{operation}"] += 1
        if operation in {"TransactWriteItems", "PutItem", "UpdateItem", "BatchExecuteStatement"}:
            self._writes(operation, params)
        elif operation == "BatchGetItem":
            for table, request in params["RequestItems"].items():
                self.rru[table] += read_units(operation, {"RequestItems": {table: request}})
        elif operation in {"GetItem", "Query", "Scan"}:
            self.rru[params["TableName"]] += read_units(operation, params)
        elif operation == "PublishBatch":
            self.sns_messages += len(params["PublishBatchRequestEntries"])
        elif operation == "Publish":
            self.sns_messages += 1


def profile(watcher: Watcher, lifecycle: dict[str, Any], reps: int, source: dict[str, Any]) -> dict[str, Any]:
    """The work profile (see capacity.py) from what ``watcher`` saw over ``reps`` identical lifecycles."""
    orders = reps * ORDERS_PER_REP
    events = orders * EVENTS_PER_ORDER
    batches = reps * EVENTS_PER_ORDER
    per_partition = watcher.writes_per_partition
    head_writes = [n for key, n in per_partition.items() if key.startswith("Orders:") and "#" not in key]
    ledgers = len(watcher.ledger_moves)
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
        "ledger_puts_per_event": ledgers / events,
        "moves_per_ledger": sum(watcher.ledger_moves) / ledgers if ledgers else 0.0,
        "ledger_wru": max(watcher.ledger_kb, default=1),  # a ledger's Put: 1 WRU per KB
        "ledger_bytes": max(watcher.ledger_bytes, default=0),
        "ledger_shards": LEDGER_SHARDS,
        "max_writes_per_order_item": max(head_writes, default=0),
        "stored_bytes_per_order": sum(watcher.stored_bytes.values()) / orders,
        "sns_messages_per_event": watcher.sns_messages / events,
        "sns_requests_per_event": watcher.operations["sns.PublishBatch"] / events,
        "lifecycle": lifecycle,  # per 10 orders, as bench/cost.py takes it
    }


def _head_template(stack: MotoStack) -> dict[str, Any]:
    """The largest order head the lifecycle left (a completed order's): the reducer reads heads like it."""
    heads = [
        item
        for item in stack.dynamodb.scan(TableName=ORDERS_TABLE)["Items"]
        if not item["orderId"]["S"].startswith("#")
    ]
    return max(heads, key=_bytes)


def _backlog(stack: MotoStack, head: Mapping[str, Any], ledgers: int, moves_per_ledger: int) -> int:
    """Writes ``ledgers`` committed ledgers on shard 0, each of ``moves_per_ledger`` new orders, with heads."""
    sequence = int(time.time() * 1_000_000) * 1000  # after the checkpoint, before the reducer's cutoff
    for number in range(ledgers):
        sequence += 1
        ledger_id = f"00:{sequence}"
        order_ids = [f"reducer-{number}-{index}" for index in range(moves_per_ledger)]
        moves = [Move(order_id, 1, None, OrderStatus.PENDING).to_json() for order_id in order_ids]
        stack.dynamodb.put_item(
            TableName=EVENTS_TABLE, Item={**shard_key(0, sequence), "moves": {"S": json.dumps(moves)}}
        )
        for order_id in order_ids:
            item = {**head, "orderId": {"S": order_id}, "ledgers": {"L": [{"S": ledger_id}]}}
            stack.dynamodb.put_item(TableName=ORDERS_TABLE, Item=item)
    return ledgers * moves_per_ledger


def reducer_cpu_us_per_move(moves_per_ledger: int = 10, ledgers: int = 200, repeats: int = 5) -> float:
    """The reducer's own CPU per move (parsing a ledger, matching heads, adding deltas): the best of ``repeats``."""
    ids = [[f"o-{number}-{index}" for index in range(moves_per_ledger)] for number in range(ledgers)]
    texts = [json.dumps([Move(i, 1, None, OrderStatus.PENDING).to_json() for i in row]) for row in ids]
    heads = {
        order_id: {"orderId": {"S": order_id}, "ledgers": {"L": [{"S": f"00:{n}"}]}, "amount": {"N": "129.99"}}
        for n, row in enumerate(ids)
        for order_id in row
    }
    best = float("inf")
    for _ in range(repeats):
        started = time.perf_counter()
        deltas = Deltas()
        for number, text in enumerate(texts):
            moves = [Move.from_json(move) for move in json.loads(text)]
            for move, amount, currency in committed_moves(f"00:{number}", moves, heads):
                deltas.add(move, amount, currency)
        best = min(best, time.perf_counter() - started)
    return best / (ledgers * moves_per_ledger) * 1e6


def measure_reducer(stack: MotoStack, moves_per_ledger: float) -> dict[str, Any]:
    """The reducer's calls for a backlog of :data:`REDUCER_LEDGERS` ledgers on one shard, on moto."""
    head = _head_template(stack)
    reduce_ledgers(stack.dynamodb, EVENTS_TABLE, ORDERS_TABLE, settle_s=0)  # the lifecycle's own ledgers first
    moves = _backlog(stack, head, REDUCER_LEDGERS, max(1, int(moves_per_ledger + 0.5)))
    watcher = Watcher()
    stack.calls.observers.append(watcher)
    try:
        started = time.perf_counter()
        with stack.calls.delayed(inprocess.CALL_LATENCY_S):
            report = reduce_ledgers(stack.dynamodb, EVENTS_TABLE, ORDERS_TABLE, settle_s=0)
        seconds = time.perf_counter() - started
    finally:
        stack.calls.observers.remove(watcher)
    if report.committed != moves:
        raise RuntimeError(f"the reducer counted {report.committed} of {moves} moves")
    return {
        "backlog": {"ledgers": REDUCER_LEDGERS, "moves": moves, "shards_with_ledgers": 1},
        "calls": dict(sorted(watcher.operations.items())),
        "rru": dict(watcher.rru),
        "wru": dict(watcher.wru),
        "seconds_at_15ms_a_call": round(seconds, 3),
        "head_bytes": _bytes(head),
        "cpu_us_per_move": round(reducer_cpu_us_per_move(), 2),
        "ledgers_per_query": LEDGERS_PER_TRANSACTION,
        "keys_per_batch_get": BATCH_GET_LIMIT,
        "max_ledgers_per_shard_run": REDUCER_MAX_LEDGERS,
    }


def measure(stack: MotoStack, reps: int, source: dict[str, Any]) -> dict[str, Any]:
    """Measure the profile of our processor over ``reps`` lifecycles of 10 orders, then its reducer."""
    invoke = stack.load("ours")
    invoke(sqs_event(created_bodies(10)))  # warm: the first batch is the cold start's
    watcher = Watcher(processor_only=True)
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
    measured = profile(watcher, lifecycle, reps, source)
    measured["reducer"] = measure_reducer(stack, measured["moves_per_ledger"])
    return measured


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
