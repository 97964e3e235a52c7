"""The status counters kept in the Orders table: where the processor adds and the emitter reads.

Counts per status and the revenue of completed orders are spread over ``STATS_SHARDS`` items
(``#stats#00`` ... ``#stats#15``), because a single item takes about 1,000 writes a second; the
ledger's reducer (:mod:`orders_shared.ledger`) adds to them, the metrics emitter sums them all.
"""

from __future__ import annotations

from collections.abc import Mapping
from decimal import Decimal
from typing import TYPE_CHECKING

from orders_shared.events import OrderStatus
from orders_shared.upcasting import LEGACY_CURRENCY

if TYPE_CHECKING:
    from mypy_boto3_dynamodb.type_defs import AttributeValueTypeDef, UpdateTypeDef

STATS_SHARDS = 16  # a single item takes ~1,000 writes/s; 16 shards leave room for any SQS trigger scale
STATS_KEY_PREFIX = "#stats#"  # no order id starts with "#" (they are UUIDs)
COUNTED_STATUSES: tuple[OrderStatus, ...] = tuple(OrderStatus)


def stats_key(shard: int) -> str:
    """The Orders-table key (``orderId``) of one shard of the status counters."""
    if not 0 <= shard < STATS_SHARDS:
        raise ValueError(f"shard {shard} is outside 0..{STATS_SHARDS - 1}")
    return f"{STATS_KEY_PREFIX}{shard:02d}"


def all_stats_keys() -> list[str]:
    """The keys of every shard, in shard order."""
    return [stats_key(shard) for shard in range(STATS_SHARDS)]


def revenue_attribute(currency: str) -> str:
    """The shard attribute holding the revenue in ``currency``: ``revenue`` for USD (all 1.x orders,
    as before currencies were kept), ``revenue_EUR`` for another; amounts of two currencies never
    add up."""
    return "revenue" if currency == LEGACY_CURRENCY else f"revenue_{currency}"


def counter_update(
    table: str, shard: int, counts: Mapping[str, int], revenues: Mapping[str, Decimal]
) -> UpdateTypeDef | None:
    """One ADD on one shard of the counters' moves (``revenues`` by attribute), or None when nothing moves."""
    names: dict[str, str] = {}
    values: dict[str, AttributeValueTypeDef] = {}
    adds: list[str] = []
    for position, (status, delta) in enumerate(sorted(counts.items())):
        if delta:
            names[f"#s{position}"] = status
            values[f":d{position}"] = {"N": str(delta)}
            adds.append(f"#s{position} :d{position}")
    for position, (attribute, amount) in enumerate(sorted(revenues.items())):
        if amount:
            names[f"#r{position}"] = attribute
            values[f":r{position}"] = {"N": str(amount)}
            adds.append(f"#r{position} :r{position}")
    if not adds:
        return None
    return {
        "TableName": table,
        "Key": {"orderId": {"S": stats_key(shard)}},
        "UpdateExpression": "ADD " + ", ".join(adds),
        "ExpressionAttributeNames": names,
        "ExpressionAttributeValues": values,
    }
