"""Order events as the processor and the redriver receive them: the SQS body EventBridge delivers."""

from __future__ import annotations

from orders_shared.events import NewEvent, dumps, envelope_for
from tests.support.aws import ACCOUNT, REGION


def body_of(event: NewEvent) -> str:
    """The SQS ``body`` EventBridge delivers for ``event``: its envelope (the fake account and region) as JSON."""
    return dumps(envelope_for(event, account=ACCOUNT, region=REGION))
