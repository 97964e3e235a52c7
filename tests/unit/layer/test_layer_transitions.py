"""The order lifecycle: forward moves only, terminal states never left."""

from __future__ import annotations

import pytest

from orders_shared.events import OrderStatus
from orders_shared.transitions import can_move

PENDING, PROCESSING, COMPLETED, CANCELLED = (
    OrderStatus.PENDING,
    OrderStatus.PROCESSING,
    OrderStatus.COMPLETED,
    OrderStatus.CANCELLED,
)


@pytest.mark.parametrize(
    ("current", "target"),
    [(PENDING, PROCESSING), (PENDING, CANCELLED), (PROCESSING, COMPLETED), (PROCESSING, CANCELLED)],
)
def test_can_move_allows_forward_move(current: OrderStatus, target: OrderStatus) -> None:
    # GIVEN an order in `current`
    # WHEN it is asked to move forward to `target`
    allowed = can_move(current, target)
    # THEN the lifecycle allows it
    assert allowed is True


@pytest.mark.parametrize("current", [COMPLETED, CANCELLED])
@pytest.mark.parametrize("target", list(OrderStatus))
def test_can_move_refuses_leaving_terminal_state(current: OrderStatus, target: OrderStatus) -> None:
    # GIVEN an order that is completed or cancelled
    # WHEN any move is asked of it
    allowed = can_move(current, target)
    # THEN it is refused: terminal states are never left
    assert allowed is False


def test_can_move_refuses_backward_move() -> None:
    # GIVEN an order already processing
    # WHEN it is asked to go back to pending
    allowed = can_move(PROCESSING, PENDING)
    # THEN the move is refused
    assert allowed is False


@pytest.mark.parametrize("status", list(OrderStatus))
def test_can_move_refuses_same_state(status: OrderStatus) -> None:
    # GIVEN an order in some state
    # WHEN it is asked to move to the state it is in
    allowed = can_move(status, status)
    # THEN nothing moves
    assert allowed is False


def test_can_move_refuses_skipping_processing() -> None:
    # GIVEN a pending order
    # WHEN it is asked to complete without being processed
    allowed = can_move(PENDING, COMPLETED)
    # THEN the lifecycle refuses the skip
    assert allowed is False


@pytest.mark.parametrize(
    ("status", "terminal"), [(PENDING, False), (PROCESSING, False), (COMPLETED, True), (CANCELLED, True)]
)
def test_can_move_leaves_only_completed_and_cancelled_without_a_way_out(status: OrderStatus, terminal: bool) -> None:
    # GIVEN a status
    # WHEN every move out of it is asked for
    moves = [target for target in OrderStatus if can_move(status, target)]
    # THEN only completed and cancelled have none
    assert (moves == []) is terminal
