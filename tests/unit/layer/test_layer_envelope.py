"""Parsing the SQS record body that carries an EventBridge event, exactly as the bus delivers it."""

from __future__ import annotations

import json
from collections.abc import Callable
from decimal import Decimal
from typing import Any

import pytest

from orders_shared.errors import MalformedEventError, SchemaValidationError, UnknownEventTypeError
from orders_shared.events import MAX_BODY_BYTES, DetailType, dumps, loads_strict, parse_sqs_body

# The body of an SQS record delivered by an EventBridge rule target, verbatim (EventBridge's compact JSON).
SQS_BODY = (
    '{"version":"0","id":"8f6a2b1c-4d3e-4f5a-9b8c-7d6e5f4a3b2c","detail-type":"OrderCreated",'
    '"source":"order-service","account":"123456789012","time":"2026-11-26T10:00:00Z","region":"us-east-1",'
    '"resources":[],"detail":{"orderId":"6f1c2b7e-3d4a-4f5b-8c9d-0e1f2a3b4c5d","customerId":"cust-42",'
    '"amount":129.99,"status":"pending","metadata":{"eventId":"c3d2e1f0-a9b8-4c7d-8e6f-5a4b3c2d1e0f",'
    '"correlationId":"9e8d7c6b-5a4f-4e3d-8c2b-1a0f9e8d7c6b","schemaVersion":"1.0",'
    '"occurredAt":"2026-11-26T09:59:59.871Z"}}}'
)


def test_parse_sqs_body_accepts_the_envelope_eventbridge_delivers() -> None:
    # GIVEN an SQS body exactly as an EventBridge rule target receives it
    # WHEN it is parsed
    event = parse_sqs_body(SQS_BODY)

    # THEN the typed event carries the producer's event id, not EventBridge's envelope id
    assert event.detail_type is DetailType.ORDER_CREATED
    assert event.event_id == "c3d2e1f0-a9b8-4c7d-8e6f-5a4b3c2d1e0f"
    assert event.envelope_id == "8f6a2b1c-4d3e-4f5a-9b8c-7d6e5f4a3b2c"
    assert event.order_id == "6f1c2b7e-3d4a-4f5b-8c9d-0e1f2a3b4c5d"
    assert event.time == "2026-11-26T10:00:00Z"


def test_parse_sqs_body_reads_amounts_as_decimal() -> None:
    # GIVEN a body whose amount has a fraction
    # WHEN it is parsed
    event = parse_sqs_body(SQS_BODY)

    # THEN the amount is an exact Decimal, as DynamoDB needs, not a float
    assert event.detail["amount"] == Decimal("129.99")
    assert isinstance(event.detail["amount"], Decimal)


def test_parse_sqs_body_rejects_the_seed_envelope_version() -> None:
    # GIVEN the seed's envelope, which says version "1.0" where EventBridge always says "0"
    body = json.loads(SQS_BODY)
    body["version"] = "1.0"

    # WHEN it is parsed
    with pytest.raises(SchemaValidationError) as caught:
        parse_sqs_body(json.dumps(body))

    # THEN the version is the field at fault
    assert (caught.value.path, caught.value.rule) == ("version", "const")


@pytest.mark.parametrize(
    ("detail_type", "source"),
    [("OrderCreated", "payment-service"), ("PaymentFailed", "order-service")],
)
def test_parse_sqs_body_rejects_a_detail_type_from_the_wrong_source(
    envelope: Callable[..., dict[str, Any]], detail_type: str, source: str
) -> None:
    # GIVEN a valid event claiming to come from a service that never sends that detail-type
    body = envelope(detail_type, source=source)

    # WHEN it is parsed
    # THEN the source / detail-type pair is refused as unknown
    with pytest.raises(UnknownEventTypeError):
        parse_sqs_body(json.dumps(body))


def test_parse_sqs_body_validates_the_detail(envelope: Callable[..., dict[str, Any]]) -> None:
    # GIVEN a well-formed envelope around a detail with the seed's orderId "123"
    body = envelope("PaymentProcessed")
    body["detail"]["orderId"] = "123"

    # WHEN it is parsed
    with pytest.raises(SchemaValidationError) as caught:
        parse_sqs_body(json.dumps(body))

    # THEN the detail is checked against its detail-type's schema
    assert (caught.value.path, caught.value.rule) == ("detail.orderId", "format")


