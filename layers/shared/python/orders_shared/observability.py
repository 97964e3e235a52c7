"""Logging, metrics and tracing set up once for every function (Powertools).

The service name, metrics namespace and log level come from the ``POWERTOOLS_*`` variables that
the template's Globals set; :func:`configure` adds the stage as a default metric dimension.
"""

from __future__ import annotations

from aws_lambda_powertools import Logger, Metrics, Tracer
from aws_lambda_powertools.metrics import MetricUnit

__all__ = ["MetricUnit", "configure", "logger", "metrics", "tracer"]

logger = Logger(use_rfc3339=True)
metrics = Metrics()
tracer = Tracer()


def configure(stage: str) -> None:
    """Tag every metric with the deployment stage (call once, at cold start)."""
    metrics.set_default_dimensions(Stage=stage)
