"""DynamoDB items and write actions of the processor, as pure functions (no client, no clock).

The Orders table holds the projection (one item per order) and the status counter shards; the
EventStore table holds the streams (``streamId`` = order id, ``version`` 1, 2, ...) and the
idempotency markers (``streamId`` = ``event#<eventId>``, ``version`` 0).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from decimal import Decimal
from typing import TYPE_CHECKING

from order_processor.model import Change, OrderState, Outcome, Recorded
from orders_shared.counters import revenue_attribute, stats_key
from orders_shared.event_store import put_event_item
from orders_shared.events import OrderEvent, OrderStatus, content_digest
from orders_shared.projection import OrderView, projection_item
from orders_shared.upcasting import LEGACY_CURRENCY

if TYPE_CHECKING:
    from mypy_boto3_dynamodb.type_defs import AttributeValueTypeDef, TransactWriteItemTypeDef, UpdateTypeDef

type Item = dict[str, AttributeValueTypeDef]  # one DynamoDB item, attribute name -> typed value

# What the processor reads of a projection (not lastEventId, updatedAt, occurredAt).
STATE_PROJECTION = "orderId, #s, version, customerId, amount, createdAt, currency"
STATE_NAMES = {"#s": "status"}


def state_from_item(item: Mapping[str, AttributeValueTypeDef]) -> OrderState:
    """The OrderState of a projection item read with ``STATE_PROJECTION``."""
    return OrderState(
        order_id=item["orderId"]["S"],
        status=OrderStatus(item["status"]["S"]),
        version=int(item["version"]["N"]),
        customer_id=item["customerId"]["S"],
        amount=Decimal(item["amount"]["N"]),
        created_at=item["createdAt"]["S"] if "createdAt" in item else None,
        currency=item["currency"]["S"] if "currency" in item else LEGACY_CURRENCY,
    )


def marker_key(event_id: str) -> Item:
    """The EventStore key of an event id's idempotency marker."""
    return {"streamId": {"S": f"event#{event_id}"}, "version": {"N": "0"}}


def marker_put(
    table: str,
    event: OrderEvent,
    outcome: Outcome,
    now: str,
    *,
    reason: str | None = None,
    change: Change | None = None,
) -> TransactWriteItemTypeDef:
    """The conditional Put of an event's marker; a failed condition returns the old marker.

    The marker keeps what tells a redelivery from another event reusing the id (the content digest)
    and what a re-notification says (the move the event made), so that neither is taken from the
    incoming copy.
    """
    item: Item = {
        **marker_key(event.event_id),
        "outcome": {"S": str(outcome)},
        "orderId": {"S": event.order_id},
        "eventType": {"S": str(event.detail_type)},
        "digest": {"S": content_digest(event)},
        "recordedAt": {"S": now},
    }
    if reason is not None:
        item["reason"] = {"S": reason}
    if change is not None:
        item["status"] = {"S": str(change.new.status)}
        if change.previous is not None:
            item["previousStatus"] = {"S": str(change.previous.status)}
    return {
        "Put": {
            "TableName": table,
            "Item": item,
            "ConditionExpression": "attribute_not_exists(streamId)",
            "ReturnValuesOnConditionCheckFailure": "ALL_OLD",
        }
    }


def recorded_from_item(item: Mapping[str, AttributeValueTypeDef]) -> Recorded:
    """What a marker item holds (a marker written before digests has no digest nor statuses)."""

    def status(name: str) -> OrderStatus | None:
        return OrderStatus(item[name]["S"]) if name in item else None

    return Recorded(
        outcome=Outcome(item["outcome"]["S"]),
        order_id=item["orderId"]["S"],
        event_type=item["eventType"]["S"],
        digest=item["digest"]["S"] if "digest" in item else None,
        status=status("status"),
        previous_status=status("previousStatus"),
    )


