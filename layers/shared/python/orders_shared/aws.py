"""Reading what AWS answered: one place that knows the shape of a botocore ClientError."""

from __future__ import annotations

from botocore.exceptions import ClientError


def error_code(error: ClientError) -> str:
    """The service's error code (``ConditionalCheckFailedException``, ``ThrottlingException``), or ""."""
    return str(error.response.get("Error", {}).get("Code", ""))
