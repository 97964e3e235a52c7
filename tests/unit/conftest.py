"""Fixtures every unit test directory shares: fake credentials (always), moto with its clients, a stubbed client.

The moto tables are the template's (``tests/support/tables.py``); the layer's tests override
``dynamodb`` with an event-store table of their own.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import boto3
import pytest
from botocore.stub import Stubber
from moto import mock_aws

from tests.support.aws import REGION, use_fake_credentials
from tests.support.tables import EVENTS_TABLE, ORDERS_TABLE, create_tables


@pytest.fixture(autouse=True)
def fake_aws_credentials(monkeypatch: pytest.MonkeyPatch) -> None:
    """Fake credentials and region, so no test can reach or pick up a real account."""
    use_fake_credentials(monkeypatch)


@pytest.fixture
def aws() -> Iterator[None]:
    """moto's in-process AWS for the duration of the test."""
    with mock_aws():
        yield


@pytest.fixture
def dynamodb(aws: None) -> Any:
    """A moto DynamoDB client with the Orders (orderId) and EventStore (streamId, version) tables."""
    client = boto3.client("dynamodb", region_name=REGION)
    create_tables(client, ORDERS_TABLE, EVENTS_TABLE)
    return client


@pytest.fixture
def sqs(aws: None) -> Any:
    return boto3.client("sqs", region_name=REGION)


@pytest.fixture
def sns(aws: None) -> Any:
    return boto3.client("sns", region_name=REGION)


@pytest.fixture
def stubbed() -> Iterator[tuple[Any, Stubber]]:
    """A DynamoDB client answered by botocore's Stubber, and the Stubber (a test module of another
    service's adapter overrides it with a client of that service)."""
    client = boto3.client("dynamodb", region_name=REGION)
    with Stubber(client) as stubber:
        yield client, stubber
