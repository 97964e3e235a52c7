"""The template's alarms evaluated on metric series, with a small model of CloudWatch's alarm rule.

CloudWatch's rule, as modelled here: split time into periods of ``Period`` seconds; a period's value
is the ``Statistic`` over its datapoints; it breaches when ``value <op> Threshold`` holds. The alarm
looks at the last ``EvaluationPeriods`` periods and is in ALARM when at least ``DatapointsToAlarm``
(default: all of them) breach. A period without datapoints breaches only when ``TreatMissingData``
is ``breaching`` (``missing`` and ``ignore`` are simplified to "does not breach").

SQS publishes ``ApproximateNumberOfMessagesVisible`` once a minute, so the series below are one
datapoint per minute.
"""

from __future__ import annotations

import operator
import statistics
from collections.abc import Callable, Mapping, Sequence
from typing import Any

import pytest

MINUTE = 60
COMPARISONS: dict[str, Callable[[float, float], bool]] = {
    "GreaterThanThreshold": operator.gt,
    "GreaterThanOrEqualToThreshold": operator.ge,
    "LessThanThreshold": operator.lt,
    "LessThanOrEqualToThreshold": operator.le,
}
STATISTICS: dict[str, Callable[[Sequence[float]], float]] = {
    "Maximum": max,
    "Minimum": min,
    "Sum": sum,
    "Average": statistics.fmean,
    "SampleCount": len,
}
# The dead-letter-queue alarm as the seed wrote it: it needs two message-minutes in five to fire.
SEED_DLQ_ALARM = {
    "Statistic": "Sum",
    "Period": 300,
    "EvaluationPeriods": 1,
    "Threshold": 1,
    "ComparisonOperator": "GreaterThanThreshold",
}

Series = Sequence[tuple[int, float]]  # (seconds, value)


def evaluate(alarm: Mapping[str, Any], series: Series, at: int) -> str:
    """The state of ``alarm`` at time ``at`` (seconds) given the datapoints of ``series``."""
    period = int(alarm["Period"])
    periods = int(alarm["EvaluationPeriods"])
    needed = int(alarm.get("DatapointsToAlarm", periods))
    statistic = STATISTICS[alarm["Statistic"]]
    compare = COMPARISONS[alarm["ComparisonOperator"]]
    breaching = 0
    for back in range(1, periods + 1):
        start = at - back * period
        values = [value for time, value in series if start <= time < start + period]
        if not values:
            breaching += alarm.get("TreatMissingData") == "breaching"
        elif compare(statistic(values), float(alarm["Threshold"])):
            breaching += 1
    return "ALARM" if breaching >= needed else "OK"


def per_minute(*values: float) -> list[tuple[int, float]]:
    """One datapoint a minute, from time 0."""
    return [(minute * MINUTE, value) for minute, value in enumerate(values)]


def ends(series: Series) -> list[int]:
    """Every minute boundary at which the series can be evaluated (after its first datapoint)."""
    return [time + MINUTE for time, _ in series]


def properties(template: dict[str, Any], name: str) -> dict[str, Any]:
    return dict(template["Resources"][name]["Properties"])


ONE_MESSAGE_FOR_ONE_MINUTE = per_minute(0, 0, 1, 0, 0, 0, 0, 0, 0, 0)
EMPTY = per_minute(*[0] * 10)


# --- the model itself ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("values", "state"),
    [((5, 5, 5), "ALARM"), ((5, 0, 5), "OK"), ((0, 5, 5), "OK")],
)
def test_evaluate_needs_every_period_to_breach_by_default(values: tuple[float, ...], state: str) -> None:
    # GIVEN an alarm on 3 one-minute periods, > 1, with no DatapointsToAlarm
    alarm = {
        "Statistic": "Maximum",
        "Period": 60,
        "EvaluationPeriods": 3,
        "Threshold": 1,
        "ComparisonOperator": "GreaterThanThreshold",
    }
    # WHEN it is evaluated after three minutes
    # THEN it alarms only when all three breach
    assert evaluate(alarm, per_minute(*values), at=180) == state


# --- the dead-letter-queue alarm ------------------------------------------------------------------------


