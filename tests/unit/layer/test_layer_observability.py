"""The tracer: Powertools' only where X-Ray can trace, patching botocore alone; a stand-in elsewhere."""

from __future__ import annotations

from typing import Any, ClassVar

import aws_lambda_powertools
import pytest

from orders_shared import observability


class _SpyTracer:
    built: ClassVar[list[dict[str, Any]]] = []

    def __init__(self, **kwargs: Any) -> None:
        _SpyTracer.built.append(kwargs)


@pytest.fixture
def spy(monkeypatch: pytest.MonkeyPatch) -> list[dict[str, Any]]:
    _SpyTracer.built = []
    monkeypatch.setattr(aws_lambda_powertools, "Tracer", _SpyTracer)
    return _SpyTracer.built


def test_on_lambda_with_tracing_the_tracer_patches_botocore_only(
    monkeypatch: pytest.MonkeyPatch, spy: list[dict[str, Any]]
) -> None:
    monkeypatch.setenv("AWS_LAMBDA_FUNCTION_NAME", "order-processor")
    monkeypatch.delenv("POWERTOOLS_TRACE_DISABLED", raising=False)
    built = observability._build_tracer()
    assert isinstance(built, _SpyTracer)
    assert spy == [{"patch_modules": ("botocore",)}]


@pytest.mark.parametrize("disabled", ["true", "1"])
def test_with_tracing_disabled_the_stand_in_is_used_and_no_tracer_built(
    monkeypatch: pytest.MonkeyPatch, spy: list[dict[str, Any]], disabled: str
) -> None:
    monkeypatch.setenv("AWS_LAMBDA_FUNCTION_NAME", "order-processor")
    monkeypatch.setenv("POWERTOOLS_TRACE_DISABLED", disabled)
    assert isinstance(observability._build_tracer(), observability._NoTracer)
    assert spy == []
