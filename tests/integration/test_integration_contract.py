"""The contract as it lives, on the deployed stack: newer minors applied, two majors side by side, a third parked."""

from __future__ import annotations

import json
import uuid
from decimal import Decimal
from typing import Any

from orders_shared.events import Money, OrderStatus, dumps, order_created, order_status_changed, payment_processed
from tests.integration.stack_client import Stack, eventually


def status_of(stack: Stack, order_id: str) -> str | None:
    item = stack.order(order_id)
    return item["status"]["S"] if item else None


def _detail(order_id: str, version: str, **fields: Any) -> dict[str, Any]:
    event_id = str(uuid.uuid4())
    metadata = {"eventId": event_id, "correlationId": event_id, "schemaVersion": version}
    metadata["occurredAt"] = "2026-11-26T10:00:00Z"
    known = {"orderId": order_id, "customerId": "customer-it-contract", "status": "pending"}
    return {**known, **fields, "metadata": metadata}


def test_contract_newer_minor_with_unknown_fields_is_applied_and_stored_verbatim(stack: Stack) -> None:
    # GIVEN an OrderCreated 1.4, a minor this processor has no schema for, with a field it does not
    # know in detail and another in metadata (sent as a newer producer would, bypassing our publisher)
    order_id = str(uuid.uuid4())
    detail = _detail(order_id, "1.4", amount=Decimal("19.99"), giftWrap={"paper": "red", "ribbon": True})
    detail["metadata"]["traceId"] = "trace-it-1"

    # WHEN it goes through the bus
    stack.put_raw("order-service", "OrderCreated", dumps(detail))

    # THEN it is applied, and its event-store entry holds the unknown fields as they were sent
    eventually(lambda: status_of(stack, order_id) == "pending")
    [entry] = stack.stream(order_id)
    stored = json.loads(entry["data"]["S"])
    assert stored["giftWrap"] == {"paper": "red", "ribbon": True}
    assert stored["metadata"]["traceId"] == "trace-it-1"
    assert stored["metadata"]["schemaVersion"] == "1.4"


def test_contract_1_0_and_2_0_orders_both_end_completed(stack: Stack) -> None:
    # GIVEN one order created by a 1.0 producer and one by a 2.0 producer (EUR)
    old, new = str(uuid.uuid4()), str(uuid.uuid4())
    stack.publish(order_created(old, "customer-it-v1", Decimal("42.50")))
    stack.publish(order_created(new, "customer-it-v2", Money(Decimal("42.50"), "EUR")))

    # WHEN each is paid and completed
    for order_id in (old, new):
        eventually(lambda order_id=order_id: status_of(stack, order_id) == "pending")
        stack.publish(payment_processed(order_id, Decimal("42.50")))
        eventually(lambda order_id=order_id: status_of(stack, order_id) == "processing")
        stack.publish(order_status_changed(order_id, OrderStatus.COMPLETED))

    # THEN both end completed at version 3, with the amount and its currency (1.x: USD)
    for order_id, currency in ((old, "USD"), (new, "EUR")):
        eventually(lambda order_id=order_id: status_of(stack, order_id) == "completed")
        item = stack.order(order_id)
        assert item is not None
        assert (item["version"]["N"], Decimal(item["amount"]["N"]), item["currency"]["S"]) == (
            "3",
            Decimal("42.50"),
            currency,
        )
    # AND each stream keeps its creation as it was sent (never rewritten)
    created_old = json.loads(stack.stream(old)[0]["data"]["S"])
    created_new = json.loads(stack.stream(new)[0]["data"]["S"])
    assert (created_old["metadata"]["schemaVersion"], created_old["amount"]) == ("1.0", 42.5)
    assert (created_new["metadata"]["schemaVersion"], created_new["total"]) == (
        "2.0",
        {"amount": "42.50", "currency": "EUR"},
    )


def test_contract_unsupported_major_is_parked_naming_the_version(stack: Stack) -> None:
    # GIVEN an OrderCreated 3.0, a major no deployed processor reads
    order_id = str(uuid.uuid4())
    detail = _detail(order_id, "3.0", total={"amount": "5.00", "currency": "EUR"})
    marker = detail["metadata"]["eventId"]

    # WHEN it goes through the bus
    stack.put_raw("order-service", "OrderCreated", dumps(detail))

    # THEN the processor parks it at once, with a reason a redrive can select, naming the version
    parked = eventually(lambda: stack.dead_letters(marker), timeout=15)
    attributes = {name: value["StringValue"] for name, value in parked[0]["MessageAttributes"].items()}
    assert attributes["rejectionReason"] == "UnsupportedSchemaVersion"
    assert "3.0 is not supported for OrderCreated" in attributes["rejectionMessage"]
    assert attributes["rejectionPath"] == "detail.metadata.schemaVersion"
    assert status_of(stack, order_id) is None

    # AND a redrive of that reason sends it back; this processor still cannot read it, so it is
    # parked again, counted (nothing lost, no loop past maxRedrives), and waits for one that can
    report = stack.invoke("DlqRedriverFunctionName", {"filter": {"reasons": ["UnsupportedSchemaVersion"]}})
    assert report["moved"] >= 1

    def parked_again() -> list[dict[str, Any]]:
        found = stack.dead_letters(marker)
        return [m for m in found if int(m["MessageAttributes"].get("redriveCount", {}).get("StringValue", "0")) >= 1]

    [again] = eventually(parked_again, timeout=20)
    assert again["MessageAttributes"]["rejectionReason"]["StringValue"] == "UnsupportedSchemaVersion"
    assert status_of(stack, order_id) is None
