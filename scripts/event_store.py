"""`make history`, `make audit`, `make rebuild`: the event store read back.

``history ORDER`` prints an order's stored events and its state (``--at`` a time or ``--version`` n: the
state as of then). ``audit`` compares every order's projection with the fold of its stream and the
status counters (with the commits not reduced into them yet) with the projection; with ``--table``
it audits that table as a whole Orders table (its own heads). ``rebuild`` writes the projection and
the counters again from the event store and the streams' heads (into ``--table``, the stack's Orders
table by default: whole heads are copied there), resuming an interrupted run.
The stack is the local one by default (``--stack``, and the endpoint in $AWS_ENDPOINT_URL); with no
endpoint it is read from AWS with the caller's credentials.

Exit codes: 0 done (no drift), 1 the order or version does not exist, a stream is corrupt or drift
was found, 2 bad input, 3 the counters could not be compared (the pipeline never paused): run again.
"""

from __future__ import annotations

import argparse
import os
import sys
import time
import uuid
from collections import Counter
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import boto3
from botocore.exceptions import BotoCoreError, ClientError
from reporting import Tracker, columns, console, table, tracking
from stack import outputs as stack_outputs

from orders_shared.audit import audit
from orders_shared.event_store import EventStore
from orders_shared.history import History, UnknownOrderError, read_history
from orders_shared.projection import AsOfError, OrderView, StreamError, parse_time
from orders_shared.rebuild import rebuild
from orders_shared.streams import Drift, ReadSideError, Settled

EXIT_FOUND_PROBLEM = 1
EXIT_BAD_INPUT = 2
EXIT_UNSETTLED = 3
READERS = 8  # streams read concurrently


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
    store = EventStore(client, names["EventStoreTableName"], heads_table=names["OrdersTableName"])
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


def drift_rows(drift: Counter[str]) -> list[tuple[str, str]]:
    return [(f"drift: {kind}", str(count)) for kind, count in sorted(drift.items())] or [("drift", "none")]


def print_examples(examples: Sequence[Drift]) -> None:
    if examples:
        columns(
            "First examples", ["kind", "order or counter", "what"], [[d.kind, d.subject, d.detail] for d in examples]
        )


def counters_row(settled: Settled | None, label: str = "counters") -> tuple[str, str]:
    if settled is None:
        return (label, "not compared: the pipeline committed throughout; run again when it pauses")
    counts = ", ".join(f"{name} {count}" for name, count in sorted(settled.counters.counts.items()))
    pending = sum(abs(count) for count in settled.pending.counts.values())
    return (
        label,
        f"{counts}; revenue {settled.counters.revenue} (over {settled.orders} projected orders;"
        f" with the commits not reduced yet: {pending} counter moves)",
    )


def run_options(args: argparse.Namespace, tracker: Tracker) -> dict[str, Any]:
    """What the audit and the rebuild share: progress, and how they wait for the counters to settle."""
    return {
        "progress": tracker.update,
        "index_lag_s": args.index_lag,
        "settle_tries": args.settle_tries,
        "sleep": time.sleep,
    }


def audit_command(args: argparse.Namespace, client: Any, names: dict[str, str]) -> int:
    with ThreadPoolExecutor(max_workers=READERS) as executor, tracking("orders audited", None) as tracker:
        tables = (args.table or names["OrdersTableName"], names["EventStoreTableName"])
        report = audit(client, *tables, executor, examples=args.examples, **run_options(args, tracker))
        elapsed = tracker.elapsed()
    rate = report.events / elapsed if elapsed > 0 else 0.0
    rows = [
        ("orders", str(report.orders)),
        ("events", str(report.events)),
        *drift_rows(report.drift),
        counters_row(report.settled),
        ("took", f"{elapsed:.1f} s ({rate:.0f} events/s)"),
    ]
    table("Audit: projection vs event store, counters vs projection", rows)
    print_examples(report.examples)
    if report.drift:
        console.print(f"audit: drift in {sum(report.drift.values())} place(s); make rebuild repairs the projection")
        return EXIT_FOUND_PROBLEM
    if not report.counters_checked:
        return EXIT_UNSETTLED
    console.print("audit: no drift")
    return 0


