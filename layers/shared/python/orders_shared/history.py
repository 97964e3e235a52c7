"""An order's history read back from the event store: its events, and its state now or as of then.

What ``make history`` prints; the fold and the as-of rules are :mod:`orders_shared.projection`'s.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from orders_shared.event_store import EventStore, RecordedEvent
from orders_shared.projection import OrderView, Upcaster, as_of_time, as_of_version, fold, upcast


class UnknownOrderError(Exception):
    """The event store holds no event of this order."""


@dataclass(frozen=True, slots=True)
class History:
    """An order's stored events and its state after ``events[:known]`` (all of them unless as of a point)."""

    order_id: str
    events: list[RecordedEvent]
    view: OrderView
    known: int

    @property
    def correlation_ids(self) -> list[str]:
        """Each event's correlation id, as its producer set it ("" when the stored data has none)."""
        ids: list[str] = []
        for event in self.events:
            metadata = event.data.get("metadata")
            ids.append(str(metadata.get("correlationId", "")) if isinstance(metadata, dict) else "")
        return ids


def read_history(
    store: EventStore,
    order_id: str,
    *,
    version: int | None = None,
    at: datetime | None = None,
    upcaster: Upcaster = upcast,
) -> History:
    """Read an order's stream and fold it: whole, or up to ``version``, or as recorded by ``at``.

    Parameters
    ----------
    store
        The event store (reads are strongly consistent).
    order_id : str
        The order (its stream id).
    version, at
        At most one: the version, or the aware time (compared with each event's commit time), to
        stop at.

    Raises
    ------
    UnknownOrderError
        If the order has no stored event.
    AsOfError
        If it never had ``version``, or was not recorded yet at ``at``.
    StreamError
        If its stream is corrupt (up to the point asked for).
    ValueError
        If both ``version`` and ``at`` are given.
    """
    if version is not None and at is not None:
        raise ValueError("ask for a version or a time, not both")
    events = store.get_events(order_id)
    if not events:
        raise UnknownOrderError(f"order {order_id} has no stored events")
    if version is not None:
        view = as_of_version(events, version, upcaster=upcaster)
    elif at is not None:
        view = as_of_time(events, at, upcaster=upcaster)
    else:
        whole = fold(events, upcaster=upcaster)
        if whole is None:  # events is not empty: fold gives a view or raises
            raise UnknownOrderError(f"order {order_id} has no stored events")
        view = whole
    return History(order_id, events, view, view.version)
