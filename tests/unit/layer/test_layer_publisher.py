"""EventPublisher against a real boto3 EventBridge client answered by botocore's Stubber."""

from __future__ import annotations

import itertools
import json
from collections.abc import Callable, Iterator
from typing import Any

import pytest
from botocore.stub import Stubber

from orders_shared.errors import SchemaValidationError
from orders_shared.events import NewEvent, order_created, payment_failed
from orders_shared.publisher import EventPublisher, EventTooLargeError, PublishError

OK = "ok"
KB = 1024
PUT_EVENTS_LIMIT = 256 * KB

_bus_ids: Iterator[int] = itertools.count(1)


def answer(*outcomes: str) -> dict[str, Any]:
    """A PutEvents response (HTTP 200): ``OK`` for an accepted entry, else the entry's error code."""
    entries: list[dict[str, Any]] = []
    for outcome in outcomes:
        if outcome == OK:
            entries.append({"EventId": f"11111111-2222-4333-8444-{next(_bus_ids):012d}"})
        else:
            entries.append({"ErrorCode": outcome, "ErrorMessage": f"{outcome} for this entry"})
    return {"FailedEntryCount": sum(outcome != OK for outcome in outcomes), "Entries": entries}


def orders(count: int) -> list[NewEvent]:
    """``count`` valid OrderCreated events, each with its own order and event id."""
    return [order_created(f"6f1c2b7e-3d4a-4f5b-8c9d-{index:012d}", "cust-42", 10 + index) for index in range(count)]


def entry_size(entry: dict[str, Any]) -> int:
    """The size of a PutEvents entry by the AWS rule: Source, DetailType, Detail, Resources in UTF-8, Time 14."""
    size = 14 if "Time" in entry else 0
    size += sum(len(entry[key].encode("utf-8")) for key in ("Source", "DetailType", "Detail"))
    return size + sum(len(resource.encode("utf-8")) for resource in entry.get("Resources", []))


def event_ids_of(call: dict[str, Any]) -> list[str]:
    """The producer event ids of the entries of one PutEvents call."""
    return [json.loads(entry["Detail"])["metadata"]["eventId"] for entry in call["Entries"]]


# --- chunking ------------------------------------------------------------------------------------


def test_publisher_sends_25_events_in_calls_of_10_10_and_5(
    make_publisher: Callable[..., EventPublisher], stubber: Stubber, put_events_calls: list[dict[str, Any]]
) -> None:
    # GIVEN 25 valid events and a bus that accepts everything
    events = orders(25)
    for size in (10, 10, 5):
        stubber.add_response("put_events", answer(*[OK] * size))

    # WHEN they are published
    make_publisher().publish(events)

    # THEN three calls carry 10, 10 and 5 entries, every event once, in order
    assert [len(call["Entries"]) for call in put_events_calls] == [10, 10, 5]
    assert [eid for call in put_events_calls for eid in event_ids_of(call)] == [e.event_id for e in events]
    stubber.assert_no_pending_responses()


def test_publisher_returns_one_sent_result_per_event_in_order(
    make_publisher: Callable[..., EventPublisher], stubber: Stubber
) -> None:
    # GIVEN 12 events (two calls) and a bus that accepts everything
    events = orders(12)
    first, second = answer(*[OK] * 10), answer(*[OK] * 2)
    stubber.add_response("put_events", first)
    stubber.add_response("put_events", second)

    # WHEN they are published
    results = make_publisher().publish(events)

    # THEN each event's result carries EventBridge's id for its entry, after one attempt
    bus_ids = [entry["EventId"] for entry in first["Entries"] + second["Entries"]]
    assert [(r.event_id, r.bus_event_id, r.attempts, r.sent) for r in results] == [
        (event.event_id, bus_id, 1, True) for event, bus_id in zip(events, bus_ids, strict=True)
    ]


def test_publisher_entry_names_bus_source_detail_type_and_detail(
    make_publisher: Callable[..., EventPublisher], stubber: Stubber
) -> None:
    # GIVEN one PaymentFailed event
    event = payment_failed("6f1c2b7e-3d4a-4f5b-8c9d-0e1f2a3b4c5d", "card declined")
    expected_entry = {
        "EventBusName": "orders-bus",
        "Source": "payment-service",
        "DetailType": "PaymentFailed",
        "Detail": event.detail_json,
    }
    stubber.add_response("put_events", answer(OK), expected_params={"Entries": [expected_entry]})

    # WHEN it is published
    make_publisher().publish([event])

    # THEN the one call carried exactly that entry (the Stubber checked the parameters)
    stubber.assert_no_pending_responses()


