"""The processor reads the contract as it lives: any minor of a supported major, known fields strict."""

from __future__ import annotations

import copy
import json
from collections.abc import Callable
from decimal import Decimal
from typing import Any

import pytest

from orders_shared.errors import SchemaValidationError, UnsupportedSchemaVersionError
from orders_shared.events import dumps, parse_envelope
from orders_shared.validation import extensions, validate_detail, validate_envelope, validate_written

EXTRA_DETAIL = {"giftWrap": {"paper": "red", "ribbon": True, "tags": ["a", "b"]}}
EXTRA_METADATA = {"traceId": "1-5f84c7a1-0123456789abcdef01234567"}


def _newer(detail: dict[str, Any], version: str) -> dict[str, Any]:
    """The detail as a newer producer sends it: another version, one new field in detail and metadata."""
    newer = copy.deepcopy(detail)
    newer["metadata"]["schemaVersion"] = version
    newer.update(copy.deepcopy(EXTRA_DETAIL))
    newer["metadata"].update(EXTRA_METADATA)
    return newer


def _refusal(detail_type: str, detail: dict[str, Any]) -> tuple[str, str]:
    with pytest.raises(SchemaValidationError) as caught:
        validate_detail(detail_type, detail)
    return caught.value.path, caught.value.rule


DETAIL_TYPES = ["OrderCreated", "OrderStatusChanged", "PaymentProcessed", "PaymentFailed"]


@pytest.mark.parametrize("version", ["1.1", "1.4", "1.999"])
@pytest.mark.parametrize("detail_type", DETAIL_TYPES)
def test_validate_detail_accepts_a_newer_minor_with_unknown_fields(
    valid_detail: Callable[[str], dict[str, Any]], detail_type: str, version: str
) -> None:
    # GIVEN a detail of a 1.x minor this code has no schema for, with a field it does not know in
    # detail and another in metadata
    detail = _newer(valid_detail(detail_type), version)
    # WHEN it is validated by the processor's reader
    # THEN it passes, and the version it declared is returned
    assert validate_detail(detail_type, detail) == (1, int(version.split(".")[1]))


def test_parse_envelope_keeps_unknown_fields_verbatim(
    envelope: Callable[..., dict[str, Any]], valid_detail: Callable[[str], dict[str, Any]]
) -> None:
    # GIVEN an OrderCreated 1.4 with an extra field in detail and in metadata
    detail = _newer(valid_detail("OrderCreated"), "1.4")
    body = envelope(detail=detail)
    # WHEN it is parsed
    event = parse_envelope(json.loads(dumps(body), parse_float=Decimal))
    # THEN its detail (what is stored and digested) holds them as they came
    assert event.detail["giftWrap"] == EXTRA_DETAIL["giftWrap"]
    assert event.detail["metadata"]["traceId"] == EXTRA_METADATA["traceId"]
    assert event.metadata.schema_version == "1.4"


@pytest.mark.parametrize(
    ("field", "value", "path", "rule"),
    [
        pytest.param("orderId", "123", "detail.orderId", "format", id="order-id-not-uuid"),
        pytest.param("amount", -1, "detail.amount", "minimum", id="amount-negative"),
        pytest.param("amount", "12", "detail.amount", "type", id="amount-string"),
        pytest.param("customerId", "c" * 65, "detail.customerId", "pattern", id="customer-id-long"),
        pytest.param("status", "completed", "detail.status", "const", id="status-not-pending"),
        pytest.param("metadata.eventId", "evt-1", "detail.metadata.eventId", "format", id="event-id"),
        pytest.param("metadata.occurredAt", "yesterday", "detail.metadata.occurredAt", "format", id="occurred-at"),
        pytest.param("amount", Decimal("0.1234567890123456"), "detail.amount", "precision", id="amount-16-digits"),
    ],
)
def test_validate_detail_keeps_known_fields_strict_in_a_newer_minor(
    valid_detail: Callable[[str], dict[str, Any]], field: str, value: Any, path: str, rule: str
) -> None:
    # GIVEN an OrderCreated 1.4 with unknown fields, and one known field broken
    detail = _newer(valid_detail("OrderCreated"), "1.4")
    *parents, last = field.split(".")
    node = detail
    for name in parents:
        node = node[name]
    node[last] = value
    # WHEN it is validated
    # THEN the known field is refused as strictly as in 1.0, naming where and which rule
    assert _refusal("OrderCreated", detail) == (path, rule)


