"""Splitting work into the batches AWS batch APIs accept (a count limit, and maybe a size limit)."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator


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
