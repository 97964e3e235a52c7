"""Properties: delivery order, duplication and failures never change the outcome.

- Any interleaving and duplication of an order's valid events, in any batching, under faults,
  converges to the state the lifecycle ends in, each event stored once (real applier, moto).
- The redriver never loses a message whatever its sends and deletes do, and the duplicates it may
  leave are absorbed by the processor.
"""

from __future__ import annotations

import random
import uuid
from collections import Counter
from collections.abc import Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from decimal import Decimal

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from dlq_redriver.domain import DlqMessage, Request, redrive
from order_processor.domain import BatchApplier, Outcome, Record
from tests.reliability.harness.checks import event_id_of
from tests.reliability.harness.common import seeded_uuid
from tests.reliability.harness.delivery import AtLeastOnceQueue, Ledger, deliver_until_empty
from tests.reliability.harness.faults import FaultInjector
from tests.reliability.harness.scenario import FINAL_STATUS, Lifecycle, body_for, lifecycle_events
from tests.reliability.harness.stack import Stack

PROPERTY_SETTINGS = settings(
    max_examples=30,  # each example drives the real applier on moto: about 0.2 s
    deadline=None,
    derandomize=True,  # the same examples on every run: a failure replays
    database=None,
    suppress_health_check=[HealthCheck.too_slow],
)


def stream_of(stack: Stack, order_id: str) -> list[tuple[int, str]]:
    response = stack.dynamodb.query(
        TableName=stack.events_table,
        KeyConditionExpression="streamId = :s",
        ExpressionAttributeValues={":s": {"S": order_id}},
        ConsistentRead=True,
    )
    return [(int(item["version"]["N"]), item["eventId"]["S"]) for item in response["Items"]]


def status_of(stack: Stack, order_id: str) -> str | None:
    item = stack.dynamodb.get_item(
        TableName=stack.orders_table, Key={"orderId": {"S": order_id}}, ConsistentRead=True
    ).get("Item")
    return None if item is None else str(item["status"]["S"])


@st.composite
def deliveries(draw: st.DrawFn) -> tuple[Lifecycle, list[tuple[int, bool]], list[int], float, int]:
    """A lifecycle; its events' deliveries (index, new envelope id?) shuffled with duplicates;
    batch sizes; a fault rate and its seed."""
    lifecycle = draw(st.sampled_from(list(Lifecycle)))
    count = {Lifecycle.COMPLETED: 3, Lifecycle.CANCELLED_AFTER_PAYMENT: 3, Lifecycle.LEFT_PENDING: 1}.get(lifecycle, 2)
    extra = draw(st.lists(st.integers(0, count - 1), max_size=5))
    order = draw(st.permutations([*range(count), *extra]))
    renewed = draw(st.lists(st.booleans(), min_size=len(order), max_size=len(order)))
    sizes = draw(st.lists(st.integers(1, 10), min_size=1, max_size=4))
    rate = draw(st.sampled_from([0.0, 0.0, 0.3]))
    return lifecycle, list(zip(order, renewed, strict=True)), sizes, rate, draw(st.integers(0, 2**16))


@PROPERTY_SETTINGS
@given(case=deliveries())
def test_property_any_interleaving_converges_to_the_lifecycle_end(
    shared_stack: Stack, case: tuple[Lifecycle, list[tuple[int, bool]], list[int], float, int]
) -> None:
    # GIVEN an order's valid events, delivered shuffled and duplicated (some under a new envelope id)
    lifecycle, delivered, sizes, fault_rate, seed = case
    order_id = str(uuid.uuid4())  # fresh ids: the examples share one stack
    rng = random.Random(order_id)
    events = lifecycle_events(order_id, lifecycle, Decimal("42.00"), rng)
    pending = [
        Record(str(uuid.uuid4()), body_for(events[index], rng if renew else random.Random(index)))
        for index, renew in delivered
    ]
    # WHEN batches of the drawn sizes are applied until none is left, failed records going to the back
    with ThreadPoolExecutor(max_workers=2) as executor:
        applier = shared_stack.applier(FaultInjector(seed, fault_rate), executor)
        rounds = 0
        while pending:
            rounds += 1
            assert rounds < 200, "did not converge"
            size = sizes[rounds % len(sizes)]
            batch, pending = pending[:size], pending[size:]
            result = applier.apply(batch)
            failed = set(result.failed_message_ids())
            assert all(result.results[r.message_id].outcome is not Outcome.REJECTED for r in batch)
            pending += [Record(str(uuid.uuid4()), r.body) for r in batch if r.message_id in failed]
    # THEN the order ends where its lifecycle ends, whatever the delivery
    assert status_of(shared_stack, order_id) == str(FINAL_STATUS[lifecycle])
    # AND its stream is gapless, each event once, only this order's events
    stream = stream_of(shared_stack, order_id)
    assert [version for version, _ in stream] == list(range(1, len(stream) + 1))
    stored = [event_id for _, event_id in stream]
    assert len(stored) == len(set(stored))
    assert set(stored) <= {event.event_id for event in events}


