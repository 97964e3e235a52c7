"""`make demo`: drive a realistic scenario through the deployed pipeline and report what happened.

Publishes order lifecycles in waves through the EventPublisher (creations, then payments, then
completions and cancellations), with duplicates and invalid events mixed in, and an orphan payment
whose order is created only after the payment exhausted its retries, so that the DLQ redriver has
real work. Shows progress while the pipeline drains, then prints the report.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import sys
import time
import uuid
from collections import Counter
from datetime import datetime
from decimal import Decimal
from typing import Any

import boto3
import scenario as scenarios
from reporting import console, table, tracking
from stack import outputs as stack_outputs
from stack import peek_messages

from orders_shared.events import order_created, payment_processed
from orders_shared.publisher import EventPublisher

ORPHAN_TIMEOUT_S = 240  # five receives one visibility timeout apart, with room to spare


class Pipeline:
    """Clients and outputs of the deployed stack."""

    def __init__(self, stack_name: str) -> None:
        self.outputs = stack_outputs(stack_name)
        self.sqs = boto3.client("sqs")
        self.sns = boto3.client("sns")
        self.dynamodb = boto3.client("dynamodb")
        self.lambda_ = boto3.client("lambda")
        self.events = boto3.client("events")
        self.publisher = EventPublisher(self.events, self.outputs["EventBusName"])

    def depth(self, output: str) -> tuple[int, int]:
        attributes = self.sqs.get_queue_attributes(
            QueueUrl=self.outputs[output],
            AttributeNames=["ApproximateNumberOfMessages", "ApproximateNumberOfMessagesNotVisible"],
        )["Attributes"]
        return int(attributes["ApproximateNumberOfMessages"]), int(attributes["ApproximateNumberOfMessagesNotVisible"])

    def scan(self, table_output: str) -> list[dict[str, Any]]:
        items: list[dict[str, Any]] = []
        kwargs: dict[str, Any] = {"TableName": self.outputs[table_output], "ConsistentRead": True}
        while True:
            page = self.dynamodb.scan(**kwargs)
            items.extend(page["Items"])
            if "LastEvaluatedKey" not in page:
                return items
            kwargs["ExclusiveStartKey"] = page["LastEvaluatedKey"]

    def marker_count(self, event_ids: set[str]) -> int:
        """How many of these events have been handled (applied, ignored or duplicate-skipped)."""
        handled = 0
        ids = list(event_ids)
        table = self.outputs["EventStoreTableName"]
        for start in range(0, len(ids), 100):
            keys = [{"streamId": {"S": f"event#{i}"}, "version": {"N": "0"}} for i in ids[start : start + 100]]
            request: dict[str, Any] = {table: {"Keys": keys, "ProjectionExpression": "streamId"}}
            while request:
                response = self.dynamodb.batch_get_item(RequestItems=request)
                handled += len(response["Responses"].get(table, []))
                request = response.get("UnprocessedKeys") or {}
        return handled

    def invoke(self, output: str, payload: Any) -> Any:
        response = self.lambda_.invoke(FunctionName=self.outputs[output], Payload=json.dumps(payload).encode())
        return json.loads(response["Payload"].read())


def subscribe(pipeline: Pipeline) -> tuple[str, str]:
    """A queue that counts the notifications of this run."""
    url = pipeline.sqs.create_queue(QueueName=f"demo-notifications-{uuid.uuid4().hex[:8]}")["QueueUrl"]
    arn = pipeline.sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
    subscription = pipeline.sns.subscribe(
        TopicArn=pipeline.outputs["NotificationsTopicArn"],
        Protocol="sqs",
        Endpoint=arn,
        Attributes={"RawMessageDelivery": "true"},
        ReturnSubscriptionArn=True,
    )["SubscriptionArn"]
    return url, subscription


def drain_notifications(pipeline: Pipeline, url: str) -> Counter[str]:
    counts: Counter[str] = Counter()
    while True:
        messages = pipeline.sqs.receive_message(
            QueueUrl=url, MaxNumberOfMessages=10, MessageAttributeNames=["All"], WaitTimeSeconds=1
        ).get("Messages", [])
        if not messages:
            return counts
        for message in messages:
            counts[message["MessageAttributes"]["status"]["StringValue"]] += 1
        pipeline.sqs.delete_message_batch(
            QueueUrl=url, Entries=[{"Id": str(i), "ReceiptHandle": m["ReceiptHandle"]} for i, m in enumerate(messages)]
        )


def wait_for(pipeline: Pipeline, event_ids: set[str], label: str, timeout: float = 300) -> float:
    """Show progress until every event id has a marker; returns the seconds it took."""
    with tracking(f"{label} handled", len(event_ids)) as progress:
        while True:
            handled = pipeline.marker_count(event_ids)
            visible, in_flight = pipeline.depth("OrderEventsQueueUrl")
            progress.update(handled, f"queue {visible} visible / {in_flight} in flight")
            if handled >= len(event_ids):
                return progress.elapsed()
            if progress.elapsed() > timeout:
                raise SystemExit(f"{label}: only {handled}/{len(event_ids)} events handled after {timeout:.0f} s")
            time.sleep(0.5)


def publish_invalid(pipeline: Pipeline, plan: scenarios.Scenario) -> int:
    """Put the plan's invalid events on the bus as they are (no validation); returns how many."""
    for label, source, kind, detail in plan.invalid:
        bus = pipeline.outputs["EventBusName"]
        pipeline.events.put_events(
            Entries=[{"EventBusName": bus, "Source": source, "DetailType": kind, "Detail": detail}]
        )
        console.print(f"  + invalid event: {label}")
    return len(plan.invalid)


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(share * len(ordered)))] if ordered else float("nan")


