"""Hostile input through the real BatchApplier on moto: rejected with a reason, never retried.

Each case travels in a batch with nine valid records; the hostile one must be parked in the
dead-letter queue (body intact, reason and a short message as attributes) and acknowledged, and the
valid ones applied. Each event-id reuse case is a sequence of batches, sent twice: with its reusing
event, and on a second stack without it; the reuser must be parked as a conflict and leave every
order, marker and notification as the run without it does.
"""

from __future__ import annotations

import json
import random
import uuid
from collections import Counter
from collections.abc import Iterator, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

import pytest

from order_processor.applier import BatchApplier, BatchResult
from order_processor.model import Outcome, Record
from orders_shared.events import order_created, payment_failed
from tests.reliability.corpus import (
    HOSTILE_REASONS,
    HostileCase,
    ToleratedCase,
    rejection_cases,
    tolerated_cases,
    unstorable_case,
)
from tests.reliability.harness.common import fixed_clock, seeded_uuid
from tests.reliability.harness.faults import FaultInjector
from tests.reliability.harness.scenario import body_for
from tests.reliability.harness.stack import Stack
from tests.reliability.reuse_corpus import (
    CONFLICT,
    ReuseCase,
    reuse_cases,
    waiting_reuse_cases,
)

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
    stored = shared_stack.stream_entry(order_id, 2)
    assert json.loads(stored["data"]["S"])["reason"] == reason


@pytest.mark.parametrize("case", tolerated_cases(), ids=lambda case: case.name)
def test_corpus_unknown_field_of_a_released_version_is_kept_and_changes_nothing_else(
    case: ToleratedCase, applier: BatchApplier, stack: Stack
) -> None:
    # GIVEN an OrderCreated 1.0 carrying a field 1.0 does not have
    record = Record(str(uuid.uuid4()), case.body)
    # WHEN it is processed
    result = applier.apply([record])
    # THEN it is applied like any creation (pending, version 1), and its event-store entry keeps the
    # unknown field verbatim (the projection knows nothing of it)
    assert result.results[record.message_id].outcome is Outcome.APPLIED
    order_id = json.loads(case.body)["detail"]["orderId"]
    projection = stack.dynamodb.get_item(
        TableName=stack.orders_table, Key={"orderId": {"S": order_id}}, ConsistentRead=True
    )["Item"]
    assert (projection["status"]["S"], projection["version"]["N"]) == ("pending", "1")
    assert not set(case.extra) & set(projection)
    stored = stack.stream_entry(order_id, 1)
    data = json.loads(stored["data"]["S"])
    kept = {**data, **data["metadata"]}
    assert {name: kept[name] for name in case.extra} == case.extra


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


@pytest.fixture(scope="module")
def reference_stack(shared_stack: Stack) -> Stack:
    """A second stack in the module's moto: where each reuse case runs without its reusing event."""
    return Stack(f"{shared_stack.suffix}-without-reuser")


@pytest.fixture(scope="module")
def reference_applier(reference_stack: Stack) -> Iterator[BatchApplier]:
    """The real BatchApplier on the reference stack, without faults."""
    with ThreadPoolExecutor(max_workers=4) as pool:
        yield reference_stack.applier(FaultInjector(seed=0, rate=0.0), pool)


@dataclass(frozen=True)
class Sent:
    """What a reuse case's batches did: the last batch's outcomes and notifications, what is stored."""

    earlier: list[BatchResult]
    last: BatchResult
    notes: Counter[Any]
    stored: dict[str, Any]


def reuse_records(case: ReuseCase) -> list[list[tuple[Record, bool]]]:
    """The case's batches as SQS records (a new envelope id for every copy), each marked reuser or not."""
    rng = random.Random(case.name)
    return [
        [(Record(f"{case.name}/{b}/{i}", body_for(event, rng)), event is case.reuser) for i, event in enumerate(batch)]
        for b, batch in enumerate(case.batches)
    ]


def stored_state(stack: Stack, order_ids: frozenset[str], event_id: str) -> dict[str, Any]:
    """Every item the processor keeps for the orders and the reused id: heads (projections), streams, marker.

    The ids of the commits' ledgers (wall clock and a random shard: they differ from one run to the
    next) read as "ledger", so that two runs compare by everything else.
    """
    state: dict[str, Any] = {"marker": _ledgers_masked(stack.event_item(event_id))}
    for order_id in sorted(order_ids):
        state[order_id] = (
            _ledgers_masked(stack.head(order_id)),
            [_ledgers_masked(item) for item in stack.stream(order_id)],
        )
    return state


