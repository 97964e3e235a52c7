"""The OrderRepository port on DynamoDB: projection, event store, idempotency markers and counters.

Every AWS failure that may pass (throttling, 5xx, a lost connection, a transaction conflict that
outlives the in-process retries) comes back as :class:`~order_processor.model.Failed` or
:class:`~order_processor.model.Refused`; the domain never sees botocore.
"""

from __future__ import annotations

import random
import time
from collections.abc import Callable, Collection, Mapping, Sequence
from concurrent.futures import Executor
from typing import TYPE_CHECKING, Any, cast

from botocore.exceptions import BotoCoreError, ClientError

from order_processor.items import (
    MARKER_POSITION,
    STATE_NAMES,
    STATE_PROJECTION,
    change_writes,
    counters_update,
    marker_key,
    marker_put,
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
from orders_shared.aws import error_code, failure_code
from orders_shared.batching import batches, map_batches
from orders_shared.counters import STATS_SHARDS
from orders_shared.errors import RetryableError
from orders_shared.events import OrderEvent, dumps, utc_now_iso

if TYPE_CHECKING:
    from mypy_boto3_dynamodb import DynamoDBClient
    from mypy_boto3_dynamodb.type_defs import (
        AttributeValueTypeDef,
        KeysAndAttributesUnionTypeDef,
        TransactWriteItemTypeDef,
    )

BATCH_GET_LIMIT = 100  # BatchGetItem keys per call
BATCH_GET_TRIES = 4  # unprocessed keys (throttled) are asked for again, after a short jitter
CONFLICT_ATTEMPTS = 3  # in-process tries of a transaction cancelled only by TransactionConflict
CONFLICT_BACKOFF_S = 0.01  # up to 10 ms x attempt: conflicts clear as soon as the other transaction ends
GROUP_ORDERS = 33  # orders per group transaction: 3 actions each + 1 counter update = the 100-action limit
GROUP_BYTES = 3 * 1024 * 1024  # estimated item bytes per group transaction, under its 4 MB limit
PASSING = frozenset({"None", "TransactionConflict"})  # cancellation codes that refuse nothing by themselves


def _transient(error: ClientError | BotoCoreError, what: str) -> RetryableError:
    return RetryableError(f"{what}: {failure_code(error)}")


def _estimated_bytes(change: Change) -> int:
    return len(dumps(change.event.detail)) + 1024  # the event's data, plus the other attributes


class DynamoOrderRepository:
    """Orders projection, event store and idempotency markers on DynamoDB.

    Parameters
    ----------
    client
        A boto3 ``dynamodb`` client.
    orders_table, events_table : str
        The Orders (projection and status counters) and EventStore (streams and markers) tables.
    clock, shard, sleep, jitter
        Injected for tests: the commit timestamp, the choice of a counter shard, and the backoff.
    executor
        Runs the transactions of a large :meth:`commit` concurrently (one after another without it).
    """

    def __init__(
        self,
        client: DynamoDBClient,
        orders_table: str,
        events_table: str,
        *,
        clock: Callable[[], str] = utc_now_iso,
        shard: Callable[[], int] = lambda: random.randrange(STATS_SHARDS),  # noqa: S311 - spreading load
        sleep: Callable[[float], None] = time.sleep,
        jitter: Callable[[], float] = random.random,
        executor: Executor | None = None,
    ) -> None:
        self._client = client
        self._orders = orders_table
        self._events = events_table
        self._executor = executor
        self._clock = clock
        self._shard = shard
        self._sleep = sleep
        self._jitter = jitter

    def load(self, order_ids: Collection[str]) -> dict[str, OrderState]:
        """Current state of the orders that exist; one consistent BatchGetItem per 100 ids.

        Raises
        ------
        RetryableError
            On throttling or a service error, or keys still unprocessed after a few tries.
        """
        states: dict[str, OrderState] = {}
        for chunk in batches(order_ids, max_items=BATCH_GET_LIMIT):
            request: Mapping[str, KeysAndAttributesUnionTypeDef] = {
                self._orders: {
                    "Keys": [{"orderId": {"S": order_id}} for order_id in chunk],
                    "ConsistentRead": True,
                    "ProjectionExpression": STATE_PROJECTION,
                    "ExpressionAttributeNames": STATE_NAMES,
                }
            }
            for _ in range(BATCH_GET_TRIES):
                try:
                    response = self._client.batch_get_item(RequestItems=request)
                except (ClientError, BotoCoreError) as error:
                    raise _transient(error, "reading order states") from error
                for item in response.get("Responses", {}).get(self._orders, []):
                    state = state_from_item(item)
                    states[state.order_id] = state
                request = response.get("UnprocessedKeys") or {}
                if not request:
                    break
                self._sleep(self._jitter() * CONFLICT_BACKOFF_S)  # throttled keys: back off a little
            if request:
                raise RetryableError("reading order states: keys left unprocessed")
        return states

    def commit(self, changes: Sequence[Change]) -> list[CommitResult]:
        """Commit the changes of different orders in as few transactions as possible.

        The changes go out together, up to GROUP_ORDERS (and GROUP_BYTES) a transaction, the
        transactions concurrently; the counter moves of a transaction are summed into one update
        of one shard. Each change stays atomic: its projection, event-store entry, marker and
        counters are in the same transaction. When a transaction is cancelled, the changes it
        names as failing a condition are left out (Duplicate when their marker exists, Refused when
        their order moved) and the others go out again, after a short jitter if they conflicted.

        Parameters
        ----------
        changes
            At most one change per order and per event id (the caller's guarantee).

        Returns
        -------
        list of CommitResult
            One per change, in order: Committed; Duplicate, with what the marker recorded; Refused,
            when a condition refused it or the transaction could not tell which change it refused
            (decide it again, and commit it alone for an exact answer); Failed, on throttling, a 5xx
            or a lost connection.
        """
        groups = list(
            batches(
                range(len(changes)),
                max_items=GROUP_ORDERS,
                max_bytes=GROUP_BYTES,
                size_of=lambda i: _estimated_bytes(changes[i]),
            )
        )
        results: list[CommitResult] = [Refused("not committed")] * len(changes)

        def commit_group(indexes: list[int]) -> None:
            for index, result in zip(indexes, self._commit_group([changes[i] for i in indexes]), strict=True):
                results[index] = result

        map_batches(commit_group, groups, self._executor)
        return results

    def _commit_group(self, changes: Sequence[Change]) -> list[CommitResult]:
        results: list[CommitResult] = [Refused("contended: still conflicting after every attempt")] * len(changes)
        pending = list(range(len(changes)))
        for attempt in range(1, CONFLICT_ATTEMPTS + 1):
            if not pending:
                break
            now = self._clock()
            items: list[TransactWriteItemTypeDef] = []
            owners: list[int | None] = []  # the change each action belongs to (None: the counters)
            for index in pending:
                writes = change_writes(self._orders, self._events, changes[index], now)
                items.extend(writes)
                owners.extend([index] * len(writes))
            counters = counters_update(self._orders, [changes[index] for index in pending], self._shard())
            if counters is not None:
                items.append(counters)
                owners.append(None)
            try:
                self._client.transact_write_items(TransactItems=items)
            except ClientError as error:
                code = error_code(error)
                if code != "TransactionCanceledException":
                    return self._all_pending(results, pending, self._unsplit(error, code, len(pending)))
                reasons = list(error.response.get("CancellationReasons", []))
                refused = self._refused(changes, owners, reasons, len(items))
                if refused is None:  # reasons that name no change, or the counters failed: each alone
                    return self._all_pending(results, pending, Refused(f"group cancelled: {self._codes(reasons)}"))
                for index, result in refused.items():
                    results[index] = result
                pending = [index for index in pending if index not in refused]
                if any(reason.get("Code") == "TransactionConflict" for reason in reasons):
                    # Conflicts (most likely on the counter shard): again after a jitter, on another shard.
                    self._sleep(self._jitter() * CONFLICT_BACKOFF_S * attempt)
                continue
            except BotoCoreError as error:
                return self._all_pending(results, pending, Failed(_transient(error, "committing order changes")))
            return self._all_pending(results, pending, Committed())
        return results

    @staticmethod
    def _unsplit(error: ClientError, code: str, pending: int) -> CommitResult:
        # A ValidationException names no change: in a group, each alone (only the bad one fails).
        if code == "ValidationException" and pending > 1:
            return Refused("group refused as invalid: each change alone")
        return Failed(_transient(error, "committing order changes"))

    @staticmethod
    def _codes(reasons: Sequence[Mapping[str, Any]]) -> str:
        return ",".join(reason.get("Code", "None") for reason in reasons)

    @staticmethod
    def _all_pending(results: list[CommitResult], pending: Sequence[int], result: CommitResult) -> list[CommitResult]:
        for index in pending:
            results[index] = result
        return results

    def _refused(
        self,
        changes: Sequence[Change],
        owners: Sequence[int | None],
        reasons: Sequence[Mapping[str, Any]],
        actions: int,
    ) -> dict[int, CommitResult] | None:
        """What a cancelled group refused, by change: Duplicate (its marker) or Refused (its order moved)."""
        if len(reasons) != actions:
            return None
        failing: dict[int, list[int]] = {}  # change -> positions of its actions that a condition refused
        for position, reason in enumerate(reasons):
            if reason.get("Code", "None") in PASSING:
                continue
            owner = owners[position]
            if owner is None:
                return None
            failing.setdefault(owner, []).append(position)
        refused: dict[int, CommitResult] = {}
        for index, positions in failing.items():
            marker = owners.index(index) + MARKER_POSITION
            codes = {reasons[position].get("Code") for position in positions}
            order_id = changes[index].new.order_id
            if marker in positions and reasons[marker].get("Code") == "ConditionalCheckFailed":
                refused[index] = self._duplicate(changes[index].event, reasons[marker].get("Item"))
            elif codes == {"ConditionalCheckFailed"}:
                refused[index] = Refused(f"order {order_id} changed concurrently")
            else:  # throttled, or refused by the service: left to SQS to retry, with its backoff
                listed = ",".join(sorted(str(code) for code in codes))
                refused[index] = Failed(RetryableError(f"committing order {order_id}: {listed}"))
        return refused

    def record_ignored(self, event: OrderEvent, reason: str) -> CommitResult:
        """Record the idempotency marker of an event that changes nothing, with the reason."""
        put = marker_put(self._events, event, Outcome.IGNORED, self._clock(), reason=reason)["Put"]
        try:
            self._client.put_item(**put)
        except ClientError as error:
            if error_code(error) == "ConditionalCheckFailedException":
                # ReturnValuesOnConditionCheckFailure adds the old item to the error, which botocore's
                # type of an error response does not list.
                old = cast("dict[str, AttributeValueTypeDef] | None", error.response.get("Item"))
                return self._duplicate(event, old)
            return Failed(_transient(error, "recording ignored event"))
        except BotoCoreError as error:
            return Failed(_transient(error, "recording ignored event"))
        return Committed()

    def recorded(self, event: OrderEvent) -> Recorded | None:
        """What the marker of the event's id holds (a consistent read), or None when there is none.

        Raises
        ------
        RetryableError
            On throttling, a 5xx or a lost connection.
        """
        try:
            response = self._client.get_item(
                TableName=self._events, Key=marker_key(event.event_id), ConsistentRead=True
            )
        except (ClientError, BotoCoreError) as error:
            raise _transient(error, "reading idempotency marker") from error
        item = response.get("Item")
        return recorded_from_item(item) if item is not None and "outcome" in item else None

    def _duplicate(self, event: OrderEvent, item: Mapping[str, AttributeValueTypeDef] | None) -> CommitResult:
        if item is not None and "outcome" in item:
            return Duplicate(recorded_from_item(item))
        # ReturnValuesOnConditionCheckFailure is not honoured everywhere (emulators): read it.
        try:
            earlier = self.recorded(event)
        except RetryableError as error:
            return Failed(error)
        if earlier is None:
            return Failed(RetryableError(f"marker of event {event.event_id} vanished"))
        return Duplicate(earlier)
