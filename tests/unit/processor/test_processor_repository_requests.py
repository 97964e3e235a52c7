"""DynamoOrderRepository with Stubber: in-process retries, error mapping and the exact transaction sent."""

from __future__ import annotations

from typing import Any

import pytest
from botocore.stub import Stubber

from order_processor.model import Change, Committed, Duplicate, Failed, Outcome, Recorded, Refused
from order_processor.repository import CONFLICT_ATTEMPTS, DynamoOrderRepository
from orders_shared.events import content_digest, dumps
from tests.unit.processor.processor_support import EVENT_ID, NOW, OCCURRED_AT, ORDER_ID, SHARD, cancelled


def test_repository_commit_retries_transaction_conflict_in_process(
    stubbed: tuple[Any, Stubber], transact_calls: list[dict[str, Any]], payment: Change
) -> None:
    # GIVEN a transaction cancelled by conflicts (on the counter shard) until the last attempt
    client, stubber = stubbed
    for _ in range(CONFLICT_ATTEMPTS - 1):
        cancelled(stubber, "None", "None", "None", "TransactionConflict")
    stubber.add_response("transact_write_items", {})
    repo = DynamoOrderRepository(client, "Orders", "EventStore", clock=lambda: NOW, shard=lambda: SHARD)
    # WHEN the change is committed
    [commit] = repo.commit([payment])
    # THEN it succeeds within the call, after CONFLICT_ATTEMPTS tries
    assert commit == Committed()
    assert len(transact_calls) == CONFLICT_ATTEMPTS
    stubber.assert_no_pending_responses()


def test_repository_commit_moves_to_another_counter_shard_after_conflict(
    stubbed: tuple[Any, Stubber], transact_calls: list[dict[str, Any]], payment: Change
) -> None:
    # GIVEN one conflict, and a shard chooser that gives 3 then 11
    client, stubber = stubbed
    cancelled(stubber, "None", "None", "None", "TransactionConflict")
    stubber.add_response("transact_write_items", {})
    shards = iter([3, 11])
    repo = DynamoOrderRepository(client, "Orders", "EventStore", clock=lambda: NOW, shard=lambda: next(shards))
    # WHEN the change is committed
    repo.commit([payment])
    # THEN the retry updates a different counter item
    keys = [call["TransactItems"][3]["Update"]["Key"]["orderId"]["S"] for call in transact_calls]
    assert keys == ["#stats#03", "#stats#11"]


def test_repository_commit_raises_retryable_after_conflict_attempts(
    stubbed: tuple[Any, Stubber], transact_calls: list[dict[str, Any]], payment: Change
) -> None:
    # GIVEN a transaction that conflicts on every attempt
    client, stubber = stubbed
    for _ in range(CONFLICT_ATTEMPTS):
        cancelled(stubber, "TransactionConflict", "None", "None", "None")
    repo = DynamoOrderRepository(client, "Orders", "EventStore", clock=lambda: NOW, shard=lambda: SHARD)
    # WHEN the change is committed
    # THEN it gives up with a transient error, after exactly CONFLICT_ATTEMPTS tries
    [result] = repo.commit([payment])
    assert isinstance(result, Refused)
    assert "contended" in result.reason
    assert len(transact_calls) == CONFLICT_ATTEMPTS


@pytest.mark.parametrize(
    "code", ["ThrottlingException", "ProvisionedThroughputExceededException", "InternalServerError"]
)
def test_repository_commit_turns_throttling_and_service_errors_into_retryable(
    stubbed: tuple[Any, Stubber], transact_calls: list[dict[str, Any]], payment: Change, code: str
) -> None:
    # GIVEN DynamoDB answering the transaction with a throttling or service error
    client, stubber = stubbed
    stubber.add_client_error("transact_write_items", service_error_code=code, http_status_code=400)
    repo = DynamoOrderRepository(client, "Orders", "EventStore", clock=lambda: NOW, shard=lambda: SHARD)
    # WHEN the change is committed
    # THEN the error is transient, named by its code, and not retried in-process
    [result] = repo.commit([payment])
    assert isinstance(result, Failed)
    assert code in str(result.error)
    assert len(transact_calls) == 1


