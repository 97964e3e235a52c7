"""The event contract as the generated validators enforce it: formats, each detail-type, the errors raised."""

from __future__ import annotations

from collections.abc import Callable
from decimal import Decimal
from typing import Any

import pytest

from orders_shared.errors import SchemaValidationError, UnknownEventTypeError
from orders_shared.validation import validate_detail, validate_envelope, validate_written

Mutation = Callable[[dict[str, Any]], None]

SECRET = "sk_live_" + "Zq9XvB27mK4pLw8RtY3nHc6JdF5sGa1U" * 2


def _set(path: str, value: Any) -> Mutation:
    """A mutation that sets ``detail[a][b]`` for path ``a.b``."""

    def mutate(detail: dict[str, Any]) -> None:
        *parents, leaf = path.split(".")
        node = detail
        for key in parents:
            node = node[key]
        node[leaf] = value

    return mutate


def _drop(path: str) -> Mutation:
    """A mutation that removes ``detail[a][b]`` for path ``a.b``."""

    def mutate(detail: dict[str, Any]) -> None:
        *parents, leaf = path.split(".")
        node = detail
        for key in parents:
            node = node[key]
        del node[leaf]

    return mutate


# --- formats -------------------------------------------------------------------------------------


def test_validate_detail_rejects_the_seed_order_id_as_not_a_uuid(valid_detail: Callable[[str], dict[str, Any]]) -> None:
    # GIVEN the seed's OrderCreated, whose orderId is "123"
    detail = valid_detail("OrderCreated")
    detail["orderId"] = "123"

    # WHEN it is validated
    with pytest.raises(SchemaValidationError) as caught:
        validate_detail("OrderCreated", detail)

    # THEN the uuid format is named as the rule broken, at the orderId
    assert (caught.value.path, caught.value.rule) == ("detail.orderId", "format")


def test_validate_detail_rejects_a_uuid_with_a_trailing_newline(valid_detail: Callable[[str], dict[str, Any]]) -> None:
    # GIVEN an event id that is a uuid followed by "\n" (a regex anchored with `$` would let it through)
    detail = valid_detail("OrderCreated")
    detail["metadata"]["eventId"] += "\n"

    # WHEN it is validated
    with pytest.raises(SchemaValidationError) as caught:
        validate_detail("OrderCreated", detail)

    # THEN it is refused as not a uuid
    assert (caught.value.path, caught.value.rule) == ("detail.metadata.eventId", "format")


def test_validate_detail_accepts_an_upper_case_uuid(valid_detail: Callable[[str], dict[str, Any]]) -> None:
    # GIVEN ids written in upper case, which RFC 4122 allows on input
    detail = valid_detail("PaymentProcessed")
    detail["orderId"] = detail["orderId"].upper()
    detail["paymentId"] = detail["paymentId"].upper()

    # WHEN it is validated
    # THEN no error is raised
    validate_detail("PaymentProcessed", detail)


@pytest.mark.parametrize(
    "timestamp",
    [
        pytest.param("2024-13-01T00:00:00Z", id="month-13"),
        pytest.param("2024-02-30T00:00:00Z", id="february-30"),
        pytest.param("2024-01-01T24:00:00Z", id="hour-24"),
        pytest.param("yesterday", id="words"),
        pytest.param("2024-01-01T00:00:00", id="no-timezone"),
        pytest.param("2024-01-01", id="date-only"),
        pytest.param("2024-01-01T00:00:00Z\n", id="trailing-newline"),
        pytest.param("", id="empty"),
    ],
)
def test_validate_detail_rejects_a_bad_occurred_at(
    valid_detail: Callable[[str], dict[str, Any]], timestamp: str
) -> None:
    # GIVEN a detail whose metadata.occurredAt is not an RFC 3339 date-time
    detail = valid_detail("OrderCreated")
    detail["metadata"]["occurredAt"] = timestamp

    # WHEN it is validated
    with pytest.raises(SchemaValidationError) as caught:
        validate_detail("OrderCreated", detail)

    # THEN the date-time format is the rule broken
    assert (caught.value.path, caught.value.rule) == ("detail.metadata.occurredAt", "format")


@pytest.mark.parametrize(
    "timestamp",
    ["2026-11-26T10:00:00Z", "2026-11-26T10:00:00.123Z", "2026-11-26T11:00:00+01:00", "2024-02-29T23:59:59.5Z"],
)
def test_validate_detail_accepts_an_rfc3339_occurred_at(
    valid_detail: Callable[[str], dict[str, Any]], timestamp: str
) -> None:
    # GIVEN a detail stamped with a valid RFC 3339 date-time (with a zone, maybe fractional, a leap day)
    detail = valid_detail("OrderCreated")
    detail["metadata"]["occurredAt"] = timestamp

    # WHEN it is validated
    # THEN no error is raised
    validate_detail("OrderCreated", detail)


