"""The read side on the deployed stack: make history, make audit and make rebuild, the processor running.

The commands run as `make` runs them (scripts/event_store.py with this process's environment: the
emulator's endpoint and the stack name), and are judged by their exit codes and what they print.
"""

from __future__ import annotations

import os
import subprocess
import sys
import time
import uuid
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest

from orders_shared.events import NewEvent, OrderStatus, order_created, order_status_changed, payment_processed
from orders_shared.projection import view_from_item
from tests.integration.stack_client import Stack, eventually

ROOT = Path(__file__).resolve().parents[2]
DRAIN_TIMEOUT_S = 180


def event_store(*arguments: str, timeout: float = 300) -> subprocess.CompletedProcess[str]:
    """Run scripts/event_store.py against the stack under test, as its make targets do."""
    env = {**os.environ, "PYTHONPATH": str(ROOT / "layers/shared/python"), "COLUMNS": "200"}
    stack_name = os.environ.get("STACK_NAME", "order-pipeline-local")
    return subprocess.run(  # noqa: S603 - our own script, arguments built here
        [sys.executable, str(ROOT / "scripts/event_store.py"), "--stack", stack_name, *arguments],
        capture_output=True,
        text=True,
        env=env,
        timeout=timeout,
        check=False,
    )


def lifecycle(order_id: str, index: int) -> list[NewEvent]:
    amount = Decimal(index + 10) + Decimal("0.5")
    steps = [order_created(order_id, f"it-readside-{index}", amount), payment_processed(order_id, amount)]
    final = OrderStatus.COMPLETED if index % 2 else OrderStatus.CANCELLED
    return [*steps, order_status_changed(order_id, final)]


def publish_orders(stack: Stack, count: int) -> dict[str, list[NewEvent]]:
    """``count`` order lifecycles, each step published once the step before is applied."""
    ids = [str(uuid.uuid4()) for _ in range(count)]
    plans = {order_id: lifecycle(order_id, index) for index, order_id in enumerate(ids)}
    for step in range(3):
        stack.publish(*(events[step] for events in plans.values()))
        for order_id in plans:
            eventually(lambda order_id=order_id, step=step: len(stack.stream(order_id)) > step, timeout=DRAIN_TIMEOUT_S)
    return plans


def test_history_prints_an_orders_events_and_states(stack: Stack) -> None:
    # GIVEN an order taken through its lifecycle by the deployed pipeline
    order_id = next(iter(publish_orders(stack, 1)))

    # WHEN its history is asked for, now and as of version 2
    now = event_store("history", order_id)
    then = event_store("history", order_id, "--version", "2")

    # THEN both exit 0: the three events with their types, and the state now and then
    assert now.returncode == 0, now.stdout + now.stderr
    for kind in ("OrderCreated", "PaymentProcessed", "OrderStatusChanged"):
        assert kind in now.stdout
    assert "cancelled" in now.stdout
    assert then.returncode == 0, then.stdout + then.stderr
    assert "State as of version 2" in then.stdout
    assert "processing" in then.stdout


@pytest.mark.parametrize(
    ("arguments", "code", "message"),
    [
        (["history", "8f14e45f-ceea-467f-a0e6-d3c2f8e8a0b1"], 1, "has no stored events"),
        (["history", "123"], 2, "is not an order id"),
        (["history", "8f14e45f-ceea-467f-a0e6-d3c2f8e8a0b1", "--at", "soon"], 2, "is not an ISO 8601 time"),
    ],
)
def test_history_refuses_what_it_cannot_show(stack: Stack, arguments: list[str], code: int, message: str) -> None:
    # GIVEN an unknown order or bad input WHEN asked THEN the exit code and a clear message
    result = event_store(*arguments)
    assert result.returncode == code, result.stdout + result.stderr
    assert message in result.stdout


def test_history_refuses_a_version_the_order_never_had(stack: Stack) -> None:
    # GIVEN a three-event order WHEN asked for version 7 THEN exit 1 naming the range
    order_id = next(iter(publish_orders(stack, 1)))
    result = event_store("history", order_id, "--version", "7")
    assert result.returncode == 1
    assert "the stream has versions 1 to 3" in result.stdout


# The projection's own attributes on an order's head (storage format 2): the head also holds the
# stream (its event ids, their ledgers, the version), which deleting a projection must keep.
PROJECTION_ONLY = ("customerId", "amount", "currency", "createdAt", "status", "lastEventId", "updatedAt", "occurredAt")


def delete_projection(stack: Stack, order_id: str) -> None:
    """Remove an order's projection from its head, keeping its stream (what deleting the item did in format 1)."""
    stack.dynamodb.update_item(
        TableName=stack.outputs["OrdersTableName"],
        Key={"orderId": {"S": order_id}},
        UpdateExpression="REMOVE " + ", ".join(f"#p{index}" for index in range(len(PROJECTION_ONLY))),
        ExpressionAttributeNames={f"#p{index}": name for index, name in enumerate(PROJECTION_ONLY)},
    )


def has_projection(stack: Stack, order_id: str) -> bool:
    """Whether the order's head holds a projection (a status)."""
    return "status" in (stack.order(order_id) or {})


