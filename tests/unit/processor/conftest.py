"""Fixtures for the order processor's unit tests: SQS builders, in-memory ports, moto resources, repositories.

Nothing here reaches the network: the domain runs against fakes, the adapters against moto
(``mock_aws``) or botocore's Stubber, and the handler against moto with its real adapters.
"""

from __future__ import annotations

import gc
import hashlib
import importlib
import random
import sys
import uuid
from collections.abc import Callable, Collection, Iterator, Sequence
from concurrent.futures import ThreadPoolExecutor
from decimal import Decimal
from types import ModuleType
from typing import Any

import boto3
import pytest
from botocore.stub import Stubber

from order_processor.applier import BatchApplier
from order_processor.model import (
    Change,
    CommitResult,
    Committed,
    Duplicate,
    Failed,
    Notification,
    OrderState,
    Outcome,
    Record,
    Recorded,
    Refused,
    Rejection,
)
from order_processor.repository import DynamoOrderRepository
from orders_shared.errors import RetryableError
from orders_shared.events import (
    NewEvent,
    OrderEvent,
    content_digest,
    order_created,
    parse_sqs_body,
    payment_processed,
)
from tests.support.aws import ACCOUNT, REGION, FakeLambdaContext, drain, record_requests
from tests.support.events import body_of
from tests.support.tables import EVENTS_TABLE, ORDERS_TABLE
from tests.unit.processor.processor_support import (
    EVENT_ID,
    NOW,
    OCCURRED_AT,
    ORDER_ID,
    SHARD,
    Parse,
    change_of,
    pending,
)

QUEUE_ARN = f"arn:aws:sqs:{REGION}:{ACCOUNT}:order-events"


# --- SQS builders -----------------------------------------------------------------------------


def sqs_record(body: str, message_id: str | None = None) -> dict[str, Any]:
    """One record of a Lambda SQS event, with every field the trigger sends."""
    message_id = message_id or str(uuid.uuid4())
    return {
        "messageId": message_id,
        "receiptHandle": f"AQEB{uuid.uuid4().hex}{uuid.uuid4().hex}",
        "body": body,
        "attributes": {
            "ApproximateReceiveCount": "1",
            "SentTimestamp": "1795687200000",
            "SenderId": "AIDAIENQZJOLO23YVJ4VO",
            "ApproximateFirstReceiveTimestamp": "1795687200012",
        },
        "messageAttributes": {},
        "md5OfBody": hashlib.md5(body.encode("utf-8"), usedforsecurity=False).hexdigest(),
        "eventSource": "aws:sqs",
        "eventSourceARN": QUEUE_ARN,
        "awsRegion": REGION,
    }


def sqs_event(records: Sequence[dict[str, Any]]) -> dict[str, Any]:
    """A Lambda SQS event (a batch of Records)."""
    return {"Records": list(records)}


@pytest.fixture
def body() -> Callable[[NewEvent], str]:
    """Build the SQS body of an event (``dumps(envelope_for(event))``)."""
    return body_of


@pytest.fixture
def record() -> Callable[..., Record]:
    """Build a domain Record from a NewEvent or a raw body, with a fresh message id unless given."""

    def build(source: NewEvent | str, message_id: str | None = None) -> Record:
        text = source if isinstance(source, str) else body_of(source)
        return Record(message_id or str(uuid.uuid4()), text)

    return build


@pytest.fixture
def parsed() -> Callable[[NewEvent], OrderEvent]:
    """The OrderEvent the processor parses out of a NewEvent's SQS body."""
    return lambda event: parse_sqs_body(body_of(event))


@pytest.fixture
def lambda_event() -> Callable[..., dict[str, Any]]:
    """Build a Lambda SQS event from ``(message_id, body)`` pairs."""
    return lambda *pairs: sqs_event([sqs_record(text, message_id) for message_id, text in pairs])


# --- in-memory ports ----------------------------------------------------------------------------