# --- the redriver ---------------------------------------------------------------------------------


@dataclass
class FlakyQueues:
    """The redriver's Queues port in memory: SendMessageBatch and DeleteMessageBatch entries fail at
    random (as SQS lets them), received messages stay in flight until deleted or released."""

    rng: random.Random
    send_failure: float
    delete_failure: float
    dlq: list[DlqMessage] = field(default_factory=list)
    in_flight: dict[str, DlqMessage] = field(default_factory=dict)
    target: list[DlqMessage] = field(default_factory=list)

    def receive(self, queue_url: str, count: int) -> list[DlqMessage]:
        taken, self.dlq = self.dlq[:count], self.dlq[count:]
        self.in_flight.update((message.message_id, message) for message in taken)
        return taken

    def send(self, queue_url: str, messages: Sequence[tuple[DlqMessage, Mapping[str, str]]]) -> set[str]:
        sent = set()
        for message, attributes in messages:
            if self.rng.random() >= self.send_failure:
                copy = DlqMessage(seeded_uuid(self.rng), "rh", message.body, dict(attributes), 0)
                self.target.append(copy)
                sent.add(message.message_id)
        return sent

    def delete(self, queue_url: str, messages: Sequence[DlqMessage]) -> set[str]:
        deleted = {m.message_id for m in messages if self.rng.random() >= self.delete_failure}
        for message_id in deleted:
            del self.in_flight[message_id]
        return deleted

    def release(self, queue_url: str, messages: Sequence[DlqMessage]) -> None:
        for message in messages:
            self.dlq.append(self.in_flight.pop(message.message_id))

    def visibility_timeout_passes(self) -> None:
        """What was received and neither deleted nor released becomes visible again."""
        self.dlq.extend(self.in_flight.values())
        self.in_flight.clear()


def redrive_once(queues: FlakyQueues, max_redrives: int) -> None:
    redrive(
        Request(max_messages=1_000, max_redrives=max_redrives),
        queues,
        "dlq",
        "source",
        remaining_ms=lambda: 900_000,
        now_ms=lambda: 0,
    )
    queues.visibility_timeout_passes()


def dead_lettered_lifecycles(rng: random.Random, orders: int) -> tuple[list[DlqMessage], dict[str, Lifecycle]]:
    """Whole lifecycles of new orders (fresh ids: the examples share one stack), shuffled by ``rng``."""
    ids = random.Random(uuid.uuid4().int)
    messages, lifecycles = [], {}
    for _ in range(orders):
        order_id = seeded_uuid(ids)
        lifecycles[order_id] = rng.choice(list(Lifecycle))
        for event in lifecycle_events(order_id, lifecycles[order_id], Decimal("9.99"), ids):
            messages.append(DlqMessage(seeded_uuid(ids), "rh", body_for(event, ids), {}, 0))
    rng.shuffle(messages)
    return messages, lifecycles


