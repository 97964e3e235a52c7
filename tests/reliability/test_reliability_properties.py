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

from dlq_redriver.domain import Request, redrive
from dlq_redriver.messages import DlqMessage
from order_processor.applier import BatchApplier
from order_processor.model import Outcome, Record
from tests.reliability.harness.checks import event_id_of
from tests.reliability.harness.common import seeded_uuid
from tests.reliability.harness.delivery import AtLeastOnceQueue, Ledger, deliver_until_empty
from tests.reliability.harness.faults import FaultInjector
from tests.reliability.harness.sabotage import Sabotaged, stream_entries_dropped
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
    """(version, event id) of each event the order's head lists, the version as its item records it."""
    return [(int(item["version"]["N"]), item["eventId"]["S"]) for item in stack.stream(order_id)]


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
    ledger = Ledger()
    with ThreadPoolExecutor(max_workers=2) as executor:
        applier = shared_stack.applier(FaultInjector(seed, fault_rate), executor)
        apply_until_settled(applier, pending, sizes, ledger)
    # THEN the order ends where its lifecycle ends, whatever the delivery
    assert status_of(shared_stack, order_id) == str(FINAL_STATUS[lifecycle])
    # AND its stream is gapless and holds exactly the events the processor applied, each once
    assert stream_problems(shared_stack, order_id, ledger, {event.event_id for event in events}) == []


def apply_until_settled(applier: BatchApplier, pending: list[Record], sizes: Sequence[int], ledger: Ledger) -> None:
    """Apply batches of the given sizes in turn until no record is left; failed ones go to the back."""
    rounds = 0
    while pending:
        rounds += 1
        assert rounds < 200, "did not converge"
        size = sizes[rounds % len(sizes)]
        batch, pending = pending[:size], pending[size:]
        result = applier.apply(batch)
        ledger.record(result)
        failed = set(result.failed_message_ids())
        assert all(result.results[r.message_id].outcome is not Outcome.REJECTED for r in batch)
        pending += [Record(str(uuid.uuid4()), r.body) for r in batch if r.message_id in failed]


def stream_problems(stack: Stack, order_id: str, ledger: Ledger, event_ids: set[str]) -> list[str]:
    """What is wrong with an order's stream: a gap, an event twice, or not exactly the applied events."""
    stream = stream_of(stack, order_id)
    problems = []
    if [version for version, _ in stream] != list(range(1, len(stream) + 1)):
        problems.append(f"versions {[version for version, _ in stream]} are not 1..{len(stream)}")
    stored = Counter(event_id for _, event_id in stream)
    if any(count > 1 for count in stored.values()):
        problems.append(f"events stored more than once: {sorted(e for e, n in stored.items() if n > 1)}")
    applied = ledger.applied & event_ids
    if set(stored) != applied:
        extra, missing = sorted(set(stored) - applied), sorted(applied - set(stored))
        problems.append(f"stored but not applied: {extra}; applied but not stored: {missing}")
    return problems


def test_property_check_reports_an_applied_event_missing_from_its_stream(shared_stack: Stack) -> None:
    # GIVEN a processor whose head commit leaves the event of a third change out of the stream
    order_id = str(uuid.uuid4())
    rng = random.Random(order_id)
    events = lifecycle_events(order_id, Lifecycle.COMPLETED, Decimal("42.00"), rng)
    records = [Record(str(uuid.uuid4()), body_for(event, rng)) for event in events]
    ledger = Ledger()
    # WHEN a whole lifecycle is applied, in order
    with ThreadPoolExecutor(max_workers=2) as executor:
        applier = shared_stack.applier(Sabotaged(stream_entries_dropped(from_version=3)), executor)
        apply_until_settled(applier, records, [1], ledger)
    # THEN the old checks pass: right final state, gapless, each once, stored events a subset of the lifecycle's
    stream = stream_of(shared_stack, order_id)
    assert status_of(shared_stack, order_id) == str(FINAL_STATUS[Lifecycle.COMPLETED])
    assert [version for version, _ in stream] == [1, 2]
    assert {event_id for _, event_id in stream} <= {event.event_id for event in events}
    # AND the equality check names the applied event the stream lacks
    assert stream_problems(shared_stack, order_id, ledger, {event.event_id for event in events}) == [
        f"stored but not applied: []; applied but not stored: {[events[2].event_id]}"
    ]


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
    unsent: set[str] = field(default_factory=set)  # message ids whose send failed, this run
    undeleted: set[str] = field(default_factory=set)  # message ids sent but whose delete failed, this run

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
            else:
                self.unsent.add(message.message_id)
        return sent

    def delete(self, queue_url: str, messages: Sequence[DlqMessage]) -> set[str]:
        deleted = {m.message_id for m in messages if self.rng.random() >= self.delete_failure}
        for message_id in deleted:
            del self.in_flight[message_id]
        self.undeleted |= {m.message_id for m in messages} - deleted
        return deleted

    def release(self, queue_url: str, messages: Sequence[DlqMessage]) -> None:
        for message in messages:
            self.dlq.append(self.in_flight.pop(message.message_id))

    def visibility_timeout_passes(self) -> None:
        """What was received and neither deleted nor released becomes visible again."""
        self.dlq.extend(self.in_flight.values())
        self.in_flight.clear()
        self.unsent.clear()
        self.undeleted.clear()


