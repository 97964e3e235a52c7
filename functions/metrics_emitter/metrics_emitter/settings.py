"""The metrics emitter's settings, read once at cold start."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from orders_shared.errors import ConfigurationError
from orders_shared.settings import require


def _seconds(name: str, text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        raise ConfigurationError(f"{name} must be a number of seconds, got {text!r}") from None
    if not value >= 0:  # also refuses NaN
        raise ConfigurationError(f"{name} must be 0 or more, got {text!r}")
    return value


@dataclass(frozen=True, slots=True)
class Settings:
    """What the emitter reads (all required)."""

    queue_url: str
    dead_letter_queue_url: str
    orders_table: str
    events_table: str
    ledger_settle_s: float
    stage: str

    @classmethod
    def from_env(cls, environ: Mapping[str, str] | None = None) -> Settings:
        """Read the settings; raises ConfigurationError naming a missing variable."""
        return cls(
            queue_url=require("QUEUE_URL", environ),
            dead_letter_queue_url=require("DEAD_LETTER_QUEUE_URL", environ),
            orders_table=require("ORDERS_TABLE_NAME", environ),
            events_table=require("EVENT_STORE_TABLE_NAME", environ),
            ledger_settle_s=_seconds("LEDGER_SETTLE_SECONDS", require("LEDGER_SETTLE_SECONDS", environ)),
            stage=require("STAGE", environ),
        )