def test_publisher_splits_calls_so_none_exceeds_256_kb(
    make_publisher: Callable[..., EventPublisher],
    stubber: Stubber,
    put_events_calls: list[dict[str, Any]],
    pad: Callable[[NewEvent, int], NewEvent],
) -> None:
    # GIVEN five events of about 100 KB each: three would make 300 KB
    events = [pad(event, 100 * KB) for event in orders(5)]
    for size in (2, 2, 1):
        stubber.add_response("put_events", answer(*[OK] * size))

    # WHEN they are published
    make_publisher().publish(events)

    # THEN no call holds more than two of them, and each call is within 256 KB by the AWS size rule
    assert [len(call["Entries"]) for call in put_events_calls] == [2, 2, 1]
    assert all(sum(map(entry_size, call["Entries"])) <= PUT_EVENTS_LIMIT for call in put_events_calls)
    assert [eid for call in put_events_calls for eid in event_ids_of(call)] == [e.event_id for e in events]


def test_publisher_fills_a_call_up_to_exactly_256_kb(
    make_publisher: Callable[..., EventPublisher],
    stubber: Stubber,
    put_events_calls: list[dict[str, Any]],
    pad: Callable[[NewEvent, int], NewEvent],
) -> None:
    # GIVEN two events whose entries weigh exactly 128 KB each by the AWS rule
    events = orders(2)
    overhead = len("order-service") + len("OrderCreated")
    events = [pad(event, 128 * KB - overhead) for event in events]
    stubber.add_response("put_events", answer(OK, OK))

    # WHEN they are published
    make_publisher().publish(events)

    # THEN one call of exactly 256 KB carries both: the limit is inclusive
    assert len(put_events_calls) == 1
    assert sum(map(entry_size, put_events_calls[0]["Entries"])) == PUT_EVENTS_LIMIT


# --- nothing is sent when one event cannot be ----------------------------------------------------


def test_publisher_validates_every_event_before_sending_any(
    make_publisher: Callable[..., EventPublisher], put_events_calls: list[dict[str, Any]]
) -> None:
    # GIVEN valid events followed by one with the seed's orderId "123"
    events = [*orders(3), order_created("123", "cust-42", 10)]

    # WHEN they are published
    with pytest.raises(SchemaValidationError) as caught:
        make_publisher().publish(events)

    # THEN the contract violation is reported and no call was made, not even for the valid ones
    assert caught.value.path == "detail.orderId"
    assert put_events_calls == []


def test_publisher_refuses_an_event_over_256_kb_before_sending_any(
    make_publisher: Callable[..., EventPublisher],
    put_events_calls: list[dict[str, Any]],
    pad: Callable[[NewEvent, int], NewEvent],
) -> None:
    # GIVEN a small event followed by one whose entry exceeds 256 KB on its own
    small, large = orders(2)
    pad(large, PUT_EVENTS_LIMIT)

    # WHEN they are published
    # THEN the large event is refused and no call was made
    with pytest.raises(EventTooLargeError):
        make_publisher().publish([small, large])
    assert put_events_calls == []


# --- partial failures and retries ----------------------------------------------------------------


def test_publisher_resends_only_the_entries_that_failed_retryably(
    make_publisher: Callable[..., EventPublisher], stubber: Stubber, put_events_calls: list[dict[str, Any]]
) -> None:
    # GIVEN a bus answering HTTP 200 with FailedEntryCount 2: one entry throttled, one internal failure
    events = orders(4)
    stubber.add_response("put_events", answer(OK, "ThrottlingException", OK, "InternalFailure"))
    stubber.add_response("put_events", answer(OK, OK))

    # WHEN the events are published
    results = make_publisher().publish(events)

    # THEN the second call carries exactly the two failed entries, as first sent, and all end up sent
    first_call = put_events_calls[0]["Entries"]
    assert put_events_calls[1]["Entries"] == [first_call[1], first_call[3]]
    assert [r.attempts for r in results] == [1, 2, 1, 2]
    assert all(r.sent for r in results)


