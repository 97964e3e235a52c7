"""The local emulator restarted cleanly (make down, make up) keeps the stack, its data and its wiring.

Runs only against the local emulator this project started (scripts/local_aws.py, as `make up` does);
against a stack on AWS or an emulator started elsewhere it is skipped. The file sorts last, so the
restart comes after the other integration tests.
"""

from __future__ import annotations

import os
import subprocess
import sys
import uuid
from collections.abc import Callable
from decimal import Decimal
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pytest

from orders_shared.events import OrderStatus, order_created, order_status_changed, payment_processed
from tests.integration.stack_client import Stack, eventually

ROOT = Path(__file__).resolve().parents[2]
Notifications = Callable[[str], list[dict[str, Any]]]


class LocalEmulator:
    """The emulator `make up` started, controlled through scripts/local_aws.py as make does."""

    def __init__(self, endpoint: str) -> None:
        self.port = urlsplit(endpoint).port
        self.state = ROOT / os.environ.get("LOCAL_STATE_DIR", ".local")
        self.ministack = ROOT / os.environ.get("MINISTACK_BIN", ".tools/ministack/bin/ministack")

    @property
    def pid(self) -> int | None:
        pid_file = self.state / "ministack.pid"
        return int(pid_file.read_text()) if pid_file.exists() else None

    def run(self, *args: str) -> str:
        command = [sys.executable, str(ROOT / "scripts" / "local_aws.py"), *args, "--state", str(self.state)]
        done = subprocess.run(command, capture_output=True, text=True, check=False, timeout=120)  # noqa: S603 - our script
        assert done.returncode == 0, f"{' '.join(args)} failed: {done.stdout}{done.stderr}"
        return done.stdout

    def restart(self) -> str:
        """Stop cleanly, then start again; returns what `down` said."""
        said = self.run("down")
        self.run("up", "--port", str(self.port), "--ministack", str(self.ministack))
        return said


@pytest.fixture(scope="module")
def emulator() -> LocalEmulator:
    endpoint = os.environ.get("AWS_ENDPOINT_URL")
    if not endpoint:
        pytest.skip("a stack on AWS: there is no emulator to restart")
    local = LocalEmulator(endpoint)
    if local.pid is None:
        pytest.skip(
            f"the emulator at {endpoint} was not started by scripts/local_aws.py (no {local.state}/ministack.pid)"
        )
    return local


def status_of(stack: Stack, order_id: str) -> str | None:
    item = stack.order(order_id)
    return item["status"]["S"] if item else None


def test_restart_keeps_orders_and_the_pipeline_processes_new_events(
    stack: Stack, notifications: Notifications, emulator: LocalEmulator
) -> None:
    # GIVEN two orders written through the pipeline: one paid, one created, with their notifications
    paid, created = str(uuid.uuid4()), str(uuid.uuid4())
    stack.publish(order_created(paid, "customer-restart-1", Decimal("30.00")))
    stack.publish(order_created(created, "customer-restart-2", Decimal("12.00")))
    eventually(lambda: status_of(stack, paid) == "pending" and status_of(stack, created) == "pending")
    stack.publish(payment_processed(paid, Decimal("30.00")))
    eventually(lambda: status_of(stack, paid) == "processing")
    eventually(lambda: len(notifications(paid)) >= 2)
    before = {order_id: stack.order(order_id) for order_id in (paid, created)}
    pid_before = emulator.pid

    # WHEN the emulator is stopped cleanly and started again
    said = emulator.restart()

    # THEN it is a new process that loaded the saved state: both orders and their streams are intact
    assert "state saved in" in said, said
    assert emulator.pid != pid_before
    assert {order_id: stack.order(order_id) for order_id in (paid, created)} == before
    assert [entry["version"]["N"] for entry in stack.stream(paid)] == ["1", "2"]
    # AND the pipeline (bus → rule → queue → mapping → processor → table + topic) handles new events
    stack.publish(order_status_changed(paid, OrderStatus.COMPLETED))
    stack.publish(order_status_changed(created, OrderStatus.CANCELLED))
    newcomer = str(uuid.uuid4())
    stack.publish(order_created(newcomer, "customer-restart-3", Decimal("5.00")))
    eventually(lambda: status_of(stack, paid) == "completed")
    eventually(lambda: status_of(stack, created) == "cancelled")
    eventually(lambda: status_of(stack, newcomer) == "pending")
    assert [entry["version"]["N"] for entry in stack.stream(paid)] == ["1", "2", "3"]
    # AND the subscription made before the restart still receives the notifications
    statuses = eventually(
        lambda: (found := notifications(paid)) and len(found) >= 3 and found,
    )
    assert sorted(m["MessageAttributes"]["status"]["StringValue"] for m in statuses) == [
        "completed",
        "pending",
        "processing",
    ]
    eventually(lambda: notifications(newcomer))
