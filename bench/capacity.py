"""A capacity plan on paper: what limits first at a given rate of orders, and what it costs an hour.

Pure arithmetic over two inputs: a work profile (what one order costs the design, measured by
``bench/workload.py`` and kept in ``bench/capacity_profile.json``) and a table of AWS quotas in
us-east-1 (``bench/quotas.py``, each with its source). Every limit is linear in the rate, so a limit is
its demand at one order a second (``per_order``) against its quota: the rate it allows is
``quota / per_order``. ``docs/capacity.md`` quotes the output of ``python bench/capacity.py``;
``make capacity`` measures the profile again first.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import cost
import reducer_capacity
from quotas import (
    CALL_MS,
    ENTRIES_PER_PUT,
    ESM_START_BATCHES,
    ESM_STEP_PER_MINUTE,
    QUOTAS,
    RULE_TARGETS,
    Quota,
)

PROFILE = Path(__file__).resolve().parent / "capacity_profile.json"
RATES = (100, 1_000, 10_000, 100_000)  # orders a second
# DynamoDB Standard storage, us-east-1 list price per GB-month: not confirmed on an AWS page this session
# (a third-party price table gives it); PITR and the EventBridge archive bill more on top.
STORAGE_USD_GB_MONTH = 0.25
STEADY, RAMP, FIXED = "steady", "ramp", "fixed"  # a limit on a sustained rate, on a rise, or on no rate


@dataclass(frozen=True, slots=True)
class Limit:
    """A demand of the design on one quota: ``per_order`` at one order a second (``fixed`` for no rate)."""

    name: str
    quota: str
    kind: str
    per_order: float  # demand at 1 order/s, in the quota's unit (0 for a fixed limit)
    fixed: float  # demand whatever the rate (FIXED limits; for the others, the part that does not grow with it)
    arithmetic: str
    moves: str

    def demand(self, rate: float) -> float:
        """What the design asks of the quota at ``rate`` orders a second."""
        return self.fixed if self.kind == FIXED else self.fixed + self.per_order * rate

    def max_rate(self, quotas: Mapping[str, Quota]) -> float:
        """The orders a second the quota allows (infinite for a fixed limit within its quota, 0 beyond it)."""
        value = quotas[self.quota].value
        if self.kind == FIXED or self.fixed > value:
            return float("inf") if self.fixed <= value else 0.0
        return (value - self.fixed) / self.per_order if self.per_order else float("inf")

    def headroom(self, rate: float, quotas: Mapping[str, Quota]) -> float:
        """Quota over demand at ``rate``: below 1 the limit is exceeded."""
        demand = self.demand(rate)
        return quotas[self.quota].value / demand if demand else float("inf")


def concurrency_per_order(profile: Mapping[str, Any]) -> float:
    """Lambda concurrency at one order a second: invocations a second x seconds an invocation."""
    return invocations_per_order(profile) * profile["batch_ms"] / 1000


def invocations_per_order(profile: Mapping[str, Any]) -> float:
    """Invocations at one order a second (full batches: at these rates the 1 s window fills them)."""
    return profile["events_per_order"] / profile["events_per_batch"]


def reducer_per_move(profile: Mapping[str, Any]) -> dict[str, float]:
    """The reducer's read and write units per move: heads read (consistent), ledgers queried, counters moved."""
    reducer = profile["reducer"]
    moves = reducer["backlog"]["moves"]
    ledgers_kb = profile["ledger_bytes"] / 4096  # a consistent Query bills the bytes it reads, per 4 KB
    return {
        "orders_rru": reducer["rru"].get("Orders", 0) / moves,  # one per head (under 4 KB)
        "events_rru": ledgers_kb / profile["moves_per_ledger"] if profile["moves_per_ledger"] else 0.0,
        "orders_wru": reducer["wru"].get("Orders", 0) / moves,  # counter shard ADDs, one per 100 ledgers
        "events_wru": reducer["wru"].get("EventStore", 0) / moves,  # checkpoints, one per 100 ledgers
    }


