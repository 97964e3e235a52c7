"""Logging, metrics and tracing set up once for every function (Powertools).

The service name, metrics namespace, log level and tracing switch come from the ``POWERTOOLS_*``
variables that the template's Globals set; :func:`configure` adds the stage as a default metric
dimension.

The X-Ray SDK is the heaviest import of a cold start, so the Powertools ``Tracer`` is built only
when tracing can work: inside Lambda (``AWS_LAMBDA_FUNCTION_NAME``) and not disabled by
``POWERTOOLS_TRACE_DISABLED``. Elsewhere (tests, benchmarks, the local emulator, which has no
X-Ray) ``tracer`` is a stand-in with the same decorators, doing nothing.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from typing import Any, cast

from aws_lambda_powertools import Logger, Metrics
from aws_lambda_powertools.metrics import MetricUnit

__all__ = ["MetricUnit", "configure", "logger", "metrics", "tracer"]

logger = Logger(use_rfc3339=True)
metrics = Metrics()


class _NoTracer:
    """The decorators of Powertools' Tracer, passing functions through unchanged."""

    def capture_lambda_handler[F: Callable[..., Any]](self, handler: F) -> F:
        return handler

    def capture_method[F: Callable[..., Any]](self, method: F) -> F:
        return method

    def put_annotation(self, key: str, value: Any) -> None:
        """Annotations go nowhere without tracing."""


def _tracing_possible(environ: dict[str, str] | os._Environ[str] = os.environ) -> bool:
    disabled = environ.get("POWERTOOLS_TRACE_DISABLED", "false").lower() in {"1", "true", "yes", "on"}
    return "AWS_LAMBDA_FUNCTION_NAME" in environ and not disabled


TRACED_MODULES = ("botocore",)


def _build_tracer() -> _NoTracer:
    if not _tracing_possible():
        return _NoTracer()
    from aws_lambda_powertools import Tracer  # noqa: PLC0415 - imports the X-Ray SDK: only when tracing

    # Every AWS call of the functions goes through botocore (boto3's clients are botocore's): patching it
    # alone, rather than every library the X-Ray SDK knows, imports less of the SDK on a cold start.
    # Typed as the stand-in: the functions use only the decorators both share.
    return cast("_NoTracer", Tracer(patch_modules=TRACED_MODULES))


tracer = _build_tracer()


def configure(stage: str) -> None:
    """Tag every metric with the deployment stage (call once, at cold start)."""
    metrics.set_default_dimensions(Stage=stage)
