"""The at-least-once queue: an in-memory SQS standard queue in front of the applier, and its DLQ."""

from __future__ import annotations

import heapq
import logging
import random
from collections import Counter, deque
from collections.abc import Collection, Iterable, Mapping, Sequence
from dataclasses import dataclass, field

from dlq_redriver.messages import REDRIVE_COUNT, DlqMessage
from order_processor.applier import BatchApplier, BatchResult
from order_processor.model import Outcome, Record
from orders_shared.errors import InvalidEventError
from orders_shared.events import content_digest, parse_sqs_body
from tests.reliability.harness.common import BATCH_SIZE, MAX_RECEIVE_COUNT, seeded_uuid

log = logging.getLogger(__name__)


@dataclass
class Message:
    """One SQS message: a new one (new ``message_id``) for every send, duplicate and redrive.

    ``lineage`` names the message a redrive copied (through any number of redrives): the id of the
    first send, or of the duplicate. Each lineage must end in one place only.
    """

    message_id: str
    body: str
    attributes: dict[str, str] = field(default_factory=dict)
    receive_count: int = 0
    lineage: str = ""


@dataclass
class DeliveryStats:
    """What the simulator did and saw."""

    sent: int = 0
    deliveries: int = 0
    batches: int = 0
    duplicates_injected: int = 0
    retries: int = 0
    crashes: int = 0
    moved_to_dlq: int = 0
    invocations_lost: int = 0
    redriven: int = 0
    redrive_rounds: int = 0
    outcomes: Counter[str] = field(default_factory=Counter)


class AtLeastOnceQueue:
    """An in-memory standard queue in front of a batch consumer, the way SQS + Lambda treat it.

    - ``receive`` returns up to ``batch_size`` messages picked at random among the first ``window``
      visible ones (no order is kept, but nothing starves).
    - A share ``duplicate_rate`` of messages is delivered twice: at its first receive a copy of the
      body (and attributes) goes in the queue under a new message id; half of those copies also get
      a new envelope ``id``, as a producer's retried PutEvents would.
    - A message the consumer reports failed becomes visible again after a visibility timeout
      (counted in receives); after ``max_receive_count`` receives it moves to ``dead_letters``.
    - A share ``timeout_rate`` of invocations time out after the consumer ran: what it did stays
      done, but its answer is lost, so every message of the batch comes back (see
      :func:`deliver_until_empty`).
    - Message attributes travel with a message through every delivery and redelivery, as in SQS.

    Every choice comes from ``random.Random(seed)`` (the timeouts from their own generator, so that
    a rate of 0 leaves every other choice as it was).
    """

    def __init__(
        self,
        seed: int,
        *,
        duplicate_rate: float = 0.0,
        timeout_rate: float = 0.0,
        batch_size: int = BATCH_SIZE,
        max_receive_count: int = MAX_RECEIVE_COUNT,
        window: int = 50,
        visibility: tuple[int, int] = (3, 15),
    ) -> None:
        self._rng = random.Random(seed)
        self._duplicate_rate = duplicate_rate
        self._timeout_rate = timeout_rate
        self._timeouts = random.Random(f"{seed}:invocation timeouts")
        self._batch_size = batch_size
        self._max_receive_count = max_receive_count
        self._window = window
        self._visibility = visibility
        self._visible: deque[Message] = deque()
        self._front: list[Message] = []  # the shuffled head of the queue
        self._hidden: list[tuple[int, int, Message]] = []  # (visible again at tick, seq, message)
        self._tick = 0
        self._seq = 0
        self.dead_letters: list[Message] = []
        self.lineages: dict[str, str] = {}  # lineage -> its first body
        self.lineage_of: dict[str, str] = {}  # message id -> its lineage (every message ever sent)
        self.stats = DeliveryStats()

    def __len__(self) -> int:
        return len(self._visible) + len(self._front) + len(self._hidden)

    def send(self, body: str, attributes: Mapping[str, str] | None = None, lineage: str | None = None) -> Message:
        """Enqueue a new message (a copy of ``lineage``, for a redrive; a lineage of its own otherwise)."""
        message = Message(seeded_uuid(self._rng), body, dict(attributes or {}))
        message.lineage = self._lineage(message, lineage)
        self._visible.append(message)
        self.stats.sent += 1
        return message

    def invocation_lost(self) -> bool:
        """Whether the invocation that just ran timed out (its answer lost): drawn once per batch."""
        lost = self._timeout_rate > 0 and self._timeouts.random() < self._timeout_rate
        self.stats.invocations_lost += lost
        return lost

    def _lineage(self, message: Message, lineage: str | None) -> str:
        if lineage is None:
            lineage = message.message_id
            self.lineages[lineage] = message.body
        self.lineage_of[message.message_id] = lineage
        return lineage

    def receive(self) -> list[Message]:
        """The next batch (empty only when the queue is empty); advances the clock by one tick."""
        self._tick += 1
        if self._hidden and not (self._visible or self._front):
            self._tick = max(self._tick, self._hidden[0][0])  # nothing visible: wait for the next one
        while self._hidden and self._hidden[0][0] <= self._tick:
            _, _, message = heapq.heappop(self._hidden)
            self._visible.append(message)
        while self._visible and len(self._front) < self._window:
            self._front.append(self._visible.popleft())
        batch: list[Message] = []
        while self._front and len(batch) < self._batch_size:
            index = self._rng.randrange(len(self._front))
            self._front[index], self._front[-1] = self._front[-1], self._front[index]
            batch.append(self._front.pop())
        for message in batch:
            message.receive_count += 1
            if message.receive_count == 1 and self._rng.random() < self._duplicate_rate:
                body = _redelivered_body(message.body, self._rng)
                twin = Message(seeded_uuid(self._rng), body, dict(message.attributes))
                twin.lineage = self._lineage(twin, None)
                self._hide(twin, (0, 10))
                self.stats.duplicates_injected += 1
        self.stats.batches += bool(batch)
        self.stats.deliveries += len(batch)
        return batch

    def settle(self, message: Message, failed: bool) -> None:
        """Delete a handled message, or leave a failed one for redelivery (or the DLQ)."""
        if not failed:
            return
        self.stats.retries += 1
        if message.receive_count >= self._max_receive_count:
            self.dead_letters.append(message)
            self.stats.moved_to_dlq += 1
        else:
            self._hide(message, self._visibility)

    def _hide(self, message: Message, delay: tuple[int, int]) -> None:
        self._seq += 1
        heapq.heappush(self._hidden, (self._tick + self._rng.randint(*delay), self._seq, message))


