"""Every guarantee checked against what a run left behind (read back by :mod:`.outcomes`)."""

from __future__ import annotations

import json
from collections import Counter, defaultdict
from collections.abc import Mapping
from concurrent.futures import ThreadPoolExecutor
from typing import TYPE_CHECKING, Any

from orders_shared.audit import audit
from orders_shared.errors import InvalidEventError
from orders_shared.events import OrderStatus, content_digest, parse_sqs_body
from tests.reliability.harness.delivery import Ledger
from tests.reliability.harness.scenario import Reuser, Scenario
from tests.reliability.reuse_corpus import CONFLICT

if TYPE_CHECKING:
    from tests.reliability.harness.outcomes import Outcomes
    from tests.reliability.harness.soak_run import SoakRun
    from tests.reliability.harness.stack import Stack


def event_id_of(body: str) -> str | None:
    """The producer event id in a body, or None when it has none."""
    try:
        envelope = json.loads(body)
        return str(envelope["detail"]["metadata"]["eventId"]).lower()
    except (ValueError, KeyError, TypeError, RecursionError):  # hostile bodies: nested past the parser's depth
        return None


def content_of(body: str) -> tuple[str, str] | None:
    """(event id, content digest) of a body the processor accepts as an event, or None."""
    try:
        event = parse_sqs_body(body)
    except (InvalidEventError, ValueError):
        return None
    return event.event_id, content_digest(event)


def reason_of(parked: Mapping[str, Any]) -> str:
    """The rejectionReason a message of the processor's DLQ was parked with ("" when none)."""
    return str(parked.get("MessageAttributes", {}).get("rejectionReason", {}).get("StringValue", ""))


def check_orders(scenario: Scenario, outcomes: Outcomes, reference: Mapping[str, str] | None = None) -> list[str]:
    """No order lost; each in the state its lifecycle ends in, and in the fault-free run's state."""
    problems: list[str] = []
    expected = {order.order_id: str(order.final_status) for order in scenario.orders}
    lost = sorted(set(expected) - set(outcomes.statuses))
    if lost:
        problems.append(f"{len(lost)} orders have no projection, e.g. {lost[:3]}")
    stray = sorted(set(outcomes.statuses) - set(expected))
    if stray:
        problems.append(f"{len(stray)} projections of orders never created, e.g. {stray[:3]}")
    wrong = {
        oid: (outcomes.statuses[oid], want)
        for oid, want in expected.items()
        if outcomes.statuses.get(oid, want) != want
    }
    if wrong:
        problems.append(f"{len(wrong)} orders in the wrong final state (got, want), e.g. {list(wrong.items())[:3]}")
    if reference is not None:
        differ = sorted(
            oid for oid in set(reference) | set(outcomes.statuses) if reference.get(oid) != outcomes.statuses.get(oid)
        )
        if differ:
            problems.append(f"{len(differ)} final states differ from the fault-free run, e.g. {differ[:3]}")
    return problems


def check_streams(scenario: Scenario, ledger: Ledger, outcomes: Outcomes) -> list[str]:
    """Each accepted event stored once, in its order's stream, versions gapless, projection in step."""
    problems: list[str] = []
    owner = {event.event_id: order.order_id for order in scenario.orders for event in order.events}
    status = scenario.status_after
    seen: Counter[str] = Counter()
    for stream, entries in outcomes.streams.items():
        versions = [version for version, _ in entries]
        if versions != list(range(1, len(versions) + 1)):
            problems.append(f"stream {stream} has versions {versions}, not 1..{len(versions)}")
        projection = outcomes.projections.get(stream)
        if projection is None or int(projection["version"]["N"]) != len(entries):
            problems.append(f"stream {stream} has {len(entries)} events but its projection disagrees")
        elif projection["lastEventId"]["S"] != entries[-1][1]:
            problems.append(f"stream {stream}: the projection's lastEventId is not the stream's last event")
        elif projection["status"]["S"] != status.get(entries[-1][1]):
            problems.append(
                f"stream {stream}: the projection is {projection['status']['S']}, "
                f"its last event leads to {status.get(entries[-1][1])}"
            )
        for _, event_id in entries:
            seen[event_id] += 1
            if owner.get(event_id) != stream:
                problems.append(f"event {event_id} stored in stream {stream}, not its order's")
    twice = [event_id for event_id, count in seen.items() if count > 1]
    if twice:
        problems.append(f"{len(twice)} events stored more than once, e.g. {twice[:3]}")
    if outcomes.faults:
        problems.append(f"{len(outcomes.faults)} listed events not stored as listed, e.g. {outcomes.faults[:2]}")
    # An uncommitted claim (an applied event item its head does not list) is in no stream. At the end
    # of a run, every event reported applied was acknowledged and must be in its stream; and no
    # other event may leave a claim behind: a retry takes it over, or records the event ignored.
    if outcomes.claims:
        problems.append(
            f"{len(outcomes.claims)} applied event items are in no stream (uncommitted claims), "
            f"e.g. {outcomes.claims[:3]}"
        )
    if set(seen) != ledger.applied:
        problems.append(
            f"stored and accepted events differ: {len(set(seen) - ledger.applied)} stored only, "
            f"{len(ledger.applied - set(seen))} accepted only"
        )
    return problems


