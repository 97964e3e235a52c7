"""Reliability harness: fault injection on boto3 clients, an at-least-once SQS simulator, the soak.

Nothing here touches production code paths. Faults are injected through botocore's event hooks on
the clients handed to the real adapters, and the real :class:`~order_processor.domain.BatchApplier`
runs against moto. The module is free of pytest so that ``tests/reliability/soak.py`` can use it.

Three adjustments to moto, all in :func:`moto_for_threads`, make the soak meaningful and finish:

- moto's in-process transport is not thread-safe: ``TransactWriteItems`` checks its conditions and
  then writes, and on a cancellation it puts back a copy of every table it touched, undoing what
  other threads wrote meanwhile. Every moto request therefore runs under one lock; the threads of the
  applier still interleave between calls, as Lambda's do between round trips.
- moto raises (a UnicodeEncodeError) on an SQS message holding a lone surrogate, where SQS answers
  ``InvalidMessageContents``; the transport answers that instead.
- moto deep-copies each table a transaction touches before it starts (measured: 200 transactions on
  a 6,000-item table took 51 s), which makes a soak quadratic. The copy is replaced by a snapshot of
  only the items the transaction names, restored on any failure: the same all-or-nothing result.

Determinism: each fault is drawn from ``Random(seed, operation, request digest, occurrence)``, so a
seed replays the same faults whatever the thread schedule. The digest ignores what varies from run
to run without meaning anything (botocore's ``ClientRequestToken``, the order of batch entries, which
the processor sometimes takes from a set); the rest is made reproducible by seeded ids, a fixed clock
and a fixed counter shard. Same seed, same figures.
"""

from __future__ import annotations

import copy
import hashlib
import heapq
import json
import logging
import multiprocessing
import os
import random
import threading
import time
import uuid
from collections import Counter, defaultdict, deque
from collections.abc import Callable, Iterator, Mapping, Sequence
from concurrent.futures import Future, ProcessPoolExecutor, ThreadPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass, field
from decimal import Decimal
from enum import StrEnum
from types import SimpleNamespace
from typing import Any
from unittest import mock

import boto3
import moto.dynamodb.models as moto_dynamodb_models
from botocore.awsrequest import AWSResponse
from botocore.config import Config
from botocore.exceptions import ClientError, EndpointConnectionError, ReadTimeoutError
from moto import mock_aws
from moto.core.botocore_stubber import BotocoreStubber, MockRawResponse
from moto.dynamodb.models import DynamoDBBackend
from moto.dynamodb.models.dynamo_type import DynamoType
from moto.dynamodb.models.table import Table

from dlq_redriver.domain import DlqMessage, Request, redrive
from order_processor.applier import BatchApplier, BatchResult
from order_processor.dead_letters import SqsDeadLetters
from order_processor.model import Outcome, Record
from order_processor.notifier import SnsNotifier
from order_processor.repository import DynamoOrderRepository
from orders_shared.errors import InvalidEventError
from orders_shared.events import (
    NewEvent,
    OrderStatus,
    dumps,
    envelope_for,
    order_created,
    order_status_changed,
    parse_sqs_body,
    payment_failed,
    payment_processed,
)
from tests.reliability import corpus
from tests.support.aws import FAKE_CREDENTIALS
from tests.support.tables import create_tables

log = logging.getLogger(__name__)

REGION = "us-east-1"
ACCOUNT = "123456789012"
FIXED_NOW = "2025-06-01T12:00:00.000Z"  # every clock: requests repeat byte for byte under a seed
MAX_RECEIVE_COUNT = 5  # the order-events redrive policy (AWS guidance: at least 5 behind Lambda)
BATCH_SIZE = 10  # the event source mapping's default batch size
# Retries off, so that every injected fault reaches the adapters (botocore's max_attempts counts retries
# only); parameter validation off, as in the function.
NO_RETRIES = Config(retries={"total_max_attempts": 1}, parameter_validation=False)
REJECTION_REASONS = frozenset({"MalformedJson", "SchemaViolation", "UnknownEventType"})


def fixed_clock() -> str:
    """The clock of every adapter and event: the same instant, always."""
    return FIXED_NOW


def seeded_uuid(rng: random.Random) -> str:
    """A version-4 UUID drawn from ``rng`` (reproducible, unlike ``uuid.uuid4``)."""
    return str(uuid.UUID(int=rng.getrandbits(128), version=4))


# --- moto, made safe for threads and linear in time -----------------------------------------------


def _copy_all_but_tables(value: Any, memo: dict[int, Any] | None = None) -> Any:
    return value if isinstance(value, Table) else copy.deepcopy(value, memo)


def _item_key(table: Table, op_type: str, op: Mapping[str, Any]) -> tuple[DynamoType, DynamoType | None]:
    attrs = op["Item"] if op_type == "Put" else op["Key"]
    range_value = DynamoType(attrs[table.range_key_attr]) if table.range_key_attr else None
    return DynamoType(attrs[table.hash_key_attr]), range_value


def _restore(table: Table, key: tuple[DynamoType, DynamoType | None], old: Any) -> None:
    hash_value, range_value = key
    if old is None:
        table.delete_item(hash_value, range_value)
    elif range_value is None:
        table.items[hash_value] = old
    else:
        table.items[hash_value][range_value] = old


def _sqs_invalid_message_contents(url: str) -> AWSResponse:
    body = json.dumps({"__type": "com.amazonaws.sqs#InvalidMessageContents", "message": "Invalid characters found."})
    headers = {"Content-Type": "application/x-amz-json-1.0", "x-amzn-query-error": "InvalidMessageContents;Sender"}
    return AWSResponse(url, 400, headers, MockRawResponse(body))


