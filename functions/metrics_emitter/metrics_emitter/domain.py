"""The figures the metrics emitter publishes each minute, from sources whose cost does not grow.

Order counts come from the sharded counters the processor updates in its transactions (never
a table scan); queue figures from GetQueueAttributes.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from decimal import Decimal
from typing import Protocol

from orders_shared.counters import COUNTED_STATUSES

STATUSES = tuple(str(status) for status in COUNTED_STATUSES)  # attribute names of a counter shard


class FiguresUnavailableError(RuntimeError):
    """A source of the figures could not be read; the message names the call and the AWS error code.

    The run fails (nothing half-read is emitted) and the emitter's error alarm fires.
    """


@dataclass(frozen=True, slots=True)
class QueueFigures:
    """Depth (visible) and in-flight (received, not yet deleted) messages of a queue."""

    visible: int
    in_flight: int


@dataclass(frozen=True, slots=True)
class Figures:
    """Everything emitted in one run."""

    queue: QueueFigures
    dead_letter_queue: QueueFigures
    orders_by_status: Mapping[str, int]
    revenue: Decimal

    def as_metrics(self) -> dict[str, tuple[float, str]]:
        """Metric name → (value, unit) for EMF."""
        result: dict[str, tuple[float, str]] = {
            "QueueDepth": (self.queue.visible, "Count"),
            "QueueInFlight": (self.queue.in_flight, "Count"),
            "DeadLetterQueueDepth": (self.dead_letter_queue.visible, "Count"),
            "DeadLetterQueueInFlight": (self.dead_letter_queue.in_flight, "Count"),
            "Revenue": (float(self.revenue), "None"),
        }
        for status in STATUSES:
            result[f"Orders{status.capitalize()}"] = (self.orders_by_status[status], "Count")
        return result


class QueueStats(Protocol):
    """Reads queue attributes."""

    def figures(self, queue_url: str) -> QueueFigures: ...


class Counters(Protocol):
    """Reads every shard of the status counters."""

    def shards(self) -> Iterable[Mapping[str, Decimal]]: ...


def sum_shards(shards: Iterable[Mapping[str, Decimal]]) -> tuple[dict[str, int], Decimal]:
    """Add up the counter shards: orders per status, and revenue (amount of completed orders)."""
    counts = dict.fromkeys(STATUSES, 0)
    revenue = Decimal(0)
    for shard in shards:
        for status in STATUSES:
            counts[status] += int(shard.get(status, 0))
        revenue += shard.get("revenue", Decimal(0))
    return counts, revenue


def collect(queues: QueueStats, counters: Counters, queue_url: str, dead_letter_queue_url: str) -> Figures:
    """Gather the figures: two GetQueueAttributes and one read of the counter shards."""
    counts, revenue = sum_shards(counters.shards())
    return Figures(
        queue=queues.figures(queue_url),
        dead_letter_queue=queues.figures(dead_letter_queue_url),
        orders_by_status=counts,
        revenue=revenue,
    )
