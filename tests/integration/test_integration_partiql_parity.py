"""The PartiQL stand-in on moto (tests/support/partiql.py) answers as the emulator and DynamoDB Local do.

One scenario of the statements the processor sends (INSERT with parameters, UPDATE with conditions
and list indexes, failures among successes, the request-wide refusals) runs against the emulator
the suite is pointed at and against moto with the stand-in, on tables of the template's keys made
for the test; the answers and the items stored afterwards must be the same. Messages of
ValidationError and ResourceNotFound are not compared (the stand-in names what it does not support).

The same scenario, and two batches more, also run on AWS's DynamoDB Local (3.3.1, fetched by
`make integration` through scripts/dynamodb_local.py), AWS's own local build of DynamoDB: the
stand-in must answer as it does too. The two batches are where MiniStack 1.5.33 and DynamoDB Local
differ (seen at 2026-11-30), so they are compared with DynamoDB Local only:

- two statements on one item: DynamoDB Local refuses the whole request ("Provided list of item keys
  contains duplicates"), as the stand-in does; MiniStack runs both, in order. What is stored is not
  compared for that item: DynamoDB Local has applied the statements before the duplicate when it
  refuses (seen: the INSERT and the UPDATE both applied, then the refusal), the stand-in applies none,
  as BatchWriteItem checks its keys before writing. The processor never sends such a batch, and a
  request refused as a whole may have been applied in part anyway (as one that timed out), which the
  commit already handles (a claim of its own taken over, docs/decisions.md);
- an INSERT whose whole item is one parameter (``VALUE ?``): DynamoDB Local refuses the statement
  ("Please use struct format {...}"), as the stand-in does; MiniStack stores the item.

Last, the processor's own applier and repository run the same traffic (lifecycles, a redelivered
batch, an event that overtakes its predecessor, an event id reused with other content) on DynamoDB
Local and on moto with the stand-in: every outcome, notification, dead letter and stored item must
be the same, so what the unit and reliability suites see of the commit is what AWS's engine does.
"""

from __future__ import annotations

import json
import os
import random
import uuid
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from decimal import Decimal
from pathlib import Path
from typing import Any

import boto3
import pytest
from botocore.exceptions import ClientError
from moto import mock_aws

from order_processor.applier import BatchApplier
from order_processor.model import Record
from order_processor.repository import DynamoOrderRepository
from orders_shared.events import OrderStatus, order_created, order_status_changed, payment_processed
from scripts.dynamodb_local import running
from tests.support.aws import use_fake_credentials
from tests.support.events import body_of
from tests.support.tables import create_event_store_table, create_orders_table
from tests.unit.processor.conftest import FakeDeadLetters, FakeNotifier
from tests.unit.readside.conftest import lifecycle

Batch = list[dict[str, Any]]


def s(text: str) -> dict[str, str]:
    return {"S": text}


def n(number: int) -> dict[str, str]:
    return {"N": str(number)}


def on(table: str, statement: str) -> str:
    """``statement`` with its table's place, ``"T"``, given the test's table (quoted as the processor quotes)."""
    return statement.replace('"T"', f'"{table}"')


