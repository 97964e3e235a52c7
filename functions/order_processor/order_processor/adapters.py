"""The processor's ports on AWS: DynamoDB state, SNS notifications, the SQS dead-letter queue.

Every AWS failure that may pass (throttling, 5xx, a lost connection, a transaction conflict) is
turned into :class:`~orders_shared.errors.RetryableError`; the domain never sees botocore.
"""

from __future__ import annotations

import random
import threading
import time
from collections.abc import Callable, Collection, Iterator, Sequence
from concurrent.futures import Executor
from decimal import Decimal
from typing import Any

from botocore.exceptions import BotoCoreError, ClientError

from order_processor.domain import Change, Commit, Notification, OrderState, Outcome, Recorded, Rejection
from orders_shared.batching import batches
from orders_shared.errors import RetryableError
from orders_shared.event_store import put_event_item
from orders_shared.events import OrderEvent, OrderStatus, content_digest, dumps, utc_now_iso

STATS_SHARDS = 16  # a single item takes ~1,000 writes/s; 16 shards leave room for any SQS trigger scale
STATS_KEY_PREFIX = "#stats#"
BATCH_GET_LIMIT = 100  # BatchGetItem keys per call
SEND_LIMIT = 10  # SendMessageBatch and PublishBatch entries per call
CONFLICT_ATTEMPTS = 3  # in-process tries of a transaction cancelled only by TransactionConflict
CONFLICT_BACKOFF_S = 0.01  # up to 10 ms x attempt: conflicts clear as soon as the other transaction ends
SEND_BATCH_BYTES = 256 * 1024  # keep a SendMessageBatch well under its total-size limit
GROUP_ORDERS = 33  # orders per group transaction: 3 actions each + 1 counter update = the 100-action limit
GROUP_BYTES = 3 * 1024 * 1024  # estimated item bytes per group transaction, under its 4 MB limit


def stats_key(shard: int) -> str:
    """The Orders-table key of one shard of the status counters."""
    return f"{STATS_KEY_PREFIX}{shard:02d}"


def _chunks[T](items: Sequence[T], size: int) -> Iterator[Sequence[T]]:
    for start in range(0, len(items), size):
        yield items[start : start + size]


def _error_code(error: ClientError) -> str:
    return str(error.response.get("Error", {}).get("Code", ""))


