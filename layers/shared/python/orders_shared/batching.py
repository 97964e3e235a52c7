"""Splitting work into the batches AWS batch APIs accept (a count limit, and a size limit)."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator


def batches[T](
    items: Iterable[T],
    *,
    max_items: int,
    max_bytes: int | None = None,
    size_of: Callable[[T], int] | None = None,
) -> Iterator[list[T]]:
    """Consecutive batches of at most ``max_items`` items and, when given, ``max_bytes`` in total.

    Order is kept; an item larger than ``max_bytes`` on its own goes alone (the caller decides
    whether such an item may be sent at all). ``size_of`` is required with ``max_bytes``.
    """
    if max_items < 1:
        raise ValueError(f"max_items must be at least 1, not {max_items}")
    if max_bytes is not None and size_of is None:
        raise ValueError("max_bytes needs size_of")
    batch: list[T] = []
    total = 0
    for item in items:
        size = size_of(item) if size_of is not None and max_bytes is not None else 0
        if batch and (len(batch) == max_items or (max_bytes is not None and total + size > max_bytes)):
            yield batch
            batch, total = [], 0
        batch.append(item)
        total += size
    if batch:
        yield batch
