"""DynamoOrderRepository with Stubber: the exact requests of a commit, and how it reads what DynamoDB answers."""

from __future__ import annotations

import random
from typing import Any

import pytest
from botocore.exceptions import ClientError
from botocore.stub import Stubber

from order_processor.items import STATE_NAMES, STATE_PROJECTION
from order_processor.model import Change, Committed, Duplicate, Failed, Outcome, Recorded, Refused
from order_processor.repository import DynamoOrderRepository
from orders_shared.errors import RetryableError
from orders_shared.events import content_digest, dumps
from orders_shared.ledger import Ledger
from tests.support.aws import record_requests
from tests.unit.processor.processor_support import EVENT_ID, NOW, OCCURRED_AT, ORDER_ID, OTHER_ORDER_ID, SHARD

WALL = 1_764_151_205.25  # the ledger's clock (NOW, in seconds since the epoch)
EVENT_KEY = {"streamId": {"S": f"event#{EVENT_ID}"}, "version": {"N": "0"}}


def _repo(client: Any) -> DynamoOrderRepository:
    return DynamoOrderRepository(
        client, "Orders", "EventStore", clock=lambda: NOW, wall=lambda: WALL, rng=random.Random(SHARD)
    )


def _ledger() -> Ledger:
    return Ledger.new(WALL, random.Random(SHARD))


def _claim_refused(stubber: Stubber, item: dict[str, Any] | None) -> None:
    stubber.add_client_error(
        "put_item",
        service_error_code="ConditionalCheckFailedException",
        http_status_code=400,
        response_meta={} if item is None else None,
        modeled_fields={"Item": item} if item is not None else None,
    )


def _applied_item(payment: Change, ledger: str) -> dict[str, Any]:
    return {
        **EVENT_KEY,
        "outcome": {"S": "applied"},
        "orderId": {"S": ORDER_ID},
        "eventType": {"S": "PaymentProcessed"},
        "digest": {"S": content_digest(payment.event)},
        "status": {"S": "processing"},
        "previousStatus": {"S": "pending"},
        "ledger": {"S": ledger},
    }


def test_a_commit_sends_its_ledger_the_event_and_the_head_and_nothing_else(
    stubbed: tuple[Any, Stubber], payment: Change
) -> None:
    # GIVEN a PaymentProcessed on a pending order at version 1, read without a createdAt (stored by
    # something else than this processor: only the moving attributes of its projection are set)
    client, stubber = stubbed
    puts, updates = record_requests(client, "dynamodb.PutItem"), record_requests(client, "dynamodb.UpdateItem")
    for operation in ("put_item", "put_item", "update_item"):
        stubber.add_response(operation, {})
    # WHEN it is committed
    [result] = _repo(client).commit([payment])
    # THEN three plain writes carry it: the ledger, the event's item, the head (the commit)
    assert result == Committed()
    ledger = _ledger()
    assert puts[0]["Item"]["streamId"] == {"S": f"#ledger#{ledger.shard:02d}"}
    assert puts[0]["Item"]["version"] == {"N": str(ledger.sequence)}
    assert puts[0]["Item"]["moves"] == {"S": f'[["{ORDER_ID}",2,"pending","processing"]]'}
    assert puts[0]["ConditionExpression"] == "attribute_not_exists(streamId)"
    assert puts[1] == {
        "TableName": "EventStore",
        "Item": {
            **EVENT_KEY,
            "orderId": {"S": ORDER_ID},
            "position": {"N": "2"},
            "eventType": {"S": "PaymentProcessed"},
            "data": {"S": dumps(payment.event.detail)},
            "recordedAt": {"S": NOW},
            "ledger": {"S": ledger.id},
            "outcome": {"S": "applied"},
            "digest": {"S": content_digest(payment.event)},
            "status": {"S": "processing"},
            "previousStatus": {"S": "pending"},
        },
        "ConditionExpression": "attribute_not_exists(streamId)",
        "ReturnValuesOnConditionCheckFailure": "ALL_OLD",
    }
    (head,) = updates
    assert head["Key"] == {"orderId": {"S": ORDER_ID}}
    assert head["ConditionExpression"] == "#version = :expected"
    values, names = head["ExpressionAttributeValues"], head["ExpressionAttributeNames"]
    assert values[":expected"] == {"N": "1"}
    assert values[":version"] == {"N": "2"}
    assert values[":ids"] == {"L": [{"S": EVENT_ID}]}
    assert values[":ledgers"] == {"L": [{"S": ledger.id}]}
    state = {names[f"#a{n}"]: values[f":a{n}"] for n in range(10) if f"#a{n}" in names}
    assert state == {
        "status": {"S": "processing"},
        "lastEventId": {"S": EVENT_ID},
        "updatedAt": {"S": NOW},
        "occurredAt": {"S": OCCURRED_AT},
    }
    stubber.assert_no_pending_responses()