def limits(profile: Mapping[str, Any], call_ms: float = CALL_MS) -> list[Limit]:
    """Every limit the design meets, its demand from ``profile`` and the setting that moves it."""
    events = profile["events_per_order"]
    invocations = invocations_per_order(profile)
    concurrency = concurrency_per_order(profile)
    wru, rru = profile["wru_per_event"], profile["rru_per_event"]
    reducer = reducer_per_move(profile)  # a move per event
    shards = profile["ledger_shards"]
    ledgers = events * profile["ledger_puts_per_event"]  # ledger Puts at 1 order/s
    run = reducer_capacity.run_seconds(profile, 0, call_ms=call_ms)
    run_slope = reducer_capacity.run_seconds(profile, 1, call_ms=call_ms) - run
    orders_wru = events * (wru.get("Orders", 0) + reducer["orders_wru"])
    events_wru = events * (wru.get("EventStore", 0) + reducer["events_wru"])
    return [
        Limit(
            "EventBridge PutEvents",
            "eventbridge_putevents",
            STEADY,
            events / ENTRIES_PER_PUT,
            0,
            f"{events} events an order, {ENTRIES_PER_PUT} entry a request",
            "quota increase (L-9B653E91); producers putting up to 10 entries a request",
        ),
        Limit(
            "EventBridge rule invocations",
            "eventbridge_invocations",
            STEADY,
            events * RULE_TARGETS,
            0,
            f"{events} events x {RULE_TARGETS} target",
            "quota increase (L-5540C5E3)",
        ),
        Limit(
            "SQS trigger MaximumConcurrency (prod)",
            "esm_max_concurrency",
            STEADY,
            concurrency,
            0,
            f"{invocations:g} invocations an order x {profile['batch_ms']:.1f} ms a batch",
            "template Mappings.StageSettings.<stage>.MaxConcurrency (up to 1,000)",
        ),
        Limit(
            "SQS trigger concurrent batches",
            "esm_batches",
            STEADY,
            concurrency,
            0,
            "same concurrency, against one mapping's ceiling",
            "provisioned mode (ProvisionedPollerConfig on the mapping), or a second queue and rule splitting orders",
        ),
        Limit(
            "Lambda concurrent executions",
            "lambda_concurrency",
            STEADY,
            concurrency,
            2,
            "same concurrency, + the emitter and the redriver (1 reserved each)",
            "quota increase (Concurrent executions)",
        ),
        Limit(
            "Lambda invocation requests",
            "lambda_requests",
            STEADY,
            invocations,
            0,
            f"{invocations:g} invocations an order",
            "raising the concurrency quota raises it; larger BatchSize",
        ),
        Limit(
            "DynamoDB Orders table writes",
            "dynamodb_table_wru",
            STEADY,
            orders_wru,
            0,
            f"{events} events x ({wru.get('Orders', 0):.2f} WRU heads + {reducer['orders_wru']:.4f} counters)",
            "quota increase (per-table write throughput)",
        ),
        Limit(
            "DynamoDB EventStore table writes",
            "dynamodb_table_wru",
            STEADY,
            events_wru,
            0,
            f"{events} events x ({wru.get('EventStore', 0):.2f} WRU claims and ledgers"
            f" + {reducer['events_wru']:.4f} checkpoints)",
            "quota increase; fewer or smaller items per event",
        ),
        Limit(
            "DynamoDB Orders table reads",
            "dynamodb_table_rru",
            STEADY,
            events * (rru.get("Orders", 0) + reducer["orders_rru"]),
            0,
            f"{events} events x ({rru.get('Orders', 0):.2f} RRU processor + {reducer['orders_rru']:.2f} reducer's"
            " head read)",
            "quota increase (per-table read throughput)",
        ),
        Limit(
            "DynamoDB ledger shard partition writes",
            "dynamodb_partition_wcu",
            STEADY,
            ledgers * profile["ledger_wru"] / shards,
            0,
            f"{ledgers:g} ledger Puts an order x {profile['ledger_wru']} WCU / {shards} shards",
            "LEDGER_SHARDS (orders_shared/ledger.py; the reducer reads every shard)",
        ),
        Limit(
            "Ledger reducer run time (as deployed)",
            "emitter_run_s",
            STEADY,
            run_slope,
            run,
            f"a shard's calls of a minute x {call_ms:g} ms, 16 shards side by side, + CPU per move (reducer table)",
            "a step's BatchGetItems at once; a function per shard group; LEDGER_SHARDS with them",
        ),
        Limit(
            "Ledger reducer ledgers a shard a run",
            "reducer_ledgers_per_run",
            STEADY,
            reducer_capacity.PERIOD_S * ledgers / shards,
            0,
            f"60 s x {ledgers:g} ledgers an order / {shards} shards",
            "reduce_ledgers(max_ledgers=...) from the emitter; LEDGER_SHARDS",
        ),
        Limit(
            "DynamoDB new EventStore table (warm)",
            "dynamodb_new_table_wru",
            RAMP,
            events_wru,
            0,
            "EventStore writes against what a new on-demand table takes at once",
            "WarmThroughput on the table (pre-warm), or a ramp of at most 2x every 30 minutes",
        ),
        Limit(
            "DynamoDB new Orders table (warm)",
            "dynamodb_new_table_wru",
            RAMP,
            orders_wru,
            0,
            "Orders writes against what a new on-demand table takes at once",
            "WarmThroughput on the table (pre-warm), or a ramp of at most 2x every 30 minutes",
        ),
        Limit(
            "DynamoDB one order head",
            "dynamodb_partition_wcu",
            FIXED,
            0,
            profile["max_writes_per_order_item"] * max(1.0, wru.get("Orders", 0)),
            f"{profile['max_writes_per_order_item']} head writes an order, all in one second",
            "never binds",
        ),
        Limit(
            "SNS messages published",
            "sns_messages",
            STEADY,
            events * profile["sns_messages_per_event"],
            0,
            f"{events} events x {profile['sns_messages_per_event']:g} notification",
            "quota increase (PublishBatch counts each message)",
        ),
        Limit(
            "SQS in-flight messages",
            "sqs_in_flight",
            STEADY,
            concurrency * profile["events_per_batch"],
            0,
            "concurrent batches x messages a batch",
            "support request",
        ),
    ]


