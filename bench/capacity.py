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
from quotas import (
    ENTRIES_PER_PUT,
    ESM_START_BATCHES,
    ESM_STEP_PER_MINUTE,
    HOLD_MS,
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
    fixed: float  # demand whatever the rate (FIXED limits)
    arithmetic: str
    moves: str

    def demand(self, rate: float) -> float:
        """What the design asks of the quota at ``rate`` orders a second."""
        return self.fixed if self.kind == FIXED else self.per_order * rate

    def max_rate(self, quotas: Mapping[str, Quota]) -> float:
        """The orders a second the quota allows (infinite for a fixed limit within its quota, 0 beyond it)."""
        value = quotas[self.quota].value
        if self.kind == FIXED:
            return float("inf") if self.fixed <= value else 0.0
        return value / self.per_order if self.per_order else float("inf")

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


def limits(profile: Mapping[str, Any], hold_ms: float = HOLD_MS) -> list[Limit]:
    """Every limit the design meets, its demand from ``profile`` and the setting that moves it."""
    events = profile["events_per_order"]
    invocations = invocations_per_order(profile)
    concurrency = concurrency_per_order(profile)
    wru, rru = profile["wru_per_event"], profile["rru_per_event"]
    shards = profile["counter_shards"]
    shard_txns = events * profile["counter_updates_per_event"] / shards  # per shard, at 1 order/s
    index_wru = 1  # an index entry of ~160 bytes; see docs/capacity.md on how AWS may bill it
    found = [
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
            0,
            "same concurrency (shared with every function of the account)",
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
            events * wru.get("Orders", 0),
            0,
            f"{events} events x {wru.get('Orders', 0):.2f} WRU",
            "quota increase (per-table write throughput)",
        ),
        Limit(
            "DynamoDB EventStore table writes",
            "dynamodb_table_wru",
            STEADY,
            events * wru.get("EventStore", 0),
            0,
            f"{events} events x {wru.get('EventStore', 0):.2f} WRU",
            "quota increase; fewer or smaller items per event",
        ),
        Limit(
            "DynamoDB Orders table reads",
            "dynamodb_table_rru",
            STEADY,
            events * rru.get("Orders", 0),
            0,
            f"{events} events x {rru.get('Orders', 0):.2f} RRU",
            "quota increase (per-table read throughput)",
        ),
        Limit(
            "DynamoDB counter shard writes",
            "dynamodb_partition_wcu",
            STEADY,
            shard_txns * profile["counter_wru_per_update"],
            0,
            f"{events} x {profile['counter_updates_per_event']:.3f} ADDs an event / {shards} shards"
            f" x {profile['counter_wru_per_update']} WCU",
            "STATS_SHARDS (orders_shared/counters.py)",
        ),
        Limit(
            f"DynamoDB counter shard held (model, {hold_ms:g} ms)",
            "dynamodb_shard_serial",
            STEADY,
            shard_txns * hold_ms / 1000,
            0,
            f"{shard_txns:.4f} transactions a shard x {hold_ms:g} ms held",
            "STATS_SHARDS; counters out of the transaction; larger BatchSize",
        ),
        Limit(
            "DynamoDB streams-index partition",
            "dynamodb_partition_wcu",
            STEADY,
            profile["index_entries_per_order"] * index_wru / profile["index_partitions"],
            0,
            f"{profile['index_entries_per_order']:g} index entry an order / {profile['index_partitions']} partitions",
            "STREAM_SHARDS (orders_shared/event_store.py; old entries keep their shard)",
        ),
        Limit(
            "DynamoDB new EventStore table (warm)",
            "dynamodb_new_table_wru",
            RAMP,
            events * wru.get("EventStore", 0),
            0,
            "EventStore writes against what a new on-demand table takes at once",
            "WarmThroughput on the table (pre-warm), or a ramp of at most 2x every 30 minutes",
        ),
        Limit(
            "DynamoDB one order item",
            "dynamodb_partition_wcu",
            FIXED,
            0,
            profile["max_writes_per_order_item"] * 2,
            f"{profile['max_writes_per_order_item']} transactional writes an order item, all in one second",
            "never binds",
        ),
        Limit(
            "DynamoDB transaction actions",
            "dynamodb_transaction_actions",
            FIXED,
            0,
            profile["max_transaction_actions"],
            "largest transaction seen (one batch: 3 actions an event + 1)",
            "BatchSize; GROUP_ORDERS caps a group at 33 orders = 100 actions",
        ),
        Limit(
            "DynamoDB transaction bytes",
            "dynamodb_transaction_bytes",
            FIXED,
            0,
            profile["max_transaction_bytes"],
            "largest transaction request seen, in JSON bytes",
            "GROUP_BYTES caps a group at 3 MB",
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
    return found


def usd_per_million_orders(profile: Mapping[str, Any]) -> dict[str, float]:
    """bench/cost.py's lines for the profile's lifecycle, plus the streams-index writes it does not count."""
    lines = dict(cost.per_million_orders(profile["lifecycle"])["lines"])
    lines["dynamodb_index_writes"] = profile["index_entries_per_order"] * cost.PRICES["dynamodb_wru"] * 1e6
    return lines


def usd_per_hour(per_million: float, rate: float) -> float:
    """Dollars an hour at ``rate`` orders a second, from dollars per million orders."""
    return per_million * rate * 3600 / 1e6


def ramp_minutes(concurrency: float) -> float:
    """Minutes the SQS trigger takes from its first 5 batches to ``concurrency`` (+300 a minute)."""
    return max(0.0, concurrency - ESM_START_BATCHES) / ESM_STEP_PER_MINUTE


def plan(
    profile: Mapping[str, Any], rates: Sequence[float] = RATES, quotas: Mapping[str, Quota] = QUOTAS
) -> list[dict[str, Any]]:
    """For each rate: the demand and headroom on every limit, the steady limit that binds first, $/hour."""
    found = limits(profile)
    per_million = sum(usd_per_million_orders(profile).values())
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
                "usd_per_hour": usd_per_hour(per_million, rate),
                "gb_stored_per_hour": profile.get("stored_bytes_per_order", 0) * rate * 3600 / 1024**3,
            }
        )
    return rows


