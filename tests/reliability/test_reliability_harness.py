"""The reliability harness itself: faults really reach the code, the queue really misbehaves.

A harness that injects nothing would make every reliability test pass; these tests pin it down.
"""

from __future__ import annotations

import json
import random
from collections import Counter
from itertools import pairwise
from typing import Any

import boto3
import pytest
from botocore.exceptions import BotoCoreError, ClientError, ReadTimeoutError

from order_processor.applier import BatchApplier, BatchResult
from order_processor.model import Record
from tests.reliability.harness.checks import event_id_of
from tests.reliability.harness.common import MAX_RECEIVE_COUNT, NO_RETRIES, REGION
from tests.reliability.harness.delivery import AtLeastOnceQueue, Ledger, deliver_until_empty
from tests.reliability.harness.faults import Fault, FaultInjector, _digest
from tests.reliability.harness.scenario import body_for, build_scenario
from tests.reliability.harness.stack import Stack


def faulty_client(service: str, injector: FaultInjector) -> Any:
    return injector.attach(boto3.client(service, region_name=REGION, config=NO_RETRIES))


def test_fault_injector_fails_the_chosen_share_of_calls_with_every_kind(stack: Stack) -> None:
    # GIVEN a DynamoDB client failing 30% of its calls
    injector = FaultInjector(seed=11, rate=0.3)
    client = faulty_client("dynamodb", injector)
    # WHEN it makes 400 calls
    failures: Counter[str] = Counter()
    for n in range(400):
        try:
            client.get_item(TableName=stack.orders_table, Key={"orderId": {"S": f"order-{n}"}})
        except ClientError as error:
            failures[error.response["Error"]["Code"]] += 1
        except BotoCoreError as error:
            failures[type(error).__name__] += 1
    # THEN about 30% failed, each with a botocore error the adapters must handle, of every kind
    assert 90 <= sum(failures.values()) <= 150
    assert sum(failures.values()) == injector.total_injected
    assert set(failures) == {
        "ThrottlingException",
        "ProvisionedThroughputExceededException",
        "InternalServerError",
        "ServiceUnavailable",
        "EndpointConnectionError",
        "ReadTimeoutError",
    }


def test_fault_injector_replays_the_same_faults_for_a_seed(stack: Stack) -> None:
    # GIVEN two injectors with the same seed
    outcomes = []
    for _ in range(2):
        client = faulty_client("dynamodb", FaultInjector(seed=5, rate=0.5))
        # WHEN the same calls are made through each
        seen = []
        for n in range(50):
            try:
                client.get_item(TableName=stack.orders_table, Key={"orderId": {"S": f"order-{n % 7}"}})
                seen.append("ok")
            except (ClientError, BotoCoreError) as error:
                seen.append(type(error).__name__)
        outcomes.append(seen)
    # THEN the faults fall on the same calls, also for repeated identical requests
    assert outcomes[0] == outcomes[1]
    assert "ok" in outcomes[0]
    assert len(set(outcomes[0])) > 1


def test_fault_injector_timeout_after_execution_loses_only_the_answer(stack: Stack) -> None:
    # GIVEN an injector that fails every call, and a call it fails after the service ran it
    injector = FaultInjector(seed=0, rate=1.0)
    client = faulty_client("dynamodb", injector)
    executed = None
    for n in range(200):
        item = {"orderId": {"S": f"order-{n}"}}
        try:
            client.put_item(TableName=stack.orders_table, Item=item)
        except ReadTimeoutError:
            if stack.dynamodb.get_item(TableName=stack.orders_table, Key=item).get("Item"):
                executed = item
                break
        except (ClientError, BotoCoreError):
            continue
    # THEN the caller saw a timeout although the write happened
    assert executed is not None
    assert injector.injected[Fault.TIMEOUT_AFTER] >= 1