def test_validate_detail_refuses_a_newer_minor_missing_a_required_field(
    valid_detail: Callable[[str], dict[str, Any]],
) -> None:
    # GIVEN an OrderCreated 1.4 without its customerId
    detail = _newer(valid_detail("OrderCreated"), "1.4")
    del detail["customerId"]
    # WHEN it is validated
    # THEN a minor may add, never drop: refused
    assert _refusal("OrderCreated", detail) == ("detail", "required")


NESTED_7 = {"a": {"b": {"c": {"d": {"e": {"f": 1}}}}}}


@pytest.mark.parametrize(
    ("extra", "path", "rule"),
    [
        pytest.param({"k" * 300: 1}, "detail", "propertyNames", id="name-too-long"),
        pytest.param({"gift\u202ewrap": 1}, "detail", "propertyNames", id="name-with-bidi"),
        pytest.param({"1gift": 1}, "detail", "propertyNames", id="name-not-identifier"),
        pytest.param({"note": "x" * 1025}, "detail.note", "maxLength", id="string-too-long"),
        pytest.param({"note": "line\r\nX-Admin: true"}, "detail.note", "pattern", id="string-crlf"),
        pytest.param({"note": "refund \u202e0001$"}, "detail.note", "pattern", id="string-rlo"),
        pytest.param({"tags": list(range(65))}, "detail.tags", "maxItems", id="list-too-long"),
        pytest.param({"nested": NESTED_7}, "detail.nested.a.b.c.d", "type", id="nested-too-deep"),
        pytest.param({"ratio": Decimal("0.1234567890123456")}, "detail.ratio", "precision", id="number-16-digits"),
        pytest.param({"tiny": Decimal("1E-200")}, "detail.tiny", "minimum", id="number-below-1e-130"),
        pytest.param({"huge": Decimal("1E+400")}, "detail.huge", "maximum", id="number-over-1e300"),
        pytest.param({"deep": [{"x": Decimal("1.00000000000000001")}]}, "detail.deep[0].x", "precision", id="inner"),
    ],
)
def test_validate_detail_bounds_unknown_fields(
    valid_detail: Callable[[str], dict[str, Any]], extra: dict[str, Any], path: str, rule: str
) -> None:
    # GIVEN an OrderCreated 1.4 carrying an unknown field beyond the bounds any field has
    detail = valid_detail("OrderCreated")
    detail["metadata"]["schemaVersion"] = "1.4"
    detail.update(extra)
    # WHEN it is validated
    # THEN it is refused, naming the field and the bound
    assert _refusal("OrderCreated", detail) == (path, rule)


def test_validate_detail_bounds_unknown_metadata_fields(valid_detail: Callable[[str], dict[str, Any]]) -> None:
    # GIVEN an OrderCreated 1.4 whose metadata carries an unknown field holding a control character
    detail = valid_detail("OrderCreated")
    detail["metadata"].update(schemaVersion="1.4", traceId="t\x00")
    # WHEN it is validated
    # THEN the metadata's extension is refused like the detail's
    assert _refusal("OrderCreated", detail) == ("detail.metadata.traceId", "pattern")