def _redelivered_body(body: str, rng: random.Random) -> str:
    if rng.random() < 0.5:
        return body  # SQS's own duplicate: the same bytes
    try:
        event = parse_sqs_body(body)
    except (InvalidEventError, ValueError):
        return body  # producers retry only what they could publish
    # A producer's retried PutEvents: a new envelope id, the same detail (and eventId).
    return body.replace(f'"id":"{event.envelope_id}"', f'"id":"{seeded_uuid(rng)}"', 1)


ACCEPTED = frozenset({Outcome.APPLIED, Outcome.DUPLICATE, Outcome.IGNORED})  # acknowledged as the id's event


@dataclass
class Ledger:
    """What the consumer reported, by producer event id (and, where one id may carry two events, by content)."""

    applied: set[str] = field(default_factory=set)  # committed (APPLIED, or DUPLICATE of an applied one)
    resent: set[str] = field(default_factory=set)  # notified again on a redelivery (DUPLICATE of an applied one)
    reports: Counter[tuple[str, str]] = field(default_factory=Counter)  # (event id, outcome) -> times reported
    parked: Counter[str] = field(default_factory=Counter)  # message id -> times reported REJECTED (parked)
    # event id -> content digests reported APPLIED, DUPLICATE or IGNORED under it: one, its first event's
    accepted: dict[str, set[str]] = field(default_factory=dict)
    # (event id, digest) of contents delivered while no content of their id was yet reported accepted
    early: set[tuple[str, str]] = field(default_factory=set)
    # redrives -> event ids first accepted from a message redriven that many times (the redrive budget's margin)
    redrives_needed: Counter[int] = field(default_factory=Counter)

    def record(self, batch: BatchResult, redrives: Mapping[str, int] | None = None) -> None:
        """Take in the outcome of one batch (also of one whose answer Lambda lost: it was done).

        ``redrives`` gives each message's ``redriveCount`` (by message id; absent: never redriven).
        """
        contents = {
            message_id: content_digest(result.event)
            for message_id, result in batch.results.items()
            if result.event is not None
        }
        self.early.update(
            (result.event.event_id, contents[message_id])
            for message_id, result in batch.results.items()
            if result.event is not None and result.event.event_id not in self.accepted
        )
        for message_id, result in batch.results.items():
            if result.outcome is Outcome.REJECTED:
                self.parked[message_id] += 1
            if result.event is None:
                continue
            event_id = result.event.event_id
            self.reports[event_id, str(result.outcome)] += 1
            if result.outcome in ACCEPTED:
                if event_id not in self.accepted:
                    self.redrives_needed[(redrives or {}).get(message_id, 0)] += 1
                self.accepted.setdefault(event_id, set()).add(contents[message_id])
            if result.outcome is Outcome.APPLIED:
                self.applied.add(event_id)
            elif result.outcome is Outcome.DUPLICATE and result.notification is not None:
                self.applied.add(event_id)
                self.resent.add(event_id)