def test_fault_injector_partial_batch_failure_reports_the_entry_it_did_not_send(stack: Stack) -> None:
    # GIVEN an SQS client whose every call fails
    injector = FaultInjector(seed=0, rate=1.0)
    client = faulty_client("sqs", injector)
    # WHEN batches of three are sent until one comes back as a partial failure
    for attempt in range(100):
        entries = [{"Id": str(n), "MessageBody": f"attempt {attempt} message {n}"} for n in range(3)]
        try:
            response = client.send_message_batch(QueueUrl=stack.dlq_url, Entries=entries)
        except (ClientError, BotoCoreError):
            continue
        if response.get("Failed"):
            break
    else:
        pytest.fail("no partial failure injected in 100 calls")
    # THEN the call answered 200 with the last entry failed, and only the others reached the queue
    assert [entry["Id"] for entry in response["Failed"]] == ["2"]
    assert sorted(entry["Id"] for entry in response["Successful"]) == ["0", "1"]
    bodies = {m["Body"] for m in stack.drain(stack.dlq_url)}
    assert f"attempt {attempt} message 2" not in bodies
    assert {f"attempt {attempt} message 0", f"attempt {attempt} message 1"} <= bodies


def test_fault_injector_partial_statement_batch_answers_throttling_for_the_statement_it_did_not_send(
    stack: Stack,
) -> None:
    # GIVEN a DynamoDB client whose every call fails, and batches of three INSERTs whose greatest (n=2) is in the middle
    injector = FaultInjector(seed=0, rate=1.0)
    client = faulty_client("dynamodb", injector)
    insert = "INSERT INTO \"T\" VALUE {'orderId': ?, 'n': ?}".replace('"T"', f'"{stack.orders_table}"')
    # WHEN batches are sent until one comes back as a partial failure
    for attempt in range(100):
        ids = [f"pq-{attempt}-{n}" for n in (0, 2, 1)]
        statements = [{"Statement": insert, "Parameters": [{"S": order}, {"N": order[-1]}]} for order in ids]
        try:
            responses = client.batch_execute_statement(Statements=statements)["Responses"]
        except (ClientError, BotoCoreError):
            continue
        break
    else:
        pytest.fail("no partial failure injected in 100 calls")
    # THEN the answer has ThrottlingError at the dropped statement's place, and only the others were written
    assert responses[1] == {"Error": {"Code": "ThrottlingError", "Message": "injected"}}
    assert [response.get("Error") for response in (responses[0], responses[2])] == [None, None]
    stored = [stack.dynamodb.get_item(TableName=stack.orders_table, Key={"orderId": {"S": order}}) for order in ids]
    assert ["Item" in found for found in stored] == [True, False, True]


def _ledger_batch(ledger_shard: str, ledger_id: str, *, order_first: bool) -> dict[str, Any]:
    # A commit as PartiQL: the ledger's item (random key), an event's item naming it, a head naming it.
    statements = [
        {
            "Statement": "INSERT INTO \"EventStore\" VALUE {'streamId': ?, 'version': ?, 'moves': ?, 'expiresAt': ?}",
            "Parameters": [{"S": f"#ledger#{ledger_shard}"}, {"N": ledger_id}, {"S": "[]"}, {"N": ledger_id[:5]}],
        },
        {
            "Statement": "INSERT INTO \"EventStore\" VALUE {'streamId': ?, 'version': ?, 'ledger': ?}",
            "Parameters": [{"S": "#event#e-1"}, {"N": "0"}, {"S": f"{ledger_shard}:{ledger_id}"}],
        },
        {
            "Statement": 'UPDATE "Orders" SET "events"[1] = ? SET "ledgers"[1] = ? WHERE "orderId" = ? AND "v" = ?',
            "Parameters": [{"S": "e-1"}, {"S": f"{ledger_shard}:{ledger_id}"}, {"S": "o-1"}, {"N": "1"}],
        },
    ]
    return {"Statements": statements if order_first else statements[::-1]}


