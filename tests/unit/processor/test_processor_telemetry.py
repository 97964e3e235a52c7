"""telemetry.record: one count per outcome and the publish-to-commit latency, into injected fakes."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime
from decimal import Decimal

import pytest

from order_processor import telemetry
from order_processor.applier import BatchResult, RecordResult
from order_processor.model import Outcome
from orders_shared.events import NewEvent, OrderEvent, order_created
from tests.support.telemetry import FakeLogger, FakeMetrics

Parse = Callable[[NewEvent], OrderEvent]
ORDER_ID = "6f1c2b7e-3d4a-4f5b-8c9d-0e1f2a3b4c5d"
NOW = datetime(2026, 11, 26, 10, 0, 5, tzinfo=UTC)


def applied(parsed: Parse, occurred_at: str) -> BatchResult:
    event = parsed(order_created(ORDER_ID, "cust-42", Decimal(1), clock=lambda: occurred_at))
    return BatchResult({"msg-1": RecordResult(Outcome.APPLIED, event=event)})


def rejected_and_retried() -> BatchResult:
    return BatchResult(
        {
            "a": RecordResult(Outcome.REJECTED, reason="MalformedJson"),
            "b": RecordResult(Outcome.RETRY, reason="DeadLetterSendFailed"),
            "c": RecordResult(Outcome.RETRY, reason="DeadLetterSendFailed"),
        }
    )


def test_telemetry_record_counts_every_outcome() -> None:
    # GIVEN a batch of one rejected and two retried records
    batch = rejected_and_retried()
    metrics = FakeMetrics()
    # WHEN it is recorded
    telemetry.record(batch, metrics, FakeLogger(), NOW)
    # THEN every outcome gets its count, zero included
    assert dict(metrics.added) == {
        "OrdersProcessed": 0,
        "EventsRejected": 1,
        "EventsExhausted": 0,
        "DuplicatesSkipped": 0,
        "TransitionsIgnored": 0,
        "EventsRetried": 2,
    }


def test_telemetry_record_measures_publish_to_commit_latency(parsed: Parse) -> None:
    # GIVEN an event that occurred five seconds before now, applied
    metrics = FakeMetrics()
    # WHEN the batch is recorded
    telemetry.record(applied(parsed, "2026-11-26T10:00:00.000Z"), metrics, FakeLogger(), NOW)
    # THEN the latency is five seconds
    assert ("ProcessingLatency", 5000.0) in metrics.added


def test_telemetry_record_reads_lower_case_rfc3339_timestamp(parsed: Parse) -> None:
    # GIVEN an applied event whose occurredAt uses the lower-case "t" and "z" RFC 3339 allows
    metrics = FakeMetrics()
    # WHEN the batch is recorded
    telemetry.record(applied(parsed, "2026-11-26t10:00:00.000z"), metrics, FakeLogger(), NOW)
    # THEN its latency is measured all the same
    assert ("ProcessingLatency", 5000.0) in metrics.added


def test_telemetry_record_skips_latency_of_leap_second(parsed: Parse) -> None:
    # GIVEN an applied event stamped with a leap second (valid RFC 3339, unreadable by datetime)
    metrics, logger = FakeMetrics(), FakeLogger()
    # WHEN the batch is recorded
    telemetry.record(applied(parsed, "2026-12-31T23:59:60Z"), metrics, logger, NOW)
    # THEN no latency is emitted, and the record is still logged
    assert [name for name, _ in metrics.added if name == "ProcessingLatency"] == []
    assert [extra["messageId"] for _, extra in logger.said("record processed")] == ["msg-1"]


@pytest.mark.parametrize("outcome", [Outcome.DUPLICATE, Outcome.IGNORED, Outcome.RETRY])
def test_telemetry_record_measures_latency_of_applied_events_only(parsed: Parse, outcome: Outcome) -> None:
    # GIVEN an event that did not change state this time
    batch = applied(parsed, "2026-11-26T10:00:00.000Z")
    batch.results["msg-1"].outcome = outcome
    metrics = FakeMetrics()
    # WHEN the batch is recorded
    telemetry.record(batch, metrics, FakeLogger(), NOW)
    # THEN no latency is emitted for it
    assert [name for name, _ in metrics.added if name == "ProcessingLatency"] == []


def test_telemetry_record_logs_one_line_per_record_with_its_keys(parsed: Parse) -> None:
    # GIVEN one applied record
    batch = applied(parsed, "2026-11-26T10:00:00.000Z")
    event = batch.results["msg-1"].event
    assert event is not None
    logger = FakeLogger()
    # WHEN the batch is recorded
    telemetry.record(batch, FakeMetrics(), logger, NOW)
    # THEN one constant message carries the record's keys, at DEBUG for an applied record
    assert logger.said("record processed") == [
        (
            "debug",
            {
                "messageId": "msg-1",
                "outcome": "applied",
                "reason": None,
                "eventId": event.event_id,
                "orderId": ORDER_ID,
                "correlationId": event.metadata.correlation_id,
            },
        )
    ]


def test_telemetry_record_logs_one_summary_line_per_batch() -> None:
    # GIVEN a batch of one rejected and two retried records
    batch = rejected_and_retried()
    logger = FakeLogger()
    # WHEN it is recorded
    telemetry.record(batch, FakeMetrics(), logger, NOW)
    # THEN one INFO line counts the records of every outcome
    summaries = [(level, extra) for level, message, extra in logger.lines if message == "batch processed"]
    assert summaries == [
        ("info", {"records": 3, "applied": 0, "rejected": 1, "exhausted": 0, "duplicate": 0, "ignored": 0, "retry": 2})
    ]


@pytest.mark.parametrize(
    ("outcome", "level"),
    [
        (Outcome.APPLIED, "debug"),
        (Outcome.DUPLICATE, "debug"),
        (Outcome.IGNORED, "info"),
        (Outcome.REJECTED, "warning"),
        (Outcome.RETRY, "warning"),
    ],
)
def test_telemetry_record_logs_each_record_at_the_level_of_its_outcome(
    parsed: Parse, outcome: Outcome, level: str
) -> None:
    # GIVEN a record with this outcome
    batch = applied(parsed, "2026-11-26T10:00:00.000Z")
    batch.results["msg-1"].outcome = outcome
    logger = FakeLogger()
    # WHEN the batch is recorded
    telemetry.record(batch, FakeMetrics(), logger, NOW)
    # THEN its line is at the level an operator needs: refusals and retries stand out, the happy path is DEBUG
    assert [(line_level, extra["outcome"]) for line_level, extra in logger.said("record processed")] == [
        (level, str(outcome))
    ]


def test_telemetry_record_logs_an_unforeseen_failure_with_its_traceback(parsed: Parse) -> None:
    # GIVEN a record retried after an unforeseen failure (a bug)
    event = parsed(order_created(ORDER_ID, "cust-42", Decimal(1)))
    failure = KeyError("status")
    batch = BatchResult({"msg-1": RecordResult(Outcome.RETRY, event=event, reason="UnexpectedKeyError", error=failure)})
    logger = FakeLogger()
    # WHEN it is recorded
    telemetry.record(batch, FakeMetrics(), logger, NOW)
    # THEN besides its record line, an ERROR line carries the exception (for its traceback) and keys
    [(message, extra)] = [(message, extra) for level, message, extra in logger.lines if level == "error"]
    assert message == "record failed unexpectedly"
    assert (extra["exc_info"], extra["eventId"], extra["reason"]) == (failure, event.event_id, "UnexpectedKeyError")