def test_dlq_alarm_fires_for_one_message_for_one_minute(template: dict[str, Any]) -> None:
    # GIVEN the template's DLQ alarm, and one message sitting in the DLQ for a single minute
    alarm = properties(template, "OrderEventsDeadLetterQueueAlarm")
    # WHEN it is evaluated at the end of that minute
    state = evaluate(alarm, ONE_MESSAGE_FOR_ONE_MINUTE, at=3 * MINUTE)
    # THEN it is in ALARM
    assert state == "ALARM"


def test_dlq_alarm_stays_ok_while_the_dlq_is_empty(template: dict[str, Any]) -> None:
    # GIVEN the template's DLQ alarm, and an empty DLQ
    alarm = properties(template, "OrderEventsDeadLetterQueueAlarm")
    # WHEN it is evaluated every minute
    states = {evaluate(alarm, EMPTY, at) for at in ends(EMPTY)}
    # THEN it is never in ALARM
    assert states == {"OK"}


@pytest.mark.parametrize("name", ["BusDeadLetterQueueAlarm", "SchedulerDeadLetterQueueAlarm"])
def test_other_dlq_alarms_fire_for_one_message_for_one_minute(template: dict[str, Any], name: str) -> None:
    # GIVEN another dead-letter queue's alarm, and one message there for a single minute
    alarm = properties(template, name)
    # WHEN it is evaluated at the end of that minute
    state = evaluate(alarm, ONE_MESSAGE_FOR_ONE_MINUTE, at=3 * MINUTE)
    # THEN it is in ALARM
    assert state == "ALARM"


def test_seed_dlq_alarm_never_fires_for_one_message_for_one_minute() -> None:
    # GIVEN the seed's DLQ alarm (Sum over 5 minutes > 1): a documented contrast to the template's
    # WHEN it is evaluated at every minute of a series with one message for one minute
    states = {evaluate(SEED_DLQ_ALARM, ONE_MESSAGE_FOR_ONE_MINUTE, at) for at in ends(ONE_MESSAGE_FOR_ONE_MINUTE)}
    # THEN it never fires: the Sum of that 5-minute period is 1, not > 1, so a single poison message goes unseen
    assert states == {"OK"}


# --- the backlog-age alarm ---------------------------------------------------------------------------------


def test_queue_age_alarm_ignores_a_backlog_that_drains_within_four_minutes(template: dict[str, Any]) -> None:
    # GIVEN the age alarm, and a backlog older than 5 minutes for four minutes in a row
    alarm = properties(template, "OrderEventsQueueAgeAlarm")
    series = per_minute(0, 400, 500, 600, 700, 0, 0)
    # WHEN it is evaluated every minute
    states = {evaluate(alarm, series, at) for at in ends(series)}
    # THEN it never fires (DatapointsToAlarm 5 of 5)
    assert states == {"OK"}


def test_queue_age_alarm_fires_after_five_minutes_of_backlog(template: dict[str, Any]) -> None:
    # GIVEN the age alarm, and a backlog older than 5 minutes for five minutes in a row
    alarm = properties(template, "OrderEventsQueueAgeAlarm")
    series = per_minute(0, 400, 500, 600, 700, 800)
    # WHEN it is evaluated at the end of the fifth minute
    state = evaluate(alarm, series, at=6 * MINUTE)
    # THEN it is in ALARM
    assert state == "ALARM"


# --- the emitter's silence alarm ---------------------------------------------------------------------------


def test_silent_alarm_fires_when_the_emitter_stops_running(template: dict[str, Any]) -> None:
    # GIVEN the silence alarm, and no Invocations datapoint at all for ten minutes (no data is published)
    alarm = properties(template, "MetricsEmitterSilentAlarm")
    # WHEN it is evaluated
    state = evaluate(alarm, [], at=600)
    # THEN missing data counts as breaching, and it is in ALARM
    assert state == "ALARM"


def test_silent_alarm_stays_ok_while_the_emitter_runs_every_minute(template: dict[str, Any]) -> None:
    # GIVEN the silence alarm, and one invocation a minute
    alarm = properties(template, "MetricsEmitterSilentAlarm")
    series = per_minute(*[1] * 10)
    # WHEN it is evaluated after ten minutes
    state = evaluate(alarm, series, at=600)
    # THEN it is OK
    assert state == "OK"