def usd_per_million_orders(profile: Mapping[str, Any]) -> dict[str, float]:
    """bench/cost.py's lines for the profile's lifecycle (the reducer's head reads included), plus the reducer's
    ledger queries and its counter and checkpoint writes per order."""
    lines = dict(cost.per_million_orders(profile["lifecycle"])["lines"])
    reducer = reducer_per_move(profile)
    events = profile["events_per_order"]
    reads = events * reducer["events_rru"]  # its head reads are in the lifecycle's reads already (233f9dc)
    writes = events * (reducer["orders_wru"] + reducer["events_wru"])
    lines["reducer_reads"] = reads * cost.PRICES["dynamodb_rru"] * 1e6
    lines["reducer_writes"] = writes * cost.PRICES["dynamodb_wru"] * 1e6
    return lines


def emitter_usd_per_hour(profile: Mapping[str, Any], rate: float, budget_s: float) -> float:
    """The emitter's invocations (one a minute) and their duration (at most its timeout) for an hour at ``rate``."""
    seconds = min(budget_s, reducer_capacity.run_seconds(profile, rate))
    runs = 3600 / reducer_capacity.PERIOD_S
    gb_s = runs * seconds * cost.MEMORY_GB
    # a GetItem of its checkpoint and a last Query a shard, whatever the rate
    checkpoints = runs * 2 * profile["ledger_shards"] * cost.PRICES["dynamodb_rru"]
    return runs * cost.PRICES["lambda_request"] + gb_s * cost.PRICES["lambda_gb_s_arm64"] + checkpoints


def usd_per_hour(per_million: float, rate: float, fixed_per_hour: float = 0.0) -> float:
    """Dollars an hour at ``rate`` orders a second, from dollars per million orders (+ what an hour costs anyway)."""
    return per_million * rate * 3600 / 1e6 + fixed_per_hour


