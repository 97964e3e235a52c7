"""`make publish ORDERS=n`: publish n order lifecycles to the deployed bus, wave by wave.

Each wave (creations, then payments, then completions and cancellations) is published through the
EventPublisher and followed until the pipeline has handled it, so no event waits on one of a later
wave. Prints the publish rate and how long each wave took to drain.
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from collections.abc import Callable

import scenario as scenarios
from demo import Pipeline, wait_for
from reporting import console

from orders_shared.events import NewEvent

PUBLISH_SLICE = 100  # events per publish call: a watching caller may act between two of them


def publish_waves(
    pipeline: Pipeline, plan: scenarios.Scenario, during: Callable[[int, int, int], None] | None = None
) -> list[list[NewEvent]]:
    """Publish the plan wave by wave, each followed until handled; returns each wave's events.

    ``during(wave, size, published)`` is called after each slice of a wave is published (``wave``
    counted from 0, ``size`` its events with their duplicates), so that a caller can act while
    events flow.
    """
    published: list[list[NewEvent]] = []
    for number in range(len(plan.waves)):
        wave, duplicates = plan.materialise(number)
        events = [*wave, *duplicates]
        sent_at = time.monotonic()
        for start in range(0, len(events), PUBLISH_SLICE):
            pipeline.publisher.publish(events[start : start + PUBLISH_SLICE])
            if during is not None:
                during(number, len(events), min(start + PUBLISH_SLICE, len(events)))
        rate = len(events) / max(time.monotonic() - sent_at, 1e-6)
        console.print(f"wave {number + 1}: {len(wave)} events + {len(duplicates)} duplicates published ({rate:.0f}/s)")
        wait_for(pipeline, {event.event_id for event in wave}, f"wave {number + 1}")
        published.append(wave)
    return published


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--orders", type=int, default=100)
    parser.add_argument("--seed", type=int, default=int(time.time()))
    args = parser.parse_args()
    pipeline = Pipeline(os.environ.get("STACK_NAME", "order-pipeline-local"))
    plan = scenarios.build(args.orders, seed=args.seed, invalid=0)
    started = time.monotonic()
    total = sum(len(wave) for wave in publish_waves(pipeline, plan))
    elapsed = time.monotonic() - started
    console.print(f"{args.orders} orders, {total} events handled in {elapsed:.1f} s ({total / elapsed:.0f} events/s)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
