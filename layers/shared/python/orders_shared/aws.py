"""Reading what AWS answered: one place that knows where a ClientError keeps its code, and how to name a failure."""

from __future__ import annotations

from botocore.exceptions import BotoCoreError, ClientError


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


def failure_code(error: ClientError | BotoCoreError) -> str:
    """What to call a failed call in a log line or an error: AWS's code, or botocore's error class.

    Parameters
    ----------
    error : ClientError or BotoCoreError
        An answer AWS refused (it carries a code) or a call that got no answer (a lost connection,
        a timeout: its class names it).

    Returns
    -------
    str
        The code as :func:`error_code` reads it, or the class name (``ConnectTimeoutError``...).
    """
    return error_code(error) if isinstance(error, ClientError) else type(error).__name__
