"""Candidate storage designs, measured: write units, read units, calls and latency per batch on moto.

Each design is the sequence of DynamoDB and SNS calls it makes for one batch of 10 events of 10
different orders, built from the processor's real item builders (``order_processor.items``,
``orders_shared.event_store``) so that the items have the sizes the processor writes. A lifecycle
(creation, processing, completion: three batches) runs on moto, each call lasting 15 ms as in the
batch-latency rows, and the capacity it uses is counted from the requests with DynamoDB's billing
rules: a write unit per KB of item, twice that inside a transaction, one more write for each item a
global secondary index receives (the StreamsIndex entry of a stream's first event); a consistent
read unit per 4 KB. moto does not bill, so the counts come from the requests, by the same rules as
the main cost line (``billing.py``). The calls of a round run concurrently on 16 threads (the
processor's pool); rounds follow one another.

What each design guarantees is not measured here: it is stated beside it (``Design.guarantees``) and
argued in ``docs/decisions.md`` (2026-11-30, the storage cost study).

Run alone (15 s): ``PYTHONPATH=layers/shared/python:functions/order_processor:bench:. .venv/bin/python
bench/designs.py``; ``make bench`` prints the same table after its own.
"""

from __future__ import annotations

import math
import sys
import time
import uuid
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, replace
from decimal import Decimal
from pathlib import Path
from typing import Any

sys.path[:0] = [str(Path(__file__).resolve().parent)]  # run alone: its sibling modules

from billing import read_units, write_units  # noqa: E402
from harness import ACCOUNT, median  # noqa: E402

WAVES = 3  # created, processing, completed
ORDERS = 10  # one batch of 10 events, each of another order
CALL_LATENCY_S = 0.015
OPERATIONS = {  # client method -> the API operation billing.py prices
    "put_item": "PutItem",
    "update_item": "UpdateItem",
    "transact_write_items": "TransactWriteItems",
    "batch_get_item": "BatchGetItem",
    "batch_execute_statement": "BatchExecuteStatement",
}

type Call = tuple[str, dict[str, Any]]  # client method name, parameters
type Round = list[Call]  # calls made concurrently; rounds follow one another


@dataclass(frozen=True)
class Design:
    """A way to store what a batch of events does, and what it keeps true."""

    key: str
    name: str
    rounds: Callable[[Any, int], list[Round]]  # (Wave, wave number) -> the batch's calls
    guarantees: str
    background: Callable[[Any], list[Call]] | None = None  # derived work done apart (per batch here)


# --- items, from the processor's own builders -------------------------------------------------------


@dataclass
class Wave:
    """One batch: its events, the changes they make and the tables' names."""

    orders_table: str
    events_table: str
    events: list[Any]  # OrderEvent
    changes: list[Any]  # Change
    now: str
    ledger: str = "00:1"  # the id of the batch's commit ledger (format 2)


def _marker(wave: Wave, index: int) -> dict[str, Any]:
    """Format 1's idempotency marker: the id's outcome, order, type, digest and move."""
    from order_processor.model import Outcome
    from orders_shared.event_store import event_key
    from orders_shared.events import content_digest

    change, event = wave.changes[index], wave.events[index]
    item = {
        **event_key(event.event_id),
        "outcome": {"S": str(Outcome.APPLIED)},
        "orderId": {"S": event.order_id},
        "eventType": {"S": str(event.detail_type)},
        "digest": {"S": content_digest(event)},
        "recordedAt": {"S": wave.now},
        "status": {"S": str(change.new.status)},
    }
    if change.previous is not None:
        item["previousStatus"] = {"S": str(change.previous.status)}
    return {"TableName": wave.events_table, "Item": item, "ConditionExpression": "attribute_not_exists(streamId)"}


