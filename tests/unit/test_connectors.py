"""The connector registry without I/O: every connector renders every announced event, a provider's answer is
classified (permanent / retry / rate-limited with its Retry-After), and each declaration agrees with the template."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import Any, get_args

import pytest

from baton.connectors.declaration import Connector
from baton.connectors.registry import CHANNELS, CONNECTORS, NAMES, Channel, ConnectorName, allowed_hosts, connector
from baton.domain.errors import Forbidden, Transient
from baton.domain.messages import Message
from baton.domain.models import Integration, Role, WebhookDelivery
from baton.domain.webhook_rules import Classification, ProviderAnswer, retry_after_seconds
from baton.logic import channels
from baton.settings import MissingSettings, Settings
from local.template import Template
from tests.conftest import ROOT
from tests.unit.fakes import person
from tests.unit.test_channels import _event

ANNOUNCED = ("handoff_created", "handoff_escalated", "handoff_overdue")
NOW = datetime(2026, 11, 26, 6, 0, tzinfo=UTC)
CONSOLE = "https://console.example/"


def _integration(channel: str, last4: str) -> Integration:
    return Integration(account_id="acme", channel=channel, last4=last4, updated_at="t", updated_by="u", updated_by_name="U")


def _strings(payload: Any) -> list[str]:
    """Every string in a JSON payload, however it nests."""
    if isinstance(payload, str):
        return [payload]
    if isinstance(payload, dict):
        return [text for value in payload.values() for text in _strings(value)]
    if isinstance(payload, list):
        return [text for value in payload for text in _strings(value)]
    return []


# --- the registry ------------------------------------------------------------------------------------
def test_the_registry_is_the_one_list_of_names() -> None:
    # Given the registry, Then each name is declared once, and the channel and connector types are its names
    assert len(set(NAMES)) == len(CONNECTORS) and {"teams", "slack"} <= set(NAMES)
    assert get_args(Channel) == CHANNELS == tuple(c.name for c in CONNECTORS if c.kind == "chat")
    assert get_args(ConnectorName) == NAMES
    assert all(connector(name).name == name for name in NAMES)


@pytest.mark.parametrize("declared", CONNECTORS, ids=NAMES)
def test_a_connectors_settings_never_hold_its_secret(declared: Connector) -> None:
    # Given a connector's settings model (what the API shows) and its secret's field
    fields = set(declared.settings.model_fields)
    # Then the secret is not a setting, and settings built from the stored integration keep no URL
    assert declared.secret.field not in fields
    if declared.secrets_model is not None:  # a connector with credentials: none of them is a setting
        assert not fields & set(declared.secrets_model.model_fields)
        if declared.app_settings is None:  # a chat tool's app mode keeps its webhook mode's URL where it was
            assert declared.secret.root_setting == "connectors_parameter_path"
            return
    stored = Integration(
        account_id="acme", channel=declared.name, last4="9xYz", updated_at="t", updated_by="u", updated_by_name="U"
    )
    assert declared.settings.model_validate(stored.model_dump()).model_dump(exclude_none=True) == {"last4": "9xYz"}
    assert declared.secret.parameter_name("/baton-dev/integrations/", "acme", declared.name) == (
        f"/baton-dev/integrations/acme/{declared.name}"
    )


@pytest.mark.parametrize("declared", CONNECTORS, ids=NAMES)
def test_a_connectors_allowlist_is_a_template_parameter_every_function_gets(declared: Connector) -> None:
    # Given the template
    template = Template(ROOT / "template.yaml")
    parameter = template.doc["Parameters"][declared.allowlist.parameter]
    # Then the parameter's default is the connector's hosts, and every function has it under the declared variable
    assert tuple(host.strip() for host in parameter["Default"].split(",")) == declared.allowlist.default_hosts
    for name, spec in template.functions().items():
        assert spec.environment[declared.allowlist.variable] == ",".join(declared.allowlist.default_hosts), name


def test_each_connectors_hosts_come_from_its_own_setting() -> None:
    hosts = allowed_hosts({name: "a.example, *.b.example:8443" if name == "teams" else "HOOKS.example" for name in NAMES})
    assert hosts["teams"] == ("a.example", "*.b.example:8443") and hosts["slack"] == ("hooks.example",)


def test_a_missing_allowlist_variable_is_named(monkeypatch: pytest.MonkeyPatch) -> None:
    # Given every setting but Slack's allowlist
    from tests.unit.test_settings import COMPLETE

    for name, value in COMPLETE.items():
        monkeypatch.setenv(name, value)
    monkeypatch.setenv("SLACK_WEBHOOK_HOSTS", " ")
    # When the settings are read, Then the error names the variable the template sets
    with pytest.raises(MissingSettings, match=r"variables: SLACK_WEBHOOK_HOSTS \("):
        Settings.from_env()
    monkeypatch.setenv("SLACK_WEBHOOK_HOSTS", "hooks.slack.com")
    assert Settings.from_env().connector_hosts["slack"] == "hooks.slack.com"


# --- rendering ---------------------------------------------------------------------------------------
@pytest.mark.parametrize("kind", ANNOUNCED)
@pytest.mark.parametrize("declared", CONNECTORS, ids=NAMES)
def test_every_connector_renders_every_announced_event(declared: Connector, kind: str) -> None:
    # Given an announced event's message
    event = _event(kind, overdue_level=2 if kind == "handoff_overdue" else 0)
    assert channels.is_announced(event)
    message = channels.announcement(event, CONSOLE)
    # When the connector renders it
    payload = declared.render(message)
    # Then it is JSON with the title, every fact, the notes and the link to the handoff
    texts = "\n".join(_strings(json.loads(json.dumps(payload))))
    assert message.title[:150] in texts
    assert all(label in texts and value in texts for label, value in message.facts)
    assert message.notes[:100] in texts
    assert "https://console.example/#/handoffs/s1/h1" in texts
    # And the logic's payload of that channel is the connector's rendering
    assert channels.payload(declared.name, message) == payload


@pytest.mark.parametrize("declared", CONNECTORS, ids=NAMES)
def test_every_connector_renders_a_message_without_facts_or_link(declared: Connector) -> None:
    message = Message(title="t", facts=[], notes="n", link=None, link_label="x", accent="good")
    lines = {
        line.strip() for text in _strings(declared.render(message)) for line in text.splitlines()
    }  # a PSA's note is one text
    assert "t" in lines and "x" not in lines


# --- what a provider's answer means ------------------------------------------------------------------
@pytest.mark.parametrize(
    ("answer", "verdict", "retry_after_s"),
    [
        (ProviderAnswer(status=200, body="ok"), "delivered", None),
        (ProviderAnswer(status=202), "delivered", None),
        (ProviderAnswer(status=301), "permanent", None),  # redirects are not followed
        (ProviderAnswer(status=302, retry_after="5"), "permanent", None),
        (ProviderAnswer(status=400, body="invalid_payload"), "permanent", None),
        (ProviderAnswer(status=404, body="channel_not_found"), "permanent", None),
        (ProviderAnswer(status=410), "permanent", None),
        (ProviderAnswer(status=408), "retry", None),
        (ProviderAnswer(status=429), "rate_limited", None),
        (ProviderAnswer(status=429, retry_after="30"), "rate_limited", 30),
        (ProviderAnswer(status=429, retry_after="Thu, 26 Nov 2026 06:02:00 GMT"), "rate_limited", 120),
        (ProviderAnswer(status=429, retry_after="Thu, 26 Nov 2026 05:00:00 GMT"), "rate_limited", 0),  # already past
        (ProviderAnswer(status=429, retry_after="soon"), "rate_limited", None),
        (ProviderAnswer(status=500), "retry", None),
        (ProviderAnswer(status=503, retry_after="120"), "retry", 120),
        (ProviderAnswer(status=None, error="ReadTimeoutError"), "retry", None),
    ],
)
@pytest.mark.parametrize("declared", CONNECTORS, ids=NAMES)
def test_how_each_connector_classifies_an_answer(
    declared: Connector, answer: ProviderAnswer, verdict: str, retry_after_s: int | None, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr("baton.domain.webhook_rules.utc_now", lambda: NOW)
    assert declared.classify(answer) == Classification.model_validate({"verdict": verdict, "retry_after_s": retry_after_s})


def test_a_retry_after_date_without_a_zone_is_gmt() -> None:
    assert retry_after_seconds("Thu, 26 Nov 2026 06:00:30 -0000", NOW) == 30


class _Store:
    """One account's webhook of every channel, and the deliveries recorded."""

    def __init__(self) -> None:
        self.recorded: list[WebhookDelivery] = []

    def webhook_url(self, account_id: str, channel: str) -> str:
        return f"https://hooks.example/{channel}"

    def record_delivery(self, account_id: str, channel: str, delivery: WebhookDelivery) -> None:
        self.recorded.append(delivery)