def test_fault_injector_digest_of_a_statement_batch_ignores_ledger_ids_and_statement_order() -> None:
    # GIVEN one commit's batch twice: another random ledger (shard, id), the statements in another order
    one = _ledger_batch("07", "1790000000000000123", order_first=True)
    other = _ledger_batch("11", "1790000000000555999", order_first=False)
    # WHEN digested THEN the two are the same request to the injector (the same faults for a seed)
    assert _digest(json.dumps(one).encode()) == _digest(json.dumps(other).encode())


def test_fault_injector_digest_of_a_statement_batch_sees_its_parameters_in_their_places() -> None:
    # GIVEN a status UPDATE, and the same with another order id, and with the old and new status swapped
    update = 'UPDATE "Orders" SET "status" = ? WHERE "orderId" = ? AND "status" = ?'

    def batch(*values: str) -> bytes:
        return json.dumps({"Statements": [{"Statement": update, "Parameters": [{"S": v} for v in values]}]}).encode()

    # WHEN digested THEN each is another request
    digests = {_digest(batch("paid", "o-1", "pending")), _digest(batch("paid", "o-2", "pending"))}
    digests.add(_digest(batch("pending", "o-1", "paid")))
    assert len(digests) == 3


def test_queue_redelivers_failed_messages_then_dead_letters_after_five_receives() -> None:
    # GIVEN a queue with 20 messages and a consumer that fails every one
    queue = AtLeastOnceQueue(seed=3)
    for n in range(20):
        queue.send(f"body {n}")
    receives: Counter[str] = Counter()
    # WHEN batches are delivered until the queue is empty
    while batch := queue.receive():
        assert len(batch) <= 10
        for message in batch:
            receives[message.message_id] += 1
            queue.settle(message, failed=True)
    # THEN each message was received exactly 5 times, then moved to the dead-letter queue
    assert set(receives.values()) == {5}
    assert sorted(m.body for m in queue.dead_letters) == sorted(f"body {n}" for n in range(20))


def test_queue_duplicates_a_share_of_messages_under_new_message_ids() -> None:
    # GIVEN a queue duplicating 10% of 1,000 valid event bodies, and a consumer that succeeds
    scenario = build_scenario(seed=1, orders=400, invalid=0, orphans=0, reusers=0)
    queue = AtLeastOnceQueue(seed=1, duplicate_rate=0.1)
    for body in scenario.bodies[:1000]:
        queue.send(body)
    delivered: list[tuple[str, str | None]] = []
    # WHEN everything is delivered
    while batch := queue.receive():
        for message in batch:
            delivered.append((message.message_id, event_id_of(message.body)))
            queue.settle(message, failed=False)
    # THEN about 100 event ids came twice, each time under a distinct message id
    copies = Counter(event_id for _, event_id in delivered)
    assert 60 <= sum(n - 1 for n in copies.values()) <= 140
    assert queue.stats.duplicates_injected == sum(n - 1 for n in copies.values())
    assert len({message_id for message_id, _ in delivered}) == len(delivered)


def test_queue_duplicate_sometimes_carries_a_new_envelope_id() -> None:
    # GIVEN a queue duplicating every message
    scenario = build_scenario(seed=2, orders=50, invalid=0, orphans=0, reusers=0)
    queue = AtLeastOnceQueue(seed=2, duplicate_rate=1.0)
    queue.send(scenario.bodies[0])
    # WHEN the message and its copies are delivered (a copy may be duplicated again)
    bodies = []
    while batch := queue.receive():
        for message in batch:
            bodies.append(message.body)
            queue.settle(message, failed=False)
        if len(bodies) >= 12:
            break
    # THEN every copy has the same event id, some byte-identical and some under a new envelope id
    assert {event_id_of(body) for body in bodies} == {event_id_of(scenario.bodies[0])}
    envelope_ids = [json.loads(body)["id"] for body in bodies]
    assert len(set(envelope_ids)) > 1
    assert len(set(envelope_ids)) < len(envelope_ids)


