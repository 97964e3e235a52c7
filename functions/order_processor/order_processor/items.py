"""DynamoDB items and write actions of the processor, as pure functions (no client, no clock).

Storage format 2 (:mod:`orders_shared.event_store`): the EventStore table holds one item per event
id (``streamId`` = ``event#<eventId>``, ``version`` 0): the event and its place in its stream for an
applied event, the reason for an ignored one; either way the id's idempotency marker. The Orders
table holds each order's head (its stream's event ids, and the projection) and the counter shards,
which the ledger's reducer moves (:mod:`orders_shared.ledger`).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from decimal import Decimal
from typing import TYPE_CHECKING

from order_processor.model import Change, OrderState, Outcome, Recorded
from order_processor.statements import head_append, insert
from orders_shared.event_store import EVENTS, LEDGERS, event_item, event_key, head_update
from orders_shared.events import OrderEvent, OrderStatus, content_digest
from orders_shared.ledger import Move
from orders_shared.projection import OrderView, projection_item
from orders_shared.upcasting import LEGACY_CURRENCY

if TYPE_CHECKING:
    from mypy_boto3_dynamodb.type_defs import (
        AttributeValueTypeDef,
        BatchStatementRequestTypeDef,
        PutTypeDef,
        TransactWriteItemTypeDef,
    )

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
    """The EventStore key of an event id's item: the event itself once claimed, and its idempotency marker."""
    return event_key(event_id)


def _marker_attributes(event: OrderEvent, outcome: Outcome, now: str) -> Item:
    return {
        **event_key(event.event_id),
        "outcome": {"S": str(outcome)},
        "orderId": {"S": event.order_id},
        "eventType": {"S": str(event.detail_type)},
        "digest": {"S": content_digest(event)},
        "recordedAt": {"S": now},
    }


def claim_item(change: Change, now: str, ledger: str) -> Item:
    """An applied event's item: the event, its place in the stream, the move it makes.

    Written only if the id is free, it claims the event id and stores the event; the event joins
    its stream when the head lists it (:func:`head_statement`). The item keeps what tells a
    redelivery from another event reusing the id (the content digest) and what a re-notification
    says (the move), so that neither is taken from the incoming copy.
    """
    event = change.event
    item: Item = {
        **event_item(change.new.order_id, change.new.version, event, now, ledger),
        **_marker_attributes(event, Outcome.APPLIED, now),
        "status": {"S": str(change.new.status)},
    }
    if change.previous is not None:
        item["previousStatus"] = {"S": str(change.previous.status)}
    return item


def claim_put(table: str, change: Change, now: str, ledger: str) -> PutTypeDef:
    """The conditional Put of :func:`claim_item`: refused, returning the item, when the id was claimed before."""
    return {
        "TableName": table,
        "Item": claim_item(change, now, ledger),
        "ConditionExpression": "attribute_not_exists(streamId)",
        "ReturnValuesOnConditionCheckFailure": "ALL_OLD",
    }


def claim_overwrite(table: str, change: Change, now: str, ledger: str, seen_ledger: str) -> PutTypeDef:
    """The Put that takes over an uncommitted claim of the same event, if nobody moved it since it was read."""
    put = claim_put(table, change, now, ledger)
    put["ConditionExpression"] = "#ledger = :seen"
    put["ExpressionAttributeNames"] = {"#ledger": "ledger"}
    put["ExpressionAttributeValues"] = {":seen": {"S": seen_ledger}}
    return put


def ignored_put(table: str, event: OrderEvent, reason: str, now: str, seen_ledger: str | None = None) -> PutTypeDef:
    """The marker of an event that changes nothing, with the reason: refused if the id was claimed before.

    With ``seen_ledger``, it replaces an uncommitted claim of the same event instead, if nobody moved
    that claim since it was read.
    """
    put: PutTypeDef = {
        "TableName": table,
        "Item": {**_marker_attributes(event, Outcome.IGNORED, now), "reason": {"S": reason}},
        "ConditionExpression": "attribute_not_exists(streamId)",
        "ReturnValuesOnConditionCheckFailure": "ALL_OLD",
    }
    if seen_ledger is not None:
        put["ConditionExpression"] = "#ledger = :seen"
        put["ExpressionAttributeNames"] = {"#ledger": "ledger"}
        put["ExpressionAttributeValues"] = {":seen": {"S": seen_ledger}}
    return put


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


def view_of(change: Change, now: str) -> OrderView:
    """The projection of the order a change leaves, committed at ``now``.

    Parameters
    ----------
    change : Change
        The new state and the event that made it.
    now : str
        The commit's timestamp: the order's ``updatedAt``, and its ``createdAt`` when it is new (or
        was stored before creation times were kept); otherwise the creation time read is kept.

    Returns
    -------
    OrderView
        What the read side's fold of the order's stream gives back.
    """
    new, event, previous = change.new, change.event, change.previous
    return OrderView(
        order_id=new.order_id,
        status=new.status,
        version=new.version,
        customer_id=new.customer_id,
        amount=new.amount,
        currency=new.currency,
        created_at=now if previous is None or previous.created_at is None else str(previous.created_at),
        updated_at=now,
        last_event_id=event.event_id,
        occurred_at=event.metadata.occurred_at,
    )


MOVING = ("status", "lastEventId", "updatedAt", "occurredAt")  # what a change after the creation sets


def head_write(table: str, change: Change, now: str, ledger: str) -> TransactWriteItemTypeDef:
    """The commit of a change, as a transaction action (``Put`` or ``Update``): its order's head
    appends the event and holds the new projection.

    A new order's head is a Put conditioned on the order being new: the projection whole, as the
    domain computed it (the read side's fold gives back these very attributes from the stream), and
    the stream of one event. A later change is an UpdateItem conditioned on the version read: it
    appends the event and sets the attributes that move (status, last event, times), the others
    being the creation's and never changing. :func:`head_statement` is the same write in PartiQL.
    """
    new, event, previous = change.new, change.event, change.previous
    state = projection_item(view_of(change, now))
    if previous is None:
        item = _new_head(state, event.event_id, ledger)
        return {"Put": {"TableName": table, "Item": item, "ConditionExpression": "attribute_not_exists(orderId)"}}
    moving = {name: state[name] for name in MOVING}
    return {"Update": head_update(table, new.order_id, previous.version, [event.event_id], ledger=ledger, state=moving)}


def head_statement(table: str, change: Change, now: str, ledger: str) -> BatchStatementRequestTypeDef:
    """:func:`head_write` as a PartiQL statement: an ``INSERT`` of a new order's head, or an
    ``UPDATE`` of a later change's, conditioned on the version read."""
    new, event, previous = change.new, change.event, change.previous
    state = projection_item(view_of(change, now))
    if previous is None:
        return insert(table, _new_head(state, event.event_id, ledger))
    moving = {name: state[name] for name in MOVING}
    return head_append(
        table, new.order_id, expected_version=previous.version, event_id=event.event_id, ledger=ledger, state=moving
    )


def _new_head(state: Item, event_id: str, ledger: str) -> Item:
    return {**state, EVENTS: {"L": [{"S": event_id}]}, LEDGERS: {"L": [{"S": ledger}]}}


def moves_of(changes: Sequence[Change]) -> list[Move]:
    """What the changes move, for their commit's ledger (the counters are derived from it)."""
    return [
        Move(
            order_id=change.new.order_id,
            position=change.new.version,
            previous=change.previous.status if change.previous is not None else None,
            status=change.new.status,
        )
        for change in changes
    ]
