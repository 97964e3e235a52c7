"""Event builders: what producers send is valid and carries its metadata."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from datetime import datetime, timedelta
from decimal import Decimal

import pytest

from orders_shared.events import (
    DetailType,
    NewEvent,
    OrderStatus,
    envelope_for,
    order_created,
    order_status_changed,
    parse_envelope,
    payment_failed,
    payment_processed,
)
from orders_shared.validation import validate_detail

ORDER_ID = "6f1c2b7e-3d4a-4f5b-8c9d-0e1f2a3b4c5d"
CORRELATION_ID = "9e8d7c6b-5a4f-4e3d-8c2b-1a0f9e8d7c6b"

BUILDERS: dict[str, Callable[..., NewEvent]] = {
    "order_created": lambda **meta: order_created(ORDER_ID, "cust-42", Decimal("129.99"), **meta),
    "order_status_changed": lambda **meta: order_status_changed(ORDER_ID, OrderStatus.COMPLETED, "delivered", **meta),
    "order_status_changed_no_reason": lambda **meta: order_status_changed(ORDER_ID, OrderStatus.CANCELLED, **meta),
    "payment_processed": lambda **meta: payment_processed(ORDER_ID, 129, **meta),
    "payment_failed": lambda **meta: payment_failed(ORDER_ID, "card declined", **meta),
}

EXPECTED_TYPE = {
    "order_created": (DetailType.ORDER_CREATED, "order-service"),
    "order_status_changed": (DetailType.ORDER_STATUS_CHANGED, "order-service"),
    "order_status_changed_no_reason": (DetailType.ORDER_STATUS_CHANGED, "order-service"),
    "payment_processed": (DetailType.PAYMENT_PROCESSED, "payment-service"),
    "payment_failed": (DetailType.PAYMENT_FAILED, "payment-service"),
}

builders = pytest.mark.parametrize("builder", list(BUILDERS))


@builders
def test_builder_produces_a_detail_that_validates(builder: str) -> None:
    # GIVEN an event built by a producer's builder
    event = BUILDERS[builder]()

    # WHEN its detail is validated against the contract
    # THEN no error is raised
    validate_detail(event.detail_type, event.detail)


@builders
def test_builder_sets_detail_type_and_source(builder: str) -> None:
    # GIVEN an event built by a producer's builder
    # WHEN it is built
    event = BUILDERS[builder]()

    # THEN its detail-type and the source that sends that type are set
    assert (event.detail_type, event.source) == EXPECTED_TYPE[builder]


@builders
def test_builder_event_survives_the_bus_round_trip(builder: str) -> None:
    # GIVEN an event built by a producer's builder
    event = BUILDERS[builder]()

    # WHEN EventBridge wraps it and a consumer parses it
    parsed = parse_envelope(envelope_for(event))

    # THEN the consumer sees the producer's event id and order
    assert (parsed.event_id, parsed.order_id, parsed.detail_type) == (event.event_id, ORDER_ID, event.detail_type)


@builders
def test_builder_metadata_has_fresh_uuid_ids(builder: str) -> None:
    # GIVEN two events built the same way
    first, second = BUILDERS[builder](), BUILDERS[builder]()

    # WHEN their metadata is read
    ids = [(e.detail["metadata"]["eventId"], e.detail["metadata"]["correlationId"]) for e in (first, second)]

    # THEN every id is a uuid, and each event gets its own
    for event_id, correlation_id in ids:
        assert str(uuid.UUID(event_id)) == event_id
        assert str(uuid.UUID(correlation_id)) == correlation_id
    assert ids[0][0] != ids[1][0]
    assert ids[0][1] != ids[1][1]


@builders
def test_builder_metadata_has_schema_version_and_occurred_at(builder: str) -> None:
    # GIVEN an event built with an injected clock
    event = BUILDERS[builder](clock=lambda: "2026-11-26T10:00:00.123Z")

    # WHEN its metadata is read
    metadata = event.detail["metadata"]

    # THEN it says schema version "1.0" and when it occurred, as the clock said
    assert metadata["schemaVersion"] == "1.0"
    assert metadata["occurredAt"] == "2026-11-26T10:00:00.123Z"


def test_builder_default_occurred_at_is_a_utc_timestamp() -> None:
    # GIVEN an event built with the default clock
    event = order_created(ORDER_ID, "cust-42", 10)

    # WHEN its occurredAt is read
    occurred_at = event.detail["metadata"]["occurredAt"]

    # THEN it is an ISO 8601 UTC time ending in "Z"
    assert occurred_at.endswith("Z")
    assert datetime.fromisoformat(occurred_at).utcoffset() == timedelta(0)


@builders
def test_builder_passes_the_correlation_id_through(builder: str) -> None:
    # GIVEN the correlation id of the event being handled
    # WHEN a follow-up event is built with it
    event = BUILDERS[builder](correlation_id=CORRELATION_ID)

    # THEN the new event carries it unchanged
    assert event.detail["metadata"]["correlationId"] == CORRELATION_ID


def test_builder_keeps_a_given_event_id() -> None:
    # GIVEN an event id derived by the caller (a deterministic id makes a redelivery publish the same id)
    event_id = "3b2a1f0e-9d8c-4b7a-8f6e-5d4c3b2a1f0e"

    # WHEN the event is built with it
    event = payment_failed(ORDER_ID, "card declined", event_id=event_id)

    # THEN it is the event's id
    assert event.event_id == event_id


def test_order_status_changed_omits_reason_when_none() -> None:
    # GIVEN no reason for a status change
    # WHEN the event is built
    event = order_status_changed(ORDER_ID, OrderStatus.PROCESSING)

    # THEN the detail has no reason key (the schema refuses null)
    assert "reason" not in event.detail


def test_new_event_serialises_decimal_amounts_as_json_numbers() -> None:
    # GIVEN an amount held as a Decimal
    event = order_created(ORDER_ID, "cust-42", Decimal("129.99"))

    # WHEN the event is serialised for the bus
    # THEN the amount is a JSON number, not a string
    assert '"amount":129.99' in event.detail_json