def ramp_minutes(concurrency: float) -> float:
    """Minutes the SQS trigger takes from its first 5 batches to ``concurrency`` (+300 a minute)."""
    return max(0.0, concurrency - ESM_START_BATCHES) / ESM_STEP_PER_MINUTE


def plan(
    profile: Mapping[str, Any], rates: Sequence[float] = RATES, quotas: Mapping[str, Quota] = QUOTAS
) -> list[dict[str, Any]]:
    """For each rate: the demand and headroom on every limit, the steady limit that binds first, $/hour."""
    found = limits(profile)
    per_million = sum(usd_per_million_orders(profile).values())
    budget = quotas["emitter_run_s"].value
    rows = []
    for rate in rates:
        demands = [
            {
                "limit": limit.name,
                "kind": limit.kind,
                "demand": limit.demand(rate),
                "quota": quotas[limit.quota].value,
                "headroom": limit.headroom(rate, quotas),
            }
            for limit in found
        ]
        steady = [d for d in demands if d["kind"] == STEADY]
        first = min(steady, key=lambda d: d["headroom"])
        rows.append(
            {
                "rate": rate,
                "events_per_s": rate * profile["events_per_order"],
                "concurrency": rate * concurrency_per_order(profile),
                "limits": demands,
                "binding": first["limit"],
                "binding_headroom": first["headroom"],
                "exceeded": [d["limit"] for d in demands if d["headroom"] < 1],
                "reducer_s": reducer_capacity.run_seconds(profile, rate),
                "counter_lag_growth": reducer_capacity.lag_growth(profile, rate, budget),
                "usd_per_hour": usd_per_hour(per_million, rate, emitter_usd_per_hour(profile, rate, budget)),
                "gb_stored_per_hour": profile.get("stored_bytes_per_order", 0) * rate * 3600 / 1024**3,
            }
        )
    return rows


def _number(value: float) -> str:
    if value == float("inf"):
        return "never"
    return f"{value:,.0f}" if value >= 100 else f"{value:,.3g}"


def render_reducer(profile: Mapping[str, Any], quotas: Mapping[str, Quota] = QUOTAS) -> list[str]:
    """The reducer's calls a minute at each rate, and the rate each way of running it keeps up with."""
    budget = quotas["emitter_run_s"].value
    out = [
        "| orders/s | moves a minute | GetItem | Query | BatchGetItem | TransactWriteItems | run s (as deployed)"
        f" | at {2 * CALL_MS:g} ms a call | counters' lag grows (min a min) |",
        "|---|---|---|---|---|---|---|---|---|",
    ]
    for rate in RATES:
        calls = reducer_capacity.calls_per_minute(profile, rate)
        out.append(
            f"| {rate:,} | {reducer_capacity.moves_per_minute(profile, rate):,.0f} | {calls['GetItem']:,.0f}"
            f" | {calls['Query']:,.0f} | {calls['BatchGetItem']:,.0f} | {calls['TransactWriteItems']:,.0f}"
            f" | {reducer_capacity.run_seconds(profile, rate):,.1f}"
            f" | {reducer_capacity.run_seconds(profile, rate, call_ms=2 * CALL_MS):,.1f}"
            f" | {reducer_capacity.lag_growth(profile, rate, budget):,.2f} |"
        )
    out += [
        "",
        f"| reducer variant | orders/s it keeps up with at {CALL_MS:g} ms a call | at {2 * CALL_MS:g} ms |",
        "|---|---|---|",
    ]
    for variant in reducer_capacity.VARIANTS:
        out.append(
            f"| {variant.name} | {_number(reducer_capacity.max_rate(profile, budget, variant))}"
            f" | {_number(reducer_capacity.max_rate(profile, budget, variant, 2 * CALL_MS))} |"
        )
    return out


