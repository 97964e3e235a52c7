"""DynamoOrderRepository's group commit on moto: a ledger and the events' items, then each order's head."""

from __future__ import annotations

import random
from concurrent.futures import ThreadPoolExecutor
from typing import Any

from botocore.exceptions import ClientError

from order_processor.model import Change, Committed, Duplicate, Failed, Outcome, Recorded, Refused
from order_processor.repository import DynamoOrderRepository
from orders_shared.event_store import head_events, head_ledgers
from orders_shared.events import OrderStatus, content_digest
from orders_shared.ledger import reduce_ledgers
from orders_shared.streams import read_counters
from tests.support.aws import record_requests
from tests.unit.processor.processor_support import (
    NOW,
    ORDER_ID,
    SHARD,
    Parse,
    committed_state,
    new_orders,
    snapshot,
)


def _head(dynamodb: Any, order_id: str) -> dict[str, Any]:
    item: dict[str, Any] = dynamodb.get_item(TableName="Orders", Key={"orderId": {"S": order_id}}, ConsistentRead=True)[
        "Item"
    ]
    return item


def _counts(dynamodb: Any) -> dict[str, int]:
    reduce_ledgers(dynamodb, "EventStore", "Orders", settle_s=0)
    return dict(read_counters(dynamodb, "Orders").counts)


def test_group_commit_writes_a_ledger_the_events_and_the_heads_without_a_transaction(
    dynamodb: Any, parsed: Parse
) -> None:
    # GIVEN ten new orders, and an executor for the commit's concurrent writes
    changes = new_orders(parsed, 10)
    statements = record_requests(dynamodb, "dynamodb.BatchExecuteStatement")
    puts = record_requests(dynamodb, "dynamodb.PutItem")
    updates = record_requests(dynamodb, "dynamodb.UpdateItem")
    transactions = record_requests(dynamodb, "dynamodb.TransactWriteItems")
    with ThreadPoolExecutor(max_workers=4) as executor:
        repo = DynamoOrderRepository(
            dynamodb, "Orders", "EventStore", clock=lambda: NOW, rng=random.Random(SHARD), executor=executor
        )
        # WHEN they are committed together
        results = repo.commit(changes)
    # THEN two requests of 21 statements apply them: one ledger and ten events, then ten heads
    assert results == [Committed()] * 10
    assert [len(request["Statements"]) for request in statements] == [11, 10]
    assert (len(puts), len(updates), len(transactions)) == (0, 0, 0)
    stored = snapshot(dynamodb)
    heads = [item for item in stored["Orders"] if not item["orderId"]["S"].startswith("#")]
    assert len(heads) == 10
    for change in changes:
        head = _head(dynamodb, change.new.order_id)
        assert head_events(head) == [change.event.event_id]
        assert head["version"] == {"N": "1"}
        assert head["status"] == {"S": "pending"}
    events = [item for item in stored["EventStore"] if item["streamId"]["S"].startswith("event#")]
    assert sorted(item["streamId"]["S"] for item in events) == sorted(f"event#{c.event.event_id}" for c in changes)
    assert all(item["outcome"] == {"S": "applied"} and item["position"] == {"N": "1"} for item in events)
    # AND the counters move once the ledger is reduced, by exactly the ten creations
    assert not [item for item in stored["Orders"] if item["orderId"]["S"].startswith("#stats#")]
    assert _counts(dynamodb) == {"pending": 10}
    assert _counts(dynamodb) == {"pending": 10}  # a second reduction adds nothing


def test_group_commit_reports_a_redelivery_and_applies_the_others(
    dynamodb: Any, repo: DynamoOrderRepository, parsed: Parse, created: Change
) -> None:
    # GIVEN a batch holding the already committed creation (a redelivery) between two new orders
    first, last = new_orders(parsed, 2)
    before = _head(dynamodb, ORDER_ID)
    # WHEN they are committed together
    results = repo.commit([first, created, last])
    # THEN the redelivered one is reported a duplicate, with what its item recorded, the others
    # are applied, and its order is untouched
    recorded = Recorded(
        Outcome.APPLIED, ORDER_ID, "OrderCreated", content_digest(created.event), OrderStatus.PENDING, None
    )
    assert results == [Committed(), Duplicate(recorded), Committed()]
    for change in (first, last):
        assert _head(dynamodb, change.new.order_id)["version"] == {"N": "1"}
    assert _head(dynamodb, ORDER_ID) == before
    # AND the counters count each order once: the redelivery's move is in a ledger, not in a head
    assert _counts(dynamodb) == {"pending": 3}