def batches(orders: str, events: str) -> list[Batch]:
    """The scenario: each batch is sent in turn; statements are built as the processor builds them."""
    insert_head = on(orders, "INSERT INTO \"T\" VALUE {'orderId': ?, 'status': ?, 'events': ?, 'version': ?}")
    insert_event = on(events, "INSERT INTO \"T\" VALUE {'streamId': ?, 'version': ?, 'type': ?}")
    advance = on(orders, 'UPDATE "T" SET "events"[IDX] = ? SET "version" = ? WHERE "orderId" = ? AND "version" = ?')
    status = on(orders, 'UPDATE "T" SET "status" = ? WHERE "orderId" = ? AND "status" = ?')
    no_key = on(orders, 'UPDATE "T" SET "status" = ? WHERE "status" = ?')

    def head(order: str, state: str = "pending") -> dict[str, Any]:
        return {"Statement": insert_head, "Parameters": [s(order), s(state), {"L": [s("e1")]}, n(1)]}

    def event(order: str, version: int, kind: str) -> dict[str, Any]:
        return {"Statement": insert_event, "Parameters": [s(order), n(version), s(kind)]}

    def step(order: str, index: int, version: int, expected: int, **extra: Any) -> dict[str, Any]:
        statement = advance.replace("IDX", str(index))
        return {"Statement": statement, "Parameters": [s(f"e{version}"), n(version), s(order), n(expected)], **extra}

    all_old = {"ReturnValuesOnConditionCheckFailure": "ALL_OLD"}
    return [
        # new items: heads and events (a composite key), all applied
        [head("o-1"), head("o-2"), head("o-3"), event("o-1", 1, "OrderCreated"), event("o-2", 1, "OrderCreated")],
        # an existing key among new ones: DuplicateItem, the others applied
        [head("o-1", "clobbered"), event("o-1", 1, "Clobbered"), head("o-4"), event("o-1", 2, "PaymentProcessed")],
        # conditions: holding (append at len), failing with and without ALL_OLD, on a missing item
        [
            step("o-1", 1, 2, 1),
            step("o-2", 1, 2, 7, **all_old),
            step("o-3", 1, 2, 7),
            step("o-missing", 0, 2, 1, **all_old),
            {"Statement": status, "Parameters": [s("processing"), s("o-4"), s("pending")]},
        ],
        # list indexes: replace below the length, append past it
        [step("o-1", 0, 3, 2), step("o-2", 9, 2, 1)],
        # refused per statement: WHERE without the key, an unknown table; the good one still applied
        [
            {"Statement": status, "Parameters": [s("x"), s("o-9"), s("y")]},
            {"Statement": no_key, "Parameters": [s("a"), s("b")]},
            {
                "Statement": insert_head.replace(orders, f"{orders}-nope"),
                "Parameters": [s("o-5"), s("a"), {"L": []}, n(1)],
            },
            head("o-6"),
        ],
        # refused whole: more than 25 statements
        [head(f"o-many-{i}") for i in range(26)],
    ]


def aws_only_batches(orders: str, events: str) -> list[Batch]:
    """Where MiniStack answers otherwise than DynamoDB Local (see the module doc): compared with DynamoDB Local only."""
    insert_head = on(orders, "INSERT INTO \"T\" VALUE {'orderId': ?, 'version': ?}")
    return [
        # the whole item as one parameter: that statement refused, the other one applied
        [
            {"Statement": on(orders, 'INSERT INTO "T" VALUE ?'), "Parameters": [{"M": {"orderId": s("o-whole")}}]},
            {"Statement": insert_head, "Parameters": [s("o-7"), n(1)]},
        ],
        # two statements on one item: the whole request refused (its item's state is not compared: module doc)
        [
            {"Statement": insert_head, "Parameters": [s("o-8"), n(1)]},
            {
                "Statement": on(orders, 'UPDATE "T" SET "status" = ? WHERE "orderId" = ? AND "version" = ?'),
                "Parameters": [s("x"), s("o-8"), n(1)],
            },
        ],
    ]


def _view(response: dict[str, Any]) -> dict[str, Any]:
    # What is compared of one statement's answer (see the module doc).
    if "Error" not in response:
        return response
    error = dict(response["Error"])
    if error["Code"] in {"ValidationError", "ResourceNotFound"}:
        error.pop("Message", None)
    return {**response, "Error": error}


def run_scenario(
    client: Any, orders: str, events: str, more: Callable[[str, str], list[Batch]] | None = None
) -> dict[str, Any]:
    """Every batch's answers (or the request's error code), then every item of both tables; ``more``
    gives batches sent after the scenario's."""
    create_orders_table(client, orders)
    create_event_store_table(client, events)
    for table in (orders, events):  # instant on the emulator and moto; on AWS a table takes seconds
        client.get_waiter("table_exists").wait(TableName=table, WaiterConfig={"Delay": 2})
    answers: list[Any] = []
    try:
        for batch in batches(orders, events) + (more(orders, events) if more else []):
            try:
                answers.append([_view(one) for one in client.batch_execute_statement(Statements=batch)["Responses"]])
            except ClientError as error:
                answers.append({"refused": error.response["Error"]["Code"]})
        stored = {
            table: sorted((item for item in client.scan(TableName=table)["Items"]), key=json.dumps)
            for table in (orders, events)
        }
    finally:
        for table in (orders, events):
            client.delete_table(TableName=table)
    return {"answers": answers, "stored": stored}


def _diff(emulator: dict[str, Any], moto: dict[str, Any]) -> list[str]:  # emulator: MiniStack or DynamoDB Local
    lines = []
    for number, (theirs, ours) in enumerate(zip(emulator["answers"], moto["answers"], strict=True), 1):
        if theirs != ours:
            lines.append(f"batch {number}: emulator {json.dumps(theirs)}\n         moto     {json.dumps(ours)}")
    for table in emulator["stored"]:
        if emulator["stored"][table] != moto["stored"][table]:
            lines.append(f"table {table}: emulator {emulator['stored'][table]}\n    moto {moto['stored'][table]}")
    return lines


