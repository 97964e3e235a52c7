"""PartiQL statements of a commit, for ``BatchExecuteStatement``: pure functions (no client).

A commit writes items that each need a condition (an event id claimed once, a head moved only from
the version read), and DynamoDB's item API has no conditional batch write: ``BatchWriteItem`` takes
no condition and ``TransactWriteItems`` bills every item twice. ``BatchExecuteStatement`` runs up to
25 statements in one request, each billed as its single-item write and each failing alone:

- ``INSERT`` puts an item only if its key is free (else the statement fails with ``DuplicateItem``);
- ``UPDATE ... WHERE`` changes an item only if it exists and every equality holds (else
  ``ConditionalCheckFailed``).

Values always travel as parameters (``?``); names are written into the statement, so they are
checked to be plain identifiers first (see docs/decisions.md, 2026-11-30).
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING

from orders_shared.event_store import EVENTS, LEDGERS

if TYPE_CHECKING:
    from mypy_boto3_dynamodb.type_defs import AttributeValueTypeDef, BatchStatementRequestTypeDef

MAX_STATEMENTS = 25  # BatchExecuteStatement's limit per request
_NAME = re.compile(r"[A-Za-z][A-Za-z0-9_]*")  # an attribute name, as this code names them
_TABLE = re.compile(r"[A-Za-z0-9_.-]{3,255}")  # a table name, as DynamoDB allows them


def _checked(name: str, pattern: re.Pattern[str] = _NAME) -> str:
    if not pattern.fullmatch(name):
        raise ValueError(f"{name!r} cannot be named in a PartiQL statement (allowed: {pattern.pattern})")
    return name


def _quoted(name: str, pattern: re.Pattern[str] = _NAME) -> str:
    return f'"{_checked(name, pattern)}"'


def insert(table: str, item: Mapping[str, AttributeValueTypeDef]) -> BatchStatementRequestTypeDef:
    """The ``INSERT`` of ``item`` into ``table``: it fails (``DuplicateItem``) when the item's key is taken."""
    names = list(item)
    fields = ", ".join(f"'{_checked(name)}': ?" for name in names)
    return {
        "Statement": f"INSERT INTO {_quoted(table, _TABLE)} VALUE {{{fields}}}",
        "Parameters": [item[n] for n in names],
    }


def head_append(
    table: str,
    order_id: str,
    *,
    expected_version: int,
    event_id: str,
    ledger: str,
    state: Mapping[str, AttributeValueTypeDef],
) -> BatchStatementRequestTypeDef:
    """The ``UPDATE`` that commits one event to an order's head, if the head is at ``expected_version``.

    It appends the event's id and its ledger to the head's lists, at position ``expected_version``
    (a head at version n lists n events: the position is the end of each list), sets the version
    and the projection's attributes in ``state``. It fails (``ConditionalCheckFailed``) when the head
    is missing or moved since it was read.
    """
    sets: list[tuple[str, AttributeValueTypeDef]] = [
        ('"version"', {"N": str(expected_version + 1)}),
        (f'"{EVENTS}"[{expected_version}]', {"S": event_id}),
        (f'"{LEDGERS}"[{expected_version}]', {"S": ledger}),
    ]
    sets += [(_quoted(name), value) for name, value in sorted(state.items()) if name not in _COMMITTED]
    statement = (
        f"UPDATE {_quoted(table, _TABLE)} "
        + " ".join(f"SET {path} = ?" for path, _ in sets)
        + ' WHERE "orderId" = ? AND "version" = ?'
    )
    parameters = [value for _, value in sets] + [{"S": order_id}, {"N": str(expected_version)}]
    return {"Statement": statement, "Parameters": parameters}


_COMMITTED = frozenset({"orderId", "version", EVENTS, LEDGERS})  # the key, and what the commit itself sets


def chunks[T](items: Sequence[T], size: int = MAX_STATEMENTS) -> list[Sequence[T]]:
    """``items`` in requests of at most ``size`` statements, in order."""
    return [items[start : start + size] for start in range(0, len(items), size)]
