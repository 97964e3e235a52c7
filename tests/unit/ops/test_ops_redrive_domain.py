"""The DLQ redriver's logic against an in-memory Queues port: batching, parking, filters, limits, failures."""

from __future__ import annotations

import uuid
from collections.abc import Callable, Iterator
from decimal import Decimal

import pytest

from dlq_redriver.domain import (
    MAX_ATTRIBUTES,
    MAX_MESSAGE_BYTES,
    REDRIVE_COUNT,
    DlqMessage,
    Filter,
    ParkReason,
    RedriveCountError,
    Report,
    Request,
    redrive,
)
from orders_shared.events import order_created, payment_failed
from tests.unit.ops.ops_support import DLQ_URL, NOW_MS, SOURCE_URL, FakeQueues, body_of


def run(
    queues: FakeQueues,
    request: Request | None = None,
    *,
    remaining_ms: Callable[[], int] = lambda: 300_000,
) -> Report:
    """Redrive from the DLQ to the source queue with a fixed clock and plenty of time left."""
    return redrive(request or Request(), queues, DLQ_URL, SOURCE_URL, remaining_ms=remaining_ms, now_ms=lambda: NOW_MS)


def fill(queues: FakeQueues, count: int) -> list[str]:
    """Put ``count`` retry-exhausted order events in the DLQ; returns their bodies."""
    bodies = [body_of(order_created(str(uuid.uuid4()), "cust-42", Decimal(n))) for n in range(count)]
    for body in bodies:
        queues.put(DLQ_URL, body)
    return bodies


def countdown(*values: int) -> Callable[[], int]:
    """A ``remaining_ms`` answering ``values`` in turn, then the last one for ever."""
    answers: Iterator[int] = iter(values)
    last = values[-1]

    def remaining() -> int:
        nonlocal last
        last = next(answers, last)
        return last

    return remaining


# --- batching ----------------------------------------------------------------------------------


def test_redrive_receives_at_most_ten_messages_per_call(queues: FakeQueues) -> None:
    # GIVEN 25 messages in the DLQ
    fill(queues, 25)
    # WHEN they are redriven
    run(queues)
    # THEN each receive asked for 10 at most, and a last, empty one ended the run
    assert [count for _, count in queues.receives] == [10, 10, 10, 10]


def test_redrive_sends_each_received_batch_once(queues: FakeQueues) -> None:
    # GIVEN 25 messages in the DLQ
    fill(queues, 25)
    # WHEN they are redriven
    run(queues)
    # THEN one SendMessageBatch per received batch went to the source queue
    assert [(url, len(batch)) for url, batch in queues.sends] == [(SOURCE_URL, 10), (SOURCE_URL, 10), (SOURCE_URL, 5)]


def test_redrive_deletes_exactly_the_batch_it_sent(queues: FakeQueues) -> None:
    # GIVEN 25 messages in the DLQ
    fill(queues, 25)
    # WHEN they are redriven
    run(queues)
    # THEN each send is followed by one DeleteMessageBatch on the DLQ of the same messages
    sent = [[message.message_id for message, _ in batch] for _, batch in queues.sends]
    assert queues.deletes == [(DLQ_URL, ids) for ids in sent]


def test_redrive_moves_every_message_to_the_source_queue(queues: FakeQueues) -> None:
    # GIVEN 25 messages in the DLQ
    bodies = fill(queues, 25)
    # WHEN they are redriven
    report = run(queues)
    # THEN the source queue holds them all and the DLQ none
    assert sorted(message.body for message in queues.messages(SOURCE_URL)) == sorted(bodies)
    assert queues.messages(DLQ_URL) == []
    assert (report.examined, report.moved, report.stopped_by) == (25, 25, "drained")


# --- content ---------------------------------------------------------------------------------------


def test_redrive_keeps_body_and_attributes(queues: FakeQueues) -> None:
    # GIVEN a DLQ message with a body and attributes
    body = body_of(payment_failed(str(uuid.uuid4()), "card declined"))
    queues.put(DLQ_URL, body, {"traceparent": "00-abc-01", "originalMessageId": "m-1"})
    # WHEN it is redriven
    run(queues)
    # THEN the copy in the source queue has the same body and attributes, plus a redrive count of 1
    [moved] = queues.messages(SOURCE_URL)
    assert moved.body == body
    assert moved.attributes == {"traceparent": "00-abc-01", "originalMessageId": "m-1", REDRIVE_COUNT: "1"}


