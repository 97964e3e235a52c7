"""The order processor's settings, read once at cold start."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from orders_shared.settings import require, require_int


@dataclass(frozen=True, slots=True)
class Settings:
    """Where the processor reads and writes (all required)."""

    orders_table: str
    event_store_table: str
    notifications_topic_arn: str
    dead_letter_queue_url: str
    stage: str
    max_receive_count: int  # the source queue's maxReceiveCount: the last receive parks, with a reason

    @classmethod
    def from_env(cls, environ: Mapping[str, str] | None = None) -> Settings:
        """Read the settings; raises ConfigurationError naming a missing variable."""
        return cls(
            orders_table=require("ORDERS_TABLE_NAME", environ),
            event_store_table=require("EVENT_STORE_TABLE_NAME", environ),
            notifications_topic_arn=require("NOTIFICATIONS_TOPIC_ARN", environ),
            dead_letter_queue_url=require("DEAD_LETTER_QUEUE_URL", environ),
            stage=require("STAGE", environ),
            max_receive_count=require_int("MAX_RECEIVE_COUNT", environ, minimum=1),
        )