class FakeRepository:
    """The OrderRepository port in memory: projection, streams and idempotency markers.

    ``fail_on`` maps an order id or an event id to an exception (for as long as it stays in the map):
    a RetryableError makes ``commit`` and ``record_ignored`` report Failed, as the adapter does on
    throttling; any other is raised, as a bug would be. ``load_error`` fails ``load``.
    """

    def __init__(self) -> None:
        self.orders: dict[str, OrderState] = {}
        self.streams: dict[str, list[str]] = {}  # order id -> event ids; version = position + 1
        self.markers: dict[str, Recorded] = {}  # event id -> what its marker holds
        self.reasons: dict[str, str] = {}  # event id -> why it was ignored
        self.commits: list[Change] = []
        self.fail_on: dict[str, Exception] = {}
        self.load_error: Exception | None = None

    def seed(self, state: OrderState) -> None:
        """An order that already exists, at ``state.version``."""
        self.orders[state.order_id] = state
        self.streams[state.order_id] = [f"seed-{n}" for n in range(state.version)]

    def load(self, order_ids: Collection[str]) -> dict[str, OrderState]:
        if self.load_error is not None:
            raise self.load_error
        return {order_id: self.orders[order_id] for order_id in order_ids if order_id in self.orders}

    def commit(self, changes: Sequence[Change]) -> list[CommitResult]:
        """The port's one write path, as DynamoDB runs it: each change all or nothing, on its own conditions."""
        return [self._commit_one(change) for change in changes]

    def _commit_one(self, change: Change) -> CommitResult:
        failure = self._failure(change.event)
        if failure is not None:
            return failure
        if change.event.event_id in self.markers:
            return Duplicate(self.markers[change.event.event_id])
        current = self.orders.get(change.new.order_id)
        expected = change.previous.version if change.previous else None
        if (current.version if current else None) != expected:
            return Refused(f"order {change.new.order_id} changed concurrently")
        self.orders[change.new.order_id] = change.new
        self.streams.setdefault(change.new.order_id, []).append(change.event.event_id)
        previous = change.previous.status if change.previous else None
        self.markers[change.event.event_id] = _recorded(change.event, Outcome.APPLIED, change.new.status, previous)
        self.commits.append(change)
        return Committed()

    def record_ignored(self, event: OrderEvent, reason: str) -> CommitResult:
        failure = self._failure(event)
        if failure is not None:
            return failure
        if event.event_id in self.markers:
            return Duplicate(self.markers[event.event_id])
        self.markers[event.event_id] = _recorded(event, Outcome.IGNORED)
        self.reasons[event.event_id] = reason
        return Committed()

    def recorded(self, event: OrderEvent) -> Recorded | None:
        failure = self._failure(event)
        if failure is not None:
            raise failure.error
        return self.markers.get(event.event_id)

    def _failure(self, event: OrderEvent) -> Failed | None:
        # A RetryableError is what the adapter reports as Failed; anything else is a bug: raised.
        error = self.fail_on.get(event.event_id) or self.fail_on.get(event.order_id)
        if isinstance(error, RetryableError):
            return Failed(error)
        if error is not None:
            raise error
        return None


def _recorded(event: OrderEvent, outcome: Outcome, *statuses: Any) -> Recorded:
    return Recorded(outcome, event.order_id, str(event.detail_type), content_digest(event), *statuses)


class FakeNotifier:
    """The Notifier port: keeps what it sent; the event ids in ``failing`` fail (and are not sent)."""

    def __init__(self) -> None:
        self.sent: list[Notification] = []
        self.failing: set[str] = set()

    def notify(self, notifications: Sequence[Notification]) -> set[str]:
        failed = {note.event.event_id for note in notifications if note.event.event_id in self.failing}
        self.sent.extend(note for note in notifications if note.event.event_id not in failed)
        return failed


class FakeDeadLetters:
    """The DeadLetters port: keeps what it parked; ``unavailable`` makes every send fail."""

    def __init__(self) -> None:
        self.parked: list[Rejection] = []
        self.unavailable = False

    def park(self, rejections: Sequence[Rejection]) -> set[str]:
        if self.unavailable:
            return {rejection.record.message_id for rejection in rejections}
        self.parked.extend(rejections)
        return set()


@pytest.fixture
def repository() -> FakeRepository:
    return FakeRepository()


@pytest.fixture
def notifier() -> FakeNotifier:
    return FakeNotifier()


@pytest.fixture
def dead_letters() -> FakeDeadLetters:
    return FakeDeadLetters()


@pytest.fixture
def executor() -> Iterator[ThreadPoolExecutor]:
    """One worker: orders run one after another, in submission order (deterministic)."""
    with ThreadPoolExecutor(max_workers=1) as pool:
        yield pool


@pytest.fixture
def applier(
    repository: FakeRepository, notifier: FakeNotifier, dead_letters: FakeDeadLetters, executor: ThreadPoolExecutor
) -> BatchApplier:
    return BatchApplier(repository, notifier, dead_letters, executor)


# --- moto resources -----------------------------------------------------------------------------


@pytest.fixture
def topic_arn(sns: Any) -> str:
    """The Notifications topic on moto."""
    return str(sns.create_topic(Name="notifications")["TopicArn"])


@pytest.fixture
def sqs(aws: None) -> Any:
    return boto3.client("sqs", region_name=REGION)


