"""Splitting work into the batches AWS batch APIs accept (a count limit, and maybe a size limit), and running them."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator, Sequence
from concurrent.futures import Executor


def batches[T](
    items: Iterable[T],
    *,
    max_items: int,
    max_bytes: int | None = None,
    size_of: Callable[[T], int] | None = None,
) -> Iterator[list[T]]:
    """Consecutive batches of at most ``max_items`` items and, if given, ``max_bytes`` in total.

    Order is kept; an item larger than ``max_bytes`` on its own goes alone (the caller decides
    whether such an item may be sent at all). Without ``max_bytes`` only the count limits a batch.

    Raises
    ------
    ValueError
        If ``max_items`` is below 1, or only one of ``max_bytes`` and ``size_of`` is given.
    """
    if max_items < 1:
        raise ValueError("max_items must be at least 1")
    if (max_bytes is None) != (size_of is None):
        raise ValueError("max_bytes and size_of go together")
    batch: list[T] = []
    total = 0
    for item in items:
        size = size_of(item) if size_of is not None else 0
        if batch and (len(batch) == max_items or (max_bytes is not None and total + size > max_bytes)):
            yield batch
            batch, total = [], 0
        batch.append(item)
        total += size
    if batch:
        yield batch


def map_batches[T, R](function: Callable[[T], R], batches: Sequence[T], executor: Executor | None = None) -> list[R]:
    """``function`` of each batch, the results in the batches' order.

    With an ``executor`` and more than one batch, the calls run concurrently on it; otherwise they
    run one after another in the calling thread (a single batch is not worth the hand-off). An
    exception raised by a call is raised here.
    """
    if executor is None or len(batches) <= 1:
        return [function(batch) for batch in batches]
    return list(executor.map(function, batches))
