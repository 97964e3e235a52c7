"""The metrics emitter: summing counter shards, collecting figures, and its adapters on moto.

The counters are written by the order processor's own repository (``DynamoOrderRepository``) on
moto, so the emitter is checked against the items the processor really writes, not a copy of them.
"""

from __future__ import annotations

import uuid
from decimal import Decimal
from typing import Any

import boto3
import pytest
from botocore.exceptions import EndpointConnectionError
from botocore.stub import Stubber

from metrics_emitter.adapters import DynamoCounters, SqsQueueStats
from metrics_emitter.domain import Figures, FiguresUnavailableError, QueueFigures, collect, sum_shards
from orders_shared.counters import STATS_SHARDS, stats_key
from orders_shared.events import OrderStatus, order_created, order_status_changed, payment_processed
from orders_shared.ledger import reduce_ledgers
from tests.support.aws import record_requests
from tests.unit.ops.ops_support import (
    EVENTS_TABLE,
    ORDERS_TABLE,
    REGION,
    FakeCounters,
    FakeQueueStats,
    commit_through_processor,
    send_to,
)

QUEUE = "https://sqs.example/order-events"
DEAD_LETTERS = "https://sqs.example/order-events-dlq"
ZERO_COUNTS = {"pending": 0, "processing": 0, "completed": 0, "cancelled": 0}


# --- the domain ---------------------------------------------------------------------------------------


def test_sum_shards_adds_each_status_over_the_shards() -> None:
    # GIVEN shards holding +1/-1 moves of orders between statuses
    shards = [
        {"pending": Decimal(3), "processing": Decimal(1)},
        {"pending": Decimal(-1), "completed": Decimal(2)},
        {"processing": Decimal(-1), "cancelled": Decimal(1)},
    ]
    # WHEN they are summed
    counts, _ = sum_shards(shards)
    # THEN each status is the sum over every shard, negatives included
    assert counts == {"pending": 2, "processing": 0, "completed": 2, "cancelled": 1}


def test_sum_shards_adds_revenue_exactly() -> None:
    # GIVEN shards with revenue in cents that a float would round
    shards = [{"revenue": Decimal("0.10")}, {"revenue": Decimal("0.20")}, {"completed": Decimal(1)}]
    # WHEN they are summed
    _, revenue = sum_shards(shards)
    # THEN the revenue is exact
    assert revenue == Decimal("0.30")


def test_sum_shards_of_no_shards_is_zero() -> None:
    # GIVEN no shard written yet (a new stack)
    # WHEN nothing is summed
    counts, revenue = sum_shards([])
    # THEN every status is 0 and so is the revenue
    assert (counts, revenue) == (ZERO_COUNTS, Decimal(0))


def test_collect_reads_both_queues_and_the_counters() -> None:
    # GIVEN queue figures for both queues and two counter shards
    stats = FakeQueueStats({QUEUE: QueueFigures(7, 3), DEAD_LETTERS: QueueFigures(2, 0)})
    counters = FakeCounters([{"pending": Decimal(4), "revenue": Decimal(10)}, {"completed": Decimal(1)}])
    # WHEN the figures are collected
    figures = collect(stats, counters, QUEUE, DEAD_LETTERS)
    # THEN the queue figures go where they belong and the shards are summed
    assert figures == Figures(
        queue=QueueFigures(7, 3),
        dead_letter_queue=QueueFigures(2, 0),
        orders_by_status={"pending": 4, "processing": 0, "completed": 1, "cancelled": 0},
        revenue=Decimal(10),
    )


def test_figures_as_metrics_names_every_metric_with_its_unit() -> None:
    # GIVEN figures
    figures = Figures(
        queue=QueueFigures(7, 3),
        dead_letter_queue=QueueFigures(2, 1),
        orders_by_status={"pending": 4, "processing": 5, "completed": 6, "cancelled": 8},
        revenue=Decimal("99.50"),
    )
    # WHEN they are turned into metrics
    metrics = figures.as_metrics()
    # THEN each metric has its PascalCase name, value and unit
    assert metrics == {
        "QueueDepth": (7, "Count"),
        "QueueInFlight": (3, "Count"),
        "DeadLetterQueueDepth": (2, "Count"),
        "DeadLetterQueueInFlight": (1, "Count"),
        "Revenue": (99.5, "None"),
        "OrdersPending": (4, "Count"),
        "OrdersProcessing": (5, "Count"),
        "OrdersCompleted": (6, "Count"),
        "OrdersCancelled": (8, "Count"),
    }


