"""GET /api/v1/account/connectors through the API handler on moto: every connector of the registry with its kind,
whether the account set it up and its settings (never a secret), for owners and admins of that account only."""

from __future__ import annotations

import json

import pytest

from baton.connectors.registry import NAMES
from baton.domain.models import User
from tests.integration.conftest import ApiClient
from tests.integration.webhook_receiver import ReceiverThread

CONNECTORS = "/api/v1/account/connectors"
INTEGRATIONS = "/api/v1/account/integrations"
TEAMS_URL = "https://contoso.webhook.office.com/webhookb2/1111-2222/IncomingWebhook/abc/def-9xYz"
SLACK_URL = "https://hooks.slack.com/services/T000/B000/XXXXsecret1234"


def _by_name(body: object) -> dict[str, dict[str, object]]:
    assert isinstance(body, list)
    return {connector["name"]: connector for connector in body}


def test_an_account_without_connectors_lists_every_one_unconfigured(api: ApiClient, users: dict[str, User]) -> None:
    # When acme's owner lists the connectors of an account that set none up
    reply = api.call("GET", CONNECTORS, users["owner@acme.test"])
    # Then each connector of the registry is there, in its order, not configured, with nothing delivered or received
    assert reply.status == 200, reply.body
    assert [connector["name"] for connector in reply.body] == list(NAMES)
    assert reply.body[0] == {
        "name": "teams",
        "kind": "chat",
        "configured": False,
        # a webhook's last 4 characters, or a bot's tenant, service URL, conversation and keys' metadata (docs/chat.md)
        "settings": {"last4": None, "tenant_id": None, "service_url": None, "conversation_id": None, "openid_metadata_url": None},
        "last_delivery": None,
        "last_inbound": None,
    }


def test_a_configured_webhook_shows_its_settings_and_last_delivery_never_its_url(
    api: ApiClient, users: dict[str, User], receiver: ReceiverThread
) -> None:
    # Given acme's Slack webhook set by the owner, and a test message the provider took
    owner, admin = users["owner@acme.test"], users["admin@acme.test"]
    assert api.call("PUT", f"{INTEGRATIONS}/slack", owner, {"webhook_url": receiver.url("slack")}).status == 200
    assert api.call("POST", f"{INTEGRATIONS}/slack/test", owner).body["delivered"] is True
    # When the admin lists the connectors
    reply = api.call("GET", CONNECTORS, admin)
    # Then Slack is configured, shows the URL's last 4 characters and its last delivery; Teams is not configured
    assert reply.status == 200
    listed = _by_name(reply.body)
    slack = listed["slack"]
    assert slack["configured"] is True and slack["settings"] == {"last4": "abcd"} and slack["last_inbound"] is None
    assert slack["last_delivery"]["outcome"] == "delivered" and slack["last_delivery"]["provider_status"] == 200  # type: ignore[index]
    assert listed["teams"]["configured"] is False
    # And the URL appears nowhere in the answer
    assert receiver.url("slack") not in json.dumps(reply.body) and "secret" not in json.dumps(reply.body)


@pytest.mark.parametrize("who", ["senior@acme.test", "junior@acme.test", "viewer@acme.test"])
def test_engineers_and_viewers_may_not_list_connectors(api: ApiClient, users: dict[str, User], who: str) -> None:
    # When an engineer or a viewer lists the connectors, Then 403, naming the roles that may
    reply = api.call("GET", CONNECTORS, users[who])
    assert reply.status == 403 and "admin or owner" in reply.body["detail"]


def test_no_account_sees_another_accounts_connectors(api: ApiClient, users: dict[str, User]) -> None:
    # Given acme's Teams webhook and globex's Slack webhook
    assert api.call("PUT", f"{INTEGRATIONS}/teams", users["owner@acme.test"], {"webhook_url": TEAMS_URL}).status == 200
    assert api.call("PUT", f"{INTEGRATIONS}/slack", users["owner@globex.test"], {"webhook_url": SLACK_URL}).status == 200
    # When each account's admin lists the connectors
    acme = _by_name(api.call("GET", CONNECTORS, users["admin@acme.test"]).body)
    globex = _by_name(api.call("GET", CONNECTORS, users["admin@globex.test"]).body)
    # Then each sees its own webhook only
    assert (acme["teams"]["configured"], acme["slack"]["configured"]) == (True, False)
    assert acme["teams"]["settings"] == {"last4": "9xYz"}
    assert (globex["teams"]["configured"], globex["slack"]["configured"]) == (False, True)
    assert globex["slack"]["settings"] == {"last4": "1234"}
