"""SqsQueues against botocore's Stubber: partial failures, failures reported with their code, the receive request."""

from __future__ import annotations

from typing import Any

import boto3
import pytest
from botocore.stub import Stubber

from dlq_redriver.adapters import SqsQueues
from dlq_redriver.domain import Request, redrive
from dlq_redriver.messages import REDRIVE_COUNT, DlqMessage
from tests.support.aws import record_requests
from tests.unit.ops.ops_support import DLQ_URL, REGION, SOURCE_URL, VISIBILITY, FailureLog, now_ms

# --- partial failures, with the Stubber -----------------------------------------------------------------


@pytest.fixture
def stubbed() -> tuple[Any, Stubber, list[dict[str, Any]]]:
    """A real SQS client answered by a Stubber, and every DeleteMessageBatch request it was asked to make.

    The adapter treats botocore errors (the Stubber's own assertion errors among them) as a failed
    call, so the requests are recorded here and asserted on explicitly.
    """
    client = boto3.client("sqs", region_name=REGION)
    return client, Stubber(client), record_requests(client, "sqs.DeleteMessageBatch")


def received(count: int) -> dict[str, Any]:
    """A ReceiveMessage response with ``count`` messages m-0, m-1, … and receipt handles h-0, h-1, …"""
    return {
        "Messages": [
            {
                "MessageId": f"m-{n}",
                "ReceiptHandle": f"h-{n}",
                "Body": f'{{"n": {n}}}',
                "Attributes": {"SentTimestamp": "1795687200000"},
                "MessageAttributes": {"originalMessageId": {"DataType": "String", "StringValue": f"o-{n}"}},
            }
            for n in range(count)
        ]
    }


def test_sqs_queues_does_not_delete_a_message_whose_send_failed(
    stubbed: tuple[Any, Stubber, list[dict[str, Any]]],
) -> None:
    # GIVEN three DLQ messages, and a SendMessageBatch that answers the second entry in Failed
    client, stubber, deletes = stubbed
    stubber.add_response("receive_message", received(3))
    stubber.add_response(
        "send_message_batch",
        {
            "Successful": [
                {"Id": "0", "MessageId": "n-0", "MD5OfMessageBody": "0" * 32},
                {"Id": "2", "MessageId": "n-2", "MD5OfMessageBody": "0" * 32},
            ],
            "Failed": [{"Id": "1", "SenderFault": False, "Code": "InternalError", "Message": "try again"}],
        },
    )
    stubber.add_response("delete_message_batch", {"Successful": [{"Id": "0"}, {"Id": "1"}], "Failed": []})
    stubber.add_response("receive_message", {})
    # WHEN they are redriven
    with stubber:
        report = redrive(
            Request(), SqsQueues(client, VISIBILITY), DLQ_URL, SOURCE_URL, remaining_ms=lambda: 300_000, now_ms=now_ms
        )
    # THEN the DeleteMessageBatch named only the two that were sent; the failed one stays in the DLQ
    assert deletes == [
        {
            "QueueUrl": DLQ_URL,
            "Entries": [{"Id": "0", "ReceiptHandle": "h-0"}, {"Id": "1", "ReceiptHandle": "h-2"}],
        }
    ]
    assert (report.moved, report.failed, report.delete_failed) == (2, 1, 0)
    stubber.assert_no_pending_responses()


def test_sqs_queues_deletes_nothing_when_the_send_call_fails(
    stubbed: tuple[Any, Stubber, list[dict[str, Any]]],
) -> None:
    # GIVEN three DLQ messages, and a SendMessageBatch call that fails as a whole
    client, stubber, deletes = stubbed
    stubber.add_response("receive_message", received(3))
    stubber.add_client_error("send_message_batch", service_error_code="AWS.SimpleQueueService.ServiceUnavailable")
    stubber.add_response("receive_message", {})
    # WHEN they are redriven
    with stubber:
        report = redrive(
            Request(), SqsQueues(client, VISIBILITY), DLQ_URL, SOURCE_URL, remaining_ms=lambda: 300_000, now_ms=now_ms
        )
    # THEN nothing was deleted and all three count as failed
    assert deletes == []
    assert (report.moved, report.failed) == (0, 3)
    stubber.assert_no_pending_responses()


