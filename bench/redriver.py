"""The DLQ redriver: AWS calls per moved message and messages moved per second.

Ours is the function's own domain and adapter (``dlq_redriver.domain.redrive`` over
``SqsQueues``), run in-process against two queues of their own, on moto or on the emulator. The
naive baseline moves one message at a time, as the seed's handler works one record at a time:
receive up to 10, then ``SendMessage`` and ``DeleteMessage`` for each.
"""

from __future__ import annotations

import time
import uuid
from typing import Any

from harness import Calls


def _fill(sqs: Any, queue_url: str, count: int) -> None:
    for start in range(0, count, 10):
        entries = [
            {
                "Id": str(index),
                "MessageBody": f'{{"bench": "{uuid.uuid4()}"}}',
                "MessageAttributes": {"rejectionReason": {"DataType": "String", "StringValue": "SchemaViolation"}},
            }
            for index in range(min(10, count - start))
        ]
        sqs.send_message_batch(QueueUrl=queue_url, Entries=entries)


def _naive(sqs: Any, dlq_url: str, target_url: str) -> int:
    moved = 0
    while True:
        messages = sqs.receive_message(
            QueueUrl=dlq_url, MaxNumberOfMessages=10, WaitTimeSeconds=1, MessageAttributeNames=["All"]
        ).get("Messages", [])
        if not messages:
            return moved
        for message in messages:
            sqs.send_message(
                QueueUrl=target_url, MessageBody=message["Body"], MessageAttributes=message.get("MessageAttributes", {})
            )
            sqs.delete_message(QueueUrl=dlq_url, ReceiptHandle=message["ReceiptHandle"])
            moved += 1


def _ours(sqs: Any, dlq_url: str, target_url: str, count: int) -> int:
    from dlq_redriver.adapters import SqsQueues
    from dlq_redriver.domain import Filter, Request, redrive

    request = Request(max_messages=count + 10, filter=Filter(reasons=frozenset({"SchemaViolation"})))
    report = redrive(
        request,
        SqsQueues(sqs, visibility_seconds=60),
        dlq_url,
        target_url,
        remaining_ms=lambda: 600_000,
        now_ms=lambda: int(time.time() * 1000),
    )
    return report.moved


def measure(sqs: Any, calls: Calls, count: int) -> dict[str, Any]:
    """Move ``count`` messages with each redriver; ``calls`` must be attached to ``sqs``'s events."""
    result: dict[str, Any] = {}
    for which in ("ours", "baseline"):
        suffix = uuid.uuid4().hex[:8]
        dlq_url = sqs.create_queue(QueueName=f"bench-redrive-dlq-{suffix}")["QueueUrl"]
        target_url = sqs.create_queue(QueueName=f"bench-redrive-target-{suffix}")["QueueUrl"]
        try:
            _fill(sqs, dlq_url, count)
            with calls.count() as counts:
                started = time.perf_counter()
                moved = _ours(sqs, dlq_url, target_url, count) if which == "ours" else _naive(sqs, dlq_url, target_url)
                elapsed = time.perf_counter() - started
            if moved != count:
                raise RuntimeError(f"{which} redriver moved {moved} of {count} messages")
            total = sum(counts.values())
            result[which] = {
                "moved": moved,
                "calls_per_message": total / moved,
                "messages_per_s": moved / elapsed,
                "by_operation": dict(sorted(counts.items())),
            }
        finally:
            sqs.delete_queue(QueueUrl=dlq_url)
            sqs.delete_queue(QueueUrl=target_url)
    return result
