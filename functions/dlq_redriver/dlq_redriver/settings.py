"""The redriver's settings, read once at cold start."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from orders_shared.settings import require, require_int


@dataclass(frozen=True, slots=True)
class Settings:
    """Queues the redriver moves between (all required)."""

    dead_letter_queue_url: str
    source_queue_url: str
    visibility_seconds: int
    stage: str

    @classmethod
    def from_env(cls, environ: Mapping[str, str] | None = None) -> Settings:
        """Read the settings; raises ConfigurationError naming a missing variable."""
        return cls(
            dead_letter_queue_url=require("DEAD_LETTER_QUEUE_URL", environ),
            source_queue_url=require("SOURCE_QUEUE_URL", environ),
            visibility_seconds=require_int("RECEIVE_VISIBILITY_SECONDS", environ, minimum=1),
            stage=require("STAGE", environ),
        )
