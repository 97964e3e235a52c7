"""Shared pieces of the benchmark: events, moto resources, call counting and injected latency.

The baseline builds its clients from boto3's default session, ours from a botocore session of its
own; the hooks are registered on every session created while the moto stack is up (as botocore's
built-in handlers are), so both processors' clients get them: ``before-call`` counts every
API call (once per call, whatever the retries), and ``before-send`` gives every HTTP request a fixed
latency, the network and service time moto does not have.

moto answers in-process, on the caller's thread, and its own processing is the stand-in for the
service's: by default (``additive=False``) a request lasts the fixed latency, moto's time included
(the hook sleeps what is left of it; a request moto takes longer over lasts as long as moto took).
With ``additive=True`` the latency is added on top of moto's time, which counts the service time
twice and weighs on large transactions (moto re-parses every condition of every action).
"""

from __future__ import annotations

import contextlib
import copy
import importlib
import io
import os
import statistics
import sys
import threading
import time
import uuid
from collections import Counter
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path
from types import ModuleType
from typing import Any

from tests.support.aws import FakeLambdaContext
from tests.support.tables import EVENTS_TABLE, ORDERS_TABLE, create_tables

ROOT = Path(__file__).resolve().parent.parent
REGION = "us-east-1"
ACCOUNT = "123456789012"
QUEUE_ARN = f"arn:aws:sqs:{REGION}:{ACCOUNT}:order-events"
# Modules that read the environment or build clients at import: dropped before a fresh import.
COLD_MODULES = ("order_processor.app", "order_processor.telemetry", "orders_shared.observability", "baseline")


def median(values: Sequence[float]) -> float:
    """The median (the machine is shared and noisy: medians, not means)."""
    return float(statistics.median(values))


def percentile(values: Sequence[float], share: float) -> float:
    """Nearest-rank percentile (``share`` 0.5 is the median, 0.99 the p99)."""
    ordered = sorted(values)
    if not ordered:
        return float("nan")
    return ordered[min(len(ordered) - 1, max(0, round(share * len(ordered)) - 1))]


# Dummy credentials: nothing the benchmark runs leaves the machine.
DUMMY_CREDENTIALS = dict.fromkeys(("AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY"), "testing")


def fake_credentials() -> None:
    """Dummy credentials and region for everything in-process (nothing leaves the machine)."""
    for name in ("AWS_PROFILE", "AWS_DEFAULT_PROFILE", "AWS_SESSION_TOKEN"):
        os.environ.pop(name, None)
    os.environ.update(DUMMY_CREDENTIALS)
    os.environ.update(AWS_DEFAULT_REGION=REGION, AWS_REGION=REGION)


# --- events ---------------------------------------------------------------------------------------


def created_bodies(count: int) -> list[str]:
    """SQS bodies of ``count`` OrderCreated events for new orders: a happy batch."""
    from orders_shared.events import dumps, envelope_for, order_created

    return [
        dumps(envelope_for(order_created(str(uuid.uuid4()), f"customer-{n:05d}", Decimal("129.99")), account=ACCOUNT))
        for n in range(count)
    ]


def sqs_event(bodies: Sequence[str]) -> dict[str, Any]:
    """A Lambda SQS event carrying the bodies, as the trigger delivers it."""
    return {
        "Records": [
            {
                "messageId": str(uuid.uuid4()),
                "receiptHandle": f"AQEB{uuid.uuid4().hex}",
                "body": body,
                "attributes": {
                    "ApproximateReceiveCount": "1",
                    "SentTimestamp": str(int(time.time() * 1000)),
                    "SenderId": "AIDAIENQZJOLO23YVJ4VO",
                    "ApproximateFirstReceiveTimestamp": str(int(time.time() * 1000)),
                },
                "messageAttributes": {},
                "md5OfBody": "",
                "eventSource": "aws:sqs",
                "eventSourceARN": QUEUE_ARN,
                "awsRegion": REGION,
            }
            for body in bodies
        ]
    }


# --- hooks ------------------------------------------------------------------------------------------


