"""Import the built layer the way Lambda would: only the layer's python/ folder and boto3.

Run in isolated mode (`-I`) with an interpreter whose only package is boto3 (`make layer-check`
builds one), giving the built layer's python/ folder as the argument. Imports every module of orders_shared and
builds the X-Ray tracer as inside Lambda, so a dependency missing from the layer fails here. The
layer must not carry the runtime's own SDK (boto3, botocore, s3transfer): from /opt/python it would
shadow the runtime's copy, and its version would no longer match the runtime's boto3.
"""

from __future__ import annotations

import importlib
import os
import sys

RUNTIME_PACKAGES = ("boto3", "botocore", "s3transfer")

MODULES = (
    "orders_shared.errors",
    "orders_shared.settings",
    "orders_shared.validation",
    "orders_shared.events",
    "orders_shared.publisher",
    "orders_shared.event_store",
    "orders_shared.observability",
    "aws_lambda_powertools.utilities.batch",
)


def main() -> int:
    shipped = [name for name in RUNTIME_PACKAGES if os.path.isdir(os.path.join(sys.argv[1], name))]
    if shipped:
        print(f"the layer ships the runtime's own {', '.join(shipped)}: drop it from the layer", file=sys.stderr)
        return 1
    sys.path.insert(0, sys.argv[1])  # where Lambda mounts a layer's python/ folder: /opt/python
    os.environ.update(
        AWS_LAMBDA_FUNCTION_NAME="layer-check",  # as inside Lambda: the real Tracer (X-Ray SDK) is built
        POWERTOOLS_SERVICE_NAME="layer-check",
        POWERTOOLS_METRICS_NAMESPACE="LayerCheck",
        AWS_DEFAULT_REGION="us-east-1",
    )
    for name in MODULES:
        module = importlib.import_module(name)
        print(f"ok  {name:<40} {getattr(module, '__file__', '')}")
    from orders_shared.events import dumps, envelope_for, order_created, parse_sqs_body  # noqa: PLC0415

    event = order_created("7c9e6679-7425-40de-944b-e07fc1f90ae7", "customer-1", 10)
    parse_sqs_body(dumps(envelope_for(event)))
    tracer = importlib.import_module("orders_shared.observability").tracer
    print(f"ok  tracer {type(tracer).__module__}.{type(tracer).__name__}; Python {sys.version.split()[0]}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
