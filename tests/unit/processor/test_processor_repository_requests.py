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


def _answers(*codes: str | None) -> dict[str, Any]:
    """A BatchExecuteStatement answer: per statement, done (None) or failed with the code."""
    return {"Responses": [{} if code is None else {"Error": {"Code": code, "Message": "stubbed"}} for code in codes]}


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


def _inserted(statement: dict[str, Any]) -> tuple[str, dict[str, Any]]:
    """The table and the item of an INSERT statement, read back from its text and parameters."""
    text = statement["Statement"]
    assert text.startswith('INSERT INTO "'), text
    table = text.split('"')[1]
    names = [field.split("'")[1] for field in text[text.index("{") + 1 : text.rindex("}")].split(", ")]
    assert text.endswith("{" + ", ".join(f"'{name}': ?" for name in names) + "}")
    return table, dict(zip(names, statement["Parameters"], strict=True))


def test_a_commit_sends_its_ledger_and_event_in_one_request_then_the_head_and_nothing_else(
    stubbed: tuple[Any, Stubber], payment: Change
) -> None:
    # GIVEN a PaymentProcessed on a pending order at version 1, read without a createdAt (stored by
    # something else than this processor: only the moving attributes of its projection are set)
    client, stubber = stubbed
    requests = record_requests(client, "dynamodb.BatchExecuteStatement")
    stubber.add_response("batch_execute_statement", _answers(None, None))
    stubber.add_response("batch_execute_statement", _answers(None))
    # WHEN it is committed
    [result] = _repo(client).commit([payment])
    # THEN two requests carry it: the ledger and the event's item (two INSERTs), then the head (the commit)
    assert result == Committed()
    first, second = requests
    ledger = _ledger()
    (table, ledger_item), (events_table, event_item) = (_inserted(s) for s in first["Statements"])
    assert (table, events_table) == ("EventStore", "EventStore")
    assert ledger_item["streamId"] == {"S": f"#ledger#{ledger.shard:02d}"}
    assert ledger_item["version"] == {"N": str(ledger.sequence)}
    assert ledger_item["moves"] == {"S": f'[["{ORDER_ID}",2,"pending","processing"]]'}
    assert event_item == {
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
    }
    (head,) = second["Statements"]
    assert head == {
        "Statement": 'UPDATE "Orders" SET "version" = ? SET "events"[1] = ? SET "ledgers"[1] = ? '
        'SET "lastEventId" = ? SET "occurredAt" = ? SET "status" = ? SET "updatedAt" = ? '
        'WHERE "orderId" = ? AND "version" = ?',
        "Parameters": [
            {"N": "2"},
            {"S": EVENT_ID},
            {"S": ledger.id},
            {"S": EVENT_ID},
            {"S": OCCURRED_AT},
            {"S": "processing"},
            {"S": NOW},
            {"S": ORDER_ID},
            {"N": "1"},
        ],
    }
    stubber.assert_no_pending_responses()


@pytest.mark.parametrize("code", ["ProvisionedThroughputExceeded", "InternalServerError"])
def test_a_failed_head_statement_is_a_transient_failure_naming_the_code(
    stubbed: tuple[Any, Stubber], payment: Change, code: str
) -> None:
    client, stubber = stubbed
    stubber.add_response("batch_execute_statement", _answers(None, None))
    stubber.add_response("batch_execute_statement", _answers(code))
    [result] = _repo(client).commit([payment])
    assert isinstance(result, Failed)
    assert str(result.error) == f"committing order {ORDER_ID}: {code}"


def test_a_failed_request_fails_each_of_its_statements_naming_the_code(
    stubbed: tuple[Any, Stubber], payment: Change
) -> None:
    # GIVEN a head request refused whole (throttled)
    client, stubber = stubbed
    stubber.add_response("batch_execute_statement", _answers(None, None))
    stubber.add_client_error("batch_execute_statement", service_error_code="ThrottlingException")
    # WHEN the change is committed THEN it fails, retryable, naming the request's code
    [result] = _repo(client).commit([payment])
    assert isinstance(result, Failed)
    assert str(result.error) == f"committing order {ORDER_ID}: ThrottlingException"


