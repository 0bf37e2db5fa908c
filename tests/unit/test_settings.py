"""Settings: every one is required, and a missing one is named at the first invocation."""

from __future__ import annotations

import pytest

from baton.connectors.registry import CONNECTORS
from baton.settings import MissingSettings, Settings

COMPLETE = {
    "DATA_TABLE_NAME": "DataTable",
    "CONNECTIONS_TABLE_NAME": "ConnectionsTable",
    "IDEMPOTENCY_TABLE_NAME": "IdempotencyTable",
    "EVENTS_TOPIC_ARN": "arn:aws:sns:us-east-1:123456789012:EventsTopic",
    "WEBSOCKET_URL": "wss://example.execute-api.us-east-1.amazonaws.com/dev",
    "WEBSOCKET_MANAGEMENT_URL": "https://example.execute-api.us-east-1.amazonaws.com/dev",
    "SENDER_EMAIL": "baton@msp.example",
    "CONSOLE_URL": "https://console.example",
    "STAGE": "dev",
    "INTEGRATIONS_PARAMETER_PATH": "/baton-dev/integrations",
    "CONNECTORS_PARAMETER_PATH": "/baton-dev/connectors",
    # Each connector's host allowlist (TEAMS_WEBHOOK_HOSTS, SLACK_WEBHOOK_HOSTS, ...)
    **{declared.allowlist.variable: ",".join(declared.allowlist.default_hosts) for declared in CONNECTORS},
}


@pytest.fixture
def environment(monkeypatch: pytest.MonkeyPatch) -> pytest.MonkeyPatch:
    for name, value in COMPLETE.items():
        monkeypatch.setenv(name, value)
    return monkeypatch


def test_a_complete_environment_gives_every_setting(environment: pytest.MonkeyPatch) -> None:
    # Given every variable the template sets
    # When the settings are read
    settings = Settings.from_env()
    # Then each one is there
    assert settings.events_topic_arn == COMPLETE["EVENTS_TOPIC_ARN"]
    assert settings.sender_email == "baton@msp.example"


def test_a_missing_or_empty_setting_is_named(environment: pytest.MonkeyPatch) -> None:
    # Given a function whose topic ARN is missing and whose sender is blank
    environment.delenv("EVENTS_TOPIC_ARN")
    environment.setenv("SENDER_EMAIL", "  ")
    # When the settings are read
    with pytest.raises(MissingSettings) as raised:
        Settings.from_env()
    # Then the error names both variables, and nothing else
    assert "EVENTS_TOPIC_ARN, SENDER_EMAIL" in str(raised.value)
    assert "DATA_TABLE_NAME" not in str(raised.value)


def test_every_setting_is_one_the_template_gives_every_function() -> None:
    # Given the functions' environments resolved from template.yaml
    from local.template import Template
    from tests.conftest import ROOT

    functions = Template(ROOT / "template.yaml").functions()
    # Then each function has every setting, non-empty
    for name, spec in functions.items():
        missing = [variable for variable in COMPLETE if not spec.environment.get(variable)]
        assert not missing, f"{name} lacks {missing}"
