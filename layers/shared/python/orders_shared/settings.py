"""Typed settings read from the environment once, at cold start, failing loudly."""

from __future__ import annotations

import os
from collections.abc import Mapping

from orders_shared.errors import ConfigurationError


def require(name: str, environ: Mapping[str, str] | None = None) -> str:
    """The value of a required environment variable.

    Raises
    ------
    ConfigurationError
        If the variable is missing or empty; its name is in the message.
    """
    value = (os.environ if environ is None else environ).get(name)
    if not value:
        raise ConfigurationError(f"environment variable {name} is required and not set")
    return value


def require_int(name: str, environ: Mapping[str, str] | None = None, *, minimum: int = 0) -> int:
    """A required environment variable holding an integer ≥ ``minimum``."""
    raw = require(name, environ)
    try:
        value = int(raw)
    except ValueError:
        raise ConfigurationError(f"environment variable {name} must be an integer, got {raw[:32]!r}") from None
    if value < minimum:
        raise ConfigurationError(f"environment variable {name} must be at least {minimum}, got {value}")
    return value
