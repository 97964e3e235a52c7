"""batches: the one chunking helper, by count and size or by count alone; map_batches: running them."""

from __future__ import annotations

import threading
from concurrent.futures import ThreadPoolExecutor

import pytest

from orders_shared.batching import batches, map_batches


def test_batches_by_count_alone_cut_at_max_items() -> None:
    # GIVEN 25 items and no size limit
    # WHEN they are split ten at a time
    chunks = list(batches(range(25), max_items=10))
    # THEN the batches hold 10, 10 and 5 items, in order
    assert chunks == [list(range(10)), list(range(10, 20)), list(range(20, 25))]


def test_batches_by_size_cut_before_the_byte_limit() -> None:
    # GIVEN items of 400 bytes and a 1,000-byte limit
    sizes = [400] * 5
    # WHEN they are split
    chunks = list(batches(range(5), max_items=10, max_bytes=1_000, size_of=sizes.__getitem__))
    # THEN no batch is over 1,000 bytes: two items each, then the last one
    assert [[sizes[i] for i in chunk] for chunk in chunks] == [[400, 400], [400, 400], [400]]


@pytest.mark.parametrize(
    ("sizes", "expected"),
    [
        ([600, 400, 1], [[0, 1], [2]]),
        ([600, 401, 1], [[0], [1, 2]]),
        ([1_000, 1], [[0], [1]]),
        ([600, 500, 500], [[0], [1, 2]]),
    ],
    ids=["exactly-the-limit", "one-byte-over", "one-item-at-the-limit", "the-next-batch-exactly-the-limit"],
)
def test_batches_fill_a_batch_up_to_the_byte_limit_itself(sizes: list[int], expected: list[list[int]]) -> None:
    # GIVEN items whose sizes reach a 1,000-byte limit exactly, or pass it by one byte
    # (SNS takes a PublishBatch of exactly its limit: the limit is a maximum, not a bound to stay under)
    # WHEN they are split
    chunks = list(batches(range(len(sizes)), max_items=10, max_bytes=1_000, size_of=sizes.__getitem__))
    # THEN a batch holds up to the limit itself, and the next item starts a new batch with its own size only
    assert chunks == expected


def test_batches_of_one_item_each() -> None:
    # GIVEN a count limit of one (the smallest that works)
    # WHEN three items are split
    # THEN each goes alone
    assert list(batches("abc", max_items=1)) == [["a"], ["b"], ["c"]]


def test_batches_send_an_oversized_item_alone() -> None:
    # GIVEN an item larger than the limit between two small ones
    sizes = [10, 5_000, 10]
    # WHEN they are split
    chunks = list(batches(range(3), max_items=10, max_bytes=1_000, size_of=sizes.__getitem__))
    # THEN the large one travels alone and order is kept
    assert chunks == [[0], [1], [2]]


def test_batches_of_nothing_are_none() -> None:
    # GIVEN no items
    # WHEN they are split
    # THEN there is no batch (not one empty batch)
    assert list(batches([], max_items=10)) == []


@pytest.mark.parametrize(
    "kwargs",
    [{"max_items": 0}, {"max_items": 10, "max_bytes": 100}, {"max_items": 10, "size_of": len}],
    ids=["no-room", "bytes-without-size", "size-without-bytes"],
)
def test_batches_refuse_limits_that_cannot_work(kwargs: dict[str, object]) -> None:
    # GIVEN limits that cannot split anything sensibly
    # WHEN batches are asked for
    with pytest.raises(ValueError, match=r"max_items|max_bytes") as raised:
        list(batches(["a"], **kwargs))  # type: ignore[arg-type]
    # THEN a ValueError says which limit is wrong
    expected = "max_items must be at least 1" if kwargs["max_items"] == 0 else "max_bytes and size_of go together"
    assert str(raised.value) == expected


def test_map_batches_on_an_executor_runs_there_and_keeps_the_batches_order() -> None:
    # GIVEN a call that notes the thread it runs in
    threads: list[int] = []

    def call(n: int) -> int:
        threads.append(threading.get_ident())
        return n * 10

    # WHEN four batches, then two (the fewest worth the hand-off), run with an executor
    with ThreadPoolExecutor(max_workers=2) as executor:
        results = map_batches(call, [0, 1, 2, 3], executor)
        pair = map_batches(call, [4, 5], executor)
    # THEN every call ran on the executor, not in the calling thread, and each result stands at its batch's place
    assert results == [0, 10, 20, 30]
    assert pair == [40, 50]
    assert len(threads) == 6
    assert threading.get_ident() not in threads


@pytest.mark.parametrize(("count", "use_executor"), [(3, False), (1, True)], ids=["no-executor", "one-batch"])
def test_map_batches_runs_in_the_calling_thread_without_an_executor_or_for_one_batch(
    count: int, *, use_executor: bool
) -> None:
    # GIVEN a call that notes the thread it runs in
    threads: list[int] = []

    def call(n: int) -> int:
        threads.append(threading.get_ident())
        return n

    # WHEN the batches run without an executor, or a single batch runs with one
    with ThreadPoolExecutor(max_workers=2) as executor:
        results = map_batches(call, list(range(count)), executor if use_executor else None)
    # THEN every call ran in the calling thread, in order
    assert results == list(range(count))
    assert threads == [threading.get_ident()] * count