@pytest.mark.parametrize(
    ("extra", "rule"),
    [
        pytest.param({"ratio": Decimal("0.1234567890123456")}, "precision", id="number-16-digits"),
        pytest.param({"ratio": Decimal("1E+400")}, "maximum", id="number-over-1e300"),
    ],
)
def test_validate_detail_checks_the_numbers_of_unknown_metadata_fields(
    valid_detail: Callable[[str], dict[str, Any]], extra: dict[str, Any], rule: str
) -> None:
    # GIVEN an OrderCreated 1.4 whose metadata alone carries an unknown field, a number not kept exactly
    detail = valid_detail("OrderCreated")
    detail["metadata"].update(schemaVersion="1.4", **extra)
    # WHEN it is validated
    # THEN it is refused like the same number in the detail (the extensions of metadata are looked at too)
    assert _refusal("OrderCreated", detail) == ("detail.metadata.ratio", rule)
    assert extensions("OrderCreated", 1, detail) == {"metadata.ratio": extra["ratio"]}


def test_validate_detail_reads_a_released_minor_with_an_unknown_field_tolerantly(
    valid_detail: Callable[[str], dict[str, Any]],
) -> None:
    # GIVEN a detail that says 1.0, released, with a field 1.0 does not have (a producer that added an
    # optional field without a new minor, or an attempt at mass assignment: either way only data)
    detail = valid_detail("OrderCreated")
    detail["isAdmin"] = True
    # WHEN it is validated
    version = validate_detail("OrderCreated", detail)
    # THEN it is read: the version as declared, the unknown field an extension (kept, never used)
    assert version == (1, 0)
    assert extensions("OrderCreated", 1, detail) == {"isAdmin": True}


def test_validate_written_holds_a_released_minor_to_its_closed_schema(
    valid_detail: Callable[[str], dict[str, Any]],
) -> None:
    # GIVEN the same detail, about to be sent by a producer of this code base
    detail = valid_detail("OrderCreated")
    detail["isAdmin"] = True
    # WHEN the strict writer checks it
    # THEN it is refused: what this code sends is exactly a released version
    with pytest.raises(SchemaValidationError) as caught:
        validate_written("OrderCreated", detail)
    assert (caught.value.path, caught.value.rule) == ("detail", "additionalProperties")


@pytest.mark.parametrize("version", ["3.0", "3.7", "9.0"])
def test_validate_detail_parks_an_unsupported_major_naming_it(
    valid_detail: Callable[[str], dict[str, Any]], version: str
) -> None:
    # GIVEN an OrderCreated of a major this code does not read
    detail = valid_detail("OrderCreated")
    detail["metadata"]["schemaVersion"] = version
    # WHEN it is validated
    with pytest.raises(UnsupportedSchemaVersionError) as caught:
        validate_detail("OrderCreated", detail)
    # THEN the error names the version and what is read, under a reason of its own (redrivable)
    assert version in caught.value.message
    assert "1.x, 2.x" in caught.value.message
    assert caught.value.reason == "UnsupportedSchemaVersion"
    assert caught.value.path == "detail.metadata.schemaVersion"


def test_validate_detail_parks_a_2_0_status_change_as_unsupported(
    valid_detail: Callable[[str], dict[str, Any]],
) -> None:
    # GIVEN an OrderStatusChanged saying 2.0: that detail-type has only 1.x
    detail = valid_detail("OrderStatusChanged")
    detail["metadata"]["schemaVersion"] = "2.0"
    # WHEN it is validated
    # THEN it is unsupported, not a schema violation
    with pytest.raises(UnsupportedSchemaVersionError, match=r"2\.0 is not supported for OrderStatusChanged"):
        validate_detail("OrderStatusChanged", detail)


@pytest.mark.parametrize("version", ["1", "1.0.0", "v1.0", "01.0", "1.01", "0.9", " 1.0", "1.0\n"])
def test_validate_detail_refuses_a_malformed_version(
    valid_detail: Callable[[str], dict[str, Any]], version: str
) -> None:
    # GIVEN a schemaVersion that is not <major>.<minor>
    detail = valid_detail("OrderCreated")
    detail["metadata"]["schemaVersion"] = version
    # WHEN it is validated
    # THEN it is refused at the version, as a pattern
    assert _refusal("OrderCreated", detail) == ("detail.metadata.schemaVersion", "pattern")


