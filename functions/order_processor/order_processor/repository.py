"""The OrderRepository port on DynamoDB: event items (and markers), streams' heads, and ledgers.

Every AWS failure that may pass (throttling, 5xx, a lost connection) comes back as
:class:`~order_processor.model.Failed`, a condition that refused a write as
:class:`~order_processor.model.Refused`; the domain never sees botocore. No transaction on the
happy path, and no request per item: a commit is two rounds of PartiQL statements
(:meth:`DynamoOrderRepository.commit`, :mod:`.statements`; docs/decisions.md, 2026-11-30).
"""

from __future__ import annotations

import random
import time
from collections.abc import Callable, Collection, Mapping, Sequence
from concurrent.futures import Executor
from dataclasses import dataclass
from functools import partial
from typing import TYPE_CHECKING, cast

from botocore.exceptions import BotoCoreError, ClientError

from order_processor.decision import conflict_of
from order_processor.items import (
    STATE_NAMES,
    STATE_PROJECTION,
    claim_item,
    claim_overwrite,
    head_statement,
    head_write,
    ignored_put,
    marker_key,
    moves_of,
    recorded_from_item,
    state_from_item,
)
from order_processor.model import (
    Change,
    CommitResult,
    Committed,
    Duplicate,
    Failed,
    OrderState,
    Outcome,
    Recorded,
    Refused,
)
from order_processor.statements import chunks, insert
from orders_shared.aws import error_code, failure_code
from orders_shared.batch_reads import batch_get
from orders_shared.errors import RetryableError
from orders_shared.event_store import EVENTS, head_events
from orders_shared.events import OrderEvent, utc_now_iso
from orders_shared.ledger import Ledger, ledger_item

if TYPE_CHECKING:
    from mypy_boto3_dynamodb import DynamoDBClient
    from mypy_boto3_dynamodb.type_defs import AttributeValueTypeDef, BatchStatementRequestTypeDef

BATCH_GET_TRIES = 4  # unprocessed keys (throttled) are asked for again, after a short jitter
BACKOFF_S = 0.01  # jitter up to 10 ms before asking again for throttled keys


@dataclass(frozen=True, slots=True)
class Uncommitted:
    """The event's id was claimed by an earlier attempt at this same event that never committed."""

    ledger: str  # the ledger that claim was written with: taken over only if it still is


@dataclass(frozen=True, slots=True)
class Claimed:
    """The event's item was written by this commit."""


CLAIMED = Claimed()
type Claim = Claimed | Uncommitted | Duplicate | Failed


def _transient(error: ClientError | BotoCoreError, what: str) -> RetryableError:
    return RetryableError(f"{what}: {failure_code(error)}")


# A statement whose condition refused it: an INSERT of a key that is taken, an UPDATE whose WHERE failed.
_REFUSED = frozenset({"DuplicateItem", "ConditionalCheckFailed"})


class _Taken:
    """The event's id was claimed before this commit: what its item holds is read next."""


_TAKEN = _Taken()


def _claim_of(answer: str | None) -> Claim | _Taken:
    if answer is None:
        return CLAIMED
    if answer in _REFUSED:
        return _TAKEN
    return Failed(RetryableError(f"claiming the event id: {answer}"))


def _committed(change: Change, answer: str | None) -> CommitResult:
    order_id = change.new.order_id
    if answer is None:
        return Committed()
    if answer in _REFUSED:
        return Refused(f"order {order_id} changed concurrently")
    return Failed(RetryableError(f"committing order {order_id}: {answer}"))


