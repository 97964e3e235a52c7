"""DynamoOrderRepository on moto: commits (events, heads, ledgers), ignored events, loads and projections."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from order_processor.model import Change, Committed, Duplicate, OrderState, Outcome, Recorded, Refused
from order_processor.repository import DynamoOrderRepository
from orders_shared.event_store import EventStore
from orders_shared.events import OrderStatus, content_digest, order_created, order_status_changed, payment_processed
from orders_shared.ledger import reduce_ledgers
from orders_shared.streams import read_counters
from tests.unit.processor.processor_support import (
    NOW,
    ORDER_ID,
    OTHER_ORDER_ID,
    Parse,
    change_of,
    committed_state,
    pending,
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
    [event] = EventStore(dynamodb, "EventStore", heads_table="Orders").get_events(ORDER_ID)
    # THEN it holds the event at version 1, as received
    assert (event.version, event.event_id, event.event_type) == (1, created.event.event_id, "OrderCreated")
    assert event.data == created.event.detail


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
    # THEN the counters, once its ledger is reduced, count it out of pending and into processing
    reduce_ledgers(dynamodb, "EventStore", "Orders", settle_s=0)
    assert read_counters(dynamodb, "Orders").counts == {"pending": 0, "processing": 1}


def test_repository_commit_adds_revenue_on_completion(
    dynamodb: Any, repo: DynamoOrderRepository, parsed: Parse
) -> None:
    # GIVEN a processing order of 129.99
    repo.commit([change_of(parsed, order_created(ORDER_ID, "cust-42", Decimal("129.99")), None)])
    paid = change_of(parsed, payment_processed(ORDER_ID, Decimal("129.99")), repo.load([ORDER_ID])[ORDER_ID])
    repo.commit([paid])
    # WHEN it completes
    repo.commit([change_of(parsed, order_status_changed(ORDER_ID, OrderStatus.COMPLETED), paid.new)])
    # THEN, its ledgers reduced, its amount is in the revenue and the order counted as completed
    reduce_ledgers(dynamodb, "EventStore", "Orders", settle_s=0)
    totals = read_counters(dynamodb, "Orders")
    assert totals.revenues == {"revenue": Decimal("129.99")}
    assert totals.counts == {"completed": 1, "pending": 0, "processing": 0}


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
    before = committed_state(dynamodb)
    # WHEN it is committed again
    repo.commit([change])
    # THEN nothing a reader sees changed (heads and projection, streams, event items, counters)
    assert committed_state(dynamodb) == before


def test_repository_commit_with_stale_version_is_refused_and_changes_no_stream(
    dynamodb: Any, repo: DynamoOrderRepository, parsed: Parse, created: Change
) -> None:
    # GIVEN an order at version 1 and a change computed from a stale read at version 5
    event = parsed(payment_processed(ORDER_ID, Decimal("129.99")))
    stale = Change(event, pending(version=5), OrderState(ORDER_ID, OrderStatus.PROCESSING, 6, "cust-42", Decimal(1)))
    before = committed_state(dynamodb)
    # WHEN it is committed
    # THEN the head refuses it, and no head, stream or counter moved (its item is an uncommitted
    # claim, which its retry takes over)
    [result] = repo.commit([stale])
    assert result == Refused(f"order {ORDER_ID} changed concurrently")
    assert committed_state(dynamodb) == before


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


def test_repository_commit_writes_every_projection_attribute_conditioned_on_the_version_read(
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
    # WHEN a payment is committed on it
    repo.commit([change_of(parsed, payment_processed(ORDER_ID, Decimal("129.99")), state)])
    # THEN the head holds the new state, its creation time kept, and its stream; an attribute the
    # processor does not write is left as it was (an UpdateItem), for the audit to report as drift
    item = dynamodb.get_item(TableName="Orders", Key={"orderId": {"S": ORDER_ID}}, ConsistentRead=True)["Item"]
    assert set(item) == {
        "legacyNote",
        "events",
        "ledgers",
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


def test_repository_commit_of_a_stale_projection_changes_no_stream(
    dynamodb: Any, repo: DynamoOrderRepository, parsed: Parse, created: Change
) -> None:
    # GIVEN the order read at version 1, then moved to version 2 by another event
    state = repo.load([ORDER_ID])[ORDER_ID]
    repo.commit([change_of(parsed, payment_processed(ORDER_ID, Decimal("129.99")), state)])
    before = committed_state(dynamodb)
    # WHEN a change decided on the stale read is committed
    stale = change_of(parsed, order_status_changed(ORDER_ID, OrderStatus.CANCELLED, reason="r"), state)
    # THEN the version condition refuses it: no head, stream or counter moves
    [result] = repo.commit([stale])
    assert isinstance(result, Refused)
    assert committed_state(dynamodb) == before
