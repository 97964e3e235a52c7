"""What the repository tests share: fixed ids and times, decided changes, views of what DynamoDB holds or is sent."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from decimal import Decimal
from typing import Any

from botocore.stub import Stubber

from order_processor.decision import decide
from order_processor.model import Change, OrderState
from orders_shared.event_store import head_events
from orders_shared.events import NewEvent, OrderEvent, OrderStatus, order_created
from orders_shared.ledger import reduce_ledgers
from tests.support.aws import record_requests

Parse = Callable[[NewEvent], OrderEvent]
ORDER_ID = "6f1c2b7e-3d4a-4f5b-8c9d-0e1f2a3b4c5d"
OTHER_ORDER_ID = "0b7a6c5d-4e3f-4a2b-9c1d-8e7f6a5b4c3d"
EVENT_ID = "c3d2e1f0-a9b8-4c7d-8e6f-5a4b3c2d1e0f"
NOW = "2026-11-26T10:00:05.000Z"
OCCURRED_AT = "2026-11-26T10:00:00.123Z"
SHARD = 7


def change_of(parsed: Parse, event: NewEvent, state: OrderState | None) -> Change:
    decision = decide(parsed(event), state)
    assert isinstance(decision, Change)
    return decision


def pending(version: int = 1, created_at: str | None = None) -> OrderState:
    return OrderState(ORDER_ID, OrderStatus.PENDING, version, "cust-42", Decimal("129.99"), created_at)


def snapshot(client: Any) -> dict[str, list[dict[str, Any]]]:
    """Every item of both tables, sorted, to compare before and after."""
    return {
        table: sorted(client.scan(TableName=table, ConsistentRead=True)["Items"], key=repr)
        for table in ("Orders", "EventStore")
    }


def committed_state(client: Any) -> dict[str, list[dict[str, Any]]]:
    """What a commit changes for readers: the heads (with their projection), the counters once the
    ledgers are reduced, and the event items a head lists or that record an ignored event.

    Left out: the ledgers (a record of attempts: a move no head names is never counted) and
    uncommitted claims (an applied event's item no head lists: part of no stream, taken over by the
    event's retry).
    """
    reduce_ledgers(client, "EventStore", "Orders", settle_s=0)
    tables = snapshot(client)
    listed = {event_id for item in tables["Orders"] for event_id in head_events(item)}
    events = [
        item
        for item in tables["EventStore"]
        if item["streamId"]["S"].startswith("event#")
        and (item.get("outcome", {}).get("S") != "applied" or item["streamId"]["S"][len("event#") :] in listed)
    ]
    return {"Orders": tables["Orders"], "EventStore": events}


def cancelled(stubber: Stubber, *codes: str) -> None:
    stubber.add_client_error(
        "transact_write_items",
        service_error_code="TransactionCanceledException",
        service_message="Transaction cancelled",
        modeled_fields={"CancellationReasons": [{"Code": code} for code in codes]},
    )


def new_orders(parsed: Parse, count: int) -> list[Change]:
    return [change_of(parsed, order_created(str(uuid.uuid4()), "cust-42", Decimal(count)), None) for _ in range(count)]


def count_transactions(client: Any) -> list[int]:
    """The number of actions of every TransactWriteItems the client sends from now on."""
    return record_requests(client, "dynamodb.TransactWriteItems", lambda params: len(params["TransactItems"]))
