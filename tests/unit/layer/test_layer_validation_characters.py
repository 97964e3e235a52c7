"""Characters the contract refuses: non-ASCII digits in a date-time, control and bidirectional
formatting characters in identifiers and free text; and producer and processor refusing alike."""

from __future__ import annotations

import importlib
import re
from collections.abc import Callable
from typing import Any

import pytest

from orders_shared import schemas
from orders_shared.errors import SchemaValidationError
from orders_shared.events import DetailType, NewEvent, dumps, parse_sqs_body
from orders_shared.publisher import EventPublisher
from orders_shared.validation import validate_detail, validate_envelope

# C0 and C1 controls (DEL among them), and the embeddings, overrides and isolates of the
# Unicode bidirectional algorithm, which reorder how text around them is displayed.
C0 = {"nul": "\x00", "tab": "\t", "escape": "\x1b", "delete": "\x7f"}
C1 = {"c1-first": "\x80", "next-line": "\x85", "csi": "\x9b", "c1-last": "\x9f"}
BIDI = {
    "lre": "\u202a",
    "rle": "\u202b",
    "pdf": "\u202c",
    "lro": "\u202d",
    "rlo": "\u202e",
    "lri": "\u2066",
    "rli": "\u2067",
    "fsi": "\u2068",
    "pdi": "\u2069",
}
LINE_BREAKS = {"line-separator": "\u2028", "paragraph-separator": "\u2029"}
MARKS = {"lrm": "\u200e", "rlm": "\u200f", "alm": "\u061c"}  # directional marks: reorder nothing
REFUSED_IN_TEXT = {**C0, **C1, **BIDI, **LINE_BREAKS}
REFUSED_IN_IDS = {**REFUSED_IN_TEXT, **MARKS}
# Just outside each refused range, so that a range one character too wide shows.
NEIGHBOURS = {"tilde": "~", "nbsp": "\xa0", "narrow-nbsp": "\u202f", "word-joiner": "\u2060", "inhibit-swap": "\u206a"}

NON_ASCII_DATES = {
    "arabic-indic-year": "\u0662\u0660\u0662\u0665-01-01T00:00:00Z",
    "fullwidth-year": "\uff12\uff10\uff12\uff15-01-01T00:00:00Z",
    "arabic-indic-hour": "2025-01-01T\u0661\u0662:00:00Z",
    "devanagari-fraction": "2025-01-01T00:00:00.\u096bZ",
    "bengali-offset": "2025-01-01T00:00:00+\u09e6\u09e7:00",
}

# (detail-type, field path inside the detail, the rule its valid value is checked with)
IDENTIFIERS = [
    ("OrderCreated", "orderId", "format"),
    ("OrderCreated", "customerId", "pattern"),
    ("OrderCreated", "metadata.eventId", "format"),
    ("OrderCreated", "metadata.correlationId", "format"),
    ("PaymentProcessed", "paymentId", "format"),
]
FREE_TEXT = [("PaymentFailed", "reason"), ("OrderStatusChanged", "reason")]


def _get(detail: dict[str, Any], path: str) -> Any:
    node: Any = detail
    for key in path.split("."):
        node = node[key]
    return node


def _put(detail: dict[str, Any], path: str, value: Any) -> None:
    *parents, leaf = path.split(".")
    node = detail
    for key in parents:
        node = node[key]
    node[leaf] = value


def _refusal(check: Callable[[], Any]) -> tuple[str, str]:
    with pytest.raises(SchemaValidationError) as caught:
        check()
    return caught.value.path, caught.value.rule


# --- ASCII digits only ---------------------------------------------------------------------------