def _stream_entry(wave: Wave, index: int) -> dict[str, Any]:
    """Format 1's stream entry at (order, version); a stream's first one carries its index shard."""
    from orders_shared.event_store import stream_shard
    from orders_shared.events import dumps

    change, event = wave.changes[index], wave.events[index]
    item = {
        "streamId": {"S": change.new.order_id},
        "version": {"N": str(change.new.version)},
        "eventId": {"S": event.event_id},
        "eventType": {"S": str(event.detail_type)},
        "data": {"S": dumps(event.detail)},
        "recordedAt": {"S": wave.now},
    }
    if change.new.version == 1:
        item["streamShard"] = {"S": stream_shard(change.new.order_id)}
    return {"TableName": wave.events_table, "Item": item, "ConditionExpression": "attribute_not_exists(streamId)"}


def _projection(wave: Wave, index: int) -> dict[str, Any]:
    """Format 1's projection, written whole (the fold's item)."""
    from order_processor.items import view_of
    from orders_shared.projection import projection_item

    return {"TableName": wave.orders_table, "Item": projection_item(view_of(wave.changes[index], wave.now))}


def _claim(wave: Wave, index: int) -> dict[str, Any]:
    """Format 2's event item (the processor's own builder): the id's marker, holding the event."""
    from order_processor.items import claim_put

    return dict(claim_put(wave.events_table, wave.changes[index], wave.now, wave.ledger))


def moves_of(changes: Sequence[Any]) -> list[Any]:
    """The moves of a batch's changes (the processor's own function)."""
    from order_processor.items import moves_of as processor_moves

    return processor_moves(changes)


def _head(wave: Wave, index: int) -> dict[str, Any]:
    """Format 2's head (the processor's own builder), as a transaction action: ``Put`` for a new order."""
    from order_processor.items import head_write

    return dict(head_write(wave.orders_table, wave.changes[index], wave.now, wave.ledger))


def _head_call(wave: Wave, index: int) -> Call:
    ((kind, action),) = _head(wave, index).items()
    return ("put_item" if kind == "Put" else "update_item", action)


def _counters(wave: Wave) -> dict[str, Any]:
    from orders_shared.counters import counter_update
    from orders_shared.ledger import Deltas

    deltas = Deltas()
    for move in moves_of(wave.changes):
        deltas.add(move, wave.changes[0].new.amount, wave.changes[0].new.currency)
    update = counter_update(wave.orders_table, 0, deltas.counts, deltas.revenues)
    assert update is not None
    return dict(update)


def _ledger(wave: Wave) -> dict[str, Any]:
    """Format 2's ledger of a commit (the layer's own builder): what its changes move, for the counters."""
    from orders_shared.ledger import Ledger, ledger_put

    ledger = Ledger(int(wave.ledger.split(":")[0]), int(wave.ledger.split(":")[1]))
    return dict(ledger_put(wave.events_table, ledger, moves_of(wave.changes), wave.now, time.time()))


def _loads(wave: Wave, number: int) -> Round:
    if number == 0:  # creations are written without a read (conditioned on the order being new)
        return []
    keys = [{"orderId": {"S": change.new.order_id}} for change in wave.changes]
    return [("batch_get_item", {"RequestItems": {wave.orders_table: {"Keys": keys, "ConsistentRead": True}}})]


def _publish(wave: Wave) -> Call:
    entries = [{"Id": str(n), "Message": "{}"} for n in range(len(wave.changes))]
    return ("publish_batch", {"TopicArn": "", "PublishBatchRequestEntries": entries})


def _puts(builder: Callable[[Wave, int], dict[str, Any]], wave: Wave) -> Round:
    return [("put_item", builder(wave, index)) for index in range(len(wave.changes))]


def _transaction(*actions: Sequence[dict[str, Any]]) -> Call:
    return ("transact_write_items", {"TransactItems": [action for group in actions for action in group]})


def _with_reads(wave: Wave, number: int, *rounds: Round) -> list[Round]:
    loads = _loads(wave, number)
    return [round_ for round_ in ([loads] if loads else []) + list(rounds) if round_]


# --- the designs ---------------------------------------------------------------------------------------