@dataclass
class Calls:
    """Counts API calls and injects a fixed latency into every HTTP request of a botocore session."""

    latency_s: float = 0.0
    additive: bool = False
    counting: bool = False
    counts: Counter[str] = field(default_factory=Counter)
    _lock: threading.Lock = field(default_factory=threading.Lock)
    _started: threading.local = field(default_factory=threading.local)
    observers: list[Callable[..., None]] = field(default_factory=list)  # called with each call's parameters

    def attach(self, events: Any) -> None:
        """Register on a session's (or a client's) event emitter, around moto's own handler."""
        events.register("before-call", self._count)
        events.register("provide-client-params", self._observe)
        events.register_first("before-send", self._start)
        events.register_last("before-send", self._delay)

    def _observe(self, event_name: str, params: dict[str, Any], **_: Any) -> None:
        for observer in self.observers:
            observer(event_name, params)

    def _start(self, **_: Any) -> None:
        self._started.at = time.perf_counter()

    def _count(self, event_name: str, **_: Any) -> None:
        if self.counting:
            _, service, operation = event_name.split(".", 2)
            with self._lock:
                self.counts[f"{service}.{operation}"] += 1

    def _delay(self, **_: Any) -> None:
        if self.latency_s:
            spent = 0.0 if self.additive else time.perf_counter() - self._started.at
            time.sleep(max(0.0, self.latency_s - spent))

    @contextlib.contextmanager
    def on_new_sessions(self) -> Iterator[None]:
        """Attach to every botocore session created inside the block, as botocore's own handlers are.

        boto3's default session (the baseline's clients) and the session the order processor builds
        its clients from (with botocore alone, no boto3) both get the hooks, with the order of
        :meth:`attach`.
        """
        from botocore import handlers

        specs: list[tuple[Any, ...]] = [
            ("before-call", self._count),
            ("provide-client-params", self._observe),
            ("before-send", self._start, handlers.REGISTER_FIRST),
            ("before-send", self._delay, handlers.REGISTER_LAST),
        ]
        handlers.BUILTIN_HANDLERS.extend(specs)
        try:
            yield
        finally:
            for spec in specs:
                handlers.BUILTIN_HANDLERS.remove(spec)

    @contextlib.contextmanager
    def count(self) -> Iterator[Counter[str]]:
        """Count the calls made inside the block; yields the (live) counter."""
        self.counts = Counter()
        self.counting = True
        try:
            yield self.counts
        finally:
            self.counting = False

    @contextlib.contextmanager
    def delayed(self, seconds: float, *, additive: bool = False) -> Iterator[None]:
        """Give every request made inside the block a latency of ``seconds`` (see the module)."""
        self.latency_s, self.additive = seconds, additive
        try:
            yield
        finally:
            self.latency_s, self.additive = 0.0, False


class CountingSink(io.TextIOBase):
    """Stands in for stdout (where Lambda logs go): keeps the byte count, drops the text."""

    def __init__(self) -> None:
        self.bytes = 0

    def write(self, text: str) -> int:
        self.bytes += len(text.encode())
        return len(text)


# --- moto -------------------------------------------------------------------------------------------


class _TransactionBackup:
    """``copy`` for moto's DynamoDB model: back up only what a transaction touches.

    Before *each* action of a TransactWriteItems, moto deep-copies the whole table (every item) to
    roll back on failure, without a lock: a transaction's cost grows with the table size times the
    number of actions, and two concurrent transactions corrupt each other's rollback. The real
    service does neither. The harness serialises transactions, as a server would, and gives moto a
    backup that shares the untouched items and deep-copies only the items the transaction names.
    """

    def __init__(self) -> None:
        self.lock = threading.RLock()
        self.owner: int | None = None
        self.touched: dict[str, set[Any]] = {}
        self.backups: dict[int, Any] = {}

    def deepcopy(self, value: Any) -> Any:
        if self.owner != threading.get_ident() or not hasattr(value, "hash_key_attr"):
            return copy.deepcopy(value)  # moto's other use (one item, in UpdateItem) stays as it is
        if id(value) not in self.backups:
            self.backups[id(value)] = self._backup(value)
        return self.backups[id(value)]

    def _backup(self, table: Any) -> Any:
        touched = self.touched.get(table.name, set())
        backup = copy.copy(table)
        backup.items = type(table.items)(dict)
        for key, value in table.items.items():
            if key in touched:
                backup.items[key] = copy.deepcopy(value)
            else:
                backup.items[key] = dict(value) if table.has_range_key else value
        return backup