def test_publisher_resent_entry_keeps_its_event_id(
    make_publisher: Callable[..., EventPublisher], stubber: Stubber, put_events_calls: list[dict[str, Any]]
) -> None:
    # GIVEN an event throttled on its first send
    event = payment_failed("6f1c2b7e-3d4a-4f5b-8c9d-0e1f2a3b4c5d", "card declined")
    stubber.add_response("put_events", answer("ThrottlingException"))
    stubber.add_response("put_events", answer(OK))

    # WHEN it is published
    make_publisher().publish([event])

    # THEN the retry carries the same Detail, so the same metadata.eventId consumers deduplicate on
    first, second = (call["Entries"][0]["Detail"] for call in put_events_calls)
    assert second == first
    assert event_ids_of(put_events_calls[1]) == [event.event_id]


def test_publisher_reports_a_non_retryable_failure_without_resending_it(
    make_publisher: Callable[..., EventPublisher], stubber: Stubber, put_events_calls: list[dict[str, Any]]
) -> None:
    # GIVEN a bus refusing one entry for good (access denied) and throttling another
    events = orders(3)
    stubber.add_response("put_events", answer(OK, "AccessDeniedException", "ThrottlingException"))
    stubber.add_response("put_events", answer(OK))

    # WHEN the events are published
    with pytest.raises(PublishError) as caught:
        make_publisher().publish(events)

    # THEN only the throttled entry is resent, and the refused one is reported failed after one attempt
    assert event_ids_of(put_events_calls[1]) == [events[2].event_id]
    [failed] = caught.value.failed
    assert (failed.event_id, failed.error_code, failed.attempts) == (events[1].event_id, "AccessDeniedException", 1)
    stubber.assert_no_pending_responses()


def test_publisher_retries_a_call_refused_by_throttling(
    make_publisher: Callable[..., EventPublisher], stubber: Stubber, put_events_calls: list[dict[str, Any]]
) -> None:
    # GIVEN a bus that throttles a whole call (HTTP 400), then accepts
    events = orders(2)
    stubber.add_client_error("put_events", service_error_code="ThrottlingException", http_status_code=400)
    stubber.add_response("put_events", answer(OK, OK))

    # WHEN the events are published
    results = make_publisher().publish(events)

    # THEN the same entries are sent again and both are reported sent
    assert put_events_calls[1] == put_events_calls[0]
    assert all(r.sent for r in results)


def test_publisher_backs_off_exponentially_up_to_max_delay(
    make_publisher: Callable[..., EventPublisher], stubber: Stubber, sleeps: list[float]
) -> None:
    # GIVEN an entry throttled four times, and a jitter that always draws its maximum
    for _ in range(4):
        stubber.add_response("put_events", answer("ThrottlingException"))
    stubber.add_response("put_events", answer(OK))
    publisher = make_publisher(max_attempts=5, base_delay=0.1, max_delay=0.35, rand=lambda: 1.0)

    # WHEN it is published
    publisher.publish(orders(1))

    # THEN the ceiling of each wait doubles from base_delay and stops at max_delay
    assert sleeps == pytest.approx([0.1, 0.2, 0.35, 0.35])


def test_publisher_backoff_uses_full_jitter(
    make_publisher: Callable[..., EventPublisher], stubber: Stubber, sleeps: list[float]
) -> None:
    # GIVEN an entry throttled three times, and jitter draws of 0.5, 0.75 and 0.1
    for _ in range(3):
        stubber.add_response("put_events", answer("ThrottlingException"))
    stubber.add_response("put_events", answer(OK))
    draws = iter([0.5, 0.75, 0.1])
    publisher = make_publisher(max_attempts=4, base_delay=0.1, max_delay=10.0, rand=lambda: next(draws))

    # WHEN it is published
    publisher.publish(orders(1))

    # THEN each wait is the draw times the ceiling (0.1, 0.2, 0.4): anywhere from zero to the ceiling
    assert sleeps == pytest.approx([0.05, 0.15, 0.04])


