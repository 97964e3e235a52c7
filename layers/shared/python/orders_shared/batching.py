"""Splitting work into the batches AWS batch APIs accept (a count limit and a size limit)."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator


def batches[T](items: Iterable[T], *, max_items: int, max_bytes: int, size_of: Callable[[T], int]) -> Iterator[list[T]]:
    """Consecutive batches of at most ``max_items`` items and ``max_bytes`` in total.

    Order is kept; an item larger than ``max_bytes`` on its own goes alone (the caller decides
    whether such an item may be sent at all).
    """
    batch: list[T] = []
    total = 0
    for item in items:
        size = size_of(item)
        if batch and (len(batch) == max_items or total + size > max_bytes):
            yield batch
            batch, total = [], 0
        batch.append(item)
        total += size
    if batch:
        yield batch