def test_a_change_refused_by_its_head_is_refused_and_never_counted(
    dynamodb: Any, repo: DynamoOrderRepository, parsed: Parse, created: Change
) -> None:
    # GIVEN a creation decided for an order that another event created meanwhile (same id, new event)
    (other,) = new_orders(parsed, 1)
    clash = Change(other.event, None, created.new)  # its head write expects a new order: it is not
    # WHEN it is committed
    [result] = repo.commit([clash])
    # THEN the head refuses it, the order is untouched, and its ledger's move is never counted
    assert result == Refused(f"order {ORDER_ID} changed concurrently")
    assert head_events(_head(dynamodb, ORDER_ID)) == [created.event.event_id]
    assert _counts(dynamodb) == {"pending": 1}


def test_an_uncommitted_claim_is_taken_over_by_the_retry_and_counted_once(
    dynamodb: Any, repo: DynamoOrderRepository, parsed: Parse
) -> None:
    # GIVEN a commit that wrote its ledger and the event's item, then failed before the head
    (change,) = new_orders(parsed, 1)
    original = dynamodb.batch_execute_statement

    def lost(**params: Any) -> Any:
        if params["Statements"][0]["Statement"].startswith('INSERT INTO "Orders"'):  # the head: no answer
            raise ClientError({"Error": {"Code": "InternalServerError"}}, "BatchExecuteStatement")
        return original(**params)

    dynamodb.batch_execute_statement = lost
    [first] = repo.commit([change])
    dynamodb.batch_execute_statement = original
    assert isinstance(first, Failed)
    # WHEN the same event is committed again (its redelivery)
    [second] = repo.commit([change])
    # THEN the retry takes the claim over and commits it: listed once, with the retry's ledger
    assert second == Committed()
    head = _head(dynamodb, change.new.order_id)
    assert head_events(head) == [change.event.event_id]
    item = dynamodb.get_item(
        TableName="EventStore", Key={"streamId": {"S": f"event#{change.event.event_id}"}, "version": {"N": "0"}}
    )["Item"]
    assert head_ledgers(head) == [item["ledger"]["S"]]
    # AND it is counted once, although two ledgers name its move
    assert _counts(dynamodb) == {"pending": 1}
    # AND a third delivery is a duplicate
    [third] = repo.commit([change])
    assert isinstance(third, Duplicate)


def test_a_failed_ledger_commits_nothing(dynamodb: Any, repo: DynamoOrderRepository, parsed: Parse) -> None:
    # GIVEN DynamoDB failing the commit's ledger (written beside the events' items)
    changes = new_orders(parsed, 3)
    before = committed_state(dynamodb)
    original = dynamodb.batch_execute_statement

    def failing(**params: Any) -> Any:
        # The ledger's statement fails alone (not executed); the others run as sent.
        statements = params["Statements"]
        ledgers = [n for n, s in enumerate(statements) if s["Parameters"][0].get("S", "").startswith("#ledger#")]
        answer = original(Statements=[s for n, s in enumerate(statements) if n not in ledgers])
        for n in ledgers:
            answer["Responses"].insert(n, {"Error": {"Code": "InternalServerError", "Message": "injected"}})
        return answer

    dynamodb.batch_execute_statement = failing
    # WHEN three changes are committed together
    results = repo.commit(changes)
    dynamodb.batch_execute_statement = original
    # THEN each gets the transient error, named by its code; no head names the missing ledger, so
    # nothing committed (the items written beside it are uncommitted claims, taken over by the retry)
    assert all(isinstance(result, Failed) and "InternalServerError" in str(result.error) for result in results)
    assert committed_state(dynamodb) == before
    assert repo.commit(changes) == [Committed()] * 3


def test_a_group_larger_than_a_request_is_sent_in_requests_of_25_and_all_of_it_lands(
    dynamodb: Any, parsed: Parse
) -> None:
    # GIVEN thirty new orders (31 statements in the first round, 30 in the second)
    changes = new_orders(parsed, 30)
    statements = record_requests(dynamodb, "dynamodb.BatchExecuteStatement")
    with ThreadPoolExecutor(max_workers=4) as executor:
        repo = DynamoOrderRepository(dynamodb, "Orders", "EventStore", clock=lambda: NOW, executor=executor)
        # WHEN they are committed together
        results = repo.commit(changes)
    # THEN each round is split into requests of at most 25, and every order's head lists its event
    assert results == [Committed()] * 30
    assert sorted(len(request["Statements"]) for request in statements) == [5, 6, 25, 25]
    for change in changes:
        head = _head(dynamodb, change.new.order_id)
        assert head_events(head) == [change.event.event_id]
        assert head["customerId"] == {"S": change.new.customer_id}
        assert head["amount"] == {"N": str(change.new.amount)}
    assert _counts(dynamodb) == {"pending": 30}
