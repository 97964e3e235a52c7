"""The processor's settings: every variable required, a missing one named."""

from __future__ import annotations

import pytest

from order_processor.settings import Settings
from orders_shared.errors import ConfigurationError

COMPLETE = {
    "ORDERS_TABLE_NAME": "Orders",
    "EVENT_STORE_TABLE_NAME": "EventStore",
    "NOTIFICATIONS_TOPIC_ARN": "arn:aws:sns:us-east-1:123456789012:notifications",
    "DEAD_LETTER_QUEUE_URL": "https://sqs.us-east-1.amazonaws.com/123456789012/order-events-dlq",
    "STAGE": "dev",
    "MAX_RECEIVE_COUNT": "5",
}


def test_settings_from_env_reads_every_variable() -> None:
    # GIVEN an environment with every variable
    # WHEN the settings are read
    settings = Settings.from_env(COMPLETE)
    # THEN each lands in its field
    assert settings == Settings(
        orders_table="Orders",
        event_store_table="EventStore",
        notifications_topic_arn="arn:aws:sns:us-east-1:123456789012:notifications",
        dead_letter_queue_url="https://sqs.us-east-1.amazonaws.com/123456789012/order-events-dlq",
        stage="dev",
        max_receive_count=5,
    )


@pytest.mark.parametrize("missing", sorted(COMPLETE))
def test_settings_from_env_names_missing_variable(missing: str) -> None:
    # GIVEN an environment without one variable
    environ = {name: value for name, value in COMPLETE.items() if name != missing}
    # WHEN the settings are read
    # THEN a ConfigurationError names the missing variable
    with pytest.raises(ConfigurationError, match=missing):
        Settings.from_env(environ)


def test_settings_from_env_refuses_empty_variable() -> None:
    # GIVEN a variable that is set but empty
    environ = {**COMPLETE, "DEAD_LETTER_QUEUE_URL": ""}
    # WHEN the settings are read
    # THEN it counts as missing, by name
    with pytest.raises(ConfigurationError, match="DEAD_LETTER_QUEUE_URL"):
        Settings.from_env(environ)


def test_settings_from_env_reads_process_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    # GIVEN the variables in the process environment (as Lambda sets them)
    for name, value in COMPLETE.items():
        monkeypatch.setenv(name, value)
    # WHEN the settings are read without an explicit mapping
    settings = Settings.from_env()
    # THEN they come from os.environ
    assert settings.stage == "dev"
    assert settings.orders_table == "Orders"


@pytest.mark.parametrize("raw", ["five", "0", "-1"])
def test_settings_from_env_refuses_a_max_receive_count_that_is_not_a_positive_integer(raw: str) -> None:
    # GIVEN a MAX_RECEIVE_COUNT that is not a whole number of at least 1
    environ = {**COMPLETE, "MAX_RECEIVE_COUNT": raw}
    # WHEN the settings are read
    # THEN a ConfigurationError names the variable
    with pytest.raises(ConfigurationError, match="MAX_RECEIVE_COUNT"):
        Settings.from_env(environ)
