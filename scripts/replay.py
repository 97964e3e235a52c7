"""`make replay FROM=... TO=...`: replay archived order events into the bus (real AWS only).

Starts an EventBridge replay of the stack's archive (``<stack>-orders``) for the window, into the
same bus, limited to the order-events rule. The processor skips events it already applied (by
``metadata.eventId``) and applies the ones it missed, so a replay is safe to run over a window
that was partly processed: the recovery for a rule that was disabled or a queue that was purged.
The emulator has no archives.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

import boto3
from stack import stack_name_of


class ReplayError(ValueError):
    """The request cannot start a replay; the message says why."""


def parse_window(start: str, end: str, now: datetime) -> tuple[datetime, datetime]:
    """Parse ISO 8601 times (a missing zone means UTC) and check the window.

    Raises
    ------
    ReplayError
        For an unreadable time, an empty or reversed window, or an end in the future.
    """
    bounds = []
    for label, text in (("FROM", start), ("TO", end)):
        try:
            moment = datetime.fromisoformat(text.replace("Z", "+00:00"))
        except ValueError:
            raise ReplayError(f"{label}={text!r} is not an ISO 8601 time (e.g. 2026-11-26T10:00:00Z)") from None
        bounds.append(moment if moment.tzinfo else moment.replace(tzinfo=UTC))
    first, last = bounds
    if first >= last:
        raise ReplayError(f"FROM ({first.isoformat()}) must be before TO ({last.isoformat()})")
    if last > now:
        raise ReplayError(f"TO ({last.isoformat()}) is in the future: a replay can only cover archived events")
    return first, last


def start_replay(
    events: Any, stack_name: str, first: datetime, last: datetime, *, clock: Callable[[], datetime]
) -> dict[str, Any]:
    """Start the replay and return its name, ARN and state."""
    bus = events.describe_event_bus(Name=f"{stack_name}-orders")
    archive = events.describe_archive(ArchiveName=f"{stack_name}-orders")
    rule = events.describe_rule(Name=f"{stack_name}-order-events", EventBusName=bus["Name"])
    name = f"{stack_name}-{clock().strftime('%Y%m%dT%H%M%S')}"[:64]
    response = events.start_replay(
        ReplayName=name,
        Description=f"order events {first.isoformat()} to {last.isoformat()}",
        EventSourceArn=archive["ArchiveArn"],
        EventStartTime=first,
        EventEndTime=last,
        Destination={"Arn": bus["Arn"], "FilterArns": [rule["Arn"]]},
    )
    return {"replayName": name, "replayArn": response["ReplayArn"], "state": response["State"]}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--from", dest="start", required=True)
    parser.add_argument("--to", dest="end", required=True)
    parser.add_argument("--config-env", default="dev")
    args = parser.parse_args()
    try:
        first, last = parse_window(args.start, args.end, datetime.now(UTC))
    except ReplayError as error:
        print(f"replay refused: {error}", file=sys.stderr)
        return 2
    result = start_replay(
        boto3.client("events"), stack_name_of(args.config_env), first, last, clock=lambda: datetime.now(UTC)
    )
    print(f"replay {result['replayName']} {result['state']}: {result['replayArn']}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