def _current(wave: Wave, number: int) -> list[Round]:
    actions = []
    for index in range(len(wave.changes)):
        actions += [
            {"Put": _projection(wave, index)},
            {"Put": _stream_entry(wave, index)},
            {"Put": _marker(wave, index)},
        ]
    return _with_reads(wave, number, [_transaction(actions, [{"Update": _counters(wave)}])], [_publish(wave)])


def _marker_first(wave: Wave, number: int) -> list[Round]:
    actions = []
    for index in range(len(wave.changes)):
        actions += [{"Put": _projection(wave, index)}, {"Put": _stream_entry(wave, index)}]
    return _with_reads(
        wave, number, _puts(_marker, wave), [_transaction(actions, [{"Update": _counters(wave)}])], [_publish(wave)]
    )


def _append_first(wave: Wave, number: int) -> list[Round]:
    projections = [{"Put": _projection(wave, index)} for index in range(len(wave.changes))]
    return _with_reads(
        wave,
        number,
        _puts(_marker, wave),
        _puts(_stream_entry, wave),
        # The stream entry is the commit point: the projection and counters roll forward from it.
        [_transaction(projections, [{"Update": _counters(wave)}]), _publish(wave)],
    )


def _three_puts_ledger(wave: Wave, number: int) -> list[Round]:
    return _with_reads(
        wave,
        number,
        [("put_item", _ledger(wave)), *_puts(_marker, wave)],
        _puts(_stream_entry, wave),
        [*_puts(_projection, wave), _publish(wave)],
    )


def _claim_head_transaction(wave: Wave, number: int) -> list[Round]:
    heads = [_head(wave, index) for index in range(len(wave.changes))]
    return _with_reads(
        wave, number, _puts(_claim, wave), [_transaction(heads, [{"Update": _counters(wave)}])], [_publish(wave)]
    )


def _claim_head_ledger(wave: Wave, number: int) -> list[Round]:
    return _with_reads(
        wave,
        number,
        [("put_item", _ledger(wave)), *_puts(_claim, wave)],
        [*[_head_call(wave, index) for index in range(len(wave.changes))], _publish(wave)],
    )


def _claim_head_ledger_statements(wave: Wave, number: int) -> list[Round]:
    # F's items, each with its own condition, in two BatchExecuteStatement requests (the processor's
    # own statement builders): the ledger and the claims, then the heads; the notification after.
    from order_processor.items import head_statement
    from order_processor.statements import insert

    claims = [insert(wave.events_table, _claim(wave, index)["Item"]) for index in range(len(wave.changes))]
    heads = [head_statement(wave.orders_table, change, wave.now, wave.ledger) for change in wave.changes]
    return _with_reads(
        wave,
        number,
        [("batch_execute_statement", {"Statements": [insert(wave.events_table, _ledger(wave)["Item"]), *claims]})],
        [("batch_execute_statement", {"Statements": heads})],
        [_publish(wave)],
    )


def _reducer(wave: Wave) -> list[Call]:
    # Reads the heads its ledger names, consistently (a head not yet showing a move is not counted).
    # Its one write, the counters' ADD with its checkpoint in a transaction (4 WU), is made once a
    # minute per ledger shard over every batch since, not per batch: 4 WU a minute is 0.0002 WU an
    # event at 100 orders/s, so it is left out of the per-event figures (and said so in the table).
    keys = [{"orderId": {"S": change.new.order_id}} for change in wave.changes]
    return [("batch_get_item", {"RequestItems": {wave.orders_table: {"Keys": keys, "ConsistentRead": True}}})]


def _naive(wave: Wave, number: int) -> list[Round]:
    # The seed's handler: per record, an UpdateItem then a Publish, one record after another.
    rounds: list[Round] = []
    for change in wave.changes:
        key = {"orderId": {"S": change.new.order_id}}
        update = {
            "TableName": wave.orders_table,
            "Key": key,
            "UpdateExpression": "SET #s = :s, updatedAt = :u",
            "ExpressionAttributeNames": {"#s": "status"},
            "ExpressionAttributeValues": {":s": {"S": str(change.new.status)}, ":u": {"S": wave.now}},
        }
        rounds += [[("update_item", update)], [("publish", {"TopicArn": "", "Message": "{}"})]]
    return rounds


