"""scripts/chaos.py: the checks of `make chaos` against the plan, and how it finds the workers to kill."""

from __future__ import annotations

import json
from collections import Counter
from decimal import Decimal

from chaos_checks import (
    Check,
    DeadLetter,
    Marker,
    PlannedOrder,
    Process,
    Projection,
    check_counters,
    check_dead_letters,
    check_faults,
    check_final_states,
    check_markers,
    check_streams,
    failed_batches,
    planned_orders,
    sort_dead_letters,
    worker_pids,
)

from orders_shared.events import OrderStatus, order_created, order_status_changed, payment_processed

PAID = "11111111-1111-4111-8111-111111111111"
NEW = "22222222-2222-4222-8222-222222222222"
PLANNED = {
    PAID: PlannedOrder("completed", ("e1", "e2", "e3")),
    NEW: PlannedOrder("pending", ("e4",)),
}
SINCE = "2026-11-29T10:00:00.000Z"
FUNCTION = "order-pipeline-local-order-processor"


def projections() -> dict[str, Projection]:
    return {PAID: Projection("completed", 3, Decimal("12.50")), NEW: Projection("pending", 1, Decimal(7))}


def markers() -> dict[str, Marker]:
    owners = {"e1": PAID, "e2": PAID, "e3": PAID, "e4": NEW}
    return {event_id: Marker(order_id, "applied", "2026-11-29T10:00:01.000Z") for event_id, order_id in owners.items()}


def test_chaos_planned_orders_lists_each_orders_events_wave_by_wave() -> None:
    # GIVEN three waves of a plan: a creation each, a payment and a completion for one order
    created, other = order_created(PAID, "c-1", Decimal(5)), order_created(NEW, "c-2", Decimal(6))
    paid, completed = payment_processed(PAID, Decimal(5)), order_status_changed(PAID, OrderStatus.COMPLETED)

    # WHEN the orders are planned
    planned = planned_orders({PAID: "completed", NEW: "pending"}, [[created, other], [paid], [completed]])

    # THEN each order holds its status and its events' ids in wave order
    assert planned == {
        PAID: PlannedOrder("completed", (created.event_id, paid.event_id, completed.event_id)),
        NEW: PlannedOrder("pending", (other.event_id,)),
    }


def test_chaos_final_states_pass_when_every_order_is_as_planned() -> None:
    # GIVEN projections as planned WHEN checked THEN the check holds
    assert check_final_states(PLANNED, projections()).ok


def test_chaos_final_states_name_a_missing_order_a_wrong_status_and_a_wrong_version() -> None:
    # GIVEN one order without its projection item, then one at the wrong status, then at the wrong version
    missing = {PAID: projections()[PAID]}
    wrong_status = {**projections(), NEW: Projection("cancelled", 2, Decimal(7))}
    wrong_version = {**projections(), PAID: Projection("completed", 4, Decimal("12.50"))}

    # WHEN each is checked THEN each fails naming the order and what differs
    assert check_final_states(PLANNED, missing).problems == [f"order {NEW}: no projection item"]
    assert check_final_states(PLANNED, wrong_status).problems == [f"order {NEW}: status cancelled, planned pending"]
    assert check_final_states(PLANNED, wrong_version).problems == [f"order {PAID}: version 4, planned 3"]


def test_chaos_streams_pass_when_gapless_and_holding_the_planned_events_once() -> None:
    # GIVEN streams read in any order, versions 1..n with the planned ids WHEN checked THEN they hold
    streams = {PAID: [(2, "e2"), (1, "e1"), (3, "e3")], NEW: [(1, "e4")]}
    assert check_streams(PLANNED, streams).ok


def test_chaos_streams_name_a_gap_a_repeat_an_unplanned_event_and_a_missing_one() -> None:
    # GIVEN a stream with a gap, one applying an event twice, and one with an event the plan does not know
    gap = {PAID: [(1, "e1"), (2, "e2"), (4, "e3")], NEW: [(1, "e4")]}
    repeated = {PAID: [(1, "e1"), (2, "e2"), (3, "e2")], NEW: [(1, "e4")]}
    stray = {PAID: [(1, "e1"), (2, "e2"), (3, "e3")], NEW: [(1, "e4"), (2, "x9")]}

    # WHEN each is checked THEN each failure is named
    assert check_streams(PLANNED, gap).problems == [f"stream {PAID}: versions [1, 2, 4], not 1..3 without a gap"]
    assert check_streams(PLANNED, repeated).problems == [
        f"stream {PAID}: event(s) applied more than once: e2",
        f"stream {PAID}: planned event(s) missing: e3",
    ]
    assert check_streams(PLANNED, stray).problems == [f"stream {NEW}: event(s) the plan does not know: x9"]