@contextmanager
def moto_for_threads() -> Iterator[threading.RLock]:
    """Serialise moto's transport and roll transactions back item by item (see the module doc).

    Yields the transport lock (a test can hold it to freeze the backend).
    """
    lock = threading.RLock()
    stub_call = BotocoreStubber.__call__
    transact = DynamoDBBackend.transact_write_items

    def locked_call(self: BotocoreStubber, event_name: str, request: Any, **kwargs: Any) -> Any:
        with lock:
            try:
                return stub_call(self, event_name, request, **kwargs)
            except UnicodeEncodeError:
                if "://sqs." not in request.url:
                    raise
                # SQS answers InvalidMessageContents for characters it does not allow; moto crashes.
                return _sqs_invalid_message_contents(request.url)

    def item_rollback_transact(self: DynamoDBBackend, transact_items: list[dict[str, Any]]) -> None:
        snapshots = []
        for entry in transact_items:
            op_type, op = next(iter(entry.items()))
            table = self.tables.get(op.get("TableName", ""))
            try:
                key = _item_key(table, op_type, op) if table is not None else None
            except KeyError:
                key = None  # a malformed action: moto refuses the whole call before writing
            if table is not None and key is not None:
                snapshots.append((table, key, copy.deepcopy(table.get_item(*key))))
        try:
            transact(self, transact_items)
        except Exception:
            for table, key, old in reversed(snapshots):
                _restore(table, key, old)
            raise

    no_table_copy = SimpleNamespace(deepcopy=_copy_all_but_tables)
    with (
        mock.patch.object(BotocoreStubber, "__call__", locked_call),
        mock.patch.object(DynamoDBBackend, "transact_write_items", item_rollback_transact),
        mock.patch.object(moto_dynamodb_models, "copy", no_table_copy),
    ):
        yield lock


# --- fault injection ------------------------------------------------------------------------------


class Fault(StrEnum):
    """What the injector can do to one call."""

    THROTTLING = "ThrottlingException"
    THROUGHPUT = "ProvisionedThroughputExceededException"  # DynamoDB only
    INTERNAL = "InternalServerError"  # HTTP 500
    UNAVAILABLE = "ServiceUnavailable"  # HTTP 503
    CONNECTION = "EndpointConnectionError"  # never reached the service
    TIMEOUT_BEFORE = "ReadTimeoutError(not executed)"
    TIMEOUT_AFTER = "ReadTimeoutError(executed)"  # the service did it; the answer was lost
    CONFLICT = "TransactionConflict"  # TransactWriteItems only
    PARTIAL = "PartialBatchFailure"  # a batch call answers 200 with one entry not done


_STATUS = {Fault.THROTTLING: 400, Fault.THROUGHPUT: 400, Fault.INTERNAL: 500, Fault.UNAVAILABLE: 503}
_COMMON = (
    Fault.THROTTLING,
    Fault.INTERNAL,
    Fault.UNAVAILABLE,
    Fault.CONNECTION,
    Fault.TIMEOUT_BEFORE,
    Fault.TIMEOUT_AFTER,
)
_EXTRA: Mapping[str, tuple[Fault, ...]] = {
    "TransactWriteItems": (Fault.THROUGHPUT, Fault.CONFLICT),
    "BatchGetItem": (Fault.THROUGHPUT, Fault.PARTIAL),
    "PutItem": (Fault.THROUGHPUT,),
    "GetItem": (Fault.THROUGHPUT,),
    "Query": (Fault.THROUGHPUT,),
    "PublishBatch": (Fault.PARTIAL,),
    "SendMessageBatch": (Fault.PARTIAL,),
}


_MEMBER = "PublishBatchRequestEntries.member."


def _canonical(value: Any) -> Any:
    # Order-free: the processor builds some requests by iterating a set, whose order changes from
    # one process to the next (string hashing is salted), and a fault must not depend on it. So
    # lists are sorted, and batch entry ids (positions) dropped.
    if isinstance(value, dict):
        return {key: _canonical(item) for key, item in value.items() if key != "Id"}
    if isinstance(value, list):
        return sorted((_canonical(item) for item in value), key=lambda item: json.dumps(item, sort_keys=True))
    return value


def _query_entries(body: dict[str, Any]) -> dict[str, Any]:
    """A query-protocol PublishBatch body as ``{other fields, "entries": [{field: value}]}``."""
    entries: dict[str, dict[str, Any]] = defaultdict(dict)
    rest = {}
    for name, value in body.items():
        if name.startswith(_MEMBER):
            index, _, suffix = name.removeprefix(_MEMBER).partition(".")
            entries[index][suffix] = value
        else:
            rest[name] = value
    return {**rest, "entries": list(entries.values())}


def _digest(body: Any) -> str:
    document = json.loads(body) if isinstance(body, bytes) and body else body
    if isinstance(document, dict):
        document.pop("ClientRequestToken", None)  # botocore fills it with a fresh uuid4 on every call
        if "Action" in document:
            document = _query_entries(document)
    return hashlib.sha256(json.dumps(_canonical(document), sort_keys=True, default=str).encode()).hexdigest()


