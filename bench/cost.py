"""Dollars per million orders on AWS, from the calls, items and durations the benchmark measured.

An order is one lifecycle of three events (created, paid, completed), each published on the bus,
delivered to the queue and processed in a batch of 10. Prices are public us-east-1 list prices
(on-demand, no free tier), as written in PRICES with the date they are assumed for.
"""

from __future__ import annotations

from typing import Any

PRICES_AS_OF = "2026-11-27 (us-east-1 list prices, unchanged since the DynamoDB on-demand cut of 2024-11-01)"
PRICES = {
    "lambda_gb_s_arm64": 0.0000133334,  # per GB-second, arm64, first 7.5 billion GB-s a month
    "lambda_request": 0.20 / 1e6,
    "sqs_request": 0.40 / 1e6,  # standard queue, per 64 KB chunk of a request
    "eventbridge_event": 1.00 / 1e6,  # custom events, PutEvents, per 64 KB chunk
    "dynamodb_wru": 0.625 / 1e6,  # on-demand write request unit (1 KB; a transactional write takes 2)
    "dynamodb_rru": 0.125 / 1e6,  # on-demand read request unit (a strongly consistent read up to 4 KB)
    "sns_request": 0.50 / 1e6,  # standard topic publish, per 64 KB chunk (a PublishBatch of small messages is 1)
    "logs_gb": 0.50,  # CloudWatch Logs standard ingestion, per GB (not in the list; shown apart)
}
EVENTS_PER_ORDER = 3
BATCH = 10
MEMORY_GB = 0.5  # the template's MemorySize: 512


def _shared_per_order() -> dict[str, float]:
    """What both processors cost per order before the function: bus, queue, trigger."""
    events = EVENTS_PER_ORDER
    return {
        "eventbridge": events * PRICES["eventbridge_event"],
        # EventBridge's SendMessage per event, then the trigger's ReceiveMessage and DeleteMessageBatch per batch.
        "sqs": events * (1 + 2 / BATCH) * PRICES["sqs_request"],
        "lambda_requests": events / BATCH * PRICES["lambda_request"],
    }


def per_million_orders(lifecycle: dict[str, Any]) -> dict[str, Any]:
    """Cost lines for one processor, from its measured lifecycle (see inprocess.lifecycle)."""
    orders = lifecycle["orders"]
    lines = _shared_per_order()
    lines["lambda_duration"] = lifecycle["billed_ms"] / 1000 * MEMORY_GB * PRICES["lambda_gb_s_arm64"] / orders
    lines["dynamodb_writes"] = lifecycle["wru"] * PRICES["dynamodb_wru"] / orders
    lines["dynamodb_reads"] = lifecycle["rru"] * PRICES["dynamodb_rru"] / orders
    lines["sns"] = lifecycle["sns_requests"] * PRICES["sns_request"] / orders
    per_million = {name: value * 1e6 for name, value in lines.items()}
    logs = lifecycle["log_bytes"] / orders / 1e9 * PRICES["logs_gb"] * 1e6
    return {"lines": per_million, "total": sum(per_million.values()), "cloudwatch_logs": logs}