def projection_write(table: str, change: Change, now: str) -> TransactWriteItemTypeDef:
    """The projection written whole, as the domain computed it, conditioned on the version read.

    A Put conditioned on the order being new, or on the version read: no attribute of an older
    shape survives, and a Put costs what an Update of the same item costs. An order read without
    its createdAt (stored by something else) is updated in place instead, so nothing of it is lost.
    """
    new, event, previous = change.new, change.event, change.previous
    if previous is not None and previous.created_at is None:
        return {"Update": _projection_update(table, change, previous, now)}
    view = OrderView(
        order_id=new.order_id,
        status=new.status,
        version=new.version,
        customer_id=new.customer_id,
        amount=new.amount,
        currency=new.currency,
        created_at=now if previous is None else str(previous.created_at),
        updated_at=now,
        last_event_id=event.event_id,
        occurred_at=event.metadata.occurred_at,
    )
    item = projection_item(view)  # the read side's fold gives back this very item from the stream
    if previous is None:
        return {"Put": {"TableName": table, "Item": item, "ConditionExpression": "attribute_not_exists(orderId)"}}
    return {
        "Put": {
            "TableName": table,
            "Item": item,
            "ConditionExpression": "version = :expected",
            "ExpressionAttributeValues": {":expected": {"N": str(previous.version)}},
        }
    }


def _projection_update(table: str, change: Change, previous: OrderState, now: str) -> UpdateTypeDef:
    new, event = change.new, change.event
    return {
        "TableName": table,
        "Key": {"orderId": {"S": new.order_id}},
        "UpdateExpression": "SET #s = :s, version = :v, lastEventId = :e, updatedAt = :u, occurredAt = :o",
        "ConditionExpression": "version = :expected",
        "ExpressionAttributeNames": {"#s": "status"},
        "ExpressionAttributeValues": {
            ":s": {"S": str(new.status)},
            ":v": {"N": str(new.version)},
            ":e": {"S": event.event_id},
            ":u": {"S": now},
            ":o": {"S": event.metadata.occurred_at},
            ":expected": {"N": str(previous.version)},
        },
    }


def change_writes(orders_table: str, events_table: str, change: Change, now: str) -> list[TransactWriteItemTypeDef]:
    """Projection, event-store entry and idempotency marker of one change (its counters apart), in that order."""
    return [
        projection_write(orders_table, change, now),
        put_event_item(events_table, change.new.order_id, change.new.version, change.event, now),
        marker_put(events_table, change.event, Outcome.APPLIED, now, change=change),
    ]


MARKER_POSITION = 2  # of a change's writes, the marker: its failed condition means "seen before"


def counters_update(table: str, changes: Sequence[Change], shard: int) -> TransactWriteItemTypeDef | None:
    """The counter moves of ``changes`` summed into one ADD on one shard, or None when they cancel out.

    A transaction may name an item once, so a group's moves go to one shard together: +1 to each
    new status, -1 to each previous one, and the amount of each completed order to the revenue in
    its currency (:func:`~orders_shared.counters.revenue_attribute`).
    """
    deltas: dict[str, int] = {}
    revenue: dict[str, Decimal] = {}
    for change in changes:
        deltas[str(change.new.status)] = deltas.get(str(change.new.status), 0) + 1
        if change.previous is not None:
            deltas[str(change.previous.status)] = deltas.get(str(change.previous.status), 0) - 1
        if change.new.status is OrderStatus.COMPLETED:
            attribute = revenue_attribute(change.new.currency)
            revenue[attribute] = revenue.get(attribute, Decimal(0)) + change.new.amount
    names: dict[str, str] = {}
    values: Item = {}
    adds: list[str] = []
    for position, (status, delta) in enumerate(sorted(deltas.items())):
        if delta:
            names[f"#s{position}"] = status
            values[f":d{position}"] = {"N": str(delta)}
            adds.append(f"#s{position} :d{position}")
    for position, (attribute, amount) in enumerate(sorted(revenue.items())):
        if amount:
            names[f"#r{position}"] = attribute
            values[f":r{position}"] = {"N": str(amount)}
            adds.append(f"#r{position} :r{position}")
    if not adds:
        return None
    update: UpdateTypeDef = {
        "TableName": table,
        "Key": {"orderId": {"S": stats_key(shard)}},
        "UpdateExpression": "ADD " + ", ".join(adds),
        "ExpressionAttributeValues": values,
    }
    if names:
        update["ExpressionAttributeNames"] = names
    return {"Update": update}
