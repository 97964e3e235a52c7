"""The AWS quotas the capacity plan (capacity.py) checks the design against: us-east-1 defaults.

Each quota keeps its value, whether it can be raised, and where it was read (page and address). Read
on 2026-11-30 with the project's documentation search; a figure no page gave is marked as an
assumption, with what it rests on. Quotas differ by region: these are us-east-1's.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class Quota:
    """One AWS quota or documented limit, with where it was read."""

    value: float
    unit: str
    adjustable: bool
    source: str


# us-east-1 defaults. Read on 2026-11-30 with the docs search; where a page gives no figure the
# note says what was assumed instead.
QUOTAS: dict[str, Quota] = {
    "eventbridge_putevents": Quota(
        10_000,
        "PutEvents requests/s",
        True,
        "Amazon EventBridge quotas (Custom Event Bus - Classic), 'PutEvents throttle limit in transactions per"
        " second', L-9B653E91: https://docs.aws.amazon.com/eventbridge/latest/userguide/eb-quota.html",
    ),
    "eventbridge_invocations": Quota(
        18_750,
        "rule target invocations/s",
        True,
        "Amazon EventBridge quotas, 'Invocations throttle limit in transactions per second', L-5540C5E3"
        " (over it, deliveries are delayed, not dropped): same page",
    ),
    "esm_max_concurrency": Quota(
        50,
        "concurrent batches (prod stage)",
        True,
        "template.yaml Mappings.StageSettings.prod.MaxConcurrency; ScalingConfig.MaximumConcurrency takes 2-1,000:"
        " https://docs.aws.amazon.com/AWSCloudFormation/latest/TemplateReference/"
        "aws-properties-lambda-eventsourcemapping-scalingconfig.html",
    ),
    "esm_batches": Quota(
        1_000,
        "concurrent batches per SQS event source mapping",
        False,
        "Configuring scaling behavior for SQS event source mappings (default mode; provisioned mode has its own"
        " pollers): https://docs.aws.amazon.com/lambda/latest/dg/services-sqs-scaling.html",
    ),
    "lambda_concurrency": Quota(
        1_000,
        "concurrent executions, account and region",
        True,
        "Lambda quotas, 'Concurrent executions' (new accounts start lower):"
        " https://docs.aws.amazon.com/lambda/latest/dg/gettingstarted-limits.html",
    ),
    "lambda_requests": Quota(
        10_000,
        "invocations/s (10 x concurrent executions)",
        True,
        "Lambda quotas: synchronous invocation requests, 10 per execution environment a second, 10 x the"
        " concurrency quota (the SQS trigger invokes synchronously): same page",
    ),
    "dynamodb_table_wru": Quota(
        40_000,
        "write request units/s per table (on-demand)",
        True,
        "Quotas in Amazon DynamoDB, throughput default quotas:"
        " https://docs.aws.amazon.com/amazondynamodb/latest/developerguide/ServiceQuotas.html",
    ),
    "dynamodb_table_rru": Quota(40_000, "read request units/s per table (on-demand)", True, "same page"),
    "dynamodb_new_table_wru": Quota(
        4_000,
        "write units/s a new on-demand table takes at once",
        True,
        "Understanding DynamoDB warm throughput / pre-warming (then up to 2x the previous peak; more within 30"
        " minutes can throttle): https://docs.aws.amazon.com/amazondynamodb/latest/developerguide/warm-throughput.html",
    ),
    "dynamodb_partition_wcu": Quota(
        1_000,
        "write units/s per partition (one key, or one index key)",
        False,
        "DynamoDB warm throughput scenarios, 'each partition is limited to 1,000 write units and 3,000 read units"
        " per second'; an index's hot partition throttles the table's writes (GSI back-pressure):"
        " https://docs.aws.amazon.com/amazondynamodb/latest/developerguide/warm-throughput-scenarios.html",
    ),
    "emitter_run_s": Quota(
        50,
        "seconds a metrics-emitter run may take (its Timeout), once a minute, one at a time",
        True,
        "template.yaml MetricsEmitterFunction: Timeout 50, ReservedConcurrentExecutions 1, ScheduleV2 rate(1 minute)"
        " (a rate expression is at least 1 minute: https://docs.aws.amazon.com/scheduler/latest/UserGuide/"
        "schedule-types.html); the reducer and the figures share the run",
    ),
    "reducer_ledgers_per_run": Quota(
        10_000,
        "ledgers one run reduces per ledger shard (reduce_ledgers' max_ledgers)",
        True,
        "orders_shared/ledger.py reduce_ledgers(max_ledgers=10_000): the rest waits for the next run",
    ),
    "sns_messages": Quota(
        30_000,
        "messages/s published, account and region (Publish and PublishBatch entries)",
        True,
        "Amazon SNS endpoints and quotas, 'Publish API throttling', US East (N. Virginia), standard topics:"
        " https://docs.aws.amazon.com/general/latest/gr/sns.html",
    ),
    "sqs_in_flight": Quota(
        120_000,
        "in-flight messages per standard queue (approximately)",
        True,
        "Amazon SQS standard queue quotas:"
        " https://docs.aws.amazon.com/AWSSimpleQueueService/latest/SQSDeveloperGuide/quotas-queues.html",
    ),
}

CALL_MS = 15.0  # ASSUMED latency of one DynamoDB call of the reducer, in Lambda (the bench's 15 ms a call)
LAMBDA_CPU_SCALE = 1769 / 512  # the emitter's 512 MB get 512/1,769 of a vCPU (Lambda: 1 vCPU at 1,769 MB)
COLLECT_CALLS = 3  # the emitter's figures after the reducer: 2 GetQueueAttributes, 1 BatchGetItem of the counters
ENTRIES_PER_PUT = 1  # producers put each event when it happens; 10 entries a request would divide the demand by 10
RULE_TARGETS = 1  # OrderEventsRule -> OrderEventsQueue
ESM_START_BATCHES, ESM_STEP_PER_MINUTE = 5, 300  # SQS trigger scaling (services-sqs-scaling.html)
