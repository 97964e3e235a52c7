"""The sample events of both majors (events/) read as the contract says (they feed `make invoke`)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from orders_shared.errors import UnsupportedSchemaVersionError
from orders_shared.events import parse_sqs_body

EVENTS = Path(__file__).parents[3] / "events"


def body_of(name: str) -> str:
    body: str = json.loads((EVENTS / name).read_text(encoding="utf-8"))["Records"][0]["body"]
    return body


def test_sample_order_created_v2_reads_as_a_total_with_its_currency() -> None:
    # GIVEN the 2.0 sample   WHEN it is parsed
    event = parse_sqs_body(body_of("order_created_v2.json"))
    # THEN it is 2.0 and its model carries the total in EUR
    assert event.metadata.schema_version == "2.0"
    assert event.model["total"] == {"amount": "89.90", "currency": "EUR"}


def test_sample_order_created_v1_reads_upcast_to_the_current_model() -> None:
    # GIVEN the 1.0 sample   WHEN it is parsed
    event = parse_sqs_body(body_of("order_created.json"))
    # THEN its model is the 2.0 shape, in USD, while its detail stays 1.0
    assert event.model["total"] == {"amount": "99.99", "currency": "USD"}
    assert event.detail["metadata"]["schemaVersion"] == "1.0"


def test_sample_order_created_v1_4_keeps_its_unknown_fields() -> None:
    # GIVEN the 1.4 sample with fields this code does not know   WHEN it is parsed
    event = parse_sqs_body(body_of("order_created_v1_4_extra_fields.json"))
    # THEN they are in its detail
    assert event.detail["giftWrap"] == {"paper": "red", "ribbon": True}
    assert event.detail["metadata"]["traceId"] == "trace-sample-1"


def test_sample_order_created_v3_is_unsupported() -> None:
    # GIVEN the 3.0 sample   WHEN it is parsed   THEN it is refused, naming the version
    with pytest.raises(UnsupportedSchemaVersionError, match=r"3\.0"):
        parse_sqs_body(body_of("order_created_v3_unsupported.json"))
