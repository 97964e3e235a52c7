"""Every CloudWatch alarm of the template, as one table: what it watches, how, and where it reports."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import pytest

from tests.unit.template.template_support import walk


def ref(name: str) -> dict[str, str]:
    return {"Ref": name}


def queue_name(queue: str) -> dict[str, list[str]]:
    return {"Fn::GetAtt": [queue, "QueueName"]}


@dataclass(frozen=True)
class Alarm:
    """The expected configuration of one alarm."""

    logical_id: str
    namespace: str
    metric: str
    dimensions: dict[str, Any]
    statistic: str  # a Statistic, or a percentile (ExtendedStatistic) such as p99
    period: int
    evaluation_periods: int
    datapoints_to_alarm: int | None
    threshold: float
    comparison: str
    treat_missing_data: str


GT = "GreaterThanThreshold"
ALARMS = [
    Alarm(
        logical_id="OrderEventsDeadLetterQueueAlarm",
        namespace="AWS/SQS",
        metric="ApproximateNumberOfMessagesVisible",
        dimensions={"QueueName": queue_name("OrderEventsDeadLetterQueue")},
        statistic="Maximum",
        period=60,
        evaluation_periods=1,
        datapoints_to_alarm=None,
        threshold=0,
        comparison=GT,
        treat_missing_data="notBreaching",
    ),
    Alarm(
        logical_id="OrderEventsQueueAgeAlarm",
        namespace="AWS/SQS",
        metric="ApproximateAgeOfOldestMessage",
        dimensions={"QueueName": queue_name("OrderEventsQueue")},
        statistic="Maximum",
        period=60,
        evaluation_periods=5,
        datapoints_to_alarm=5,
        threshold=300,
        comparison=GT,
        treat_missing_data="notBreaching",
    ),
    Alarm(
        logical_id="OrderProcessorErrorsAlarm",
        namespace="AWS/Lambda",
        metric="Errors",
        dimensions={"FunctionName": ref("OrderProcessorFunction")},
        statistic="Sum",
        period=300,
        evaluation_periods=1,
        datapoints_to_alarm=None,
        threshold=0,
        comparison=GT,
        treat_missing_data="notBreaching",
    ),
    Alarm(
        logical_id="OrderProcessorDurationAlarm",
        namespace="AWS/Lambda",
        metric="Duration",
        dimensions={"FunctionName": ref("OrderProcessorFunction")},
        statistic="p99",
        period=300,
        evaluation_periods=3,
        datapoints_to_alarm=None,
        threshold=1000,
        comparison=GT,
        treat_missing_data="notBreaching",
    ),
    Alarm(
        logical_id="OrderProcessorThrottlesAlarm",
        namespace="AWS/Lambda",
        metric="Throttles",
        dimensions={"FunctionName": ref("OrderProcessorFunction")},
        statistic="Sum",
        period=300,
        evaluation_periods=1,
        datapoints_to_alarm=None,
        threshold=0,
        comparison=GT,
        treat_missing_data="notBreaching",
    ),
    Alarm(
        logical_id="OrderEventsRuleFailedInvocationsAlarm",
        namespace="AWS/Events",
        metric="FailedInvocations",
        dimensions={"EventBusName": ref("OrdersBus"), "RuleName": {"Fn::Sub": "${AWS::StackName}-order-events"}},
        statistic="Sum",
        period=300,
        evaluation_periods=1,
        datapoints_to_alarm=None,
        threshold=0,
        comparison=GT,
        treat_missing_data="notBreaching",
    ),
    Alarm(
        logical_id="BusDeadLetterQueueAlarm",
        namespace="AWS/SQS",
        metric="ApproximateNumberOfMessagesVisible",
        dimensions={"QueueName": queue_name("BusDeadLetterQueue")},
        statistic="Maximum",
        period=60,
        evaluation_periods=1,
        datapoints_to_alarm=None,
        threshold=0,
        comparison=GT,
        treat_missing_data="notBreaching",
    ),
    Alarm(
        logical_id="FulfilmentDeadLetterQueueAlarm",
        namespace="AWS/SQS",
        metric="ApproximateNumberOfMessagesVisible",
        dimensions={"QueueName": queue_name("FulfilmentDeadLetterQueue")},
        statistic="Maximum",
        period=60,
        evaluation_periods=1,
        datapoints_to_alarm=None,
        threshold=0,
        comparison=GT,
        treat_missing_data="notBreaching",
    ),
    Alarm(
        logical_id="FulfilmentErrorsAlarm",
        namespace="AWS/Lambda",
        metric="Errors",
        dimensions={"FunctionName": ref("FulfilmentFunction")},
        statistic="Sum",
        period=300,
        evaluation_periods=1,
        datapoints_to_alarm=None,
        threshold=0,
        comparison=GT,
        treat_missing_data="notBreaching",
    ),
    Alarm(
        logical_id="MetricsEmitterErrorsAlarm",
        namespace="AWS/Lambda",
        metric="Errors",
        dimensions={"FunctionName": ref("MetricsEmitterFunction")},
        statistic="Sum",
        period=300,
        evaluation_periods=1,
        datapoints_to_alarm=None,
        threshold=0,
        comparison=GT,
        treat_missing_data="notBreaching",
    ),
    Alarm(
        logical_id="MetricsEmitterSilentAlarm",
        namespace="AWS/Lambda",
        metric="Invocations",
        dimensions={"FunctionName": ref("MetricsEmitterFunction")},
        statistic="Sum",
        period=300,
        evaluation_periods=2,
        datapoints_to_alarm=None,
        threshold=1,
        comparison="LessThanThreshold",
        treat_missing_data="breaching",
    ),
    Alarm(
        logical_id="SchedulerDeadLetterQueueAlarm",
        namespace="AWS/SQS",
        metric="ApproximateNumberOfMessagesVisible",
        dimensions={"QueueName": queue_name("SchedulerDeadLetterQueue")},
        statistic="Maximum",
        period=60,
        evaluation_periods=1,
        datapoints_to_alarm=None,
        threshold=0,
        comparison=GT,
        treat_missing_data="notBreaching",
    ),
]


def alarms_of(template: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {
        name: resource["Properties"]
        for name, resource in template["Resources"].items()
        if resource["Type"] == "AWS::CloudWatch::Alarm"
    }


@pytest.mark.parametrize("expected", ALARMS, ids=[alarm.logical_id for alarm in ALARMS])
def test_template_alarm_is_configured_as_listed(template: dict[str, Any], expected: Alarm) -> None:
    # GIVEN the alarm's properties in the template
    properties = alarms_of(template)[expected.logical_id]
    # WHEN they are read as the table's columns
    statistic = properties.get("Statistic", properties.get("ExtendedStatistic"))
    actual = Alarm(
        expected.logical_id,
        properties["Namespace"],
        properties["MetricName"],
        {dimension["Name"]: dimension["Value"] for dimension in properties.get("Dimensions", [])},
        statistic,
        properties["Period"],
        properties["EvaluationPeriods"],
        properties.get("DatapointsToAlarm"),
        properties["Threshold"],
        properties["ComparisonOperator"],
        properties["TreatMissingData"],
    )
    # THEN it is exactly the table's row, with one statistic kind only
    assert actual == expected
    assert ("Statistic" in properties) != ("ExtendedStatistic" in properties)


@pytest.mark.parametrize("expected", ALARMS, ids=[alarm.logical_id for alarm in ALARMS])
def test_template_alarm_notifies_the_alerts_topic(template: dict[str, Any], expected: Alarm) -> None:
    # GIVEN the alarm's properties in the template
    properties = alarms_of(template)[expected.logical_id]
    # WHEN its actions are read
    actions = (properties.get("AlarmActions"), properties.get("OKActions"))
    # THEN it alarms, and clears, on the Alerts topic only
    assert actions == ([ref("AlertsTopic")], [ref("AlertsTopic")])


def test_template_has_no_alarm_missing_from_the_table(template: dict[str, Any]) -> None:
    # GIVEN the alarms of the template
    # WHEN they are compared with the table
    unlisted = set(alarms_of(template)) - {alarm.logical_id for alarm in ALARMS}
    # THEN none is missing from it (a new alarm gets a row here)
    assert unlisted == set()


def test_template_rule_alarm_names_the_rule_it_watches(template: dict[str, Any]) -> None:
    # GIVEN the FailedInvocations alarm and the rule
    alarm = alarms_of(template)["OrderEventsRuleFailedInvocationsAlarm"]
    rule = template["Resources"]["OrderEventsRule"]["Properties"]
    # WHEN the alarm's RuleName and bus dimensions are read
    dimensions = {dimension["Name"]: dimension["Value"] for dimension in alarm["Dimensions"]}
    # THEN they are the rule's explicit Name and its bus (a typo would leave the alarm on a metric that never exists)
    assert dimensions["RuleName"] == rule["Name"]
    assert dimensions["EventBusName"] == rule["EventBusName"]


def test_template_every_dead_letter_queue_has_an_alarm(template: dict[str, Any]) -> None:
    # GIVEN every queue the template uses as a dead-letter queue (redrive targets, rule and schedule DLQs)
    dead_letter_queues = {
        value[0]
        for path, value in walk(template["Resources"])
        if path[-2:] == ("deadLetterTargetArn", "Fn::GetAtt") or path[-3:] == ("DeadLetterConfig", "Arn", "Fn::GetAtt")
    }
    # WHEN the queues watched by an ApproximateNumberOfMessagesVisible alarm are listed
    watched = {
        dimension["Value"]["Fn::GetAtt"][0]
        for properties in alarms_of(template).values()
        if properties["MetricName"] == "ApproximateNumberOfMessagesVisible"
        for dimension in properties["Dimensions"]
    }
    # THEN each dead-letter queue is watched
    assert dead_letter_queues == {
        "OrderEventsDeadLetterQueue",
        "BusDeadLetterQueue",
        "SchedulerDeadLetterQueue",
        "FulfilmentDeadLetterQueue",
    }
    assert dead_letter_queues <= watched
