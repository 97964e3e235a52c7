"""The outbound contract: every notification the processor builds is a valid OrderNotification of its version."""

from __future__ import annotations

import json
from collections.abc import Callable
from decimal import Decimal
from typing import Any

import pytest

from order_processor.model import Notification
from order_processor.notifier import NOTIFICATION_VERSION, notification_attributes, notification_message
from orders_shared.errors import SchemaValidationError, UnsupportedSchemaVersionError
from orders_shared.events import (
    Money,
    NewEvent,
    OrderEvent,
    OrderStatus,
    dumps,
    order_created,
    order_status_changed,
    payment_failed,
    payment_processed,
)
from orders_shared.validation import validate_notification, validate_notification_written

Parse = Callable[[NewEvent], OrderEvent]
ORDER_ID = "6f1c2b7e-3d4a-4f5b-8c9d-0e1f2a3b4c5d"

MOVES: list[Any] = [
    pytest.param(lambda: order_created(ORDER_ID, "c-1", Money(Decimal(5), "EUR")), OrderStatus.PENDING, None, id="new"),
    pytest.param(lambda: order_created(ORDER_ID, "c-1", Decimal(5)), OrderStatus.PENDING, None, id="new-1.0"),
    pytest.param(lambda: payment_processed(ORDER_ID, 5), OrderStatus.PROCESSING, OrderStatus.PENDING, id="paid"),
    pytest.param(
        lambda: order_status_changed(ORDER_ID, OrderStatus.COMPLETED),
        OrderStatus.COMPLETED,
        OrderStatus.PROCESSING,
        id="completed",
    ),
    pytest.param(lambda: payment_failed(ORDER_ID, "declined"), OrderStatus.CANCELLED, OrderStatus.PENDING, id="failed"),
]


def _message(note: Notification) -> Any:
    # As a subscriber gets it: the JSON text the notifier publishes, parsed.
    return json.loads(dumps(notification_message(note)))


@pytest.mark.parametrize(("build", "status", "previous"), MOVES)
def test_notification_message_is_a_valid_order_notification(
    parsed: Parse, build: Callable[[], NewEvent], status: OrderStatus, previous: OrderStatus | None
) -> None:
    # GIVEN a notification of each kind of move
    note = Notification(parsed(build()), status, previous)
    # WHEN its message is built and validated as a strict writer would
    message = _message(note)
    # THEN it is a released version, exactly, and says the version it is
    assert validate_notification_written(message) == (1, 0)
    assert message["schemaVersion"] == NOTIFICATION_VERSION


def test_notification_attributes_repeat_the_message_fields_filters_use(parsed: Parse) -> None:
    # GIVEN a completion notification
    note = Notification(parsed(order_status_changed(ORDER_ID, OrderStatus.COMPLETED)), OrderStatus.COMPLETED, None)
    message = _message(note)
    # WHEN its attributes are built
    attributes = {name: value["StringValue"] for name, value in notification_attributes(note).items()}
    # THEN each is the message field of the same name
    assert attributes == {name: message[name] for name in ("status", "detailType", "eventId", "schemaVersion")}


def test_validate_notification_reads_a_newer_minor_and_refuses_a_broken_field(parsed: Parse) -> None:
    # GIVEN a notification of a newer minor with a field this reader does not know
    note = Notification(parsed(order_status_changed(ORDER_ID, OrderStatus.COMPLETED)), OrderStatus.COMPLETED, None)
    message = {**_message(note), "schemaVersion": "1.3", "carrier": "dhl"}
    # WHEN a subscriber reads it   THEN it is accepted
    assert validate_notification(message) == (1, 3)
    # AND a broken known field is still refused, and an unknown major named
    with pytest.raises(SchemaValidationError) as caught:
        validate_notification({**message, "status": "shipped"})
    assert (caught.value.path, caught.value.rule) == ("notification.status", "enum")
    with pytest.raises(UnsupportedSchemaVersionError, match=r"2\.0 is not supported for OrderNotification"):
        validate_notification({**message, "schemaVersion": "2.0"})