@pytest.fixture
def on_moto(monkeypatch: pytest.MonkeyPatch) -> Callable[..., dict[str, Any]]:
    """Run the scenario on moto (with the stand-in), away from the emulator's endpoint and credentials."""

    def run(orders: str, events: str, more: Callable[[str, str], list[Batch]] | None = None) -> dict[str, Any]:
        with monkeypatch.context() as patch:
            use_fake_credentials(patch)
            with mock_aws():
                return run_scenario(boto3.client("dynamodb", region_name="us-east-1"), orders, events, more)

    return run


@pytest.fixture(scope="module")
def dynamodb_local() -> Iterator[Any]:
    """A client of DynamoDB Local, started for this module on a free port of 127.0.0.1 and stopped after it."""
    home = os.environ.get("DYNAMODB_LOCAL_HOME")
    if not home:
        pytest.skip("DYNAMODB_LOCAL_HOME is not set: `make integration` fetches DynamoDB Local and sets it")
    with running(Path(home)) as endpoint:
        yield boto3.client(
            "dynamodb",
            endpoint_url=endpoint,
            region_name="us-east-1",
            aws_access_key_id="local",
            aws_secret_access_key="local",  # noqa: S106 - DynamoDB Local takes any key
        )


def test_partiql_stand_in_answers_and_stores_as_the_emulator(on_moto: Callable[..., dict[str, Any]]) -> None:
    # GIVEN tables of the template's keys, named for this run, on the emulator and on moto
    suffix = uuid.uuid4().hex[:8]
    orders, events = f"pq-orders-{suffix}", f"pq-events-{suffix}"

    # WHEN the scenario runs on both
    emulator = run_scenario(boto3.client("dynamodb"), orders, events)
    moto = on_moto(orders, events)

    # THEN the scenario did what it means to on the emulator (each outcome at least once, items stored)
    print(json.dumps(emulator, indent=1))  # the evidence, shown with -s
    outcomes = {
        one.get("Error", {}).get("Code") for batch in emulator["answers"] if isinstance(batch, list) for one in batch
    }
    assert outcomes == {None, "DuplicateItem", "ConditionalCheckFailed", "ValidationError", "ResourceNotFound"}
    assert all(emulator["stored"].values())

    # AND moto with the stand-in gave every answer and stored every item the same
    assert _diff(emulator, moto) == []


def test_partiql_stand_in_answers_and_stores_as_dynamodb_local(
    on_moto: Callable[..., dict[str, Any]], dynamodb_local: Any
) -> None:
    # GIVEN tables of the template's keys, named for this run, on DynamoDB Local and on moto
    suffix = uuid.uuid4().hex[:8]
    orders, events = f"pq-orders-{suffix}", f"pq-events-{suffix}"

    # WHEN the scenario and the batches where MiniStack differs run on both
    local = run_scenario(dynamodb_local, orders, events, aws_only_batches)
    moto = on_moto(orders, events, aws_only_batches)

    # THEN DynamoDB Local answered each outcome the scenario means, refused the two extra batches as
    # the module doc says, and stored what was applied
    print(json.dumps(local, indent=1))  # the evidence, shown with -s
    outcomes = {
        one.get("Error", {}).get("Code") for batch in local["answers"] if isinstance(batch, list) for one in batch
    }
    assert outcomes == {None, "DuplicateItem", "ConditionalCheckFailed", "ValidationError", "ResourceNotFound"}
    whole, duplicates = local["answers"][-2:]
    assert [one.get("Error", {}).get("Code") for one in whole] == ["ValidationError", None]
    assert duplicates == {"refused": "ValidationException"}
    assert all(local["stored"].values())

    # AND moto with the stand-in gave every answer and stored every item the same (but the item of the
    # refused duplicates, see the module doc)
    assert _diff(_without(local, "o-8"), _without(moto, "o-8")) == []


def _without(run: dict[str, Any], order: str) -> dict[str, Any]:
    stored = {
        table: [item for item in items if item.get("orderId") != s(order)] for table, items in run["stored"].items()
    }
    return {**run, "stored": stored}


# --- the processor's own commits, on DynamoDB Local and on moto ---------------------------------------


