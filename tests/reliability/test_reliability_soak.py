"""The soak: 1,000 order lifecycles through the real processor on moto, under faults and duplicates.

One run serves every test of the module (it is the expensive part): 20% of the AWS calls fail,
10% of the messages are delivered twice, 2% of the invocations time out after they ran (their
answer lost, their whole batch delivered again), the queue shuffles, failed records come back
after a visibility timeout and go to a dead-letter queue after five receives, and the real
redriver moves them back until only the hopeless ones are left. Some events reuse the id of another
(of another order, another type, or other content): each must be parked as a conflict and change
nothing. A fault-free run of the same seed runs meanwhile in another process.
``tests/reliability/soak.py`` runs the same scenario at any size and prints figures.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass

import pytest
from moto import mock_aws

from tests.reliability.harness.checks import (
    check_counters,
    check_dead_letters,
    check_notifications,
    check_orders,
    check_read_side,
    check_reusers,
    check_streams,
    early_reusers,
    parked_reasons,
    reason_of,
)
from tests.reliability.harness.common import MAX_RECEIVE_COUNT, REJECTION_REASONS
from tests.reliability.harness.faults import Fault
from tests.reliability.harness.moto_threads import moto_for_threads
from tests.reliability.harness.outcomes import Outcomes, collect
from tests.reliability.harness.scenario import Reuse, Scenario, build_scenario
from tests.reliability.harness.soak_run import SoakRun, fault_free_statuses, in_background, run_soak
from tests.support.aws import use_fake_credentials

pytestmark = pytest.mark.soak

SEED = 20250601
ORDERS = 1000
FAULT_RATE = 0.2
DUPLICATE_RATE = 0.1
TIMEOUT_RATE = 0.02
# The operator's redrive budget: each redrive gives a message five more receives. With no retry in the
# clients and a fifth of the calls failing, a commit (four calls in storage format 2: a read, the
# ledger, the claim, the head) succeeds in about two attempts of five, and an event may wait for the
# events before it; measured over 1,000-order runs, the events first accepted after n redrives fall
# about fourfold per redrive (2,058, 504, 74, 17, 3, 2 for n = 0..5). Five redrives left about one
# run in three with a valid event parked for good; twelve leave about 2,000 x 4^-13, under one run in
# ten thousand. Only the orphans use the whole budget (the soak prints the histogram).
MAX_REDRIVES = 12


@dataclass(frozen=True)
class Soak:
    scenario: Scenario
    run: SoakRun
    outcomes: Outcomes
    reference: dict[str, str]


@pytest.fixture(scope="module")
def soak() -> Iterator[Soak]:
    """The faulty run here, the fault-free run of the same seed in another process."""
    with pytest.MonkeyPatch.context() as patch:
        use_fake_credentials(patch)
        with (
            in_background(fault_free_statuses, SEED, ORDERS, DUPLICATE_RATE) as reference,
            mock_aws(),
            moto_for_threads(),
        ):
            scenario = build_scenario(SEED, ORDERS)
            run = run_soak(
                scenario,
                fault_rate=FAULT_RATE,
                duplicate_rate=DUPLICATE_RATE,
                timeout_rate=TIMEOUT_RATE,
                suffix="soak",
                max_redrives=MAX_REDRIVES,
            )
            yield Soak(scenario, run, collect(run), reference.result(timeout=900))


def test_soak_injected_the_faults_and_duplicates_it_claims(soak: Soak) -> None:
    # GIVEN the soak's run
    injector, stats = soak.run.injector, soak.run.queue.stats
    # WHEN its fault and duplicate counters are read
    share = injector.total_injected / sum(injector.calls.values())
    # THEN about 20% of the calls failed, with every kind of fault, on every service's calls
    assert 0.17 <= share <= 0.23
    assert set(injector.injected) == set(Fault)
    assert {"BatchGetItem", "BatchExecuteStatement", "GetItem", "PublishBatch", "SendMessageBatch"} <= set(
        injector.calls
    )
    # AND about 10% of the messages were delivered twice, and many records were retried
    assert 0.07 <= stats.duplicates_injected / stats.sent <= 0.13
    assert stats.retries > len(soak.scenario.bodies) // 2
    # AND about 2% of the invocations lost their answer after running, their batches delivered again
    assert 0.01 <= stats.invocations_lost / stats.batches <= 0.03
    # AND valid events were accepted only after a redrive: the redriver's path was exercised
    assert soak.run.ledger.redrives_needed[1] > 0
    assert stats.outcomes["lost with its invocation"] >= stats.invocations_lost


def test_soak_handler_never_raised(soak: Soak) -> None:
    # GIVEN the soak's run, hostile input and faults included
    # WHEN its batches are counted
    # THEN no batch made the applier raise (a raise would retry the whole batch)
    assert soak.run.queue.stats.crashes == 0
    assert soak.run.queue.stats.outcomes["crash"] == 0


def test_soak_loses_no_order_and_ends_each_as_its_lifecycle(soak: Soak) -> None:
    # GIVEN 1,000 lifecycles
    # WHEN the projections are read back
    problems = check_orders(soak.scenario, soak.outcomes)
    # THEN every created order has a projection in the state its lifecycle ends in, and no other exists
    assert problems == []
    assert len(soak.outcomes.statuses) == ORDERS


def test_soak_final_states_equal_the_fault_free_run(soak: Soak) -> None:
    # GIVEN the same seed run without any fault
    # WHEN both runs' final states are compared
    # THEN they are equal, order by order
    assert soak.outcomes.statuses == soak.reference
    assert check_orders(soak.scenario, soak.outcomes, soak.reference) == []


def test_soak_stores_each_accepted_event_exactly_once_with_gapless_versions(soak: Soak) -> None:
    # GIVEN what the processor reported as applied, under retries, timeouts after commit and duplicates
    # WHEN the event store is read back
    problems = check_streams(soak.scenario, soak.run.ledger, soak.outcomes)
    # THEN each stream is versions 1..n, each event id stored once, exactly the accepted events
    assert problems == []
    assert len(soak.run.ledger.applied) >= 2 * ORDERS


def test_soak_status_counters_count_each_order_once(soak: Soak) -> None:
    # GIVEN the sharded counters, moved by the reducer from the commits' ledgers
    # WHEN they are summed (after the reducer added every ledger: collect reads them so)
    # THEN they agree with the projections: no change was counted twice
    assert check_counters(soak.outcomes) == []


def test_soak_read_side_audit_finds_no_drift(soak: Soak) -> None:
    # GIVEN the tables the processor left under faults and duplicates
    # WHEN the read side's audit folds every stream listed in the streams index
    # THEN every projection is the fold of its stream and the counters are the projection's totals
    assert check_read_side(soak.run.stack) == []


def test_soak_notifies_every_applied_event(soak: Soak) -> None:
    # GIVEN every event the processor committed, notifications failing 20% of the time
    # WHEN what SNS accepted is compared
    problems = check_notifications(soak.scenario, soak.run.ledger, soak.outcomes)
    # THEN each applied event was notified at least once, and each notification says what was applied
    # to its order (status and previous status, a resend's too), for a stored event
    assert problems == []
    assert soak.run.ledger.resent


def test_soak_parks_every_rejected_message_with_its_reason(soak: Soak) -> None:
    # GIVEN hostile bodies mixed into the stream
    rejected = [poison for poison in soak.scenario.poison if poison.kind == "rejected"]
    # WHEN the processor's dead-letter queue is read
    parked = parked_reasons(soak.outcomes)
    # THEN each is there, body intact, with the reason it deserves, and nothing else is; each
    # delivery parked once per rejection, plus once per park whose answer was lost
    assert rejected
    assert check_dead_letters(soak.scenario, soak.run.ledger, soak.outcomes) == []
    assert set().union(*parked.values()) <= REJECTION_REASONS


def test_soak_dead_letters_events_of_orders_never_created(soak: Soak) -> None:
    # GIVEN status changes for orders that are never created
    orphans = {poison.event_id for poison in soak.scenario.poison if poison.kind == "orphan"}
    # WHEN the retry-exhausted dead letters are read (after every redrive)
    exhausted = soak.outcomes.exhausted
    # THEN they are exactly those events, each copy parked once, received five times, redriven the maximum
    assert orphans
    assert check_dead_letters(soak.scenario, soak.run.ledger, soak.outcomes) == []
    assert {message.receive_count for message in exhausted} == {MAX_RECEIVE_COUNT}
    assert Counter(message.attributes.get("redriveCount") for message in exhausted) == {
        str(MAX_REDRIVES): len(exhausted)
    }


def test_soak_parks_every_event_reusing_an_id_and_lets_none_change_anything(soak: Soak) -> None:
    # GIVEN events reusing the ids of others, of every kind, some delivered before the event whose id
    # they carry was recorded, all of them under faults, duplicates and lost answers
    reusers = soak.scenario.reusers
    assert {reuser.kind for reuser in reusers} == set(Reuse)
    assert early_reusers(soak.scenario, soak.run.ledger)
    # WHEN the reports, the markers, the streams and the processor's dead-letter queue are read
    problems = check_reusers(soak.scenario, soak.run, soak.outcomes)
    # THEN every copy of each reuser was parked as EventIdConflict, naming the id's first event; under
    # every id only its first event was ever accepted, marked and stored (the final states equal the
    # fault-free run's: test_soak_final_states_equal_the_fault_free_run)
    assert problems == []
    assert soak.run.held.released == sum(reuser.late for reuser in reusers)
    assert sum(reason_of(m) == "EventIdConflict" for m in soak.outcomes.rejected) >= len(reusers)
