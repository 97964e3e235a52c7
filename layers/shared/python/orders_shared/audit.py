"""The audit: does the projection say what the event store says, and do the counters say what it says?

For every stream (every head of the Orders table), the order's projection item is compared with the fold of its
stream (attribute by attribute); then the status counters with the projection's totals, read with no
commit in between. Reads only: nothing is written.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable
from concurrent.futures import Executor
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from orders_shared.event_store import EventStore
from orders_shared.projection import Upcaster, upcast
from orders_shared.streams import Drift, Settled, drift_of, read_orders, settled_totals, stream_pages

if TYPE_CHECKING:
    from mypy_boto3_dynamodb import DynamoDBClient

type Progress = Callable[[int, str], None]


@dataclass(slots=True)
class AuditReport:
    """What the audit found: drift counted by kind, with the first ``examples`` of them."""

    orders: int = 0
    events: int = 0
    drift: Counter[str] = field(default_factory=Counter)
    examples: list[Drift] = field(default_factory=list)
    settled: Settled | None = None
    counters_checked: bool = False

    @property
    def clean(self) -> bool:
        """True when nothing drifted and the counters could be compared."""
        return not self.drift and self.counters_checked

    def add(self, drift: Drift, examples: int) -> None:
        self.drift[drift.kind] += 1
        if len(self.examples) < examples:
            self.examples.append(drift)


def audit(
    client: DynamoDBClient,
    orders_table: str,
    events_table: str,
    executor: Executor,
    *,
    progress: Progress = lambda done, note: None,
    examples: int = 10,
    settle_tries: int = 5,
    index_lag_s: float = 1.0,
    sleep: Callable[[float], None],
    upcaster: Upcaster = upcast,
) -> AuditReport:
    """Compare every order's projection with its stream, and the counters with the projection.

    Parameters
    ----------
    executor
        Reads the streams of a page concurrently.
    settle_tries, index_lag_s, sleep
        How often the counters are read around the projection before giving up on a busy pipeline
        (``counters_checked`` stays False), and the streams listing's lag (see
        :func:`~orders_shared.streams.settled_totals`).

    Raises
    ------
    ReadSideError
        If a read cannot complete.
    """
    store = EventStore(client, events_table, heads_table=orders_table)
    report = AuditReport()
    for order_ids, _ in stream_pages(store):
        for reading in read_orders(client, store, orders_table, order_ids, executor, upcaster=upcaster):
            report.orders += 1
            report.events += len(reading.events)
            drift = drift_of(reading)
            if drift is not None:
                report.add(drift, examples)
        progress(report.orders, f"{sum(report.drift.values())} drifted")
    settled = settled_totals(client, store, orders_table, tries=settle_tries, sleep=sleep, index_lag_s=index_lag_s)
    report.settled = settled
    if settled is not None:
        report.counters_checked = True
        for name, counted, projected in settled.counters.differences(settled.projection):
            report.add(Drift("counters", name, f"counters say {counted}, the projection {projected}"), examples)
    return report
