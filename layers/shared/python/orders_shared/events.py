"""Typed order events: parsing what the bus delivers, and building what producers send.

An event crosses three boundaries: a producer builds a :class:`NewEvent` (its ``detail`` carries
``metadata.eventId``, assigned once and kept across every retry), EventBridge wraps it in an
envelope (with an ``id`` of its own, new on each PutEvents), and SQS carries that envelope as a JSON
string in the record ``body``. :func:`parse_sqs_body` turns the body back into an :class:`OrderEvent`.
"""

from __future__ import annotations

import hashlib
import json
import re
import uuid
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from decimal import Decimal
from enum import StrEnum
from typing import Any

from orders_shared.errors import MalformedEventError, UnknownEventTypeError
from orders_shared.upcasting import LEGACY_CURRENCY, decimal_text, upcast
from orders_shared.validation import CURRENT_VERSIONS, validate_detail, validate_envelope

# EventBridge refuses events over 256 KB, so a larger body cannot have come from the bus.
MAX_BODY_BYTES = 256 * 1024
# A \uD800-\uDFFF escape: a surrogate, lone unless its pair follows (checked on the parsed value).
_SURROGATE_ESCAPE = re.compile(r"\\u[dD][89a-fA-F][0-9a-fA-F]{2}")


class DetailType(StrEnum):
    """The detail-types of the contract."""

    ORDER_CREATED = "OrderCreated"
    ORDER_STATUS_CHANGED = "OrderStatusChanged"
    PAYMENT_PROCESSED = "PaymentProcessed"
    PAYMENT_FAILED = "PaymentFailed"


class OrderStatus(StrEnum):
    """Order states; they move forward only (see ``orders_shared.transitions``)."""

    PENDING = "pending"
    PROCESSING = "processing"
    COMPLETED = "completed"
    CANCELLED = "cancelled"


SOURCE_OF: Mapping[DetailType, str] = {
    DetailType.ORDER_CREATED: "order-service",
    DetailType.ORDER_STATUS_CHANGED: "order-service",
    DetailType.PAYMENT_PROCESSED: "payment-service",
    DetailType.PAYMENT_FAILED: "payment-service",
}
_DETAIL_TYPES = frozenset(str(kind) for kind in DetailType)
_SOURCES = frozenset(SOURCE_OF.values())


@dataclass(frozen=True, slots=True)
class EventMetadata:
    """What the producer attaches to every event, inside ``detail.metadata``."""

    event_id: str
    correlation_id: str
    schema_version: str
    occurred_at: str


@dataclass(frozen=True, slots=True)
class OrderEvent:
    """One validated order event as delivered by EventBridge.

    ``event_id`` (the producer's) is the idempotency key; ``envelope_id`` is EventBridge's and changes
    on every PutEvents, so it is kept for tracing only.
    """

    detail_type: DetailType
    source: str
    order_id: str
    metadata: EventMetadata
    detail: Mapping[str, Any]
    envelope_id: str
    time: str
    replay_name: str | None = None
    data: Mapping[str, Any] | None = None

    @property
    def model(self) -> Mapping[str, Any]:
        """The detail as the current major of its type says it (upcast from an older one).

        ``detail`` stays what was received: it is what is stored and digested.
        """
        return self.detail if self.data is None else self.data

    @property
    def event_id(self) -> str:
        """The producer-assigned event id (idempotency key)."""
        return self.metadata.event_id

    @property
    def target_status(self) -> OrderStatus:
        """The status this event moves the order to."""
        return target_status(self.detail_type, self.detail)


def target_status(detail_type: DetailType, detail: Mapping[str, Any]) -> OrderStatus:
    """The status an event of ``detail_type`` with ``detail`` moves its order to.

    One rule for the processor (a delivered event) and the read side (a stored one).
    """
    if detail_type is DetailType.ORDER_CREATED:
        return OrderStatus.PENDING
    if detail_type is DetailType.PAYMENT_PROCESSED:
        return OrderStatus.PROCESSING
    if detail_type is DetailType.PAYMENT_FAILED:
        return OrderStatus.CANCELLED
    return OrderStatus(detail["status"])


