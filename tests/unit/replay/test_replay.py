"""make replay: the window is checked, and the replay targets the stack's archive, bus and rule."""

from __future__ import annotations

from datetime import UTC, datetime

import boto3
import pytest
from botocore.stub import ANY, Stubber
from replay import ReplayError, parse_window, start_replay

NOW = datetime(2026, 11, 26, 12, 0, tzinfo=UTC)
ACCOUNT = "123456789012"


@pytest.mark.parametrize(
    ("start", "end", "message"),
    [
        ("yesterday", "2026-11-26T11:00:00Z", "FROM='yesterday' is not an ISO 8601 time"),
        ("2026-11-26T11:00:00Z", "2026-11-26T10:00:00Z", "must be before TO"),
        ("2026-11-26T11:00:00Z", "2026-11-26T11:00:00Z", "must be before TO"),
        ("2026-11-26T11:00:00Z", "2026-11-27T11:00:00Z", "is in the future"),
    ],
)
def test_replay_window_refuses_bad_input_with_a_clear_reason(start: str, end: str, message: str) -> None:
    # GIVEN a malformed or impossible window WHEN parsed THEN it is refused, naming the problem
    with pytest.raises(ReplayError, match=message):
        parse_window(start, end, NOW)


def test_replay_window_reads_a_time_without_zone_as_utc() -> None:
    # GIVEN times without a zone WHEN parsed THEN they are UTC
    first, last = parse_window("2026-11-26T10:00:00", "2026-11-26T11:00:00+00:00", NOW)
    assert (first.tzinfo, last.hour) == (UTC, 11)


def test_replay_starts_from_the_archive_into_the_bus_through_the_order_rule() -> None:
    # GIVEN the stack's bus, archive and rule, as EventBridge describes them (fake credentials: tests/unit/conftest.py)
    events = boto3.client("events", region_name="us-east-1")
    bus_arn = f"arn:aws:events:us-east-1:{ACCOUNT}:event-bus/shop-orders"
    archive_arn = f"arn:aws:events:us-east-1:{ACCOUNT}:archive/shop-orders"
    rule_arn = f"arn:aws:events:us-east-1:{ACCOUNT}:rule/shop-orders/shop-order-events"
    first, last = datetime(2026, 11, 26, 10, tzinfo=UTC), datetime(2026, 11, 26, 11, tzinfo=UTC)
    with Stubber(events) as stub:
        stub.add_response("describe_event_bus", {"Name": "shop-orders", "Arn": bus_arn}, {"Name": "shop-orders"})
        stub.add_response("describe_archive", {"ArchiveArn": archive_arn}, {"ArchiveName": "shop-orders"})
        stub.add_response(
            "describe_rule",
            {"Name": "shop-order-events", "Arn": rule_arn},
            {"Name": "shop-order-events", "EventBusName": "shop-orders"},
        )
        stub.add_response(
            "start_replay",
            {"ReplayArn": f"arn:aws:events:us-east-1:{ACCOUNT}:replay/shop-20261126T120000", "State": "STARTING"},
            {
                "ReplayName": "shop-20261126T120000",
                "Description": ANY,
                "EventSourceArn": archive_arn,
                "EventStartTime": first,
                "EventEndTime": last,
                "Destination": {"Arn": bus_arn, "FilterArns": [rule_arn]},
            },
        )

        # WHEN a replay starts for the window
        result = start_replay(events, "shop", first, last, clock=lambda: NOW)

        # THEN exactly that replay was requested, and its state is reported
        stub.assert_no_pending_responses()
    assert result == {
        "replayName": "shop-20261126T120000",
        "replayArn": f"arn:aws:events:us-east-1:{ACCOUNT}:replay/shop-20261126T120000",
        "state": "STARTING",
    }
