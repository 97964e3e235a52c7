"""DynamoOrderRepository on moto: one transaction per change, ignored events, loads and whole projections."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from order_processor.model import Change, Committed, Duplicate, OrderState, Outcome, Recorded, Refused
from order_processor.repository import DynamoOrderRepository
from orders_shared.events import OrderStatus, content_digest, order_status_changed, payment_processed
from tests.unit.processor.processor_support import (
    NOW,
    ORDER_ID,
    OTHER_ORDER_ID,
    SHARD,
    Parse,
    change_of,
    count_transactions,
    pending,
    snapshot,
)


def test_repository_commit_writes_order_projection(dynamodb: Any, created: Change) -> None:
    # GIVEN an OrderCreated committed (fixture)
    # WHEN the Orders item is read
    item = dynamodb.get_item(TableName="Orders", Key={"orderId": {"S": ORDER_ID}})["Item"]
    # THEN it holds the order's status, version, customer, amount and last event
    assert item["status"] == {"S": "pending"}
    assert item["version"] == {"N": "1"}
    assert item["customerId"] == {"S": "cust-42"}
    assert item["amount"] == {"N": "129.99"}
    assert item["lastEventId"] == {"S": created.event.event_id}


def test_repository_commit_appends_event_to_order_stream(dynamodb: Any, created: Change) -> None:
    # GIVEN an OrderCreated committed (fixture)
    # WHEN the order's stream is read
    items = dynamodb.query(
        TableName="EventStore",
        KeyConditionExpression="streamId = :s",
        ExpressionAttributeValues={":s": {"S": ORDER_ID}},
    )["Items"]
    # THEN it holds the event at version 1
    [item] = items
    assert item["version"] == {"N": "1"}
    assert item["eventId"] == {"S": created.event.event_id}
    assert item["eventType"] == {"S": "OrderCreated"}


def test_repository_commit_records_applied_marker(dynamodb: Any, created: Change) -> None:
    # GIVEN an OrderCreated committed (fixture)
    # WHEN its idempotency marker is read
    key = {"streamId": {"S": f"event#{created.event.event_id}"}, "version": {"N": "0"}}
    item = dynamodb.get_item(TableName="EventStore", Key=key)["Item"]
    # THEN it says the event was applied, to which order
    assert item["outcome"] == {"S": "applied"}
    assert item["orderId"] == {"S": ORDER_ID}


def test_repository_commit_counts_status_moves_in_a_stats_shard(
    dynamodb: Any, repo: DynamoOrderRepository, parsed: Parse, created: Change
) -> None:
    # GIVEN a created order (one pending in the shard)
    # WHEN it moves to processing
    repo.commit([change_of(parsed, payment_processed(ORDER_ID, Decimal("129.99")), created.new)])
    # THEN the shard counts it out of pending and into processing
    item = dynamodb.get_item(TableName="Orders", Key={"orderId": {"S": f"#stats#{SHARD:02d}"}})["Item"]
    assert item["pending"] == {"N": "0"}
    assert item["processing"] == {"N": "1"}


def test_repository_commit_adds_revenue_on_completion(
    dynamodb: Any, repo: DynamoOrderRepository, parsed: Parse
) -> None:
    # GIVEN a processing order of 129.99 (committed directly at version 2)
    processing = OrderState(ORDER_ID, OrderStatus.PROCESSING, 2, "cust-42", Decimal("129.99"))
    completed = OrderState(ORDER_ID, OrderStatus.COMPLETED, 3, "cust-42", Decimal("129.99"))
    dynamodb.put_item(TableName="Orders", Item={"orderId": {"S": ORDER_ID}, "version": {"N": "2"}})
    event = parsed(order_status_changed(ORDER_ID, OrderStatus.COMPLETED))
    # WHEN it completes
    repo.commit([Change(event, processing, completed)])
    # THEN its amount is added to the shard's revenue
    item = dynamodb.get_item(TableName="Orders", Key={"orderId": {"S": f"#stats#{SHARD:02d}"}})["Item"]
    assert item["revenue"] == {"N": "129.99"}
    assert item["completed"] == {"N": "1"}


def test_repository_commit_of_same_event_again_is_duplicate(
    repo: DynamoOrderRepository, parsed: Parse, created: Change
) -> None:
    # GIVEN a PaymentProcessed committed once
    change = change_of(parsed, payment_processed(ORDER_ID, Decimal("129.99")), created.new)
    repo.commit([change])
    # WHEN the same change is committed again (a redelivery that read the state before the first commit)
    [commit] = repo.commit([change])
    # THEN the repository reports a duplicate of an applied event, with what its marker recorded
    recorded = Recorded(
        Outcome.APPLIED,
        ORDER_ID,
        "PaymentProcessed",
        content_digest(change.event),
        OrderStatus.PROCESSING,
        OrderStatus.PENDING,
    )
    assert commit == Duplicate(recorded)


def test_repository_commit_of_same_event_again_changes_nothing(
    dynamodb: Any, repo: DynamoOrderRepository, parsed: Parse, created: Change
) -> None:
    # GIVEN a PaymentProcessed committed once
    change = change_of(parsed, payment_processed(ORDER_ID, Decimal("129.99")), created.new)
    repo.commit([change])
    before = snapshot(dynamodb)
    # WHEN it is committed again
    repo.commit([change])
    # THEN no item of either table changed (projection, stream, marker, counters)
    assert snapshot(dynamodb) == before


def test_repository_commit_with_stale_version_raises_retryable_and_writes_nothing(
    dynamodb: Any, repo: DynamoOrderRepository, parsed: Parse, created: Change
) -> None:
    # GIVEN an order at version 1 and a change computed from a stale read at version 5
    # (its stream slot, marker and counters are all free: only the projection check fails)
    event = parsed(payment_processed(ORDER_ID, Decimal("129.99")))
    stale = Change(event, pending(version=5), OrderState(ORDER_ID, OrderStatus.PROCESSING, 6, "cust-42", Decimal(1)))
    before = snapshot(dynamodb)
    # WHEN it is committed
    # THEN it fails as transient, and none of the four writes happened
    [result] = repo.commit([stale])
    assert result == Refused(f"order {ORDER_ID} changed concurrently")
    assert snapshot(dynamodb) == before


def test_repository_record_ignored_writes_ignored_marker_with_reason(
    dynamodb: Any, repo: DynamoOrderRepository, parsed: Parse
) -> None:
    # GIVEN an event that changes nothing
    event = parsed(payment_processed(ORDER_ID, Decimal("129.99")))
    # WHEN it is recorded as ignored
    commit = repo.record_ignored(event, "completed->processing")
    # THEN its marker says ignored, and why
    key = {"streamId": {"S": f"event#{event.event_id}"}, "version": {"N": "0"}}
    item = dynamodb.get_item(TableName="EventStore", Key=key)["Item"]
    assert commit == Committed()
    assert (item["outcome"], item["reason"]) == ({"S": "ignored"}, {"S": "completed->processing"})


def test_repository_record_ignored_twice_is_duplicate_of_ignored(repo: DynamoOrderRepository, parsed: Parse) -> None:
    # GIVEN an event recorded as ignored
    event = parsed(payment_processed(ORDER_ID, Decimal("129.99")))
    repo.record_ignored(event, "completed->processing")
    # WHEN it is recorded again (a redelivery)
    commit = repo.record_ignored(event, "completed->processing")
    # THEN it is a duplicate of an ignored event (which moved nothing)
    recorded = Recorded(Outcome.IGNORED, ORDER_ID, "PaymentProcessed", content_digest(event))
    assert commit == Duplicate(recorded)


def test_repository_record_ignored_after_commit_is_duplicate_of_applied(
    repo: DynamoOrderRepository, created: Change
) -> None:
    # GIVEN an OrderCreated applied; redelivered, it now reads as "AlreadyCreated"
    # WHEN the redelivery is recorded as ignored
    commit = repo.record_ignored(created.event, "AlreadyCreated")
    # THEN the earlier outcome (applied) wins, with the move it made, so the caller can notify again
    recorded = Recorded(
        Outcome.APPLIED, ORDER_ID, "OrderCreated", content_digest(created.event), OrderStatus.PENDING, None
    )
    assert commit == Duplicate(recorded)


def test_repository_load_returns_states_of_existing_orders_only(repo: DynamoOrderRepository, created: Change) -> None:
    # GIVEN one created order (and a counter shard item in the same table)
    # WHEN it and an unknown order are loaded
    states = repo.load([ORDER_ID, OTHER_ORDER_ID])
    # THEN only the existing order comes back, with its state and when it was stored
    assert states == {ORDER_ID: pending(version=1, created_at=NOW)}


def test_repository_load_reads_more_than_one_batch_get(dynamodb: Any, repo: DynamoOrderRepository) -> None:
    # GIVEN 101 orders (BatchGetItem takes 100 keys)
    ids = [f"00000000-0000-4000-8000-{n:012d}" for n in range(101)]
    for order_id in ids:
        dynamodb.put_item(
            TableName="Orders",
            Item={
                "orderId": {"S": order_id},
                "status": {"S": "pending"},
                "version": {"N": "1"},
                "customerId": {"S": "c"},
                "amount": {"N": "1"},
            },
        )
    # WHEN they are loaded
    states = repo.load(ids)
    # THEN every one is found
    assert set(states) == set(ids)


def test_repository_commit_writes_the_projection_whole_conditioned_on_the_version_read(
    dynamodb: Any, repo: DynamoOrderRepository, parsed: Parse, created: Change
) -> None:
    # GIVEN the created order as the repository reads it back, with an attribute of an older shape
    dynamodb.update_item(
        TableName="Orders",
        Key={"orderId": {"S": ORDER_ID}},
        UpdateExpression="SET legacyNote = :n",
        ExpressionAttributeValues={":n": {"S": "from an older version"}},
    )
    state = repo.load([ORDER_ID])[ORDER_ID]
    sizes = count_transactions(dynamodb)
    # WHEN a payment is committed on it
    repo.commit([change_of(parsed, payment_processed(ORDER_ID, Decimal("129.99")), state)])
    # THEN the projection is exactly the new state, its creation time kept, nothing else left over
    item = dynamodb.get_item(TableName="Orders", Key={"orderId": {"S": ORDER_ID}}, ConsistentRead=True)["Item"]
    assert sizes == [4]
    assert set(item) == {
        "orderId",
        "customerId",
        "amount",
        "currency",
        "createdAt",
        "status",
        "version",
        "lastEventId",
        "updatedAt",
        "occurredAt",
    }
    assert (item["status"], item["version"], item["createdAt"]) == ({"S": "processing"}, {"N": "2"}, {"S": NOW})


def test_repository_commit_of_a_stale_whole_projection_writes_nothing(
    dynamodb: Any, repo: DynamoOrderRepository, parsed: Parse, created: Change
) -> None:
    # GIVEN the order read at version 1, then moved to version 2 by another event
    state = repo.load([ORDER_ID])[ORDER_ID]
    repo.commit([change_of(parsed, payment_processed(ORDER_ID, Decimal("129.99")), state)])
    before = snapshot(dynamodb)
    # WHEN a change decided on the stale read is committed
    stale = change_of(parsed, order_status_changed(ORDER_ID, OrderStatus.CANCELLED, reason="r"), state)
    # THEN the version condition refuses the whole transaction
    [result] = repo.commit([stale])
    assert isinstance(result, Refused)
    assert snapshot(dynamodb) == before