class FaultInjector:
    """Fails a share of the calls of the clients it is attached to, reproducibly for a seed.

    Parameters
    ----------
    seed : int
        Fault decisions are ``Random(f"{seed}:{operation}:{digest}:{n}")`` for the n-th identical
        request, so they do not depend on which thread asks first.
    rate : float
        The share of calls that fail (0 disables injection; the counters still count calls).
    """

    def __init__(self, seed: int, rate: float) -> None:
        self.seed = seed
        self.rate = rate
        self.calls: Counter[str] = Counter()
        self.injected: Counter[str] = Counter()
        self._seen: Counter[str] = Counter()
        self._lock = threading.Lock()

    def attach(self, client: Any) -> Any:
        """Register the hooks on one boto3 client (and return it)."""
        client.meta.events.register("before-call.*.*", self._before_call)
        client.meta.events.register("after-call.*.*", self._after_call)
        return client

    @property
    def total_injected(self) -> int:
        """How many calls were failed."""
        return sum(self.injected.values())

    def _choose(self, operation: str, body: Any) -> Fault | None:
        digest = _digest(body)
        with self._lock:
            occurrence = self._seen[digest]
            self._seen[digest] += 1
            self.calls[operation] += 1
        rng = random.Random(f"{self.seed}:{operation}:{digest}:{occurrence}")
        if self.rate <= 0 or rng.random() >= self.rate:
            return None
        return rng.choice(_COMMON + _EXTRA.get(operation, ()))

    def _before_call(self, model: Any, params: dict[str, Any], context: dict[str, Any], **_: Any) -> None:
        operation = model.name
        fault = self._choose(operation, params.get("body"))
        if fault is Fault.PARTIAL:
            dropped = _drop_one_entry(operation, params)
            if dropped is None:
                fault = Fault.INTERNAL  # a one-entry batch cannot fail in part: fail it whole
            else:
                context["injected_partial"] = dropped
        if fault is None:
            return
        with self._lock:
            self.injected[fault] += 1
        url = str(params.get("url", f"https://{model.service_model.endpoint_prefix}.{REGION}.amazonaws.com"))
        if fault is Fault.CONNECTION:
            raise EndpointConnectionError(endpoint_url=url)
        if fault is Fault.TIMEOUT_BEFORE:
            raise ReadTimeoutError(endpoint_url=url)
        if fault is Fault.CONFLICT:
            actions = json.loads(params["body"])["TransactItems"]
            reasons = [{"Code": "None"} for _ in actions]
            reasons[-1] = {"Code": "TransactionConflict", "Message": "injected conflict"}
            raise ClientError(
                {
                    "Error": {"Code": "TransactionCanceledException", "Message": "injected"},
                    "CancellationReasons": reasons,
                    "ResponseMetadata": {"HTTPStatusCode": 400},
                },
                operation,
            )
        if fault in _STATUS:
            raise ClientError(
                {
                    "Error": {"Code": str(fault), "Message": "injected fault"},
                    "ResponseMetadata": {"HTTPStatusCode": _STATUS[fault]},
                },
                operation,
            )
        if fault is Fault.TIMEOUT_AFTER:  # let the call happen, lose its answer
            context["injected_timeout_after"] = url

    def _after_call(self, model: Any, parsed: dict[str, Any], context: dict[str, Any], **_: Any) -> None:
        if "injected_timeout_after" in context:
            raise ReadTimeoutError(endpoint_url=context["injected_timeout_after"])
        dropped = context.get("injected_partial")
        if dropped is not None and model.name in {"PublishBatch", "SendMessageBatch"}:
            failure = {"Id": dropped, "Code": "InternalError", "SenderFault": False, "Message": "injected"}
            parsed.setdefault("Failed", []).append(failure)
        elif dropped is not None and model.name == "BatchGetItem" and not _unprocess_one_item(parsed, dropped):
            with self._lock:
                self.injected[Fault.PARTIAL] -= 1  # none of the orders existed: nothing to hold back


def _drop_one_entry(operation: str, params: dict[str, Any]) -> Any:
    """Remove one entry of a batch request before it is sent; returns what the answer needs.

    The entry is chosen by content (the greatest), not position, so the choice does not depend on
    the order the processor happened to build the batch in.
    """
    if operation == "PublishBatch":  # query protocol: a flat dict of form fields
        document = _query_entries(params["body"])
        entries = document.pop("entries")
        if len(entries) < 2:
            return None  # a batch needs one entry: leave a single one alone
        dropped = max(entries, key=lambda entry: json.dumps(entry, sort_keys=True))
        kept = [entry for entry in entries if entry is not dropped]
        params["body"] = {
            **document,
            **{f"{_MEMBER}{n}.{field}": value for n, entry in enumerate(kept, 1) for field, value in entry.items()},
        }
        return dropped["Id"]
    request = json.loads(params["body"])
    if operation == "SendMessageBatch":
        if len(request["Entries"]) < 2:
            return None
        dropped = max(request["Entries"], key=lambda entry: entry["MessageBody"])
        request["Entries"] = [entry for entry in request["Entries"] if entry is not dropped]
        params["body"] = json.dumps(request).encode()
        return dropped["Id"]
    return request  # BatchGetItem: read everything, hand one item back as unprocessed


def _unprocess_one_item(parsed: dict[str, Any], request: dict[str, Any]) -> bool:
    """Move one item of a BatchGetItem answer to UnprocessedKeys; False when there was none."""
    for table, items in parsed.get("Responses", {}).items():
        if not items:
            continue
        item = max(items, key=lambda found: json.dumps(found, sort_keys=True))  # by content, as above
        items.remove(item)
        spec = request["RequestItems"][table]
        key = next(k for k in spec["Keys"] if all(item.get(name) == value for name, value in k.items()))
        unprocessed = {**{name: value for name, value in spec.items() if name != "Keys"}, "Keys": [key]}
        parsed.setdefault("UnprocessedKeys", {})[table] = unprocessed
        return True
    return False


class DynamoNumberLimits:
    """Refuses what DynamoDB refuses and moto stores: numbers beyond 38 digits or 1E-130..9.9E125.

    DynamoDB answers ``ValidationException`` (HTTP 400) to such a request, whatever the retry.
    """

    def attach(self, client: Any) -> Any:
        """Register on one boto3 DynamoDB client (and return it)."""
        client.meta.events.register("before-call.dynamodb.*", self._before_call)
        return client

    @staticmethod
    def _before_call(model: Any, params: dict[str, Any], **_: Any) -> None:
        for number in _numbers(json.loads(params.get("body") or b"{}")):
            value = Decimal(number)
            digits = len(value.normalize().as_tuple().digits)
            if value and (digits > 38 or not -130 <= value.adjusted() <= 125):
                message = "Number overflow or underflow, or more than 38 significant digits"
                raise ClientError(
                    {
                        "Error": {"Code": "ValidationException", "Message": message},
                        "ResponseMetadata": {"HTTPStatusCode": 400},
                    },
                    model.name,
                )


def _numbers(node: Any) -> Iterator[str]:
    if isinstance(node, dict):
        for key, value in node.items():
            if key == "N" and isinstance(value, str):
                yield value
            else:
                yield from _numbers(value)
    elif isinstance(node, list):
        for value in node:
            yield from _numbers(value)


# --- the stack on moto ----------------------------------------------------------------------------


class NotificationRecorder:
    """Records what SNS accepted: the event id of every PublishBatch entry answered ``Successful``.

    Hooked first on the client's ``after-call``, so it sees an answer even when the injector then
    throws it away (a publish that happened is a notification subscribers get). A subscribed SQS
    queue would say the same, but moto signs and delivers each message, which costs a soak minutes.
    """

    def __init__(self) -> None:
        self.notified: Counter[str] = Counter()
        self._lock = threading.Lock()

    def attach(self, client: Any) -> Any:
        """Register on one boto3 SNS client (and return it)."""
        client.meta.events.register_first("before-call.sns.PublishBatch", self._before_call)
        client.meta.events.register_first("after-call.sns.PublishBatch", self._after_call)
        return client

    @staticmethod
    def _before_call(params: dict[str, Any], context: dict[str, Any], **_: Any) -> None:
        body = params["body"]
        context["recorder_entries"] = {
            body[name]: json.loads(body[name.removesuffix(".Id") + ".Message"])["eventId"]
            for name in body
            if name.startswith("PublishBatchRequestEntries.member.") and name.endswith(".Id")
        }

    def _after_call(self, parsed: dict[str, Any], context: dict[str, Any], **_: Any) -> None:
        entries = context.get("recorder_entries", {})
        with self._lock:
            for success in parsed.get("Successful", []):
                self.notified[entries[success["Id"]]] += 1