def test_redrive_increments_the_redrive_count(queues: FakeQueues) -> None:
    # GIVEN a message redriven twice before
    queues.put(DLQ_URL, attributes={REDRIVE_COUNT: "2"})
    # WHEN it is redriven again, below the limit
    run(queues, Request(max_redrives=5))
    # THEN its copy carries a count of 3
    [moved] = queues.messages(SOURCE_URL)
    assert moved.attributes[REDRIVE_COUNT] == "3"


# --- parking -----------------------------------------------------------------------------------------


def test_redrive_leaves_message_at_the_redrive_limit_in_the_dlq(queues: FakeQueues) -> None:
    # GIVEN a message already redriven max_redrives times
    parked = queues.put(DLQ_URL, attributes={REDRIVE_COUNT: "3"})
    # WHEN a redrive with max_redrives=3 runs
    run(queues, Request(max_redrives=3))
    # THEN it is not sent, and it is visible in the DLQ again
    assert queues.messages(SOURCE_URL) == []
    assert [message.message_id for message in queues.visible(DLQ_URL)] == [parked.message_id]


def test_redrive_reports_parked_messages(queues: FakeQueues) -> None:
    # GIVEN one message at the limit and one below it
    parked = queues.put(DLQ_URL, attributes={REDRIVE_COUNT: "3"})
    queues.put(DLQ_URL, attributes={REDRIVE_COUNT: "2"})
    # WHEN a redrive with max_redrives=3 runs
    report = run(queues, Request(max_redrives=3))
    # THEN the report counts one parked (by id, with its reason) and one moved
    assert (report.parked, report.moved) == (1, 1)
    assert report.parked_messages == [(parked.message_id, ParkReason.REDRIVE_LIMIT)]


# --- filters ------------------------------------------------------------------------------------------


def test_redrive_leaves_rejected_messages_unless_asked(queues: FakeQueues) -> None:
    # GIVEN a message the processor rejected as invalid
    queues.put(DLQ_URL, "{not json", {"rejectionReason": "MalformedJson"})
    # WHEN a redrive without a reasons filter runs
    report = run(queues)
    # THEN it stays in the DLQ, counted as filtered out
    assert queues.messages(SOURCE_URL) == []
    assert len(queues.visible(DLQ_URL)) == 1
    assert (report.filtered_out, report.moved) == (1, 0)


def test_redrive_moves_rejected_messages_whose_reason_is_named(queues: FakeQueues) -> None:
    # GIVEN a rejected message
    queues.put(DLQ_URL, "{}", {"rejectionReason": "SchemaViolation"})
    # WHEN the filter names its reason
    report = run(queues, Request(filter=Filter(reasons=frozenset({"SchemaViolation"}))))
    # THEN it is moved
    assert report.moved == 1
    assert len(queues.messages(SOURCE_URL)) == 1


def test_redrive_leaves_rejected_messages_with_another_reason(queues: FakeQueues) -> None:
    # GIVEN a message rejected as a schema violation
    queues.put(DLQ_URL, "{}", {"rejectionReason": "SchemaViolation"})
    # WHEN the filter names only another reason
    report = run(queues, Request(filter=Filter(reasons=frozenset({"MalformedJson"}))))
    # THEN it stays
    assert (report.filtered_out, report.moved) == (1, 0)


def test_redrive_leaves_retry_exhausted_messages_when_reasons_omit_them(queues: FakeQueues) -> None:
    # GIVEN a message SQS moved after maxReceiveCount (no rejectionReason)
    fill(queues, 1)
    # WHEN the filter asks only for one rejection reason
    report = run(queues, Request(filter=Filter(reasons=frozenset({"SchemaViolation"}))))
    # THEN the retry-exhausted message stays
    assert (report.filtered_out, report.moved) == (1, 0)


