"""Soak the order processor: N order lifecycles under injected faults and duplicate deliveries.

Runs the real BatchApplier with its real adapters on moto (in process, no network), exactly as
``tests/reliability/test_reliability_soak.py`` does for 1,000 orders, and prints the figures and
every broken guarantee; the exit status is 1 when one is broken.

    .venv/bin/python tests/reliability/soak.py --orders 10000

The fault-free run of the same seed (to compare final states) runs meanwhile in a second process;
``--no-reference`` skips it.
"""

from __future__ import annotations

import argparse
import contextlib
import logging
import os
import sys
import time
import tomllib
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[2]


def use_project_paths() -> None:
    """Put pyproject.toml's pytest ``pythonpath`` entries on sys.path: a script has no pytest to do it."""
    with (ROOT / "pyproject.toml").open("rb") as pyproject:
        entries = tomllib.load(pyproject)["tool"]["pytest"]["ini_options"]["pythonpath"]
    for entry in reversed(entries):
        path = str((ROOT / entry).resolve())
        if path not in sys.path:
            sys.path.insert(0, path)


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--orders", type=int, default=1000, help="order lifecycles (default 1000)")
    parser.add_argument("--seed", type=int, default=20250601, help="everything random derives from it")
    parser.add_argument("--fault-rate", type=float, default=0.2, help="share of AWS calls that fail (0.2)")
    parser.add_argument("--duplicate-rate", type=float, default=0.1, help="share of messages delivered twice (0.1)")
    parser.add_argument(
        "--timeout-rate", type=float, default=0.02, help="share of invocations whose answer is lost (0.02)"
    )
    parser.add_argument("--max-redrives", type=int, default=12, help="redrives before a message stays parked (12)")
    parser.add_argument("--no-reference", action="store_true", help="skip the fault-free run of the same seed")
    return parser.parse_args(argv)


def show(title: str, values: dict[str, object]) -> None:
    print(title)
    for name, value in values.items():
        if isinstance(value, dict):
            print(f"  {name}:")
            for key, count in value.items():
                print(f"      {key:<38} {count}")
        else:
            print(f"  {name:<42} {value}")


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    use_project_paths()
    from moto import mock_aws

    from tests.reliability.harness.checks import check
    from tests.reliability.harness.moto_threads import moto_for_threads
    from tests.reliability.harness.outcomes import collect
    from tests.reliability.harness.scenario import build_scenario
    from tests.reliability.harness.soak_run import fault_free_statuses, figures, in_background, run_soak
    from tests.support.aws import FAKE_CREDENTIALS

    logging.basicConfig(level=logging.ERROR)  # the processor logs a warning for every injected fault
    os.environ.update(FAKE_CREDENTIALS)
    for name in ("AWS_PROFILE", "AWS_DEFAULT_PROFILE", "AWS_ENDPOINT_URL"):
        os.environ.pop(name, None)
    started = time.perf_counter()
    background: Any = (
        contextlib.nullcontext()
        if args.no_reference
        else in_background(fault_free_statuses, args.seed, args.orders, args.duplicate_rate)
    )
    with background as reference, mock_aws(), moto_for_threads():
        scenario = build_scenario(args.seed, args.orders)
        run = run_soak(
            scenario,
            fault_rate=args.fault_rate,
            duplicate_rate=args.duplicate_rate,
            timeout_rate=args.timeout_rate,
            suffix="soak",
            max_redrives=args.max_redrives,
        )
        outcomes = collect(run)
        faulty_seconds = time.perf_counter() - started
        statuses = None if reference is None else reference.result()
        problems = check(scenario, run, outcomes, statuses)  # the read side's audit reads the tables: in moto
    show(
        f"soak: {args.orders} orders, seed {args.seed}, {args.fault_rate:.0%} of calls failing, "
        f"{args.duplicate_rate:.0%} of messages delivered twice, {args.timeout_rate:.0%} of invocations timing out",
        figures(scenario, run, outcomes),
    )
    if statuses is not None:
        same = sum(1 for order_id, status in statuses.items() if outcomes.statuses.get(order_id) == status)
        print(f"  {'same final state as the fault-free run':<42} {same} of {len(statuses)}")
    print(f"  {'wall seconds, faulty run and read-back':<42} {faulty_seconds:.1f}")
    print(f"  {'wall seconds, all (with the fault-free run)':<42} {time.perf_counter() - started:.1f}")
    print("problems:" if problems else "problems: none")
    for problem in problems:
        print(f"  - {problem}")
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
