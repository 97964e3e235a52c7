"""The template's two DynamoDB tables, created on any client (moto in the tests and the benchmark).

One definition of their keys, as in template.yaml: Orders by ``orderId`` (streams' heads and the
counter shards; no index: streams are listed by a Scan); EventStore by ``streamId`` and
``version`` (event items at version 0, the commits' ledgers).

Every moto stack is built from these tables (the unit tests' conftest, the reliability harness and
the soak, the benchmark's ``MotoStack`` and read-side run), so importing this module also makes
moto's ``BatchExecuteStatement`` strict (``tests/support/partiql.py``): each of them answers the
processor's PartiQL writes as DynamoDB does, whichever builds its stack.
"""

from __future__ import annotations

from typing import Any

from tests.support import partiql

partiql.install()

# The names the unit tests and the benchmark give the two tables on moto.
ORDERS_TABLE = "Orders"
EVENTS_TABLE = "EventStore"


def create_orders_table(client: Any, name: str) -> None:
    """The Orders table: the streams' heads (with the projection) and the counter shards."""
    client.create_table(
        TableName=name,
        AttributeDefinitions=[{"AttributeName": "orderId", "AttributeType": "S"}],
        KeySchema=[{"AttributeName": "orderId", "KeyType": "HASH"}],
        BillingMode="PAY_PER_REQUEST",
    )


def create_event_store_table(client: Any, name: str) -> None:
    """The EventStore table: streamId (S, hash) and version (N, range): event items and ledgers."""
    client.create_table(
        TableName=name,
        AttributeDefinitions=[
            {"AttributeName": "streamId", "AttributeType": "S"},
            {"AttributeName": "version", "AttributeType": "N"},
        ],
        KeySchema=[
            {"AttributeName": "streamId", "KeyType": "HASH"},
            {"AttributeName": "version", "KeyType": "RANGE"},
        ],
        BillingMode="PAY_PER_REQUEST",
    )


def create_tables(client: Any, orders_table: str, events_table: str) -> None:
    """Both tables."""
    create_orders_table(client, orders_table)
    create_event_store_table(client, events_table)


def read_stream(client: Any, stream_id: str, orders_table: str = ORDERS_TABLE, events_table: str = EVENTS_TABLE) -> Any:
    """The events of a stream, as the event store reads them back (its head's list, then the items)."""
    from orders_shared.event_store import EventStore

    return EventStore(client, events_table, heads_table=orders_table).get_events(stream_id)