@dataclass
class Stack:
    """The processor's resources on moto: two tables, its dead-letter queue, the topic.

    ``dynamodb`` and ``sqs`` are clean clients (no faults) for setup and verification;
    :meth:`applier` builds the real adapters on clients with retries disabled and the injector's
    hooks, and ``recorder`` sees every notification SNS accepted.
    """

    suffix: str
    orders_table: str = field(init=False)
    events_table: str = field(init=False)
    dlq_url: str = field(init=False)
    topic_arn: str = field(init=False)
    dynamodb: Any = field(init=False)
    sqs: Any = field(init=False)
    recorder: NotificationRecorder = field(init=False, default_factory=NotificationRecorder)

    def __post_init__(self) -> None:
        self.orders_table = f"Orders-{self.suffix}"
        self.events_table = f"EventStore-{self.suffix}"
        self.dynamodb = boto3.client("dynamodb", region_name=REGION)
        self.sqs = boto3.client("sqs", region_name=REGION)
        create_tables(self.dynamodb, self.orders_table, self.events_table)
        self.dlq_url = self.sqs.create_queue(QueueName=f"order-events-dlq-{self.suffix}")["QueueUrl"]
        sns = boto3.client("sns", region_name=REGION)
        self.topic_arn = sns.create_topic(Name=f"notifications-{self.suffix}")["TopicArn"]

    def applier(self, injector: FaultInjector, executor: ThreadPoolExecutor) -> BatchApplier:
        """The real BatchApplier with the real adapters, on fault-injected clients."""

        def client(service: str) -> Any:
            built = boto3.client(service, region_name=REGION, config=NO_RETRIES)
            return injector.attach(DynamoNumberLimits().attach(built) if service == "dynamodb" else built)

        return BatchApplier(
            # One counter shard: a random one would make the requests, and so the faults, irreproducible.
            DynamoOrderRepository(
                client("dynamodb"),
                self.orders_table,
                self.events_table,
                clock=fixed_clock,
                shard=lambda: 0,
                sleep=lambda _: None,  # moto serialises the calls: a backoff would only cost wall time
                executor=executor,
            ),
            SnsNotifier(self.recorder.attach(client("sns")), self.topic_arn, executor=executor),
            SqsDeadLetters(client("sqs"), self.dlq_url, clock=fixed_clock),
            executor,
        )

    # Reading back, without faults.

    def scan(self, table: str, attributes: Sequence[str] = ()) -> list[dict[str, Any]]:
        """Every item of a table, with only ``attributes`` when given (moto spends its time serialising)."""
        kwargs: dict[str, Any] = {"TableName": table, "ConsistentRead": True}
        if attributes:
            names = {f"#a{n}": name for n, name in enumerate(attributes)}
            kwargs |= {"ProjectionExpression": ", ".join(names), "ExpressionAttributeNames": names}
        items: list[dict[str, Any]] = []
        for page in self.dynamodb.get_paginator("scan").paginate(**kwargs):
            items.extend(page["Items"])
        return items

    def drain(self, queue_url: str) -> list[dict[str, Any]]:
        """Receive and delete every message waiting in a queue, with its message attributes."""
        messages: list[dict[str, Any]] = []
        while True:
            response = self.sqs.receive_message(
                QueueUrl=queue_url, MaxNumberOfMessages=10, MessageAttributeNames=["All"]
            )
            batch = response.get("Messages", [])
            if not batch:
                return messages
            messages.extend(batch)
            entries = [{"Id": str(i), "ReceiptHandle": m["ReceiptHandle"]} for i, m in enumerate(batch)]
            self.sqs.delete_message_batch(QueueUrl=queue_url, Entries=entries)


# --- the scenario ---------------------------------------------------------------------------------


class Lifecycle(StrEnum):
    """How an order of the scenario goes; the final status follows from it whatever the order."""

    COMPLETED = "completed"  # created → payment processed → completed
    PAYMENT_FAILED = "payment-failed"  # created → payment failed
    CANCELLED_AFTER_PAYMENT = "cancelled-after-payment"  # created → payment processed → cancelled
    CANCELLED_BY_CUSTOMER = "cancelled-by-customer"  # created → cancelled
    LEFT_PENDING = "left-pending"  # created, nothing since


LIFECYCLE_WEIGHTS = {
    Lifecycle.COMPLETED: 60,
    Lifecycle.PAYMENT_FAILED: 15,
    Lifecycle.CANCELLED_AFTER_PAYMENT: 10,
    Lifecycle.CANCELLED_BY_CUSTOMER: 10,
    Lifecycle.LEFT_PENDING: 5,
}
FINAL_STATUS = {
    Lifecycle.COMPLETED: OrderStatus.COMPLETED,
    Lifecycle.PAYMENT_FAILED: OrderStatus.CANCELLED,
    Lifecycle.CANCELLED_AFTER_PAYMENT: OrderStatus.CANCELLED,
    Lifecycle.CANCELLED_BY_CUSTOMER: OrderStatus.CANCELLED,
    Lifecycle.LEFT_PENDING: OrderStatus.PENDING,
}


@dataclass(frozen=True)
class Order:
    """One order of the scenario and the events its producers publish, in publishing order."""

    order_id: str
    lifecycle: Lifecycle
    amount: Decimal
    events: tuple[NewEvent, ...]

    @property
    def final_status(self) -> OrderStatus:
        """The status the order must end in."""
        return FINAL_STATUS[self.lifecycle]