class DynamoOrderRepository:
    """Event items (which are the idempotency markers), streams' heads with the projection, and ledgers.

    Parameters
    ----------
    client
        A boto3 ``dynamodb`` client.
    orders_table, events_table : str
        The Orders (heads and projection, counter shards) and EventStore (event items, ledgers) tables.
    clock, wall, rng, sleep, jitter
        Injected for tests: the commit timestamp, the ledger's clock and shard choice, and the backoff.
    executor
        Runs the writes of a group :meth:`commit` concurrently (one after another without it).
    """

    def __init__(
        self,
        client: DynamoDBClient,
        orders_table: str,
        events_table: str,
        *,
        clock: Callable[[], str] = utc_now_iso,
        wall: Callable[[], float] = time.time,
        rng: random.Random | None = None,
        sleep: Callable[[float], None] = time.sleep,
        jitter: Callable[[], float] = random.random,
        executor: Executor | None = None,
    ) -> None:
        self._client = client
        self._orders = orders_table
        self._events = events_table
        self._executor = executor
        self._clock = clock
        self._wall = wall
        self._rng = rng or random.Random()  # noqa: S311 - spreading load over ledger shards
        self._sleep = sleep
        self._jitter = jitter

    def load(self, order_ids: Collection[str]) -> dict[str, OrderState]:
        """Current state of the orders that exist; one consistent BatchGetItem per 100 ids.

        Raises
        ------
        RetryableError
            On throttling or a service error, or keys still unprocessed after a few tries.
        """
        items = batch_get(
            self._client,
            self._orders,
            [{"orderId": {"S": order_id}} for order_id in order_ids],
            what="order states",
            projection=STATE_PROJECTION,
            names=STATE_NAMES,
            tries=BATCH_GET_TRIES,
            backoff=lambda: self._sleep(self._jitter() * BACKOFF_S),  # throttled keys: back off a little
            unprocessed=lambda: RetryableError("reading order states: keys left unprocessed"),
            failed=partial(_transient, what="reading order states"),
        )
        states: dict[str, OrderState] = {}
        for item in items:
            state = state_from_item(item)
            states[state.order_id] = state
        return states

    def commit(self, changes: Sequence[Change]) -> list[CommitResult]:
        """Commit the changes of different orders: their ledger and events, then their heads.

        Two rounds of PartiQL statements (:mod:`.statements`), each a ``BatchExecuteStatement`` of up
        to 25 (the requests of a round concurrent, on the executor, for a group): first the commit's
        ledger (the moves, for the counters) with one ``INSERT`` per event, claiming its id; then
        each order's head, conditioned on the version read, which appends the event and holds the
        new projection: that write is the commit. Each statement is billed as its single-item write
        and fails alone. An id claimed before by an uncommitted attempt at the same event is taken
        over (its item and the head in one transaction), so a retry after a crash between the
        rounds completes it.

        Parameters
        ----------
        changes
            At most one change per order and per event id (the caller's guarantee).

        Returns
        -------
        list of CommitResult
            One per change, in order: Committed; Duplicate, with what the event's item recorded (the
            same event committed before, or another event that used the id: the caller tells which);
            Refused, when the order (or the claim) moved since it was read (decide it again); Failed,
            on throttling, a 5xx or a lost connection.
        """
        if not changes:
            return []
        group = len(changes) > 1
        now = self._clock()
        ledger = Ledger.new(self._wall(), self._rng)
        # The ledger and the events' items go out together: the heads, the commit, come after both.
        first = [insert(self._events, ledger_item(ledger, moves_of(changes), now, self._wall()))]
        first += [insert(self._events, claim_item(change, now, ledger.id)) for change in changes]
        answers = self._statements(first, group)
        if answers[0] is not None:  # no head may name a ledger that is not there: the items wait for a retry
            taken = answers[0] in _REFUSED
            what = (
                f"ledger {ledger.id} was taken by another commit"
                if taken
                else f"writing the commit's ledger: {answers[0]}"
            )
            return [Failed(RetryableError(what))] * len(changes)
        claims: list[Claim | _Taken] = [_claim_of(answer) for answer in answers[1:]]
        # An id claimed before: what its item holds decides (a read or two, for these only).
        before = [index for index, claim in enumerate(claims) if claim is _TAKEN]
        read = self._map(lambda i: self._claimed_before(changes[i].event, None), before)
        for index, claim in zip(before, read, strict=True):
            claims[index] = claim
        return self._commit_heads(changes, cast("list[Claim]", claims), now, ledger.id, group)

    def _commit_heads(
        self, changes: Sequence[Change], claims: Sequence[Claim], now: str, ledger: str, group: bool
    ) -> list[CommitResult]:
        results: list[CommitResult | None] = [
            claim if isinstance(claim, Duplicate | Failed) else None for claim in claims
        ]
        claimed = [index for index, claim in enumerate(claims) if claim is CLAIMED]
        statements = [head_statement(self._orders, changes[index], now, ledger) for index in claimed]
        for index, answer in zip(claimed, self._statements(statements, group), strict=True):
            results[index] = _committed(changes[index], answer)
        taken_over = [(index, claim) for index, claim in enumerate(claims) if isinstance(claim, Uncommitted)]
        done = self._map(lambda pair: self._take_over(changes[pair[0]], pair[1], now, ledger), taken_over)
        for (index, _), result in zip(taken_over, done, strict=True):
            results[index] = result
        return [cast("CommitResult", result) for result in results]

    def _statements(self, statements: Sequence[BatchStatementRequestTypeDef], group: bool) -> list[str | None]:
        """Run ``statements`` (requests of at most 25, concurrent for a group): each one's error code, or None."""
        requests = chunks(statements)
        answers = self._map(self._execute, requests, group=group and len(requests) > 1)
        return [answer for request in answers for answer in request]

    def _execute(self, statements: Sequence[BatchStatementRequestTypeDef]) -> list[str | None]:
        """One ``BatchExecuteStatement``: each statement's error code (the request's, if it failed whole), or None."""
        if not statements:
            return []
        try:
            responses = self._client.batch_execute_statement(Statements=list(statements))["Responses"]
        except (ClientError, BotoCoreError) as error:
            return [failure_code(error)] * len(statements)
        if len(responses) != len(statements):  # never seen; nothing in the answer can be trusted
            return ["IncompleteBatchAnswer"] * len(statements)
        return [response["Error"].get("Code", "Unknown") if "Error" in response else None for response in responses]

    def _map[T, R](self, function: Callable[[T], R], items: Sequence[T], *, group: bool | None = None) -> list[R]:
        # A group (from the applier's own thread) goes out concurrently; a single change, which the
        # applier commits from a worker of the same executor, is written in that worker (waiting there
        # on the executor could leave every worker waiting).
        if self._executor is None or not (len(items) > 1 if group is None else group):
            return [function(item) for item in items]
        return list(self._executor.map(function, items))

    def _claimed_before(
        self, event: OrderEvent, old: Mapping[str, AttributeValueTypeDef] | None
    ) -> Uncommitted | Duplicate | Failed:
        """A Duplicate (committed, ignored, or another event's id), or the claim to take over (same event)."""
        try:
            item = old if old is not None and "outcome" in old else self._event_item(event.event_id)
            if item is None:
                return Failed(RetryableError(f"the item of event {event.event_id} vanished"))
            earlier = recorded_from_item(item)
            if earlier.outcome is not Outcome.APPLIED or conflict_of(event, earlier) is not None:
                return Duplicate(earlier)
            if self._committed(event.event_id, earlier.order_id):
                return Duplicate(earlier)
        except RetryableError as error:
            return Failed(error)
        return Uncommitted(item.get("ledger", {}).get("S", ""))

    def _take_over(self, change: Change, claim: Uncommitted, now: str, ledger: str) -> CommitResult:
        """Commit a change whose id an uncommitted attempt claimed: its item and its head in one transaction."""
        order_id = change.new.order_id
        put = claim_overwrite(self._events, change, now, ledger, claim.ledger)
        put.pop("ReturnValuesOnConditionCheckFailure", None)
        try:
            self._client.transact_write_items(
                TransactItems=[{"Put": put}, head_write(self._orders, change, now, ledger)]
            )
        except ClientError as error:
            if error_code(error) == "TransactionCanceledException":
                return Refused(f"order {order_id} changed concurrently")
            return Failed(_transient(error, f"committing order {order_id}"))
        except BotoCoreError as error:
            return Failed(_transient(error, f"committing order {order_id}"))
        return Committed()

    def record_ignored(self, event: OrderEvent, reason: str) -> CommitResult:
        """Record the item of an event that changes nothing, with the reason.

        An uncommitted claim of the same event (an earlier attempt decided it as a change, and its
        order moved on before that committed) is replaced, if nobody moved it since it was read.
        """
        try:
            self._client.put_item(**ignored_put(self._events, event, reason, self._clock()))
        except ClientError as error:
            if error_code(error) != "ConditionalCheckFailedException":
                return Failed(_transient(error, "recording ignored event"))
            old = cast("dict[str, AttributeValueTypeDef] | None", error.response.get("Item"))
            before = self._claimed_before(event, old)
            if not isinstance(before, Uncommitted):
                return before
            return self._replace_claim(event, reason, before.ledger)
        except BotoCoreError as error:
            return Failed(_transient(error, "recording ignored event"))
        return Committed()

    def _replace_claim(self, event: OrderEvent, reason: str, seen_ledger: str) -> CommitResult:
        try:
            self._client.put_item(**ignored_put(self._events, event, reason, self._clock(), seen_ledger))
        except ClientError as error:
            if error_code(error) == "ConditionalCheckFailedException":
                return Refused(f"the claim of event {event.event_id} moved concurrently")
            return Failed(_transient(error, "recording ignored event"))
        except BotoCoreError as error:
            return Failed(_transient(error, "recording ignored event"))
        return Committed()

    def recorded(self, event: OrderEvent) -> Recorded | None:
        """What the item of the event's id holds (consistent reads), or None when it holds nothing yet.

        An uncommitted claim of this same event counts as nothing: it is in no stream.

        Raises
        ------
        RetryableError
            On throttling, a 5xx or a lost connection.
        """
        item = self._event_item(event.event_id)
        if item is None or "outcome" not in item:
            return None
        earlier = recorded_from_item(item)
        if (
            earlier.outcome is Outcome.APPLIED
            and conflict_of(event, earlier) is None
            and not self._committed(event.event_id, earlier.order_id)
        ):
            return None
        return earlier

    def _event_item(self, event_id: str) -> dict[str, AttributeValueTypeDef] | None:
        try:
            response = self._client.get_item(TableName=self._events, Key=marker_key(event_id), ConsistentRead=True)
        except (ClientError, BotoCoreError) as error:
            raise _transient(error, "reading idempotency marker") from error
        item = response.get("Item")
        return dict(item) if item is not None else None

    def _committed(self, event_id: str, order_id: str) -> bool:
        """Whether the head of ``order_id`` lists the event (a consistent read)."""
        try:
            response = self._client.get_item(
                TableName=self._orders,
                Key={"orderId": {"S": order_id}},
                ConsistentRead=True,
                ProjectionExpression="#events",
                ExpressionAttributeNames={"#events": EVENTS},
            )
        except (ClientError, BotoCoreError) as error:
            raise _transient(error, "reading the order's head") from error
        return event_id in head_events(response.get("Item"))