def test_publisher_does_not_sleep_when_everything_is_sent_at_once(
    make_publisher: Callable[..., EventPublisher], stubber: Stubber, sleeps: list[float]
) -> None:
    # GIVEN a bus that accepts everything
    stubber.add_response("put_events", answer(OK, OK))

    # WHEN events are published
    make_publisher().publish(orders(2))

    # THEN no time is spent waiting
    assert sleeps == []


def test_publisher_gives_up_after_max_attempts_naming_the_failed_events(
    make_publisher: Callable[..., EventPublisher], stubber: Stubber, put_events_calls: list[dict[str, Any]]
) -> None:
    # GIVEN a bus that keeps failing two of three entries
    events = orders(3)
    stubber.add_response("put_events", answer("ThrottlingException", OK, "InternalFailure"))
    stubber.add_response("put_events", answer("ThrottlingException", "ThrottlingException"))
    stubber.add_response("put_events", answer("InternalFailure", "ThrottlingException"))

    # WHEN they are published with at most three attempts
    with pytest.raises(PublishError) as caught:
        make_publisher(max_attempts=3).publish(events)

    # THEN it stops after the third call and names exactly the two events not sent
    assert len(put_events_calls) == 3
    assert [(r.event_id, r.error_code, r.attempts) for r in caught.value.failed] == [
        (events[0].event_id, "InternalFailure", 3),
        (events[2].event_id, "ThrottlingException", 3),
    ]


def test_publisher_give_up_reports_the_other_events_as_sent(
    make_publisher: Callable[..., EventPublisher], stubber: Stubber
) -> None:
    # GIVEN a bus that accepts the first and last entries and keeps throttling the middle one
    events = orders(3)
    first = answer(OK, "ThrottlingException", OK)
    stubber.add_response("put_events", first)
    stubber.add_response("put_events", answer("ThrottlingException"))

    # WHEN they are published with at most two attempts
    with pytest.raises(PublishError) as caught:
        make_publisher(max_attempts=2).publish(events)

    # THEN the error's results, in input order, mark the others sent with their bus ids
    results = caught.value.results
    assert [r.event_id for r in results] == [e.event_id for e in events]
    assert [r.sent for r in results] == [True, False, True]
    assert (results[0].bus_event_id, results[2].bus_event_id) == (
        first["Entries"][0]["EventId"],
        first["Entries"][2]["EventId"],
    )


@pytest.mark.parametrize(
    "response",
    [
        pytest.param(
            {"FailedEntryCount": 0, "Entries": [{"EventId": "11111111-2222-4333-8444-000000000001"}, {}]},
            id="empty-entry",
        ),
        pytest.param(
            {"FailedEntryCount": 0, "Entries": [{"EventId": "11111111-2222-4333-8444-000000000001"}]}, id="short-answer"
        ),
        pytest.param(
            {"FailedEntryCount": 0, "Entries": [{"EventId": "11111111-2222-4333-8444-000000000001"}, {"EventId": ""}]},
            id="empty-event-id",
        ),
    ],
)
def test_publisher_never_reports_an_entry_sent_without_its_event_id(
    make_publisher: Callable[..., EventPublisher], stubber: Stubber, response: dict[str, Any]
) -> None:
    # GIVEN a response that claims no failure but gives the second entry no EventId
    events = orders(2)
    stubber.add_response("put_events", response)

    # WHEN the events are published with a single attempt
    with pytest.raises(PublishError) as caught:
        make_publisher(max_attempts=1).publish(events)

    # THEN the second event is reported not sent
    assert [r.event_id for r in caught.value.failed] == [events[1].event_id]


def test_publisher_resends_an_entry_answered_without_event_id(
    make_publisher: Callable[..., EventPublisher], stubber: Stubber, put_events_calls: list[dict[str, Any]]
) -> None:
    # GIVEN a response that leaves the second entry without an EventId, then a normal one
    events = orders(2)
    stubber.add_response("put_events", {"FailedEntryCount": 0, "Entries": [{"EventId": "e-1"}, {}]})
    stubber.add_response("put_events", answer(OK))

    # WHEN the events are published
    results = make_publisher().publish(events)

    # THEN the unanswered entry is treated as failed in transit and sent again
    assert event_ids_of(put_events_calls[1]) == [events[1].event_id]
    assert all(r.sent for r in results)