def _transient(error: ClientError | BotoCoreError, what: str) -> RetryableError:
    code = _error_code(error) if isinstance(error, ClientError) else type(error).__name__
    return RetryableError(f"{what}: {code}")


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
        Runs the transactions of :meth:`commit_all` concurrently when there are several (one
        after another without it).
    """

    def __init__(
        self,
        client: Any,
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
        for chunk in _chunks(list(order_ids), BATCH_GET_LIMIT):
            request: dict[str, Any] = {
                self._orders: {
                    "Keys": [{"orderId": {"S": order_id}} for order_id in chunk],
                    "ConsistentRead": True,
                    "ProjectionExpression": "orderId, #s, version, customerId, amount, createdAt",
                    "ExpressionAttributeNames": {"#s": "status"},
                }
            }
            for _ in range(4):
                try:
                    response = self._client.batch_get_item(RequestItems=request)
                except (ClientError, BotoCoreError) as error:
                    raise _transient(error, "reading order states") from error
                for item in response.get("Responses", {}).get(self._orders, []):
                    states[item["orderId"]["S"]] = OrderState(
                        order_id=item["orderId"]["S"],
                        status=OrderStatus(item["status"]["S"]),
                        version=int(item["version"]["N"]),
                        customer_id=item["customerId"]["S"],
                        amount=Decimal(item["amount"]["N"]),
                        created_at=item.get("createdAt", {}).get("S"),
                    )
                request = response.get("UnprocessedKeys") or {}
                if not request:
                    break
                self._sleep(self._jitter() * CONFLICT_BACKOFF_S)  # throttled keys: back off a little
            if request:
                raise RetryableError("reading order states: keys left unprocessed")
        return states

    def commit(self, change: Change) -> Commit:
        """Write projection, event-store entry, idempotency marker and counters in one transaction.

        Raises
        ------
        RetryableError
            If the order changed since it was read, on a conflict or throttling, or a 5xx.
        """
        for attempt in range(1, CONFLICT_ATTEMPTS + 1):
            now = self._clock()
            items = [*self._change_writes(change, now), self._counters_update(change)]
            try:
                self._client.transact_write_items(TransactItems=items)
            except ClientError as error:
                if _error_code(error) != "TransactionCanceledException":
                    raise _transient(error, "committing order change") from error
                reasons: list[dict[str, Any]] = list(error.response.get("CancellationReasons", []))
                codes = [reason.get("Code", "None") for reason in reasons]
                if len(codes) > 2 and codes[2] == "ConditionalCheckFailed":  # the marker: seen before
                    return Commit(duplicate=True, earlier=self._recorded(change.event, reasons[2].get("Item")))
                if set(codes) - {"None", "TransactionConflict"} or attempt == CONFLICT_ATTEMPTS:
                    raise RetryableError(
                        f"order {change.new.order_id} changed concurrently or contended: {','.join(codes)}"
                    ) from None
                # Only conflicts (most likely on a counter shard): again after a short jitter, on another shard.
                self._sleep(self._jitter() * CONFLICT_BACKOFF_S * attempt)
                continue
            except BotoCoreError as error:
                raise _transient(error, "committing order change") from error
            return Commit(duplicate=False)
        raise AssertionError("unreachable")  # pragma: no cover

    def commit_all(self, changes: Sequence[Change]) -> list[Commit | RetryableError | None]:
        """Commit the changes of different orders in as few transactions as possible.

        The changes go out together, up to GROUP_ORDERS (and GROUP_BYTES) a transaction, the
        transactions concurrently; the counter moves of a transaction are summed into one update
        of one shard. Each order stays atomic: its projection, event-store entry, marker and
        counters are in the same transaction. When a transaction is cancelled, the changes it
        names as failing a condition (a duplicate event, a state that moved) are left out and
        reported as None, and the others go out again, after a short jitter if they conflicted.

        Parameters
        ----------
        changes
            At most one change per order and per event id (the caller's guarantee).

        Returns
        -------
        list of Commit, RetryableError or None
            One per change, in order: ``Commit(duplicate=False)`` when applied; the RetryableError
            that :meth:`commit` would raise on throttling, a 5xx or a lost connection; None when
            a condition refused the change, or the transaction could not tell which change it
            refused: the caller decides it again, and commits it alone for an exact answer.
        """
        groups: list[list[int]] = []
        size = 0
        for index, change in enumerate(changes):
            estimate = len(dumps(change.event.detail)) + 1024  # the event's data, plus the other attributes
            if not groups or len(groups[-1]) == GROUP_ORDERS or size + estimate > GROUP_BYTES:
                groups.append([])
                size = 0
            groups[-1].append(index)
            size += estimate
        results: list[Commit | RetryableError | None] = [None] * len(changes)

        def commit_group(indexes: list[int]) -> None:
            for index, outcome in zip(indexes, self._commit_group([changes[i] for i in indexes]), strict=True):
                results[index] = outcome

        if self._executor is None or len(groups) == 1:
            for indexes in groups:
                commit_group(indexes)
        else:
            list(self._executor.map(commit_group, groups))
        return results

    def _commit_group(self, changes: Sequence[Change]) -> list[Commit | RetryableError | None]:
        results: list[Commit | RetryableError | None] = [None] * len(changes)
        pending = list(range(len(changes)))
        for attempt in range(1, CONFLICT_ATTEMPTS + 1):
            if not pending:
                break
            now = self._clock()
            items: list[dict[str, Any]] = []
            owners: list[int | None] = []
            for index in pending:
                writes = self._change_writes(changes[index], now)
                items.extend(writes)
                owners.extend([index] * len(writes))
            counters = self._counters_update_all([changes[index] for index in pending])
            if counters is not None:
                items.append(counters)
                owners.append(None)
            try:
                self._client.transact_write_items(TransactItems=items)
            except ClientError as error:
                code = _error_code(error)
                if code == "ValidationException":
                    return results  # something in one change is refused: alone, only that one fails
                if code != "TransactionCanceledException":
                    transient = _transient(error, "committing order changes")
                    return [transient if index in pending else result for index, result in enumerate(results)]
                reasons: list[dict[str, Any]] = list(error.response.get("CancellationReasons", []))
                refused = {
                    owners[position]
                    for position, reason in enumerate(reasons[: len(owners)])
                    if reason.get("Code", "None") not in {"None", "TransactionConflict"}
                }
                if len(reasons) != len(items) or None in refused:
                    return results  # reasons that name no change, or the counters failed: each alone
                pending = [index for index in pending if index not in refused]
                if any(reason.get("Code") == "TransactionConflict" for reason in reasons):
                    # Conflicts (most likely on the counter shard): again after a jitter, on another shard.
                    self._sleep(self._jitter() * CONFLICT_BACKOFF_S * attempt)
                continue
            except BotoCoreError as error:
                transient = _transient(error, "committing order changes")
                return [transient if index in pending else result for index, result in enumerate(results)]
            for index in pending:
                results[index] = Commit(duplicate=False)
            return results
        return results  # still conflicting after every attempt: each alone, with its own retries

    def record_ignored(self, event: OrderEvent, reason: str) -> Commit:
        """Record the idempotency marker of an event that changes nothing, with the reason."""
        put = self._marker_put(event, Outcome.IGNORED, self._clock(), reason)["Put"]
        try:
            self._client.put_item(**put)
        except ClientError as error:
            if _error_code(error) == "ConditionalCheckFailedException":
                old: dict[str, Any] | None = error.response.get("Item")
                return Commit(duplicate=True, earlier=self._recorded(event, old))
            raise _transient(error, "recording ignored event") from error
        except BotoCoreError as error:
            raise _transient(error, "recording ignored event") from error
        return Commit(duplicate=False)

    def _recorded(self, event: OrderEvent, item: dict[str, Any] | None) -> Recorded:
        if item is None:
            # ReturnValuesOnConditionCheckFailure is not honoured everywhere (emulators): read it.
            try:
                response = self._client.get_item(
                    TableName=self._events, Key=self._marker_key(event.event_id), ConsistentRead=True
                )
            except (ClientError, BotoCoreError) as error:
                raise _transient(error, "reading idempotency marker") from error
            item = response.get("Item")
        if item is None or "outcome" not in item:
            raise RetryableError(f"marker of event {event.event_id} vanished")

        def status(name: str) -> OrderStatus | None:
            return OrderStatus(item[name]["S"]) if name in item else None

        return Recorded(
            outcome=Outcome(item["outcome"]["S"]),
            order_id=item["orderId"]["S"],
            event_type=item["eventType"]["S"],
            digest=item["digest"]["S"] if "digest" in item else None,
            status=status("status"),
            previous_status=status("previousStatus"),
        )

    @staticmethod
    def _marker_key(event_id: str) -> dict[str, Any]:
        return {"streamId": {"S": f"event#{event_id}"}, "version": {"N": "0"}}

    def _marker_put(
        self, event: OrderEvent, outcome: Outcome, now: str, reason: str | None, change: Change | None = None
    ) -> dict[str, Any]:
        # The marker keeps what tells a redelivery from another event reusing the id (the content
        # digest) and what a re-notification says (the move the event made), so that neither is
        # taken from the incoming copy.
        item = {
            **self._marker_key(event.event_id),
            "outcome": {"S": str(outcome)},
            "orderId": {"S": event.order_id},
            "eventType": {"S": str(event.detail_type)},
            "digest": {"S": content_digest(event)},
            "recordedAt": {"S": now},
        }
        if reason is not None:
            item["reason"] = {"S": reason}
        if change is not None:
            item["status"] = {"S": str(change.new.status)}
            if change.previous is not None:
                item["previousStatus"] = {"S": str(change.previous.status)}
        return {
            "Put": {
                "TableName": self._events,
                "Item": item,
                "ConditionExpression": "attribute_not_exists(streamId)",
                "ReturnValuesOnConditionCheckFailure": "ALL_OLD",
            }
        }

    def _projection_write(self, change: Change, now: str) -> dict[str, Any]:
        # The projection is written whole, as the domain computed it: a Put conditioned on the
        # order being new, or on the version read. No attribute of an older shape survives, and a
        # Put costs what an Update of the same item costs. An order read without its createdAt
        # (stored by something else) is updated in place instead, so that nothing of it is lost.
        new, event, previous = change.new, change.event, change.previous
        if previous is not None and previous.created_at is None:
            return self._projection_update(change, now)
        item = {
            "orderId": {"S": new.order_id},
            "customerId": {"S": new.customer_id},
            "amount": {"N": str(new.amount)},
            "createdAt": {"S": now if previous is None else str(previous.created_at)},
            "status": {"S": str(new.status)},
            "version": {"N": str(new.version)},
            "lastEventId": {"S": event.event_id},
            "updatedAt": {"S": now},
            "occurredAt": {"S": event.metadata.occurred_at},  # producer time: publish-to-commit latency
        }
        if previous is None:
            return {
                "Put": {"TableName": self._orders, "Item": item, "ConditionExpression": "attribute_not_exists(orderId)"}
            }
        return {
            "Put": {
                "TableName": self._orders,
                "Item": item,
                "ConditionExpression": "version = :expected",
                "ExpressionAttributeValues": {":expected": {"N": str(previous.version)}},
            }
        }

    def _projection_update(self, change: Change, now: str) -> dict[str, Any]:
        new, event = change.new, change.event
        assert change.previous is not None  # noqa: S101 - only called for an existing order
        return {
            "Update": {
                "TableName": self._orders,
                "Key": {"orderId": {"S": new.order_id}},
                "UpdateExpression": "SET #s = :s, version = :v, lastEventId = :e, updatedAt = :u, occurredAt = :o",
                "ConditionExpression": "version = :expected",
                "ExpressionAttributeNames": {"#s": "status"},
                "ExpressionAttributeValues": {
                    ":s": {"S": str(new.status)},
                    ":v": {"N": str(new.version)},
                    ":e": {"S": event.event_id},
                    ":u": {"S": now},
                    ":o": {"S": event.metadata.occurred_at},
                    ":expected": {"N": str(change.previous.version)},
                },
            }
        }

    def _change_writes(self, change: Change, now: str) -> list[dict[str, Any]]:
        """Projection, event-store entry and idempotency marker of one change (its counters apart)."""
        return [
            self._projection_write(change, now),
            put_event_item(self._events, change.new.order_id, change.new.version, change.event, now),
            self._marker_put(change.event, Outcome.APPLIED, now, None, change),
        ]

    def _counters_update_all(self, changes: Sequence[Change]) -> dict[str, Any] | None:
        # The counter moves of several changes summed into one update of one shard (a transaction
        # may name an item once); None when they cancel out.
        deltas: dict[str, int] = {}
        revenue = Decimal(0)
        for change in changes:
            deltas[str(change.new.status)] = deltas.get(str(change.new.status), 0) + 1
            if change.previous is not None:
                deltas[str(change.previous.status)] = deltas.get(str(change.previous.status), 0) - 1
            if change.new.status is OrderStatus.COMPLETED:
                revenue += change.new.amount
        names: dict[str, str] = {}
        values: dict[str, Any] = {}
        adds: list[str] = []
        for position, (status, delta) in enumerate(sorted(deltas.items())):
            if delta:
                names[f"#s{position}"] = status
                values[f":d{position}"] = {"N": str(delta)}
                adds.append(f"#s{position} :d{position}")
        if revenue:
            values[":amount"] = {"N": str(revenue)}
            adds.append("revenue :amount")
        if not adds:
            return None
        update: dict[str, Any] = {
            "TableName": self._orders,
            "Key": {"orderId": {"S": stats_key(self._shard())}},
            "UpdateExpression": "ADD " + ", ".join(adds),
            "ExpressionAttributeValues": values,
        }
        if names:
            update["ExpressionAttributeNames"] = names
        return {"Update": update}

    def _counters_update(self, change: Change) -> dict[str, Any]:
        # Counts per status and revenue (amount of completed orders), spread over shards so no
        # single item becomes a hot key; the metrics emitter sums the shards.
        names = {"#new": str(change.new.status)}
        values: dict[str, Any] = {":one": {"N": "1"}}
        adds = ["#new :one"]
        if change.previous is not None:
            names["#old"] = str(change.previous.status)
            values[":minus"] = {"N": "-1"}
            adds.append("#old :minus")
        if change.new.status is OrderStatus.COMPLETED:
            values[":amount"] = {"N": str(change.new.amount)}
            adds.append("revenue :amount")
        return {
            "Update": {
                "TableName": self._orders,
                "Key": {"orderId": {"S": stats_key(self._shard())}},
                "UpdateExpression": "ADD " + ", ".join(adds),
                "ExpressionAttributeNames": names,
                "ExpressionAttributeValues": values,
            }
        }


class SnsNotifier:
    """Status notifications on SNS with attributes for subscription filters (at least once).

    ``executor``, when given, sends the PublishBatch calls of a large batch concurrently.
    """

    def __init__(self, client: Any, topic_arn: str, *, executor: Executor | None = None) -> None:
        self._client = client
        self._topic = topic_arn
        self._executor = executor

    def notify(self, notifications: Sequence[Notification]) -> set[str]:
        """PublishBatch in chunks of 10; returns the event ids whose notification failed."""
        chunks = list(_chunks(notifications, SEND_LIMIT))
        if self._executor is None or len(chunks) == 1:
            outcomes = [self._publish(chunk) for chunk in chunks]
        else:
            outcomes = list(self._executor.map(self._publish, chunks))
        failed: set[str] = set()
        for outcome in outcomes:
            failed |= outcome
        return failed

    def _publish(self, chunk: Sequence[Notification]) -> set[str]:
        entries = [self._entry(str(index), note) for index, note in enumerate(chunk)]
        try:
            response = self._client.publish_batch(TopicArn=self._topic, PublishBatchRequestEntries=entries)
        except (ClientError, BotoCoreError):
            return {note.event.event_id for note in chunk}
        # HTTP 200 does not mean every message went out: check Failed, and trust only Successful.
        succeeded = {entry["Id"] for entry in response.get("Successful", [])}
        return {note.event.event_id for index, note in enumerate(chunk) if str(index) not in succeeded}

    @staticmethod
    def _entry(entry_id: str, note: Notification) -> dict[str, Any]:
        event = note.event
        message = {
            "eventId": event.event_id,
            "orderId": event.order_id,
            "status": str(note.status),
            "previousStatus": str(note.previous_status) if note.previous_status else None,
            "detailType": str(event.detail_type),
            "correlationId": event.metadata.correlation_id,
            "occurredAt": event.metadata.occurred_at,
            "message": f"Order {event.order_id} is now {note.status}",
        }
        return {
            "Id": entry_id,
            "Message": dumps(message),
            "MessageAttributes": {
                "status": {"DataType": "String", "StringValue": str(note.status)},
                "detailType": {"DataType": "String", "StringValue": str(event.detail_type)},
                "eventId": {"DataType": "String", "StringValue": event.event_id},
            },
        }


class LazyClient:
    """A boto3 client built on first use, for a port that most invocations never call.

    Parking rejected input is rare; building the SQS client at cold start would cost every cold
    start the loading of its service model. Thread-safe; ``factory`` builds the real client.
    """

    def __init__(self, factory: Callable[[], Any]) -> None:
        self._factory = factory
        self._client: Any = None
        self._lock = threading.Lock()

    def __getattr__(self, name: str) -> Any:
        if self._client is None:
            with self._lock:
                if self._client is None:
                    self._client = self._factory()
        return getattr(self._client, name)


def _storable(body: str) -> str:
    """The body itself, unless it holds a lone surrogate (no UTF-8 exists for it, SQS refuses it): escaped."""
    return body.encode("utf-8", "backslashreplace").decode("utf-8")


class SqsDeadLetters:
    """Parks rejected records in the dead-letter queue, body intact, reason as attributes."""

    def __init__(self, client: Any, queue_url: str, *, clock: Callable[[], str] = utc_now_iso) -> None:
        self._client = client
        self._queue = queue_url
        self._clock = clock

    def park(self, rejections: Sequence[Rejection]) -> set[str]:
        """SendMessageBatch in chunks of ≤ 10 and ≤ 256 KB; returns the message ids that could not be parked."""
        failed: set[str] = set()

        def body_size(rejection: Rejection) -> int:
            return len(_storable(rejection.record.body).encode())

        for chunk in batches(rejections, max_items=SEND_LIMIT, max_bytes=SEND_BATCH_BYTES, size_of=body_size):
            entries = [self._entry(str(index), rejection) for index, rejection in enumerate(chunk)]
            try:
                response = self._client.send_message_batch(QueueUrl=self._queue, Entries=entries)
            except (ClientError, BotoCoreError):
                failed.update(rejection.record.message_id for rejection in chunk)
                continue
            sent = {entry["Id"] for entry in response.get("Successful", [])}
            failed.update(rej.record.message_id for index, rej in enumerate(chunk) if str(index) not in sent)
        return failed

    def _entry(self, entry_id: str, rejection: Rejection) -> dict[str, Any]:
        error = rejection.error
        attributes = {
            "rejectionReason": error.reason,
            "rejectionMessage": error.message[:256],
            "rejectionPath": error.path,
            "rejectionRule": error.rule,
            "originalMessageId": rejection.record.message_id,
            "rejectedAt": self._clock(),
            # Kept so that a rejected message the redriver brought back stays counted (and parks).
            "redriveCount": rejection.record.attributes.get("redriveCount", ""),
        }
        return {
            "Id": entry_id,
            "MessageBody": _storable(rejection.record.body),
            "MessageAttributes": {
                name: {"DataType": "String", "StringValue": value} for name, value in attributes.items() if value
            },
        }
