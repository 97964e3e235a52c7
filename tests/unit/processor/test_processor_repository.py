"""DynamoOrderRepository: one transaction per change and group commits, on moto; retries and requests, with Stubber."""

from __future__ import annotations

import copy
import uuid
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from decimal import Decimal
from typing import Any

import boto3
import pytest
from botocore.stub import Stubber

from order_processor.decision import decide
from order_processor.model import Change, Committed, Duplicate, Failed, OrderState, Outcome, Recorded, Refused
from order_processor.repository import CONFLICT_ATTEMPTS, GROUP_ORDERS, DynamoOrderRepository
from orders_shared.events import (
    NewEvent,
    OrderEvent,
    OrderStatus,
    content_digest,
    dumps,
    order_created,
    order_status_changed,
    payment_processed,
)

Parse = Callable[[NewEvent], OrderEvent]
ORDER_ID = "6f1c2b7e-3d4a-4f5b-8c9d-0e1f2a3b4c5d"
OTHER_ORDER_ID = "0b7a6c5d-4e3f-4a2b-9c1d-8e7f6a5b4c3d"
EVENT_ID = "c3d2e1f0-a9b8-4c7d-8e6f-5a4b3c2d1e0f"
NOW = "2026-11-26T10:00:05.000Z"
OCCURRED_AT = "2026-11-26T10:00:00.123Z"
SHARD = 7


def change_of(parsed: Parse, event: NewEvent, state: OrderState | None) -> Change:
    decision = decide(parsed(event), state)
    assert isinstance(decision, Change)
    return decision


def pending(version: int = 1, created_at: str | None = None) -> OrderState:
    return OrderState(ORDER_ID, OrderStatus.PENDING, version, "cust-42", Decimal("129.99"), created_at)


def snapshot(client: Any) -> dict[str, list[dict[str, Any]]]:
    """Every item of both tables, sorted, to compare before and after."""
    return {
        table: sorted(client.scan(TableName=table, ConsistentRead=True)["Items"], key=repr)
        for table in ("Orders", "EventStore")
    }


@pytest.fixture
def repo(dynamodb: Any) -> DynamoOrderRepository:
    return DynamoOrderRepository(dynamodb, "Orders", "EventStore", clock=lambda: NOW, shard=lambda: SHARD)


@pytest.fixture
def created(repo: DynamoOrderRepository, parsed: Parse) -> Change:
    """An order created through the repository (pending, version 1)."""
    change = change_of(parsed, order_created(ORDER_ID, "cust-42", Decimal("129.99")), None)
    repo.commit([change])
    return change


# --- the transaction on moto -------------------------------------------------------------------


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


# --- retries and the exact request, with Stubber -------------------------------------------------


@pytest.fixture
def stubbed() -> Iterator[tuple[Any, Stubber]]:
    client = boto3.client("dynamodb", region_name="us-east-1")
    with Stubber(client) as stubber:
        yield client, stubber


@pytest.fixture
def transact_calls(stubbed: tuple[Any, Stubber]) -> list[dict[str, Any]]:
    """Every TransactWriteItems request, recorded before the Stubber answers it.

    The Stubber's own assertion errors are botocore errors, which the repository turns into
    RetryableError; recording the requests lets the tests assert on them directly.
    """
    calls: list[dict[str, Any]] = []
    client, _ = stubbed
    client.meta.events.register(
        "provide-client-params.dynamodb.TransactWriteItems", lambda params, **_: calls.append(copy.deepcopy(params))
    )
    return calls


def cancelled(stubber: Stubber, *codes: str) -> None:
    stubber.add_client_error(
        "transact_write_items",
        service_error_code="TransactionCanceledException",
        service_message="Transaction cancelled",
        modeled_fields={"CancellationReasons": [{"Code": code} for code in codes]},
    )


@pytest.fixture
def payment(parsed: Parse) -> Change:
    """PaymentProcessed on a pending order at version 1, with a fixed event id and time."""
    event = payment_processed(
        ORDER_ID,
        Decimal("129.99"),
        payment_id="0a9b8c7d-6e5f-4a3b-9c2d-1e0f9a8b7c6d",
        event_id=EVENT_ID,
        clock=lambda: OCCURRED_AT,
    )
    return change_of(parsed, event, pending(version=1))


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


# --- group commit: several orders in as few transactions as possible -----------------------------


def new_orders(parsed: Parse, count: int) -> list[Change]:
    return [change_of(parsed, order_created(str(uuid.uuid4()), "cust-42", Decimal(count)), None) for _ in range(count)]


def count_transactions(client: Any) -> list[int]:
    """The number of actions of every TransactWriteItems the client sends from now on."""
    sizes: list[int] = []
    client.meta.events.register(
        "provide-client-params.dynamodb.TransactWriteItems",
        lambda params, **_: sizes.append(len(params["TransactItems"])),
    )
    return sizes


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
