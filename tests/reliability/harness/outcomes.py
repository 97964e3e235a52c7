"""What a run left behind, read back with clean clients (storage format 2), for the checks."""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from orders_shared.event_store import head_events
from orders_shared.events import OrderStatus
from tests.reliability.harness.delivery import Message
from tests.reliability.harness.stack import Note

if TYPE_CHECKING:
    from tests.reliability.harness.soak_run import SoakRun
    from tests.reliability.harness.stack import Stack


@dataclass
class Outcomes:
    """The state a run left in DynamoDB, what SNS accepted, and the two dead-letter queues."""

    statuses: dict[str, str]  # order id -> status
    projections: dict[str, dict[str, Any]]
    streams: dict[str, list[tuple[int, str]]]  # order id -> [(version, event id)] by version
    counters: Counter[str]
    notified: Counter[str] = field(default_factory=Counter)  # event id -> notifications SNS accepted
    rejected: list[dict[str, Any]] = field(default_factory=list)  # the processor's DLQ (moto), with attributes
    exhausted: list[Message] = field(default_factory=list)  # the simulator's DLQ (retries exhausted, parked)
    notes: Counter[Note] = field(default_factory=Counter)  # what each notification said
    lineages: dict[str, str] = field(default_factory=dict)  # the simulator's lineages (see Message) -> first body
    lineage_of: dict[str, str] = field(default_factory=dict)  # message id -> its lineage
    unreported_parks: Counter[str] = field(default_factory=Counter)  # message id -> parks whose answer was lost
    markers: dict[str, tuple[str, str]] = field(default_factory=dict)  # event id -> (order id, digest) it records
    data: dict[str, str] = field(default_factory=dict)  # event id -> the detail its stream entry stores
    faults: list[str] = field(default_factory=list)  # heads listing an event its item does not place there
    claims: list[str] = field(default_factory=list)  # applied event items no head lists: uncommitted claims


def read_state(stack: Stack) -> Outcomes:
    """The projections, streams and counters a stack's tables hold (nothing of SNS or the queues).

    Storage format 2: a stream is what its order's head lists (``events``), each listed event read
    from its item (``event#<id>``, version 0), at the version its item records (``position``): a
    listed event without an item, or at another position, shows as a stream that is not versions
    1..n. The counters are read after the commits' ledgers are reduced (settled at once: call this
    only once no applier runs any more).
    """
    stack.reduce()
    projections: dict[str, dict[str, Any]] = {}
    counters: Counter[str] = Counter()
    counted = [str(status) for status in OrderStatus]
    for item in stack.scan(stack.orders_table, ["orderId", "status", "version", "lastEventId", "events", *counted]):
        key = item["orderId"]["S"]
        if key.startswith("#stats#"):
            for name, value in item.items():
                if "N" in value:
                    counters[name] += int(Decimal(value["N"]))
        else:
            projections[key] = item
    items: dict[str, dict[str, Any]] = {}
    markers: dict[str, tuple[str, str]] = {}
    attributes = ["streamId", "orderId", "digest", "data", "position", "outcome"]
    for item in stack.scan(stack.events_table, attributes):
        stream = item["streamId"]["S"]
        if stream.startswith("event#"):
            event_id = stream.removeprefix("event#")
            items[event_id] = item
            markers[event_id] = (item["orderId"]["S"], item.get("digest", {}).get("S", ""))
    streams: dict[str, list[tuple[int, str]]] = {}
    data: dict[str, str] = {}
    faults: list[str] = []
    listed: set[str] = set()
    for order_id, head in projections.items():
        entries = []
        for event_id in head_events(head):
            listed.add(event_id)
            item = items.get(event_id)
            if item is None or "position" not in item or "data" not in item:
                faults.append(f"stream {order_id} lists event {event_id}, which has no applied event item")
                entries.append((0, event_id))
                continue
            if item["orderId"]["S"] != order_id:
                faults.append(f"stream {order_id} lists event {event_id}, whose item says order {item['orderId']['S']}")
            entries.append((int(item["position"]["N"]), event_id))
            data[event_id] = item["data"]["S"]
        if entries:
            streams[order_id] = entries
    claims = sorted(
        event_id
        for event_id, item in items.items()
        if item.get("outcome", {}).get("S") == "applied" and event_id not in listed
    )
    return Outcomes(
        statuses={order_id: item["status"]["S"] for order_id, item in projections.items()},
        projections=projections,
        streams={stream: sorted(entries) for stream, entries in streams.items()},
        counters=counters,
        markers=markers,
        data=data,
        faults=faults,
        claims=claims,
    )


def collect(run: SoakRun) -> Outcomes:
    """Read everything back with clean clients."""
    outcomes = read_state(run.stack)
    outcomes.notified = Counter(run.stack.recorder.notified)
    outcomes.rejected = run.stack.drain(run.stack.dlq_url)
    outcomes.exhausted = list(run.queue.dead_letters)
    outcomes.notes = Counter(run.stack.recorder.contents)
    outcomes.lineages = dict(run.queue.lineages)
    outcomes.lineage_of = dict(run.queue.lineage_of)
    outcomes.unreported_parks = unreported_parks(run.injector.answers_lost)
    return outcomes


def unreported_parks(answers_lost: Sequence[tuple[str, Any, dict[str, Any]]]) -> Counter[str]:
    """Parks the processor could not know of: SendMessageBatch entries SQS took, whose answer was lost.

    Such a record is retried, rejected again and parked again: at least once, as SQS allows.
    """
    parks: Counter[str] = Counter()
    for operation, body, answer in answers_lost:
        if operation != "SendMessageBatch":
            continue
        entries = {entry["Id"]: entry for entry in json.loads(body)["Entries"]}
        for success in answer.get("Successful", []):
            parks[entries[success["Id"]]["MessageAttributes"]["originalMessageId"]["StringValue"]] += 1
    return parks
