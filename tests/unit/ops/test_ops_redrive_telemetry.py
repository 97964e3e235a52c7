"""The redriver's telemetry: counts and constant log lines with keys, into injected recorders."""

from __future__ import annotations

from dlq_redriver import telemetry
from dlq_redriver.domain import ParkReason, PayloadError, Report, Request
from tests.support.telemetry import FakeLogger, FakeMetrics
from tests.unit.ops.ops_support import SOURCE_URL


def a_report() -> Report:
    report = Report(examined=5, moved=3, failed=0)
    report.parked_messages.extend([("m-1", ParkReason.BAD_REDRIVE_COUNT), ("m-2", ParkReason.REDRIVE_LIMIT)])
    return report


def test_telemetry_finished_counts_moved_and_parked_messages() -> None:
    # GIVEN a run that moved three messages and parked two
    metrics, logger = FakeMetrics(), FakeLogger()
    # WHEN it is recorded
    telemetry.finished(Request(), a_report(), metrics, logger)
    # THEN one count each
    assert metrics.added == [("MessagesRedriven", 3), ("MessagesParked", 2)]


def test_telemetry_finished_logs_each_parked_message_with_its_reason() -> None:
    # GIVEN a run that parked two messages
    metrics, logger = FakeMetrics(), FakeLogger()
    # WHEN it is recorded
    telemetry.finished(Request(), a_report(), metrics, logger)
    # THEN each parked message has a WARNING line, the same message, its id and reason as keys
    assert logger.said("message parked") == [
        ("warning", {"messageId": "m-1", "reason": "RedriveCountInvalid"}),
        ("warning", {"messageId": "m-2", "reason": "RedriveLimitReached"}),
    ]


def test_telemetry_finished_logs_one_summary_with_the_report() -> None:
    # GIVEN a dry run's report
    metrics, logger = FakeMetrics(), FakeLogger()
    report = a_report()
    # WHEN it is recorded
    telemetry.finished(Request(dry_run=True), report, metrics, logger)
    # THEN the last line is the INFO summary carrying the response and the dry-run flag
    assert logger.lines[-1] == ("info", "redrive finished", {"report": report.as_dict(), "dryRun": True})


def test_telemetry_refused_counts_and_names_the_field() -> None:
    # GIVEN a refused request
    metrics, logger = FakeMetrics(), FakeLogger()
    # WHEN it is recorded
    telemetry.refused(PayloadError("dryRun must be true or false"), metrics, logger)
    # THEN one count and one WARNING line carrying the error
    assert metrics.added == [("RedriveRequestsRefused", 1)]
    assert logger.lines == [("warning", "redrive request refused", {"error": "dryRun must be true or false"})]


def test_telemetry_call_failed_logs_the_call_queue_and_code() -> None:
    # GIVEN a failed SendMessageBatch
    logger = FakeLogger()
    # WHEN it is recorded
    telemetry.call_failed(logger, "SendMessageBatch", SOURCE_URL, "AccessDenied", 3)
    # THEN one WARNING line with a constant message and the facts as keys
    assert logger.lines == [
        (
            "warning",
            "sqs call failed",
            {"call": "SendMessageBatch", "queueUrl": SOURCE_URL, "errorCode": "AccessDenied", "entries": 3},
        )
    ]