def _no_constants(name: str) -> Any:
    raise MalformedEventError(f"JSON constant {name} is not allowed", rule="json")


def _no_duplicate_keys(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    result = dict(pairs)
    if len(result) != len(pairs):
        seen: set[str] = set()
        duplicate = next(key for key, _ in pairs if key in seen or seen.add(key))  # type: ignore[func-returns-value]
        raise MalformedEventError(f"duplicate key {duplicate[:64]!r}", rule="json")
    return result


def loads_strict(text: str | bytes) -> Any:
    """Parse JSON refusing what a lenient parser lets through.

    Numbers with a fraction become :class:`~decimal.Decimal` (DynamoDB takes no float); ``NaN`` and
    ``Infinity``, duplicate keys, bodies over 256 KB, nesting too deep to parse, bytes that are not
    UTF-8 and lone surrogates (raw or escaped: no store keeps one) are refused.

    Raises
    ------
    MalformedEventError
        Naming the problem; the payload itself is not echoed.
    """
    try:
        size = len(text.encode("utf-8") if isinstance(text, str) else text)
    except UnicodeEncodeError:  # a lone surrogate: no UTF-8 exists for it, so it never came off the wire
        raise MalformedEventError("body is not valid Unicode (a lone surrogate)", rule="encoding") from None
    if size > MAX_BODY_BYTES:
        raise MalformedEventError(f"body is {size} bytes, over the {MAX_BODY_BYTES}-byte limit", rule="maxLength")
    if isinstance(text, bytes):
        try:  # strictly: json.loads would take UTF-16 or an encoded lone surrogate ("surrogatepass")
            text = text.decode("utf-8")
        except UnicodeDecodeError:
            raise MalformedEventError("body is not valid UTF-8", rule="json") from None
    try:
        value = json.loads(
            text, parse_float=Decimal, parse_constant=_no_constants, object_pairs_hook=_no_duplicate_keys
        )
    except RecursionError:
        raise MalformedEventError("JSON nested too deeply", rule="json") from None
    except (ValueError, TypeError) as error:  # JSONDecodeError and UnicodeDecodeError are ValueErrors
        if isinstance(error, MalformedEventError):
            raise
        raise MalformedEventError(f"body is not valid JSON: {type(error).__name__}", rule="json") from None
    if _SURROGATE_ESCAPE.search(text):
        # JSON lets "\ud800" through as a string with no UTF-8 form: DynamoDB and SNS refuse to
        # store it, so the write would fail on every retry. A well-formed pair is one character.
        try:
            json.dumps(value, ensure_ascii=False, default=str).encode("utf-8")
        except UnicodeEncodeError:
            raise MalformedEventError("a string holds an escaped lone surrogate", rule="encoding") from None
    return value


def parse_envelope(envelope: Any) -> OrderEvent:
    """Validate an EventBridge envelope and its detail, and return the typed event.

    Raises
    ------
    UnknownEventTypeError
        For a detail-type or source this pipeline does not handle, or a pair that does not match.
    SchemaValidationError
        If the envelope or its detail breaks the contract otherwise.
    """
    if isinstance(envelope, dict):
        # Checked before the schema so that the dead-letter reason says what is really wrong.
        kind, source = envelope.get("detail-type"), envelope.get("source")
        if isinstance(kind, str) and kind not in _DETAIL_TYPES:
            raise UnknownEventTypeError(f"unknown detail-type {kind[:64]!r}", path="detail-type", rule="enum")
        if isinstance(source, str) and source not in _SOURCES:
            raise UnknownEventTypeError(f"unknown source {source[:64]!r}", path="source", rule="enum")
    validate_envelope(envelope)
    detail_type = DetailType(envelope["detail-type"])
    if SOURCE_OF[detail_type] != envelope["source"]:
        raise UnknownEventTypeError(
            f"detail-type {detail_type} does not come from source {envelope['source']}", path="source", rule="enum"
        )
    detail = envelope["detail"]
    validate_detail(detail_type, detail)
    meta = detail["metadata"]
    data = upcast(str(detail_type), meta["schemaVersion"], detail)
    return OrderEvent(
        detail_type=detail_type,
        source=envelope["source"],
        order_id=detail["orderId"].lower(),
        metadata=EventMetadata(
            meta["eventId"].lower(), meta["correlationId"], meta["schemaVersion"], meta["occurredAt"]
        ),
        detail=detail,
        envelope_id=envelope["id"],
        time=envelope["time"],
        replay_name=envelope.get("replay-name"),
        data=data,
    )


def parse_sqs_body(body: str) -> OrderEvent:
    """Parse the ``body`` of an SQS record carrying an EventBridge event.

    Raises
    ------
    MalformedEventError
        If the body is not strict JSON.
    SchemaValidationError, UnknownEventTypeError
        If it breaks the contract.
    """
    return parse_envelope(loads_strict(body))


def _canonical(value: Any) -> Any:
    # Numbers by value (10, 10.0 and 1E+1 are one number), keys sorted by json.dumps: two copies of
    # an event that a serialiser on the way (an archive, a redrive) re-spelled keep one digest.
    if isinstance(value, bool) or value is None or isinstance(value, str):
        return value
    if isinstance(value, int | Decimal):
        return {"#number": str(Decimal(value).normalize())}
    if isinstance(value, Mapping):
        return {str(key): _canonical(item) for key, item in value.items()}
    if isinstance(value, list | tuple):
        return [_canonical(item) for item in value]
    raise TypeError(f"{type(value).__name__} has no canonical JSON form")


def content_digest(event: OrderEvent) -> str:
    """The SHA-256 of what an event says: its source, detail-type and whole detail, canonically.

    Stored with the idempotency marker, it tells a redelivered event (same id, same content: a
    duplicate) from another event that reuses the id (a conflict, never applied). Envelope fields that
    change on every delivery (EventBridge's ``id``, ``time``, ``replay-name``) are left out.
    """
    canonical = {"source": event.source, "detailType": str(event.detail_type), "detail": _canonical(event.detail)}
    text = json.dumps(canonical, sort_keys=True, separators=(",", ":"), ensure_ascii=True)
    return hashlib.sha256(text.encode("ascii")).hexdigest()


def utc_now_iso() -> str:
    """The current UTC time, ISO 8601 with milliseconds and a ``Z``."""
    return datetime.now(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")


def _json_default(value: Any) -> Any:
    if isinstance(value, Decimal):
        if value == value.to_integral_value():
            return int(value)
        number = float(value)
        if Decimal(repr(number)) != value:  # JSON numbers are written as floats: refuse to change one
            raise ValueError(f"{value} cannot be written as a JSON number without rounding")
        return number
    raise TypeError(f"{type(value).__name__} is not JSON serialisable")


def dumps(value: Any) -> str:
    """Serialise to compact JSON, writing Decimals as numbers (exactly, or ValueError)."""
    return json.dumps(value, separators=(",", ":"), default=_json_default)


@dataclass(frozen=True, slots=True)
class NewEvent:
    """An event a producer is about to publish; ``detail`` already holds its metadata."""

    detail_type: DetailType
    detail: Mapping[str, Any]
    source: str = field(init=False)
    detail_json: str = field(init=False, repr=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "source", SOURCE_OF[self.detail_type])
        # Serialised once: the same bytes (and so the same eventId) go out on every retry.
        object.__setattr__(self, "detail_json", dumps(self.detail))

    @property
    def event_id(self) -> str:
        """The producer-assigned id, kept across retries."""
        return str(self.detail["metadata"]["eventId"])

    @property
    def order_id(self) -> str:
        """The order the event is about."""
        return str(self.detail["orderId"])


def new_event(
    detail_type: DetailType,
    fields: Mapping[str, Any],
    *,
    correlation_id: str | None = None,
    event_id: str | None = None,
    clock: Callable[[], str] = utc_now_iso,
    schema_version: str | None = None,
) -> NewEvent:
    """Build an event with fresh metadata (event id, correlation id, schema version, time).

    The schema version is the detail-type's current one unless ``schema_version`` says otherwise.

    The detail is not validated here; :class:`~orders_shared.publisher.EventPublisher` validates
    before sending, and tests build invalid events on purpose.
    """
    metadata = {
        "eventId": event_id or str(uuid.uuid4()),
        "correlationId": correlation_id or str(uuid.uuid4()),
        "schemaVersion": schema_version or CURRENT_VERSIONS[detail_type],
        "occurredAt": clock(),
    }
    return NewEvent(detail_type, {**fields, "metadata": metadata})


@dataclass(frozen=True, slots=True)
class Money:
    """An amount in a currency (ISO 4217 alphabetic code), as OrderCreated 2.x carries a total."""

    amount: Decimal | int
    currency: str = LEGACY_CURRENCY

    def as_json(self) -> dict[str, str]:
        """``{"amount": "129.99", "currency": "EUR"}``: the amount as text, every digit kept."""
        return {"amount": decimal_text(self.amount), "currency": self.currency}


def order_created(order_id: str, customer_id: str, amount: Money | Decimal | int, **meta: Any) -> NewEvent:
    """An ``OrderCreated`` event: a new order, ``pending``.

    With a :class:`Money` total it is of the current version (2.0: ``total`` {amount, currency}). A
    bare number has no currency, which only 1.x can say (its amounts are USD): the event is 1.0,
    for producers not yet moved to 2.x.
    """
    fields: dict[str, Any] = {"orderId": order_id, "customerId": customer_id, "status": "pending"}
    if isinstance(amount, Money):
        fields["total"] = amount.as_json()
    else:
        fields["amount"] = amount
        meta.setdefault("schema_version", "1.0")
    return new_event(DetailType.ORDER_CREATED, fields, **meta)


def order_status_changed(order_id: str, status: OrderStatus, reason: str | None = None, **meta: Any) -> NewEvent:
    """An ``OrderStatusChanged`` event (to ``processing``, ``completed`` or ``cancelled``)."""
    fields: dict[str, Any] = {"orderId": order_id, "status": str(status)}
    if reason is not None:
        fields["reason"] = reason
    return new_event(DetailType.ORDER_STATUS_CHANGED, fields, **meta)


def payment_processed(order_id: str, amount: Decimal | int, payment_id: str | None = None, **meta: Any) -> NewEvent:
    """A ``PaymentProcessed`` event: the order is paid and moves to ``processing``."""
    fields = {"orderId": order_id, "paymentId": payment_id or str(uuid.uuid4()), "amount": amount}
    return new_event(DetailType.PAYMENT_PROCESSED, fields, **meta)


def payment_failed(order_id: str, reason: str, **meta: Any) -> NewEvent:
    """A ``PaymentFailed`` event: the order is cancelled."""
    return new_event(DetailType.PAYMENT_FAILED, {"orderId": order_id, "reason": reason}, **meta)


def envelope_for(event: NewEvent, *, account: str = "123456789012", region: str = "us-east-1") -> dict[str, Any]:
    """Wrap an event the way EventBridge delivers it to a rule target (for tests and sample events)."""
    return {
        "version": "0",
        "id": str(uuid.uuid4()),
        "detail-type": str(event.detail_type),
        "source": event.source,
        "account": account,
        "time": utc_now_iso()[:19] + "Z",
        "region": region,
        "resources": [],
        "detail": json.loads(event.detail_json, parse_float=Decimal),
    }
