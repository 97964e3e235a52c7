"""What a cold start imports: the handler's module loads no boto3, and only the validators a batch uses.

It also leaves the garbage collector on, with what the cold start built frozen.

Each check runs in a fresh interpreter (the test process has imported everything already). Timing
is the benchmark's job (`make bench`, "cold start as deployed"); this only pins down the imports the
figure depends on.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[3]

_PROBE = """
import gc, json, sys
import order_processor.app
collector = {"enabled": gc.isenabled(), "frozen": gc.get_freeze_count()}
from orders_shared.events import dumps, envelope_for, order_created, parse_sqs_body
def validators():
    prefix = "orders_shared._validators."
    return sorted(name.removeprefix(prefix) for name in sys.modules if name.startswith(prefix))
at_import = validators()
boto3 = sorted(name for name in sys.modules if name == "boto3" or name.startswith(("boto3.", "s3transfer")))
NOT_NEEDED = ("order_processor.ports", "fastjsonschema")
parse_sqs_body(dumps(envelope_for(order_created("7c9e6679-7425-40de-944b-e07fc1f90ae7", "customer-1", 10))))
loaded = sorted(name for name in NOT_NEEDED if name in sys.modules)
result = {"boto3": boto3, "at_import": at_import, "after_created": validators(), "gc": collector, "loaded": loaded}
print(json.dumps(result))
"""


def _probe() -> dict[str, Any]:
    env = {key: value for key, value in os.environ.items() if not key.startswith("PYTHON")}
    env.update(
        PYTHONPATH=os.pathsep.join(str(ROOT / path) for path in ("layers/shared/python", "functions/order_processor")),
        PYTHONDONTWRITEBYTECODE="1",
        AWS_ACCESS_KEY_ID="testing",
        AWS_SECRET_ACCESS_KEY="testing",  # noqa: S106 - dummy
        AWS_DEFAULT_REGION="us-east-1",
        AWS_REGION="us-east-1",
        ORDERS_TABLE_NAME="Orders",
        EVENT_STORE_TABLE_NAME="EventStore",
        NOTIFICATIONS_TOPIC_ARN="arn:aws:sns:us-east-1:123456789012:notifications",
        DEAD_LETTER_QUEUE_URL="https://sqs.us-east-1.amazonaws.com/123456789012/order-events-dlq",
        MAX_RECEIVE_COUNT="5",
        STAGE="test",
        POWERTOOLS_SERVICE_NAME="order-pipeline",
        POWERTOOLS_METRICS_NAMESPACE="OrderPipeline",
        POWERTOOLS_TRACE_DISABLED="true",
    )
    completed = subprocess.run(  # noqa: S603 - this interpreter, our own probe
        [sys.executable, "-c", _PROBE], env=env, capture_output=True, text=True, check=True, timeout=120
    )
    result: dict[str, Any] = json.loads(completed.stdout.splitlines()[-1])
    return result


def test_cold_imports_no_boto3_and_each_validator_on_first_use() -> None:
    # GIVEN a fresh interpreter WHEN the handler's module is imported and one OrderCreated is parsed
    probe = _probe()

    # THEN the clients came from botocore alone: no boto3, no s3transfer
    assert probe["boto3"] == []
    # AND the import loaded only the envelope's validator; the detail loaded its major's reader, no other
    assert probe["at_import"] == ["envelope"]
    assert probe["after_created"] == ["OrderCreated_1_x", "envelope"]


def test_cold_imports_collector_frozen_after_the_cold_start_and_running_again() -> None:
    # GIVEN a fresh interpreter WHEN the handler's module is imported
    probe = _probe()

    # THEN what the cold start built was frozen (no collection scans it again)
    assert probe["gc"]["frozen"] > 10_000
    # AND the garbage collector, off during the imports, runs again
    assert probe["gc"]["enabled"] is True


def test_cold_imports_neither_the_ports_nor_fastjsonschema_for_a_valid_event() -> None:
    # GIVEN a fresh interpreter WHEN the handler's module is imported and one OrderCreated is parsed
    probe = _probe()

    # THEN neither the ports (Protocols for the type checker) nor fastjsonschema (which only the full
    # validators import, for what a fast path declines) were imported
    assert probe["loaded"] == []