def test_sqs_queues_counts_a_delete_answered_in_failed(stubbed: tuple[Any, Stubber, list[dict[str, Any]]]) -> None:
    # GIVEN two DLQ messages both sent, and a DeleteMessageBatch that answers the second in Failed
    client, stubber, _ = stubbed
    stubber.add_response("receive_message", received(2))
    stubber.add_response(
        "send_message_batch",
        {
            "Successful": [{"Id": str(n), "MessageId": f"n-{n}", "MD5OfMessageBody": "0" * 32} for n in range(2)],
            "Failed": [],
        },
    )
    stubber.add_response(
        "delete_message_batch",
        {
            "Successful": [{"Id": "0"}],
            "Failed": [{"Id": "1", "SenderFault": True, "Code": "ReceiptHandleIsInvalid"}],
        },
    )
    stubber.add_response("receive_message", {})
    # WHEN they are redriven
    with stubber:
        report = redrive(
            Request(), SqsQueues(client, VISIBILITY), DLQ_URL, SOURCE_URL, remaining_ms=lambda: 300_000, now_ms=now_ms
        )
    # THEN both count as moved, one delete as failed (a duplicate, never a loss)
    assert (report.moved, report.delete_failed) == (2, 1)
    stubber.assert_no_pending_responses()


def test_sqs_queues_receive_reads_attributes_and_sent_timestamp(
    stubbed: tuple[Any, Stubber, list[dict[str, Any]]],
) -> None:
    # GIVEN a ReceiveMessage answer with one message
    client, stubber, _ = stubbed
    stubber.add_response(
        "receive_message",
        received(1),
        expected_params={
            "QueueUrl": DLQ_URL,
            "MaxNumberOfMessages": 7,
            "WaitTimeSeconds": 1,
            "VisibilityTimeout": VISIBILITY,
            "MessageAttributeNames": ["All"],
            "MessageSystemAttributeNames": ["SentTimestamp"],
        },
    )
    # WHEN the adapter receives
    with stubber:
        [message] = SqsQueues(client, VISIBILITY).receive(DLQ_URL, 7)
    # THEN the message carries its id, handle, body, string attributes and sent time
    assert (message.message_id, message.receipt_handle, message.body) == ("m-0", "h-0", '{"n": 0}')
    assert message.attributes == {"originalMessageId": "o-0"}
    assert message.sent_timestamp_ms == 1_795_687_200_000


# --- failures reported with their code ---------------------------------------------------------------


def test_sqs_queues_reports_a_failed_call_with_its_error_code(
    stubbed: tuple[Any, Stubber, list[dict[str, Any]]],
) -> None:
    # GIVEN a SendMessageBatch refused as a whole, and three messages to send
    client, stubber, _ = stubbed
    stubber.add_client_error("send_message_batch", service_error_code="AccessDenied")
    failures = FailureLog()
    messages = [(DlqMessage(f"m-{n}", f"h-{n}", "{}", {}, 0), {REDRIVE_COUNT: "1"}) for n in range(3)]
    # WHEN the adapter sends them
    with stubber:
        sent = SqsQueues(client, VISIBILITY, failures).send(SOURCE_URL, messages)
    # THEN none counts as sent, and the sink heard of the call, its queue, the code AWS gave and the entries
    assert sent == set()
    assert failures.failures == [("SendMessageBatch", SOURCE_URL, "AccessDenied", 3)]


def test_sqs_queues_reports_failed_entries_by_code(stubbed: tuple[Any, Stubber, list[dict[str, Any]]]) -> None:
    # GIVEN a DeleteMessageBatch that answers two entries in Failed, with two codes
    client, stubber, _ = stubbed
    stubber.add_response(
        "delete_message_batch",
        {
            "Successful": [{"Id": "0"}],
            "Failed": [
                {"Id": "1", "SenderFault": True, "Code": "ReceiptHandleIsInvalid"},
                {"Id": "2", "SenderFault": False, "Code": "InternalError"},
            ],
        },
    )
    failures = FailureLog()
    messages = [DlqMessage(f"m-{n}", f"h-{n}", "{}", {}, 0) for n in range(3)]
    # WHEN the adapter deletes them
    with stubber:
        deleted = SqsQueues(client, VISIBILITY, failures).delete(DLQ_URL, messages)
    # THEN the one deleted is returned and each failed entry's code is reported
    assert deleted == {"m-0"}
    assert sorted(failures.failures) == [
        ("DeleteMessageBatch", DLQ_URL, "InternalError", 1),
        ("DeleteMessageBatch", DLQ_URL, "ReceiptHandleIsInvalid", 1),
    ]