def test_chaos_streams_name_events_applied_out_of_the_planned_order() -> None:
    # GIVEN the planned events, each once, but the completion applied before the payment
    streams = {PAID: [(1, "e1"), (2, "e3"), (3, "e2")], NEW: [(1, "e4")]}

    # WHEN checked THEN the order of application is named
    assert check_streams(PLANNED, streams).problems == [f"stream {PAID}: events applied out of the planned order"]


def test_chaos_markers_pass_with_one_applied_marker_per_planned_event() -> None:
    # GIVEN markers of the planned events, and an older marker of another run WHEN checked THEN they hold
    found = {**markers(), "old": Marker("someone-else", "applied", "2026-11-28T09:00:00.000Z")}
    assert check_markers(PLANNED, found, SINCE).ok


def test_chaos_markers_name_a_missing_marker_a_wrong_outcome_and_an_unplanned_one() -> None:
    # GIVEN no marker for e4, an ignored e2, and a marker recorded during the phase for an unknown event
    found = {**markers(), "e2": Marker(PAID, "ignored", SINCE), "x9": Marker(NEW, "applied", SINCE)}
    del found["e4"]

    # WHEN checked THEN each is named
    assert check_markers(PLANNED, found, SINCE).problems == [
        f"event e2: marker says ignored for order {PAID}",
        "event e4: no marker",
        f"event x9: marker (applied, order {NEW}) not in the plan",
    ]


def test_chaos_markers_name_an_applied_event_in_no_stream() -> None:
    # GIVEN e3's item applied for its order, but no head lists it (an uncommitted claim)
    found = {**markers(), "e3": Marker(PAID, "applied", SINCE, committed=False)}

    # WHEN checked THEN it is no applied marker: the event is in no stream
    assert check_markers(PLANNED, found, SINCE).problems == [
        f"event e3: applied item of order {PAID} in no stream (an uncommitted claim)"
    ]


def test_chaos_counters_pass_when_they_moved_as_the_projection() -> None:
    # GIVEN counters before the phase, and after it moved by one completed and one pending order
    before = Counter({"pending": Decimal(4), "completed": Decimal(2), "revenue": Decimal(30)})
    after = Counter({"pending": Decimal(5), "completed": Decimal(3), "revenue": Decimal("42.50")})

    # WHEN checked against the phase's projections THEN they hold
    assert check_counters(before, after, projections()).ok


def test_chaos_counters_name_a_status_the_projection_does_not_hold() -> None:
    # GIVEN counters that moved for an order whose projection item is gone
    before: Counter[str] = Counter()
    after = Counter({"pending": Decimal(1), "completed": Decimal(1), "revenue": Decimal("12.50")})
    without_new = {PAID: projections()[PAID]}

    # WHEN checked THEN the status that differs is named with both figures
    assert check_counters(before, after, without_new).problems == [
        "pending: counters moved by 1, the projection says 0"
    ]


def envelope(kind: str, detail: dict[str, object]) -> dict[str, object]:
    return {"detail-type": kind, "source": "order-service", "detail": detail}


INVALID = [("negative amount", "order-service", "OrderCreated", json.dumps({"orderId": "x", "amount": -5}))]


def test_chaos_dead_letters_sort_planned_rejections_exhausted_events_and_the_rest() -> None:
    # GIVEN the planned rejection, a planned event parked RetryExhausted, and an event the plan does not know
    letters = [
        DeadLetter("ValidationFailed", envelope("OrderCreated", {"orderId": "x", "amount": -5})),
        DeadLetter("RetryExhausted", envelope("PaymentProcessed", {"metadata": {"eventId": "e2"}})),
        DeadLetter("InvalidTransition", envelope("OrderStatusChanged", {"metadata": {"eventId": "x9"}})),
    ]

    # WHEN sorted against the plan
    sorted_letters = sort_dead_letters(letters, INVALID, {"e1", "e2", "e3", "e4"})

    # THEN the rejection is planned, e2 is to redrive, x9 is unplanned, nothing is missing
    assert sorted_letters.rejected == 1
    assert [letter.event_id for letter in sorted_letters.exhausted] == ["e2"]
    assert sorted_letters.unplanned == ["InvalidTransition: x9"]
    assert sorted_letters.missing == []
    assert check_dead_letters(sorted_letters).problems == [
        "unplanned InvalidTransition: x9",
        "still retry-exhausted after the redrive: e2",
    ]


