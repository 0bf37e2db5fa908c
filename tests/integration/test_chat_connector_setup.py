"""Saving a chat tool's app through the API handler on moto tries its credentials with the provider first, against
the Slack and Bot Connector stand-ins on loopback HTTPS (SLACK_API_URL, BOT_TOKEN_URL pointed at them): Slack's
auth.test with the bot token, a client-credentials token from the bot's Entra tenant. A wrong token, secret or
tenant is a 422 with the provider's words and nothing is saved; the connector's test tries them again."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from baton.domain.models import User
from local.providers.bot_connector import BotConnectorStandIn
from local.providers.server import ProviderServer
from local.providers.slack_api import SlackStandIn
from tests.integration.conftest import ApiClient, clear_handler_caches

CONNECTORS = "/api/v1/account/connectors"


@pytest.fixture
def chat_apis(standins: ProviderServer, monkeypatch: pytest.MonkeyPatch) -> Iterator[ProviderServer]:
    """The functions' chat API bases are the stand-ins, as under `make dev`."""
    for name, value in standins.api_bases().items():
        monkeypatch.setenv(name, value)
    clear_handler_caches()
    yield standins
    clear_handler_caches()


def _slack(server: ProviderServer) -> SlackStandIn:
    standin = server.standins["slack"]
    assert isinstance(standin, SlackStandIn)
    return standin


def _teams(server: ProviderServer) -> BotConnectorStandIn:
    standin = server.standins["teams"]
    assert isinstance(standin, BotConnectorStandIn)
    return standin


def _slack_body(server: ProviderServer, bot_token: str | None = None) -> dict[str, Any]:
    app = _slack(server).apps["acme"]
    return {
        "settings": {"channel_id": app["channel_id"]},
        "secrets": {"bot_token": bot_token or app["bot_token"], "signing_secret": app["signing_secret"]},
    }


def _teams_body(server: ProviderServer, **changes: str) -> dict[str, Any]:
    bot = {**_teams(server).bots["acme"], **changes}
    return {
        "settings": {"tenant_id": bot["tenant_id"], "service_url": bot["service_url"], "conversation_id": bot["conversation_id"]},
        "secrets": {"app_id": bot["app_id"], "app_password": bot["app_password"]},
    }


def _configured(api: ApiClient, owner: User, name: str) -> bool:
    listed = {c["name"]: c for c in api.call("GET", CONNECTORS, owner).body}
    return bool(listed[name]["configured"])


def test_a_slack_app_whose_bot_token_slack_does_not_know_is_a_422_and_nothing_is_saved(
    api: ApiClient, users: dict[str, User], chat_apis: ProviderServer
) -> None:
    owner = users["owner@acme.test"]
    # When acme's owner saves the Slack app with a bot token of no workspace
    refused = api.call("PUT", f"{CONNECTORS}/slack", owner, _slack_body(chat_apis, bot_token="xoxb-0000-not-a-token"))
    # Then it is a 422 that says what Slack said, and nothing is saved
    assert refused.status == 422, refused.body
    assert "Slack refused the bot token (invalid_auth)" in refused.body["detail"], refused.body
    assert not _configured(api, owner, "slack")
    # And baton asked Slack's auth.test, with that token as the bearer
    [asked] = [call for call in chat_apis.recorder.of("slack") if call["path"] == "/api/auth.test"]
    assert asked["auth_ok"] is False


def test_a_slack_app_slack_knows_is_saved_and_its_test_tries_the_token_again(
    api: ApiClient, users: dict[str, User], chat_apis: ProviderServer
) -> None:
    owner = users["owner@acme.test"]
    # When acme's owner saves the Slack app with its bot token
    saved = api.call("PUT", f"{CONNECTORS}/slack", owner, _slack_body(chat_apis))
    # Then Slack's auth.test took the token, and the app is configured
    assert saved.status == 200, saved.body
    assert saved.body["configured"] is True and saved.body["settings"]["channel_id"]
    assert [call["auth_ok"] for call in chat_apis.recorder.of("slack") if call["path"] == "/api/auth.test"] == [True]
    assert api.call("POST", f"{CONNECTORS}/slack/test", owner).body["ok"] is True
    # When the token is revoked in Slack (the workspace's app has another one now)
    _slack(chat_apis).apps["acme"]["bot_token"] = "xoxb-local-acme-reinstalled"
    # Then the connector's test says Slack refuses it
    tested = api.call("POST", f"{CONNECTORS}/slack/test", owner).body
    assert tested["ok"] is False and "invalid_auth" in tested["detail"]


@pytest.mark.parametrize(
    ("wrong", "entra_says"),
    [
        ("app_password", "AADSTS7000215"),  # a wrong client secret: 401 invalid_client
        ("tenant_id", "AADSTS700016"),  # the app is not registered in that (another account's) tenant
        ("unknown_tenant", "AADSTS90002"),  # no such tenant
    ],
)
def test_a_teams_bot_entra_refuses_is_a_422_with_its_aadsts_code_and_nothing_is_saved(
    api: ApiClient, users: dict[str, User], chat_apis: ProviderServer, wrong: str, entra_says: str
) -> None:
    owner = users["owner@acme.test"]
    changes = {
        "app_password": {"app_password": "not-the-secret"},
        "tenant_id": {"tenant_id": _teams(chat_apis).bots["globex"]["tenant_id"]},
        "unknown_tenant": {"tenant_id": "00000000-0000-0000-0000-000000000000"},
    }[wrong]
    # When acme's owner saves the Teams bot with that wrong
    refused = api.call("PUT", f"{CONNECTORS}/teams", owner, _teams_body(chat_apis, **changes))
    # Then it is a 422 that says what Entra said, and nothing is saved
    assert refused.status == 422, refused.body
    assert "Entra refused the bot's credentials" in refused.body["detail"] and entra_says in refused.body["detail"]
    assert not _configured(api, owner, "teams")


def test_a_teams_bot_entra_gives_a_token_is_saved(api: ApiClient, users: dict[str, User], chat_apis: ProviderServer) -> None:
    owner = users["owner@acme.test"]
    saved = api.call("PUT", f"{CONNECTORS}/teams", owner, _teams_body(chat_apis))
    assert saved.status == 200, saved.body
    assert saved.body["configured"] is True
    token_calls = [call for call in chat_apis.recorder.of("teams") if call["path"].startswith("/entra/")]
    assert [call["answered"] for call in token_calls] == [200]
    assert api.call("POST", f"{CONNECTORS}/teams/test", owner).body["ok"] is True
