"""Queue timings, redrive and delivery rules, checked for every config env of samconfig.toml.

Numbers come from the template and the env's parameter_overrides (the template's defaults otherwise),
as ``sam deploy --config-env <env>`` would resolve them.
"""

from __future__ import annotations

from typing import Any

from order_processor.applier import GUARDED_TIMEOUT_MS
from tests.unit.template.template_support import Stack


def sqs_events(stack: Stack) -> list[tuple[str, dict[str, Any]]]:
    """(function, event properties) of every SQS event source of every function."""
    return [
        (name, event["Properties"])
        for name, function in stack.of_type("AWS::Serverless::Function").items()
        for event in function.get("Events", {}).values()
        if event["Type"] == "SQS"
    ]


def queue_of(arn: dict[str, Any]) -> str:
    """The logical id of a queue referred to by ``!GetAtt Queue.Arn``."""
    name, attribute = arn["Fn::GetAtt"]
    assert attribute == "Arn"
    return str(name)


def test_template_queue_visibility_covers_six_function_timeouts_and_the_batching_window(stack: Stack) -> None:
    # GIVEN every SQS trigger and the queue and function it joins, in this env
    queues = stack.of_type("AWS::SQS::Queue")
    checked = []
    for function, event in sqs_events(stack):
        timeout = stack.number(stack.resources[function]["Properties"]["Timeout"])
        window = stack.number(event.get("MaximumBatchingWindowInSeconds", 0))
        # WHEN the queue's visibility timeout is resolved
        visibility = stack.number(queues[queue_of(event["Queue"])]["VisibilityTimeout"])
        checked.append((function, visibility, 6 * timeout + window))
    # THEN it is at least 6 x the function timeout + the batching window (AWS guidance)
    assert checked
    assert all(visibility >= needed for _, visibility, needed in checked), checked


def test_template_processor_timeout_and_queue_visibility_come_from_the_parameters(stack: Stack) -> None:
    # GIVEN the processor and its queue
    timeout = stack.resources["OrderProcessorFunction"]["Properties"]["Timeout"]
    visibility = stack.of_type("AWS::SQS::Queue")["OrderEventsQueue"]["VisibilityTimeout"]
    # WHEN their sources are read
    # THEN both are the parameters the visibility rule above is checked on
    assert (timeout, visibility) == ({"Ref": "ProcessorTimeout"}, {"Ref": "QueueVisibilityTimeout"})


def test_template_sqs_trigger_maximum_concurrency_is_within_the_allowed_range(stack: Stack) -> None:
    # GIVEN every SQS trigger
    events = sqs_events(stack)
    # WHEN its MaximumConcurrency is resolved for this env's stage
    concurrency = {function: stack.number(event["ScalingConfig"]["MaximumConcurrency"]) for function, event in events}
    # THEN it is set and within 2-1,000 (else the deploy fails)
    assert concurrency
    assert all(2 <= value <= 1_000 for value in concurrency.values()), concurrency


def test_template_redrive_max_receive_count_is_at_least_five(stack: Stack) -> None:
    # GIVEN every queue with a redrive policy
    policies = {
        name: queue["RedrivePolicy"]
        for name, queue in stack.of_type("AWS::SQS::Queue").items()
        if "RedrivePolicy" in queue
    }
    # WHEN their maxReceiveCount is read
    counts = {name: stack.number(policy["maxReceiveCount"]) for name, policy in policies.items()}
    # THEN it is ≥ 5 (throttled receives by the Lambda trigger count too)
    assert counts
    assert all(count >= 5 for count in counts.values()), counts


def test_template_dead_letter_queue_keeps_messages_longer_than_its_source(stack: Stack) -> None:
    # GIVEN every queue with a redrive policy and its dead-letter queue
    queues = stack.of_type("AWS::SQS::Queue")
    pairs = {
        name: queue_of(queue["RedrivePolicy"]["deadLetterTargetArn"])
        for name, queue in queues.items()
        if "RedrivePolicy" in queue
    }
    # WHEN their retention periods are resolved (SQS default: 4 days)
    retention = {name: stack.number(queue.get("MessageRetentionPeriod", 345_600)) for name, queue in queues.items()}
    # THEN the DLQ keeps a message longer: a moved message keeps its original enqueue time
    assert pairs == {"OrderEventsQueue": "OrderEventsDeadLetterQueue", "FulfilmentQueue": "FulfilmentDeadLetterQueue"}
    assert all(retention[dlq] > retention[source] for source, dlq in pairs.items()), retention