def parse_time(text: str) -> datetime:
    return datetime.fromisoformat(text.replace("Z", "+00:00"))


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--orders", type=int, default=200)
    parser.add_argument("--seed", type=int, default=int(time.time()))
    args = parser.parse_args()
    pipeline = Pipeline(os.environ.get("STACK_NAME", "order-pipeline-local"))
    plan = scenarios.build(args.orders, seed=args.seed)
    notifications_url, subscription = subscribe(pipeline)
    console.print(
        f"Stack {os.environ.get('STACK_NAME', 'order-pipeline-local')}: bus {pipeline.outputs['EventBusName']}"
    )
    run_started_ms = int(time.time() * 1000)

    # An orphan payment: its order is created only after the payment has exhausted its retries.
    orphan_order = str(uuid.uuid4())
    orphan = payment_processed(orphan_order, Decimal("42.00"))
    pipeline.publisher.publish([orphan])
    orphan_published = time.monotonic()

    started = time.monotonic()
    published = 0
    for number in range(1, len(plan.waves) + 1):
        wave, duplicates = plan.materialise(number - 1)
        console.print(f"Wave {number}: publishing {len(wave)} events + {len(duplicates)} duplicates")
        pipeline.publisher.publish([*wave, *duplicates])
        published += len(wave) + len(duplicates)
        if number == 1:
            published += publish_invalid(pipeline, plan)
        wait_for(pipeline, {event.event_id for event in wave}, f"wave {number}")
    drained_s = time.monotonic() - started

    console.print("Redrive: waiting for the orphan payment to exhaust its retries and reach the DLQ")
    with tracking("orphan payment in the DLQ", None) as progress:
        while not peek_messages(pipeline.sqs, pipeline.outputs["OrderEventsDeadLetterQueueUrl"], orphan.event_id):
            if time.monotonic() - orphan_published > ORPHAN_TIMEOUT_S:
                raise SystemExit("the orphan payment never reached the DLQ")
            visible, _ = pipeline.depth("OrderEventsDeadLetterQueueUrl")
            progress.update(0, f"DLQ depth {visible}")
            time.sleep(2)
    console.print(f"  the orphan payment is in the DLQ after {time.monotonic() - orphan_published:.0f} s")
    pipeline.publisher.publish([order_created(orphan_order, "customer-orphan", Decimal("42.00"))])
    dry = pipeline.invoke("DlqRedriverFunctionName", {"dryRun": True})
    console.print(f"  dry run:  {dry}")
    redrive = pipeline.invoke("DlqRedriverFunctionName", {})
    console.print(f"  redrive:  {redrive}")
    wait_for(pipeline, {orphan.event_id}, "orphan payment")
    figures = pipeline.invoke("MetricsEmitterFunctionName", {})

    notified = drain_notifications(pipeline, notifications_url)
    deadline = time.monotonic() + 60  # fulfilment, the downstream consumer, drains its own queue
    while pipeline.depth("FulfilmentQueueUrl") != (0, 0) and time.monotonic() < deadline:
        time.sleep(1)
    report(
        pipeline,
        plan,
        published=published,
        drained_s=drained_s,
        notified=notified,
        figures=figures,
        since_ms=run_started_ms,
    )
    pipeline.sns.unsubscribe(SubscriptionArn=subscription)
    pipeline.sqs.delete_queue(QueueUrl=notifications_url)
    return 0