# --- the counter contract with the processor ---------------------------------------------------------


def test_dynamo_counters_asks_for_exactly_the_processor_shard_keys(dynamodb: Any) -> None:
    # GIVEN a record of the BatchGetItem requests the emitter makes
    requests = record_requests(dynamodb, "dynamodb.BatchGetItem")
    # WHEN it reads the counters
    DynamoCounters(dynamodb, ORDERS_TABLE).shards()
    # THEN it asked, in one call, for every key the processor's stats_key gives, read consistently
    # (the reducer of the same run has just added the settled ledgers to these items)
    [request] = requests
    keys = {key["orderId"]["S"] for key in request["RequestItems"][ORDERS_TABLE]["Keys"]}
    assert keys == {stats_key(shard) for shard in range(STATS_SHARDS)}
    assert request["RequestItems"][ORDERS_TABLE]["ConsistentRead"] is True


@pytest.fixture
def committed(dynamodb: Any) -> None:
    """Orders moved through the processor's repository on moto, on several shards (the last one too).

    A: created (100.00) → processing → completed.  B: created (50) → cancelled.  C: created (7.50).
    """
    a, b, c = (str(uuid.uuid4()) for _ in range(3))
    events = [
        order_created(a, "cust-1", Decimal("100.00")),
        order_created(b, "cust-2", Decimal(50)),
        order_created(c, "cust-3", Decimal("7.50")),
        payment_processed(a, Decimal("100.00")),
        order_status_changed(a, OrderStatus.COMPLETED),
        order_status_changed(b, OrderStatus.CANCELLED),
    ]
    commit_through_processor(dynamodb, events, seed=3)
    reduce_ledgers(dynamodb, EVENTS_TABLE, ORDERS_TABLE, settle_s=0)


@pytest.mark.usefixtures("committed")
def test_dynamo_counters_count_orders_per_status_as_the_processor_wrote_them(dynamodb: Any) -> None:
    # GIVEN three orders moved through the processor's repository (fixture)
    # WHEN the emitter reads and sums the counters
    counts, _ = sum_shards(DynamoCounters(dynamodb, ORDERS_TABLE).shards())
    # THEN each order counts once, in its current status
    assert counts == {"pending": 1, "processing": 0, "completed": 1, "cancelled": 1}


@pytest.mark.usefixtures("committed")
def test_dynamo_counters_count_revenue_of_completed_orders_only(dynamodb: Any) -> None:
    # GIVEN one completed order of 100.00, one cancelled of 50 and one pending of 7.50 (fixture)
    # WHEN the emitter reads and sums the counters
    _, revenue = sum_shards(DynamoCounters(dynamodb, ORDERS_TABLE).shards())
    # THEN the revenue is the completed order's amount
    assert revenue == Decimal("100.00")


def test_dynamo_counters_read_nothing_from_a_new_table(dynamodb: Any) -> None:
    # GIVEN an Orders table no counter was written to
    # WHEN the emitter reads the counters
    shards = DynamoCounters(dynamodb, ORDERS_TABLE).shards()
    # THEN there are no shards
    assert list(shards) == []


def test_dynamo_counters_read_unprocessed_keys_again() -> None:
    # GIVEN a BatchGetItem that leaves one key unprocessed, then returns it
    client = boto3.client("dynamodb", region_name=REGION)
    left = {ORDERS_TABLE: {"Keys": [{"orderId": {"S": "#stats#07"}}]}}
    with Stubber(client) as stubber:
        stubber.add_response(
            "batch_get_item",
            {
                "Responses": {ORDERS_TABLE: [{"orderId": {"S": "#stats#01"}, "pending": {"N": "2"}}]},
                "UnprocessedKeys": left,
            },
        )
        stubber.add_response(
            "batch_get_item",
            {"Responses": {ORDERS_TABLE: [{"orderId": {"S": "#stats#07"}, "pending": {"N": "3"}}]}},
            expected_params={"RequestItems": left},
        )
        # WHEN the emitter reads the counters
        shards = DynamoCounters(client, ORDERS_TABLE, pause_s=0).shards()
        # THEN both answers are in the shards
        assert sorted(shard["pending"] for shard in shards) == [Decimal(2), Decimal(3)]
        stubber.assert_no_pending_responses()


