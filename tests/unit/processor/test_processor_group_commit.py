"""DynamoOrderRepository's group commit: several orders in as few transactions as possible."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from typing import Any

import pytest
from botocore.stub import Stubber

from order_processor.model import Change, Committed, Duplicate, Failed, Outcome, Recorded, Refused
from order_processor.repository import GROUP_ORDERS, DynamoOrderRepository
from orders_shared.events import OrderStatus, content_digest
from tests.unit.processor.processor_support import (
    NOW,
    ORDER_ID,
    SHARD,
    Parse,
    cancelled,
    count_transactions,
    new_orders,
    snapshot,
)


def test_group_commit_applies_a_batch_of_orders_in_one_transaction(
    dynamodb: Any, repo: DynamoOrderRepository, parsed: Parse
) -> None:
    # GIVEN ten new orders
    changes = new_orders(parsed, 10)
    sizes = count_transactions(dynamodb)
    # WHEN they are committed together
    results = repo.commit(changes)
    # THEN one transaction applies them all: 3 actions an order and one counter update for the batch
    assert results == [Committed()] * 10
    assert sizes == [31]
    stored = snapshot(dynamodb)
    assert len([item for item in stored["Orders"] if not item["orderId"]["S"].startswith("#")]) == 10
    assert len(stored["EventStore"]) == 20  # the events and their markers
    shard = dynamodb.get_item(TableName="Orders", Key={"orderId": {"S": f"#stats#{SHARD:02d}"}})["Item"]
    assert shard["pending"] == {"N": "10"}


def test_group_commit_splits_at_the_transaction_limit(dynamodb: Any, parsed: Parse) -> None:
    # GIVEN one order more than a transaction holds, and an executor for the transactions
    changes = new_orders(parsed, GROUP_ORDERS + 1)
    sizes = count_transactions(dynamodb)
    with ThreadPoolExecutor(max_workers=2) as executor:
        repo = DynamoOrderRepository(
            dynamodb, "Orders", "EventStore", clock=lambda: NOW, shard=lambda: SHARD, executor=executor
        )
        # WHEN they are committed together
        results = repo.commit(changes)
    # THEN two transactions, each within the 100-action limit, apply every one of them
    assert results == [Committed()] * (GROUP_ORDERS + 1)
    assert sorted(sizes) == [4, 3 * GROUP_ORDERS + 1]
    assert max(sizes) <= 100


def test_group_commit_leaves_out_a_refused_change_and_applies_the_others(
    dynamodb: Any, repo: DynamoOrderRepository, parsed: Parse, created: Change
) -> None:
    # GIVEN a batch holding the already committed creation (a redelivery) between two new orders
    first, last = new_orders(parsed, 2)
    before = dynamodb.get_item(TableName="Orders", Key={"orderId": {"S": ORDER_ID}}, ConsistentRead=True)["Item"]
    # WHEN they are committed together
    results = repo.commit([first, created, last])
    # THEN the redelivered one is reported a duplicate, with what its marker recorded, the others
    # are applied, and the refused order is untouched
    recorded = Recorded(
        Outcome.APPLIED, ORDER_ID, "OrderCreated", content_digest(created.event), OrderStatus.PENDING, None
    )
    assert results == [Committed(), Duplicate(recorded), Committed()]
    for change in (first, last):
        key = {"orderId": {"S": change.new.order_id}}
        assert dynamodb.get_item(TableName="Orders", Key=key, ConsistentRead=True)["Item"]["version"] == {"N": "1"}
    assert (
        dynamodb.get_item(TableName="Orders", Key={"orderId": {"S": ORDER_ID}}, ConsistentRead=True)["Item"] == before
    )


def test_group_commit_sums_the_counter_moves_into_one_shard_update(
    stubbed: tuple[Any, Stubber], transact_calls: list[dict[str, Any]], parsed: Parse, payment: Change
) -> None:
    # GIVEN two creations and one payment (pending -> processing) in one batch
    client, stubber = stubbed
    stubber.add_response("transact_write_items", {})
    repo = DynamoOrderRepository(client, "Orders", "EventStore", clock=lambda: NOW, shard=lambda: SHARD)
    # WHEN they are committed together
    repo.commit([*new_orders(parsed, 2), payment])
    # THEN the last action moves the counters once: pending +2 -1, processing +1
    (call,) = transact_calls
    counters = call["TransactItems"][-1]["Update"]
    assert counters["Key"] == {"orderId": {"S": f"#stats#{SHARD:02d}"}}
    moves = {
        counters["ExpressionAttributeNames"][name]: counters["ExpressionAttributeValues"][value]["N"]
        for name, value in (part.split() for part in counters["UpdateExpression"].removeprefix("ADD ").split(", "))
    }
    assert moves == {"pending": "1", "processing": "1"}


@pytest.mark.parametrize("code", ["ThrottlingException", "InternalServerError"])
def test_group_commit_reports_a_transient_error_for_every_change(
    stubbed: tuple[Any, Stubber], parsed: Parse, code: str
) -> None:
    # GIVEN DynamoDB throttling (or failing) the group's transaction
    client, stubber = stubbed
    stubber.add_client_error("transact_write_items", service_error_code=code, http_status_code=400)
    repo = DynamoOrderRepository(client, "Orders", "EventStore", clock=lambda: NOW, shard=lambda: SHARD)
    # WHEN three changes are committed together
    results = repo.commit(new_orders(parsed, 3))
    # THEN each gets the transient error, named by its code, to be retried by SQS
    assert [type(result) for result in results] == [Failed] * 3
    assert all(isinstance(result, Failed) and code in str(result.error) for result in results)


def test_group_commit_leaves_every_change_undecided_on_a_validation_error(
    stubbed: tuple[Any, Stubber], parsed: Parse
) -> None:
    # GIVEN DynamoDB refusing the group's request as a whole
    client, stubber = stubbed
    stubber.add_client_error("transact_write_items", service_error_code="ValidationException", http_status_code=400)
    repo = DynamoOrderRepository(client, "Orders", "EventStore", clock=lambda: NOW, shard=lambda: SHARD)
    # WHEN three changes are committed together
    # THEN none is decided: each is committed alone by the caller, so only the bad one fails
    assert repo.commit(new_orders(parsed, 3)) == [Refused("group refused as invalid: each change alone")] * 3


def test_group_commit_retries_a_conflict_and_then_applies(
    stubbed: tuple[Any, Stubber], transact_calls: list[dict[str, Any]], parsed: Parse
) -> None:
    # GIVEN a group transaction cancelled once by a conflict on the counter shard
    client, stubber = stubbed
    cancelled(stubber, *["None"] * 6, "TransactionConflict")
    stubber.add_response("transact_write_items", {})
    repo = DynamoOrderRepository(
        client, "Orders", "EventStore", clock=lambda: NOW, shard=lambda: SHARD, sleep=lambda _: None
    )
    # WHEN two changes are committed together
    results = repo.commit(new_orders(parsed, 2))
    # THEN the same group goes out again and both are applied
    assert results == [Committed()] * 2
    assert [len(call["TransactItems"]) for call in transact_calls] == [7, 7]
