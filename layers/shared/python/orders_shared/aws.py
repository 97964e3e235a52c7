"""Reading what AWS answered: one place that knows where a ClientError keeps its code."""

from __future__ import annotations

from botocore.exceptions import ClientError


def error_code(error: ClientError) -> str:
    """The error code AWS gave (``ThrottlingException``, ``AccessDenied``...).

    Parameters
    ----------
    error : ClientError
        A failed call, as botocore raised it.

    Returns
    -------
    str
        The code, or ``""`` when the response carries none (a malformed or truncated answer).
    """
    code = error.response.get("Error", {}).get("Code")
    return code if isinstance(code, str) else ""