@pytest.fixture
def dlq_url(sqs: Any) -> str:
    """The order-events dead-letter queue on moto."""
    return str(sqs.create_queue(QueueName="order-events-dlq")["QueueUrl"])


@pytest.fixture
def subscribed_queue(sns: Any, sqs: Any, topic_arn: str) -> str:
    """A queue subscribed to the Notifications topic (SNS JSON envelope, not raw delivery)."""
    url = str(sqs.create_queue(QueueName="notifications-inbox")["QueueUrl"])
    arn = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
    sns.subscribe(TopicArn=topic_arn, Protocol="sqs", Endpoint=arn)
    return url


@pytest.fixture
def receive_all(sqs: Any) -> Callable[[str], list[dict[str, Any]]]:
    """Receive every message waiting in a moto queue."""
    return lambda queue_url: drain(sqs, queue_url)


# --- the handler --------------------------------------------------------------------------------


@pytest.fixture
def lambda_context() -> FakeLambdaContext:
    return FakeLambdaContext()


# Modules that read the environment at import: imported afresh, as on a cold start.
_COLD_START_MODULES = ("order_processor.app", "order_processor.telemetry", "orders_shared.observability")


@pytest.fixture
def app(monkeypatch: pytest.MonkeyPatch, dynamodb: Any, topic_arn: str, dlq_url: str) -> Iterator[ModuleType]:
    """``order_processor.app`` imported inside moto, after its environment and resources exist.

    The module builds its settings, clients and applier at import (cold start), so it is imported
    here, fresh, and dropped from ``sys.modules`` afterwards; nothing in it is patched.
    """
    environment = {
        "ORDERS_TABLE_NAME": ORDERS_TABLE,
        "EVENT_STORE_TABLE_NAME": EVENTS_TABLE,
        "NOTIFICATIONS_TOPIC_ARN": topic_arn,
        "DEAD_LETTER_QUEUE_URL": dlq_url,
        "STAGE": "test",
        "MAX_RECEIVE_COUNT": "5",
        "POWERTOOLS_METRICS_NAMESPACE": "OrderPipeline",
        "POWERTOOLS_SERVICE_NAME": "order-processor",
        "POWERTOOLS_TRACE_DISABLED": "true",
        "AWS_DEFAULT_REGION": REGION,
    }
    for name, value in environment.items():
        monkeypatch.setenv(name, value)
    for name in _COLD_START_MODULES:
        monkeypatch.delitem(sys.modules, name, raising=False)
    module = importlib.import_module("order_processor.app")
    yield module
    module._executor.shutdown(wait=True)
    # The import froze every object of this process (gc.freeze, as a cold start does), garbage of earlier
    # tests included: the test process outlives many cold starts, so that is handed back and collected.
    gc.unfreeze()
    gc.collect()
    for name in _COLD_START_MODULES:
        sys.modules.pop(name, None)  # monkeypatch then puts back whatever was imported before


@pytest.fixture
def invoke(app: ModuleType, lambda_context: FakeLambdaContext) -> Callable[[dict[str, Any]], dict[str, Any]]:
    """Call ``app.handler`` with an SQS event, as the Lambda runtime does."""
    return lambda event: app.handler(event, lambda_context)


# --- the DynamoDB repository: on moto, or on a stubbed client ------------------------------------


@pytest.fixture
def repo(dynamodb: Any) -> DynamoOrderRepository:
    return DynamoOrderRepository(dynamodb, "Orders", "EventStore", clock=lambda: NOW, rng=random.Random(SHARD))


@pytest.fixture
def created(repo: DynamoOrderRepository, parsed: Parse) -> Change:
    """An order created through the repository (pending, version 1)."""
    change = change_of(parsed, order_created(ORDER_ID, "cust-42", Decimal("129.99")), None)
    repo.commit([change])
    return change


@pytest.fixture
def transact_calls(stubbed: tuple[Any, Stubber]) -> list[dict[str, Any]]:
    """Every TransactWriteItems request, recorded before the Stubber answers it.

    The Stubber's own assertion errors are botocore errors, which the repository turns into
    RetryableError; recording the requests lets the tests assert on them directly.
    """
    client, _ = stubbed
    return record_requests(client, "dynamodb.TransactWriteItems")


@pytest.fixture
def payment(parsed: Parse) -> Change:
    """PaymentProcessed on a pending order at version 1, with a fixed event id and time."""
    event = payment_processed(
        ORDER_ID,
        Decimal("129.99"),
        payment_id="0a9b8c7d-6e5f-4a3b-9c2d-1e0f9a8b7c6d",
        event_id=EVENT_ID,
        clock=lambda: OCCURRED_AT,
    )
    return change_of(parsed, event, pending(version=1))
