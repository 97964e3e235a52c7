"""The processor's resources on moto, and the real BatchApplier wired to them."""

from __future__ import annotations

import json
import threading
from collections import Counter
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import Any

import boto3

from order_processor.applier import BatchApplier
from order_processor.dead_letters import SqsDeadLetters
from order_processor.notifier import SnsNotifier
from order_processor.repository import DynamoOrderRepository
from orders_shared.event_store import event_key, head_events
from orders_shared.ledger import ReduceReport, reduce_ledgers
from tests.reliability.harness.common import NO_RETRIES, REGION, fixed_clock
from tests.reliability.harness.faults import DynamoNumberLimits, FaultInjector
from tests.support.tables import create_tables

# What a notification says: event id, order id, status, previous status, detail-type, correlation id.
type Note = tuple[str, str, str, str | None, str, str]


class NotificationRecorder:
    """Records what SNS accepted: every PublishBatch entry answered ``Successful``, by event id, and
    what each says (``contents``: event id, order id, status, previous status, detail-type,
    correlation id).

    Hooked first on the client's ``after-call``, so it sees an answer even when the injector then
    throws it away (a publish that happened is a notification subscribers get). A subscribed SQS
    queue would say the same, but moto signs and delivers each message, which costs a soak minutes.
    """

    def __init__(self) -> None:
        self.notified: Counter[str] = Counter()
        self.contents: Counter[Note] = Counter()
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
            body[name]: json.loads(body[name.removesuffix(".Id") + ".Message"])
            for name in body
            if name.startswith("PublishBatchRequestEntries.member.") and name.endswith(".Id")
        }

    def _after_call(self, parsed: dict[str, Any], context: dict[str, Any], **_: Any) -> None:
        entries = context.get("recorder_entries", {})
        with self._lock:
            for success in parsed.get("Successful", []):
                message = entries[success["Id"]]
                self.notified[message["eventId"]] += 1
                content = (
                    message["eventId"],
                    message["orderId"],
                    message["status"],
                    message["previousStatus"],
                    message["detailType"],
                    message["correlationId"],
                )
                self.contents[content] += 1


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
            # The ledger ids (wall clock, random shard) vary from run to run: the fault injector's
            # digest ignores them (faults._canonical), so a seed still replays the same faults.
            DynamoOrderRepository(
                client("dynamodb"),
                self.orders_table,
                self.events_table,
                clock=fixed_clock,
                sleep=lambda _: None,  # moto serialises the calls: a backoff would only cost wall time
                executor=executor,
            ),
            SnsNotifier(self.recorder.attach(client("sns")), self.topic_arn, executor=executor),
            SqsDeadLetters(client("sqs"), self.dlq_url, clock=fixed_clock),
            executor,
        )

    # Reading back, without faults.

    def reduce(self) -> ReduceReport:
        """Add every commit's ledger to the counters, as the metrics emitter does (settled at once:
        call it only when no applier runs any more)."""
        return reduce_ledgers(self.dynamodb, self.events_table, self.orders_table, settle_s=0)

    def head(self, order_id: str) -> dict[str, Any] | None:
        """An order's head: its projection, and its stream's event ids (consistent read)."""
        return self.dynamodb.get_item(
            TableName=self.orders_table, Key={"orderId": {"S": order_id}}, ConsistentRead=True
        ).get("Item")

    def event_item(self, event_id: str) -> dict[str, Any] | None:
        """The item of an event id: the event once claimed, and its idempotency marker (consistent read)."""
        return self.dynamodb.get_item(TableName=self.events_table, Key=event_key(event_id), ConsistentRead=True).get(
            "Item"
        )

    def stream(self, order_id: str) -> list[dict[str, Any]]:
        """An order's stream: the items of the events its head lists, in the head's order, each with
        ``version`` the position its item records and ``eventId`` (storage format 2).

        Raises
        ------
        AssertionError
            If the head lists an event without an item holding it.
        """
        entries = []
        for listed, event_id in enumerate(head_events(self.head(order_id)), start=1):
            item = self.event_item(event_id)
            assert item is not None, f"stream {order_id} v{listed}: event {event_id} has no item"
            assert "position" in item, f"stream {order_id} v{listed}: event {event_id}'s item holds no event"
            entries.append({**item, "version": item["position"], "eventId": {"S": event_id}})
        return entries

    def stream_entry(self, order_id: str, version: int) -> dict[str, Any]:
        """The ``version``-th event its order's head lists, its item saying it is at that position."""
        entry = self.stream(order_id)[version - 1]
        assert entry["version"]["N"] == str(version), (
            f"stream {order_id}: v{version} lists an item at {entry['version']}"
        )
        return entry

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
