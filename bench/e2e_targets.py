"""The end-to-end targets (issue 14, point 3), their rows in `make bench`'s table, and a run of them alone.

Both targets are ratios of rates measured in one run, at the largest size, on the same stack and
emulator (bench/e2e.py, ``measure`` and ``calibrate``): ours at least ``REFERENCE_FACTOR`` times the
reference processor (bench/calibration/minimal_processor.py) and at least ``NOOP_SHARE`` of the
no-op processor's rate. An absolute rate is the machine's as much as the design's; a ratio measured
minutes apart on the same machine is the design's.

Run alone (`make bench-e2e`, or with the environment of the `bench` target)::

    python bench/e2e_targets.py --orders 2000          # ours, then the reference and the no-op at 2,000
    python bench/e2e_targets.py --orders 100 --orders 1000 --orders 10000   # what make bench runs

prints the rows below and writes bench/results/e2e.json.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from table import Row, render, verdict

SIZES = (100, 1_000, 10_000)  # orders, in `make bench`; the ratios are taken at the largest
REFERENCE_FACTOR = 2.0  # ours / the reference processor's orders per second, at least
NOOP_SHARE = 0.75  # ours / the no-op processor's orders per second, at least


def ratios(e2e: dict[str, Any], sizes: Sequence[int] = SIZES) -> tuple[float | None, float | None]:
    """Ours over the reference's rate and ours over the no-op's, at the largest size (None: not measured)."""
    mine = (e2e.get(str(max(sizes))) or {}).get("orders_per_s")
    calibration = e2e.get("calibration") or {}
    reference = (calibration.get("reference") or {}).get("orders_per_s")
    noop = (calibration.get("ceiling") or {}).get("orders_per_s")
    return (mine / reference if mine and reference else None, mine / noop if mine and noop else None)


def rows(e2e: dict[str, Any] | None, sizes: Sequence[int] = SIZES) -> list[Row]:
    """Rate and p50 / p99 publish-to-commit of each size, then the two calibrated targets."""
    if not e2e:
        return [
            ("e2e vs the reference processor", "skipped", "", "", f">= {REFERENCE_FACTOR:.1f}x", "SKIP"),
            ("e2e vs the no-op processor", "skipped", "", "", f">= {NOOP_SHARE:.0%}", "SKIP"),
        ]
    table: list[Row] = []
    for size in sizes:
        run = e2e.get(str(size))
        if not run:
            continue
        table.append((f"e2e {size:,} orders: orders/s", f"{run['orders_per_s']:.0f}", "n/a", "", "", ""))
        latency = f"{run['latency_p50_ms']:.0f} / {run['latency_p99_ms']:.0f}"
        table.append((f"e2e {size:,} orders: p50 / p99 publish-to-commit (ms)", latency, "n/a", "", "", ""))
    largest = f"{max(sizes):,}"
    calibration = e2e.get("calibration") or {}
    vs_reference, of_noop = ratios(e2e, sizes)
    for name, key, measured, target, passed in (
        (
            "reference processor",
            "reference",
            f"ours {vs_reference:.2f}x" if vs_reference is not None else "",
            f"ours >= {REFERENCE_FACTOR:.1f}x",
            None if vs_reference is None else vs_reference >= REFERENCE_FACTOR,
        ),
        (
            "no-op processor",
            "ceiling",
            f"ours {of_noop:.0%}" if of_noop is not None else "",
            f"ours >= {NOOP_SHARE:.0%}",
            None if of_noop is None else of_noop >= NOOP_SHARE,
        ),
    ):
        run = calibration.get(key)
        rate = f"{run['orders_per_s']:.0f}" if run else "not run"
        table.append((f"  {name} ({largest}, same run): orders/s", rate, "", measured, target, verdict(passed)))
    return table


def main(argv: Sequence[str] | None = None) -> int:
    """Deploy nothing: measure the deployed stack at the sizes given, and print the rows."""
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--orders", type=int, action="append", help="a size to run (repeatable; default 10000)")
    parser.add_argument("--no-calibration", action="store_true", help="ours only: no reference, no no-op")
    args = parser.parse_args(argv)
    sizes = tuple(args.orders or [max(SIZES)])

    import e2e  # boto3 and the emulator: only when running
    import harness

    endpoint = os.environ.get("AWS_ENDPOINT_URL", "http://127.0.0.1:4566")
    stack_name = os.environ.get("STACK_NAME", "order-pipeline-local")
    built = None if args.no_calibration else harness.ROOT / ".aws-sam" / "build" / "OrderProcessorFunction"

    def progress(text: str) -> None:
        print(f"\r\033[K  {text}", end="", file=sys.stderr, flush=True)

    result = e2e.measure(endpoint, stack_name, sizes, progress, built=built)
    print(file=sys.stderr)
    results = Path(harness.ROOT) / "bench" / "results"
    results.mkdir(parents=True, exist_ok=True)
    (results / "e2e.json").write_text(json.dumps({"sizes": sizes, "e2e": result}, indent=2, default=str))
    print(render(rows(result, sizes)))
    return 0


if __name__ == "__main__":
    sys.exit(main())