def damage(stack: Stack, order_ids: list[str]) -> tuple[list[str], list[str]]:
    """Delete a third of the projections and corrupt a few others; the deleted and corrupted ids."""
    table = stack.outputs["OrdersTableName"]
    deleted = order_ids[::3]
    for order_id in deleted:
        delete_projection(stack, order_id)
    corrupted = [order_id for order_id in order_ids if order_id not in deleted][:4]
    changes: list[tuple[str, dict[str, Any]]] = [
        ("SET customerId = :v", {":v": {"S": "corrupted"}}),
        ("SET amount = :v", {":v": {"N": "123456"}}),
        ("SET stray = :v", {":v": {"S": "left by hand"}}),
        ("REMOVE lastEventId", {}),
    ]
    for order_id, (expression, values) in zip(corrupted, changes, strict=True):
        stack.dynamodb.update_item(
            TableName=table,
            Key={"orderId": {"S": order_id}},
            UpdateExpression=expression,
            **({"ExpressionAttributeValues": values} if values else {}),
        )
    return deleted, corrupted


def test_rebuild_repairs_the_projection_while_the_processor_runs(stack: Stack) -> None:
    # GIVEN orders applied by the pipeline, and an audit that finds no drift
    orders = list(publish_orders(stack, 12))
    stack.reduce_when_drained()  # the audit checks the counters: every commit's ledger added first
    before = event_store("audit")
    assert before.returncode == 0, before.stdout + before.stderr

    # WHEN a third of their projections is deleted and four others corrupted
    deleted, corrupted = damage(stack, orders)

    # THEN the audit exits 1 and names them
    found = event_store("audit", "--examples", "50")
    assert found.returncode == 1, found.stdout + found.stderr
    assert "drift: missing" in found.stdout
    for order_id in [*deleted, *corrupted]:
        assert order_id in found.stdout

    # WHEN a rebuild runs while new orders are published and applied by the processor
    rebuild = subprocess.Popen(  # noqa: S603 - our own script
        [sys.executable, str(ROOT / "scripts/event_store.py"), "--stack", stack.name, "rebuild"],
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        env={**os.environ, "PYTHONPATH": str(ROOT / "layers/shared/python"), "COLUMNS": "200"},
    )
    during: dict[str, list[NewEvent]] = {}
    while rebuild.poll() is None and len(during) < 30:
        ids = [str(uuid.uuid4()) for _ in range(3)]
        wave = {order_id: lifecycle(order_id, 100 + len(during) + index) for index, order_id in enumerate(ids)}
        for step in range(3):
            stack.publish(*(events[step] for events in wave.values()))
        during.update(wave)
        time.sleep(0.2)
    output, _ = rebuild.communicate(timeout=600)

    # THEN the rebuild finishes cleanly, having overlapped the publishing
    assert rebuild.returncode == 0, output
    assert during, "no order was published while the rebuild ran"
    assert "finished" in output

    # THEN every event published during the rebuild is applied (each order at its final status)
    for order_id, events in during.items():
        final = "completed" if "completed" in events[2].detail_json else "cancelled"
        eventually(
            lambda order_id=order_id, final=final: (item := stack.order(order_id)) and item["status"]["S"] == final,
            timeout=DRAIN_TIMEOUT_S,
        )

    # THEN the damaged orders are the fold of their streams again, and the audit finds no drift
    for order_id in [*deleted, *corrupted]:
        item = stack.order(order_id)
        assert item is not None
        assert view_from_item(item).customer_id.startswith("it-readside-")
        assert "stray" not in item
    stack.reduce_when_drained()
    after = event_store("audit")
    assert after.returncode == 0, after.stdout + after.stderr
    assert "audit: no drift" in after.stdout


def test_rebuild_resumes_after_an_interruption_and_twice_changes_nothing(stack: Stack) -> None:
    # GIVEN orders, two of their projections deleted, and a rebuild stopped after one index page
    orders = list(publish_orders(stack, 3))
    for order_id in orders[:2]:
        delete_projection(stack, order_id)
    first = event_store("rebuild", "--max-pages", "1")
    assert first.returncode == 0, first.stdout + first.stderr
    assert "stopped at a checkpoint" in first.stdout

    # WHEN run again, and once more
    second = event_store("rebuild")
    third = event_store("rebuild")

    # THEN the second resumes from the checkpoint and finishes, the third writes nothing
    assert second.returncode == 0, second.stdout + second.stderr
    assert "yes, from a checkpoint" in second.stdout
    assert third.returncode == 0, third.stdout + third.stderr
    assert "│ 0 (0 again" in third.stdout
    assert all(has_projection(stack, order_id) for order_id in orders)


def test_rebuild_into_a_new_table_audits_clean(stack: Stack) -> None:
    # GIVEN a new table with the Orders table's key
    table = f"it-orders-rebuilt-{uuid.uuid4().hex[:8]}"
    stack.dynamodb.create_table(
        TableName=table,
        AttributeDefinitions=[{"AttributeName": "orderId", "AttributeType": "S"}],
        KeySchema=[{"AttributeName": "orderId", "KeyType": "HASH"}],
        BillingMode="PAY_PER_REQUEST",
    )
    try:
        # WHEN the projection is rebuilt into it, then it is audited
        stack.reduce_when_drained()
        rebuilt = event_store("rebuild", "--table", table)
        audited = event_store("audit", "--table", table)

        # THEN both exit 0: the new table holds every order and counters matching them
        assert rebuilt.returncode == 0, rebuilt.stdout + rebuilt.stderr
        assert audited.returncode == 0, audited.stdout + audited.stderr
    finally:
        stack.dynamodb.delete_table(TableName=table)