def test_redrive_moves_retry_exhausted_messages_when_reasons_name_them(queues: FakeQueues) -> None:
    # GIVEN a retry-exhausted message and a rejected one
    fill(queues, 1)
    queues.put(DLQ_URL, "{}", {"rejectionReason": "SchemaViolation"})
    # WHEN the filter asks for RetryExhausted
    report = run(queues, Request(filter=Filter(reasons=frozenset({"RetryExhausted"}))))
    # THEN only the retry-exhausted one moves
    assert (report.moved, report.filtered_out) == (1, 1)


def test_redrive_moves_messages_the_processor_parked_as_retry_exhausted_by_default(queues: FakeQueues) -> None:
    # GIVEN a message the processor parked on its last receive (reason RetryExhausted, its last error)
    # and one it rejected as invalid
    queues.put(DLQ_URL, "{}", {"rejectionReason": "RetryExhausted", "rejectionMessage": "still failing..."})
    queues.put(DLQ_URL, "{not json", {"rejectionReason": "MalformedJson"})
    # WHEN a redrive without a filter runs
    report = run(queues)
    # THEN the retry-exhausted one moves, as one SQS moved itself would, and the invalid one stays
    assert (report.moved, report.filtered_out) == (1, 1)


def test_redrive_report_groups_the_messages_by_their_reason(queues: FakeQueues) -> None:
    # GIVEN two messages SQS moved (no reason), one the processor parked as retry-exhausted, and two
    # rejected as invalid
    fill(queues, 2)
    queues.put(DLQ_URL, "{}", {"rejectionReason": "RetryExhausted"})
    queues.put(DLQ_URL, "{}", {"rejectionReason": "SchemaViolation"})
    queues.put(DLQ_URL, "[", {"rejectionReason": "MalformedJson"})
    # WHEN a redrive moves the retry-exhausted ones
    report = run(queues)
    # THEN its report counts what it saw and moved under each reason (no reason: RetryExhausted)
    assert report.as_dict()["byReason"] == {
        "MalformedJson": {"examined": 1},
        "RetryExhausted": {"examined": 3, "moved": 3},
        "SchemaViolation": {"examined": 1},
    }


def test_redrive_moves_only_the_requested_detail_types(queues: FakeQueues) -> None:
    # GIVEN an OrderCreated and a PaymentFailed in the DLQ
    created = body_of(order_created(str(uuid.uuid4()), "cust-42", Decimal(10)))
    queues.put(DLQ_URL, created)
    queues.put(DLQ_URL, body_of(payment_failed(str(uuid.uuid4()), "card declined")))
    # WHEN the filter asks for OrderCreated
    report = run(queues, Request(filter=Filter(detail_types=frozenset({"OrderCreated"}))))
    # THEN only the OrderCreated moves
    assert [message.body for message in queues.messages(SOURCE_URL)] == [created]
    assert report.filtered_out == 1


def test_redrive_detail_type_filter_leaves_bodies_that_are_not_envelopes(queues: FakeQueues) -> None:
    # GIVEN a body that is not an EventBridge envelope (rejected as malformed)
    queues.put(DLQ_URL, "{not json", {"rejectionReason": "MalformedJson"})
    # WHEN the filter asks for its reason but also a detail-type
    request = Request(filter=Filter(reasons=frozenset({"MalformedJson"}), detail_types=frozenset({"OrderCreated"})))
    report = run(queues, request)
    # THEN it stays: it has no detail-type to match
    assert (report.filtered_out, report.moved) == (1, 0)


def test_redrive_leaves_messages_younger_than_min_age(queues: FakeQueues) -> None:
    # GIVEN a message sent 5 minutes ago and one sent 15 minutes ago
    queues.put(DLQ_URL, "young", sent_ms=NOW_MS - 300_000)
    queues.put(DLQ_URL, "old", sent_ms=NOW_MS - 900_000)
    # WHEN the filter asks for messages at least 10 minutes old
    run(queues, Request(filter=Filter(min_age_seconds=600)))
    # THEN only the old one moves
    assert [message.body for message in queues.messages(SOURCE_URL)] == ["old"]