def test_chaos_dead_letters_name_a_planned_rejection_the_dlq_does_not_hold() -> None:
    # GIVEN an empty DLQ WHEN sorted against a plan with one invalid event THEN that one is missing
    check = check_dead_letters(sort_dead_letters([], INVALID, set()))
    assert check.problems == ["planned rejection not in the DLQ: negative amount"]


def test_chaos_worker_pids_are_the_servers_children_running_the_functions_worker() -> None:
    # GIVEN the emulator, its workers for the processor and for another function with a longer name,
    # a worker of another emulator, and an unrelated process
    script = "/scratch/ministack-lambda-{}-{}/_worker.py"  # under $TMPDIR
    processes = [
        Process(100, 1, ("/venv/bin/python", ".tools/ministack/bin/ministack")),
        Process(101, 100, ("/venv/bin/python", script.format(FUNCTION, "j4qxdo1l"))),
        Process(102, 100, ("/venv/bin/python", script.format(FUNCTION, "0ps30_9u"))),
        Process(103, 100, ("/venv/bin/python", script.format(FUNCTION + "-v2", "abcdefgh"))),
        Process(104, 200, ("/venv/bin/python", script.format(FUNCTION, "zx4j42jk"))),
        Process(105, 100, ()),
    ]

    # WHEN the processor's workers are looked for THEN only the server's two are found
    assert worker_pids(processes, 100, FUNCTION) == [101, 102]


def test_chaos_failed_batches_counts_the_emulators_warnings_for_the_function() -> None:
    # GIVEN an emulator log with two failed batches of the processor and one of another function
    line = "WARNING [lambda] ESM: Lambda {} failed processing SQS batch from q (errorMessage=Worker process died)\n"
    log = line.format(FUNCTION) + "Worker process died\n" + line.format(FUNCTION) + line.format("other")

    # WHEN counted THEN the processor's two are
    assert failed_batches(log, FUNCTION) == 2


def test_chaos_check_verdict_names_a_few_problems_and_counts_the_rest() -> None:
    # GIVEN a check with five problems WHEN its verdict is read THEN it shows three and counts the others
    verdict = Check("streams", [f"p{n}" for n in range(5)]).verdict()
    assert verdict == "FAIL: 5 problem(s): p0; p1; p2 (and 2 more)"
    assert Check("streams", []).verdict() == "pass"


def test_chaos_faults_check_names_a_wave_without_its_kill_and_a_missing_restart() -> None:
    # GIVEN kills planned in waves 1 to 3 and done in wave 1 only, and a restart planned in wave 2 not done
    kills = check_faults({0, 1, 2}, None, {0}, [], 3)
    restart = check_faults(set(), 1, set(), [], 0)

    # WHEN checked THEN each missing fault is named; all done (a restart to a new pid) holds
    assert kills.problems == ["no worker killed in wave 2", "no worker killed in wave 3"]
    assert restart.problems == ["the emulator was not restarted in wave 2"]
    assert check_faults({0}, 1, {0, 1}, [(100, 200, 5.0, 30)], 1).ok


def test_chaos_faults_check_names_a_restart_that_kept_the_same_process() -> None:
    # GIVEN a restart that found the same pid after it WHEN checked THEN it fails naming the pid
    assert check_faults(set(), 1, {1}, [(100, 100, 0.1, 30)], 0).problems == [
        "the emulator kept pid 100 across the restart"
    ]


def test_chaos_faults_check_names_kills_that_failed_no_batch() -> None:
    # GIVEN a SIGKILL in every planned wave but no batch the emulator reports failed
    check = check_faults({0, 1}, None, {0, 1}, [], 0)

    # WHEN checked THEN the kills are said to have hit no running batch
    assert check.problems == ["no batch failed: the kills hit no running batch"]