def lifecycle_events(order_id: str, lifecycle: Lifecycle, amount: Decimal, rng: random.Random) -> list[NewEvent]:
    """The events of one order's lifecycle, with seeded ids and a fixed clock."""

    def meta() -> dict[str, Any]:
        return {"event_id": seeded_uuid(rng), "correlation_id": correlation, "clock": fixed_clock}

    correlation = seeded_uuid(rng)
    events = [order_created(order_id, f"cust-{rng.randrange(10_000)}", amount, **meta())]
    if lifecycle in (Lifecycle.COMPLETED, Lifecycle.CANCELLED_AFTER_PAYMENT):
        events.append(payment_processed(order_id, amount, payment_id=seeded_uuid(rng), **meta()))
    if lifecycle is Lifecycle.COMPLETED:
        events.append(order_status_changed(order_id, OrderStatus.COMPLETED, **meta()))
    elif lifecycle is Lifecycle.PAYMENT_FAILED:
        events.append(payment_failed(order_id, "card declined", **meta()))
    elif lifecycle in (Lifecycle.CANCELLED_AFTER_PAYMENT, Lifecycle.CANCELLED_BY_CUSTOMER):
        events.append(order_status_changed(order_id, OrderStatus.CANCELLED, "customer request", **meta()))
    return events


def body_for(event: NewEvent, rng: random.Random) -> str:
    """The SQS body EventBridge delivers for ``event``, with a seeded envelope id."""
    envelope = envelope_for(event, account=ACCOUNT, region=REGION)
    envelope["id"] = seeded_uuid(rng)
    envelope["time"] = FIXED_NOW[:19] + "Z"
    return dumps(envelope)


@dataclass(frozen=True)
class Poison:
    """A message that can never succeed, and where it must end."""

    body: str
    kind: str  # "rejected" (the processor's DLQ, with a reason) or "orphan" (retries exhausted)
    reason: str | None = None
    event_id: str | None = None


@dataclass(frozen=True)
class Scenario:
    """Orders, poison, and the bodies in the order producers publish them."""

    seed: int
    orders: tuple[Order, ...]
    poison: tuple[Poison, ...]
    bodies: tuple[str, ...]

    @property
    def event_count(self) -> int:
        """Valid lifecycle events (each published once)."""
        return sum(len(order.events) for order in self.orders)


