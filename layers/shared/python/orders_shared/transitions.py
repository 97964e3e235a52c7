"""The order lifecycle: states move forward only, and terminal states are never left.

One source of truth for the processor's decisions (and for anything that folds a stream of events
back into a state).
"""

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


def can_reach(current: OrderStatus, target: OrderStatus) -> bool:
    """True when ``target`` lies ahead of ``current`` on some path of the lifecycle.

    ``pending → completed`` is reachable (through ``processing``) though not a single move: such an
    event has overtaken the one before it, and is worth retrying rather than ignoring.
    """
    frontier, seen = [current], {current}
    while frontier:
        for step in ALLOWED[frontier.pop()]:
            if step == target:
                return True
            if step not in seen:
                seen.add(step)
                frontier.append(step)
    return False


def rank(status: OrderStatus) -> int:
    """Position in the lifecycle (pending 0, processing 1, completed and cancelled 2)."""
    return {OrderStatus.PENDING: 0, OrderStatus.PROCESSING: 1}.get(status, 2)