def rebuild_command(args: argparse.Namespace, client: Any, names: dict[str, str]) -> int:
    target = args.table or names["OrdersTableName"]
    with (
        ThreadPoolExecutor(max_workers=READERS) as executor,
        tracking(f"orders rebuilt into {target}", None) as tracker,
    ):
        options = run_options(args, tracker)
        report = rebuild(
            client,
            names["EventStoreTableName"],
            target,
            executor,
            fresh=args.fresh,
            max_pages=args.max_pages,
            heads_table=names["OrdersTableName"],
            **options,
        )
        elapsed = tracker.elapsed()
    rate = report.events / elapsed if elapsed > 0 else 0.0
    correction = ", ".join(f"{name} {delta:+}" for name, delta in report.correction.items()) or "none needed"
    rows = [
        ("table", target),
        ("resumed", "yes, from a checkpoint" if report.resumed else "no"),
        ("orders", str(report.orders)),
        ("events", str(report.events)),
        ("projection items written", f"{report.written} ({report.rewritten} again: their stream moved meanwhile)"),
        ("corrupt streams (not written)", str(len(report.corrupt))),
        counters_row(report.settled, "counters before"),
        ("counter correction", correction if report.counters_reconciled else "not applied"),
        ("finished", "yes" if report.finished else "no: stopped at a checkpoint, run again to resume"),
        ("took", f"{elapsed:.1f} s ({rate:.0f} events/s)"),
    ]
    table("Rebuild from the event store", rows)
    print_examples(report.corrupt[: args.examples])
    if report.corrupt:
        return EXIT_FOUND_PROBLEM
    if report.finished and not report.counters_reconciled:
        return EXIT_UNSETTLED
    return 0


def parser() -> argparse.ArgumentParser:
    top = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    top.add_argument("--stack", default=os.environ.get("STACK_NAME", "order-pipeline-local"))
    commands = top.add_subparsers(dest="command", required=True)
    history = commands.add_parser("history", help="an order's events and state")
    history.add_argument("order")
    history.add_argument("--at", help="ISO 8601 time (no offset: UTC)")
    history.add_argument("--version", type=int)
    for name, help_text in (
        ("audit", "compare projection and counters with the event store"),
        ("rebuild", "rebuild them"),
    ):
        command = commands.add_parser(name, help=help_text)
        command.add_argument("--examples", type=int, default=10, help="drift examples shown")
        command.add_argument(
            "--index-lag", type=float, default=1.0, help="seconds the streams listing (a Scan) may lag"
        )
        command.add_argument("--settle-tries", type=int, default=10, help="tries to read the counters at rest")
        command.add_argument("--table", help="the projection's table (default: the stack's Orders table)")
    rebuild_parser = commands.choices["rebuild"]
    rebuild_parser.add_argument("--fresh", action="store_true", help="ignore a checkpoint, start over")
    rebuild_parser.add_argument("--max-pages", type=int, help="stop after this many index pages (resumable)")
    return top


def main(argv: Sequence[str] | None = None) -> int:
    args = parser().parse_args(argv)
    try:
        names = stack_outputs(args.stack)
        client = boto3.client("dynamodb")
        command = {"history": history_command, "audit": audit_command, "rebuild": rebuild_command}[args.command]
        return command(args, client, names)
    except BadInputError as error:
        console.print(f"{args.command}: {error}")
        return EXIT_BAD_INPUT
    except (ClientError, BotoCoreError, ReadSideError) as error:
        console.print(f"{args.command}: {type(error).__name__}: {error}")
        return EXIT_FOUND_PROBLEM


if __name__ == "__main__":
    sys.exit(main())
