"""Reading many DynamoDB items at once: BatchGetItem, 100 keys a call, throttled keys asked for again.

One loop for every reader (the event store, the ledgers' reducer, the audit and the rebuild, the order
processor, the metrics emitter's counter shards): what differs between them (how often to ask again, a
pause before asking, the error a caller raises) is a parameter of :func:`batch_get`.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from typing import TYPE_CHECKING, Any

from botocore.exceptions import BotoCoreError, ClientError

from orders_shared.errors import RetryableError

if TYPE_CHECKING:
    from mypy_boto3_dynamodb import DynamoDBClient
    from mypy_boto3_dynamodb.type_defs import KeysAndAttributesTypeDef, KeysAndAttributesUnionTypeDef

BATCH_GET_LIMIT = 100  # BatchGetItem keys per call
BATCH_GET_TRIES = 8  # unprocessed (throttled) keys are asked for again this often, by default


def batch_get(
    client: DynamoDBClient,
    table: str,
    keys: Sequence[Mapping[str, Any]],
    *,
    what: str,
    projection: str | None = None,
    names: Mapping[str, str] | None = None,
    tries: int = BATCH_GET_TRIES,
    backoff: Callable[[], None] | None = None,
    unprocessed: Callable[[], Exception] | None = None,
    failed: Callable[[ClientError | BotoCoreError], Exception] | None = None,
) -> list[Mapping[str, Any]]:
    """Every item of ``keys`` that exists, read consistently: 100 keys a BatchGetItem, throttled keys
    asked for again (``tries`` calls a batch of keys at most).

    Parameters
    ----------
    client
        A boto3 ``dynamodb`` client.
    table : str
        The table read.
    keys
        The items' keys, in the order they are asked for.
    what : str
        What is read (``"events"``, ``"heads"``), named by the default error.
    projection, names
        The ``ProjectionExpression`` and ``ExpressionAttributeNames`` of every request, if given.
    tries : int
        Calls made at most for one batch of keys (the first, and the asks again for what is left).
    backoff
        Called after every call that leaves keys unprocessed (the last one included), before the
        next call or the error; none by default.
    unprocessed
        Makes the error raised when keys are still unprocessed after the last try; by default a
        :class:`RetryableError` naming ``what`` and ``table``.
    failed
        Makes the error raised (``from`` the original) when a call fails with a ``ClientError`` or a
        ``BotoCoreError``; without it, that error is raised as it is.

    Raises
    ------
    RetryableError
        Naming ``what`` was read, when keys are still unprocessed after the last try (unless
        ``unprocessed`` says otherwise).
    """
    found: list[Mapping[str, Any]] = []
    for start in range(0, len(keys), BATCH_GET_LIMIT):
        request: KeysAndAttributesTypeDef = {
            "Keys": list(keys[start : start + BATCH_GET_LIMIT]),
            "ConsistentRead": True,
        }
        if projection is not None:
            request["ProjectionExpression"] = projection
        if names is not None:
            request["ExpressionAttributeNames"] = dict(names)
        pending: Mapping[str, KeysAndAttributesUnionTypeDef] = {table: request}
        for _ in range(tries):
            try:
                response = client.batch_get_item(RequestItems=pending)
            except (ClientError, BotoCoreError) as error:
                if failed is None:
                    raise
                raise failed(error) from error
            found.extend(response.get("Responses", {}).get(table, []))
            pending = response.get("UnprocessedKeys") or {}
            if not pending:
                break
            if backoff is not None:
                backoff()
        if pending:
            if unprocessed is not None:
                raise unprocessed()
            raise RetryableError(f"reading {what} from {table}: keys left unprocessed")
    return found
