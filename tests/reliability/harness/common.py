"""What every part of the harness shares: the simulated account, the fixed clock, seeded ids."""

from __future__ import annotations

import random
import uuid

from botocore.config import Config

REGION = "us-east-1"
ACCOUNT = "123456789012"
FIXED_NOW = "2025-06-01T12:00:00.000Z"  # every clock: requests repeat byte for byte under a seed
MAX_RECEIVE_COUNT = 5  # the order-events redrive policy (AWS guidance: at least 5 behind Lambda)
BATCH_SIZE = 10  # the event source mapping's default batch size
# Retries off, so that every injected fault reaches the adapters (botocore's max_attempts counts retries
# only); parameter validation off, as in the function.
NO_RETRIES = Config(retries={"total_max_attempts": 1}, parameter_validation=False)
REJECTION_REASONS = frozenset({"MalformedJson", "SchemaViolation", "UnknownEventType", "EventIdConflict"})


def fixed_clock() -> str:
    """The clock of every adapter and event: the same instant, always."""
    return FIXED_NOW


def seeded_uuid(rng: random.Random) -> str:
    """A version-4 UUID drawn from ``rng`` (reproducible, unlike ``uuid.uuid4``)."""
    return str(uuid.UUID(int=rng.getrandbits(128), version=4))