def test_validate_envelope_rejects_a_time_without_timezone(envelope: Callable[..., dict[str, Any]]) -> None:
    # GIVEN an envelope whose time carries no zone
    body = envelope(time="2026-11-26T10:00:00")

    # WHEN it is validated
    with pytest.raises(SchemaValidationError) as caught:
        validate_envelope(body)

    # THEN the date-time format of "time" is the rule broken
    assert (caught.value.path, caught.value.rule) == ("time", "format")


# --- each detail-type ----------------------------------------------------------------------------


@pytest.mark.parametrize("detail_type", ["OrderCreated", "OrderStatusChanged", "PaymentProcessed", "PaymentFailed"])
def test_validate_detail_accepts_a_valid_detail(
    valid_detail: Callable[[str], dict[str, Any]], detail_type: str
) -> None:
    # GIVEN a detail as its producer sends it
    detail = valid_detail(detail_type)

    # WHEN it is validated against the schema of its detail-type
    # THEN no error is raised
    validate_detail(detail_type, detail)


INVALID_DETAILS = [
    # OrderCreated
    pytest.param("OrderCreated", _drop("customerId"), "detail", "required", id="created-missing-customerId"),
    pytest.param("OrderCreated", _drop("metadata"), "detail", "required", id="created-missing-metadata"),
    pytest.param("OrderCreated", _set("amount", "129.99"), "detail.amount", "type", id="created-amount-string"),
    pytest.param("OrderCreated", _set("amount", True), "detail.amount", "type", id="created-amount-bool"),
    pytest.param("OrderCreated", _set("amount", -0.01), "detail.amount", "minimum", id="created-negative-amount"),
    *(
        pytest.param(
            "OrderCreated", _set("amount", Decimal(amount)), "detail.amount", rule, id=f"created-amount-{name}"
        )
        for amount, rule, name in [
            ("0.1234567890123456", "precision", "16-digits"),
            ("0.12345678901234567890123456789012345678901", "precision", "beyond-dynamodb-38-digits"),
            ("1E-131", "minimum", "below-1e-130"),
            ("1E-400", "minimum", "1e-400"),
        ]
    ),
    pytest.param(
        "OrderCreated", _set("status", "completed"), "detail.status", "const", id="created-status-not-pending"
    ),
    pytest.param(
        "OrderCreated", _set("metadata.schemaVersion", "2.0"), "detail", "required", id="created-1.0-shape-says-2.0"
    ),
    # OrderStatusChanged
    pytest.param("OrderStatusChanged", _drop("status"), "detail", "required", id="changed-missing-status"),
    pytest.param("OrderStatusChanged", _set("status", "shipped"), "detail.status", "enum", id="changed-unknown-status"),
    pytest.param(
        "OrderStatusChanged", _set("status", "pending"), "detail.status", "enum", id="changed-back-to-pending"
    ),
    pytest.param("OrderStatusChanged", _set("status", 2), "detail.status", "type", id="changed-status-number"),
    pytest.param("OrderStatusChanged", _set("reason", ""), "detail.reason", "minLength", id="changed-empty-reason"),
    pytest.param(
        "OrderStatusChanged",
        _set("metadata.schemaVersion", 1.0),
        "detail.metadata.schemaVersion",
        "type",
        id="changed-schema-version-number",
    ),
    # PaymentProcessed
    pytest.param("PaymentProcessed", _drop("paymentId"), "detail", "required", id="processed-missing-paymentId"),
    pytest.param(
        "PaymentProcessed", _set("paymentId", "pay-1"), "detail.paymentId", "format", id="processed-paymentId"
    ),
    pytest.param("PaymentProcessed", _set("amount", None), "detail.amount", "type", id="processed-amount-null"),
    pytest.param("PaymentProcessed", _set("amount", -5), "detail.amount", "minimum", id="processed-negative-amount"),
    pytest.param(
        "PaymentProcessed",
        _set("amount", Decimal("99999999.999999999")),
        "detail.amount",
        "precision",
        id="processed-amount-17-digits",
    ),
    pytest.param(
        "PaymentProcessed",
        _set("metadata.schemaVersion", "1.01"),
        "detail.metadata.schemaVersion",
        "pattern",
        id="processed-schema-version-1.01",
    ),
    # PaymentFailed
    pytest.param("PaymentFailed", _drop("reason"), "detail", "required", id="failed-missing-reason"),
    pytest.param("PaymentFailed", _set("reason", ["declined"]), "detail.reason", "type", id="failed-reason-list"),
    pytest.param("PaymentFailed", _set("reason", "x" * 257), "detail.reason", "maxLength", id="failed-reason-too-long"),
    pytest.param(
        "PaymentFailed", _set("reason", "line\nbreak"), "detail.reason", "pattern", id="failed-reason-control"
    ),
    pytest.param(
        "PaymentFailed", _drop("metadata.correlationId"), "detail.metadata", "required", id="failed-missing-corr"
    ),
    pytest.param(
        "PaymentFailed", _drop("metadata.schemaVersion"), "detail.metadata", "required", id="failed-no-schema-version"
    ),
]


