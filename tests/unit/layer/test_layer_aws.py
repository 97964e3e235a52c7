"""error_code: the one reader of a ClientError's code."""

from __future__ import annotations

from typing import Any

import pytest
from botocore.exceptions import ClientError

from orders_shared.aws import error_code


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
