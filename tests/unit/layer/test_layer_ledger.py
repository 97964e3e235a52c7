"""The counters' ledgers on moto: what the reducer adds (exactly once) and what is pending before it does.

Commits are written here the format-2 way without the processor: a ledger (``ledger_put``), then
each order's head naming it (``head_update``), or not (a commit that never landed).
"""

from __future__ import annotations

import random
from decimal import Decimal
from typing import Any

import pytest
from botocore.exceptions import ConnectionClosedError

from orders_shared.event_store import head_update
from orders_shared.events import OrderStatus
from orders_shared.ledger import Deltas, Ledger, Move, ledger_put, pending_deltas, read_pending, reduce_ledgers
from orders_shared.streams import Totals, read_counters

EVENTS, ORDERS = "event-store", "orders"
NOW = 1_800_000_000.0  # the tests' clock (seconds since the epoch)
P, R, C = OrderStatus.PENDING, OrderStatus.PROCESSING, OrderStatus.COMPLETED


class Commits:
    """Writes commits (a ledger, then the heads that land) and keeps each order's version."""

    def __init__(self, client: Any) -> None:
        self.client = client
        self.versions: dict[str, int] = {}
        self.status: dict[str, OrderStatus] = {}
        self.rng = random.Random(7)

    def commit(
        self,
        moves: list[tuple[str, OrderStatus]],
        *,
        at: float = NOW,
        land: set[str] | None = None,
        amount: str = "10.5",
        currency: str = "USD",
    ) -> Ledger:
        """A commit at ``at`` moving each order to a status; only the heads of ``land`` (default all) commit."""
        ledger = Ledger.new(at, self.rng)
        planned: list[Move] = []
        for order_id, status in moves:
            version = self.versions.get(order_id, 0)
            previous = None if version == 0 else self.status[order_id]
            planned.append(Move(order_id, version + 1, previous, status))
        self.client.put_item(**ledger_put(EVENTS, ledger, planned, "2027-01-15T08:00:00Z", at))
        for move in planned:
            if land is not None and move.order_id not in land:
                continue  # the commit's head write never happened (a crash, a lost race)
            state: dict[str, Any] = {"status": {"S": str(move.status)}, "currency": {"S": currency}}
            # an amount that is not a number stands for a damaged projection
            state["amount"] = {"N": amount} if amount.replace(".", "").isdigit() else {"S": amount}
            update = head_update(
                ORDERS,
                move.order_id,
                move.position - 1,
                [f"e-{move.order_id}-{move.position}"],
                ledger=ledger.id,
                state=state,
            )
            self.client.update_item(**update)
            self.versions[move.order_id] = move.position
            self.status[move.order_id] = move.status
        return ledger


@pytest.fixture
def commits(dynamodb: Any) -> Commits:
    return Commits(dynamodb)


def counters(client: Any) -> Totals:
    return read_counters(client, ORDERS)


def totals(counts: dict[str, int], revenue: str | None = None) -> Totals:
    return Totals(counts, {"revenue": Decimal(revenue)} if revenue else {})


def as_totals(deltas: Deltas) -> Totals:
    return Totals().plus(deltas.counts, deltas.revenues)


def reduce(client: Any, settle_s: float = 0, now: float = NOW + 3600) -> Any:
    return reduce_ledgers(client, EVENTS, ORDERS, settle_s=settle_s, clock=lambda: now)


def test_pending_gives_every_committed_move_past_the_checkpoints_whatever_its_age(
    dynamodb: Any, commits: Commits
) -> None:
    # GIVEN a week-old commit creating two orders, and one a second old completing one of them
    commits.commit([("a", P), ("b", P)], at=NOW - 7 * 24 * 3600)
    commits.commit([("a", C)], at=NOW - 1)

    # WHEN the pending moves are read (nothing reduced yet)
    pending = pending_deltas(dynamodb, EVENTS, ORDERS)

    # THEN both commits count, old and young: one pending, one completed, its revenue
    assert as_totals(pending) == totals({"pending": 1, "completed": 1}, "10.5")
    assert counters(dynamodb) == Totals()


