"""Applying a batch of order events: the processor's logic, with no AWS in it.

The collaborators (ports, :mod:`.ports`) are passed in: a repository of order state, a notifier, a
dead-letter sink and an executor. A batch costs four round trips when all goes well: one read of the
current states (none for orders the batch creates), the commit's two (a request of PartiQL statements
claiming the events' ids beside the commit's ledger, then one moving the orders' heads: one request
per 25 statements, concurrently, for larger batches), one notification batch.

Delivery guarantees
-------------------
- State changes are applied exactly once per producer event id: the event's item (its idempotency
  marker) is written only if the id is free, and the order's head moves only from the version read
  (conditions of the repository's statements); a redelivered event finds its item and changes
  nothing. An event reusing an id for other content is parked, never applied.
- Notifications are sent at least once: a notification that fails after the commit fails its
  record, the redelivery finds the marker and sends the notification again, as the marker recorded
  it (subscribers dedupe by ``eventId``).
- Invalid input is never retried and never lost: it is sent to the dead-letter queue with the
  reason, and only then acknowledged.

The applier logs nothing: every record's outcome carries its reason, and the telemetry module
(:mod:`.telemetry`) logs and counts them.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from concurrent.futures import Executor
from dataclasses import dataclass, field, replace
from typing import TYPE_CHECKING

from order_processor.decision import conflict_of, decide, lifecycle_order
from order_processor.model import (
    Change,
    CommitResult,
    Duplicate,
    Failed,
    Ignored,
    Notification,
    NotYet,
    OrderState,
    Outcome,
    Record,
    Refused,
    Rejection,
)
from orders_shared.errors import EventIdConflictError, InvalidEventError, RetryableError, RetryExhaustedError
from orders_shared.events import DetailType, OrderEvent, parse_sqs_body

if TYPE_CHECKING:  # the ports are Protocols for the type checker: three class creations a cold start skips
    from order_processor.ports import DeadLetters, Notifier, OrderRepository

CALL_BUDGET_MS = 9_000  # the longest one AWS call may take: 2 attempts of 1 s connect + 3 s read, and a 1 s backoff
COMMIT_CALLS = 2  # a commit is two rounds of calls: the ledger and the events' items, then the heads
GUARDED_TIMEOUT_MS = (1 + COMMIT_CALLS + 1) * CALL_BUDGET_MS  # read, commit, notify: the shortest timeout served
DEADLINE_NEAR = "DeadlineNear"  # the reason of a record left for SQS to deliver again, not started in time

type OrderEvents = list[tuple[Record, OrderEvent]]
# What a change (or an ignored event) already got from the repository, by message id.
type Settled = Mapping[str, tuple[Change | Ignored, CommitResult]]


@dataclass(frozen=True, slots=True)
class Deadline:
    """When the invocation ends: no AWS call starts with less than ``budget_ms`` of it left.

    A call that hangs fails within its client's timeouts (``CALL_BUDGET_MS`` at most); the records it
    leaves undone are reported for retry instead of the whole invocation timing out.
    """

    remaining_ms: Callable[[], int]
    budget_ms: int = CALL_BUDGET_MS

    def near(self, calls: int = 1) -> bool:
        """True when ``calls`` more calls, one after another, might not end before the invocation does."""
        return self.remaining_ms() < calls * self.budget_ms

    @classmethod
    def of_invocation(cls, remaining_ms: Callable[[], int]) -> Deadline:
        """The deadline of an invocation that starts with ``remaining_ms()`` left.

        A function whose timeout cannot hold the budgets of a read, a commit (two rounds) and a
        notification gets no guard: its clients' own timeouts already outlast it (the local stage runs with 3 s, to keep
        its tests' visibility timeouts short); a template test keeps every AWS stage above that.
        """
        if remaining_ms() < GUARDED_TIMEOUT_MS:
            return NO_DEADLINE
        return cls(remaining_ms)


NO_DEADLINE = Deadline(lambda: 2**62)


@dataclass(slots=True)
class RecordResult:
    """The outcome of one record, with what the metrics and logs need.

    ``conflict`` is set on an event that reused an applied id (rejected after the commit, parked by
    the applier); ``error`` on a record retried after an unforeseen failure (logged with its trace).
    """

    outcome: Outcome
    event: OrderEvent | None = None
    reason: str | None = None
    notification: Notification | None = None
    conflict: EventIdConflictError | None = None
    error: BaseException | None = None


@dataclass(slots=True)
class BatchResult:
    """Outcomes by SQS message id, in the order of the batch."""

    results: dict[str, RecordResult] = field(default_factory=dict)

    def failed_message_ids(self) -> list[str]:
        """Message ids to report in ``batchItemFailures``."""
        return [message_id for message_id, result in self.results.items() if result.outcome is Outcome.RETRY]


class BatchApplier:
    """Applies the events of one SQS batch.

    Parameters
    ----------
    repository, notifier, dead_letters
        The ports (:mod:`.ports`).
    executor
        Runs the per-order work concurrently; orders are independent, and the events of one order
        are applied one after another, in one task.
    parse
        Turns an SQS body into an event, or raises InvalidEventError.
    max_receives
        The source queue's ``maxReceiveCount``: a record that would be retried on that receive
        would be moved to the DLQ by SQS with no reason, so the applier parks it itself, with its
        last error (None: never).
    """

    def __init__(
        self,
        repository: OrderRepository,
        notifier: Notifier,
        dead_letters: DeadLetters,
        executor: Executor,
        *,
        parse: Callable[[str], OrderEvent] = parse_sqs_body,
        max_receives: int | None = None,
    ) -> None:
        self._max_receives = max_receives
        self._repository = repository
        self._notifier = notifier
        self._dead_letters = dead_letters
        self._executor = executor
        self._parse = parse

    def apply(self, records: Sequence[Record], deadline: Deadline = NO_DEADLINE) -> BatchResult:
        """Apply a batch and return the outcome of every record (see the module's guarantees).

        No AWS call starts when ``deadline`` is near: what it would have done is retried.
        """
        batch = BatchResult()
        by_order: dict[str, OrderEvents] = {}
        rejections: list[Rejection] = []
        for record in records:
            try:
                event = self._parse(record.body)
            except InvalidEventError as error:
                rejections.append(Rejection(record, error))
                batch.results[record.message_id] = RecordResult(Outcome.REJECTED, reason=error.reason)
                continue
            batch.results[record.message_id] = RecordResult(Outcome.RETRY, event=event)
            by_order.setdefault(event.order_id, []).append((record, event))
        self._park(batch, rejections, deadline)
        if by_order and deadline.near(COMMIT_CALLS):
            for events in by_order.values():
                for record, _ in events:
                    batch.results[record.message_id].reason = DEADLINE_NEAR
        elif by_order:
            orders = {order_id: lifecycle_order(events) for order_id, events in by_order.items()}
            self._apply_orders(orders, batch, deadline)
            conflicts = [
                Rejection(record, conflict)
                for record in records
                if (conflict := batch.results[record.message_id].conflict) is not None
            ]
            self._park(batch, conflicts, deadline)
            self._notify(batch, deadline)
        self._park_exhausted(batch, records, deadline)
        return batch

    def _park_exhausted(self, batch: BatchResult, records: Sequence[Record], deadline: Deadline) -> None:
        # On its last receive, a record that would be retried is parked with its last error as the
        # reason (SQS would move it to the DLQ with none); whatever was committed for it stays, and a
        # redrive later finds it done (a duplicate) and notifies again.
        if self._max_receives is None:
            return
        last = [
            record
            for record in records
            if record.receive_count >= self._max_receives and batch.results[record.message_id].outcome is Outcome.RETRY
        ]
        exhausted = [
            Rejection(record, RetryExhaustedError(record.receive_count, batch.results[record.message_id].reason))
            for record in last
        ]
        for rejection in exhausted:
            batch.results[rejection.record.message_id].outcome = Outcome.EXHAUSTED
        self._park(batch, exhausted, deadline)

    def _apply_orders(self, orders: dict[str, OrderEvents], batch: BatchResult, deadline: Deadline) -> None:
        """Read the orders' states, commit every order's first change together, then the rest.

        The first change of every order goes out in one group commit (or a few), and an order
        created by the batch is not read at all: its creation is committed on the assumption that
        the order is new (the writes are conditioned on it) while the other orders are read. A
        creation that was not committed (the order exists, the event was seen) is read like the
        others, so that its later events are decided against the real state. An order whose state
        could not be read keeps its records RETRY, with the reason.
        """
        created = [oid for oid, events in orders.items() if events[0][1].detail_type is DetailType.ORDER_CREATED]
        others = [order_id for order_id in orders if order_id not in created]
        reading = self._executor.submit(self._repository.load, others) if others else None
        event_ids: set[str] = set()
        settled = dict(self._commit_firsts({order_id: orders[order_id] for order_id in created}, {}, event_ids))
        states: dict[str, OrderState] = {}
        unread: dict[str, str] = {}
        try:
            states.update(reading.result() if reading is not None else {})
        except RetryableError as error:
            unread.update(dict.fromkeys(others, str(error)))
        firsts = {order_id: events[0][0].message_id for order_id, events in orders.items()}
        not_new = [
            oid for oid in created if firsts[oid] not in settled or isinstance(settled[firsts[oid]][1], Duplicate)
        ]
        try:
            states.update(self._repository.load(not_new) if not_new else {})
        except RetryableError as error:
            unread.update(dict.fromkeys(not_new, str(error)))
        undecided = [order_id for order_id in [*others, *not_new] if firsts[order_id] not in settled]
        read = {order_id: orders[order_id] for order_id in undecided if order_id not in unread}
        settled.update(self._commit_firsts(read, states, event_ids))

        for order_id, reason in unread.items():
            for record, _ in orders[order_id]:
                batch.results[record.message_id].reason = reason
        tasks = [(events, states.get(order_id)) for order_id, events in orders.items() if order_id not in unread]
        # Orders whose every event was settled above need no I/O: no thread for them.
        done = [task for task in tasks if all(record.message_id in settled for record, _ in task[0])]
        rest = [task for task in tasks if task not in done]
        for results in [
            *(self._apply_order(events, state, settled, deadline) for events, state in done),
            *self._executor.map(lambda task: self._apply_order(task[0], task[1], settled, deadline), rest),
        ]:
            batch.results.update(results)

    def _commit_firsts(
        self, orders: Mapping[str, OrderEvents], states: Mapping[str, OrderState], event_ids: set[str]
    ) -> Settled:
        # The first event of each order, decided against its state, committed with the others; a
        # change a condition refused is left unsettled (decided again, and committed alone, later).
        firsts: list[tuple[str, Change]] = []
        for order_id, events in orders.items():
            record, event = events[0]
            decision = decide(event, states.get(order_id))
            if isinstance(decision, Change) and event.event_id not in event_ids:
                event_ids.add(event.event_id)  # a request may name an item (the event's) once
                firsts.append((record.message_id, decision))
        if not firsts:
            return {}
        try:
            results = self._repository.commit([change for _, change in firsts])
        except Exception:  # a bug or an unforeseen error: each change again alone, where it is caught,
            return {}  # reported and retried per order (_apply_order), rather than failing the whole batch

        return {
            message_id: (change, result)
            for (message_id, change), result in zip(firsts, results, strict=True)
            if not isinstance(result, Refused)
        }

    def _apply_order(
        self, events: OrderEvents, state: OrderState | None, settled: Settled, deadline: Deadline
    ) -> dict[str, RecordResult]:
        results: dict[str, RecordResult] = {}
        for record, event in events:
            if any(result.outcome is Outcome.RETRY for result in results.values()):
                # An earlier event of this order will be retried: deciding later ones against a
                # state that lacks it could wrongly ignore them, so they wait for it.
                results[record.message_id] = RecordResult(Outcome.RETRY, event=event, reason="EarlierEventRetried")
                continue
            if record.message_id not in settled and deadline.near(COMMIT_CALLS):
                results[record.message_id] = RecordResult(Outcome.RETRY, event=event, reason=DEADLINE_NEAR)
                continue
            try:
                result, state = self._apply_event(event, state, settled.get(record.message_id))
            except Exception as error:  # a bug or an unforeseen AWS error: isolate this order, loudly
                result = RecordResult(
                    Outcome.RETRY, event=event, reason=f"Unexpected{type(error).__name__}", error=error
                )
            results[record.message_id] = result
        return results

    def _apply_event(
        self,
        event: OrderEvent,
        state: OrderState | None,
        settled: tuple[Change | Ignored, CommitResult] | None,
    ) -> tuple[RecordResult, OrderState | None]:
        if settled is not None:
            return self._outcome(event, *settled, state)
        decision = decide(event, state)
        if isinstance(decision, NotYet):
            return self._waiting(event, decision, state)
        if isinstance(decision, Ignored):
            return self._outcome(event, decision, self._repository.record_ignored(event, decision.reason), state)
        [committed] = self._repository.commit([decision])
        return self._outcome(event, decision, committed, state)

    def _waiting(
        self, event: OrderEvent, decision: NotYet, state: OrderState | None
    ) -> tuple[RecordResult, OrderState | None]:
        # An event that must wait is retried, unless its id was recorded already: then it is another
        # event reusing the id (a conflict, parked now rather than retried into the DLQ without a
        # word), or a redelivery of one that was applied (a duplicate). One read, for waiting events only.
        try:
            earlier = self._repository.recorded(event)
        except RetryableError as error:
            return RecordResult(Outcome.RETRY, event=event, reason=str(error)), state
        if earlier is None:
            return RecordResult(Outcome.RETRY, event=event, reason=decision.reason), state
        return self._duplicate(event, Duplicate(earlier)), state

    @staticmethod
    def _outcome(
        event: OrderEvent, decision: Change | Ignored, committed: CommitResult, state: OrderState | None
    ) -> tuple[RecordResult, OrderState | None]:
        """The record's outcome, and the order's state after it."""
        if isinstance(committed, Duplicate):
            return BatchApplier._duplicate(event, committed), state
        if isinstance(committed, Refused):
            return RecordResult(Outcome.RETRY, event=event, reason=committed.reason), state
        if isinstance(committed, Failed):
            return RecordResult(Outcome.RETRY, event=event, reason=str(committed.error)), state
        if isinstance(decision, Ignored):
            return RecordResult(Outcome.IGNORED, event=event, reason=decision.reason), state
        previous = decision.previous.status if decision.previous else None
        notification = Notification(event, decision.new.status, previous)
        return RecordResult(Outcome.APPLIED, event=event, notification=notification), decision.new

    @staticmethod
    def _duplicate(event: OrderEvent, duplicate: Duplicate) -> RecordResult:
        earlier = duplicate.earlier
        conflict = conflict_of(event, earlier)
        if conflict is not None:  # changes nothing, notifies nobody: parked with the reason
            return RecordResult(Outcome.REJECTED, event=event, reason=conflict.reason, conflict=conflict)
        # The first delivery may have committed and then failed to notify: send it again, as recorded.
        if earlier.outcome is not Outcome.APPLIED:
            return RecordResult(Outcome.DUPLICATE, event=event)
        notification = Notification(event, earlier.status or event.target_status, earlier.previous_status)
        return RecordResult(Outcome.DUPLICATE, event=event, notification=notification)

    def _park(self, batch: BatchResult, rejections: Sequence[Rejection], deadline: Deadline) -> None:
        # A record that cannot be parked (or not in time) is retried: never acknowledged unparked.
        if not rejections:
            return
        if deadline.near():
            failed, reason = {rejection.record.message_id for rejection in rejections}, DEADLINE_NEAR
        else:
            failed, reason = self._dead_letters.park(rejections), "DeadLetterSendFailed"
        for message_id in failed:
            batch.results[message_id] = replace(
                batch.results[message_id], outcome=Outcome.RETRY, reason=reason, conflict=None
            )

    def _notify(self, batch: BatchResult, deadline: Deadline) -> None:
        # One notification per event id, even when the batch held the event twice. Not sent in time,
        # or failed: the record is retried, and its redelivery (a duplicate) notifies again.
        unique = {r.notification.event.event_id: r.notification for r in batch.results.values() if r.notification}
        pending = list(unique.values())
        if not pending:
            return
        if deadline.near():
            failed, reason = set(unique), DEADLINE_NEAR
        else:
            failed, reason = self._notifier.notify(pending), "NotificationFailed"
        for result in batch.results.values():
            if result.notification is not None and result.event is not None and result.event.event_id in failed:
                result.outcome = Outcome.RETRY
                result.reason = reason


def summarise(results: Iterable[RecordResult]) -> Mapping[Outcome, int]:
    """Records per outcome."""
    counts = dict.fromkeys(Outcome, 0)
    for result in results:
        counts[result.outcome] += 1
    return counts