def check_counters(outcomes: Outcomes) -> list[str]:
    """The sharded status counters agree with the projections (a change applied twice would skew them)."""
    by_status = Counter(outcomes.statuses.values())
    return [
        f"counter {status} is {outcomes.counters.get(str(status), 0)}, for {by_status[str(status)]} orders"
        for status in OrderStatus
        if outcomes.counters.get(str(status), 0) != by_status[str(status)]
    ]


def check_read_side(stack: Stack) -> list[str]:
    """The read side's audit finds no drift: each projection is the fold of its stream, the counters the
    projection's totals (the run is over, so they settle at once)."""
    with ThreadPoolExecutor(max_workers=4) as executor:
        report = audit(
            stack.dynamodb, stack.orders_table, stack.events_table, executor, sleep=lambda _: None, index_lag_s=0
        )
    problems = [
        f"audit: {count} {kind}, e.g. {[e.detail for e in report.examples if e.kind == kind][:2]}"
        for kind, count in sorted(report.drift.items())
    ]
    if not report.counters_checked:
        problems.append("audit: the counters moved while the audit read them, after the run")
    return problems


def check_notifications(scenario: Scenario, ledger: Ledger, outcomes: Outcomes) -> list[str]:
    """Every applied event notified at least once; each notification of a stored event, saying what
    was applied: its order, the status the event led to and the status before it (a resend too: it is
    built from what the event's marker recorded), and the detail-type and correlation id of the event
    stored (so that an event reusing the id, of another order or type, cannot pass for a resend)."""
    problems: list[str] = []
    missing = ledger.applied - set(outcomes.notified)
    if missing:
        problems.append(f"{len(missing)} applied events were never notified, e.g. {sorted(missing)[:3]}")
    stored = {
        event_id: (stream, version) for stream, entries in outcomes.streams.items() for version, event_id in entries
    }
    phantom = set(outcomes.notified) - set(stored)
    if phantom:
        problems.append(f"{len(phantom)} notifications for events never stored, e.g. {sorted(phantom)[:3]}")
    status, events = scenario.status_after, scenario.events
    at = {(stream, version): event_id for stream, entries in outcomes.streams.items() for version, event_id in entries}
    wrong = []
    for event_id, *said in outcomes.notes:
        if event_id not in stored:
            continue  # a phantom, reported above
        stream, version = stored[event_id]
        before = status.get(at[stream, version - 1]) if version > 1 else None
        event = events.get(event_id)
        kind = (str(event.detail_type), str(event.detail["metadata"]["correlationId"])) if event else (None, None)
        applied = [stream, status.get(event_id), before, *kind]
        if said != applied:
            wrong.append(f"{event_id}: said {tuple(said)}, applied {tuple(applied)}")
    if wrong:
        problems.append(
            f"{len(wrong)} notifications say other than what was applied (order, status, previous, type, "
            f"correlation), e.g. {wrong[:2]}"
        )
    return problems


def parked_reasons(outcomes: Outcomes) -> dict[str, set[str]]:
    """The processor's DLQ: body -> the rejectionReason attributes it was parked with."""
    parked: dict[str, set[str]] = defaultdict(set)
    for message in outcomes.rejected:
        parked[message["Body"]].add(reason_of(message))
    return parked


