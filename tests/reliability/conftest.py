"""Fixtures of the reliability suite: moto made thread-safe, the processor's stack, an applier.

The helpers themselves live in ``tests/reliability/harness/`` (free of pytest, so that the soak
script can use them too).
"""

from __future__ import annotations

import itertools
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor

import pytest
from moto import mock_aws

from order_processor.applier import BatchApplier
from tests.reliability.harness.faults import FaultInjector
from tests.reliability.harness.moto_threads import moto_for_threads
from tests.reliability.harness.stack import Stack
from tests.support.aws import use_fake_credentials

_stacks = itertools.count()


@pytest.fixture(autouse=True)
def fake_aws_credentials(monkeypatch: pytest.MonkeyPatch) -> None:
    """Fake credentials for every test."""
    use_fake_credentials(monkeypatch)


@pytest.fixture
def aws() -> Iterator[None]:
    """moto's in-process AWS, with its transport serialised for threads (see ``moto_for_threads``)."""
    with mock_aws(), moto_for_threads():
        yield


@pytest.fixture
def stack(aws: None) -> Stack:
    """Orders and EventStore tables, the processor's DLQ, the topic and a subscribed inbox queue."""
    return Stack(f"t{next(_stacks)}")


@pytest.fixture
def executor() -> Iterator[ThreadPoolExecutor]:
    """The applier's per-order workers, as in the handler (fewer: this machine has two cores)."""
    with ThreadPoolExecutor(max_workers=4) as pool:
        yield pool


@pytest.fixture
def make_applier(stack: Stack, executor: ThreadPoolExecutor) -> Callable[[FaultInjector], BatchApplier]:
    """The real BatchApplier on the stack, its clients wired to a given fault injector."""
    return lambda injector: stack.applier(injector, executor)


@pytest.fixture(scope="module")
def shared_stack() -> Iterator[Stack]:
    """One moto and one stack for a whole module, for tests that only add new orders and drain the DLQ.

    Starting moto and creating the resources costs more than many a test; tests sharing them must
    use fresh order ids and leave the dead-letter queue empty.
    """
    with pytest.MonkeyPatch.context() as patch:
        use_fake_credentials(patch)
        with mock_aws(), moto_for_threads():
            yield Stack(f"m{next(_stacks)}")


@pytest.fixture(scope="module")
def shared_applier(shared_stack: Stack) -> Iterator[BatchApplier]:
    """The real BatchApplier on the module's stack, without faults."""
    with ThreadPoolExecutor(max_workers=4) as pool:
        yield shared_stack.applier(FaultInjector(seed=0, rate=0.0), pool)


@pytest.fixture
def applier(make_applier: Callable[[FaultInjector], BatchApplier]) -> BatchApplier:
    """The real BatchApplier on the stack, without faults."""
    return make_applier(FaultInjector(seed=0, rate=0.0))
