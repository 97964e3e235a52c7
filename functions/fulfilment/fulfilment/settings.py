"""The fulfilment function's settings, read once at cold start."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from orders_shared.settings import require


@dataclass(frozen=True, slots=True)
class Settings:
    """What the function reads (all required)."""

    shipments_table: str
    stage: str

    @classmethod
    def from_env(cls, environ: Mapping[str, str] | None = None) -> Settings:
        """Read the settings; raises ConfigurationError naming a missing variable."""
        return cls(shipments_table=require("SHIPMENTS_TABLE_NAME", environ), stage=require("STAGE", environ))