def test_repository_commit_reads_marker_when_cancellation_omits_it(
    stubbed: tuple[Any, Stubber], payment: Change
) -> None:
    # GIVEN a duplicate whose cancellation reasons do not carry the old marker (as on some emulators)
    client, stubber = stubbed
    cancelled(stubber, "ConditionalCheckFailed", "ConditionalCheckFailed", "ConditionalCheckFailed", "None")
    marker_key = {"streamId": {"S": f"event#{EVENT_ID}"}, "version": {"N": "0"}}
    stubber.add_response(
        "get_item",
        {"Item": {**marker_key, "outcome": {"S": "ignored"}, "orderId": {"S": ORDER_ID}, "eventType": {"S": "X"}}},
        expected_params={"TableName": "EventStore", "Key": marker_key, "ConsistentRead": True},
    )
    repo = DynamoOrderRepository(client, "Orders", "EventStore", clock=lambda: NOW, shard=lambda: SHARD)
    # WHEN the change is committed
    [commit] = repo.commit([payment])
    # THEN the marker is read and what it holds returned (a marker of before digests has none)
    assert commit == Duplicate(Recorded(Outcome.IGNORED, ORDER_ID, "X"))


def test_repository_commit_sends_projection_event_marker_and_counter_in_one_transaction(
    stubbed: tuple[Any, Stubber], transact_calls: list[dict[str, Any]], payment: Change
) -> None:
    # GIVEN a PaymentProcessed on a pending order at version 1, read without a createdAt (stored by
    # something else than this processor: its projection is updated in place, not rewritten)
    client, stubber = stubbed
    stubber.add_response("transact_write_items", {})
    repo = DynamoOrderRepository(client, "Orders", "EventStore", clock=lambda: NOW, shard=lambda: SHARD)
    # WHEN it is committed
    repo.commit([payment])
    # THEN one TransactWriteItems carries exactly these four actions
    assert transact_calls == [
        {
            "TransactItems": [
                {
                    "Update": {
                        "TableName": "Orders",
                        "Key": {"orderId": {"S": ORDER_ID}},
                        "UpdateExpression": (
                            "SET #s = :s, version = :v, lastEventId = :e, updatedAt = :u, occurredAt = :o"
                        ),
                        "ConditionExpression": "version = :expected",
                        "ExpressionAttributeNames": {"#s": "status"},
                        "ExpressionAttributeValues": {
                            ":s": {"S": "processing"},
                            ":v": {"N": "2"},
                            ":e": {"S": EVENT_ID},
                            ":u": {"S": NOW},
                            ":o": {"S": OCCURRED_AT},
                            ":expected": {"N": "1"},
                        },
                    }
                },
                {
                    "Put": {
                        "TableName": "EventStore",
                        "Item": {
                            "streamId": {"S": ORDER_ID},
                            "version": {"N": "2"},
                            "eventId": {"S": EVENT_ID},
                            "eventType": {"S": "PaymentProcessed"},
                            "data": {"S": dumps(payment.event.detail)},
                            "recordedAt": {"S": NOW},
                        },
                        "ConditionExpression": "attribute_not_exists(streamId)",
                    }
                },
                {
                    "Put": {
                        "TableName": "EventStore",
                        "Item": {
                            "streamId": {"S": f"event#{EVENT_ID}"},
                            "version": {"N": "0"},
                            "outcome": {"S": "applied"},
                            "orderId": {"S": ORDER_ID},
                            "eventType": {"S": "PaymentProcessed"},
                            "digest": {"S": content_digest(payment.event)},
                            "recordedAt": {"S": NOW},
                            "status": {"S": "processing"},
                            "previousStatus": {"S": "pending"},
                        },
                        "ConditionExpression": "attribute_not_exists(streamId)",
                        "ReturnValuesOnConditionCheckFailure": "ALL_OLD",
                    }
                },
                {
                    "Update": {
                        "TableName": "Orders",
                        "Key": {"orderId": {"S": "#stats#07"}},
                        "UpdateExpression": "ADD #s0 :d0, #s1 :d1",
                        "ExpressionAttributeValues": {":d0": {"N": "-1"}, ":d1": {"N": "1"}},
                        "ExpressionAttributeNames": {"#s0": "pending", "#s1": "processing"},
                    }
                },
            ]
        }
    ]