@pytest.mark.parametrize(
    ("body", "rule"),
    [
        pytest.param(SQS_BODY[:-1], "json", id="truncated-json"),
        pytest.param("", "json", id="empty"),
        pytest.param(SQS_BODY.replace('"amount":129.99', '"amount":NaN'), "json", id="nan"),
        pytest.param(SQS_BODY.replace('"amount":129.99', '"amount":-Infinity'), "json", id="infinity"),
        pytest.param(SQS_BODY.replace('"amount":129.99', '"amount":1,"amount":129.99'), "json", id="duplicate-key"),
        pytest.param("[" * 100_000 + "]" * 100_000, "json", id="too-deep"),
        pytest.param(SQS_BODY[:-1] + ',"padding":"' + "x" * MAX_BODY_BYTES + '"}', "maxLength", id="over-256KB"),
        pytest.param(b"\xff\xfe{}", "json", id="not-utf8"),
        pytest.param(SQS_BODY.replace("cust-42", "cust-\\ud800"), "encoding", id="escaped-lone-high-surrogate"),
        pytest.param(SQS_BODY.replace("cust-42", "cust-\\uDC00x"), "encoding", id="escaped-lone-low-surrogate"),
        pytest.param(SQS_BODY.replace('"cust-42"', '"cust-42","\\ud800":1'), "encoding", id="surrogate-in-a-key"),
        pytest.param(
            SQS_BODY.replace("cust-42", "cust-\ud800").encode("utf-8", "surrogatepass"),
            "json",
            id="bytes-encoding-a-lone-surrogate",
        ),
    ],
)
def test_parse_sqs_body_raises_malformed_event_error_on_a_malformed_body(body: str | bytes, rule: str) -> None:
    # GIVEN a body that is not strict JSON within the bus's size limit
    # WHEN it is parsed
    with pytest.raises(MalformedEventError) as caught:
        parse_sqs_body(body)  # bytes too: Lambda may hand over either

    # THEN it is refused as malformed (never retried), for the right reason, not as a parser crash
    assert caught.value.rule == rule


def test_parse_sqs_body_error_does_not_echo_a_duplicate_key_value() -> None:
    # GIVEN a body whose duplicated key holds a secret-looking value
    body = SQS_BODY.replace('"amount":129.99', '"amount":"sk_live_Zq9XvB27mK4pLw8R","amount":129.99')

    # WHEN it is parsed
    with pytest.raises(MalformedEventError) as caught:
        parse_sqs_body(body)

    # THEN the value is not in the message
    assert "sk_live" not in str(caught.value)


def test_loads_strict_accepts_a_body_of_exactly_256_kb() -> None:
    # GIVEN a JSON document of exactly 256 KB, the largest EventBridge delivers
    body = '{"padding":"' + "x" * (MAX_BODY_BYTES - len('{"padding":""}')) + '"}'
    assert len(body.encode("utf-8")) == MAX_BODY_BYTES

    # WHEN it is parsed
    document = loads_strict(body)

    # THEN it is accepted
    assert len(document["padding"]) == MAX_BODY_BYTES - 14


def test_loads_strict_rejects_a_body_one_byte_over_256_kb() -> None:
    # GIVEN a JSON document of 256 KB and one byte
    body = '{"padding":"' + "x" * (MAX_BODY_BYTES + 1 - len('{"padding":""}')) + '"}'

    # WHEN it is parsed
    with pytest.raises(MalformedEventError) as caught:
        loads_strict(body)

    # THEN the size limit is the rule broken
    assert caught.value.rule == "maxLength"


def test_loads_strict_counts_the_limit_in_utf8_bytes() -> None:
    # GIVEN a body under 256 K characters but over 256 KB once encoded (3 bytes per character)
    body = '{"note":"' + "€" * (MAX_BODY_BYTES // 3 + 1) + '"}'
    assert len(body) < MAX_BODY_BYTES < len(body.encode("utf-8"))

    # WHEN it is parsed
    # THEN the byte size is what counts
    with pytest.raises(MalformedEventError):
        loads_strict(body)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        pytest.param('{"a":"\\ud83d\\ude00"}', {"a": "\U0001f600"}, id="escaped-surrogate-pair"),
        pytest.param('{"a":"\\\\ud800"}', {"a": "\\ud800"}, id="escaped-backslash-then-text"),
    ],
)
def test_loads_strict_accepts_what_looks_like_a_surrogate_but_is_not_lone(text: str, expected: dict[str, str]) -> None:
    # GIVEN a body with a well-formed surrogate pair, or a literal backslash followed by "ud800"
    # WHEN it is parsed
    # THEN it is read as it is (the pair is one character)
    assert loads_strict(text) == expected


@pytest.mark.parametrize("amount", ["129.99", "0.1", "1E-7", "123456789.123456", "1E-130", "5", "1E+2"])
def test_dumps_writes_a_valid_amount_exactly(amount: str) -> None:
    # GIVEN an amount the contract accepts
    # WHEN it is written to JSON and read back
    written = dumps({"amount": Decimal(amount)})
    # THEN it has not changed
    assert loads_strict(written)["amount"] == Decimal(amount)


def test_dumps_refuses_to_round_an_amount() -> None:
    # GIVEN an amount with more digits than a JSON number (a binary float) keeps
    # WHEN it is written
    # THEN it is refused, naming the value, instead of being rounded silently
    with pytest.raises(ValueError, match=r"0\.12345678901234567890 cannot be written"):
        dumps({"amount": Decimal("0.12345678901234567890")})
