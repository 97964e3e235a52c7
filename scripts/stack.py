"""Read a deployed stack: its outputs (the public contract of DESIGN §4), or whether it exists.

``outputs`` reads the stack named by $STACK_NAME (the local stack by default, through
$AWS_ENDPOINT_URL); ``exists --config-env dev`` reads the stack name from samconfig.toml.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import tomllib
from pathlib import Path
from typing import Any

import boto3
from botocore.exceptions import ClientError

ROOT = Path(__file__).resolve().parent.parent


def stack_name_of(config_env: str) -> str:
    """The stack name that samconfig.toml gives a config env."""
    config = tomllib.loads((ROOT / "samconfig.toml").read_text())
    try:
        return str(config[config_env]["global"]["parameters"]["stack_name"])
    except KeyError:
        raise SystemExit(f"samconfig.toml has no [{config_env}.global.parameters] stack_name") from None


def outputs(stack_name: str, client: Any = None) -> dict[str, str]:
    """The stack's outputs as a dict."""
    client = client or boto3.client("cloudformation")
    stack = client.describe_stacks(StackName=stack_name)["Stacks"][0]
    return {output["OutputKey"]: output["OutputValue"] for output in stack.get("Outputs", [])}


def peek_messages(sqs: Any, queue_url: str, needle: str, *, depth: int | None = None) -> list[dict[str, Any]]:
    """Messages of a queue whose body contains ``needle`` (``""``: every message), left in the queue.

    Received messages are held (hidden) while searching, so none is seen twice, then all are
    made visible again. ``depth`` bounds how many are examined: by default the queue's visible
    messages when the search starts, so that a queue that grew over many runs is searched whole.
    """
    if depth is None:
        attributes = sqs.get_queue_attributes(QueueUrl=queue_url, AttributeNames=["ApproximateNumberOfMessages"])
        depth = int(attributes["Attributes"]["ApproximateNumberOfMessages"]) + 10
    found: list[dict[str, Any]] = []
    held: list[dict[str, Any]] = []
    while len(held) < depth and not (needle and found):
        messages = sqs.receive_message(
            QueueUrl=queue_url,
            MaxNumberOfMessages=10,
            VisibilityTimeout=30,
            MessageAttributeNames=["All"],
            MessageSystemAttributeNames=["All"],
        ).get("Messages", [])
        if not messages:
            break
        held.extend(messages)
        found.extend(message for message in messages if needle in message["Body"])
    for start in range(0, len(held), 10):
        entries = [
            {"Id": str(index), "ReceiptHandle": message["ReceiptHandle"], "VisibilityTimeout": 0}
            for index, message in enumerate(held[start : start + 10])
        ]
        sqs.change_message_visibility_batch(QueueUrl=queue_url, Entries=entries)
    return found


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    commands = parser.add_subparsers(dest="command", required=True)
    commands.add_parser("outputs")
    exists = commands.add_parser("exists")
    exists.add_argument("--config-env", required=True)
    args = parser.parse_args()
    if args.command == "outputs":
        print(json.dumps(outputs(os.environ.get("STACK_NAME", "order-pipeline-local")), indent=2))
        return 0
    try:
        boto3.client("cloudformation").describe_stacks(StackName=stack_name_of(args.config_env))
    except ClientError:
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