def _fair_moto_transactions() -> None:
    from moto.dynamodb import models
    from moto.dynamodb.models.dynamo_type import DynamoType

    if isinstance(models.copy, _TransactionBackup):  # type: ignore[attr-defined]
        return
    shim = _TransactionBackup()
    original = models.DynamoDBBackend.transact_write_items

    def transact_write_items(backend: Any, transact_items: list[dict[str, Any]]) -> None:
        touched: dict[str, set[Any]] = {}
        for action in transact_items:
            for op in action.values():
                table = backend.tables.get(op.get("TableName"))
                key = op.get("Key") or op.get("Item") or {}
                if table is not None and table.hash_key_attr in key:
                    touched.setdefault(table.name, set()).add(DynamoType(key[table.hash_key_attr]))
        with shim.lock:
            shim.owner, shim.touched, shim.backups = threading.get_ident(), touched, {}
            try:
                original(backend, transact_items)
            finally:
                shim.owner, shim.touched, shim.backups = None, {}, {}

    models.copy = shim  # type: ignore[attr-defined]
    models.DynamoDBBackend.transact_write_items = transact_write_items  # type: ignore[method-assign]


@dataclass
class MotoStack:
    """The resources both processors need, on moto, and the hooks on their sessions."""

    calls: Calls
    topic_arn: str
    dlq_url: str
    dynamodb: Any
    sink: CountingSink = field(default_factory=CountingSink)

    def environment(self, which: str) -> dict[str, str]:
        """What the template would give each function."""
        if which == "baseline":
            return {"ORDERS_TABLE": ORDERS_TABLE, "NOTIFICATION_TOPIC_ARN": self.topic_arn}
        return {
            "ORDERS_TABLE_NAME": ORDERS_TABLE,
            "EVENT_STORE_TABLE_NAME": EVENTS_TABLE,
            "NOTIFICATIONS_TOPIC_ARN": self.topic_arn,
            "DEAD_LETTER_QUEUE_URL": self.dlq_url,
            "STAGE": "bench",
            "MAX_RECEIVE_COUNT": "5",
            "POWERTOOLS_SERVICE_NAME": "order-pipeline",
            "POWERTOOLS_METRICS_NAMESPACE": "OrderPipeline",
            "POWERTOOLS_LOG_LEVEL": "INFO",
            "POWERTOOLS_TRACE_DISABLED": "true",
        }

    def reset_tables(self) -> None:
        """Empty tables for the next batch (moto's transaction cost grows with the table)."""
        for table in (ORDERS_TABLE, EVENTS_TABLE):
            self.dynamodb.delete_table(TableName=table)
        create_tables(self.dynamodb, ORDERS_TABLE, EVENTS_TABLE)

    def load(self, which: str) -> Callable[[dict[str, Any]], Any]:
        """Import a processor afresh (a cold start) and return a handler bound to a context."""
        os.environ.update(self.environment(which))
        for name in COLD_MODULES:
            sys.modules.pop(name, None)
        with contextlib.redirect_stdout(self.sink):
            module: ModuleType = importlib.import_module("baseline" if which == "baseline" else "order_processor.app")
        context = FakeLambdaContext()

        def invoke(event: dict[str, Any]) -> Any:
            with contextlib.redirect_stdout(self.sink):
                return module.handler(event, context)

        return invoke


@contextlib.contextmanager
def moto_stack() -> Iterator[MotoStack]:
    """moto in-process with the two tables, the topic and the DLQ; hooks on every session created in it."""
    fake_credentials()
    os.environ.pop("AWS_ENDPOINT_URL", None)
    import boto3
    from moto import mock_aws

    calls = Calls()
    with mock_aws(), calls.on_new_sessions():
        boto3.setup_default_session(region_name=REGION)
        _fair_moto_transactions()
        dynamodb = boto3.client("dynamodb", region_name=REGION)
        create_tables(dynamodb, ORDERS_TABLE, EVENTS_TABLE)
        topic_arn = boto3.client("sns", region_name=REGION).create_topic(Name="notifications")["TopicArn"]
        dlq_url = boto3.client("sqs", region_name=REGION).create_queue(QueueName="order-events-dlq")["QueueUrl"]
        stack = MotoStack(calls=calls, topic_arn=topic_arn, dlq_url=dlq_url, dynamodb=dynamodb)
        try:
            yield stack
        finally:
            ours = sys.modules.get("order_processor.app")
            if ours is not None:
                ours._executor.shutdown(wait=True)
            for name in COLD_MODULES:
                sys.modules.pop(name, None)