# A field a released version does not have: read tolerantly (accepted and kept), never sent by this
# code (the producers' strict writer refuses it).
EXTRA_FIELDS = [
    pytest.param("OrderCreated", _set("discount", 5), "detail", id="created-extra-property"),
    pytest.param("OrderStatusChanged", _set("amount", 1), "detail", id="changed-extra-property"),
    pytest.param("PaymentProcessed", _set("status", "paid"), "detail", id="processed-extra"),
    pytest.param("PaymentFailed", _set("metadata.traceId", "t"), "detail.metadata", id="failed-extra-meta"),
]


@pytest.mark.parametrize(("detail_type", "mutate", "path"), EXTRA_FIELDS)
def test_validate_detail_accepts_a_field_its_released_version_lacks_and_the_writer_refuses_it(
    valid_detail: Callable[[str], dict[str, Any]], detail_type: str, mutate: Mutation, path: str
) -> None:
    # GIVEN a valid detail of a released version with one field that version does not have
    detail = valid_detail(detail_type)
    mutate(detail)
    # WHEN the processor reads it, and a producer of this code would send it
    version = validate_detail(detail_type, detail)
    with pytest.raises(SchemaValidationError) as caught:
        validate_written(detail_type, detail)
    # THEN the reader takes it (a producer's added field parks nothing), the writer names the extra
    assert version == (1, 0)
    assert (caught.value.path, caught.value.rule) == (path, "additionalProperties")


@pytest.mark.parametrize(
    "amount",
    [Decimal("123456789.123456"), Decimal("1E-130"), Decimal("0.000"), Decimal("129.99"), Decimal("1E+2"), 0, 10**9],
    ids=str,
)
def test_validate_detail_accepts_an_amount_kept_exactly(
    valid_detail: Callable[[str], dict[str, Any]], amount: Decimal | int
) -> None:
    # GIVEN an amount of at most 15 significant digits, not below 1E-130 unless zero
    detail = valid_detail("OrderCreated")
    detail["amount"] = amount
    # WHEN it is validated
    # THEN it passes
    validate_detail("OrderCreated", detail)


@pytest.mark.parametrize(("detail_type", "mutate", "path", "rule"), INVALID_DETAILS)
def test_validate_detail_rejects_an_invalid_detail_naming_path_and_rule(
    valid_detail: Callable[[str], dict[str, Any]], detail_type: str, mutate: Mutation, path: str, rule: str
) -> None:
    # GIVEN a valid detail with one thing wrong
    detail = valid_detail(detail_type)
    mutate(detail)

    # WHEN it is validated
    with pytest.raises(SchemaValidationError) as caught:
        validate_detail(detail_type, detail)

    # THEN the error names where the problem is and which rule it breaks
    assert (caught.value.path, caught.value.rule) == (path, rule)


def test_validate_detail_rejects_an_unknown_detail_type(valid_detail: Callable[[str], dict[str, Any]]) -> None:
    # GIVEN a detail-type the contract does not define
    detail = valid_detail("OrderCreated")

    # WHEN a detail is validated under it
    # THEN the error says the type is unknown, not that the detail is invalid
    with pytest.raises(UnknownEventTypeError):
        validate_detail("OrderShipped", detail)


# --- what an error message may say --------------------------------------------------------------


@pytest.mark.parametrize(
    ("detail_type", "mutate"),
    [
        pytest.param("OrderCreated", _set("orderId", SECRET), id="format"),
        pytest.param("OrderCreated", _set("customerId", SECRET), id="pattern"),
        pytest.param("OrderCreated", _set("status", SECRET), id="const"),
        pytest.param("OrderStatusChanged", _set("status", SECRET), id="enum"),
        pytest.param("PaymentFailed", _set("reason", SECRET * 5), id="maxLength"),
        pytest.param("PaymentFailed", _set("reason", SECRET + "\u0000"), id="pattern-control-char"),
        pytest.param("OrderCreated", _set("metadata.occurredAt", SECRET), id="date-time"),
        pytest.param("OrderCreated", _set(SECRET, 1), id="additional-property-name"),
        pytest.param("OrderCreated", _set("metadata", SECRET), id="type"),
    ],
)
def test_validate_detail_error_message_does_not_echo_the_value(
    valid_detail: Callable[[str], dict[str, Any]], detail_type: str, mutate: Mutation
) -> None:
    # GIVEN a detail carrying a secret-looking string where it breaks the contract
    detail = valid_detail(detail_type)
    mutate(detail)

    # WHEN it is validated
    with pytest.raises(SchemaValidationError) as caught:
        validate_detail(detail_type, detail)

    # THEN no part of the secret appears in the error (logs and DLQ attributes carry the message)
    said = " ".join([str(caught.value), caught.value.message, repr(caught.value.args)])
    assert SECRET[:12] not in said
    assert caught.value.path.startswith("detail")