@pytest.mark.parametrize("timestamp", NON_ASCII_DATES.values(), ids=NON_ASCII_DATES.keys())
def test_validate_detail_refuses_an_occurred_at_with_non_ascii_digits(
    valid_detail: Callable[[str], dict[str, Any]], timestamp: str
) -> None:
    # GIVEN a detail whose occurredAt is written with digits of another script
    detail = valid_detail("OrderCreated")
    detail["metadata"]["occurredAt"] = timestamp
    # WHEN it is validated
    # THEN it is refused at occurredAt, as not a date-time
    assert _refusal(lambda: validate_detail("OrderCreated", detail)) == ("detail.metadata.occurredAt", "format")


@pytest.mark.parametrize("timestamp", NON_ASCII_DATES.values(), ids=NON_ASCII_DATES.keys())
def test_validate_envelope_refuses_a_time_with_non_ascii_digits(
    envelope: Callable[..., dict[str, Any]], timestamp: str
) -> None:
    # GIVEN an envelope whose time is written with digits of another script
    body = envelope(time=timestamp)
    # WHEN it is validated
    # THEN it is refused at time, as not a date-time
    assert _refusal(lambda: validate_envelope(body)) == ("time", "format")


GENERATED = sorted(name.removesuffix(".py") for name in schemas.generate() if name != "__init__.py")


@pytest.mark.parametrize("module", GENERATED)
def test_generated_validators_compile_every_regex_ascii_only(module: str) -> None:
    # GIVEN a generated validator module
    validator = importlib.import_module(f"orders_shared._validators.{module}")
    # WHEN its compiled regexes are read
    patterns = getattr(validator, "REGEX_PATTERNS", {})
    # THEN each has the ASCII flag, so that \d is [0-9] in every pattern and format
    assert patterns, "every schema has at least one pattern or format"
    assert [key for key, regex in patterns.items() if not regex.flags & re.ASCII] == []


# --- identifiers ---------------------------------------------------------------------------------


@pytest.mark.parametrize("character", REFUSED_IN_IDS.values(), ids=REFUSED_IN_IDS.keys())
@pytest.mark.parametrize(("detail_type", "field", "rule"), IDENTIFIERS, ids=[f for _, f, _ in IDENTIFIERS])
def test_validate_detail_refuses_control_and_bidi_characters_in_an_identifier(
    valid_detail: Callable[[str], dict[str, Any]], detail_type: str, field: str, rule: str, character: str
) -> None:
    # GIVEN a valid identifier with a control or bidirectional character inside it
    detail = valid_detail(detail_type)
    value = _get(detail, field)
    _put(detail, field, value[:4] + character + value[4:])
    # WHEN the detail is validated
    # THEN it is refused, naming the field and the rule
    assert _refusal(lambda: validate_detail(detail_type, detail)) == (f"detail.{field}", rule)


# --- free text -------------------------------------------------------------------------------------


@pytest.mark.parametrize("character", REFUSED_IN_TEXT.values(), ids=REFUSED_IN_TEXT.keys())
@pytest.mark.parametrize(("detail_type", "field"), FREE_TEXT, ids=[t for t, _ in FREE_TEXT])
def test_validate_detail_refuses_control_and_bidi_characters_in_free_text(
    valid_detail: Callable[[str], dict[str, Any]], detail_type: str, field: str, character: str
) -> None:
    # GIVEN a reason with a control, bidirectional or line-breaking character
    detail = valid_detail(detail_type)
    detail[field] = f"card {character}declined"
    # WHEN it is validated
    # THEN it is refused, naming the field and the rule
    assert _refusal(lambda: validate_detail(detail_type, detail)) == (f"detail.{field}", "pattern")


@pytest.mark.parametrize("character", {**MARKS, **NEIGHBOURS}.values(), ids={**MARKS, **NEIGHBOURS}.keys())
def test_validate_detail_accepts_directional_marks_and_neighbouring_characters_in_free_text(
    valid_detail: Callable[[str], dict[str, Any]], character: str
) -> None:
    # GIVEN a reason with a directional mark (right-to-left text needs them) or a character just
    # outside a refused range
    detail = valid_detail("PaymentFailed")
    detail["reason"] = f"\u0631\u0641\u0636 {character}(card)"
    # WHEN it is validated
    # THEN it passes
    validate_detail("PaymentFailed", detail)


