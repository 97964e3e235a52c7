"""A hung AWS endpoint: the processor's calls fail fast and its batch still reports every record.

The processor is imported as on a cold start, with its real client configuration, and pointed at a
server on 127.0.0.1 that accepts connections and never answers (a hung DynamoDB, SNS and SQS). With
botocore's defaults (60 s to read, three attempts) one such call outlives the 30 s function timeout,
and Lambda kills the invocation: no record is reported, the whole batch comes back after the
visibility timeout, and the logs say nothing of why.
"""

from __future__ import annotations

import gc
import importlib
import socket
import sys
import threading
import time
import uuid
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from concurrent.futures import TimeoutError as FutureTimeout
from dataclasses import dataclass
from decimal import Decimal
from types import ModuleType
from typing import Any

import pytest

from orders_shared.events import dumps, envelope_for, order_created, payment_processed
from tests.support.aws import FakeLambdaContext

FUNCTION_TIMEOUT_S = 30  # the template's ProcessorTimeout
COLD_START_MODULES = ("order_processor.app", "order_processor.telemetry", "orders_shared.observability")


@pytest.fixture
def hung_endpoint() -> Iterator[str]:
    """An HTTP endpoint on 127.0.0.1 that accepts every connection and never answers."""
    server = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    server.bind(("127.0.0.1", 0))
    server.listen(64)
    held: list[socket.socket] = []
    stop = threading.Event()

    def accept() -> None:
        server.settimeout(0.2)
        while not stop.is_set():
            try:
                connection, _ = server.accept()
            except TimeoutError:
                continue
            held.append(connection)  # read nothing, answer nothing

    thread = threading.Thread(target=accept, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.getsockname()[1]}"
    stop.set()
    thread.join()
    for connection in held:
        connection.close()
    server.close()


@pytest.fixture
def hung_app(monkeypatch: pytest.MonkeyPatch, hung_endpoint: str) -> Iterator[ModuleType]:
    environment = {
        "AWS_ENDPOINT_URL": hung_endpoint,
        "AWS_ACCESS_KEY_ID": "test",
        "AWS_SECRET_ACCESS_KEY": "test",
        "AWS_DEFAULT_REGION": "us-east-1",
        "ORDERS_TABLE_NAME": "Orders",
        "EVENT_STORE_TABLE_NAME": "EventStore",
        "NOTIFICATIONS_TOPIC_ARN": "arn:aws:sns:us-east-1:123456789012:notifications",
        "DEAD_LETTER_QUEUE_URL": f"{hung_endpoint}/123456789012/order-events-dlq",
        "STAGE": "test",
        "MAX_RECEIVE_COUNT": "5",
        "POWERTOOLS_METRICS_NAMESPACE": "OrderPipeline",
        "POWERTOOLS_SERVICE_NAME": "order-processor",
        "POWERTOOLS_TRACE_DISABLED": "true",
    }
    for name, value in environment.items():
        monkeypatch.setenv(name, value)
    for name in COLD_START_MODULES:
        monkeypatch.delitem(sys.modules, name, raising=False)
    module = importlib.import_module("order_processor.app")
    yield module
    module._executor.shutdown(wait=False, cancel_futures=True)
    gc.unfreeze()  # what the cold start froze (garbage of earlier tests included), handed back and collected
    gc.collect()
    for name in COLD_START_MODULES:
        sys.modules.pop(name, None)


@dataclass(frozen=True)
class TickingContext(FakeLambdaContext):
    """A Lambda context whose remaining time runs down with the wall clock, as Lambda's does."""

    started: float = 0.0

    def get_remaining_time_in_millis(self) -> int:
        return int(FUNCTION_TIMEOUT_S * 1000 - (time.monotonic() - self.started) * 1000)


def record(message_id: str, body: str) -> dict[str, Any]:
    return {
        "messageId": message_id,
        "receiptHandle": "handle",
        "body": body,
        "attributes": {"ApproximateReceiveCount": "1"},
        "messageAttributes": {},
        "eventSource": "aws:sqs",
    }


def test_processor_reports_every_record_before_its_timeout_when_aws_hangs(hung_app: ModuleType) -> None:
    # GIVEN a batch that needs every client: a creation (a commit), a payment of an existing order
    # (a read), and a malformed body (a park in the DLQ), while every AWS endpoint hangs
    ids = [str(uuid.uuid4()) for _ in range(3)]
    bodies = [
        dumps(envelope_for(order_created(str(uuid.uuid4()), "cust-42", Decimal(1)))),
        dumps(envelope_for(payment_processed(str(uuid.uuid4()), Decimal(1)))),
        "{not json",
    ]
    event = {"Records": [record(message_id, body) for message_id, body in zip(ids, bodies, strict=True)]}
    context = TickingContext(started=time.monotonic())
    # WHEN the handler runs, and Lambda would kill it at the function timeout
    runner = ThreadPoolExecutor(max_workers=1)
    invocation = runner.submit(hung_app.handler, event, context)
    try:
        response = invocation.result(timeout=FUNCTION_TIMEOUT_S)
    except FutureTimeout:
        pytest.fail(f"the invocation outlived its {FUNCTION_TIMEOUT_S} s timeout: no record would be reported")
    finally:
        runner.shutdown(wait=False)  # a hung invocation is left behind, as Lambda would kill it
    # THEN it returned in time, reporting each record for retry (none lost, none acknowledged)
    assert sorted(failure["itemIdentifier"] for failure in response["batchItemFailures"]) == sorted(ids)