EXACT = "each event applied once (conditions), gapless streams, an event id claimed once across orders"
DESIGNS = (
    Design(
        "A",
        "today: one transaction (projection, stream entry, marker) + counter shard",
        _current,
        f"{EXACT}; counters exact at every instant (same transaction)",
    ),
    Design(
        "B",
        "marker first, then transaction (projection, stream entry) + counter",
        _marker_first,
        f"{EXACT}; counters exact at every instant",
    ),
    Design(
        "C",
        "marker, stream append (commit point), then transaction (projection + counter)",
        _append_first,
        f"{EXACT}; projection and counters roll forward from the stream, exact once rolled",
    ),
    Design(
        "D",
        "marker, stream append, projection: three Puts; counters from a per-batch ledger",
        _three_puts_ledger,
        f"{EXACT}; counters derived by a reducer, exact once it has run (lag: a function timeout + a minute)",
        _reducer,
    ),
    Design(
        "E",
        "claim (marker holding the event), then transaction (head with the stream's ids + counter)",
        _claim_head_transaction,
        "as A, the stream's order kept on its head (the projection); streams listed from the heads",
    ),
    Design(
        "F",
        "claim (marker holding the event), head with the stream's ids: two Puts; ledger counters",
        _claim_head_ledger,
        "as E for events and streams; counters derived as in D",
        _reducer,
    ),
    Design(
        "G",
        "F's items in two PartiQL BatchExecuteStatement requests (claims + ledger, then heads)",
        _claim_head_ledger_statements,
        "as F: each statement keeps its own condition and bills as its single-item write",
        _reducer,
    ),
    Design(
        "naive",
        "the seed's handler: UpdateItem + Publish per record",
        _naive,
        "none: no idempotency, no event store, no counters; a redelivery applies and notifies again",
    ),
)


# --- running and counting ----------------------------------------------------------------------------


@dataclass
class Usage:
    """Capacity and calls counted from requests (DynamoDB's billing rules, see the module)."""

    wru: float = 0.0
    rru: float = 0.0
    sns: int = 0
    calls: int = 0

    def add(self, method: str, params: dict[str, Any]) -> None:
        self.calls += 1
        operation = OPERATIONS.get(method, "")
        self.wru += write_units(operation, params)
        self.rru += read_units(operation, params)
        if method in {"publish", "publish_batch"}:
            self.sns += 1


def _lifecycle_waves(orders_table: str, events_table: str) -> list[Wave]:
    from order_processor.decision import decide
    from order_processor.model import Change
    from orders_shared.events import (
        OrderStatus,
        dumps,
        envelope_for,
        order_created,
        order_status_changed,
        parse_sqs_body,
        utc_now_iso,
    )

    ids = [str(uuid.uuid4()) for _ in range(ORDERS)]
    builders = [
        lambda order_id: order_created(order_id, "customer-00042", Decimal("129.99")),
        lambda order_id: order_status_changed(order_id, OrderStatus.PROCESSING),
        lambda order_id: order_status_changed(order_id, OrderStatus.COMPLETED),
    ]
    states: dict[str, Any] = {}
    waves = []
    for number, build in enumerate(builders):
        now = utc_now_iso()
        events = [parse_sqs_body(dumps(envelope_for(build(order_id), account=ACCOUNT))) for order_id in ids]
        changes = []
        for event in events:
            decision = decide(event, states.get(event.order_id))
            assert isinstance(decision, Change), decision
            if decision.previous is None:  # as the processor keeps it: the creation time on the projection
                decision = replace(decision, new=replace(decision.new, created_at=now))
            changes.append(decision)
        ledger = f"{number:02d}:{int(time.time() * 1e9)}"
        waves.append(Wave(orders_table, events_table, events, changes, now, ledger))
        for event, change in zip(events, changes, strict=True):
            states[event.order_id] = change.new
    return waves


