"""Fixtures for the shared layer's unit tests: payload builders, a stubbed EventBridge client, a moto table.

Nothing here reaches the network: botocore's Stubber answers every PutEvents, moto answers DynamoDB.
"""

from __future__ import annotations

import copy
from collections.abc import Callable, Iterator
from typing import Any

import boto3
import pytest
from botocore.stub import Stubber
from moto import mock_aws

from orders_shared.event_store import EventStore
from orders_shared.events import NewEvent
from orders_shared.publisher import EventPublisher
from tests.support.aws import record_requests
from tests.support.tables import create_event_store_table, create_orders_table

ORDER_ID = "6f1c2b7e-3d4a-4f5b-8c9d-0e1f2a3b4c5d"
PAYMENT_ID = "0a9b8c7d-6e5f-4a3b-9c2d-1e0f9a8b7c6d"
EVENT_ID = "c3d2e1f0-a9b8-4c7d-8e6f-5a4b3c2d1e0f"
CORRELATION_ID = "9e8d7c6b-5a4f-4e3d-8c2b-1a0f9e8d7c6b"
RECORDED_AT = "2026-11-26T10:00:05.000Z"

_METADATA = {
    "eventId": EVENT_ID,
    "correlationId": CORRELATION_ID,
    "schemaVersion": "1.0",
    "occurredAt": "2026-11-26T10:00:00.123Z",
}

# One valid detail per detail-type, as the producers of the contract send them.
VALID_DETAILS: dict[str, dict[str, Any]] = {
    "OrderCreated": {
        "orderId": ORDER_ID,
        "customerId": "cust-42",
        "amount": 129.99,
        "status": "pending",
        "metadata": _METADATA,
    },
    "OrderStatusChanged": {
        "orderId": ORDER_ID,
        "status": "completed",
        "reason": "shipped to the customer",
        "metadata": _METADATA,
    },
    "PaymentProcessed": {
        "orderId": ORDER_ID,
        "paymentId": PAYMENT_ID,
        "amount": 129.99,
        "metadata": _METADATA,
    },
    "PaymentFailed": {
        "orderId": ORDER_ID,
        "reason": "card declined",
        "metadata": _METADATA,
    },
}

SOURCES = {
    "OrderCreated": "order-service",
    "OrderStatusChanged": "order-service",
    "PaymentProcessed": "payment-service",
    "PaymentFailed": "payment-service",
}


@pytest.fixture
def valid_detail() -> Callable[[str], dict[str, Any]]:
    """Build a fresh, valid detail of a detail-type (a deep copy the test may mutate)."""

    def build(detail_type: str) -> dict[str, Any]:
        return copy.deepcopy(VALID_DETAILS[detail_type])

    return build


@pytest.fixture
def envelope() -> Callable[..., dict[str, Any]]:
    """Build an EventBridge envelope as a rule target receives it; keyword arguments override fields."""

    def build(detail_type: str = "OrderCreated", **overrides: Any) -> dict[str, Any]:
        body: dict[str, Any] = {
            "version": "0",
            "id": "5b7e0c2d-1f3a-4e6b-9d8c-7a6b5c4d3e2f",
            "detail-type": detail_type,
            "source": SOURCES[detail_type],
            "account": "123456789012",
            "time": "2026-11-26T10:00:00Z",
            "region": "us-east-1",
            "resources": [],
            "detail": copy.deepcopy(VALID_DETAILS[detail_type]),
        }
        body.update(overrides)
        return body

    return build


def padded(event: NewEvent, size: int) -> NewEvent:
    """The same event serialised with insignificant JSON whitespace, so that its Detail is ``size`` bytes.

    Every field of the 1.0 contract is bounded, so no valid detail comes near 256 KB; the size rule of
    PutEvents is reachable only through the serialisation, which still decodes to the validated detail.
    """
    compact = event.detail_json
    assert size > len(compact)
    object.__setattr__(event, "detail_json", compact[:-1] + " " * (size - len(compact)) + "}")
    return event


@pytest.fixture
def pad() -> Callable[[NewEvent, int], NewEvent]:
    """Give an event a Detail of an exact size in bytes (see :func:`padded`)."""
    return padded


@pytest.fixture
def events_client() -> Any:
    """A real boto3 EventBridge client; a Stubber answers its calls."""
    return boto3.client("events", region_name="us-east-1")


@pytest.fixture
def stubber(events_client: Any) -> Iterator[Stubber]:
    """The Stubber of ``events_client``, active for the test."""
    with Stubber(events_client) as stub:
        yield stub


@pytest.fixture
def put_events_calls(events_client: Any) -> list[dict[str, Any]]:
    """Every PutEvents request the client makes, recorded before the Stubber sees it.

    The publisher treats a botocore error as a transient failure, and the Stubber's own assertion
    errors are botocore errors, so calls are recorded here and asserted on explicitly.
    """
    return record_requests(events_client, "events.PutEvents")


@pytest.fixture
def sleeps() -> list[float]:
    """The delays the publisher slept, in order (its injected ``sleep``)."""
    return []


@pytest.fixture
def make_publisher(events_client: Any, sleeps: list[float]) -> Callable[..., EventPublisher]:
    """Build an EventPublisher on the stubbed client that records its sleeps; ``rand`` defaults to 0.5."""

    def build(**kwargs: Any) -> EventPublisher:
        kwargs.setdefault("sleep", sleeps.append)
        kwargs.setdefault("rand", lambda: 0.5)
        return EventPublisher(events_client, "orders-bus", **kwargs)

    return build


@pytest.fixture
def dynamodb() -> Iterator[Any]:
    """A moto DynamoDB client holding the event store table (streamId S HASH, version N RANGE) and the
    heads' table ``orders`` (orderId)."""
    with mock_aws():
        client = boto3.client("dynamodb", region_name="us-east-1")
        create_event_store_table(client, "event-store")
        create_orders_table(client, "orders")
        yield client


@pytest.fixture
def store(dynamodb: Any) -> EventStore:
    """An EventStore on the moto table, with a fixed clock."""
    return EventStore(dynamodb, "event-store", heads_table="orders", clock=lambda: RECORDED_AT)