def test_validate_envelope_tolerates_a_new_top_level_field(envelope: Callable[..., dict[str, Any]]) -> None:
    # GIVEN an envelope carrying a top-level field AWS might add one day
    body = envelope()
    body["ingestion-time"] = "2026-11-26T10:00:00Z"
    # WHEN it is validated
    # THEN it passes
    validate_envelope(body)


# --- OrderCreated 2.x --------------------------------------------------------------------------------


def _v2(valid_detail: Callable[[str], dict[str, Any]]) -> dict[str, Any]:
    detail = valid_detail("OrderCreated")
    del detail["amount"]
    detail["total"] = {"amount": "129.99", "currency": "EUR"}
    detail["metadata"]["schemaVersion"] = "2.0"
    return detail


def test_validate_detail_accepts_an_order_created_2_0_and_a_newer_2_x(
    valid_detail: Callable[[str], dict[str, Any]],
) -> None:
    # GIVEN an OrderCreated 2.0, and a 2.3 with unknown fields
    detail = _v2(valid_detail)
    # WHEN each is validated
    # THEN both pass
    assert validate_detail("OrderCreated", detail) == (2, 0)
    assert validate_detail("OrderCreated", _newer(detail, "2.3")) == (2, 3)


@pytest.mark.parametrize(
    ("change", "path", "rule"),
    [
        pytest.param({"total": {"amount": "1.5"}}, "detail.total", "required", id="no-currency"),
        pytest.param({"total": {"amount": "1.5", "currency": "usd"}}, "detail.total.currency", "pattern", id="usd"),
        pytest.param({"total": {"amount": "1e3", "currency": "USD"}}, "detail.total.amount", "pattern", id="exp"),
        pytest.param({"total": {"amount": "-1", "currency": "USD"}}, "detail.total.amount", "pattern", id="negative"),
        pytest.param({"total": {"amount": 1.5, "currency": "USD"}}, "detail.total.amount", "type", id="number"),
        pytest.param(
            {"total": {"amount": "1", "currency": "USD", "fx": 1}}, "detail.total", "additionalProperties", id="fx"
        ),
    ],
)
def test_validate_detail_holds_order_created_2_0_to_its_money(
    valid_detail: Callable[[str], dict[str, Any]], change: dict[str, Any], path: str, rule: str
) -> None:
    # GIVEN an OrderCreated 2.0 whose total (or amount) breaks the 2.0 contract
    detail = _v2(valid_detail)
    detail.update(change)
    # WHEN it is validated
    # THEN it is refused, naming where
    assert _refusal("OrderCreated", detail) == (path, rule)


def test_validate_written_refuses_a_version_never_released(valid_detail: Callable[[str], dict[str, Any]]) -> None:
    # GIVEN a producer about to send an OrderCreated saying 1.4, which was never released
    detail = valid_detail("OrderCreated")
    detail["metadata"]["schemaVersion"] = "1.4"
    # WHEN the writer's check runs
    # THEN it is refused: producers send released versions exactly
    with pytest.raises(SchemaValidationError, match=r"1\.4 is not a released version of OrderCreated \(1\.0, 2\.0\)"):
        validate_written("OrderCreated", detail)
    # AND the released versions pass
    assert validate_written("OrderCreated", valid_detail("OrderCreated")) == (1, 0)
    assert validate_written("OrderCreated", _v2(valid_detail)) == (2, 0)


def test_validate_detail_reads_a_1_x_amount_in_a_2_0_event_as_an_unknown_field(
    valid_detail: Callable[[str], dict[str, Any]],
) -> None:
    # GIVEN an OrderCreated 2.0 that also carries the 1.x amount (a producer half-way through a move)
    detail = _v2(valid_detail)
    detail["amount"] = Decimal("129.99")
    # WHEN it is read
    version = validate_detail("OrderCreated", detail)
    # THEN its total is what counts; the amount is an unknown field of 2.0, kept, and the writer refuses it
    assert version == (2, 0)
    assert extensions("OrderCreated", 2, detail) == {"amount": Decimal("129.99")}
    with pytest.raises(SchemaValidationError):
        validate_written("OrderCreated", detail)