def test_dynamo_counters_give_up_on_keys_still_unprocessed_after_the_last_try() -> None:
    # GIVEN a table that leaves a shard key unprocessed on every call (throttled)
    client = boto3.client("dynamodb", region_name=REGION)
    left = {ORDERS_TABLE: {"Keys": [{"orderId": {"S": "#stats#07"}}]}}
    with Stubber(client) as stubber:
        for _ in range(3):
            stubber.add_response("batch_get_item", {"Responses": {ORDERS_TABLE: []}, "UnprocessedKeys": left})
        # WHEN the emitter reads the counters, with three calls at most
        with pytest.raises(FiguresUnavailableError) as raised:
            DynamoCounters(client, ORDERS_TABLE, tries=3, pause_s=0).shards()
        # THEN it made exactly those three calls, and the run fails naming the table
        stubber.assert_no_pending_responses()
    assert str(raised.value) == f"BatchGetItem on {ORDERS_TABLE}: shard keys still unprocessed after 3 calls"


def test_dynamo_counters_pause_before_asking_again(monkeypatch: pytest.MonkeyPatch) -> None:
    # GIVEN a call that leaves a key unprocessed, then one that returns it, and a recorded sleep
    client = boto3.client("dynamodb", region_name=REGION)
    left = {ORDERS_TABLE: {"Keys": [{"orderId": {"S": "#stats#07"}}]}}
    pauses: list[float] = []
    monkeypatch.setattr("metrics_emitter.adapters.time.sleep", pauses.append)
    with Stubber(client) as stubber:
        stubber.add_response("batch_get_item", {"Responses": {ORDERS_TABLE: []}, "UnprocessedKeys": left})
        stubber.add_response("batch_get_item", {"Responses": {ORDERS_TABLE: []}})
        # WHEN the emitter reads the counters
        DynamoCounters(client, ORDERS_TABLE, pause_s=0.25).shards()
    # THEN it paused once, for the pause it was given, before the second call
    assert pauses == [0.25]


def test_dynamo_counters_name_the_table_and_the_error_of_an_unreachable_endpoint() -> None:
    # GIVEN a client whose calls cannot reach DynamoDB at all
    class Unreachable:
        def batch_get_item(self, **_: Any) -> Any:
            raise EndpointConnectionError(endpoint_url="https://dynamodb.us-east-1.amazonaws.com")

    # WHEN the emitter reads the counters
    with pytest.raises(FiguresUnavailableError) as raised:
        DynamoCounters(Unreachable(), ORDERS_TABLE).shards()  # type: ignore[arg-type]
    # THEN the run fails with the figures' error, naming the table and what went wrong
    assert str(raised.value) == f"BatchGetItem on {ORDERS_TABLE} failed: EndpointConnectionError"


# --- queue figures on moto ----------------------------------------------------------------------------


def test_sqs_queue_stats_reads_visible_and_in_flight_messages(sqs: Any, moto_source: str) -> None:
    # GIVEN three messages in a queue, one of them received and not yet deleted
    for n in range(3):
        send_to(sqs, moto_source, f"message {n}")
    sqs.receive_message(QueueUrl=moto_source, MaxNumberOfMessages=1, VisibilityTimeout=60)
    # WHEN the emitter reads the queue's figures
    figures = SqsQueueStats(sqs).figures(moto_source)
    # THEN two are visible and one in flight
    assert figures == QueueFigures(visible=2, in_flight=1)


# --- a source that cannot be read ---------------------------------------------------------------------


def test_sqs_queue_stats_names_the_queue_and_code_of_a_refused_read(sqs: Any) -> None:
    # GIVEN a queue URL with no queue behind it (moto has none)
    # WHEN the emitter reads its figures
    with pytest.raises(FiguresUnavailableError) as raised:
        SqsQueueStats(sqs).figures(QUEUE)
    # THEN the error names the call, the queue and the code AWS gave
    assert str(raised.value) == f"GetQueueAttributes on {QUEUE} failed: AWS.SimpleQueueService.NonExistentQueue"


def test_dynamo_counters_name_the_table_and_code_of_a_refused_read() -> None:
    # GIVEN a BatchGetItem throttled as a whole
    client = boto3.client("dynamodb", region_name=REGION)
    with Stubber(client) as stubber:
        stubber.add_client_error("batch_get_item", service_error_code="ProvisionedThroughputExceededException")
        # WHEN the emitter reads the counters
        with pytest.raises(FiguresUnavailableError) as raised:
            DynamoCounters(client, ORDERS_TABLE).shards()
    # THEN the error names the call, the table and the code
    assert str(raised.value) == f"BatchGetItem on {ORDERS_TABLE} failed: ProvisionedThroughputExceededException"