class _Poster:
    def __init__(self, answer: ProviderAnswer) -> None:
        self.answer = answer

    def post(self, channel: str, url: str, payload: dict[str, Any]) -> ProviderAnswer:
        return self.answer


@pytest.mark.parametrize("channel", CHANNELS)
def test_a_rate_limited_delivery_is_retried_keeping_the_providers_retry_after(channel: str) -> None:
    # Given a provider answering 429 with Retry-After: 30
    store, poster = _Store(), _Poster(ProviderAnswer(status=429, body="rate_limited", retry_after="30"))
    # When an escalation is delivered
    with pytest.raises(Transient) as raised:
        url = store.webhook_url("acme", channel)
        channels.deliver(_event("handoff_created"), channel, url, store, poster, CONSOLE)  # type: ignore[arg-type]
    # Then it is left for a retry, saying when the provider asked for it, and recorded as retrying
    assert raised.value.extra == {"provider_status": 429, "verdict": "rate_limited", "retry_after_s": 30}
    assert [delivery.outcome for delivery in store.recorded] == ["retrying"]


def test_the_connectors_list_is_for_owners_and_admins_and_shows_settings_not_secrets() -> None:
    class Listed:
        def list(self, account_id: str) -> list[Integration]:
            return [_integration("slack", "WXYZ")]

    found = channels.list_connectors(person(Role.ADMIN), Listed())  # type: ignore[arg-type]
    assert [state.name for state in found] == list(NAMES)
    listed = {state.name: (state.kind, state.configured, state.model_dump()["settings"]) for state in found}
    # (a chat tool with an app mode shows its app's settings too, empty until it is set up; never a secret)
    assert listed["teams"][:2] == ("chat", False) and set(listed["teams"][2].values()) == {None}
    assert "last4" in listed["teams"][2] and not {"app_id", "app_password"} & set(listed["teams"][2])
    assert listed["slack"] == ("chat", True, {"last4": "WXYZ"})
    with pytest.raises(Forbidden, match="admin or owner"):
        channels.list_connectors(person(Role.ENGINEER), Listed())  # type: ignore[arg-type]
