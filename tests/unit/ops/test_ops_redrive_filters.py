"""The DLQ redriver's filters against an in-memory Queues port: rejection reasons, detail types, ages."""

from __future__ import annotations

import uuid
from decimal import Decimal

from dlq_redriver.domain import Filter, Request
from orders_shared.events import order_created, payment_failed
from tests.unit.ops.ops_support import DLQ_URL, NOW_MS, SOURCE_URL, FakeQueues, body_of, fill, run

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


def test_redrive_detail_type_filter_leaves_a_body_nested_past_the_parser(queues: FakeQueues) -> None:
    # GIVEN a body nested deeper than the JSON parser goes, and a valid order event
    queues.put(DLQ_URL, "[" * 100_000)
    fill(queues, 1)
    # WHEN only OrderCreated events are redriven
    report = run(queues, Request(filter=Filter(detail_types=frozenset({"OrderCreated"}))))
    # THEN the deep one is filtered out (not an envelope), and the run went on
    assert (report.filtered_out, report.moved) == (1, 1)


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


def test_redrive_age_bounds_include_a_message_exactly_at_either_bound(queues: FakeQueues) -> None:
    # GIVEN a message exactly 10 minutes old
    queues.put(DLQ_URL, "ten-minutes", sent_ms=NOW_MS - 600_000)
    # WHEN the filter asks for messages at least 10 and at most 10 minutes old
    run(queues, Request(filter=Filter(min_age_seconds=600, max_age_seconds=600)))
    # THEN it moves: both bounds are inclusive, as the runbook says ("at least", "at most")
    assert [message.body for message in queues.messages(SOURCE_URL)] == ["ten-minutes"]
