"""`make history` (scripts/event_store.py history): what it prints and its exit codes, on moto."""

from __future__ import annotations

import argparse
from decimal import Decimal
from typing import Any

import pytest
from event_store import EXIT_FOUND_PROBLEM, BadInputError, history_command

from orders_shared.event_store import EventStore
from orders_shared.events import OrderStatus, order_created, order_status_changed, payment_processed
from tests.support.tables import EVENTS_TABLE, ORDERS_TABLE

ORDER = "9a8b7c6d-5e4f-4a3b-8c2d-1e0f9a8b7c6d"
NAMES = {"EventStoreTableName": EVENTS_TABLE, "OrdersTableName": ORDERS_TABLE}


@pytest.fixture
def stored(dynamodb: Any) -> Any:
    clock = iter(f"2026-11-29T10:00:0{n}.000Z" for n in range(1, 9)).__next__
    store = EventStore(dynamodb, EVENTS_TABLE, heads_table=ORDERS_TABLE, clock=clock)
    store.append(ORDER, [order_created(ORDER, "c-7", Decimal("9.99"), correlation_id="corr-x")], 0)
    store.append(ORDER, [payment_processed(ORDER, Decimal("9.99"))], 1)
    store.append(ORDER, [order_status_changed(ORDER, OrderStatus.CANCELLED)], 2)
    return dynamodb


def run(client: Any, order: str, at: str | None = None, version: int | None = None) -> int:
    return history_command(argparse.Namespace(order=order, at=at, version=version), client, NAMES)


def test_history_prints_the_events_and_the_state(stored: Any, capsys: pytest.CaptureFixture[str]) -> None:
    # GIVEN a stored order WHEN its history is asked for (its id in capitals)
    code = run(stored, ORDER.upper())

    # THEN it exits 0, listing each event's type and correlation id, and the state now
    out = capsys.readouterr().out
    assert code == 0
    assert "OrderCreated" in out
    assert "corr-x" in out
    assert "State now" in out
    assert "cancelled" in out


def test_history_as_of_a_version_prints_that_state(stored: Any, capsys: pytest.CaptureFixture[str]) -> None:
    # GIVEN a stored order WHEN asked as of version 2 THEN processing, and the later event counted
    assert run(stored, ORDER, version=2) == 0
    out = capsys.readouterr().out
    assert "State as of version 2" in out
    assert "processing" in out
    assert "1 later event(s) not shown" in out


def test_history_as_of_a_time_prints_that_state(stored: Any, capsys: pytest.CaptureFixture[str]) -> None:
    # GIVEN a stored order WHEN asked as of just after its creation THEN pending
    assert run(stored, ORDER, at="2026-11-29T10:00:01.5Z") == 0
    assert "pending" in capsys.readouterr().out


@pytest.mark.parametrize(
    ("order", "kwargs", "message"),
    [
        ("0b6f7a52-1c1e-4f57-9d0a-7f1d3c2b9e11", {}, "has no stored events"),
        (ORDER, {"version": 4}, "version 4 does not exist: the stream has versions 1 to 3"),
        (ORDER, {"version": 0}, "version 0 does not exist"),
        (ORDER, {"at": "2020-01-01T00:00:00Z"}, "not recorded yet"),
    ],
)
def test_history_exits_1_with_a_message_when_there_is_nothing_to_show(
    stored: Any, capsys: pytest.CaptureFixture[str], order: str, kwargs: dict[str, Any], message: str
) -> None:
    # GIVEN an unknown order, or a version or time it never had WHEN asked THEN exit 1 with the reason
    assert run(stored, order, **kwargs) == EXIT_FOUND_PROBLEM
    assert message in capsys.readouterr().out


@pytest.mark.parametrize(
    ("order", "kwargs", "message"),
    [
        ("123", {}, "is not an order id"),
        (ORDER, {"at": "yesterday"}, "is not an ISO 8601 time"),
        (ORDER, {"at": "2026-11-29T10:00:00Z", "version": 1}, "not both"),
    ],
)
def test_history_refuses_bad_input(stored: Any, order: str, kwargs: dict[str, Any], message: str) -> None:
    # GIVEN an argument that names nothing WHEN asked THEN BadInputError (main exits 2 with it)
    with pytest.raises(BadInputError, match=message):
        run(stored, order, **kwargs)