def processor_traffic() -> list[list[str]]:
    """SQS bodies in batches, built once: lifecycles of twelve orders (each step in a later batch), the
    first batch delivered again, an event that overtakes the one before it, and an event id reused
    with other content."""
    orders = [str(uuid.uuid5(uuid.NAMESPACE_URL, f"parity-order-{index}")) for index in range(12)]
    lifecycles = [lifecycle(order_id, index) for index, order_id in enumerate(orders)]
    steps = [[body_of(events[step]) for events in lifecycles if len(events) > step] for step in range(3)]
    late = str(uuid.uuid5(uuid.NAMESPACE_URL, "parity-order-late"))
    overtaking = [body_of(order_created(late, "cust-late", Decimal(5))), body_of(payment_processed(late, Decimal(5)))]
    done = order_status_changed(late, OrderStatus.COMPLETED)
    taken = lifecycles[1][0].detail["metadata"]["eventId"]  # another order's creation
    reused = order_status_changed(orders[0], OrderStatus.CANCELLED, event_id=taken)
    return [
        *[step[start : start + 10] for step in steps for start in range(0, len(step), 10)],
        steps[0][:10],  # the first batch again: every event a duplicate
        [body_of(done), overtaking[0]],  # completed before its order exists: retried, not lost
        [overtaking[1], body_of(done), body_of(reused)],
    ]


def commit_traffic(client: Any, suffix: str, traffic: list[list[str]]) -> dict[str, Any]:
    """The traffic through the real applier and repository (clock, ledger clock and shards fixed, one
    thread): every batch's outcomes, the notifications and dead letters, then every item stored."""
    orders, events = f"pc-orders-{suffix}", f"pc-events-{suffix}"
    create_orders_table(client, orders)
    create_event_store_table(client, events)
    ticks = iter(range(1_000_000))
    repository = DynamoOrderRepository(
        client,
        orders,
        events,
        clock=lambda: f"2026-11-30T10:00:{next(ticks) % 60:02d}.000Z",
        wall=lambda: 1_796_000_000.0,
        rng=random.Random(7),
    )
    notifier, dead_letters = FakeNotifier(), FakeDeadLetters()
    outcomes = []
    try:
        with ThreadPoolExecutor(max_workers=1) as executor:
            applier = BatchApplier(repository, notifier, dead_letters, executor)
            for number, bodies in enumerate(traffic):
                records = [Record(f"m-{number}-{index}", body) for index, body in enumerate(bodies)]
                result = applier.apply(records)
                outcomes.append({message: str(one.outcome) for message, one in result.results.items()})
        stored = {
            table: sorted(
                client.scan(TableName=table, ConsistentRead=True)["Items"],
                key=lambda item: json.dumps(item, sort_keys=True),
            )
            for table in (orders, events)
        }
    finally:
        for table in (orders, events):
            client.delete_table(TableName=table)
    return {
        "outcomes": outcomes,
        # sorted: the notifications of a batch go out per order, in no order a consumer may rely on
        "notified": sorted((note.event.event_id, str(note.status)) for note in notifier.sent),
        "parked": sorted((rejection.record.message_id, str(rejection.error)) for rejection in dead_letters.parked),
        "items": list(stored.values()),
    }


def test_the_processor_commits_on_dynamodb_local_exactly_what_it_commits_on_moto(
    monkeypatch: pytest.MonkeyPatch, dynamodb_local: Any
) -> None:
    # GIVEN the processor's applier and repository, and traffic with duplicates, an overtaking event
    # and an event id reused with other content (each body built once, for both runs)
    suffix, traffic = uuid.uuid4().hex[:8], processor_traffic()

    # WHEN the traffic runs on AWS's DynamoDB Local and on moto with the PartiQL stand-in
    local = commit_traffic(dynamodb_local, suffix, traffic)
    with monkeypatch.context() as patch:
        use_fake_credentials(patch)
        with mock_aws():
            moto = commit_traffic(boto3.client("dynamodb", region_name="us-east-1"), suffix, traffic)

    # THEN the traffic did what it means to on DynamoDB Local: duplicates, a retry, a parked conflict
    seen = {outcome for batch in local["outcomes"] for outcome in batch.values()}
    assert {"applied", "duplicate", "retry"} <= seen, seen
    assert len(local["parked"]) == 1
    # AND every outcome, notification, dead letter and stored item is the same on both
    assert local["outcomes"] == moto["outcomes"]
    assert local["notified"] == moto["notified"]
    assert local["parked"] == moto["parked"]
    assert local["items"] == moto["items"]
