"""The soak's checks can fail: small soaks of a deliberately broken processor or redriver.

Each test breaks one thing the soak's older, weaker check could not see, shows that weaker view
still clean, and shows the check reporting the defect. Without faults, so that only the defect acts.
"""

from __future__ import annotations

import itertools
from collections.abc import Mapping, Sequence
from typing import Any

from dlq_redriver.messages import DlqMessage
from tests.reliability.harness.checks import (
    check_counters,
    check_dead_letters,
    check_notifications,
    check_orders,
    check_read_side,
    check_reusers,
    check_streams,
    event_id_of,
    parked_reasons,
)
from tests.reliability.harness.delivery import SimulatedQueues
from tests.reliability.harness.outcomes import Outcomes, collect
from tests.reliability.harness.sabotage import (
    conflicts_taken_for_duplicates,
    parked_twice,
    previous_status_replaced,
    projection_customer_replaced,
)
from tests.reliability.harness.scenario import Reuse, Scenario, build_scenario
from tests.reliability.harness.soak_run import SoakRun, run_soak

_runs = itertools.count()


class SendsTwice(SimulatedQueues):
    """A broken redriver, seen through its port: every message it moves is sent twice."""

    def send(self, queue_url: str, messages: Sequence[tuple[DlqMessage, Mapping[str, str]]]) -> set[str]:
        super().send(queue_url, messages)
        return super().send(queue_url, messages)


def small_soak(**broken: Any) -> tuple[Scenario, SoakRun, Outcomes]:
    scenario = build_scenario(seed=11, orders=40, invalid=6, orphans=3)
    run = run_soak(scenario, fault_rate=0.0, duplicate_rate=0.1, suffix=f"c{next(_runs)}", **broken)
    return scenario, run, collect(run)


def test_check_dead_letters_reports_a_rejection_parked_twice(aws: None) -> None:
    # GIVEN a processor that sends each rejected record to its dead-letter queue twice
    # WHEN a small soak runs through it
    scenario, run, outcomes = small_soak(sabotage=parked_twice())
    # THEN the old view is clean: each hostile body is in the DLQ, with its reason alone
    parked = parked_reasons(outcomes)
    assert all(parked.get(p.body) == {p.reason} for p in scenario.poison if p.kind == "rejected")
    # AND the check counts the parks: every rejected delivery is there twice
    problems = check_dead_letters(scenario, run.ledger, outcomes)
    assert len(problems) == 1
    assert problems[0].startswith(f"the processor's DLQ holds {run.ledger.parked.total()} parks more and 0 fewer")


def test_check_dead_letters_reports_a_retry_exhausted_message_parked_twice(aws: None) -> None:
    # GIVEN a redriver that sends every message it moves twice
    # WHEN a small soak runs through it (orphans are redriven five times, each copy twice again)
    scenario, run, outcomes = small_soak(queues=SendsTwice)
    # THEN the old view is clean: the retry-exhausted DLQ holds exactly the orphans' events
    orphans = {p.event_id for p in scenario.poison if p.kind == "orphan"}
    assert {event_id_of(message.body) for message in outcomes.exhausted} == orphans
    # AND the check sees copies of one message parked more than once
    problems = check_dead_letters(scenario, run.ledger, outcomes)
    assert len(problems) == 1
    assert problems[0].startswith("retry-exhausted DLQ:")
    assert "parked more than once" in problems[0]


def test_check_notifications_reports_a_wrong_previous_status(aws: None) -> None:
    # GIVEN a processor whose notifications name the new status as the previous one
    # WHEN a small soak runs through it
    scenario, run, outcomes = small_soak(sabotage=previous_status_replaced())
    # THEN the old view is clean: every applied event notified, every notified event stored
    stored = {event_id for entries in outcomes.streams.values() for _, event_id in entries}
    assert run.ledger.applied <= set(outcomes.notified) <= stored
    # AND the check compares what each notification says with what was applied to its order
    problems = check_notifications(scenario, run.ledger, outcomes)
    assert len(problems) == 1
    assert problems[0].startswith(f"{len(outcomes.notes)} notifications say other than what was applied")


def test_check_reusers_reports_a_reuser_taken_for_a_duplicate(aws: None) -> None:
    # GIVEN a processor that takes an event reusing an id for a redelivery of the id's first event
    # WHEN a small soak with a reuser of each kind runs through it
    scenario, run, outcomes = small_soak(sabotage=conflicts_taken_for_duplicates())
    assert {reuser.kind for reuser in scenario.reusers} == set(Reuse)
    # THEN the older views are clean: orders end as their lifecycles say, streams hold the reported
    # events, and the dead-letter queues hold what the processor reported parking
    assert check_orders(scenario, outcomes) == []
    assert check_streams(scenario, run.ledger, outcomes) == []
    assert check_dead_letters(scenario, run.ledger, outcomes) == []
    # AND the reuser check sees each reuser accepted under its original's id, and none of them parked
    count = len(scenario.reusers)
    problems = check_reusers(scenario, run, outcomes)
    assert len(problems) == 2
    assert problems[0].startswith(f"{count} contents other than an id's first event's were accepted under it")
    assert problems[1].startswith(f"{count} of {count} messages carrying a reusing event")
    # AND the notifications of reusers of another order or type fail the content check (a reuser of
    # the same order and type says, byte for byte, what a resend of its original says)
    resent = [
        r for r in scenario.reusers if r.kind is not Reuse.OTHER_CONTENT and r.original.event_id in run.ledger.applied
    ]
    notified = check_notifications(scenario, run.ledger, outcomes)
    assert len(notified) == 1
    assert notified[0].startswith(f"{len(resent)} notifications say other than what was applied")


def test_check_read_side_reports_projections_that_are_not_their_streams_fold(aws: None) -> None:
    # GIVEN a processor whose projections name another customer than their OrderCreated did
    # WHEN a small soak runs through it
    scenario, run, outcomes = small_soak(sabotage=projection_customer_replaced())
    # THEN the older checks are clean: statuses, streams and counters are all right
    assert check_orders(scenario, outcomes) == []
    assert check_streams(scenario, run.ledger, outcomes) == []
    assert check_counters(outcomes) == []
    # AND the audit reports every created order's projection as drifted
    problems = check_read_side(run.stack)
    assert len(problems) == 1
    assert problems[0].startswith(f"audit: {len(outcomes.statuses)} differs")
    assert "customer_id: someone-else" in problems[0]