# --- the envelope's own strings ----------------------------------------------------------------------


@pytest.mark.parametrize("character", REFUSED_IN_TEXT.values(), ids=REFUSED_IN_TEXT.keys())
def test_validate_envelope_refuses_control_and_bidi_characters_in_a_resource(
    envelope: Callable[..., dict[str, Any]], character: str
) -> None:
    # GIVEN an envelope whose resource ARN holds a control or bidirectional character
    body = envelope(resources=[f"arn:aws:events:us-east-1:123456789012:rule/{character}orders"])
    # WHEN it is validated
    # THEN it is refused, naming the resource and the rule
    assert _refusal(lambda: validate_envelope(body)) == ("resources[0]", "pattern")


BAD_REPLAY_NAMES = {
    "nul": "replay\x00",
    "rlo": "replay\u202e",
    "space": "replay 1",
    "accented": "r\u00e9play",
    "65-characters": "r" * 65,
    "empty": "",
}


@pytest.mark.parametrize("name", BAD_REPLAY_NAMES.values(), ids=BAD_REPLAY_NAMES.keys())
def test_validate_envelope_refuses_a_replay_name_eventbridge_would_not_give(
    envelope: Callable[..., dict[str, Any]], name: str
) -> None:
    # GIVEN an envelope with a replay-name outside EventBridge's [.-_A-Za-z0-9]{1,64}
    body = envelope(**{"replay-name": name})
    # WHEN it is validated
    # THEN it is refused, naming the field and the rule
    assert _refusal(lambda: validate_envelope(body)) == ("replay-name", "pattern")


def test_validate_envelope_accepts_a_replay_name_eventbridge_gives(envelope: Callable[..., dict[str, Any]]) -> None:
    # GIVEN a replayed envelope, with a replay name of the longest length
    body = envelope(**{"replay-name": "orders-2026.11_29" + "x" * 47})
    # WHEN it is validated
    # THEN it passes
    validate_envelope(body)


# --- producer and processor agree --------------------------------------------------------------------

HOSTILE_DETAILS = {
    "occurred-at-arabic-digits": (
        "OrderCreated",
        "metadata.occurredAt",
        "\u0662\u0660\u0662\u0665-01-01T00:00:00Z",
        "format",
    ),
    "customer-id-rlo": ("OrderCreated", "customerId", "cust\u202e-42", "pattern"),
    "order-id-lri": ("PaymentFailed", "orderId", "\u20666f1c2b7e-3d4a-4f5b-8c9d-0e1f2a3b4c5d", "format"),
    "reason-next-line": ("PaymentFailed", "reason", "declined\x85", "pattern"),
    "reason-pdi": ("OrderStatusChanged", "reason", "shipped\u2069", "pattern"),
}


@pytest.mark.parametrize("case", HOSTILE_DETAILS.values(), ids=HOSTILE_DETAILS.keys())
def test_producer_and_processor_refuse_the_same_detail_the_same_way(
    valid_detail: Callable[[str], dict[str, Any]],
    envelope: Callable[..., dict[str, Any]],
    make_publisher: Callable[..., EventPublisher],
    put_events_calls: list[dict[str, Any]],
    case: tuple[str, str, str, str],
) -> None:
    # GIVEN a detail with one hostile value
    detail_type, field, value, rule = case
    detail = valid_detail(detail_type)
    _put(detail, field, value)
    # WHEN a producer publishes it, and when the processor receives it in an envelope
    produced = _refusal(lambda: make_publisher().publish([NewEvent(DetailType(detail_type), detail)]))
    processed = _refusal(lambda: parse_sqs_body(dumps(envelope(detail_type, detail=detail))))
    # THEN both refuse it, at the same field under the same rule, and nothing was sent
    assert produced == processed == (f"detail.{field}", rule)
    assert put_events_calls == []
