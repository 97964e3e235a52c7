"""The metrics emitter's settings, read once at cold start."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from orders_shared.settings import require


@dataclass(frozen=True, slots=True)
class Settings:
    """What the emitter reads (all required)."""

    queue_url: str
    dead_letter_queue_url: str
    orders_table: str
    stage: str

    @classmethod
    def from_env(cls, environ: Mapping[str, str] | None = None) -> Settings:
        """Read the settings; raises ConfigurationError naming a missing variable."""
        return cls(
            queue_url=require("QUEUE_URL", environ),
            dead_letter_queue_url=require("DEAD_LETTER_QUEUE_URL", environ),
            orders_table=require("ORDERS_TABLE_NAME", environ),
            stage=require("STAGE", environ),
        )
