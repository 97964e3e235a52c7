"""DynamoDB's billing rules applied to requests: emulators and moto do not bill, so we count.

A write request unit per KB of item written (at least one), twice that inside TransactWriteItems,
and one more for each entry a global secondary index receives: the sparse StreamsIndex gets one
for every stream, from the item that first carries ``streamShard`` (format 1: a stream's first
event; format 2: the head, when its creation sets it). A strongly consistent read
unit per 4 KB item read (the items read here are all under 4 KB). An update is priced on the item
after it; the items updated here (projections, counter shards) are all under 1 KB. A PartiQL
BatchExecuteStatement bills each write statement as its single-item write (no doubling): an INSERT
as the PutItem of the item its VALUE names, an UPDATE as an UpdateItem of an existing item (PartiQL
never creates one), whatever the statement's outcome.
"""

from __future__ import annotations

import json
import math
from typing import Any

from tests.support.partiql import Insert, StatementError, parse

STREAM_INDEX_ATTRIBUTE = "streamShard"  # orders_shared.event_store.STREAM_SHARD (not imported: no layer needed)


def item_kb(item: dict[str, Any]) -> int:
    """Billed KB of an item in the low-level (typed) format: names plus values, rounded up, at least 1."""
    size = sum(len(name) + len(json.dumps(value)) for name, value in item.items())  # close to DynamoDB's count
    return max(1, math.ceil(size / 1024))


def _index_writes(body: dict[str, Any]) -> int:
    # A Put of an item carrying streamShard writes its index entry; so does an update that creates the
    # item (conditioned on its absence) and sets streamShard. An update of an existing head sets it to
    # the value it has: the index key does not change, so the index is not written.
    if STREAM_INDEX_ATTRIBUTE in body.get("Item", {}):
        return 1
    sets_shard = STREAM_INDEX_ATTRIBUTE in body.get("ExpressionAttributeNames", {}).values()
    creates = str(body.get("ConditionExpression", "")).startswith("attribute_not_exists")
    return 1 if "UpdateExpression" in body and sets_shard and creates else 0


def statement_writes(statement: dict[str, Any]) -> tuple[str, str, dict[str, Any]]:
    """The single-item write a PartiQL write statement is billed as: (table, operation, its parameters).

    ``INSERT INTO "t" VALUE {'a': ?, ...}`` is a PutItem of ``{'a': <its parameter>, ...}``;
    ``UPDATE "t" SET "a" = ? ... WHERE "k" = ? ...`` an UpdateItem of the key the WHERE names (the
    statement's other equalities are conditions) that sets those attributes.

    Raises
    ------
    ValueError
        A statement of another shape (literals instead of ``?``, DELETE, SELECT): billing it would be a guess.
    """
    text = statement["Statement"]
    try:  # the grammar the processor sends, read by the moto stand-in's own parser
        parsed = parse(text, list(statement.get("Parameters", [])))
    except StatementError:
        raise ValueError(f"not a PartiQL write the benchmark knows how to bill: {text!r}") from None
    if isinstance(parsed, Insert):
        return parsed.table, "PutItem", {"TableName": parsed.table, "Item": parsed.item}
    sets = [name for name, _, _ in parsed.assignments]
    body = {
        "TableName": parsed.table,
        "Key": dict(parsed.equalities),  # the key and the conditions: the caller's table knows which is which
        "UpdateExpression": "SET " + ", ".join(f"#s{n} = :s{n}" for n in range(len(sets))),
        "ExpressionAttributeNames": {f"#s{n}": name for n, name in enumerate(sets)},
    }
    return parsed.table, "UpdateItem", body


def write_units(operation: str, params: dict[str, Any]) -> int:
    """Write request units a request uses (0 for a request that writes nothing)."""
    if operation == "TransactWriteItems":
        units = 0
        for action in params["TransactItems"]:
            body = next(iter(action.values()))
            units += 2 * item_kb(body.get("Item", {})) + _index_writes(body)
        return units
    if operation in {"PutItem", "UpdateItem"}:
        return item_kb(params.get("Item", {})) + _index_writes(params)
    if operation == "BatchExecuteStatement":
        return sum(write_units(*statement_writes(statement)[1:]) for statement in params["Statements"])
    return 0


def read_units(operation: str, params: dict[str, Any]) -> int:
    """Consistent read units a request uses, one per item asked for (every item here is under 4 KB)."""
    if operation == "BatchGetItem":
        return sum(len(request["Keys"]) for request in params["RequestItems"].values())
    if operation in {"GetItem", "Query"}:
        return 1
    return 0
