"""Fixtures for the operations functions' unit tests: the DLQ redriver and the metrics emitter.

Nothing here reaches the network: the domains run against in-memory fakes of their ports
(``ops_support``), the adapters against moto (``mock_aws``) or botocore's Stubber, and the handlers
against moto with their real adapters, imported afresh inside the mock as on a cold start.
"""

from __future__ import annotations

import importlib
import sys
from collections.abc import Iterator, Mapping
from types import ModuleType
from typing import Any

import pytest

from tests.support.aws import FakeLambdaContext
from tests.unit.ops.ops_support import (
    EVENTS_TABLE,
    ORDERS_TABLE,
    REGION,
    FakeQueues,
)


@pytest.fixture
def queues() -> FakeQueues:
    return FakeQueues()


# --- moto resources ------------------------------------------------------------------------------


@pytest.fixture
def moto_dlq(sqs: Any) -> str:
    """The order-events dead-letter queue on moto."""
    return str(sqs.create_queue(QueueName="order-events-dlq")["QueueUrl"])


@pytest.fixture
def moto_source(sqs: Any) -> str:
    """The order-events queue on moto."""
    return str(sqs.create_queue(QueueName="order-events")["QueueUrl"])


# --- the handlers ---------------------------------------------------------------------------------


@pytest.fixture
def lambda_context() -> FakeLambdaContext:
    return FakeLambdaContext("ops-function", remaining_ms=300_000)


POWERTOOLS_ENVIRONMENT = {
    "STAGE": "test",
    "POWERTOOLS_METRICS_NAMESPACE": "OrderPipeline",
    "POWERTOOLS_SERVICE_NAME": "order-pipeline",
    "POWERTOOLS_TRACE_DISABLED": "true",
    "AWS_DEFAULT_REGION": REGION,
}


def cold_start(monkeypatch: pytest.MonkeyPatch, module_name: str, environment: Mapping[str, str]) -> ModuleType:
    """Import ``module_name`` afresh with ``environment`` set, as Lambda does on a cold start.

    The handler modules build their settings and clients at import, so they are imported inside
    moto once the resources exist; nothing in them is patched.
    """
    for name, value in {**POWERTOOLS_ENVIRONMENT, **environment}.items():
        monkeypatch.setenv(name, value)
    for name in (module_name, "orders_shared.observability"):
        monkeypatch.delitem(sys.modules, name, raising=False)
    return importlib.import_module(module_name)


def forget(module_name: str) -> None:
    """Drop a cold-started module; monkeypatch then restores whatever was imported before."""
    for name in (module_name, "orders_shared.observability"):
        sys.modules.pop(name, None)


@pytest.fixture
def emitter_app(
    monkeypatch: pytest.MonkeyPatch, sqs: Any, dynamodb: Any, moto_source: str, moto_dlq: str
) -> Iterator[ModuleType]:
    """``metrics_emitter.app`` imported inside moto, with its queues and table."""
    environment = {
        "QUEUE_URL": moto_source,
        "DEAD_LETTER_QUEUE_URL": moto_dlq,
        "ORDERS_TABLE_NAME": ORDERS_TABLE,
        "EVENT_STORE_TABLE_NAME": EVENTS_TABLE,
        "LEDGER_SETTLE_SECONDS": "0",  # no processor runs while the tests' emitter does
    }
    module = cold_start(monkeypatch, "metrics_emitter.app", environment)
    # moto is not safe for threads: the shards are reduced one after another here (side by side in
    # the layer's test, on moto made safe for threads).
    monkeypatch.setattr(module, "_executor", None)
    yield module
    forget("metrics_emitter.app")


@pytest.fixture
def redriver_app(monkeypatch: pytest.MonkeyPatch, sqs: Any, moto_source: str, moto_dlq: str) -> Iterator[ModuleType]:
    """``dlq_redriver.app`` imported inside moto, with its two queues."""
    environment = {
        "DEAD_LETTER_QUEUE_URL": moto_dlq,
        "SOURCE_QUEUE_URL": moto_source,
        "RECEIVE_VISIBILITY_SECONDS": "30",
    }
    yield cold_start(monkeypatch, "dlq_redriver.app", environment)
    forget("dlq_redriver.app")
