"""The DLQ redriver's runs against an in-memory Queues port: batching, content, dry runs, limits, failures."""

from __future__ import annotations

import uuid
from collections.abc import Callable, Iterator

import pytest

from dlq_redriver.domain import ParkReason, Report, Request
from dlq_redriver.messages import REDRIVE_COUNT, DlqMessage
from orders_shared.events import payment_failed
from tests.unit.ops.ops_support import DLQ_URL, SOURCE_URL, FakeQueues, body_of, fill, run


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


def test_redrive_adds_up_the_failures_of_every_batch(queues: FakeQueues) -> None:
    # GIVEN 30 messages (three batches of ten): in two batches a send fails, in two a delete fails
    fill(queues, 30)
    ids = [message.message_id for message in queues.messages(DLQ_URL)]
    queues.failing_sends.update({ids[3], ids[25]})
    queues.failing_deletes.update({ids[4], ids[14], ids[15]})
    # WHEN they are redriven
    report = run(queues)
    # THEN the report counts every failure, not the last batch's
    assert (report.moved, report.failed, report.delete_failed) == (28, 2, 3)


def test_redrive_failed_delete_leaves_a_duplicate_not_a_loss(queues: FakeQueues) -> None:
    # GIVEN a message that cannot be deleted after its send
    [body] = fill(queues, 1)
    queues.failing_deletes.add(queues.messages(DLQ_URL)[0].message_id)
    # WHEN it is redriven
    run(queues)
    # THEN it is in both queues (the idempotent processor absorbs the duplicate)
    assert [message.body for message in queues.messages(SOURCE_URL)] == [body]
    assert [message.body for message in queues.messages(DLQ_URL)] == [body]


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