def _call(clients: dict[str, Any], method: str, params: dict[str, Any]) -> None:
    client = clients["sns"] if method.startswith("publish") else clients["dynamodb"]
    if method.startswith("publish"):
        params = {**params, "TopicArn": clients["topic_arn"]}
    getattr(client, method)(**params)


def measure_design(
    stack: Any, clients: dict[str, Any], design: Design, reps: int, pool: ThreadPoolExecutor
) -> dict[str, Any]:
    """One design's capacity per event and its median batch times over ``reps`` lifecycles."""
    from tests.support.tables import EVENTS_TABLE, ORDERS_TABLE

    durations: list[list[float]] = [[] for _ in range(WAVES)]
    usage, background = Usage(), Usage()
    for rep in range(reps):
        stack.reset_tables()
        for number, wave in enumerate(_lifecycle_waves(ORDERS_TABLE, EVENTS_TABLE)):
            rounds = design.rounds(wave, number)
            with stack.calls.delayed(CALL_LATENCY_S):
                started = time.perf_counter()
                for round_ in rounds:
                    list(pool.map(lambda call: _call(clients, *call), round_))
                durations[number].append((time.perf_counter() - started) * 1000)
            extra = design.background(wave) if design.background else []
            for method, params in extra:
                _call(clients, method, params)
            if rep == 0:
                for round_ in rounds:
                    for method, params in round_:
                        usage.add(method, params)
                for method, params in extra:
                    background.add(method, params)
    events = WAVES * ORDERS
    return {
        "name": design.name,
        "guarantees": design.guarantees,
        "wru_per_event": (usage.wru + background.wru) / events,
        "rru_per_event": (usage.rru + background.rru) / events,
        "calls_per_batch": (usage.calls + background.calls) / WAVES,
        "batch_ms": [round(median(wave), 1) for wave in durations],
        "lifecycle": {
            "orders": ORDERS,
            "billed_ms": sum(math.ceil(median(wave)) for wave in durations),
            "wru": usage.wru + background.wru,
            "rru": usage.rru + background.rru,
            "sns_requests": usage.sns,
            "log_bytes": 0,
        },
    }


def measure(reps: int = 3) -> dict[str, Any]:
    """Every design, on one moto stack, with the cost per million orders of each (bench/cost.py)."""
    import boto3
    from cost import per_million_orders
    from harness import REGION, moto_stack

    results: dict[str, Any] = {}
    with moto_stack() as stack, ThreadPoolExecutor(max_workers=16) as pool:  # the processor's pool size
        clients = {
            "dynamodb": stack.dynamodb,
            "sns": boto3.client("sns", region_name=REGION),
            "topic_arn": stack.topic_arn,
        }
        for design in DESIGNS:
            measured = measure_design(stack, clients, design, reps, pool)
            measured["cost"] = per_million_orders(measured["lifecycle"])
            results[design.key] = measured
    naive = results["naive"]["cost"]["total"]
    for measured in results.values():
        measured["cost_vs_naive"] = measured["cost"]["total"] / naive
    return results


def render(results: dict[str, Any]) -> str:
    """The designs as a markdown table."""
    lines = [
        "| design | WU/event | RU/event | calls/batch | batch ms (created, paid, completed) "
        "| $/M orders | vs naive | guarantees |",
        "|---|---|---|---|---|---|---|---|",
    ]
    for key, measured in results.items():
        lines.append(
            f"| {key}: {measured['name']} | {measured['wru_per_event']:.2f} | {measured['rru_per_event']:.2f} "
            f"| {measured['calls_per_batch']:.1f} | {' / '.join(f'{ms:.0f}' for ms in measured['batch_ms'])} "
            f"| {measured['cost']['total']:.2f} | {measured['cost_vs_naive']:.2f}x | {measured['guarantees']} |"
        )
    return "\n".join(lines)


if __name__ == "__main__":
    print(render(measure()))
