"""The order lifecycle: states move forward only, and terminal states are never left."""

from __future__ import annotations

from orders_shared.events import OrderStatus

ALLOWED: dict[OrderStatus, frozenset[OrderStatus]] = {
    OrderStatus.PENDING: frozenset({OrderStatus.PROCESSING, OrderStatus.CANCELLED}),
    OrderStatus.PROCESSING: frozenset({OrderStatus.COMPLETED, OrderStatus.CANCELLED}),
    OrderStatus.COMPLETED: frozenset(),
    OrderStatus.CANCELLED: frozenset(),
}


def can_move(current: OrderStatus, target: OrderStatus) -> bool:
    """True when ``current → target`` is a forward move of the lifecycle."""
    return target in ALLOWED[current]


def is_terminal(status: OrderStatus) -> bool:
    """True for ``completed`` and ``cancelled``."""
    return not ALLOWED[status]
