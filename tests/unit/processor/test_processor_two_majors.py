"""OrderCreated 1.x and 2.x side by side: the same kind of order ends in the same state, currencies kept apart."""

from __future__ import annotations

import json
from collections.abc import Callable
from decimal import Decimal
from typing import Any

from order_processor.decision import decide
from order_processor.items import head_write, state_from_item
from order_processor.model import Change, OrderState
from orders_shared.events import Money, NewEvent, OrderEvent, OrderStatus, order_created
from orders_shared.ledger import Deltas, Move
from tests.support.tables import read_stream

Parse = Callable[[NewEvent], OrderEvent]
ORDER_ID = "6f1c2b7e-3d4a-4f5b-8c9d-0e1f2a3b4c5d"
NOW = "2026-11-26T10:00:05.000Z"


def created(parsed: Parse, amount: Money | Decimal) -> Change:
    decision = decide(parsed(order_created(ORDER_ID, "cust-42", amount)), None)
    assert isinstance(decision, Change)
    return decision


def test_decide_creates_the_same_order_from_a_1_0_and_a_2_0_event(parsed: Parse) -> None:
    # GIVEN the same order created by a 1.0 producer (129.99, USD implied) and a 2.0 one (129.99 USD)
    # WHEN each is decided
    old, new = created(parsed, Decimal("129.99")), created(parsed, Money(Decimal("129.99"), "USD"))
    # THEN both create the same state
    assert old.new == new.new == OrderState(ORDER_ID, OrderStatus.PENDING, 1, "cust-42", Decimal("129.99"))
    assert old.new.currency == "USD"


def test_decide_keeps_the_currency_of_a_2_0_order(parsed: Parse) -> None:
    # GIVEN an order created in EUR
    # WHEN it is decided
    change = created(parsed, Money(Decimal("80.50"), "EUR"))
    # THEN the state carries the amount and its currency, and so does the projection written
    assert (change.new.amount, change.new.currency) == (Decimal("80.50"), "EUR")
    update: Any = head_write("Orders", change, NOW, "00:1")
    names, values = update["ExpressionAttributeNames"], update["ExpressionAttributeValues"]
    item = {names[key.replace(":", "#")]: value for key, value in values.items() if key.startswith(":a")}
    item.update(orderId={"S": ORDER_ID}, version=values[":version"])
    assert (item["amount"], item["currency"]) == ({"N": "80.50"}, {"S": "EUR"})
    assert state_from_item(item).currency == "EUR"


def test_state_from_item_reads_an_order_stored_before_currencies_as_usd() -> None:
    # GIVEN a projection item written before the currency was stored
    item: Any = {
        "orderId": {"S": ORDER_ID},
        "status": {"S": "pending"},
        "version": {"N": "1"},
        "customerId": {"S": "c"},
        "amount": {"N": "5"},
    }
    # WHEN it is read
    # THEN its amount is in USD, the only currency of 1.x
    assert state_from_item(item).currency == "USD"


def test_counter_deltas_keep_revenue_per_currency(parsed: Parse) -> None:
    # GIVEN two orders completing, one in USD and one in EUR
    deltas = Deltas()
    for money in (Money(Decimal("10"), "USD"), Money(Decimal("7.5"), "EUR")):
        state = created(parsed, money).new
        # WHEN their committed moves are counted
        deltas.add(Move(ORDER_ID, 3, OrderStatus.PROCESSING, OrderStatus.COMPLETED), state.amount, state.currency)
    # THEN USD goes to revenue and EUR to revenue_EUR: two currencies are never added up
    assert deltas.counts == {"completed": 2, "processing": -2}
    assert deltas.revenues == {"revenue": Decimal("10"), "revenue_EUR": Decimal("7.5")}


# --- the handler on moto: what is stored and what is parked -------------------------------------------

LambdaEvent = Callable[..., dict[str, Any]]
Body = Callable[[NewEvent], str]
Invoke = Callable[[dict[str, Any]], dict[str, Any]]


def _with_version(event: NewEvent, version: str, extra: Any = None, extra_metadata: Any = None) -> NewEvent:
    metadata = {**event.detail["metadata"], **(extra_metadata or {}), "schemaVersion": version}
    return NewEvent(event.detail_type, {**event.detail, **(extra or {}), "metadata": metadata})


def test_handler_applies_a_newer_minor_and_stores_its_unknown_fields(
    invoke: Invoke, lambda_event: LambdaEvent, body: Body, dynamodb: Any
) -> None:
    # GIVEN an OrderCreated 1.4 with a field unknown here in detail and one in metadata
    created = order_created(ORDER_ID, "cust-42", Decimal("12.50"))
    event = _with_version(created, "1.4", {"giftWrap": {"paper": "red"}}, {"traceId": "trace-1"})
    # WHEN the handler runs
    response = invoke(lambda_event(("m-1", body(event))))
    # THEN it is applied, and its event-store entry holds the unknown fields verbatim
    assert response == {"batchItemFailures": []}
    [entry] = read_stream(dynamodb, ORDER_ID)
    stored = json.loads(json.dumps(entry.data, default=str))
    assert stored["giftWrap"] == {"paper": "red"}
    assert stored["metadata"]["traceId"] == "trace-1"
    assert stored["metadata"]["schemaVersion"] == "1.4"


def test_handler_parks_an_unsupported_major_naming_the_version(
    *, invoke: Invoke, lambda_event: LambdaEvent, body: Body, dlq_url: str, receive_all: Any, dynamodb: Any
) -> None:
    # GIVEN an OrderCreated 3.0, a major this processor does not read
    event = _with_version(order_created(ORDER_ID, "cust-42", Money(Decimal("12.50"), "EUR")), "3.0")
    # WHEN the handler runs
    response = invoke(lambda_event(("m-3", body(event))))
    # THEN it is acknowledged and parked with a reason of its own whose message names the version
    assert response == {"batchItemFailures": []}
    [parked] = receive_all(dlq_url)
    attributes = {name: value["StringValue"] for name, value in parked["MessageAttributes"].items()}
    assert attributes["rejectionReason"] == "UnsupportedSchemaVersion"
    assert "3.0 is not supported for OrderCreated" in attributes["rejectionMessage"]
    assert "Item" not in dynamodb.get_item(TableName="Orders", Key={"orderId": {"S": ORDER_ID}})
