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

import scenario as scenarios
from demo import Pipeline, wait_for
from reporting import console


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--orders", type=int, default=100)
    parser.add_argument("--seed", type=int, default=int(time.time()))
    args = parser.parse_args()
    pipeline = Pipeline(os.environ.get("STACK_NAME", "order-pipeline-local"))
    plan = scenarios.build(args.orders, seed=args.seed, invalid=0)
    total, started = 0, time.monotonic()
    for number in range(len(plan.waves)):
        wave, duplicates = plan.materialise(number)
        sent_at = time.monotonic()
        pipeline.publisher.publish([*wave, *duplicates])
        rate = (len(wave) + len(duplicates)) / max(time.monotonic() - sent_at, 1e-6)
        console.print(f"wave {number + 1}: {len(wave)} events + {len(duplicates)} duplicates published ({rate:.0f}/s)")
        wait_for(pipeline, {event.event_id for event in wave}, f"wave {number + 1}")
        total += len(wave)
    elapsed = time.monotonic() - started
    console.print(f"{args.orders} orders, {total} events handled in {elapsed:.1f} s ({total / elapsed:.0f} events/s)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
