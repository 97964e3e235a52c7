"""Settings read from the environment fail loudly, naming the variable."""

from __future__ import annotations

import pytest

from orders_shared.errors import ConfigurationError
from orders_shared.settings import require, require_int


def test_require_returns_the_value_of_a_set_variable() -> None:
    # GIVEN an environment holding the variable
    environ = {"EVENT_BUS_NAME": "orders-bus"}

    # WHEN it is required
    value = require("EVENT_BUS_NAME", environ)

    # THEN its value is returned
    assert value == "orders-bus"


def test_require_reads_the_process_environment_by_default(monkeypatch: pytest.MonkeyPatch) -> None:
    # GIVEN the variable set in the process environment
    monkeypatch.setenv("EVENT_STORE_TABLE", "event-store")

    # WHEN it is required without an explicit mapping
    value = require("EVENT_STORE_TABLE")

    # THEN the process environment is read
    assert value == "event-store"


@pytest.mark.parametrize("environ", [pytest.param({}, id="missing"), pytest.param({"EVENT_BUS_NAME": ""}, id="empty")])
def test_require_raises_configuration_error_naming_the_variable(environ: dict[str, str]) -> None:
    # GIVEN an environment where the variable is missing or empty
    # WHEN it is required
    with pytest.raises(ConfigurationError) as caught:
        require("EVENT_BUS_NAME", environ)

    # THEN the error names the variable
    assert "EVENT_BUS_NAME" in str(caught.value)


def test_require_int_returns_the_integer() -> None:
    # GIVEN an integer setting
    environ = {"MAX_ATTEMPTS": "5"}

    # WHEN it is required as an integer
    value = require_int("MAX_ATTEMPTS", environ, minimum=1)

    # THEN it is parsed
    assert value == 5


def test_require_int_raises_configuration_error_naming_a_missing_variable() -> None:
    # GIVEN an environment without the variable
    # WHEN it is required as an integer
    with pytest.raises(ConfigurationError) as caught:
        require_int("MAX_ATTEMPTS", {})

    # THEN the error names the variable
    assert "MAX_ATTEMPTS" in str(caught.value)


@pytest.mark.parametrize("raw", ["five", "5.0", "0"])
def test_require_int_raises_configuration_error_on_a_bad_value(raw: str) -> None:
    # GIVEN a value that is not an integer, or is below the minimum of 1
    environ = {"MAX_ATTEMPTS": raw}

    # WHEN it is required as an integer of at least 1
    with pytest.raises(ConfigurationError) as caught:
        require_int("MAX_ATTEMPTS", environ, minimum=1)

    # THEN the error names the variable
    assert "MAX_ATTEMPTS" in str(caught.value)