def _number(value: float) -> str:
    if value == float("inf"):
        return "never"
    return f"{value:,.0f}" if value >= 100 else f"{value:,.3g}"


def render(profile: Mapping[str, Any], quotas: Mapping[str, Quota] = QUOTAS) -> str:
    """The markdown tables docs/capacity.md quotes."""
    found = limits(profile)
    out = [
        f"Profile: {profile['source'].get('commit', '?')}, measured {profile['source'].get('measured_at', '?')}"
        f" ({profile['source'].get('how', '')}, load average {profile['source'].get('load_average', '?')});"
        f" batch time from {profile['source'].get('batch_time_from', 'the same measurement')};"
        " quotas: us-east-1 defaults.",
        "",
        "| limit | demand at 1 order/s | quota | adjustable | orders/s it allows | moved by |",
        "|---|---|---|---|---|---|",
    ]
    for limit in sorted(found, key=lambda item: item.max_rate(quotas)):
        quota = quotas[limit.quota]
        demand = _number(limit.fixed) if limit.kind == FIXED else f"{limit.per_order:.4g}"
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
    out += [
        "",
        "$ per million orders: "
        + ", ".join(f"{name} {value:.2f}" for name, value in lines.items())
        + f"; total {sum(lines.values()):.2f} (CloudWatch Logs apart).",
        f"Stored: {profile.get('stored_bytes_per_order', 0):,.0f} bytes an order (items and DynamoDB's 100 bytes"
        f" each, counters and index apart); keeping an hour of orders costs GB stored/hour x"
        f" ${STORAGE_USD_GB_MONTH} a month.",
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