class ReleaseForgotten(FlakyQueues):
    """A broken redriver, seen through its port: what it holds (parked messages) is never released."""

    def release(self, queue_url: str, messages: Sequence[DlqMessage]) -> None:
        return None


def left_in_flight(queues: FlakyQueues) -> list[str]:
    """Messages a redrive left in flight although it neither failed to send nor failed to delete them.

    They would stay invisible for a whole visibility timeout: parked or skipped messages must be
    released, moved ones deleted.
    """
    stranded = set(queues.in_flight) - queues.unsent - queues.undeleted
    return [f"{len(stranded)} messages left in flight for no failure, e.g. {sorted(stranded)[:3]}"] if stranded else []


def redrive_once(queues: FlakyQueues, max_redrives: int) -> list[str]:
    """One redriver invocation, then its visibility timeout; returns :func:`left_in_flight`'s problems."""
    redrive(
        Request(max_messages=1_000, max_redrives=max_redrives),
        queues,
        "dlq",
        "source",
        remaining_ms=lambda: 900_000,
        now_ms=lambda: 0,
    )
    problems = left_in_flight(queues)
    queues.visibility_timeout_passes()
    return problems


def dead_lettered_lifecycles(
    rng: random.Random, orders: int, *, parked: float = 0.0, max_redrives: int = 3
) -> tuple[list[DlqMessage], dict[str, Lifecycle]]:
    """Whole lifecycles of new orders (fresh ids: the examples share one stack), shuffled by ``rng``;
    a share ``parked`` of the messages was already redriven ``max_redrives`` times."""
    ids = random.Random(uuid.uuid4().int)
    messages, lifecycles = [], {}
    for _ in range(orders):
        order_id = seeded_uuid(ids)
        lifecycles[order_id] = rng.choice(list(Lifecycle))
        for event in lifecycle_events(order_id, lifecycles[order_id], Decimal("9.99"), ids):
            attributes = {"redriveCount": str(max_redrives)} if rng.random() < parked else {}
            messages.append(DlqMessage(seeded_uuid(ids), "rh", body_for(event, ids), attributes, 0))
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
    # GIVEN dead-lettered events, some already redriven the maximum, and queues whose sends and
    # deletes fail at random
    rng = random.Random(seed)
    original, _ = dead_lettered_lifecycles(rng, orders=3, parked=0.3, max_redrives=3)
    queues = FlakyQueues(rng, send_failure, delete_failure, dlq=list(original))
    bodies = Counter(message.body for message in original)
    for _ in range(invocations):
        # WHEN the redriver runs
        stranded = redrive_once(queues, max_redrives=3)
        # THEN it left in flight only what failed to move (the parked ones released at once)
        assert stranded == []
        # AND every message is still in the DLQ or has reached the target, and nothing else appeared
        present = Counter(m.body for m in queues.dlq) + Counter(m.body for m in queues.target)
        assert set(present) == set(bodies)


def test_redriver_check_reports_parked_messages_left_in_flight() -> None:
    # GIVEN a DLQ whose messages were all redriven the maximum, and a redriver that never releases
    rng = random.Random(3)
    original, _ = dead_lettered_lifecycles(rng, orders=2, parked=1.0, max_redrives=3)
    queues = ReleaseForgotten(rng, send_failure=0.0, delete_failure=0.0, dlq=list(original))
    # WHEN it runs
    stranded = redrive_once(queues, max_redrives=3)
    # THEN the old check passes: after the visibility timeout every message is back, nothing lost
    assert sorted(m.body for m in queues.dlq) == sorted(m.body for m in original)
    assert not queues.in_flight
    # AND the new one reports every parked message stranded in flight until then
    assert len(stranded) == 1
    assert stranded[0].startswith(f"{len(original)} messages left in flight for no failure")


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
        assert redrive_once(queues, max_redrives=100) == []
    queues.send_failure = queues.delete_failure = 0.0  # the flakiness ends; one more run drains the DLQ
    assert redrive_once(queues, max_redrives=100) == []
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
        assert redrive_once(queues, max_redrives=3) == []
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