@settings(PROPERTY_SETTINGS, max_examples=200)  # in memory: cheap
@given(
    seed=st.integers(0, 2**32),
    send_failure=st.sampled_from([0.0, 0.3, 0.7, 1.0]),
    delete_failure=st.sampled_from([0.0, 0.3, 0.7, 1.0]),
    invocations=st.integers(1, 4),
)
def test_property_redriver_never_loses_a_message(
    seed: int, send_failure: float, delete_failure: float, invocations: int
) -> None:
    # GIVEN dead-lettered events and queues whose sends and deletes fail at random
    rng = random.Random(seed)
    original, _ = dead_lettered_lifecycles(rng, orders=3)
    queues = FlakyQueues(rng, send_failure, delete_failure, dlq=list(original))
    bodies = Counter(message.body for message in original)
    for _ in range(invocations):
        # WHEN the redriver runs
        redrive_once(queues, max_redrives=3)
        # THEN every message is still in the DLQ or has reached the target, and nothing else appeared
        present = Counter(m.body for m in queues.dlq) + Counter(m.body for m in queues.target)
        assert set(present) == set(bodies)
        assert not queues.in_flight


@settings(PROPERTY_SETTINGS, max_examples=12)  # each example consumes a dozen messages or more
@given(
    seed=st.integers(0, 2**32),
    send_failure=st.sampled_from([0.0, 0.5]),
    delete_failure=st.sampled_from([0.0, 0.5, 1.0]),
)
def test_property_redriven_duplicates_have_no_duplicated_effect(
    shared_stack: Stack, seed: int, send_failure: float, delete_failure: float
) -> None:
    # GIVEN whole lifecycles in the DLQ, redriven through flaky queues until the DLQ is empty
    rng = random.Random(seed)
    original, lifecycles = dead_lettered_lifecycles(rng, orders=3)
    queues = FlakyQueues(rng, send_failure, delete_failure, dlq=list(original))
    for _ in range(3):
        redrive_once(queues, max_redrives=100)
    queues.send_failure = queues.delete_failure = 0.0  # the flakiness ends; one more run drains the DLQ
    redrive_once(queues, max_redrives=100)
    assert queues.dlq == []
    # WHEN the target's messages, duplicates included, are consumed by the processor
    source = AtLeastOnceQueue(seed, max_receive_count=100)
    for message in queues.target:
        source.send(message.body, message.attributes)
    ledger = Ledger()
    with ThreadPoolExecutor(max_workers=2) as executor:
        deliver_until_empty(source, shared_stack.applier(FaultInjector(seed, 0.0), executor), ledger)
    # THEN each order ends as its lifecycle does, each event stored once, none dead-lettered
    assert source.dead_letters == []
    for order_id, lifecycle in lifecycles.items():
        assert status_of(shared_stack, order_id) == str(FINAL_STATUS[lifecycle])
        stored = [event_id for _, event_id in stream_of(shared_stack, order_id)]
        assert len(stored) == len(set(stored))
    assert {event_id_of(m.body) for m in queues.target} == {event_id_of(m.body) for m in original}


def test_redriver_failing_deletes_leave_copies_the_processor_absorbs(
    shared_stack: Stack, shared_applier: BatchApplier
) -> None:
    # GIVEN a DLQ of lifecycles whose deletes always fail: every run sends every message again
    rng = random.Random(7)
    original, lifecycles = dead_lettered_lifecycles(rng, orders=4)
    queues = FlakyQueues(rng, send_failure=0.0, delete_failure=1.0, dlq=list(original))
    # WHEN the redriver runs three times and the target is consumed
    for _ in range(3):
        redrive_once(queues, max_redrives=3)
    source = AtLeastOnceQueue(1, max_receive_count=100)
    for message in queues.target:
        source.send(message.body, message.attributes)
    ledger = Ledger()
    deliver_until_empty(source, shared_applier, ledger)
    # THEN the target got three copies of each message and the DLQ still holds every one (parked)
    assert Counter(Counter(m.body for m in queues.target).values()) == {3: len(original)}
    assert sorted(m.body for m in queues.dlq) == sorted(m.body for m in original)
    # AND the processor applied each event once: two of every three deliveries were duplicates
    assert source.stats.outcomes[str(Outcome.DUPLICATE)] >= 2 * len(ledger.applied)
    for order_id, lifecycle in lifecycles.items():
        assert status_of(shared_stack, order_id) == str(FINAL_STATUS[lifecycle])
        stored = [event_id for _, event_id in stream_of(shared_stack, order_id)]
        assert len(stored) == len(set(stored))
