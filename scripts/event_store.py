"""`make history`, `make audit`, `make rebuild`: the event store read back.

``history ORDER`` prints an order's stored events and its state (``--at`` a time or ``--version`` n: the
state as of then). The stack is the local one by default (``--stack``, and the endpoint in
$AWS_ENDPOINT_URL); with no endpoint it is read from AWS with the caller's credentials.

Exit codes: 0 done (no drift), 1 the order or version does not exist, a stream is corrupt or drift
was found, 2 bad input.
"""

from __future__ import annotations

import argparse
import os
import sys
import uuid
from collections.abc import Sequence
from typing import Any

import boto3
from botocore.exceptions import BotoCoreError, ClientError
from reporting import columns, console, table
from stack import outputs as stack_outputs

from orders_shared.event_store import EventStore
from orders_shared.history import History, UnknownOrderError, read_history
from orders_shared.projection import AsOfError, OrderView, StreamError, parse_time

EXIT_FOUND_PROBLEM = 1
EXIT_BAD_INPUT = 2


class BadInputError(Exception):
    """An argument that names nothing this command can read (exit 2)."""


def order_id_of(text: str) -> str:
    """The order id as the processor stores it (a lowercase UUID)."""
    try:
        return str(uuid.UUID(text.strip()))
    except ValueError:
        raise BadInputError(f"ORDER {text[:64]!r} is not an order id (a UUID)") from None


def view_rows(view: OrderView) -> list[tuple[str, str]]:
    return [
        ("status", str(view.status)),
        ("version", str(view.version)),
        ("customer", view.customer_id),
        ("amount", str(view.amount)),
        ("created at", view.created_at),
        ("updated at", view.updated_at),
        ("last event", view.last_event_id),
        ("occurred at", view.occurred_at),
    ]


def print_history(history: History, as_of: str) -> None:
    rows = [
        [str(event.version), event.event_type, event.recorded_at, event.event_id, correlation]
        for event, correlation in zip(history.events, history.correlation_ids, strict=True)
        if event.version <= history.known
    ]
    columns(f"Order {history.order_id}", ["version", "type", "recorded at", "event id", "correlation id"], rows)
    later = len(history.events) - history.known
    if later:
        console.print(f"{later} later event(s) not shown (versions {history.known + 1} to {len(history.events)})")
    table(f"State {as_of}", view_rows(history.view))


def history_command(args: argparse.Namespace, client: Any, names: dict[str, str]) -> int:
    if args.at is not None and args.version is not None:
        raise BadInputError("give AT or VERSION, not both")
    order_id = order_id_of(args.order)
    try:
        at = parse_time(args.at) if args.at is not None else None
    except ValueError:
        raise BadInputError(f"AT {args.at[:64]!r} is not an ISO 8601 time (2026-11-29T10:00:00Z)") from None
    store = EventStore(client, names["EventStoreTableName"])
    try:
        history = read_history(store, order_id, version=args.version, at=at)
    except (UnknownOrderError, AsOfError) as error:
        console.print(f"history: {error}")
        return EXIT_FOUND_PROBLEM
    except StreamError as error:
        console.print(f"history: the stream of order {order_id} is corrupt: {error}")
        return EXIT_FOUND_PROBLEM
    as_of = (
        f"as of version {args.version}"
        if args.version is not None
        else f"as of {at.isoformat()}"
        if at is not None
        else "now"
    )
    print_history(history, as_of)
    return 0


def parser() -> argparse.ArgumentParser:
    top = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    top.add_argument("--stack", default=os.environ.get("STACK_NAME", "order-pipeline-local"))
    commands = top.add_subparsers(dest="command", required=True)
    history = commands.add_parser("history", help="an order's events and state")
    history.add_argument("order")
    history.add_argument("--at", help="ISO 8601 time (no offset: UTC)")
    history.add_argument("--version", type=int)
    return top


def main(argv: Sequence[str] | None = None) -> int:
    args = parser().parse_args(argv)
    try:
        names = stack_outputs(args.stack)
        client = boto3.client("dynamodb")
        return history_command(args, client, names)
    except BadInputError as error:
        console.print(f"{args.command}: {error}")
        return EXIT_BAD_INPUT
    except (ClientError, BotoCoreError) as error:
        console.print(f"{args.command}: cannot read stack {args.stack}: {error}")
        return EXIT_FOUND_PROBLEM


if __name__ == "__main__":
    sys.exit(main())
