"""Hostile input through the real BatchApplier on moto: rejected with a reason, never retried.

Each case travels in a batch with nine valid records; the hostile one must be parked in the
dead-letter queue (body intact, reason and a short message as attributes) and acknowledged, and the
valid ones applied.
"""

from __future__ import annotations

import json
import random
import uuid
from decimal import Decimal
from typing import Any

import pytest

from order_processor.applier import BatchApplier, BatchResult
from order_processor.model import Outcome, Record
from orders_shared.events import order_created, payment_failed
from tests.reliability.corpus import HOSTILE_REASONS, HostileCase, rejection_cases, unstorable_case
from tests.reliability.harness.common import fixed_clock, seeded_uuid
from tests.reliability.harness.faults import FaultInjector
from tests.reliability.harness.scenario import body_for
from tests.reliability.harness.stack import Stack

ECHO_LIMIT = 64  # a rejection message may quote this much of a payload value, no more


def valid_records(count: int) -> list[Record]:
    rng = random.Random(count)
    events = [order_created(str(uuid.uuid4()), f"cust-{n}", Decimal("12.50"), clock=fixed_clock) for n in range(count)]
    return [Record(str(uuid.uuid4()), body_for(event, rng)) for event in events]


def long_values(body: str) -> list[str]:
    """Every string (value or key) longer than the echo limit in a body, or the body itself."""
    try:
        document = json.loads(body)
    except (ValueError, RecursionError):
        return [body] if len(body) > ECHO_LIMIT else []
    found: list[str] = []
    stack: list[Any] = [document]
    while stack:
        node = stack.pop()
        if isinstance(node, dict):
            stack.extend(node.values())
            found.extend(key for key in node if len(key) > ECHO_LIMIT)
        elif isinstance(node, list):
            stack.extend(node)
        elif isinstance(node, str) and len(node) > ECHO_LIMIT:
            found.append(node)
    return found


def apply_with_valid(applier: BatchApplier, hostile: Record) -> tuple[BatchResult, list[Record]]:
    valid = valid_records(9)
    batch = [*valid[:4], hostile, *valid[4:]]
    return applier.apply(batch), valid


@pytest.mark.parametrize("case", rejection_cases(), ids=lambda case: case.name)
def test_corpus_case_is_parked_with_its_reason_while_valid_records_apply(
    case: HostileCase, shared_applier: BatchApplier, shared_stack: Stack
) -> None:
    # GIVEN a hostile record in a batch of ten
    hostile = Record(str(uuid.uuid4()), case.body)
    # WHEN the real applier processes the batch on moto
    result, valid = apply_with_valid(shared_applier, hostile)
    # THEN the hostile record is rejected for its reason, and not reported for a retry
    assert result.results[hostile.message_id].outcome is Outcome.REJECTED
    assert result.results[hostile.message_id].reason == case.reason
    assert result.failed_message_ids() == []
    # AND the valid records of the batch are applied
    assert {result.results[r.message_id].outcome for r in valid} == {Outcome.APPLIED}
    # AND the dead-letter queue holds it once, body intact, with its reason
    (parked,) = shared_stack.drain(shared_stack.dlq_url)
    attributes = {name: value["StringValue"] for name, value in parked["MessageAttributes"].items()}
    assert parked["Body"] == case.body
    assert attributes["rejectionReason"] == case.reason
    assert attributes["originalMessageId"] == hostile.message_id
    # AND its message says what is wrong without echoing a long payload value
    message = attributes["rejectionMessage"]
    assert 0 < len(message) <= 256
    assert not [value for value in long_values(case.body) if value[: ECHO_LIMIT + 1] in message]


def test_corpus_has_at_least_forty_cases_of_every_reason() -> None:
    # GIVEN the corpus
    cases = rejection_cases()
    # WHEN its cases are counted by reason
    reasons = {case.reason for case in cases}
    # THEN it has 40 or more distinct bodies, covering the three rejection reasons
    assert len(cases) >= 40
    assert len({case.body for case in cases}) == len(cases)
    assert reasons == {"MalformedJson", "SchemaViolation", "UnknownEventType"}


@pytest.mark.parametrize(("name", "reason"), HOSTILE_REASONS, ids=[name for name, _ in HOSTILE_REASONS])
def test_corpus_hostile_looking_free_text_is_data(
    name: str, reason: str, shared_applier: BatchApplier, shared_stack: Stack
) -> None:
    # GIVEN an order, and a PaymentFailed whose free-text reason looks like an attack
    order_id = str(uuid.uuid4())
    rng = random.Random(name)
    created = Record("created", body_for(order_created(order_id, "cust-1", Decimal(5), clock=fixed_clock), rng))
    failed = payment_failed(order_id, reason, event_id=seeded_uuid(rng), clock=fixed_clock)
    # WHEN both are processed
    result = shared_applier.apply([created, Record("failed", body_for(failed, rng))])
    # THEN the payment failure is applied, and the event store keeps the reason verbatim
    assert result.results["failed"].outcome is Outcome.APPLIED
    stored = shared_stack.dynamodb.get_item(
        TableName=shared_stack.events_table,
        Key={"streamId": {"S": order_id}, "version": {"N": "2"}},
        ConsistentRead=True,
    )["Item"]
    assert json.loads(stored["data"]["S"])["reason"] == reason


def test_corpus_unstorable_body_is_rejected_and_parked_escaped(applier: BatchApplier, stack: Stack) -> None:
    # GIVEN a body holding a lone surrogate (only a direct invocation can deliver one)
    case = unstorable_case()
    hostile = Record(str(uuid.uuid4()), case.body)
    # WHEN it is processed with nine valid records
    result, valid = apply_with_valid(applier, hostile)
    # THEN it is rejected as malformed without failing the batch, and not retried
    assert result.results[hostile.message_id].outcome is Outcome.REJECTED
    assert result.results[hostile.message_id].reason == "MalformedJson"
    assert result.failed_message_ids() == []
    assert {result.results[r.message_id].outcome for r in valid} == {Outcome.APPLIED}
    # AND it is parked with the surrogate escaped, since SQS stores no lone surrogate
    (parked,) = stack.drain(stack.dlq_url)
    assert parked["Body"] == case.body.replace("\ud800", "\\ud800")
    assert parked["MessageAttributes"]["rejectionReason"]["StringValue"] == "MalformedJson"


@pytest.mark.parametrize("amount", ["1e-400", "0.12345678901234567890123456789012345678901"], ids=["tiny", "39-digits"])
def test_corpus_amount_dynamodb_cannot_store_is_rejected(amount: str, make_applier: Any, stack: Stack) -> None:
    # GIVEN an OrderCreated whose amount is within the schema's range but beyond DynamoDB's number limits
    applier = make_applier(FaultInjector(seed=0, rate=0.0))
    event = order_created(str(uuid.uuid4()), "cust-1", Decimal(1), clock=fixed_clock)
    body = body_for(event, random.Random(amount)).replace('"amount":1,', f'"amount":{amount},')
    # WHEN it is processed
    result = applier.apply([Record("m", body)])
    # THEN it is rejected as a schema violation (not retried until it lands in the DLQ without a reason)
    assert result.results["m"].outcome is Outcome.REJECTED
    assert result.results["m"].reason == "SchemaViolation"
    assert result.failed_message_ids() == []
