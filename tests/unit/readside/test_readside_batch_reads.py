"""The read side's BatchGetItem of heads with Stubber: throttled keys asked for again, then ReadSideError."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from typing import Any

import pytest
from botocore.stub import Stubber

from orders_shared.event_store import EventStore
from orders_shared.streams import ReadSideError, read_orders
from tests.support.aws import record_requests

ORDERS = ["7c9e6679-7425-40de-944b-e07fc1f90ae7", "3f2504e0-4f89-41d3-9a0c-0305e82c3301"]
KEYS = [{"orderId": {"S": order_id}} for order_id in ORDERS]


def test_read_orders_asks_again_for_unprocessed_heads(
    stubbed: tuple[Any, Stubber], executor: ThreadPoolExecutor
) -> None:
    # GIVEN a BatchGetItem that answers one head (of a stream with no event) and leaves the other unprocessed
    client, stubber = stubbed
    requests = record_requests(client, "dynamodb.BatchGetItem")
    left = {"Orders": {"Keys": [KEYS[1]], "ConsistentRead": True}}
    stubber.add_response("batch_get_item", {"Responses": {"Orders": [KEYS[0]]}, "UnprocessedKeys": left})
    stubber.add_response("batch_get_item", {"Responses": {"Orders": [KEYS[1]]}})
    # WHEN both orders are read
    readings = read_orders(client, EventStore(client, "EventStore", heads_table="Orders"), "Orders", ORDERS, executor)
    # THEN both heads come back: the second call asked for the unprocessed key alone
    assert [reading.head for reading in readings] == KEYS
    assert requests == [{"RequestItems": {"Orders": {"Keys": KEYS, "ConsistentRead": True}}}, {"RequestItems": left}]
    stubber.assert_no_pending_responses()


def test_read_orders_with_heads_unprocessed_after_eight_tries_is_a_read_side_error(
    stubbed: tuple[Any, Stubber], executor: ThreadPoolExecutor
) -> None:
    # GIVEN a BatchGetItem that leaves a head unprocessed on every call
    client, stubber = stubbed
    requests = record_requests(client, "dynamodb.BatchGetItem")
    left = {"Orders": {"Keys": [KEYS[1]], "ConsistentRead": True}}
    for _ in range(8):
        stubber.add_response("batch_get_item", {"Responses": {"Orders": []}, "UnprocessedKeys": left})
    # WHEN the orders are read THEN the read fails, naming the table, after eight calls
    with pytest.raises(ReadSideError) as raised:
        read_orders(client, EventStore(client, "EventStore", heads_table="Orders"), "Orders", ORDERS, executor)
    assert str(raised.value) == "reading Orders: keys left unprocessed after 8 tries"
    assert len(requests) == 8
    stubber.assert_no_pending_responses()
