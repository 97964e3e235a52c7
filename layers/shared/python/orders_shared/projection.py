"""The read side's one fold: a stream of stored events back into the order they describe.

Pure functions, no I/O. The lifecycle is the processor's (:mod:`orders_shared.transitions` and
:func:`orders_shared.events.target_status`): a stored stream holds only the changes the processor
committed, so folding it gives the projection the processor wrote, attribute for attribute
(``createdAt`` and ``updatedAt`` are the commit times the store recorded with the first and the last
event). A stream the lifecycle cannot fold is corrupt: :class:`StreamError` says where.

Every stored event passes through :func:`upcast` first, so that events of an older schema version
reach the fold in the current shape (OrderCreated 1.x's ``amount`` as 2.0's ``total``).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from orders_shared.errors import OrderPipelineError
from orders_shared.event_store import RecordedEvent
from orders_shared.events import DetailType, OrderStatus, target_status
from orders_shared.transitions import can_move
from orders_shared.upcasting import LEGACY_CURRENCY
from orders_shared.upcasting import upcast as upcast_detail

if TYPE_CHECKING:
    from mypy_boto3_dynamodb.type_defs import AttributeValueTypeDef

type Upcaster = Callable[[RecordedEvent], RecordedEvent]


class StreamError(Exception):
    """A stored stream that the lifecycle cannot fold (a gap, a move it forbids, an unknown type).

    Parameters
    ----------
    stream_id : str
        The stream.
    version : int
        The version of the event that cannot be folded.
    problem : str
        What is wrong with it.
    """

    def __init__(self, stream_id: str, version: int, problem: str) -> None:
        super().__init__(f"stream {stream_id} version {version}: {problem}")
        self.stream_id = stream_id
        self.version = version
        self.problem = problem


class AsOfError(Exception):
    """An as-of query with no answer: a version the stream never had, or a time before the order."""


@dataclass(frozen=True, slots=True)
class OrderView:
    """One order as the projection holds it (every attribute the processor writes)."""

    order_id: str
    status: OrderStatus
    version: int
    customer_id: str
    amount: Decimal
    created_at: str
    updated_at: str
    last_event_id: str
    occurred_at: str
    currency: str = LEGACY_CURRENCY  # of ``amount``; a 1.x order's is USD

    def differences(self, other: OrderView) -> list[str]:
        """The names of the attributes in which ``other`` differs from this view (numbers by value)."""
        return [name for name in self.__slots__ if getattr(self, name) != getattr(other, name)]


def upcast(event: RecordedEvent) -> RecordedEvent:
    """The stored event in the current schema's shape; every read goes through here.

    The stored copy is never rewritten: its data is turned into the current major of its type by the
    contract's upcasters (:func:`orders_shared.upcasting.upcast`, one step per major), here, on read.
    An event without a readable ``metadata.schemaVersion`` is left as stored (the fold then says
    what it lacks).
    """
    try:
        version = str(event.data["metadata"]["schemaVersion"])
        data = upcast_detail(event.event_type, version, event.data)
    except (KeyError, TypeError, ValueError, OrderPipelineError):
        return event
    return replace(event, data=data)


def _occurred_at(event: RecordedEvent) -> str:
    try:
        return str(event.data["metadata"]["occurredAt"])
    except (KeyError, TypeError):
        raise StreamError(event.stream_id, event.version, "its data holds no metadata.occurredAt") from None


def _created(event: RecordedEvent, kind: DetailType) -> OrderView:
    if event.version != 1:
        raise StreamError(event.stream_id, event.version, "the stream does not start at version 1")
    if kind is not DetailType.ORDER_CREATED:
        raise StreamError(event.stream_id, event.version, f"the stream starts with {kind}, not OrderCreated")
    try:
        customer_id = str(event.data["customerId"])
        total = event.data["total"]  # the current major's money (a 1.x amount upcast into it)
        amount, currency = Decimal(str(total["amount"])), str(total["currency"])
    except (KeyError, TypeError, ArithmeticError):
        raise StreamError(event.stream_id, event.version, "OrderCreated without a customerId or a total") from None
    return OrderView(
        order_id=event.stream_id,
        status=OrderStatus.PENDING,
        version=1,
        customer_id=customer_id,
        amount=amount,
        currency=currency,
        created_at=event.recorded_at,
        updated_at=event.recorded_at,
        last_event_id=event.event_id,
        occurred_at=_occurred_at(event),
    )


def evolve(view: OrderView | None, event: RecordedEvent) -> OrderView:
    """The order after one more stored event (``view`` None: before the first).

    Raises
    ------
    StreamError
        If the event cannot follow ``view``: not the next version, not a move the lifecycle allows, or
        of a type or shape the contract does not know.
    """
    try:
        kind = DetailType(event.event_type)
    except ValueError:
        raise StreamError(event.stream_id, event.version, f"unknown event type {event.event_type[:64]!r}") from None
    if view is None:
        return _created(event, kind)
    if event.version != view.version + 1:
        raise StreamError(event.stream_id, event.version, f"follows version {view.version}")
    try:
        target = target_status(kind, event.data)
    except (KeyError, ValueError):
        raise StreamError(event.stream_id, event.version, f"{kind} names no known status") from None
    if kind is DetailType.ORDER_CREATED or not can_move(view.status, target):
        raise StreamError(event.stream_id, event.version, f"{kind} cannot move {view.status} to {target}")
    return OrderView(
        order_id=view.order_id,
        status=target,
        version=event.version,
        customer_id=view.customer_id,
        amount=view.amount,
        currency=view.currency,
        created_at=view.created_at,
        updated_at=event.recorded_at,
        last_event_id=event.event_id,
        occurred_at=_occurred_at(event),
    )


def fold(events: Iterable[RecordedEvent], *, upcaster: Upcaster = upcast) -> OrderView | None:
    """The order a stream describes (None for an empty stream), each event upcast first.

    Raises
    ------
    StreamError
        If the stream is corrupt (see :func:`evolve`).
    """
    view: OrderView | None = None
    for event in events:
        view = evolve(view, upcaster(event))
    return view


def parse_time(text: str) -> datetime:
    """An ISO 8601 time as an aware datetime; one without an offset is taken as UTC.

    Raises
    ------
    ValueError
        If ``text`` is not an ISO 8601 time.
    """
    moment = datetime.fromisoformat(text.strip().replace("Z", "+00:00").replace("z", "+00:00"))
    return moment if moment.tzinfo is not None else moment.replace(tzinfo=UTC)


def as_of_version(events: Iterable[RecordedEvent], version: int, *, upcaster: Upcaster = upcast) -> OrderView:
    """The order as it was at ``version`` (1 is its creation).

    Raises
    ------
    AsOfError
        If the stream never reached ``version`` (or it is below 1).
    StreamError
        If the stream is corrupt up to there.
    """
    stream = list(events)
    if version < 1 or version > len(stream):
        head = len(stream)
        raise AsOfError(f"version {version} does not exist: the stream has versions 1 to {head}")
    view: OrderView | None = None
    for event in stream[:version]:
        view = evolve(view, upcaster(event))
    if view is None:  # unreachable with version >= 1; says so rather than assert
        raise AsOfError(f"version {version} does not exist")
    return view


def as_of_time(events: Iterable[RecordedEvent], moment: datetime, *, upcaster: Upcaster = upcast) -> OrderView:
    """The order as the store held it at ``moment`` (an aware datetime): the events recorded by then.

    Raises
    ------
    AsOfError
        If the order had not been recorded yet at ``moment``.
    StreamError
        If the stream is corrupt up to there.
    """
    if moment.tzinfo is None:
        raise ValueError("moment must carry a time zone")
    known = [event for event in events if parse_time(event.recorded_at) <= moment]
    view = fold(known, upcaster=upcaster)
    if view is None:
        raise AsOfError(f"the order was not recorded yet at {moment.isoformat()}")
    return view


def projection_item(view: OrderView) -> dict[str, AttributeValueTypeDef]:
    """The Orders-table item of ``view``: what the processor writes, and what a rebuild writes back."""
    return {
        "orderId": {"S": view.order_id},
        "customerId": {"S": view.customer_id},
        "amount": {"N": str(view.amount)},
        "currency": {"S": view.currency},
        "createdAt": {"S": view.created_at},
        "status": {"S": str(view.status)},
        "version": {"N": str(view.version)},
        "lastEventId": {"S": view.last_event_id},
        "updatedAt": {"S": view.updated_at},
        "occurredAt": {"S": view.occurred_at},  # producer time: publish-to-commit latency
    }


class ProjectionItemError(Exception):
    """A projection item that is not a view (an attribute missing or of the wrong type)."""


def view_from_item(item: Mapping[str, Any]) -> OrderView:
    """The view a projection item holds (``item`` as DynamoDB's client returns it).

    Raises
    ------
    ProjectionItemError
        Naming the attribute that is missing or unreadable.
    """

    def text(name: str) -> str:
        value = item.get(name)
        if not isinstance(value, Mapping) or not isinstance(value.get("S"), str):
            raise ProjectionItemError(f"attribute {name} is missing or not a string")
        return str(value["S"])

    def number(name: str) -> Decimal:
        value = item.get(name)
        if not isinstance(value, Mapping) or "N" not in value:
            raise ProjectionItemError(f"attribute {name} is missing or not a number")
        return Decimal(str(value["N"]))

    try:
        status = OrderStatus(text("status"))
    except ValueError:
        raise ProjectionItemError("attribute status holds no known status") from None
    return OrderView(
        order_id=text("orderId"),
        status=status,
        version=int(number("version")),
        customer_id=text("customerId"),
        amount=number("amount"),
        currency=text("currency"),
        created_at=text("createdAt"),
        updated_at=text("updatedAt"),
        last_event_id=text("lastEventId"),
        occurred_at=text("occurredAt"),
    )
