"""parse_request: the redriver's invocation payload, its defaults, and errors that name the field."""

from __future__ import annotations

from typing import Any

import pytest

from dlq_redriver.domain import Filter, PayloadError, Request, parse_request
from tests.unit.ops.ops_support import DLQ_URL, SOURCE_URL

OTHER_QUEUE_URL = "https://sqs.us-east-1.amazonaws.com/123456789012/order-events-replay"


@pytest.mark.parametrize("payload", [None, {}])
def test_parse_request_defaults_an_empty_payload(payload: dict[str, Any] | None) -> None:
    # GIVEN an empty payload (make redrive with no options)
    # WHEN it is parsed
    request = parse_request(payload)
    # THEN every default applies: 100 messages, no dry run, no filter, 3 redrives
    assert request == Request(max_messages=100, dry_run=False, filter=Filter(), max_redrives=3)


def test_parse_request_reads_every_field() -> None:
    # GIVEN a payload using every option
    payload = {
        "maxMessages": 250,
        "dryRun": True,
        "filter": {
            "reasons": ["RetryExhausted", "SchemaViolation"],
            "detailTypes": ["OrderCreated"],
            "minAgeSeconds": 60,
            "maxAgeSeconds": 86_400,
        },
        "maxRedrives": 5,
    }
    # WHEN it is parsed
    request = parse_request(payload)
    # THEN each option lands in the request
    assert request == Request(
        max_messages=250,
        dry_run=True,
        filter=Filter(
            reasons=frozenset({"RetryExhausted", "SchemaViolation"}),
            detail_types=frozenset({"OrderCreated"}),
            min_age_seconds=60,
            max_age_seconds=86_400,
        ),
        max_redrives=5,
    )


@pytest.mark.parametrize(
    ("payload", "field"),
    [
        ([], "payload"),
        ("dryRun", "payload"),
        ({"maxMessage": 10}, "maxMessage"),
        ({"maxMessages": "10"}, "maxMessages"),
        ({"maxMessages": 10.0}, "maxMessages"),
        ({"maxMessages": True}, "maxMessages"),
        ({"maxMessages": 0}, "maxMessages"),
        ({"maxMessages": 10_001}, "maxMessages"),
        ({"dryRun": "true"}, "dryRun"),
        ({"dryRun": 1}, "dryRun"),
        ({"filter": ["RetryExhausted"]}, "filter"),
        ({"filter": {"reason": ["RetryExhausted"]}}, "reason"),
        ({"filter": {"reasons": "RetryExhausted"}}, "filter.reasons"),
        ({"filter": {"reasons": [""]}}, "filter.reasons"),
        ({"filter": {"detailTypes": [1]}}, "filter.detailTypes"),
        ({"filter": {"minAgeSeconds": -1}}, "minAgeSeconds"),
        ({"filter": {"minAgeSeconds": "60"}}, "minAgeSeconds"),
        ({"filter": {"maxAgeSeconds": 1_209_601}}, "maxAgeSeconds"),
        ({"maxRedrives": 0}, "maxRedrives"),
        ({"maxRedrives": 101}, "maxRedrives"),
    ],
)
def test_parse_request_error_names_the_field(payload: Any, field: str) -> None:
    # GIVEN a payload with one wrong field
    # WHEN it is parsed
    with pytest.raises(PayloadError) as raised:
        parse_request(payload)
    # THEN the error names that field
    assert field in str(raised.value)


@pytest.mark.parametrize(
    ("payload", "message"),
    [
        ([], "payload must be a JSON object"),
        ({"maxMessage": 10, "dryRn": True}, "unknown keys: dryRn, maxMessage"),
        ({"maxMessages": 0}, "maxMessages must be an integer from 1 to 10000"),
        ({"dryRun": "true"}, "dryRun must be true or false"),
        ({"filter": ["RetryExhausted"]}, "filter must be a JSON object"),
        ({"filter": {"reason": []}}, "unknown filter keys: reason"),
        ({"filter": {"reasons": [""]}}, "filter.reasons must be a list of non-empty strings"),
        ({"filter": {"maxAgeSeconds": -1}}, "maxAgeSeconds must be an integer from 0 to 1209600"),
    ],
)
def test_parse_request_error_says_what_is_wrong(payload: Any, message: str) -> None:
    # GIVEN a payload with one mistake WHEN it is parsed THEN the whole message says what is wrong
    with pytest.raises(PayloadError) as raised:
        parse_request(payload)
    assert str(raised.value) == message


@pytest.mark.parametrize(
    "target",
    [SOURCE_URL, OTHER_QUEUE_URL, DLQ_URL, "order-events", 42, None],
    ids=["the-source-queue", "another-queue", "the-dlq", "not-a-url", "a-number", "null"],
)
def test_parse_request_refuses_any_target_queue(target: Any) -> None:
    # GIVEN a request naming a target queue, even the one the redriver sends to anyway
    # WHEN it is parsed
    with pytest.raises(PayloadError) as raised:
        parse_request({"targetQueueUrl": target, "dryRun": True})
    # THEN it is refused, the error naming the field and where messages go instead
    assert "targetQueueUrl is not accepted" in str(raised.value)
    assert "order-events queue" in str(raised.value)


@pytest.mark.parametrize(
    "payload",
    [
        {"maxMessages": 1},
        {"maxMessages": 10_000},
        {"maxRedrives": 1},
        {"maxRedrives": 100},
        {"filter": {"minAgeSeconds": 0, "maxAgeSeconds": 1_209_600}},
        {"filter": {"maxAgeSeconds": None}},
    ],
)
def test_parse_request_accepts_the_bounds(payload: dict[str, Any]) -> None:
    # GIVEN a payload at the edge of a range
    # WHEN it is parsed
    request = parse_request(payload)
    # THEN it is accepted as given
    assert request.max_messages == payload.get("maxMessages", 100)
    assert request.max_redrives == payload.get("maxRedrives", 3)
    assert request.filter.max_age_seconds == payload.get("filter", {}).get("maxAgeSeconds")


def test_parse_request_error_does_not_echo_unknown_values() -> None:
    # GIVEN an unknown key carrying a value
    # WHEN it is parsed
    with pytest.raises(PayloadError) as raised:
        parse_request({"colour": "a-secret-value"})
    # THEN the error names the key, not its value
    assert "colour" in str(raised.value)
    assert "a-secret-value" not in str(raised.value)