def build_scenario(seed: int, orders: int, *, invalid: int | None = None, orphans: int | None = None) -> Scenario:
    """``orders`` lifecycles plus hostile-corpus bodies and status changes for orders never created.

    Producers publish an order's events one after another, orders overlapping: the body list is
    sorted by a simulated publish time. The queue then shuffles locally, as SQS does.
    """
    rng = random.Random(seed)
    invalid = max(1, orders // 50) if invalid is None else invalid
    orphans = max(1, orders // 100) if orphans is None else orphans
    kinds, weights = zip(*LIFECYCLE_WEIGHTS.items(), strict=True)
    timed: list[tuple[float, int, str]] = []
    built: list[Order] = []
    for index in range(orders):
        order_id = seeded_uuid(rng)
        lifecycle = rng.choices(kinds, weights)[0]
        amount = Decimal(rng.randrange(100, 100_000)).scaleb(-2)
        events = lifecycle_events(order_id, lifecycle, amount, rng)
        built.append(Order(order_id, lifecycle, amount, tuple(events)))
        at = float(index)
        for event in events:
            timed.append((at, len(timed), body_for(event, rng)))
            at += rng.uniform(1, 30)  # seconds between an order's steps, in units of order arrivals

    poison: list[Poison] = []
    cases = corpus.rejection_cases()
    for case in rng.sample(cases, min(invalid, len(cases))):
        poison.append(Poison(case.body, "rejected", case.reason))
    for _ in range(orphans):
        order_id = seeded_uuid(rng)
        maker = rng.choice(
            [
                lambda oid: payment_processed(oid, Decimal("10.00"), payment_id=seeded_uuid(rng), **_meta(rng)),
                lambda oid: payment_failed(oid, "card declined", **_meta(rng)),
                lambda oid: order_status_changed(oid, OrderStatus.CANCELLED, **_meta(rng)),
            ]
        )
        event = maker(order_id)
        poison.append(Poison(body_for(event, rng), "orphan", None, event.event_id))
    for item in poison:
        timed.append((rng.uniform(0, orders), len(timed), item.body))
    timed.sort()
    return Scenario(seed, tuple(built), tuple(poison), tuple(body for _, _, body in timed))


def _meta(rng: random.Random) -> dict[str, Any]:
    return {"event_id": seeded_uuid(rng), "correlation_id": seeded_uuid(rng), "clock": fixed_clock}


# --- the at-least-once queue ----------------------------------------------------------------------


@dataclass
class Message:
    """One SQS message: a new one (new ``message_id``) for every send, duplicate and redrive."""

    message_id: str
    body: str
    attributes: dict[str, str] = field(default_factory=dict)
    receive_count: int = 0


@dataclass
class DeliveryStats:
    """What the simulator did and saw."""

    sent: int = 0
    deliveries: int = 0
    batches: int = 0
    duplicates_injected: int = 0
    retries: int = 0
    crashes: int = 0
    moved_to_dlq: int = 0
    redriven: int = 0
    redrive_rounds: int = 0
    outcomes: Counter[str] = field(default_factory=Counter)


class AtLeastOnceQueue:
    """An in-memory standard queue in front of a batch consumer, the way SQS + Lambda treat it.

    - ``receive`` returns up to ``batch_size`` messages picked at random among the first ``window``
      visible ones (no order is kept, but nothing starves).
    - A share ``duplicate_rate`` of messages is delivered twice: at its first receive a copy of the
      body (and attributes) goes in the queue under a new message id; half of those copies also get
      a new envelope ``id``, as a producer's retried PutEvents would.
    - A message the consumer reports failed becomes visible again after a visibility timeout
      (counted in receives); after ``max_receive_count`` receives it moves to ``dead_letters``.

    Every choice comes from ``random.Random(seed)``.
    """

    def __init__(
        self,
        seed: int,
        *,
        duplicate_rate: float = 0.0,
        batch_size: int = BATCH_SIZE,
        max_receive_count: int = MAX_RECEIVE_COUNT,
        window: int = 50,
        visibility: tuple[int, int] = (3, 15),
    ) -> None:
        self._rng = random.Random(seed)
        self._duplicate_rate = duplicate_rate
        self._batch_size = batch_size
        self._max_receive_count = max_receive_count
        self._window = window
        self._visibility = visibility
        self._visible: deque[Message] = deque()
        self._front: list[Message] = []  # the shuffled head of the queue
        self._hidden: list[tuple[int, int, Message]] = []  # (visible again at tick, seq, message)
        self._tick = 0
        self._seq = 0
        self.dead_letters: list[Message] = []
        self.stats = DeliveryStats()

    def __len__(self) -> int:
        return len(self._visible) + len(self._front) + len(self._hidden)

    def send(self, body: str, attributes: Mapping[str, str] | None = None) -> Message:
        """Enqueue a new message."""
        message = Message(seeded_uuid(self._rng), body, dict(attributes or {}))
        self._visible.append(message)
        self.stats.sent += 1
        return message

    def receive(self) -> list[Message]:
        """The next batch (empty only when the queue is empty); advances the clock by one tick."""
        self._tick += 1
        if self._hidden and not (self._visible or self._front):
            self._tick = max(self._tick, self._hidden[0][0])  # nothing visible: wait for the next one
        while self._hidden and self._hidden[0][0] <= self._tick:
            _, _, message = heapq.heappop(self._hidden)
            self._visible.append(message)
        while self._visible and len(self._front) < self._window:
            self._front.append(self._visible.popleft())
        batch: list[Message] = []
        while self._front and len(batch) < self._batch_size:
            index = self._rng.randrange(len(self._front))
            self._front[index], self._front[-1] = self._front[-1], self._front[index]
            batch.append(self._front.pop())
        for message in batch:
            message.receive_count += 1
            if message.receive_count == 1 and self._rng.random() < self._duplicate_rate:
                twin = Message(seeded_uuid(self._rng), _redelivered_body(message.body, self._rng), message.attributes)
                self._hide(twin, (0, 10))
                self.stats.duplicates_injected += 1
        self.stats.batches += bool(batch)
        self.stats.deliveries += len(batch)
        return batch

    def settle(self, message: Message, failed: bool) -> None:
        """Delete a handled message, or leave a failed one for redelivery (or the DLQ)."""
        if not failed:
            return
        self.stats.retries += 1
        if message.receive_count >= self._max_receive_count:
            self.dead_letters.append(message)
            self.stats.moved_to_dlq += 1
        else:
            self._hide(message, self._visibility)

    def _hide(self, message: Message, delay: tuple[int, int]) -> None:
        self._seq += 1
        heapq.heappush(self._hidden, (self._tick + self._rng.randint(*delay), self._seq, message))


def _redelivered_body(body: str, rng: random.Random) -> str:
    if rng.random() < 0.5:
        return body  # SQS's own duplicate: the same bytes
    try:
        event = parse_sqs_body(body)
    except (InvalidEventError, ValueError):
        return body  # producers retry only what they could publish
    # A producer's retried PutEvents: a new envelope id, the same detail (and eventId).
    return body.replace(f'"id":"{event.envelope_id}"', f'"id":"{seeded_uuid(rng)}"', 1)


@dataclass
class Ledger:
    """What the consumer reported, by producer event id."""

    applied: set[str] = field(default_factory=set)  # committed (APPLIED, or DUPLICATE of an applied one)
    outcome_by_event: dict[str, set[str]] = field(default_factory=lambda: defaultdict(set))

    def record(self, batch: BatchResult) -> None:
        """Take in the outcome of one batch."""
        for result in batch.results.values():
            if result.event is None:
                continue
            event_id = result.event.event_id
            self.outcome_by_event[event_id].add(str(result.outcome))
            if result.outcome is Outcome.APPLIED or (
                result.outcome is Outcome.DUPLICATE and result.notification is not None
            ):
                self.applied.add(event_id)


def deliver_until_empty(queue: AtLeastOnceQueue, applier: BatchApplier, ledger: Ledger) -> None:
    """Feed batches to the applier until nothing is left; a raising handler fails its whole batch.

    Raises
    ------
    RuntimeError
        If deliveries run away (more than 100 per message sent): a loop, not a result.
    """
    while batch := queue.receive():
        if queue.stats.deliveries > 100 * queue.stats.sent:
            raise RuntimeError(f"runaway delivery: {queue.stats.deliveries} for {queue.stats.sent} messages")
        records = [Record(message.message_id, message.body) for message in batch]
        try:
            result = applier.apply(records)
        except Exception:
            log.exception("handler raised: the whole batch is retried")
            queue.stats.crashes += 1
            result = BatchResult()
        ledger.record(result)
        for message in batch:
            outcome = result.results.get(message.message_id)
            failed = outcome is None or outcome.outcome is Outcome.RETRY  # unknown means failed, as in Lambda
            queue.stats.outcomes["crash" if outcome is None else str(outcome.outcome)] += 1
            queue.settle(message, failed)


class SimulatedQueues:
    """The redriver's Queues port over the simulator: its DLQ and its source queue."""

    DLQ = "sim://order-events-dlq"
    SOURCE = "sim://order-events"

    def __init__(self, queue: AtLeastOnceQueue, now_ms: int) -> None:
        self._queue = queue
        self._now_ms = now_ms
        self._received: dict[str, Message] = {}

    def receive(self, queue_url: str, count: int) -> list[DlqMessage]:
        assert queue_url == self.DLQ
        taken = self._queue.dead_letters[:count]
        del self._queue.dead_letters[:count]
        self._received.update((message.message_id, message) for message in taken)
        return [DlqMessage(m.message_id, f"rh-{m.message_id}", m.body, m.attributes, self._now_ms) for m in taken]

    def send(self, queue_url: str, messages: Sequence[tuple[DlqMessage, Mapping[str, str]]]) -> set[str]:
        assert queue_url == self.SOURCE
        for message, attributes in messages:
            self._queue.send(message.body, attributes)
        return {message.message_id for message, _ in messages}

    def delete(self, queue_url: str, messages: Sequence[DlqMessage]) -> set[str]:
        for message in messages:
            self._received.pop(message.message_id)
        return {message.message_id for message in messages}

    def release(self, queue_url: str, messages: Sequence[DlqMessage]) -> None:
        for message in messages:
            self._queue.dead_letters.append(self._received.pop(message.message_id))


# --- the soak -------------------------------------------------------------------------------------


@dataclass
class SoakRun:
    """One run of a scenario through the pipeline, and what it left behind."""

    stack: Stack
    queue: AtLeastOnceQueue
    injector: FaultInjector
    ledger: Ledger
    wall_seconds: float
    redrive_reports: list[dict[str, Any]]


def run_soak(
    scenario: Scenario,
    *,
    fault_rate: float,
    duplicate_rate: float,
    suffix: str,
    workers: int = 4,
    max_redrives: int = 5,
) -> SoakRun:
    """Publish the scenario, drain the queue, redrive retry-exhausted messages, until settled.

    After each drain the real redriver (``dlq_redriver.domain.redrive``) moves the simulator's DLQ
    back to the source queue, as an operator would once a fault storm is over; a message redriven
    ``max_redrives`` times stays parked. Moto must be active (and :func:`moto_for_threads` entered).
    """
    started = time.perf_counter()
    stack = Stack(suffix)
    injector = FaultInjector(scenario.seed, fault_rate)
    queue = AtLeastOnceQueue(scenario.seed, duplicate_rate=duplicate_rate)
    ledger = Ledger()
    reports: list[dict[str, Any]] = []
    for body in scenario.bodies:
        queue.send(body)
    with ThreadPoolExecutor(max_workers=workers) as executor:
        applier = stack.applier(injector, executor)
        while True:
            deliver_until_empty(queue, applier, ledger)
            queues = SimulatedQueues(queue, now_ms=1_748_779_200_000)
            report = redrive(
                Request(max_messages=10_000, max_redrives=max_redrives),
                queues,
                SimulatedQueues.DLQ,
                SimulatedQueues.SOURCE,
                remaining_ms=lambda: 900_000,
                now_ms=lambda: 1_748_779_200_000,
            )
            reports.append(report.as_dict())
            queue.stats.redrive_rounds += 1
            queue.stats.redriven += report.moved
            if not report.moved:
                break
    return SoakRun(stack, queue, injector, ledger, time.perf_counter() - started, reports)


# --- what a run left behind -----------------------------------------------------------------------


@dataclass
class Outcomes:
    """The state a run left in DynamoDB, what SNS accepted, and the two dead-letter queues."""

    statuses: dict[str, str]  # order id -> status
    projections: dict[str, dict[str, Any]]
    streams: dict[str, list[tuple[int, str]]]  # order id -> [(version, event id)] by version
    counters: Counter[str]
    notified: Counter[str]  # event id -> notifications SNS accepted
    rejected: list[dict[str, Any]]  # the processor's DLQ (moto), with attributes
    exhausted: list[Message]  # the simulator's DLQ (retries exhausted, parked by the redriver)


def collect(run: SoakRun) -> Outcomes:
    """Read everything back with clean clients."""
    stack = run.stack
    projections: dict[str, dict[str, Any]] = {}
    counters: Counter[str] = Counter()
    counted = [str(status) for status in OrderStatus]
    for item in stack.scan(stack.orders_table, ["orderId", "status", "version", "lastEventId", *counted]):
        key = item["orderId"]["S"]
        if key.startswith("#stats#"):
            for name, value in item.items():
                if "N" in value:
                    counters[name] += int(Decimal(value["N"]))
        else:
            projections[key] = item
    streams: dict[str, list[tuple[int, str]]] = defaultdict(list)
    for item in stack.scan(stack.events_table, ["streamId", "version", "eventId"]):
        stream = item["streamId"]["S"]
        if not stream.startswith("event#"):
            streams[stream].append((int(item["version"]["N"]), item["eventId"]["S"]))
    return Outcomes(
        statuses={order_id: item["status"]["S"] for order_id, item in projections.items()},
        projections=projections,
        streams={stream: sorted(entries) for stream, entries in streams.items()},
        counters=counters,
        notified=Counter(stack.recorder.notified),
        rejected=stack.drain(stack.dlq_url),
        exhausted=list(run.queue.dead_letters),
    )


def event_id_of(body: str) -> str | None:
    """The producer event id in a body, or None when it has none."""
    try:
        envelope = json.loads(body)
        return str(envelope["detail"]["metadata"]["eventId"]).lower()
    except (ValueError, KeyError, TypeError):
        return None


def check_orders(scenario: Scenario, outcomes: Outcomes, reference: Mapping[str, str] | None = None) -> list[str]:
    """No order lost; each in the state its lifecycle ends in, and in the fault-free run's state."""
    problems: list[str] = []
    expected = {order.order_id: str(order.final_status) for order in scenario.orders}
    lost = sorted(set(expected) - set(outcomes.statuses))
    if lost:
        problems.append(f"{len(lost)} orders have no projection, e.g. {lost[:3]}")
    stray = sorted(set(outcomes.statuses) - set(expected))
    if stray:
        problems.append(f"{len(stray)} projections of orders never created, e.g. {stray[:3]}")
    wrong = {
        oid: (outcomes.statuses[oid], want)
        for oid, want in expected.items()
        if outcomes.statuses.get(oid, want) != want
    }
    if wrong:
        problems.append(f"{len(wrong)} orders in the wrong final state (got, want), e.g. {list(wrong.items())[:3]}")
    if reference is not None:
        differ = sorted(
            oid for oid in set(reference) | set(outcomes.statuses) if reference.get(oid) != outcomes.statuses.get(oid)
        )
        if differ:
            problems.append(f"{len(differ)} final states differ from the fault-free run, e.g. {differ[:3]}")
    return problems


def check_streams(scenario: Scenario, ledger: Ledger, outcomes: Outcomes) -> list[str]:
    """Each accepted event stored once, in its order's stream, versions gapless, projection in step."""
    problems: list[str] = []
    owner = {event.event_id: order.order_id for order in scenario.orders for event in order.events}
    seen: Counter[str] = Counter()
    for stream, entries in outcomes.streams.items():
        versions = [version for version, _ in entries]
        if versions != list(range(1, len(versions) + 1)):
            problems.append(f"stream {stream} has versions {versions}, not 1..{len(versions)}")
        projection = outcomes.projections.get(stream)
        if projection is None or int(projection["version"]["N"]) != len(entries):
            problems.append(f"stream {stream} has {len(entries)} events but its projection disagrees")
        elif projection["lastEventId"]["S"] != entries[-1][1]:
            problems.append(f"stream {stream}: the projection's lastEventId is not the stream's last event")
        for _, event_id in entries:
            seen[event_id] += 1
            if owner.get(event_id) != stream:
                problems.append(f"event {event_id} stored in stream {stream}, not its order's")
    twice = [event_id for event_id, count in seen.items() if count > 1]
    if twice:
        problems.append(f"{len(twice)} events stored more than once, e.g. {twice[:3]}")
    if set(seen) != ledger.applied:
        problems.append(
            f"stored and accepted events differ: {len(set(seen) - ledger.applied)} stored only, "
            f"{len(ledger.applied - set(seen))} accepted only"
        )
    return problems


def check_counters(outcomes: Outcomes) -> list[str]:
    """The sharded status counters agree with the projections (a change applied twice would skew them)."""
    by_status = Counter(outcomes.statuses.values())
    return [
        f"counter {status} is {outcomes.counters.get(str(status), 0)}, for {by_status[str(status)]} orders"
        for status in OrderStatus
        if outcomes.counters.get(str(status), 0) != by_status[str(status)]
    ]


def check_notifications(ledger: Ledger, outcomes: Outcomes) -> list[str]:
    """Every applied event notified at least once, and nothing notified that was not stored."""
    problems: list[str] = []
    missing = ledger.applied - set(outcomes.notified)
    if missing:
        problems.append(f"{len(missing)} applied events were never notified, e.g. {sorted(missing)[:3]}")
    stored = {event_id for entries in outcomes.streams.values() for _, event_id in entries}
    phantom = set(outcomes.notified) - stored
    if phantom:
        problems.append(f"{len(phantom)} notifications for events never stored, e.g. {sorted(phantom)[:3]}")
    return problems


def parked_reasons(outcomes: Outcomes) -> dict[str, set[str]]:
    """The processor's DLQ: body -> the rejectionReason attributes it was parked with."""
    parked: dict[str, set[str]] = defaultdict(set)
    for message in outcomes.rejected:
        parked[message["Body"]].add(
            message.get("MessageAttributes", {}).get("rejectionReason", {}).get("StringValue", "")
        )
    return parked


def check_dead_letters(scenario: Scenario, outcomes: Outcomes) -> list[str]:
    """Rejected input parked with its reason; retry-exhausted messages are exactly the orphans."""
    problems: list[str] = []
    parked = parked_reasons(outcomes)
    expected = {p.body: p.reason for p in scenario.poison if p.kind == "rejected"}
    for body, reason in expected.items():
        if parked.get(body) != {reason}:
            problems.append(f"a body was not parked with reason {reason} alone: got {parked.get(body)}")
    stray = set(parked) - set(expected)
    if stray:
        problems.append(f"{len(stray)} unexpected bodies in the processor's DLQ, e.g. {sorted(stray)[0][:200]!r}")
    orphans = {p.event_id for p in scenario.poison if p.kind == "orphan"}
    exhausted = {event_id_of(message.body) for message in outcomes.exhausted}
    if exhausted != orphans:
        problems.append(
            f"retry-exhausted DLQ holds {len(exhausted - orphans)} unexpected events, "
            f"e.g. {sorted(map(str, exhausted - orphans))[:3]}, and misses {len(orphans - exhausted)}"
        )
    return problems


def check(scenario: Scenario, run: SoakRun, outcomes: Outcomes, reference: Mapping[str, str] | None) -> list[str]:
    """Every broken guarantee, as a sentence (empty when the run is sound)."""
    problems = check_orders(scenario, outcomes, reference)
    problems += check_streams(scenario, run.ledger, outcomes)
    problems += check_counters(outcomes)
    problems += check_notifications(run.ledger, outcomes)
    problems += check_dead_letters(scenario, outcomes)
    if run.queue.stats.crashes:
        problems.append(f"the handler raised {run.queue.stats.crashes} times")
    return problems


def figures(scenario: Scenario, run: SoakRun, outcomes: Outcomes) -> dict[str, Any]:
    """The numbers a soak reports."""
    stats = run.queue.stats
    return {
        "orders": len(scenario.orders),
        "events published": len(scenario.bodies),
        "valid lifecycle events": scenario.event_count,
        "poison messages": len(scenario.poison),
        "messages sent (incl. redrives)": stats.sent,
        "events delivered": stats.deliveries,
        "batches": stats.batches,
        "duplicates injected": stats.duplicates_injected,
        "calls made": sum(run.injector.calls.values()),
        "faults injected": run.injector.total_injected,
        "faults by kind": dict(sorted(run.injector.injected.items())),
        "retries (records failed back to the queue)": stats.retries,
        "outcomes": dict(sorted(stats.outcomes.items())),
        "moved to DLQ after 5 receives": stats.moved_to_dlq,
        "redrive rounds": stats.redrive_rounds,
        "redriven": stats.redriven,
        "DLQ: rejected (processor, with reason)": len(outcomes.rejected),
        "DLQ: rejected, distinct bodies": len({m["Body"] for m in outcomes.rejected}),
        "DLQ: retry-exhausted, parked": len(outcomes.exhausted),
        "notifications accepted by SNS": sum(outcomes.notified.values()),
        "events applied": len(run.ledger.applied),
        "orders by final state": dict(sorted(Counter(outcomes.statuses.values()).items())),
        "wall seconds": round(run.wall_seconds, 1),
    }


def fault_free_statuses(seed: int, orders: int, duplicate_rate: float) -> dict[str, str]:
    """Final states of the seed's scenario run without faults (same shuffling, same duplicates).

    Starts its own moto, so that it can run in another process while the faulty run goes on.
    """
    os.environ.update(FAKE_CREDENTIALS)
    for name in ("AWS_PROFILE", "AWS_DEFAULT_PROFILE", "AWS_ENDPOINT_URL"):
        os.environ.pop(name, None)
    with mock_aws(), moto_for_threads():
        run = run_soak(build_scenario(seed, orders), fault_rate=0.0, duplicate_rate=duplicate_rate, suffix="clean")
        return collect(run).statuses


@contextmanager
def in_background(function: Callable[..., Any], *args: Any) -> Iterator[Future[Any]]:
    """Run ``function(*args)`` in a fresh process (this machine's second core) while the caller works."""
    with ProcessPoolExecutor(max_workers=1, mp_context=multiprocessing.get_context("spawn")) as pool:
        yield pool.submit(function, *args)
