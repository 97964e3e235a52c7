"""bench/e2e_targets.py: the end-to-end targets are ratios of one run, with a verdict each."""

from __future__ import annotations

import importlib
import sys
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest

BENCH = Path(__file__).resolve().parents[3] / "bench"


@pytest.fixture
def targets(monkeypatch: pytest.MonkeyPatch) -> ModuleType:
    # The bench's modules import each other by name, as `make bench` runs them (bench/ on the path).
    monkeypatch.syspath_prepend(str(BENCH))
    return importlib.import_module("e2e_targets")


def measured(ours: float, reference: float | None, noop: float | None) -> dict[str, Any]:
    """An e2e result as bench/e2e.py returns it, at the three sizes."""
    run = {"orders_per_s": ours, "latency_p50_ms": 300.0, "latency_p99_ms": 900.0}
    calibration = {}
    if reference is not None:
        calibration["reference"] = {"orders_per_s": reference}
    if noop is not None:
        calibration["ceiling"] = {"orders_per_s": noop}
    return {"100": run, "1000": run, "10000": run, "calibration": calibration}


def by_metric(rows: list[tuple[str, ...]]) -> dict[str, tuple[str, ...]]:
    return {row[0].strip(): row for row in rows}


def test_e2e_targets_pass_at_twice_the_reference_and_three_quarters_of_the_noop(targets: ModuleType) -> None:
    # GIVEN ours at exactly 2x the reference and 75 % of the no-op
    rows = by_metric(targets.rows(measured(300.0, 150.0, 400.0)))

    # THEN both targets pass, with the ratio printed
    reference = rows["reference processor (10,000, same run): orders/s"]
    noop = rows["no-op processor (10,000, same run): orders/s"]
    assert (reference[1], reference[3], reference[5]) == ("150", "ours 2.00x", "PASS")
    assert (noop[1], noop[3], noop[5]) == ("400", "ours 75%", "PASS")


def test_e2e_targets_fail_just_under_either_ratio(targets: ModuleType) -> None:
    # GIVEN ours just under 2x the reference, then just under 75 % of the no-op
    under_reference = by_metric(targets.rows(measured(299.0, 150.0, 300.0)))
    under_noop = by_metric(targets.rows(measured(299.0, 100.0, 400.0)))

    # THEN the target missed fails, the other passes
    assert under_reference["reference processor (10,000, same run): orders/s"][5] == "FAIL"
    assert under_reference["no-op processor (10,000, same run): orders/s"][5] == "PASS"
    assert under_noop["reference processor (10,000, same run): orders/s"][5] == "PASS"
    assert under_noop["no-op processor (10,000, same run): orders/s"][5] == "FAIL"


def test_e2e_rows_keep_rate_and_latency_of_every_size_and_no_absolute_target(targets: ModuleType) -> None:
    # GIVEN a full result
    rows = by_metric(targets.rows(measured(200.0, 100.0, 300.0)))

    # THEN each size has its rate and its p50 / p99, none with a target of its own
    for size in ("100", "1,000", "10,000"):
        assert rows[f"e2e {size} orders: orders/s"][1] == "200"
        assert rows[f"e2e {size} orders: p50 / p99 publish-to-commit (ms)"][1] == "300 / 900"
        assert rows[f"e2e {size} orders: orders/s"][4:] == ("", "")


def test_e2e_targets_without_calibration_have_no_verdict(targets: ModuleType) -> None:
    # GIVEN a run whose reference and no-op did not run (or a skipped e2e)
    rows = by_metric(targets.rows(measured(200.0, None, None)))
    skipped = targets.rows(None)

    # THEN no PASS or FAIL is made up: not run, or SKIP
    assert rows["reference processor (10,000, same run): orders/s"][1:] == ("not run", "", "", "ours >= 2.0x", "")
    assert {row[5] for row in skipped} == {"SKIP"}


def test_e2e_targets_are_taken_at_the_largest_size(targets: ModuleType) -> None:
    # GIVEN a run at one size only (make bench-e2e)
    result = {"2000": {"orders_per_s": 160.0}, "calibration": {"reference": {"orders_per_s": 100.0}}}

    # THEN the ratio is ours at that size over the reference; the no-op's is unknown
    assert targets.ratios(result, (2000,)) == (1.6, None)
    assert sys.modules["table"].verdict(None) == ""