def _ledgers_masked(item: dict[str, Any] | None) -> dict[str, Any] | None:
    if item is None:
        return None
    masked = dict(item)
    if "ledger" in masked:
        masked["ledger"] = {"S": "ledger"}
    if "ledgers" in masked:
        masked["ledgers"] = {"L": [{"S": "ledger"} for _ in masked["ledgers"]["L"]]}
    return masked


def send_batches(case: ReuseCase, batches: Sequence[Sequence[Record]], applier: BatchApplier, stack: Stack) -> Sent:
    *earlier, last = batches
    results = [applier.apply(batch) for batch in earlier]
    before = Counter(stack.recorder.contents)
    result = applier.apply(last)
    notes = Counter(stack.recorder.contents) - before
    return Sent(results, result, notes, stored_state(stack, case.order_ids, case.reuser.event_id))


@pytest.mark.parametrize(
    "case",
    [*reuse_cases(), *waiting_reuse_cases()],
    ids=lambda case: case.name,
)
def test_corpus_reused_event_id_is_parked_as_a_conflict_and_changes_nothing(
    case: ReuseCase,
    shared_applier: BatchApplier,
    shared_stack: Stack,
    reference_applier: BatchApplier,
    reference_stack: Stack,
) -> None:
    # GIVEN a sequence of batches in which an event id is recorded, then carried by another event
    batches = reuse_records(case)
    (reuser,) = [record for batch in batches for record, reusing in batch if reusing]
    # WHEN the real applier processes them, and (on a second stack) the same batches without the reuser
    sent = send_batches(case, [[record for record, _ in batch] for batch in batches], shared_applier, shared_stack)
    without = send_batches(
        case,
        [[record for record, reusing in batch if not reusing] for batch in batches],
        reference_applier,
        reference_stack,
    )
    # THEN every earlier batch is acknowledged, and the reuser is rejected as a conflict, not retried
    assert all(batch.failed_message_ids() == [] for batch in [*sent.earlier, sent.last])
    assert {r.outcome for batch in sent.earlier for r in batch.results.values()} <= {Outcome.APPLIED, Outcome.IGNORED}
    result = sent.last.results[reuser.message_id]
    assert (result.outcome, result.reason) == (Outcome.REJECTED, CONFLICT)
    # AND the other records of the batch end as they do without the reuser
    others = {mid: r.outcome for mid, r in sent.last.results.items() if mid != reuser.message_id}
    assert others == {mid: r.outcome for mid, r in without.last.results.items()}
    # AND it is parked once, body intact, with the reason, the path and rule, and the event the id belongs to
    (parked,) = shared_stack.drain(shared_stack.dlq_url)
    attributes = {name: value["StringValue"] for name, value in parked["MessageAttributes"].items()}
    assert parked["Body"] == reuser.body
    assert (attributes["rejectionReason"], attributes["rejectionPath"], attributes["rejectionRule"]) == (
        CONFLICT,
        "detail.metadata.eventId",
        "unique",
    )
    assert attributes["originalMessageId"] == reuser.message_id
    assert (
        f"recorded for {case.original.detail_type} of order {case.original.order_id}"
        in (attributes["rejectionMessage"])
    )
    assert reference_stack.drain(reference_stack.dlq_url) == []
    # AND both orders, their streams and the id's marker are exactly as without the reuser
    assert sent.stored == without.stored
    assert sent.stored["marker"]["orderId"]["S"] == case.original.order_id
    # AND the notifications of that batch are those sent without the reuser: none for it
    assert sent.notes == without.notes


def test_corpus_reuse_cases_cover_every_way_an_id_is_reused() -> None:
    # GIVEN the reuse cases
    cases = reuse_cases()
    # WHEN what each reuser shares with its original is listed
    same_order = {case.name for case in cases if case.reuser.order_id == case.original.order_id}
    same_type = {
        case.name for case in cases if case.name in same_order and case.reuser.detail_type == case.original.detail_type
    }
    in_one_batch = {case.name for case in cases if any(case.reuser in b and case.original in b for b in case.batches)}
    # THEN there are reuses by another order, by another type of the same order, by the same order
    # and type with other content, and reuses inside the batch that records the id
    assert {case.name for case in cases} - same_order
    assert same_order - same_type
    assert same_type
    assert in_one_batch
    assert all(case.reuser.event_id == case.original.event_id for case in cases)
    assert all(case.reuser.detail != case.original.detail for case in cases)