def test_redrive_leaves_messages_older_than_max_age(queues: FakeQueues) -> None:
    # GIVEN a message sent 5 minutes ago and one sent 15 minutes ago
    queues.put(DLQ_URL, "young", sent_ms=NOW_MS - 300_000)
    queues.put(DLQ_URL, "old", sent_ms=NOW_MS - 900_000)
    # WHEN the filter asks for messages at most 10 minutes old
    run(queues, Request(filter=Filter(max_age_seconds=600)))
    # THEN only the young one moves
    assert [message.body for message in queues.messages(SOURCE_URL)] == ["young"]


def test_redrive_releases_filtered_messages_at_once(queues: FakeQueues) -> None:
    # GIVEN three rejected messages
    for _ in range(3):
        queues.put(DLQ_URL, "{}", {"rejectionReason": "SchemaViolation"})
    # WHEN a redrive filters them out
    run(queues)
    # THEN one release made all three visible again (not after the receive visibility timeout)
    assert [len(ids) for _, ids in queues.releases] == [3]
    assert len(queues.visible(DLQ_URL)) == 3


# --- dry run -----------------------------------------------------------------------------------------


def test_redrive_dry_run_moves_nothing(queues: FakeQueues) -> None:
    # GIVEN 12 messages in the DLQ
    fill(queues, 12)
    # WHEN a dry run runs
    run(queues, Request(dry_run=True))
    # THEN nothing was sent or deleted
    assert (queues.sends, queues.deletes) == ([], [])
    assert len(queues.messages(DLQ_URL)) == 12


def test_redrive_dry_run_reports_what_it_would_move(queues: FakeQueues) -> None:
    # GIVEN 12 messages in the DLQ, one of them at the redrive limit
    fill(queues, 11)
    queues.put(DLQ_URL, attributes={REDRIVE_COUNT: "3"})
    # WHEN a dry run runs
    report = run(queues, Request(dry_run=True))
    # THEN the report says 11 would move, 1 is parked, none moved
    assert (report.would_move, report.parked, report.moved, report.examined) == (11, 1, 0, 12)


def test_redrive_dry_run_releases_every_message(queues: FakeQueues) -> None:
    # GIVEN 12 messages in the DLQ
    fill(queues, 12)
    # WHEN a dry run runs
    run(queues, Request(dry_run=True))
    # THEN all of them are visible in the DLQ again
    assert len(queues.visible(DLQ_URL)) == 12


# --- limits ------------------------------------------------------------------------------------------


def test_redrive_stops_before_the_deadline(queues: FakeQueues) -> None:
    # GIVEN 25 messages and an invocation whose time runs short after the first batch
    fill(queues, 25)
    # WHEN a redrive runs with the default 5 s safety margin
    report = run(queues, remaining_ms=countdown(60_000, 4_999))
    # THEN it stops after one batch and says why
    assert (report.examined, report.moved, report.stopped_by) == (10, 10, "deadline")
    assert len(queues.messages(DLQ_URL)) == 15


def test_redrive_receives_nothing_when_started_inside_the_safety_margin(queues: FakeQueues) -> None:
    # GIVEN messages in the DLQ and less than the safety margin left
    fill(queues, 3)
    # WHEN a redrive runs
    report = run(queues, remaining_ms=lambda: 4_999)
    # THEN it does not even receive
    assert queues.receives == []
    assert (report.examined, report.stopped_by) == (0, "deadline")


def test_redrive_runs_with_exactly_the_safety_margin_left(queues: FakeQueues) -> None:
    # GIVEN messages in the DLQ and exactly the safety margin left
    fill(queues, 3)
    # WHEN a redrive runs
    report = run(queues, remaining_ms=lambda: 5_000)
    # THEN it still works (the margin is a floor, not a ceiling)
    assert (report.moved, report.stopped_by) == (3, "drained")


def test_redrive_stops_at_max_messages(queues: FakeQueues) -> None:
    # GIVEN 25 messages in the DLQ
    fill(queues, 25)
    # WHEN a redrive is limited to 15
    report = run(queues, Request(max_messages=15))
    # THEN it received 10 then 5, moved 15, left 10, and says why it stopped
    assert [count for _, count in queues.receives] == [10, 5]
    assert (report.examined, report.moved, report.stopped_by) == (15, 15, "maxMessages")
    assert len(queues.messages(DLQ_URL)) == 10


