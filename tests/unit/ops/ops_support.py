"""Test doubles and helpers shared by the operations tests (fakes of the domain ports, moto helpers)."""

from __future__ import annotations

import itertools
import random
import time
import uuid
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, replace
from decimal import Decimal
from typing import Any

from dlq_redriver.domain import Report, Request, redrive
from dlq_redriver.messages import DlqMessage
from metrics_emitter.domain import QueueFigures
from order_processor.decision import decide
from order_processor.model import Change
from order_processor.repository import DynamoOrderRepository
from orders_shared.events import NewEvent, order_created, parse_sqs_body
from tests.support.aws import ACCOUNT, REGION
from tests.support.events import body_of
from tests.support.tables import EVENTS_TABLE, ORDERS_TABLE

DLQ_URL = f"https://sqs.{REGION}.amazonaws.com/{ACCOUNT}/order-events-dlq"
SOURCE_URL = f"https://sqs.{REGION}.amazonaws.com/{ACCOUNT}/order-events"
NOW_MS = 1_795_687_200_000  # the fake clock of the domain tests
VISIBILITY = 30  # the adapter's receive visibility timeout, in seconds


# --- the redriver's Queues port in memory --------------------------------------------------------


@dataclass(slots=True)
class _Stored:
    message: DlqMessage
    visible: bool = True


class FakeQueues:
    """The redriver's ``Queues`` port in memory, recording every call.

    A receive hides what it returns and hands out a fresh receipt handle; a delete needs the latest
    handle. ``failing_sends`` and ``failing_deletes`` hold the message ids whose send or delete fails.
    """

    def __init__(self) -> None:
        self._queues: dict[str, list[_Stored]] = {}
        self._handles = itertools.count(1)
        self.receives: list[tuple[str, int]] = []
        self.sends: list[tuple[str, list[tuple[DlqMessage, Mapping[str, str]]]]] = []
        self.deletes: list[tuple[str, list[str]]] = []
        self.releases: list[tuple[str, list[str]]] = []
        self.failing_sends: set[str] = set()
        self.failing_deletes: set[str] = set()

    def put(
        self,
        queue_url: str,
        body: str = '{"not": "an envelope"}',
        attributes: Mapping[str, str] | None = None,
        *,
        sent_ms: int = NOW_MS - 3_600_000,
    ) -> DlqMessage:
        """Enqueue a message (visible) and return it."""
        message = DlqMessage(str(uuid.uuid4()), "", body, dict(attributes or {}), sent_ms)
        self._queues.setdefault(queue_url, []).append(_Stored(message))
        return message

    def messages(self, queue_url: str) -> list[DlqMessage]:
        """Every message in a queue, visible or not."""
        return [stored.message for stored in self._queues.get(queue_url, [])]

    def visible(self, queue_url: str) -> list[DlqMessage]:
        """The messages of a queue a receive could return now."""
        return [stored.message for stored in self._queues.get(queue_url, []) if stored.visible]

    def receive(self, queue_url: str, count: int) -> list[DlqMessage]:
        self.receives.append((queue_url, count))
        batch: list[DlqMessage] = []
        for stored in self._queues.get(queue_url, []):
            if len(batch) == min(count, 10):
                break
            if stored.visible:
                stored.visible = False
                stored.message = replace(stored.message, receipt_handle=f"handle-{next(self._handles)}")
                batch.append(stored.message)
        return batch

    def send(self, queue_url: str, messages: Sequence[tuple[DlqMessage, Mapping[str, str]]]) -> set[str]:
        self.sends.append((queue_url, list(messages)))
        sent: set[str] = set()
        for message, attributes in messages:
            if message.message_id in self.failing_sends:
                continue
            self.put(queue_url, message.body, attributes, sent_ms=NOW_MS)
            sent.add(message.message_id)
        return sent

    def delete(self, queue_url: str, messages: Sequence[DlqMessage]) -> set[str]:
        self.deletes.append((queue_url, [message.message_id for message in messages]))
        handles = {m.receipt_handle for m in messages if m.message_id not in self.failing_deletes}
        stored = self._queues.get(queue_url, [])
        deleted = {s.message.message_id for s in stored if s.message.receipt_handle in handles}
        self._queues[queue_url] = [s for s in stored if s.message.message_id not in deleted]
        return deleted

    def release(self, queue_url: str, messages: Sequence[DlqMessage]) -> None:
        self.releases.append((queue_url, [message.message_id for message in messages]))
        handles = {message.receipt_handle for message in messages}
        for stored in self._queues.get(queue_url, []):
            if stored.message.receipt_handle in handles:
                stored.visible = True


