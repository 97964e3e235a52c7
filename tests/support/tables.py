"""The template's two DynamoDB tables, created on any client (moto in the tests and the benchmark).

One definition of their keys, as in template.yaml: Orders by ``orderId``; EventStore by
``streamId`` and ``version`` (event streams, and the idempotency markers at version 0).
"""

from __future__ import annotations

from typing import Any

from orders_shared.event_store import STREAM_SHARD, STREAMS_INDEX

# The names the unit tests and the benchmark give the two tables on moto.
ORDERS_TABLE = "Orders"
EVENTS_TABLE = "EventStore"


def create_orders_table(client: Any, name: str) -> None:
    """The Orders table: the projection and the sharded status counters."""
    client.create_table(
        TableName=name,
        AttributeDefinitions=[{"AttributeName": "orderId", "AttributeType": "S"}],
        KeySchema=[{"AttributeName": "orderId", "KeyType": "HASH"}],
        BillingMode="PAY_PER_REQUEST",
    )


def create_event_store_table(client: Any, name: str) -> None:
    """The EventStore table: streamId (S, hash) and version (N, range), and the sparse streams index."""
    client.create_table(
        TableName=name,
        AttributeDefinitions=[
            {"AttributeName": "streamId", "AttributeType": "S"},
            {"AttributeName": "version", "AttributeType": "N"},
            {"AttributeName": STREAM_SHARD, "AttributeType": "S"},
        ],
        KeySchema=[
            {"AttributeName": "streamId", "KeyType": "HASH"},
            {"AttributeName": "version", "KeyType": "RANGE"},
        ],
        GlobalSecondaryIndexes=[
            {
                "IndexName": STREAMS_INDEX,
                "KeySchema": [
                    {"AttributeName": STREAM_SHARD, "KeyType": "HASH"},
                    {"AttributeName": "streamId", "KeyType": "RANGE"},
                ],
                "Projection": {"ProjectionType": "KEYS_ONLY"},
            }
        ],
        BillingMode="PAY_PER_REQUEST",
    )


def create_tables(client: Any, orders_table: str, events_table: str) -> None:
    """Both tables."""
    create_orders_table(client, orders_table)
    create_event_store_table(client, events_table)