# --- failures ----------------------------------------------------------------------------------------


def test_redrive_counts_a_failed_send(queues: FakeQueues) -> None:
    # GIVEN 10 messages, one of which the target refuses
    fill(queues, 10)
    queues.failing_sends.add(queues.messages(DLQ_URL)[4].message_id)
    # WHEN they are redriven
    report = run(queues)
    # THEN 9 moved and 1 failed
    assert (report.moved, report.failed) == (9, 1)


def test_redrive_keeps_a_message_whose_send_failed(queues: FakeQueues) -> None:
    # GIVEN 10 messages, one of which the target refuses
    fill(queues, 10)
    refused = queues.messages(DLQ_URL)[4].message_id
    queues.failing_sends.add(refused)
    # WHEN they are redriven
    run(queues)
    # THEN it was not deleted: it is the only message left in the DLQ
    [(_, deleted)] = queues.deletes
    assert refused not in deleted
    assert [message.message_id for message in queues.messages(DLQ_URL)] == [refused]


def test_redrive_counts_a_failed_delete(queues: FakeQueues) -> None:
    # GIVEN 10 messages, one of which cannot be deleted after its send
    fill(queues, 10)
    queues.failing_deletes.add(queues.messages(DLQ_URL)[0].message_id)
    # WHEN they are redriven
    report = run(queues)
    # THEN all 10 count as moved, and one delete as failed
    assert (report.moved, report.delete_failed, report.failed) == (10, 1, 0)


def test_redrive_failed_delete_leaves_a_duplicate_not_a_loss(queues: FakeQueues) -> None:
    # GIVEN a message that cannot be deleted after its send
    [body] = fill(queues, 1)
    queues.failing_deletes.add(queues.messages(DLQ_URL)[0].message_id)
    # WHEN it is redriven
    run(queues)
    # THEN it is in both queues (the idempotent processor absorbs the duplicate)
    assert [message.body for message in queues.messages(SOURCE_URL)] == [body]
    assert [message.body for message in queues.messages(DLQ_URL)] == [body]


def test_redrive_refuses_a_message_with_no_room_for_the_redrive_count(queues: FakeQueues) -> None:
    # GIVEN a message that already carries the maximum number of attributes, none a redrive count
    queues.put(DLQ_URL, attributes={f"a{n}": "x" for n in range(MAX_ATTRIBUTES)})
    # WHEN it is redriven
    report = run(queues)
    # THEN it is parked with its reason and stays (moving it without a count could loop for ever)
    assert (report.parked, report.failed, report.moved) == (1, 0, 0)
    assert report.parked_messages[0][1] is ParkReason.NO_ROOM_FOR_COUNT
    assert queues.sends == []
    assert len(queues.visible(DLQ_URL)) == 1


# --- the report --------------------------------------------------------------------------------------


def test_report_as_dict_uses_the_response_names() -> None:
    # GIVEN a report
    report = Report(examined=7, moved=3, filtered_out=1, failed=1, delete_failed=1, would_move=0)
    report.parked_messages.extend([("m-1", ParkReason.REDRIVE_LIMIT), ("m-2", ParkReason.BAD_REDRIVE_COUNT)])
    report.by_reason.update({"SchemaViolation": {"examined": 1}, "RetryExhausted": {"moved": 3, "examined": 6}})
    # WHEN it is turned into the response
    response = report.as_dict()
    # THEN it uses the camelCase names of the function's contract
    assert response == {
        "examined": 7,
        "moved": 3,
        "parked": 2,
        "parkedReasons": {"RedriveLimitReached": 1, "RedriveCountInvalid": 1},
        "filteredOut": 1,
        "failed": 1,
        "deleteFailed": 1,
        "wouldMove": 0,
        "stoppedBy": "drained",
        "byReason": {"RetryExhausted": {"examined": 6, "moved": 3}, "SchemaViolation": {"examined": 1}},
        "parkedMessages": [
            {"messageId": "m-1", "reason": "RedriveLimitReached"},
            {"messageId": "m-2", "reason": "RedriveCountInvalid"},
        ],
    }