def test_a_move_whose_head_does_not_name_its_ledger_is_never_counted(dynamodb: Any, commits: Commits) -> None:
    # GIVEN a commit of two orders whose head write for b never landed, and a later commit of b
    # (another ledger: b's head names that one at position 1)
    commits.commit([("a", P), ("b", P)], land={"a"})
    commits.commit([("b", P)])
    commits.commit([("c", P)], land=set())  # a commit none of whose heads landed

    # WHEN pending, then reduced THEN b counts once (from the ledger its head names), c never
    assert as_totals(pending_deltas(dynamodb, EVENTS, ORDERS)) == totals({"pending": 2})
    report = reduce(dynamodb)
    assert (report.moves, report.committed) == (4, 2)
    assert counters(dynamodb) == totals({"pending": 2})
    assert as_totals(pending_deltas(dynamodb, EVENTS, ORDERS)) == Totals()


def test_counters_plus_pending_are_the_committed_moves_at_every_step(dynamodb: Any, commits: Commits) -> None:
    # GIVEN commits an hour apart, reduced up to the middle one
    commits.commit([("a", P), ("b", P)], at=NOW - 7200)
    commits.commit([("a", R)], at=NOW - 3600)
    commits.commit([("a", C), ("b", R)], at=NOW)
    reduce(dynamodb, settle_s=1800, now=NOW)  # the first two are settled, the last is not

    # THEN the counters hold the first two, pending the last, and together they are every move
    assert counters(dynamodb) == totals({"pending": 1, "processing": 1})
    pending = read_pending(dynamodb, EVENTS, ORDERS)
    assert len(pending.committed) == 2
    assert counters(dynamodb).plus(pending.deltas.counts, pending.deltas.revenues) == totals(
        {"completed": 1, "processing": 1}, "10.5"
    )


def test_the_reducer_leaves_a_ledger_younger_than_the_settling_time(dynamodb: Any, commits: Commits) -> None:
    # GIVEN a commit 10 s old
    commits.commit([("a", P)], at=NOW - 10)

    # WHEN reduced with a settling time of 30 s THEN nothing is added, it is still pending
    report = reduce(dynamodb, settle_s=30, now=NOW)
    assert (report.ledgers, counters(dynamodb)) == (0, Totals())
    assert as_totals(pending_deltas(dynamodb, EVENTS, ORDERS)) == totals({"pending": 1})

    # WHEN reduced 30 s later THEN it is added
    reduce(dynamodb, settle_s=30, now=NOW + 30)
    assert counters(dynamodb) == totals({"pending": 1})


def test_a_ledger_reduced_twice_is_counted_once(dynamodb: Any, commits: Commits) -> None:
    # GIVEN commits reduced once
    commits.commit([("a", P), ("b", P)])
    commits.commit([("a", C)])
    reduce(dynamodb)

    # WHEN reduced again THEN nothing more is added
    again = reduce(dynamodb)
    assert (again.ledgers, again.committed) == (0, 0)
    assert counters(dynamodb) == totals({"pending": 1, "completed": 1}, "10.5")


class OtherReducerFirst:
    """A client on which, just before the reducer's first transaction, another reducer runs to the end."""

    def __init__(self, client: Any) -> None:
        self._client = client
        self.interleaved = False

    def __getattr__(self, name: str) -> Any:
        return getattr(self._client, name)

    def transact_write_items(self, **kwargs: Any) -> Any:
        if not self.interleaved:
            self.interleaved = True
            reduce(self._client)
        return self._client.transact_write_items(**kwargs)


def test_two_reducers_at_once_count_each_ledger_once(dynamodb: Any, commits: Commits) -> None:
    # GIVEN commits, and a reducer that read the checkpoints and ledgers when another one ran
    commits.commit([("a", P), ("b", P)])
    commits.commit([("a", C)])
    client = OtherReducerFirst(dynamodb)

    # WHEN both finish
    report = reduce(client)

    # THEN the late one's shard was contended (left to the other), and every move counted once
    assert client.interleaved
    assert report.contended >= 1
    assert counters(dynamodb) == totals({"pending": 1, "completed": 1}, "10.5")


