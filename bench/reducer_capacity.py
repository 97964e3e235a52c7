"""The ledger reducer's throughput on paper: the calls a minute of orders asks of it, and its run time.

The metrics emitter runs ``orders_shared.ledger.reduce_ledgers`` once a minute, one run at a time,
within its 50 s timeout. A minute of orders at ``rate`` orders a second leaves ``60 x rate x events``
moves in ``moves / moves_per_ledger`` ledgers spread over ``LEDGER_SHARDS`` shards. The emitter
reduces the 16 shards side by side (16 threads, since e1fe863), and in each, one call after
another: one consistent ``GetItem`` of the checkpoint, then per 100 ledgers one ``Query``, a
consistent ``BatchGetItem`` per 100 heads the ledgers name, and one ``TransactWriteItems``
(counter shard ADD + checkpoint), then a last ``Query`` that finds nothing. So a run lasts a
shard's calls x latency, plus the reducer's own CPU per move (one process: the threads share it;
counted in full, as if no call overlapped it). Pure arithmetic over the profile (bench/workload.py
measures its inputs, and the calls for a known backlog to check these formulas against).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from quotas import CALL_MS, COLLECT_CALLS, LAMBDA_CPU_SCALE

PERIOD_S = 60  # the emitter's schedule: rate(1 minute)


@dataclass(frozen=True, slots=True)
class Variant:
    """How the reducer runs: shards reduced at once, BatchGetItems of one step at once, functions sharing the shards."""

    name: str
    shard_threads: int = 1  # shards reduced concurrently in one run (1: as coded)
    batch_get_threads: int = 1  # a step's BatchGetItem calls made concurrently (1: as coded)
    functions: int = 1  # functions (each on its own share of the shards, its own CPU)


SERIAL = Variant("the 16 shards one after another (reduce_ledgers without an executor, before e1fe863)")
AS_CODED = Variant("as deployed: the 16 shards side by side on the emitter's 16 threads (e1fe863)", shard_threads=16)
VARIANTS = (
    SERIAL,
    AS_CODED,
    Variant("proposed: + a step's 10 BatchGetItems at once (read_heads on the executor)", 16, 10),
    Variant("+ 4 functions of 4 shards each (the CPU split)", shard_threads=4, batch_get_threads=10, functions=4),
    Variant("+ 16 functions of 1 shard each", shard_threads=1, batch_get_threads=10, functions=16),
)


def calls_per_minute(profile: Mapping[str, Any], rate: float) -> dict[str, float]:
    """The reducer's calls for a minute of orders at ``rate`` orders a second (continuous, no rounding)."""
    reducer = profile["reducer"]
    shards = profile["ledger_shards"]
    moves = moves_per_minute(profile, rate)
    steps = moves / profile["moves_per_ledger"] / reducer["ledgers_per_query"] if profile["moves_per_ledger"] else 0
    return {
        "GetItem": shards,
        "Query": shards + steps,
        "BatchGetItem": moves / reducer["keys_per_batch_get"],  # at most: an order named twice is read once
        "TransactWriteItems": steps,
    }


def moves_per_minute(profile: Mapping[str, Any], rate: float) -> float:
    """Moves the commits of a minute leave in ledgers: one per event."""
    return (
        PERIOD_S * rate * profile["events_per_order"] * profile["ledger_puts_per_event"] * profile["moves_per_ledger"]
    )


def cpu_s_per_move(profile: Mapping[str, Any]) -> float:
    """The reducer's CPU per move in the emitter (512 MB: a share of a vCPU), from this machine's measure."""
    return float(profile["reducer"]["cpu_us_per_move"]) * 1e-6 * LAMBDA_CPU_SCALE


def run_seconds(
    profile: Mapping[str, Any], rate: float, variant: Variant = AS_CODED, call_ms: float = CALL_MS
) -> float:
    """Seconds one emitter run takes to reduce a minute of orders at ``rate``, then read its figures.

    With ``shard_threads`` the slowest of the shards done at once sets the time (the shards share
    the work evenly); ``batch_get_threads`` makes a step's BatchGetItems cost one call's time; CPU is
    shared by the threads of one function (one process), split by ``functions``.
    """
    calls = calls_per_minute(profile, rate)
    latency = call_ms / 1000
    waves = profile["ledger_shards"] / variant.functions / variant.shard_threads  # shards one thread does in turn
    per_shard = {name: count / profile["ledger_shards"] for name, count in calls.items()}
    batch_gets = per_shard["BatchGetItem"]
    if variant.batch_get_threads > 1 and per_shard["TransactWriteItems"]:
        steps = per_shard["TransactWriteItems"]
        batch_gets = steps * max(1.0, batch_gets / steps / variant.batch_get_threads)
    serial_calls = per_shard["GetItem"] + per_shard["Query"] + per_shard["TransactWriteItems"] + batch_gets
    cpu = moves_per_minute(profile, rate) / variant.functions * cpu_s_per_move(profile)
    return waves * serial_calls * latency + cpu + COLLECT_CALLS * latency


def max_rate(
    profile: Mapping[str, Any], budget_s: float, variant: Variant = AS_CODED, call_ms: float = CALL_MS
) -> float:
    """The orders a second whose minute of ledgers one run reduces within ``budget_s`` (run time is affine)."""
    base = run_seconds(profile, 0, variant, call_ms)
    slope = run_seconds(profile, 1, variant, call_ms) - base
    return max(0.0, (budget_s - base) / slope) if slope > 0 else float("inf")


def lag_growth(profile: Mapping[str, Any], rate: float, budget_s: float, variant: Variant = AS_CODED) -> float:
    """Minutes of ledgers left behind per minute at ``rate`` (0 while the reducer keeps up).

    A run stops at its budget, or at ``max_ledgers`` a shard, whichever comes first.
    """
    needed = run_seconds(profile, rate, variant)
    ledgers = moves_per_minute(profile, rate) / profile["moves_per_ledger"] if profile["moves_per_ledger"] else 0
    per_shard = ledgers / profile["ledger_shards"] / profile["reducer"]["max_ledgers_per_shard_run"]
    return max(0.0, needed / budget_s - 1, per_shard - 1)