def fulfilment_summary(pipeline: Pipeline, orders: list[dict[str, Any]]) -> str:
    """What the fulfilment consumer did for this run's orders: one shipment per completed order, none else."""
    status = {item["orderId"]["S"]: item["status"]["S"] for item in orders}
    shipped = Counter(
        item["orderId"]["S"] for item in pipeline.scan("ShipmentsTableName") if item["orderId"]["S"] in status
    )
    completed = sum(1 for value in status.values() if value == "completed")
    once = sum(1 for order_id, value in status.items() if value == "completed" and shipped[order_id] == 1)
    stray = sum(count for order_id, count in shipped.items() if status[order_id] != "completed")
    total = sum(shipped.values())
    return f"{total} shipments requested: {once}/{completed} completed orders shipped once, {stray} for others"


def report(
    pipeline: Pipeline,
    plan: scenarios.Scenario,
    *,
    published: int,
    drained_s: float,
    notified: Counter[str],
    figures: dict[str, Any],
    since_ms: int,
) -> None:
    """Print what this run did; the DLQ's rejections are this run's (sent since ``since_ms``)."""
    orders = [item for item in pipeline.scan("OrdersTableName") if not item["orderId"]["S"].startswith("#")]
    ours = [item for item in orders if item["orderId"]["S"] in plan.expected_status]
    by_status = Counter(item["status"]["S"] for item in ours)
    mismatched = [i for i in ours if i["status"]["S"] != plan.expected_status[i["orderId"]["S"]]]
    # Storage format 2: a stream is what its order's head lists; each listed event is an item under its id.
    listed = [entry["S"] for item in ours for entry in item.get("events", {}).get("L", [])]
    stored = {
        item["streamId"]["S"].removeprefix("event#"): item
        for item in pipeline.scan("EventStoreTableName")
        if item["streamId"]["S"].startswith("event#") and "data" in item
    }
    entries = [stored[event_id] for event_id in dict.fromkeys(listed) if event_id in stored]
    latencies = [
        (
            parse_time(e["recordedAt"]["S"]) - parse_time(json.loads(e["data"]["S"])["metadata"]["occurredAt"])
        ).total_seconds()
        * 1000
        for e in entries
    ]
    rejected: Counter[str] = Counter()
    dlq = peek_messages(pipeline.sqs, pipeline.outputs["OrderEventsDeadLetterQueueUrl"], "")
    for message in dlq:
        if int(message["Attributes"]["SentTimestamp"]) < since_ms:
            continue  # parked by an earlier run: the emulator keeps its state across restarts
        attributes = message.get("MessageAttributes", {})
        reason = attributes.get("rejectionReason", {}).get("StringValue", "RetryExhausted")
        detail = attributes.get("rejectionPath", {}).get("StringValue", "")
        rejected[f"{reason} ({detail})" if detail else reason] += 1

    rows = [
        (
            "events published",
            f"{published} ({plan.valid_events} valid, {len(plan.duplicates)} duplicates, {len(plan.invalid)} invalid)",
        ),
        ("orders", f"{len(ours)} of {len(plan.expected_status)} expected"),
        *(
            (f"  {status}", str(by_status.get(status, 0)))
            for status in ("pending", "processing", "completed", "cancelled")
        ),
        ("  final state as planned", f"{len(ours) - len(mismatched)}/{len(ours)}"),
        (
            "events applied",
            f"{len(entries)} (each exactly once: {len(entries) == len(listed) == plan.valid_events})",
        ),
        ("notifications sent", f"{sum(notified.values())} {dict(sorted(notified.items()))}"),
        ("fulfilment (downstream)", fulfilment_summary(pipeline, ours)),
        (
            "rejected this run, with reasons",
            ", ".join(f"{k}: {v}" for k, v in sorted(rejected.items())) or "none",
        ),
        ("DLQ depth (all runs)", str(len(dlq))),
        (
            "latency publish→commit",
            f"p50 {percentile(latencies, 0.5):.0f} ms, p99 {percentile(latencies, 0.99):.0f} ms",
        ),
        ("throughput", f"{len(entries) / drained_s:.0f} events/s ({len(entries)} events in {drained_s:.1f} s)"),
        ("metrics emitter", json.dumps(figures)),
    ]
    if latencies:
        rows.append(("mean latency", f"{statistics.fmean(latencies):.0f} ms over {len(latencies)} events"))
    table("order pipeline: demo report", rows)


if __name__ == "__main__":
    sys.exit(main())
