"""What every suite that runs code against moto needs: fake credentials, a Lambda context, a drain.

Shared by the unit tests (``tests/unit/conftest.py``), the reliability harness and the benchmark,
so that none of them can reach or pick up a real account, and each context looks the same.
"""

from __future__ import annotations

import copy
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

REGION = "us-east-1"
ACCOUNT = "123456789012"
FAKE_CREDENTIALS = {
    "AWS_ACCESS_KEY_ID": "testing",
    "AWS_SECRET_ACCESS_KEY": "testing",
    "AWS_SESSION_TOKEN": "testing",
    "AWS_DEFAULT_REGION": REGION,
}


def use_fake_credentials(patch: Any) -> None:
    """Fake credentials and region through ``patch`` (a pytest MonkeyPatch), so nothing reaches a real account."""
    for name in ("AWS_PROFILE", "AWS_DEFAULT_PROFILE", "AWS_ENDPOINT_URL"):
        patch.delenv(name, raising=False)
    for name, value in FAKE_CREDENTIALS.items():
        patch.setenv(name, value)


@dataclass(frozen=True)
class FakeLambdaContext:
    """The parts of the Lambda context object Powertools and the handlers read."""

    function_name: str = "order-processor"
    remaining_ms: int = 30_000
    memory_limit_in_mb: int = 512
    aws_request_id: str = "52fdfc07-2182-454f-963f-5f0f9a621d72"

    @property
    def invoked_function_arn(self) -> str:
        return f"arn:aws:lambda:{REGION}:{ACCOUNT}:function:{self.function_name}"

    def get_remaining_time_in_millis(self) -> int:
        return self.remaining_ms


def drain(sqs: Any, queue_url: str) -> list[dict[str, Any]]:
    """Every message waiting in a moto queue, with its message attributes."""
    messages: list[dict[str, Any]] = []
    while True:
        response = sqs.receive_message(QueueUrl=queue_url, MaxNumberOfMessages=10, MessageAttributeNames=["All"])
        batch = response.get("Messages", [])
        if not batch:
            return messages
        messages.extend(batch)


def record_requests[T](client: Any, operation: str, view: Callable[[dict[str, Any]], T] = copy.deepcopy) -> list[T]:
    """Every request of ``operation`` (``"sqs.SendMessageBatch"``) that ``client`` makes from now on.

    Each is recorded as ``view`` sees it (by default a deep copy of its parameters), before botocore
    validates or sends it: a test can assert on what was asked even when a Stubber's own assertion
    error, which adapters take for a failed call, would hide it.
    """
    recorded: list[T] = []

    def record(params: dict[str, Any], **_: Any) -> None:
        recorded.append(view(params))

    client.meta.events.register(f"provide-client-params.{operation}", record)
    return recorded