def test_report_as_dict_lists_at_most_fifty_parked_ids() -> None:
    # GIVEN a report with 60 parked messages
    report = Report(parked_messages=[(f"m-{n}", ParkReason.REDRIVE_LIMIT) for n in range(60)])
    # WHEN it is turned into the response
    response = report.as_dict()
    # THEN the response lists the first 50 ids, and still counts 60, all under their reason
    assert [entry["messageId"] for entry in response["parkedMessages"]] == [f"m-{n}" for n in range(50)]
    assert response["parked"] == 60
    assert response["parkedReasons"] == {"RedriveLimitReached": 60}


@pytest.mark.parametrize(("count", "moved"), [(0, 1), (2, 1), (3, 0), (7, 0)])
def test_redrive_moves_only_below_max_redrives(queues: FakeQueues, count: int, moved: int) -> None:
    # GIVEN a message redriven ``count`` times
    queues.put(DLQ_URL, attributes={REDRIVE_COUNT: str(count)})
    # WHEN a redrive with max_redrives=3 runs
    report = run(queues, Request(max_redrives=3))
    # THEN it moves only while below the limit
    assert report.moved == moved


# --- hostile redrive counts ----------------------------------------------------------------------

HOSTILE_COUNTS = {
    "superscript-two": "²",  # str.isdigit() says yes, int() says no
    "arabic-indic-three": "٣",  # str.isdigit() says yes and int() reads 3
    "five-thousand-nines": "9" * 5_000,  # past int()'s 4,300-digit limit
    "four-digits": "1000",  # one digit over the cap
    "negative": "-1",
    "empty": "",
    "plus-sign": "+1",
    "spaces": " 1 ",
    "decimal": "1.0",
    "fullwidth-one": "\uff11",
}


@pytest.mark.parametrize("count", HOSTILE_COUNTS.values(), ids=HOSTILE_COUNTS.keys())
def test_redrive_parks_a_message_whose_redrive_count_is_not_a_count(queues: FakeQueues, count: str) -> None:
    # GIVEN a message with a forged redrive count between two valid messages
    before = queues.put(DLQ_URL, body="before")
    forged = queues.put(DLQ_URL, body="forged", attributes={REDRIVE_COUNT: count})
    after = queues.put(DLQ_URL, body="after")
    # WHEN a redrive runs
    report = run(queues, Request(max_redrives=100))
    # THEN the forged one is parked with its reason, visible in the DLQ again at once
    assert report.parked_messages == [(forged.message_id, ParkReason.BAD_REDRIVE_COUNT)]
    assert [message.message_id for message in queues.visible(DLQ_URL)] == [forged.message_id]
    # AND the run went on: the other two moved
    assert sorted(message.body for message in queues.messages(SOURCE_URL)) == sorted([before.body, after.body])
    assert (report.examined, report.moved, report.failed, report.stopped_by) == (3, 2, 0, "drained")


@pytest.mark.parametrize(("count", "copied"), [("0", "1"), ("7", "8"), ("007", "8"), ("99", "100")])
def test_redrive_reads_a_count_of_one_to_three_ascii_digits(queues: FakeQueues, count: str, copied: str) -> None:
    # GIVEN a message with a short ASCII count below the limit
    queues.put(DLQ_URL, attributes={REDRIVE_COUNT: count})
    # WHEN a redrive with the highest limit runs
    run(queues, Request(max_redrives=100))
    # THEN it moved with the count one higher
    [moved] = queues.messages(SOURCE_URL)
    assert moved.attributes[REDRIVE_COUNT] == copied


def test_redrive_parks_a_count_at_the_highest_limit_as_reached_not_invalid(queues: FakeQueues) -> None:
    # GIVEN a message redriven 100 times (three digits: the longest genuine count)
    parked = queues.put(DLQ_URL, attributes={REDRIVE_COUNT: "100"})
    # WHEN a redrive with the highest limit runs
    report = run(queues, Request(max_redrives=100))
    # THEN it is parked because the limit is reached, not as a forgery
    assert report.parked_messages == [(parked.message_id, ParkReason.REDRIVE_LIMIT)]


