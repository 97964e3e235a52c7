"""batch_get with Stubber: the exact BatchGetItem requests, throttled keys asked for again, and its errors."""

from __future__ import annotations

from typing import Any

import pytest
from botocore.exceptions import ClientError
from botocore.stub import Stubber

from orders_shared.batch_reads import BATCH_GET_TRIES, batch_get
from orders_shared.errors import RetryableError
from orders_shared.event_store import event_key
from tests.support.aws import record_requests

KEYS = [event_key("e1"), event_key("e2")]


def test_batch_get_asks_again_for_unprocessed_keys(stubbed: tuple[Any, Stubber]) -> None:
    # GIVEN a BatchGetItem that answers one event and leaves the other unprocessed, then answers it
    client, stubber = stubbed
    requests = record_requests(client, "dynamodb.BatchGetItem")
    left = {"EventStore": {"Keys": [KEYS[1]], "ConsistentRead": True, "ProjectionExpression": "streamId"}}
    stubber.add_response("batch_get_item", {"Responses": {"EventStore": [KEYS[0]]}, "UnprocessedKeys": left})
    stubber.add_response("batch_get_item", {"Responses": {"EventStore": [KEYS[1]]}})
    # WHEN both are read
    items = batch_get(client, "EventStore", KEYS, what="events", projection="streamId")
    # THEN both come back: the first call asked for both keys, the second for the unprocessed one alone
    assert items == KEYS
    assert requests == [
        {"RequestItems": {"EventStore": {"Keys": KEYS, "ConsistentRead": True, "ProjectionExpression": "streamId"}}},
        {"RequestItems": left},
    ]
    stubber.assert_no_pending_responses()


def test_batch_get_with_keys_unprocessed_after_the_last_try_is_retryable(stubbed: tuple[Any, Stubber]) -> None:
    # GIVEN a BatchGetItem that leaves a key unprocessed on every call
    client, stubber = stubbed
    requests = record_requests(client, "dynamodb.BatchGetItem")
    left = {"EventStore": {"Keys": [KEYS[1]], "ConsistentRead": True}}
    for _ in range(BATCH_GET_TRIES):
        stubber.add_response("batch_get_item", {"Responses": {"EventStore": []}, "UnprocessedKeys": left})
    # WHEN the events are read THEN the read fails, retryable, naming what and where, after eight calls
    with pytest.raises(RetryableError) as raised:
        batch_get(client, "EventStore", KEYS, what="events")
    assert str(raised.value) == "reading events from EventStore: keys left unprocessed"
    assert len(requests) == BATCH_GET_TRIES == 8
    stubber.assert_no_pending_responses()


def test_batch_get_lets_a_refused_call_through_as_it_is(stubbed: tuple[Any, Stubber]) -> None:
    # GIVEN a BatchGetItem refused for throughput, and no ``failed`` to turn it into another error
    client, stubber = stubbed
    stubber.add_client_error("batch_get_item", service_error_code="ProvisionedThroughputExceededException")
    # WHEN the events are read THEN the ClientError itself is raised
    with pytest.raises(ClientError, match="ProvisionedThroughputExceededException"):
        batch_get(client, "EventStore", KEYS, what="events")


def test_batch_get_asks_for_at_most_a_hundred_keys_a_call(stubbed: tuple[Any, Stubber]) -> None:
    # GIVEN 101 keys (DynamoDB refuses a BatchGetItem of more than 100 keys)
    client, stubber = stubbed
    requests = record_requests(client, "dynamodb.BatchGetItem")
    keys = [event_key(f"e{number}") for number in range(101)]
    stubber.add_response("batch_get_item", {"Responses": {"EventStore": keys[:100]}})
    stubber.add_response("batch_get_item", {"Responses": {"EventStore": keys[100:]}})
    # WHEN they are read
    items = batch_get(client, "EventStore", keys, what="events")
    # THEN two calls asked for the first hundred, then the last one, in order, and every item came back
    assert [request["RequestItems"]["EventStore"]["Keys"] for request in requests] == [keys[:100], keys[100:]]
    assert items == keys
    stubber.assert_no_pending_responses()