@pytest.mark.parametrize("code", ["ProvisionedThroughputExceededException", "InternalServerError"])
def test_a_failed_head_write_is_a_transient_failure_naming_the_code(
    stubbed: tuple[Any, Stubber], payment: Change, code: str
) -> None:
    client, stubber = stubbed
    stubber.add_response("put_item", {})
    stubber.add_response("put_item", {})
    stubber.add_client_error("update_item", service_error_code=code, http_status_code=400)
    [result] = _repo(client).commit([payment])
    assert isinstance(result, Failed)
    assert code in str(result.error)


def test_a_head_that_moved_refuses_the_change(stubbed: tuple[Any, Stubber], payment: Change) -> None:
    client, stubber = stubbed
    stubber.add_response("put_item", {})
    stubber.add_response("put_item", {})
    stubber.add_client_error("update_item", service_error_code="ConditionalCheckFailedException", http_status_code=400)
    assert _repo(client).commit([payment]) == [Refused(f"order {ORDER_ID} changed concurrently")]


def test_a_taken_ledger_sequence_fails_the_commit_before_any_head(
    stubbed: tuple[Any, Stubber], payment: Change
) -> None:
    # GIVEN another commit that took the same ledger sequence in the same microsecond
    client, stubber = stubbed
    updates = record_requests(client, "dynamodb.UpdateItem")
    stubber.add_client_error("put_item", service_error_code="ConditionalCheckFailedException", http_status_code=400)
    stubber.add_response("put_item", {})
    # WHEN the change is committed
    [result] = _repo(client).commit([payment])
    # THEN it fails, to be retried, and no head was written (none may name another commit's ledger)
    assert isinstance(result, Failed)
    assert "was taken by another commit" in str(result.error)
    assert updates == []


def test_the_item_is_read_back_when_the_refusal_omits_it(stubbed: tuple[Any, Stubber], payment: Change) -> None:
    # GIVEN an id recorded before, whose refusal does not carry the old item (as on some emulators)
    client, stubber = stubbed
    stubber.add_response("put_item", {})
    _claim_refused(stubber, None)
    stubber.add_response(
        "get_item",
        {"Item": {**EVENT_KEY, "outcome": {"S": "ignored"}, "orderId": {"S": ORDER_ID}, "eventType": {"S": "X"}}},
        expected_params={"TableName": "EventStore", "Key": EVENT_KEY, "ConsistentRead": True},
    )
    # WHEN the change is committed
    [result] = _repo(client).commit([payment])
    # THEN the item is read and what it holds returned (an item of before digests has none)
    assert result == Duplicate(Recorded(Outcome.IGNORED, ORDER_ID, "X"))


def test_the_same_event_committed_before_is_a_duplicate(stubbed: tuple[Any, Stubber], payment: Change) -> None:
    # GIVEN the event's item, and its order's head listing it
    client, stubber = stubbed
    stubber.add_response("put_item", {})
    _claim_refused(stubber, _applied_item(payment, "03:1"))
    stubber.add_response("get_item", {"Item": {"events": {"L": [{"S": "e-1"}, {"S": EVENT_ID}]}}})
    # WHEN it is committed again
    [result] = _repo(client).commit([payment])
    # THEN it is a duplicate, with the move its item recorded, and nothing more is written
    expected = Recorded(
        Outcome.APPLIED,
        ORDER_ID,
        "PaymentProcessed",
        content_digest(payment.event),
        payment.new.status,
        payment.previous.status if payment.previous else None,
    )
    assert result == Duplicate(expected)
    stubber.assert_no_pending_responses()