def test_an_answer_that_does_not_match_the_statements_fails_them_all(
    stubbed: tuple[Any, Stubber], payment: Change
) -> None:
    # GIVEN an answer with fewer entries than statements sent (nothing in it can be trusted)
    client, stubber = stubbed
    stubber.add_response("batch_execute_statement", _answers(None))
    # WHEN the change is committed THEN it fails, retryable, and no head is written
    [result] = _repo(client).commit([payment])
    assert isinstance(result, Failed)
    assert str(result.error) == "writing the commit's ledger: IncompleteBatchAnswer"
    stubber.assert_no_pending_responses()


def test_a_head_that_moved_refuses_the_change(stubbed: tuple[Any, Stubber], payment: Change) -> None:
    client, stubber = stubbed
    stubber.add_response("batch_execute_statement", _answers(None, None))
    stubber.add_response("batch_execute_statement", _answers("ConditionalCheckFailed"))
    assert _repo(client).commit([payment]) == [Refused(f"order {ORDER_ID} changed concurrently")]


def test_a_taken_ledger_sequence_fails_the_commit_before_any_head(
    stubbed: tuple[Any, Stubber], payment: Change
) -> None:
    # GIVEN another commit that took the same ledger sequence in the same microsecond
    client, stubber = stubbed
    requests = record_requests(client, "dynamodb.BatchExecuteStatement")
    stubber.add_response("batch_execute_statement", _answers("DuplicateItem", None))
    # WHEN the change is committed
    [result] = _repo(client).commit([payment])
    # THEN it fails, to be retried, and no head was written (none may name another commit's ledger)
    assert isinstance(result, Failed)
    assert str(result.error) == f"ledger {_ledger().id} was taken by another commit"
    assert len(requests) == 1
    stubber.assert_no_pending_responses()


def test_a_claim_throttled_alone_fails_only_its_change(stubbed: tuple[Any, Stubber], payment: Change) -> None:
    client, stubber = stubbed
    stubber.add_response("batch_execute_statement", _answers(None, "ThrottlingError"))
    [result] = _repo(client).commit([payment])
    assert isinstance(result, Failed)
    assert str(result.error) == "claiming the event id: ThrottlingError"
    stubber.assert_no_pending_responses()


def test_a_taken_id_is_read_back_to_tell_what_it_holds(stubbed: tuple[Any, Stubber], payment: Change) -> None:
    # GIVEN an id recorded before (an INSERT refused with DuplicateItem carries no item)
    client, stubber = stubbed
    stubber.add_response("batch_execute_statement", _answers(None, "DuplicateItem"))
    stubber.add_response(
        "get_item",
        {"Item": {**EVENT_KEY, "outcome": {"S": "ignored"}, "orderId": {"S": ORDER_ID}, "eventType": {"S": "X"}}},
        expected_params={"TableName": "EventStore", "Key": EVENT_KEY, "ConsistentRead": True},
    )
    # WHEN the change is committed
    [result] = _repo(client).commit([payment])
    # THEN the item is read and what it holds returned (an item of before digests has none)
    assert result == Duplicate(Recorded(Outcome.IGNORED, ORDER_ID, "X"))
    stubber.assert_no_pending_responses()


def test_the_same_event_committed_before_is_a_duplicate(stubbed: tuple[Any, Stubber], payment: Change) -> None:
    # GIVEN the event's item, and its order's head listing it
    client, stubber = stubbed
    stubber.add_response("batch_execute_statement", _answers(None, "DuplicateItem"))
    stubber.add_response("get_item", {"Item": _applied_item(payment, "03:1")})
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
    stubber.add_response("batch_execute_statement", _answers(None, "DuplicateItem"))
    stubber.add_response("get_item", {"Item": _applied_item(payment, "03:1")})
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
    stubber.assert_no_pending_responses()


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
