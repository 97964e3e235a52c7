"""The two operations handlers end to end on moto: the emitter's EMF line, the redriver's responses.

``metrics_emitter.app`` and ``dlq_redriver.app`` build their settings and clients at import, as on a
cold start: the ``emitter_app`` and ``redriver_app`` fixtures import them afresh inside moto once the
environment and resources exist, and drop them afterwards. Nothing in them is patched.
"""

from __future__ import annotations

import json
import uuid
from decimal import Decimal
from types import ModuleType
from typing import Any

import pytest

from orders_shared.events import OrderStatus, order_created, order_status_changed, payment_processed
from tests.support.aws import FakeLambdaContext, drain
from tests.unit.ops.ops_support import commit_through_processor, depth, send_to

# --- the metrics emitter ------------------------------------------------------------------------------


def emf_lines(stdout: str) -> list[dict[str, Any]]:
    """The Embedded Metric Format documents among the JSON lines a handler printed."""
    documents = [json.loads(line) for line in stdout.splitlines() if line.startswith("{")]
    return [document for document in documents if "_aws" in document]


def values(document: dict[str, Any], *names: str) -> dict[str, list[float]]:
    """The values of the named metrics in an EMF document (EMF allows one value or a list of them)."""
    found = {name: document[name] for name in names}
    return {name: value if isinstance(value, list) else [value] for name, value in found.items()}


@pytest.fixture
def pipeline_state(sqs: Any, dynamodb: Any, moto_source: str, moto_dlq: str) -> None:
    """Three messages waiting (one of them in flight), two in the DLQ, and orders committed by the processor.

    Orders: one completed (120.50), one processing (30), two pending (10 and 5).
    """
    for n in range(3):
        send_to(sqs, moto_source, f"event {n}")
    sqs.receive_message(QueueUrl=moto_source, MaxNumberOfMessages=1, VisibilityTimeout=60)
    for n in range(2):
        send_to(sqs, moto_dlq, f"dead {n}", {"rejectionReason": "SchemaViolation"})
    done, paid, new1, new2 = (str(uuid.uuid4()) for _ in range(4))
    events = [
        order_created(done, "cust-1", Decimal("120.50")),
        order_created(paid, "cust-2", Decimal(30)),
        order_created(new1, "cust-3", Decimal(10)),
        order_created(new2, "cust-4", Decimal(5)),
        payment_processed(done, Decimal("120.50")),
        payment_processed(paid, Decimal(30)),
        order_status_changed(done, OrderStatus.COMPLETED),
    ]
    commit_through_processor(dynamodb, events)


@pytest.fixture
def emf(
    pipeline_state: None, emitter_app: ModuleType, lambda_context: FakeLambdaContext, capsys: pytest.CaptureFixture[str]
) -> dict[str, Any]:
    """The one EMF document the emitter's handler printed for the pipeline state."""
    capsys.readouterr()
    emitter_app.handler({}, lambda_context)
    [document] = emf_lines(capsys.readouterr().out)
    return document


def test_emitter_handler_emits_in_the_order_pipeline_namespace(emf: dict[str, Any]) -> None:
    # GIVEN the handler ran once (fixture)
    # WHEN its EMF document is read
    [directive] = emf["_aws"]["CloudWatchMetrics"]
    # THEN the metrics go to the OrderPipeline namespace
    assert directive["Namespace"] == "OrderPipeline"


def test_emitter_handler_emits_the_dimensions_the_dashboard_reads(emf: dict[str, Any]) -> None:
    # GIVEN the handler ran once with STAGE=test (fixture)
    # WHEN its EMF document is read
    [directive] = emf["_aws"]["CloudWatchMetrics"]
    # THEN the only dimension set is (service, Stage), as the dashboard's widgets name them
    assert [set(dimensions) for dimensions in directive["Dimensions"]] == [{"service", "Stage"}]
    assert (emf["Stage"], emf["service"]) == ("test", "order-pipeline")


def test_emitter_handler_emits_queue_depths(emf: dict[str, Any]) -> None:
    # GIVEN 3 messages in the queue (1 in flight) and 2 in the DLQ (fixture)
    # WHEN the EMF document is read
    figures = values(emf, "QueueDepth", "QueueInFlight", "DeadLetterQueueDepth")
    # THEN it holds the depths, once each
    assert figures == {"QueueDepth": [2], "QueueInFlight": [1], "DeadLetterQueueDepth": [2]}


def test_emitter_handler_emits_orders_by_status_and_revenue(emf: dict[str, Any]) -> None:
    # GIVEN orders committed by the processor's repository: 2 pending, 1 processing, 1 completed (fixture)
    # WHEN the EMF document is read
    figures = values(emf, "OrdersPending", "OrdersProcessing", "OrdersCompleted", "OrdersCancelled", "Revenue")
    # THEN it holds the counts per status and the revenue of the completed order, once each
    assert figures == {
        "OrdersPending": [2],
        "OrdersProcessing": [1],
        "OrdersCompleted": [1],
        "OrdersCancelled": [0],
        "Revenue": [120.5],
    }