def render(profile: Mapping[str, Any], quotas: Mapping[str, Quota] = QUOTAS) -> str:
    """The markdown tables docs/capacity.md quotes."""
    found = limits(profile)
    out = [
        f"Profile: {profile['source'].get('commit', '?')}, measured {profile['source'].get('measured_at', '?')}"
        f" ({profile['source'].get('how', '')}, load average {profile['source'].get('load_average', '?')});"
        f" batch time from {profile['source'].get('batch_time_from', 'the same measurement')};"
        f" reducer calls at an assumed {CALL_MS:g} ms each; quotas: us-east-1 defaults.",
        "",
        "| limit | demand at 1 order/s | quota | adjustable | orders/s it allows | moved by |",
        "|---|---|---|---|---|---|",
    ]
    for limit in sorted(found, key=lambda item: item.max_rate(quotas)):
        quota = quotas[limit.quota]
        demand = _number(limit.fixed) if limit.kind == FIXED else f"{limit.per_order:.4g}"
        if limit.kind != FIXED and limit.fixed:
            demand += f" + {limit.fixed:.3g} whatever the rate"
        out.append(
            f"| {limit.name} ({limit.kind}) | {demand} ({limit.arithmetic}) | {_number(quota.value)} {quota.unit}"
            f" | {'yes' if quota.adjustable else 'no'} | {_number(limit.max_rate(quotas))} | {limit.moves} |"
        )
    rows = plan(profile, quotas=quotas)
    out += [
        "",
        "| orders/s | events/s | Lambda concurrency | SQS trigger ramp (min) | binds first (headroom)"
        " | exceeded at default quotas | $/hour | GB stored/hour |",
        "|---|---|---|---|---|---|---|---|",
    ]
    for row in rows:
        out.append(
            f"| {row['rate']:,} | {row['events_per_s']:,.0f} | {row['concurrency']:,.1f}"
            f" | {ramp_minutes(row['concurrency']):.1f} | {row['binding']} ({row['binding_headroom']:.2f}x)"
            f" | {', '.join(row['exceeded']) or 'none'} | {row['usd_per_hour']:,.2f}"
            f" | {row['gb_stored_per_hour']:,.2f} |"
        )
    lines = usd_per_million_orders(profile)
    out += ["", *render_reducer(profile, quotas)]
    out += [
        "",
        "$ per million orders: "
        + ", ".join(f"{name} {value:.2f}" for name, value in lines.items())
        + f"; total {sum(lines.values()):.2f} (CloudWatch Logs apart); the emitter's own invocations"
        f" and duration per hour on top: {emitter_usd_per_hour(profile, 0, quotas['emitter_run_s'].value):.4f}"
        f" at no orders, {emitter_usd_per_hour(profile, 10**9, quotas['emitter_run_s'].value):.4f} at most.",
        f"Stored: {profile.get('stored_bytes_per_order', 0):,.0f} bytes an order (event items and heads, DynamoDB's"
        f" 100 bytes each; ledgers apart: they expire after 14 days); keeping an hour of orders costs GB"
        f" stored/hour x ${STORAGE_USD_GB_MONTH} a month.",
    ]
    return "\n".join(out)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--profile", type=Path, default=PROFILE, help="work profile JSON (bench/workload.py)")
    parser.add_argument("--measure", action="store_true", help="measure the profile on moto first, and save it")
    parser.add_argument("--commit", default="unknown", help="the commit measured (make capacity passes it)")
    parser.add_argument(
        "--lifecycle-from",
        type=Path,
        help="take the lifecycle's time from this make bench JSON (a quieter run) instead of this measurement",
    )
    args = parser.parse_args()
    if args.measure:
        import harness
        import workload

        source = {"commit": args.commit, "how": "bench/workload.py on moto, 15 ms a call"}
        with harness.moto_stack() as stack:
            measured = workload.measure(stack, reps=5, source=source)
        if args.lifecycle_from:
            measured = workload.with_bench_lifecycle(
                measured, json.loads(args.lifecycle_from.read_text()), args.lifecycle_from
            )
        args.profile.write_text(json.dumps(measured, indent=2) + "\n")
    print(render(json.loads(args.profile.read_text())))
    return 0


if __name__ == "__main__":
    sys.exit(main())