def test_an_uncommitted_claim_is_taken_over_in_one_transaction_with_the_head(
    stubbed: tuple[Any, Stubber], payment: Change
) -> None:
    # GIVEN the event's item written by an attempt whose head write never happened
    client, stubber = stubbed
    transactions = record_requests(client, "dynamodb.TransactWriteItems")
    stubber.add_response("put_item", {})
    _claim_refused(stubber, _applied_item(payment, "03:1"))
    stubber.add_response("get_item", {"Item": {"events": {"L": [{"S": "e-1"}]}}})
    stubber.add_response("transact_write_items", {})
    # WHEN it is committed again
    assert _repo(client).commit([payment]) == [Committed()]
    # THEN the item is rewritten only if its ledger is still the one read, together with the head
    (call,) = transactions
    claim, head = call["TransactItems"]
    assert claim["Put"]["ConditionExpression"] == "#ledger = :seen"
    assert claim["Put"]["ExpressionAttributeValues"] == {":seen": {"S": "03:1"}}
    assert claim["Put"]["Item"]["ledger"] == {"S": _ledger().id}
    assert head["Update"]["ConditionExpression"] == "#version = :expected"


# --- load: one consistent BatchGetItem, throttled keys asked for again after a jitter ------------------

STATE_REQUEST = {
    "ConsistentRead": True,
    "ProjectionExpression": STATE_PROJECTION,
    "ExpressionAttributeNames": STATE_NAMES,
}


def _state_item(order_id: str) -> dict[str, Any]:
    return {
        "orderId": {"S": order_id},
        "status": {"S": "pending"},
        "version": {"N": "1"},
        "customerId": {"S": "cust-42"},
        "amount": {"N": "129.99"},
        "createdAt": {"S": NOW},
    }


def _loading_repo(client: Any, sleeps: list[float]) -> DynamoOrderRepository:
    return DynamoOrderRepository(client, "Orders", "EventStore", sleep=sleeps.append, jitter=lambda: 0.5)


def test_repository_load_asks_again_for_unprocessed_keys_after_a_jitter(stubbed: tuple[Any, Stubber]) -> None:
    # GIVEN a BatchGetItem that answers one order and leaves the other unprocessed, then answers it
    client, stubber = stubbed
    requests = record_requests(client, "dynamodb.BatchGetItem")
    keys = [{"orderId": {"S": ORDER_ID}}, {"orderId": {"S": OTHER_ORDER_ID}}]
    left = {"Orders": {"Keys": [keys[1]], **STATE_REQUEST}}
    stubber.add_response("batch_get_item", {"Responses": {"Orders": [_state_item(ORDER_ID)]}, "UnprocessedKeys": left})
    stubber.add_response("batch_get_item", {"Responses": {"Orders": [_state_item(OTHER_ORDER_ID)]}})
    sleeps: list[float] = []
    # WHEN both are loaded
    states = _loading_repo(client, sleeps).load([ORDER_ID, OTHER_ORDER_ID])
    # THEN both come back; the second call asked for the unprocessed key alone, after one jitter of the 10 ms
    assert set(states) == {ORDER_ID, OTHER_ORDER_ID}
    assert requests == [{"RequestItems": {"Orders": {"Keys": keys, **STATE_REQUEST}}}, {"RequestItems": left}]
    assert sleeps == [0.005]
    stubber.assert_no_pending_responses()


def test_repository_load_with_keys_unprocessed_after_four_tries_is_retryable(stubbed: tuple[Any, Stubber]) -> None:
    # GIVEN a BatchGetItem that leaves the key unprocessed on every call
    client, stubber = stubbed
    requests = record_requests(client, "dynamodb.BatchGetItem")
    left = {"Orders": {"Keys": [{"orderId": {"S": ORDER_ID}}], **STATE_REQUEST}}
    for _ in range(4):
        stubber.add_response("batch_get_item", {"Responses": {"Orders": []}, "UnprocessedKeys": left})
    sleeps: list[float] = []
    # WHEN the order is loaded THEN the load fails, retryable, after four calls each followed by a jitter
    with pytest.raises(RetryableError) as raised:
        _loading_repo(client, sleeps).load([ORDER_ID])
    assert str(raised.value) == "reading order states: keys left unprocessed"
    assert len(requests) == 4
    assert sleeps == [0.005] * 4
    stubber.assert_no_pending_responses()


def test_repository_load_refused_is_retryable_naming_the_code(stubbed: tuple[Any, Stubber]) -> None:
    # GIVEN a BatchGetItem refused for throughput
    client, stubber = stubbed
    stubber.add_client_error("batch_get_item", service_error_code="ProvisionedThroughputExceededException")
    # WHEN an order is loaded THEN the load fails, retryable, naming the code, raised from the refusal
    with pytest.raises(RetryableError) as raised:
        _loading_repo(client, []).load([ORDER_ID])
    assert str(raised.value) == "reading order states: ProvisionedThroughputExceededException"
    assert isinstance(raised.value.__cause__, ClientError)
