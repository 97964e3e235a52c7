"""error_code: the one reader of a ClientError's code; failure_code: the name of any failed call."""

from __future__ import annotations

from typing import Any

import pytest
from botocore.exceptions import BotoCoreError, ClientError, ConnectTimeoutError, EndpointConnectionError

from orders_shared.aws import error_code, failure_code


def client_error(response: dict[str, Any]) -> ClientError:
    return ClientError(response, "SendMessageBatch")  # type: ignore[arg-type]


def test_error_code_reads_the_code_aws_gave() -> None:
    # GIVEN a throttled call
    error = client_error({"Error": {"Code": "ThrottlingException", "Message": "slow down"}})
    # WHEN its code is read
    # THEN it is the code AWS gave
    assert error_code(error) == "ThrottlingException"


@pytest.mark.parametrize(
    "response",
    [{}, {"Error": {}}, {"Error": {"Message": "no code"}}, {"Error": {"Code": None}}, {"Error": {"Code": 503}}],
    ids=["no-error", "empty-error", "no-code", "null-code", "number-code"],
)
def test_error_code_is_empty_when_the_response_has_none(response: dict[str, Any]) -> None:
    # GIVEN an error whose response carries no code (or no text code)
    error = client_error(response)
    # WHEN its code is read
    # THEN it is the empty string, not an exception nor a stray value
    assert error_code(error) == ""


def test_failure_code_of_a_refused_call_is_the_code_aws_gave() -> None:
    # GIVEN a call AWS refused
    error = client_error({"Error": {"Code": "AccessDenied", "Message": "no"}})
    # WHEN the failure is named
    # THEN it is the code AWS gave
    assert failure_code(error) == "AccessDenied"


@pytest.mark.parametrize(
    ("error", "name"),
    [
        (ConnectTimeoutError(endpoint_url="https://sqs.us-east-1.amazonaws.com"), "ConnectTimeoutError"),
        (EndpointConnectionError(endpoint_url="https://sqs.us-east-1.amazonaws.com"), "EndpointConnectionError"),
    ],
)
def test_failure_code_of_a_call_without_an_answer_is_its_error_class(error: BotoCoreError, name: str) -> None:
    # GIVEN a call that got no answer (no code to read)
    # WHEN the failure is named
    # THEN it is botocore's error class, not an empty string
    assert failure_code(error) == name
