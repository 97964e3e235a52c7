"""Applying a batch of order events: the processor's logic, with no AWS in it.

The collaborators (ports) are passed in: a repository of order state, a notifier, a dead-letter
sink and an executor. A batch costs three round trips when all goes well: one read of the current
states, one transaction holding the change of every order (one per 33 orders, concurrently, for
larger batches), one notification batch.

Delivery guarantees
-------------------
- State changes are applied exactly once per producer event id: the projection update, the event
  store append and the idempotency marker are one transaction, and a redelivered event finds its
  marker and changes nothing.
- Notifications are sent at least once: a notification that fails after the commit fails its
  record, the redelivery finds the marker and sends the notification again (subscribers dedupe by
  ``eventId``).
- Invalid input is never retried and never lost: it is sent to the dead-letter queue with the
  reason, and only then acknowledged.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Collection, Iterable, Mapping, Sequence
from concurrent.futures import Executor
from dataclasses import dataclass, field, replace
from decimal import Decimal
from enum import StrEnum
from typing import Protocol, cast, runtime_checkable

from order_processor.transitions import can_move, can_reach, rank
from orders_shared.errors import EventIdConflictError, InvalidEventError, RetryableError
from orders_shared.events import DetailType, OrderEvent, OrderStatus, content_digest, parse_sqs_body

log = logging.getLogger(__name__)


class Outcome(StrEnum):
    """What became of one record."""

    APPLIED = "applied"  # state changed (and notification sent)
    DUPLICATE = "duplicate"  # already handled earlier; nothing changed
    IGNORED = "ignored"  # a valid event the order's state makes moot (recorded, not an error)
    REJECTED = "rejected"  # can never succeed; parked in the DLQ with its reason
    RETRY = "retry"  # transient failure; reported in batchItemFailures


@dataclass(frozen=True, slots=True)
class Record:
    """The parts of an SQS record the domain needs (``attributes``: its string message attributes)."""

    message_id: str
    body: str
    attributes: Mapping[str, str] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class OrderState:
    """The projection of one order (``created_at``: when it was first stored; None before)."""

    order_id: str
    status: OrderStatus
    version: int
    customer_id: str
    amount: Decimal
    created_at: str | None = None


@dataclass(frozen=True, slots=True)
class Change:
    """One state change to commit: ``previous`` is None for a new order."""

    event: OrderEvent
    previous: OrderState | None
    new: OrderState


@dataclass(frozen=True, slots=True)
class Recorded:
    """What the idempotency marker of an event id holds: the first handling of that id.

    ``digest`` is the :func:`~orders_shared.events.content_digest` of the event then (None in a
    marker written before digests were kept); ``status`` and ``previous_status`` are the move an
    applied event made (None for an ignored one, or an older marker).
    """

    outcome: Outcome
    order_id: str
    event_type: str
    digest: str | None = None
    status: OrderStatus | None = None
    previous_status: OrderStatus | None = None


@dataclass(frozen=True, slots=True)
class Commit:
    """What the repository did with a change or an ignored event.

    ``duplicate`` is True when the event id had been recorded before; ``earlier`` is then what was
    recorded (the same event again, or another one reusing its id: see :func:`conflict_of`).
    """

    duplicate: bool
    earlier: Recorded | None = None


@dataclass(frozen=True, slots=True)
class Rejection:
    """A record that can never succeed, and why."""

    record: Record
    error: InvalidEventError


@dataclass(frozen=True, slots=True)
class Notification:
    """A status notification for subscribers (at least once, keyed by ``event.event_id``)."""

    event: OrderEvent
    status: OrderStatus
    previous_status: OrderStatus | None


class OrderRepository(Protocol):
    """Order state storage (DynamoDB in production)."""

    def load(self, order_ids: Collection[str]) -> dict[str, OrderState]:
        """Current state of each order that exists."""
        ...

    def commit(self, change: Change) -> Commit:
        """Apply a change atomically with its event and idempotency marker. Raises RetryableError."""
        ...

    def record_ignored(self, event: OrderEvent, reason: str) -> Commit:
        """Record that an event was handled without a change. Raises RetryableError."""
        ...


@runtime_checkable
class GroupCommitter(Protocol):
    """A repository that can commit the changes of several orders in fewer round trips."""

    def commit_all(self, changes: Sequence[Change]) -> list[Commit | RetryableError | None]:
        """Commit changes of different orders together; per change, in order: the Commit, the
        RetryableError ``commit`` would raise, or None when a condition refused it (decide again)."""
        ...


class Notifier(Protocol):
    """Sends notifications; returns the event ids whose notification failed."""

    def notify(self, notifications: Sequence[Notification]) -> set[str]: ...


class DeadLetters(Protocol):
    """Parks rejected records; returns the message ids that could not be parked."""

    def park(self, rejections: Sequence[Rejection]) -> set[str]: ...


@dataclass(slots=True)
class RecordResult:
    """The outcome of one record, with what the metrics and logs need."""

    outcome: Outcome
    event: OrderEvent | None = None
    reason: str | None = None
    notification: Notification | None = None
    conflict: EventIdConflictError | None = None  # rejected after the commit: parked by the applier


@dataclass(slots=True)
class BatchResult:
    """Outcomes by SQS message id, in the order of the batch."""

    results: dict[str, RecordResult] = field(default_factory=dict)

    def failed_message_ids(self) -> list[str]:
        """Message ids to report in ``batchItemFailures``."""
        return [message_id for message_id, result in self.results.items() if result.outcome is Outcome.RETRY]

    def count(self, outcome: Outcome) -> int:
        """How many records ended with ``outcome``."""
        return sum(1 for result in self.results.values() if result.outcome is outcome)


def decide(event: OrderEvent, state: OrderState | None) -> Change | str:
    """The change an event makes to an order, or the reason it makes none.

    An event for an order already in that state, a later one or a terminal one changes nothing:
    the reason is returned and recorded.

    Raises
    ------
    RetryableError
        For an event that came too early: about an order that does not exist yet, or one that
        skips a step (``completed`` while ``pending``); what it waits for may still be on the way.
    """
    target = event.target_status
    if state is None:
        if event.detail_type is not DetailType.ORDER_CREATED:
            raise RetryableError(f"order {event.order_id} does not exist (yet)")
        new = OrderState(
            order_id=event.order_id,
            status=OrderStatus.PENDING,
            version=1,
            customer_id=str(event.detail["customerId"]),
            amount=Decimal(str(event.detail["amount"])),
        )
        return Change(event, None, new)
    if event.detail_type is DetailType.ORDER_CREATED:
        return "AlreadyCreated"
    if can_move(state.status, target):
        return Change(event, state, replace(state, status=target, version=state.version + 1))
    if can_reach(state.status, target):
        # Overtook the event before it (completed while still pending): that one is on its way.
        raise RetryableError(f"order {event.order_id} is {state.status}, not yet ready for {target}")
    return f"{state.status}->{target}"


def conflict_of(event: OrderEvent, earlier: Recorded) -> EventIdConflictError | None:
    """Why ``event`` is not the event its id was first recorded for, or None when it is that event.

    The same id for another order, another detail-type or another content is a conflict: applying it
    would apply an event twice under one key, skipping it as a duplicate would lose it silently.
    """
    recorded_as = f"event id {event.event_id} was recorded for {earlier.event_type} of order {earlier.order_id}"
    if earlier.order_id != event.order_id or earlier.event_type != str(event.detail_type):
        return EventIdConflictError(
            f"{recorded_as}; this is {event.detail_type} of order {event.order_id}",
            path="detail.metadata.eventId",
            rule="unique",
        )
    if earlier.digest is not None and earlier.digest != content_digest(event):
        return EventIdConflictError(
            f"{recorded_as} with other content", path="detail.metadata.eventId", rule="unique"
        )
    return None


def _lifecycle_order(events: list[tuple[Record, OrderEvent]]) -> list[tuple[Record, OrderEvent]]:
    # Within one batch, an order's events are applied in lifecycle order (creation, then
    # processing, then the end), whatever order SQS delivered them in (a standard queue keeps none).
    return sorted(events, key=lambda pair: rank(pair[1].target_status))


class BatchApplier:
    """Applies the events of one SQS batch.

    Parameters
    ----------
    repository, notifier, dead_letters
        The ports (see the protocols above).
    executor
        Runs the per-order work concurrently; orders are independent, and the events of one order
        are applied one after another, in one task.
    """

    def __init__(
        self,
        repository: OrderRepository,
        notifier: Notifier,
        dead_letters: DeadLetters,
        executor: Executor,
        *,
        parse: Callable[[str], OrderEvent] = parse_sqs_body,
    ) -> None:
        self._repository = repository
        self._notifier = notifier
        self._dead_letters = dead_letters
        self._executor = executor
        self._parse = parse

    def apply(self, records: Sequence[Record]) -> BatchResult:
        """Apply a batch and return the outcome of every record (see the module's guarantees)."""
        batch = BatchResult()
        by_order: dict[str, list[tuple[Record, OrderEvent]]] = {}
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

        if rejections:
            for message_id in self._dead_letters.park(rejections):
                batch.results[message_id] = RecordResult(Outcome.RETRY, reason="DeadLetterSendFailed")

        if by_order:
            orders = {order_id: _lifecycle_order(events) for order_id, events in by_order.items()}
            states, settled, unread = self._read_and_commit(orders)
            # An order whose state could not be read keeps its records RETRY (nothing was committed for it).
            tasks = [(events, states.get(order_id)) for order_id, events in orders.items() if order_id not in unread]
            # Orders whose every event was committed above need no I/O: no thread for them.
            done = [task for task in tasks if all(record.message_id in settled for record, _ in task[0])]
            rest = [task for task in tasks if not all(record.message_id in settled for record, _ in task[0])]
            for results in [
                *(self._apply_order(events, state, settled) for events, state in done),
                *self._executor.map(lambda task: self._apply_order(task[0], task[1], settled), rest),
            ]:
                batch.results.update(results)
            self._park_conflicts(batch, records)
            self._notify(batch)
        return batch

    def _park_conflicts(self, batch: BatchResult, records: Sequence[Record]) -> None:
        # Events that reuse an applied id with other content: parked like invalid input, with the
        # conflict as their reason; one that cannot be parked is retried (and found again).
        conflicts = [
            Rejection(record, conflict)
            for record in records
            if (conflict := batch.results[record.message_id].conflict) is not None
        ]
        if conflicts:
            for message_id in self._dead_letters.park(conflicts):
                batch.results[message_id] = replace(
                    batch.results[message_id], outcome=Outcome.RETRY, reason="DeadLetterSendFailed", conflict=None
                )

    def _read_and_commit(
        self, orders: dict[str, list[tuple[Record, OrderEvent]]]
    ) -> tuple[dict[str, OrderState], dict[str, tuple[Change, Commit | RetryableError]], set[str]]:
        """Read the orders' states and, when the repository can, commit each order's first change.

        With a :class:`GroupCommitter`, the first change of every order goes out in one
        transaction (or a few), and an order created by the batch is not read at all: its creation
        is committed on the assumption that the order is new (the writes are conditioned on it)
        while the other orders are read. A creation refused by a condition (the order exists, the
        event was seen) is read, like the others, and decided again.

        Returns
        -------
        tuple
            The states read; by message id, the changes committed here with their outcome (every
            other event is applied in ``_apply_order``, one by one); the orders whose state could
            not be read (throttling, a 5xx), whose records are retried.
        """
        if not isinstance(self._repository, GroupCommitter):
            try:
                return dict(self._repository.load(orders.keys())), {}, set()
            except RetryableError as error:
                log.warning("state read failed, batch retried: %s", error)
                return {}, {}, set(orders)
        created = {
            order_id for order_id, events in orders.items() if events[0][1].detail_type is DetailType.ORDER_CREATED
        }
        others = [order_id for order_id in orders if order_id not in created]
        reading = self._executor.submit(self._repository.load, others) if others else None
        event_ids: set[str] = set()
        settled = self._commit_firsts({order_id: orders[order_id] for order_id in created}, {}, event_ids)
        states: dict[str, OrderState] = {}
        unread: set[str] = set()
        try:
            states.update(reading.result() if reading is not None else {})
        except RetryableError as error:
            log.warning("state read failed, those orders retried: %s", error)
            unread.update(others)
        refused = [order_id for order_id in created if orders[order_id][0][0].message_id not in settled]
        try:
            states.update(self._repository.load(refused) if refused else {})
        except RetryableError as error:
            log.warning("state read failed, those orders retried: %s", error)
            unread.update(refused)
        read = {order_id: orders[order_id] for order_id in [*others, *refused] if order_id not in unread}
        settled.update(self._commit_firsts(read, states, event_ids))
        return states, settled, unread

    def _commit_firsts(
        self,
        orders: Mapping[str, list[tuple[Record, OrderEvent]]],
        states: Mapping[str, OrderState],
        event_ids: set[str],
    ) -> dict[str, tuple[Change, Commit | RetryableError]]:
        # The first event of each order, decided against its state, committed with the others;
        # what a condition refused is left out (decided again, and committed alone, later).
        firsts: list[tuple[str, Change]] = []
        for order_id, events in orders.items():
            record, event = events[0]
            try:
                decision = decide(event, states.get(order_id))
            except RetryableError:
                continue  # decided again, and retried, in _apply_order
            if isinstance(decision, Change) and event.event_id not in event_ids:
                event_ids.add(event.event_id)  # a transaction may name an item (the marker) once
                firsts.append((record.message_id, decision))
        if not firsts:
            return {}
        outcomes = cast("GroupCommitter", self._repository).commit_all([change for _, change in firsts])
        return {
            message_id: (change, outcome)
            for (message_id, change), outcome in zip(firsts, outcomes, strict=True)
            if outcome is not None
        }

    def _apply_order(
        self,
        events: list[tuple[Record, OrderEvent]],
        state: OrderState | None,
        settled: Mapping[str, tuple[Change, Commit | RetryableError]],
    ) -> dict[str, RecordResult]:
        results: dict[str, RecordResult] = {}
        for record, event in events:
            if any(result.outcome is Outcome.RETRY for result in results.values()):
                # An earlier event of this order will be retried: deciding later ones against a
                # state that lacks it could wrongly ignore them, so they wait for it.
                results[record.message_id] = RecordResult(Outcome.RETRY, event=event, reason="EarlierEventRetried")
                continue
            try:
                if record.message_id in settled:
                    result, state = self._applied(event, *settled[record.message_id])
                else:
                    result, state = self._apply_event(event, state)
            except RetryableError as error:
                result = RecordResult(Outcome.RETRY, event=event, reason=str(error))
            except Exception as error:  # a bug or an unforeseen AWS error: isolate this order, loudly
                log.exception("unexpected failure applying event %s", event.event_id)
                result = RecordResult(Outcome.RETRY, event=event, reason=f"Unexpected{type(error).__name__}")
            results[record.message_id] = result
        return results

    def _apply_event(self, event: OrderEvent, state: OrderState | None) -> tuple[RecordResult, OrderState | None]:
        decision = decide(event, state)
        if isinstance(decision, str):
            commit = self._repository.record_ignored(event, decision)
            if commit.duplicate:
                return self._duplicate(event, commit), state
            return RecordResult(Outcome.IGNORED, event=event, reason=decision), state
        return self._applied(event, decision, self._repository.commit(decision))

    def _applied(
        self, event: OrderEvent, change: Change, outcome: Commit | RetryableError
    ) -> tuple[RecordResult, OrderState | None]:
        if isinstance(outcome, RetryableError):
            raise outcome
        if outcome.duplicate:
            return self._duplicate(event, outcome), change.previous
        previous = change.previous.status if change.previous else None
        notification = Notification(event, change.new.status, previous)
        return RecordResult(Outcome.APPLIED, event=event, notification=notification), change.new

    @staticmethod
    def _duplicate(event: OrderEvent, commit: Commit) -> RecordResult:
        earlier = commit.earlier
        if earlier is None:
            raise RetryableError(f"marker of event {event.event_id} unreadable")
        conflict = conflict_of(event, earlier)
        if conflict is not None:  # changes nothing, notifies nobody: parked with the reason
            return RecordResult(Outcome.REJECTED, event=event, reason=conflict.reason, conflict=conflict)
        # The first delivery may have committed and then failed to notify: send it again, as recorded.
        notification = None
        if earlier.outcome is Outcome.APPLIED:
            notification = Notification(event, earlier.status or event.target_status, earlier.previous_status)
        return RecordResult(Outcome.DUPLICATE, event=event, notification=notification)

    def _notify(self, batch: BatchResult) -> None:
        # One notification per event id, even when the batch held the event twice.
        unique = {r.notification.event.event_id: r.notification for r in batch.results.values() if r.notification}
        pending = list(unique.values())
        if not pending:
            return
        failed = self._notifier.notify(pending)
        for result in batch.results.values():
            if result.notification is not None and result.event is not None and result.event.event_id in failed:
                result.outcome = Outcome.RETRY
                result.reason = "NotificationFailed"


def summarise(results: Iterable[RecordResult]) -> Mapping[Outcome, int]:
    """Records per outcome."""
    counts = dict.fromkeys(Outcome, 0)
    for result in results:
        counts[result.outcome] += 1
    return counts
