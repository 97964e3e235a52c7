"""In-process figures on moto: AWS calls per order and batch latency with a fixed per-call latency.

Each processor is imported once (cold), warmed with one batch, then measured on batches of new
orders (``OrderCreated`` for orders that do not exist yet: the happy path of both).
"""

from __future__ import annotations

import math
import time
import uuid
from collections.abc import Callable
from decimal import Decimal
from typing import Any

from billing import read_units, write_units
from harness import ACCOUNT, MotoStack, created_bodies, median, sqs_event

CALL_LATENCY_S = 0.015
BATCH_SIZES = (1, 10, 100)


def _check(which: str, response: Any) -> None:
    # A figure of a batch that partly failed would flatter nobody: refuse it.
    if which == "ours" and response != {"batchItemFailures": []}:
        raise RuntimeError(f"our processor did not apply the whole batch: {response}")


def calls_per_order(stack: MotoStack, invoke: Callable[[dict[str, Any]], Any], which: str) -> dict[str, Any]:
    """API calls of one happy 10-order batch, per order, by operation."""
    stack.reset_tables()
    event = sqs_event(created_bodies(10))
    with stack.calls.count() as counts:
        _check(which, invoke(event))
    total = sum(counts.values())
    return {"per_order": total / 10, "total": total, "by_operation": dict(sorted(counts.items()))}


def batch_latency(
    stack: MotoStack,
    invoke: Callable[[dict[str, Any]], Any],
    which: str,
    size: int,
    runs: int,
    *,
    additive: bool = False,
) -> dict[str, Any]:
    """Median wall time of a batch of ``size`` new orders, each call lasting CALL_LATENCY_S (see harness)."""
    samples = []
    for _ in range(runs):
        stack.reset_tables()
        event = sqs_event(created_bodies(size))
        with stack.calls.delayed(CALL_LATENCY_S, additive=additive):
            started = time.perf_counter()
            response = invoke(event)
            samples.append((time.perf_counter() - started) * 1000)
        _check(which, response)
    return {"median_ms": median(samples), "runs": runs, "samples_ms": [round(s, 1) for s in samples]}


def log_bytes_per_event(stack: MotoStack, invoke: Callable[[dict[str, Any]], Any], which: str) -> float:
    """Bytes written to stdout (CloudWatch Logs on Lambda) per event of a 10-order batch."""
    before = stack.sink.bytes
    _check(which, invoke(sqs_event(created_bodies(10))))
    return (stack.sink.bytes - before) / 10


class Capacity:
    """DynamoDB capacity of the requests made while attached, counted by DynamoDB's billing rules."""

    def __init__(self, stack: MotoStack) -> None:
        self.wru = 0
        self.rru = 0
        self.sns_requests = 0
        self.active = False
        self.reducing = False  # the counters' reducer runs: what it does per run is counted apart
        self.reducer_run = {"wru": 0, "rru": 0}
        stack.calls.observers.append(self._on_params)

    def _on_params(self, event_name: str, params: dict[str, Any]) -> None:
        if not self.active:
            return
        operation = event_name.rsplit(".", 1)[-1]
        if self.reducing and operation in {"TransactWriteItems", "GetItem", "Query"}:
            # A checkpoint read, a ledger query and a counters' transaction per ledger shard and run:
            # once a minute on AWS, over every commit since, not per lifecycle. Its reads of the
            # heads (BatchGetItem, one per move) are per event, and counted with the processor's.
            self.reducer_run["wru"] += write_units(operation, params)
            self.reducer_run["rru"] += read_units(operation, params)
            return
        self.wru += write_units(operation, params)  # DynamoDB's billing rules (bench/billing.py)
        self.rru += read_units(operation, params)
        if operation in {"Publish", "PublishBatch"}:
            self.sns_requests += 1


def _reduce_counted(stack: MotoStack, capacity: Capacity) -> None:
    """The counters' reducer over the lifecycle's ledgers, its reads counted with the processor's.

    Ours derives the counters from each commit's ledger (the metrics emitter, every minute): the
    reducer's ledger queries and its consistent reads of the heads are part of what an order costs.
    """
    from orders_shared.ledger import reduce_ledgers
    from tests.support.tables import EVENTS_TABLE, ORDERS_TABLE

    capacity.active, capacity.reducing = True, True
    try:
        reduce_ledgers(stack.dynamodb, EVENTS_TABLE, ORDERS_TABLE, settle_s=0)
    finally:
        capacity.active, capacity.reducing = False, False


def lifecycle(stack: MotoStack, invoke: Callable[[dict[str, Any]], Any], which: str, reps: int) -> dict[str, Any]:
    """10 orders through created → processing → completed, in three batches, at CALL_LATENCY_S a call.

    Returns the billed milliseconds (median per batch, summed), the capacity used, the SNS
    requests and the log bytes: what the cost model needs.
    """
    from orders_shared.events import OrderStatus, dumps, envelope_for, order_created, order_status_changed

    capacity = Capacity(stack)
    durations: list[list[float]] = [[], [], []]
    log_bytes = 0
    for rep in range(reps):
        stack.reset_tables()
        ids = [str(uuid.uuid4()) for _ in range(10)]
        waves = [
            [order_created(order_id, "customer-00042", Decimal("129.99")) for order_id in ids],
            [order_status_changed(order_id, OrderStatus.PROCESSING) for order_id in ids],
            [order_status_changed(order_id, OrderStatus.COMPLETED) for order_id in ids],
        ]
        for number, wave in enumerate(waves):
            event = sqs_event([dumps(envelope_for(item, account=ACCOUNT)) for item in wave])
            first = rep == 0
            capacity.active = first
            sink_before = stack.sink.bytes
            with stack.calls.delayed(CALL_LATENCY_S):
                started = time.perf_counter()
                response = invoke(event)
                durations[number].append((time.perf_counter() - started) * 1000)
            capacity.active = False
            if first:
                log_bytes += stack.sink.bytes - sink_before
            _check(which, response)
        if rep == 0 and which == "ours":
            _reduce_counted(stack, capacity)
    stack.calls.observers.remove(capacity._on_params)
    billed = sum(math.ceil(median(wave)) for wave in durations)
    return {
        "orders": 10,
        "billed_ms": billed,
        "batch_ms": [round(median(wave), 1) for wave in durations],
        "wru": capacity.wru,
        "rru": capacity.rru,
        "sns_requests": capacity.sns_requests,
        "log_bytes": log_bytes,
        "reducer_per_run": capacity.reducer_run,
    }


def measure(stack: MotoStack, which: str, runs: dict[int, int]) -> dict[str, Any]:
    """Every in-process figure of one processor."""
    invoke = stack.load(which)
    _check(which, invoke(sqs_event(created_bodies(10))))  # warm: the first batch is the cold start's
    result: dict[str, Any] = {"calls": calls_per_order(stack, invoke, which)}
    result["log_bytes_per_event"] = log_bytes_per_event(stack, invoke, which)
    result["latency"] = {str(size): batch_latency(stack, invoke, which, size, runs[size]) for size in BATCH_SIZES}
    result["latency_additive_10"] = batch_latency(stack, invoke, which, 10, runs[10], additive=True)
    result["lifecycle"] = lifecycle(stack, invoke, which, reps=max(3, runs[10] // 3))
    return result