def check_dead_letters(scenario: Scenario, ledger: Ledger, outcomes: Outcomes) -> list[str]:
    """Rejected input parked with its reason, once per rejection; retry-exhausted messages are exactly
    the orphans, each copy (lineage) of one parked once. (Reusers' parks: :func:`check_reusers`.)"""
    problems: list[str] = []
    parked = parked_reasons(outcomes)
    expected = {p.body: p.reason for p in scenario.poison if p.kind == "rejected"}
    for body, reason in expected.items():
        if parked.get(body) != {reason}:
            problems.append(f"a body was not parked with reason {reason} alone: got {parked.get(body)}")
    reusing = _reusers_by_content(scenario)
    stray = {body for body in set(parked) - set(expected) if _content_if_reused(body, reusing) is None}
    if stray:
        problems.append(f"{len(stray)} unexpected bodies in the processor's DLQ, e.g. {sorted(stray)[0][:200]!r}")
    orphans = {p.event_id for p in scenario.poison if p.kind == "orphan"}
    exhausted = {event_id_of(message.body) for message in outcomes.exhausted}
    if exhausted != orphans:
        problems.append(
            f"retry-exhausted DLQ holds {len(exhausted - orphans)} unexpected events, "
            f"e.g. {sorted(map(str, exhausted - orphans))[:3]}, and misses {len(orphans - exhausted)}"
        )
    return problems + _parked_once(ledger, outcomes, orphans)


def _parked_once(ledger: Ledger, outcomes: Outcomes, orphans: set[str | None]) -> list[str]:
    # As multisets: a message parked twice is a problem a set of bodies cannot show.
    problems = []
    parks = Counter(m["MessageAttributes"]["originalMessageId"]["StringValue"] for m in outcomes.rejected)
    made = ledger.parked + outcomes.unreported_parks
    if parks != made:
        extra, lacking = parks - made, made - parks
        problems.append(
            f"the processor's DLQ holds {extra.total()} parks more and {lacking.total()} fewer than the "
            f"rejections (and lost answers) account for, e.g. {sorted(extra.items())[:2]} {sorted(lacking.items())[:2]}"
        )
    lineages = Counter(message.lineage for message in outcomes.exhausted)
    expected = Counter(lineage for lineage, body in outcomes.lineages.items() if event_id_of(body) in orphans)
    if lineages != expected:
        twice = sorted(lineage for lineage, count in lineages.items() if count > 1)
        problems.append(
            f"retry-exhausted DLQ: {(lineages - expected).total()} messages too many, {(expected - lineages).total()} "
            f"missing; {len(twice)} parked more than once, e.g. {twice[:3]}"
        )
    return problems


def check_reusers(scenario: Scenario, run: SoakRun, outcomes: Outcomes) -> list[str]:
    """Events reusing an id change nothing and are parked as conflicts; the id stays its first event's.

    - every late reuser was published (its original was reported recorded);
    - under every event id, the processor accepted (applied, ignored, or took for a duplicate) only
      its lifecycle event's content, whichever copy came first: a reuser may arrive first, but it can
      be recorded only after its original (see :class:`~.scenario.Reuse`);
    - every id's marker records its lifecycle event (order, digest), and every stream entry stores
      the detail its id was published with;
    - every copy of a reuser (each lineage: first send or duplicate, through redrives) was parked in
      the processor's DLQ as ``EventIdConflict`` at least once (how many times exactly is
      :func:`check_dead_letters`' multiset check), with a message naming the id's first event.
    """
    problems: list[str] = []
    if len(run.held):
        problems.append(f"{len(run.held)} reusing events never published: their original was never reported recorded")
    reusing = _reusers_by_content(scenario)
    taken = sorted(
        (event_id, str(reusing[event_id, digest].kind) if (event_id, digest) in reusing else "unknown content")
        for event_id, digests in run.ledger.accepted.items()
        for digest in digests - {scenario.digests.get(event_id)}
    )
    if taken:
        problems.append(
            f"{len(taken)} contents other than an id's first event's were accepted under it (applied, ignored "
            f"or taken for a duplicate), {sum(kind != 'unknown content' for _, kind in taken)} of them reusing "
            f"events, e.g. {taken[:3]}"
        )
    marked = {event_id: (event.order_id, scenario.digests[event_id]) for event_id, event in scenario.events.items()}
    if outcomes.markers != marked:
        wrong = sorted(
            key for key in set(marked) | set(outcomes.markers) if marked.get(key) != outcomes.markers.get(key)
        )
        problems.append(
            f"{len(wrong)} idempotency markers missing or not their event's (order, digest), e.g. {wrong[:3]}"
        )
    events = scenario.events
    stored = sorted(eid for eid, data in outcomes.data.items() if eid not in events or data != events[eid].detail_json)
    if stored:
        problems.append(f"{len(stored)} stream entries store a detail other than their id's event's, e.g. {stored[:3]}")
    return problems + _reusers_parked(reusing, outcomes)


