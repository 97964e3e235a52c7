"""`make audit` and `make rebuild` (scripts/event_store.py): exit codes and reports, on moto."""

from __future__ import annotations

import argparse
from typing import Any

import pytest
from event_store import EXIT_FOUND_PROBLEM, EXIT_UNSETTLED, audit_command, rebuild_command

from tests.support.tables import EVENTS_TABLE, ORDERS_TABLE
from tests.unit.readside.conftest import Pipeline

NAMES = {"EventStoreTableName": EVENTS_TABLE, "OrdersTableName": ORDERS_TABLE}


class MovingCounters:
    """A DynamoDB client whose first counter shard reads one more on every reading (a busy processor)."""

    def __init__(self, client: Any) -> None:
        self._client = client
        self._readings = 0

    def __getattr__(self, name: str) -> Any:
        return getattr(self._client, name)

    def transact_get_items(self, **kwargs: Any) -> Any:
        response = self._client.transact_get_items(**kwargs)
        self._readings += 1
        response["Responses"][0]["Item"] = {"orderId": {"S": "#stats#00"}, "pending": {"N": str(self._readings)}}
        return response


def options(**overrides: Any) -> argparse.Namespace:
    values = {"examples": 10, "index_lag": 0.0, "settle_tries": 2, "table": None, "fresh": False, "max_pages": None}
    return argparse.Namespace(**{**values, **overrides})


def test_audit_command_exits_0_on_a_clean_store(pipeline: Pipeline, capsys: pytest.CaptureFixture[str]) -> None:
    # GIVEN orders written by the processor WHEN audited THEN exit 0, "no drift"
    pipeline.orders(4)
    assert audit_command(options(), pipeline.client, NAMES) == 0
    assert "audit: no drift" in capsys.readouterr().out


def test_audit_command_exits_1_on_drift_and_rebuild_repairs_it(
    pipeline: Pipeline, capsys: pytest.CaptureFixture[str]
) -> None:
    # GIVEN a deleted projection (removed from its head)
    order_id = pipeline.orders(4)[0]
    pipeline.delete_projection(order_id)

    # WHEN audited THEN exit 1, the missing order shown
    assert audit_command(options(), pipeline.client, NAMES) == EXIT_FOUND_PROBLEM
    assert order_id[:20] in capsys.readouterr().out

    # WHEN rebuilt, then audited THEN both exit 0
    assert rebuild_command(options(), pipeline.client, NAMES) == 0
    assert audit_command(options(), pipeline.client, NAMES) == 0


def test_audit_command_exits_3_when_the_counters_never_settle(
    pipeline: Pipeline, capsys: pytest.CaptureFixture[str]
) -> None:
    # GIVEN a stack whose counters move between every two readings (a deliberately flaky counter shard)
    pipeline.orders(2)
    client = MovingCounters(pipeline.client)

    # WHEN audited THEN exit 3, saying the counters were not compared
    assert audit_command(options(), client, NAMES) == EXIT_UNSETTLED
    assert "not compared" in capsys.readouterr().out
