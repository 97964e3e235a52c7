"""Messages the DLQ redriver parks instead of moving: redrive limits, forged counts, no room, too large."""

from __future__ import annotations

import pytest

from dlq_redriver.domain import ParkReason, Request
from dlq_redriver.messages import MAX_ATTRIBUTES, MAX_MESSAGE_BYTES, REDRIVE_COUNT, DlqMessage, RedriveCountError
from tests.unit.ops.ops_support import DLQ_URL, NOW_MS, SOURCE_URL, FakeQueues, run

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


@pytest.mark.parametrize(("count", "moved"), [(0, 1), (2, 1), (3, 0), (7, 0)])
def test_redrive_moves_only_below_max_redrives(queues: FakeQueues, count: int, moved: int) -> None:
    # GIVEN a message redriven ``count`` times
    queues.put(DLQ_URL, attributes={REDRIVE_COUNT: str(count)})
    # WHEN a redrive with max_redrives=3 runs
    report = run(queues, Request(max_redrives=3))
    # THEN it moves only while below the limit
    assert report.moved == moved


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