def test_queue_delivers_out_of_order_from_a_bounded_window() -> None:
    # GIVEN 200 messages sent in order, to a queue shuffling within its first 50 visible messages
    queue = AtLeastOnceQueue(seed=4, window=50)
    for n in range(200):
        queue.send(str(n))
    # WHEN they are delivered
    order: list[int] = []
    while batch := queue.receive():
        # THEN each batch comes from the 50 oldest messages not yet delivered
        assert all(int(message.body) < len(order) + 50 for message in batch)
        for message in batch:
            order.append(int(message.body))
            queue.settle(message, failed=False)
    # AND each came exactly once, not in publishing order
    assert sorted(order) == list(range(200))
    assert sum(1 for earlier, later in pairwise(order) if later < earlier) > 50


def test_moto_transaction_cancelled_late_leaves_earlier_actions_undone(stack: Stack) -> None:
    # GIVEN an item that exists, and a transaction whose last action fails its condition
    stack.dynamodb.put_item(TableName=stack.orders_table, Item={"orderId": {"S": "exists"}, "n": {"N": "1"}})
    actions = [
        {"Put": {"TableName": stack.orders_table, "Item": {"orderId": {"S": "new"}}}},
        {
            "Update": {
                "TableName": stack.orders_table,
                "Key": {"orderId": {"S": "exists"}},
                "UpdateExpression": "SET n = :two",
                "ExpressionAttributeValues": {":two": {"N": "2"}},
            }
        },
        {
            "Put": {
                "TableName": stack.events_table,
                "Item": {"streamId": {"S": "s"}, "version": {"N": "1"}},
                "ConditionExpression": "attribute_exists(streamId)",
            }
        },
    ]
    # WHEN it runs on moto (with the per-item rollback of moto_for_threads)
    with pytest.raises(ClientError, match="TransactionCanceledException"):
        stack.dynamodb.transact_write_items(TransactItems=actions)
    # THEN nothing of it stayed: the new item is absent, the updated one unchanged
    orders = {item["orderId"]["S"]: item for item in stack.scan(stack.orders_table)}
    assert set(orders) == {"exists"}
    assert orders["exists"]["n"] == {"N": "1"}
    assert stack.scan(stack.events_table) == []


class Recording:
    """The real applier, remembering every record it was handed."""

    def __init__(self, applier: BatchApplier) -> None:
        self.applier = applier
        self.records: list[Record] = []

    def apply(self, records: list[Record]) -> BatchResult:
        self.records.extend(records)
        return self.applier.apply(records)


def test_queue_lost_invocation_brings_its_whole_batch_back_attributes_kept(applier: BatchApplier, stack: Stack) -> None:
    # GIVEN a queue whose every invocation times out after it ran, and five new orders, each
    # message with an attribute
    scenario = build_scenario(seed=6, orders=5, invalid=0, orphans=0, reusers=0)
    queue = AtLeastOnceQueue(seed=6, timeout_rate=1.0)
    creations = [order.events[0] for order in scenario.orders]
    sent = [queue.send(body_for(event, random.Random(n)), {"redriveCount": "2"}) for n, event in enumerate(creations)]
    consumer = Recording(applier)
    # WHEN it delivers until empty
    ledger = Ledger()
    deliver_until_empty(queue, consumer, ledger)  # type: ignore[arg-type]
    # THEN every message came back after each lost answer, same id, until its five receives were spent
    assert Counter(record.message_id for record in consumer.records) == {m.message_id: MAX_RECEIVE_COUNT for m in sent}
    assert sorted(m.message_id for m in queue.dead_letters) == sorted(m.message_id for m in sent)
    assert queue.stats.invocations_lost == queue.stats.batches
    # AND the lost invocations' work stood: every order exists
    orders = {
        item["orderId"]["S"] for item in stack.scan(stack.orders_table) if not item["orderId"]["S"].startswith("#")
    }
    assert orders == {order.order_id for order in scenario.orders}
    # AND the attributes reached the applier on every delivery
    assert {tuple(record.attributes.items()) for record in consumer.records} == {(("redriveCount", "2"),)}
    # AND the ledger counts each event once, at the redrive count of the message first accepted
    assert ledger.redrives_needed == {2: len(creations)}
