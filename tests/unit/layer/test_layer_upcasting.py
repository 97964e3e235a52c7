"""Upcasters: an older major read as the current model, one pure step at a time; stored data untouched."""

from __future__ import annotations

import copy
import dataclasses
from collections.abc import Callable
from decimal import Decimal
from typing import Any

import pytest

from orders_shared.errors import UnknownEventTypeError, UnsupportedSchemaVersionError
from orders_shared.events import Money, content_digest, envelope_for, order_created, parse_envelope
from orders_shared.upcasting import CURRENT_MAJORS, UPCASTERS, decimal_text, order_created_1_to_2, upcast
from orders_shared.validation import SUPPORTED_MAJORS, validate_written

ORDER_ID = "6f1c2b7e-3d4a-4f5b-8c9d-0e1f2a3b4c5d"


def test_order_created_1_to_2_turns_the_amount_into_a_usd_total(
    valid_detail: Callable[[str], dict[str, Any]],
) -> None:
    # GIVEN an OrderCreated 1.0 detail
    detail = valid_detail("OrderCreated")
    detail["amount"] = Decimal("129.99")
    # WHEN it is upcast one step
    result = order_created_1_to_2(detail)
    # THEN it is a valid 2.0 detail: the amount as text, in USD, and nothing else changed
    assert result["total"] == {"amount": "129.99", "currency": "USD"}
    assert "amount" not in result
    assert result["metadata"]["schemaVersion"] == "2.0"
    assert {k: v for k, v in result.items() if k not in {"total", "metadata"}} == {
        k: v for k, v in detail.items() if k not in {"amount", "metadata"}
    }
    validate_written("OrderCreated", result)


def test_order_created_1_to_2_is_pure_and_keeps_unknown_fields(
    valid_detail: Callable[[str], dict[str, Any]],
) -> None:
    # GIVEN an OrderCreated 1.4 detail with fields this code does not know
    detail = valid_detail("OrderCreated")
    detail["metadata"].update(schemaVersion="1.4", traceId="t-1")
    detail["giftWrap"] = {"paper": "red"}
    before = copy.deepcopy(detail)
    # WHEN it is upcast
    result = upcast("OrderCreated", "1.4", detail)
    # THEN the input is untouched and the unknown fields ride along
    assert detail == before
    assert result["giftWrap"] == {"paper": "red"}
    assert result["metadata"]["traceId"] == "t-1"


@pytest.mark.parametrize(
    ("amount", "text"),
    [
        (Decimal("129.99"), "129.99"),
        (Decimal("129.90"), "129.90"),
        (Decimal("1E+2"), "100"),
        (0, "0"),
        (10**9, "1000000000"),
    ],
    ids=str,
)
def test_decimal_text_keeps_every_digit_without_exponent(amount: Decimal | int, text: str) -> None:
    # GIVEN a 1.x amount as JSON parsed it
    # WHEN it is written as a 2.x amount
    # THEN it is fixed-point text of the same value
    assert decimal_text(amount) == text
    assert Decimal(text) == Decimal(amount)


def test_upcast_returns_a_current_detail_as_an_equal_copy(valid_detail: Callable[[str], dict[str, Any]]) -> None:
    # GIVEN details already of their type's current major
    for detail_type in ("OrderStatusChanged", "PaymentProcessed", "PaymentFailed"):
        detail = valid_detail(detail_type)
        # WHEN they are upcast
        result = upcast(detail_type, "1.0", detail)
        # THEN they come back equal, not the same object
        assert result == detail
        assert result is not detail


def test_upcast_refuses_a_major_newer_than_it_reads(valid_detail: Callable[[str], dict[str, Any]]) -> None:
    # GIVEN an OrderCreated of major 3
    # WHEN it is upcast
    # THEN it is refused, naming the version
    with pytest.raises(UnsupportedSchemaVersionError, match=r"OrderCreated 3\.0"):
        upcast("OrderCreated", "3.0", valid_detail("OrderCreated"))
    with pytest.raises(UnknownEventTypeError):
        upcast("OrderShipped", "1.0", {})


def test_every_older_supported_major_has_its_upcaster() -> None:
    # GIVEN the majors each detail-type is read in
    # WHEN the chain from each to the current one is listed
    missing = [
        (detail_type, major)
        for detail_type, majors in SUPPORTED_MAJORS.items()
        for major in range(min(majors), CURRENT_MAJORS[detail_type])
        if (detail_type, major) not in UPCASTERS
    ]
    # THEN no step is missing (one upcaster per major step, none skipping)
    assert missing == []


def test_parse_envelope_upcasts_the_model_but_digests_and_stores_what_was_received() -> None:
    # GIVEN the same order created as 1.0 (129.99, USD implied) and as 2.0 (129.99 USD)
    v1 = parse_envelope(envelope_for(order_created(ORDER_ID, "cust-42", Decimal("129.99"))))
    v2 = parse_envelope(envelope_for(order_created(ORDER_ID, "cust-42", Money(Decimal("129.99"), "USD"))))
    # WHEN each is read
    # THEN both models say the same total
    assert v1.model["total"] == v2.model["total"] == {"amount": "129.99", "currency": "USD"}
    # AND the 1.0 event keeps its received detail, which alone is digested: the digest is the same
    # without the upcast model, and another when the model is taken for the detail
    assert v1.detail["amount"] == Decimal("129.99")
    assert "total" not in v1.detail
    assert content_digest(v1) == content_digest(dataclasses.replace(v1, data=None))
    assert content_digest(v1) != content_digest(dataclasses.replace(v1, detail=v1.model, data=None))