def test_template_sqs_triggers_report_batch_item_failures(stack: Stack) -> None:
    # GIVEN every SQS trigger
    events = sqs_events(stack)
    # WHEN their response types are read
    types = {function: event.get("FunctionResponseTypes", []) for function, event in events}
    # THEN each reports partial batch failures (else one bad record retries the whole batch)
    assert types == {
        "OrderProcessorFunction": ["ReportBatchItemFailures"],
        "FulfilmentFunction": ["ReportBatchItemFailures"],
    }


def test_template_rule_target_queues_accept_only_the_rule(stack: Stack) -> None:
    # GIVEN every queue a rule delivers to, as a target or as the target's dead-letter queue
    targets = [
        (rule, queue_of(arn))
        for rule, properties in stack.of_type("AWS::Events::Rule").items()
        for target in properties["Targets"]
        for arn in (target["Arn"], target.get("DeadLetterConfig", {}).get("Arn"))
        if arn is not None
    ]
    policies = stack.of_type("AWS::SQS::QueuePolicy").values()
    for rule, queue in targets:
        # WHEN the statements allowing anything on that queue are read
        statements = [
            statement
            for policy in policies
            if {"Ref": queue} in policy["Queues"]
            for statement in policy["PolicyDocument"]["Statement"]
            if statement["Effect"] == "Allow"
        ]
        # THEN one lets events.amazonaws.com send, only from that rule (aws:SourceArn = the rule's ARN)
        assert [
            (statement["Effect"], statement["Principal"], statement["Action"], statement["Condition"])
            for statement in statements
        ] == [
            (
                "Allow",
                {"Service": "events.amazonaws.com"},
                "sqs:SendMessage",
                {"ArnEquals": {"aws:SourceArn": {"Fn::GetAtt": [rule, "Arn"]}}},
            )
        ], queue
    assert {queue for _, queue in targets} == {"OrderEventsQueue", "BusDeadLetterQueue"}


def test_template_rule_target_has_retry_policy_and_dead_letter_queue(stack: Stack) -> None:
    # GIVEN every rule target
    targets = [target for rule in stack.of_type("AWS::Events::Rule").values() for target in rule["Targets"]]
    # WHEN their delivery settings are read
    settings = [("RetryPolicy" in target, "Arn" in target.get("DeadLetterConfig", {})) for target in targets]
    # THEN each has an explicit retry policy and a DLQ (the defaults retry for 24 h, then drop the event)
    assert settings
    assert set(settings) == {(True, True)}


def test_template_processor_parks_on_the_receive_its_queue_would_move_the_message(stack: Stack) -> None:
    # GIVEN every function fed by an SQS queue that tells it the queue's maxReceiveCount
    queues = stack.of_type("AWS::SQS::Queue")
    checked = []
    for function, event in sqs_events(stack):
        variables = stack.resources[function]["Properties"].get("Environment", {}).get("Variables", {})
        if "MAX_RECEIVE_COUNT" not in variables:
            continue
        # WHEN its setting and its queue's redrive policy are resolved
        redrive = queues[queue_of(event["Queue"])]["RedrivePolicy"]
        checked.append(
            (function, stack.number(variables["MAX_RECEIVE_COUNT"]), stack.number(redrive["maxReceiveCount"]))
        )
    # THEN they are equal: the function parks a failing record, with its error, on exactly the receive
    # after which SQS would move it with no reason (one later and SQS wins; one earlier burns a try)
    assert checked == [("OrderProcessorFunction", 5, 5)]


def test_template_processor_timeout_leaves_room_for_the_deadline_guard_on_aws_stages(stack: Stack) -> None:
    # GIVEN the processor's timeout in this config env
    timeout_ms = 1000 * stack.number(stack.resources["OrderProcessorFunction"]["Properties"]["Timeout"])
    # WHEN it is compared with the shortest timeout the applier's deadline guard can serve
    # THEN every AWS stage has room for it (three calls' budgets); only the emulator's stage runs without
    if stack.env == "local":
        assert timeout_ms < GUARDED_TIMEOUT_MS
    else:
        assert timeout_ms >= GUARDED_TIMEOUT_MS


def test_template_ledgers_settle_longer_than_a_commit_can_take(stack: Stack) -> None:
    # GIVEN the processor's timeout and the age at which the emitter reduces a commit's ledger, in this env
    timeout = stack.number(stack.resources["OrderProcessorFunction"]["Properties"]["Timeout"])
    emitter = stack.resources["MetricsEmitterFunction"]["Properties"]["Environment"]["Variables"]
    settle = stack.number(emitter["LEDGER_SETTLE_SECONDS"])
    # WHEN they are compared
    # THEN a ledger is reduced only once every commit it names has ended (the function's timeout) and
    # 30 s of clock skew have passed: a move whose head commits later would never be counted
    assert settle >= timeout + 30, (settle, timeout)