def test_emitter_handler_declares_every_metric_it_emits(emf: dict[str, Any]) -> None:
    # GIVEN the handler ran once (fixture)
    # WHEN its metric declarations are read
    [directive] = emf["_aws"]["CloudWatchMetrics"]
    declared = {metric["Name"]: metric.get("Unit") for metric in directive["Metrics"]}
    # THEN the nine figures are declared with their units (CloudWatch ignores undeclared keys)
    assert declared == {
        "QueueDepth": "Count",
        "QueueInFlight": "Count",
        "DeadLetterQueueDepth": "Count",
        "DeadLetterQueueInFlight": "Count",
        "Revenue": "None",
        "OrdersPending": "Count",
        "OrdersProcessing": "Count",
        "OrdersCompleted": "Count",
        "OrdersCancelled": "Count",
    }


# --- the DLQ redriver ----------------------------------------------------------------------------------


@pytest.mark.filterwarnings("ignore:No application metrics to publish:UserWarning")
@pytest.mark.parametrize(
    ("payload", "field"),
    [({"maxMessages": "ten"}, "maxMessages"), ({"dryrun": True}, "dryrun"), ({"filter": {"reasons": "x"}}, "reasons")],
)
def test_redriver_handler_refuses_a_bad_payload_naming_the_field(
    redriver_app: ModuleType, lambda_context: FakeLambdaContext, payload: dict[str, Any], field: str
) -> None:
    # GIVEN a payload with a wrong field
    # WHEN the handler is invoked with it
    response = redriver_app.handler(payload, lambda_context)
    # THEN it answers only an error, which names the field
    assert set(response) == {"error"}
    assert field in response["error"]


def test_redriver_handler_dry_run_returns_the_report(
    redriver_app: ModuleType, lambda_context: FakeLambdaContext, sqs: Any, moto_dlq: str
) -> None:
    # GIVEN four retry-exhausted messages in the DLQ
    for n in range(4):
        send_to(sqs, moto_dlq, f"dead {n}")
    # WHEN a dry run of up to four messages is invoked (the limit spares the last, long-polling receive)
    response = redriver_app.handler({"dryRun": True, "maxMessages": 4}, lambda_context)
    # THEN the report says four would move and none did
    assert response == {
        "examined": 4,
        "moved": 0,
        "parked": 0,
        "parkedReasons": {},
        "filteredOut": 0,
        "failed": 0,
        "deleteFailed": 0,
        "wouldMove": 4,
        "stoppedBy": "maxMessages",
        "byReason": {"RetryExhausted": {"examined": 4, "wouldMove": 4}},
        "parkedMessages": [],
    }


def test_redriver_handler_dry_run_leaves_the_dlq_as_it_was(
    redriver_app: ModuleType, lambda_context: FakeLambdaContext, sqs: Any, moto_dlq: str, moto_source: str
) -> None:
    # GIVEN four messages in the DLQ
    for n in range(4):
        send_to(sqs, moto_dlq, f"dead {n}")
    # WHEN a dry run is invoked (maxMessages spares the last, long-polling receive)
    redriver_app.handler({"dryRun": True, "maxMessages": 4}, lambda_context)
    # THEN all four are visible in the DLQ again at once, and the source queue got nothing
    assert depth(sqs, moto_dlq) == (4, 0)
    assert depth(sqs, moto_source) == (0, 0)


def test_redriver_handler_parks_a_forged_count_and_goes_on(
    redriver_app: ModuleType, lambda_context: FakeLambdaContext, sqs: Any, moto_dlq: str, moto_source: str
) -> None:
    # GIVEN a message whose redriveCount is five thousand nines, and a retry-exhausted one
    send_to(sqs, moto_dlq, "forged", {"redriveCount": "9" * 5_000})
    send_to(sqs, moto_dlq, "dead 1")
    # WHEN the handler is invoked (maxMessages spares the last, long-polling receive)
    response = redriver_app.handler({"maxMessages": 2}, lambda_context)
    # THEN it answers a report: one moved, one parked under its reason, visible in the DLQ again
    assert (response["moved"], response["parked"], response["parkedReasons"]) == (1, 1, {"RedriveCountInvalid": 1})
    assert depth(sqs, moto_dlq) == (1, 0)
    assert [message["Body"] for message in drain(sqs, moto_source)] == ["dead 1"]


@pytest.mark.filterwarnings("ignore:No application metrics to publish:UserWarning")
def test_redriver_handler_refuses_a_target_queue(
    redriver_app: ModuleType, lambda_context: FakeLambdaContext, sqs: Any, moto_dlq: str, moto_source: str
) -> None:
    # GIVEN a message in the DLQ, and a request naming the source queue as target
    send_to(sqs, moto_dlq, "dead 1")
    # WHEN the handler is invoked with it
    response = redriver_app.handler({"targetQueueUrl": moto_source}, lambda_context)
    # THEN it answers only an error naming the field, and nothing moved
    assert set(response) == {"error"}
    assert "targetQueueUrl" in response["error"]
    assert depth(sqs, moto_dlq) == (1, 0)