class HeldBack:
    """Bodies a producer publishes only once another event is recorded: an id reused after its first use.

    ``bodies`` are (event id, body) pairs; :meth:`release` sends each body to the queue once its
    event id is among those recorded.
    """

    def __init__(self, queue: AtLeastOnceQueue, bodies: Iterable[tuple[str, str]] = ()) -> None:
        self._queue = queue
        self._waiting: dict[str, list[str]] = {}
        for event_id, body in bodies:
            self._waiting.setdefault(event_id, []).append(body)
        self.released = 0

    def __len__(self) -> int:
        """Bodies still waiting."""
        return sum(len(bodies) for bodies in self._waiting.values())

    def release(self, recorded: Collection[str]) -> None:
        """Publish every body waiting for an event id in ``recorded``."""
        for event_id in [event_id for event_id in self._waiting if event_id in recorded]:
            for body in self._waiting.pop(event_id):
                self._queue.send(body)
                self.released += 1


def _redrive_count(message: Message) -> int:
    try:
        return int(message.attributes.get(REDRIVE_COUNT, "0"))
    except ValueError:
        return 0


def deliver_until_empty(
    queue: AtLeastOnceQueue, applier: BatchApplier, ledger: Ledger, held: HeldBack | None = None
) -> None:
    """Feed batches to the applier until nothing is left; a raising handler fails its whole batch.

    Message attributes reach the applier with every delivery. When the queue says the invocation
    timed out, the applier's work stands (the ledger records it) but its answer is lost: every
    message of the batch comes back after the visibility timeout, as from a Lambda timeout. After
    each batch, ``held`` bodies whose event the ledger now says recorded (accepted) are published.

    Raises
    ------
    RuntimeError
        If deliveries run away (more than 100 per message sent): a loop, not a result.
    """
    while batch := queue.receive():
        if queue.stats.deliveries > 100 * queue.stats.sent:
            raise RuntimeError(f"runaway delivery: {queue.stats.deliveries} for {queue.stats.sent} messages")
        records = [Record(message.message_id, message.body, dict(message.attributes)) for message in batch]
        try:
            result = applier.apply(records)
        except Exception:
            log.exception("handler raised: the whole batch is retried")
            queue.stats.crashes += 1
            result = BatchResult()
        ledger.record(result, {message.message_id: _redrive_count(message) for message in batch})
        if held is not None:
            held.release(ledger.accepted)
        if queue.invocation_lost():
            for message in batch:
                queue.stats.outcomes["lost with its invocation"] += 1
                queue.settle(message, failed=True)
            continue
        for message in batch:
            outcome = result.results.get(message.message_id)
            failed = outcome is None or outcome.outcome is Outcome.RETRY  # unknown means failed, as in Lambda
            queue.stats.outcomes["crash" if outcome is None else str(outcome.outcome)] += 1
            queue.settle(message, failed)


class SimulatedQueues:
    """The redriver's Queues port over the simulator: its DLQ and its source queue."""

    DLQ = "sim://order-events-dlq"
    SOURCE = "sim://order-events"

    def __init__(self, queue: AtLeastOnceQueue, now_ms: int) -> None:
        self._queue = queue
        self._now_ms = now_ms
        self._received: dict[str, Message] = {}

    def receive(self, queue_url: str, count: int) -> list[DlqMessage]:
        assert queue_url == self.DLQ
        taken = self._queue.dead_letters[:count]
        del self._queue.dead_letters[:count]
        self._received.update((message.message_id, message) for message in taken)
        return [DlqMessage(m.message_id, f"rh-{m.message_id}", m.body, m.attributes, self._now_ms) for m in taken]

    def send(self, queue_url: str, messages: Sequence[tuple[DlqMessage, Mapping[str, str]]]) -> set[str]:
        assert queue_url == self.SOURCE
        for message, attributes in messages:
            self._queue.send(message.body, attributes, lineage=self._received[message.message_id].lineage)
        return {message.message_id for message, _ in messages}

    def delete(self, queue_url: str, messages: Sequence[DlqMessage]) -> set[str]:
        for message in messages:
            self._received.pop(message.message_id)
        return {message.message_id for message in messages}

    def release(self, queue_url: str, messages: Sequence[DlqMessage]) -> None:
        for message in messages:
            self._queue.dead_letters.append(self._received.pop(message.message_id))