# --- the emitter's ports in memory ---------------------------------------------------------------


class FakeQueueStats:
    """The emitter's ``QueueStats`` port: fixed figures per queue URL."""

    def __init__(self, figures: Mapping[str, QueueFigures]) -> None:
        self._figures = dict(figures)

    def figures(self, queue_url: str) -> QueueFigures:
        return self._figures[queue_url]


class FakeCounters:
    """The emitter's ``Counters`` port: fixed shards."""

    def __init__(self, shards: Iterable[Mapping[str, Decimal]]) -> None:
        self._shards = list(shards)

    def shards(self) -> Iterable[Mapping[str, Decimal]]:
        return list(self._shards)


# --- moto helpers --------------------------------------------------------------------------------


def commit_through_processor(dynamodb: Any, events: Iterable[NewEvent], seed: int | None = None) -> None:
    """Apply events with the order processor's own repository, as its handler does (with their ledgers).

    ``seed`` fixes the ledger shards the commits pick (random, as in production, if None); the
    counters move when the ledgers are reduced (the metrics emitter's first step).
    """
    repository = DynamoOrderRepository(dynamodb, ORDERS_TABLE, EVENTS_TABLE, rng=random.Random(seed))
    for event in events:
        parsed = parse_sqs_body(body_of(event))
        change = decide(parsed, repository.load([parsed.order_id]).get(parsed.order_id))
        assert isinstance(change, Change), change
        repository.commit([change])


def send_to(sqs: Any, queue_url: str, body: str, attributes: Mapping[str, str] | None = None) -> None:
    """Send one message with string attributes to a moto queue."""
    sqs.send_message(
        QueueUrl=queue_url,
        MessageBody=body,
        MessageAttributes={name: {"DataType": "String", "StringValue": v} for name, v in (attributes or {}).items()},
    )


def depth(sqs: Any, queue_url: str) -> tuple[int, int]:
    """(visible, in flight) messages of a moto queue."""
    attributes = sqs.get_queue_attributes(
        QueueUrl=queue_url, AttributeNames=["ApproximateNumberOfMessages", "ApproximateNumberOfMessagesNotVisible"]
    )["Attributes"]
    return int(attributes["ApproximateNumberOfMessages"]), int(attributes["ApproximateNumberOfMessagesNotVisible"])


# --- running the redriver's domain on FakeQueues ---------------------------------------------


def run(
    queues: FakeQueues,
    request: Request | None = None,
    *,
    remaining_ms: Callable[[], int] = lambda: 300_000,
) -> Report:
    """Redrive from the DLQ to the source queue with a fixed clock and plenty of time left."""
    return redrive(request or Request(), queues, DLQ_URL, SOURCE_URL, remaining_ms=remaining_ms, now_ms=lambda: NOW_MS)


def order_bodies(count: int) -> list[str]:
    """The SQS bodies of ``count`` OrderCreated events of distinct orders (amounts 0, 1, 2...)."""
    return [body_of(order_created(str(uuid.uuid4()), "cust-42", Decimal(n))) for n in range(count)]


def fill(queues: FakeQueues, count: int) -> list[str]:
    """Put ``count`` retry-exhausted order events in the DLQ; returns their bodies."""
    bodies = order_bodies(count)
    for body in bodies:
        queues.put(DLQ_URL, body)
    return bodies


# --- the redriver's SQS adapter -------------------------------------------------------------


def now_ms() -> int:
    """The wall clock in milliseconds, as the redriver's handler reads it."""
    return int(time.time() * 1000)


class FailureLog:
    """An ``on_failure`` sink recording (call, queue URL, error code, entries)."""

    def __init__(self) -> None:
        self.failures: list[tuple[str, str, str, int]] = []

    def __call__(self, call: str, queue_url: str, code: str, entries: int) -> None:
        self.failures.append((call, queue_url, code, entries))