def _reusers_by_content(scenario: Scenario) -> dict[tuple[str, str], Reuser]:
    return {reuser.content: reuser for reuser in scenario.reusers}


def _content_if_reused(body: str, reusing: Mapping[tuple[str, str], Reuser]) -> tuple[str, str] | None:
    # Only a body carrying a reused id is parsed (parsing every body of a soak would cost seconds).
    if event_id_of(body) not in {event_id for event_id, _ in reusing}:
        return None
    content = content_of(body)
    return content if content in reusing else None


def _reusers_parked(reusing: Mapping[tuple[str, str], Reuser], outcomes: Outcomes) -> list[str]:
    problems: list[str] = []
    lineages = {
        lineage: content
        for lineage, body in outcomes.lineages.items()
        if (content := _content_if_reused(body, reusing)) is not None
    }
    unpublished = set(reusing) - set(lineages.values())
    if unpublished:
        problems.append(f"{len(unpublished)} reusing events never reached the queue, e.g. {sorted(unpublished)[:2]}")
    parked: set[str] = set()
    wrong: list[str] = []
    for message in outcomes.rejected:
        content = _content_if_reused(message["Body"], reusing)
        if content is None:
            continue
        attributes = {name: value["StringValue"] for name, value in message["MessageAttributes"].items()}
        original = reusing[content].original
        said = (reason_of(message), attributes.get("rejectionPath"), attributes.get("rejectionRule"))
        names = f"recorded for {original.detail_type} of order {original.order_id}"
        if said != (CONFLICT, "detail.metadata.eventId", "unique") or names not in attributes["rejectionMessage"]:
            wrong.append(f"{content[0]}: {said} {attributes.get('rejectionMessage')!r}")
        else:
            parked.add(outcomes.lineage_of.get(attributes["originalMessageId"], ""))
    if wrong:
        problems.append(
            f"{len(wrong)} parks of reusing events not as {CONFLICT} naming the id's event, e.g. {wrong[:2]}"
        )
    unparked = sorted(set(lineages) - parked)
    if unparked:
        problems.append(
            f"{len(unparked)} of {len(lineages)} messages carrying a reusing event (each copy, through redrives) "
            f"never parked as {CONFLICT}, e.g. {[lineages[lineage] for lineage in unparked[:2]]}"
        )
    return problems


def early_reusers(scenario: Scenario, ledger: Ledger) -> list[Reuser]:
    """Reusers delivered at least once before the ledger said their original recorded."""
    return [reuser for reuser in scenario.reusers if reuser.content in ledger.early]


def check(scenario: Scenario, run: SoakRun, outcomes: Outcomes, reference: Mapping[str, str] | None) -> list[str]:
    """Every broken guarantee, as a sentence (empty when the run is sound)."""
    problems = check_orders(scenario, outcomes, reference)
    problems += check_streams(scenario, run.ledger, outcomes)
    problems += check_counters(outcomes)
    problems += check_read_side(run.stack)
    problems += check_notifications(scenario, run.ledger, outcomes)
    problems += check_dead_letters(scenario, run.ledger, outcomes)
    problems += check_reusers(scenario, run, outcomes)
    if run.queue.stats.crashes:
        problems.append(f"the handler raised {run.queue.stats.crashes} times")
    return problems