def test_dlq_message_refuses_a_redrive_count_that_is_not_a_string() -> None:
    # GIVEN a message whose redriveCount came as a Binary attribute
    message = DlqMessage("m-1", "rh", "{}", {}, NOW_MS, {REDRIVE_COUNT: {"DataType": "Binary", "BinaryValue": b"3"}})
    # WHEN its count is read
    # THEN it is refused, by name
    with pytest.raises(RedriveCountError, match="redriveCount is not a string"):
        _ = message.redrive_count


def test_dlq_message_count_error_does_not_echo_the_value() -> None:
    # GIVEN a message with five thousand nines as its count
    message = DlqMessage("m-1", "rh", "{}", {REDRIVE_COUNT: "9" * 5_000}, NOW_MS)
    # WHEN its count is read
    with pytest.raises(RedriveCountError) as raised:
        _ = message.redrive_count
    # THEN the error states the rule, short, without the digits
    assert str(raised.value) == "redriveCount must be 1 to 3 ASCII digits"


# --- sizes -----------------------------------------------------------------------------------------

# A first redrive adds "redriveCount" (12 bytes), "String" (6) and "1" (1) to the message's size.
COUNT_ATTRIBUTE_BYTES = len(REDRIVE_COUNT) + len("String") + len("1")


def test_redrive_parks_a_message_the_redrive_count_would_push_over_the_size_limit(queues: FakeQueues) -> None:
    # GIVEN a DLQ message whose body alone fits, one byte short of room for the count
    too_large = queues.put(DLQ_URL, body="x" * (MAX_MESSAGE_BYTES - COUNT_ATTRIBUTE_BYTES + 1))
    fits = queues.put(DLQ_URL, body="y" * (MAX_MESSAGE_BYTES - COUNT_ATTRIBUTE_BYTES))
    # WHEN a redrive runs
    report = run(queues)
    # THEN the one over the limit is parked with its reason, never sent; the one at the limit moved
    assert report.parked_messages == [(too_large.message_id, ParkReason.TOO_LARGE)]
    assert [message.message_id for message, _ in queues.sends[0][1]] == [fits.message_id]
    assert [message.message_id for message in queues.visible(DLQ_URL)] == [too_large.message_id]


def test_redrive_dry_run_reports_parked_messages_as_parked(queues: FakeQueues) -> None:
    # GIVEN a message with a forged count and one that would move
    queues.put(DLQ_URL, attributes={REDRIVE_COUNT: "²"})
    queues.put(DLQ_URL)
    # WHEN a dry run runs
    report = run(queues, Request(dry_run=True))
    # THEN it predicts one parked and one moved, and moves nothing
    assert (report.parked, report.would_move, report.moved) == (1, 1, 0)
    assert queues.sends == []


# --- nothing stays hidden --------------------------------------------------------------------------


class BrokenReceiveQueues(FakeQueues):
    """FakeQueues whose second receive raises, as an unexpected SQS error would."""

    def receive(self, queue_url: str, count: int) -> list[DlqMessage]:
        if self.receives:
            raise ConnectionError("receive failed")
        return super().receive(queue_url, count)


def test_redrive_releases_held_messages_when_the_run_breaks() -> None:
    # GIVEN ten rejected messages (filtered out by default) and a second receive that raises
    queues = BrokenReceiveQueues()
    for _ in range(10):
        queues.put(DLQ_URL, attributes={"rejectionReason": "SchemaViolation"})
    # WHEN a redrive runs and breaks
    with pytest.raises(ConnectionError):
        run(queues)
    # THEN the ten it held are visible again at once, not hidden for the visibility timeout
    assert len(queues.visible(DLQ_URL)) == 10


def test_redrive_detail_type_filter_leaves_a_body_nested_past_the_parser(queues: FakeQueues) -> None:
    # GIVEN a body nested deeper than the JSON parser goes, and a valid order event
    queues.put(DLQ_URL, "[" * 100_000)
    fill(queues, 1)
    # WHEN only OrderCreated events are redriven
    report = run(queues, Request(filter=Filter(detail_types=frozenset({"OrderCreated"}))))
    # THEN the deep one is filtered out (not an envelope), and the run went on
    assert (report.filtered_out, report.moved) == (1, 1)