class LostReply:
    """A client whose first transaction is applied but whose reply is lost (the connection drops)."""

    def __init__(self, client: Any) -> None:
        self._client = client
        self.lost = False

    def __getattr__(self, name: str) -> Any:
        return getattr(self._client, name)

    def transact_write_items(self, **kwargs: Any) -> Any:
        response = self._client.transact_write_items(**kwargs)
        if not self.lost:
            self.lost = True
            raise ConnectionClosedError(endpoint_url="https://dynamodb.us-east-1.amazonaws.com")
        return response


def test_a_reduction_retried_after_its_transaction_counts_once(dynamodb: Any, commits: Commits) -> None:
    # GIVEN commits, and a reduction whose transaction was applied though its caller saw an error
    commits.commit([("a", P), ("b", P)])
    commits.commit([("a", C)])
    client = LostReply(dynamodb)
    with pytest.raises(ConnectionClosedError):
        reduce(client)

    # WHEN the reduction is run again (the emitter's next minute)
    reduce(client)

    # THEN every move is counted once, and nothing is pending
    assert counters(dynamodb) == totals({"pending": 1, "completed": 1}, "10.5")
    assert as_totals(pending_deltas(dynamodb, EVENTS, ORDERS)) == Totals()


def test_shards_reduced_side_by_side_count_what_one_after_another_counts(dynamodb: Any, commits: Commits) -> None:
    # GIVEN commits spread over several ledger shards (moto made safe for threads, as the soak does)
    from concurrent.futures import ThreadPoolExecutor

    from tests.reliability.harness.moto_threads import moto_for_threads

    for _ in range(12):
        commits.commit([(f"o{commits.rng.random()}", P)])
    shards = {item["streamId"]["S"] for item in dynamodb.scan(TableName=EVENTS)["Items"]}
    # WHEN they are reduced with an executor, one thread per shard
    with moto_for_threads(), ThreadPoolExecutor(max_workers=16) as executor:
        report = reduce_ledgers(dynamodb, EVENTS, ORDERS, settle_s=0, clock=lambda: NOW + 3600, executor=executor)
    # THEN every shard's ledgers are counted, once
    assert len(shards) > 1
    assert (report.ledgers, report.committed) == (12, 12)
    assert counters(dynamodb) == totals({"pending": 12})


def test_a_ledger_is_kept_two_weeks_and_drawn_from_the_clock_without_an_rng() -> None:
    # GIVEN a commit's ledger drawn at NOW with no random source given (as the processor draws it)
    ledger = Ledger.new(NOW)
    # WHEN its item is built
    item = ledger_put(EVENTS, ledger, [Move("o-1", 1, None, P)], "2027-01-15T08:00:00Z", NOW)["Item"]
    # THEN DynamoDB's TTL removes it two weeks after the write: long after any reducer run (every
    # minute), so a lagging reducer never loses a move to the TTL
    assert int(item["expiresAt"]["N"]) == int(NOW) + 14 * 24 * 3600
    # AND its shard is one of the sixteen, its sequence the write's microsecond followed by three
    # random digits, so that sequences sort by time across microseconds
    assert 0 <= ledger.shard < 16
    microsecond = int(NOW * 1_000_000)
    assert microsecond * 1000 <= ledger.sequence < (microsecond + 1) * 1000


def test_revenue_goes_to_the_completed_orders_currency_and_a_damaged_amount_counts_no_revenue(
    dynamodb: Any, commits: Commits
) -> None:
    # GIVEN a EUR order, a USD order and one whose head holds no readable amount, each completed
    for order_id, amount, currency in (("eur", "20.25", "EUR"), ("usd", "10.5", "USD"), ("bad", "n/a", "USD")):
        for status in (P, R, C):
            commits.commit([(order_id, status)], amount=amount, currency=currency)
    # WHEN the ledgers are reduced
    reduce(dynamodb)
    # THEN every move is counted, each revenue in its own currency's attribute, the damaged head's none
    assert counters(dynamodb) == Totals(
        {"completed": 3, "pending": 0, "processing": 0}, {"revenue": Decimal("10.5"), "revenue_EUR": Decimal("20.25")}
    )
