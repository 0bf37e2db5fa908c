"""Teams/Slack webhook settings through the API handler on moto: stored encrypted, never returned, owner/admin only,
one account never sees another's, URLs checked against the rules with a 422 that names the rule."""

from __future__ import annotations

import json

import boto3
import pytest

from baton.domain.models import User
from tests.integration.conftest import ApiClient
from tests.integration.webhook_receiver import ReceiverThread

BASE = "/api/v1/account/integrations"
TEAMS_URL = "https://contoso.webhook.office.com/webhookb2/1111-2222/IncomingWebhook/abc/def-9xYz"
SLACK_URL = "https://hooks.slack.com/services/T000/B000/XXXXsecret1234"
PARAMETER = "/baton-local/integrations/acme/teams"


def _set(api: ApiClient, user: User, channel: str, url: str) -> object:
    return api.call("PUT", f"{BASE}/{channel}", user, {"webhook_url": url})


def test_an_owner_sets_a_teams_webhook_stored_as_a_securestring_and_never_returned(
    api: ApiClient, users: dict[str, User]
) -> None:
    # When acme's owner sets the Teams webhook
    reply = api.call("PUT", f"{BASE}/teams", users["owner@acme.test"], {"webhook_url": TEAMS_URL})
    # Then the answer says configured, with the last 4 characters only
    assert reply.status == 200, reply.body
    assert reply.body["configured"] is True and reply.body["last4"] == "9xYz"
    assert reply.body["updated_by_name"] == users["owner@acme.test"].display_name
    # And the URL is an SSM SecureString under the stack's path, and appears in no answer
    parameter = boto3.client("ssm").get_parameter(Name=PARAMETER, WithDecryption=True)["Parameter"]
    assert parameter["Type"] == "SecureString" and parameter["Value"] == TEAMS_URL
    listed = api.call("GET", BASE, users["admin@acme.test"])
    assert listed.status == 200
    assert listed.body["teams"]["configured"] is True and listed.body["slack"] == {
        "channel": "slack",
        "configured": False,
        "last4": None,
        "updated_at": None,
        "updated_by_name": None,
        "last_delivery": None,
    }
    assert "webhook.office.com" not in json.dumps([reply.body, listed.body])


def test_an_admin_replaces_and_removes_a_webhook(api: ApiClient, users: dict[str, User]) -> None:
    admin = users["admin@acme.test"]
    # Given a Slack webhook, replaced by another
    assert _set(api, admin, "slack", SLACK_URL).status == 200  # type: ignore[attr-defined]
    replaced = api.call("PUT", f"{BASE}/slack", admin, {"webhook_url": SLACK_URL[:-4] + "WXYZ"})
    assert replaced.status == 200 and replaced.body["last4"] == "WXYZ"
    # When the admin removes it
    removed = api.call("DELETE", f"{BASE}/slack", admin)
    # Then 204, the channel is not configured, the parameter is gone, and removing it again is 404
    assert removed.status == 204
    assert api.call("GET", BASE, admin).body["slack"]["configured"] is False
    with pytest.raises(boto3.client("ssm").exceptions.ParameterNotFound):
        boto3.client("ssm").get_parameter(Name="/baton-local/integrations/acme/slack")
    again = api.call("DELETE", f"{BASE}/slack", admin)
    assert again.status == 404 and "Slack" in again.body["detail"]


CALLS = [
    ("GET", BASE, None),
    ("PUT", f"{BASE}/teams", {"webhook_url": TEAMS_URL}),
    ("DELETE", f"{BASE}/teams", None),
    ("POST", f"{BASE}/teams/test", None),
]


@pytest.mark.parametrize("who", ["engineer", "viewer"])
@pytest.mark.parametrize(("method", "path", "body"), CALLS)
def test_engineers_and_viewers_can_neither_see_nor_set_webhooks(
    api: ApiClient, users: dict[str, User], who: str, method: str, path: str, body: object
) -> None:
    # Given acme's Teams webhook set by the owner
    _set(api, users["owner@acme.test"], "teams", TEAMS_URL)
    caller = users["senior@acme.test" if who == "engineer" else "viewer@acme.test"]
    # When an engineer or a viewer calls the endpoint
    reply = api.call(method, path, caller, body)
    # Then 403, naming the roles that may, and the webhook is unchanged
    assert reply.status == 403 and "admin or owner" in reply.body["detail"]
    assert boto3.client("ssm").get_parameter(Name=PARAMETER, WithDecryption=True)["Parameter"]["Value"] == TEAMS_URL


def test_no_account_sees_or_touches_another_accounts_webhooks(api: ApiClient, users: dict[str, User]) -> None:
    # Given acme's Teams webhook
    _set(api, users["owner@acme.test"], "teams", TEAMS_URL)
    globex = users["owner@globex.test"]
    # When globex's owner lists, tests and removes "their" Teams webhook
    listed = api.call("GET", BASE, globex)
    tested = api.call("POST", f"{BASE}/teams/test", globex)
    removed = api.call("DELETE", f"{BASE}/teams", globex)
    # Then globex has none (404 for acting on it), and acme's is untouched
    assert listed.status == 200 and listed.body["teams"]["configured"] is False
    assert tested.status == 404 and removed.status == 404
    assert api.call("GET", BASE, users["owner@acme.test"]).body["teams"]["last4"] == "9xYz"
    # And globex setting its own keeps them apart
    assert _set(api, globex, "teams", TEAMS_URL[:-4] + "GLBX").status == 200  # type: ignore[attr-defined]
    assert api.call("GET", BASE, users["owner@acme.test"]).body["teams"]["last4"] == "9xYz"


@pytest.mark.parametrize(
    ("channel", "url", "rule"),
    [
        ("teams", "http://contoso.webhook.office.com/webhookb2/x", "https"),
        ("teams", "https://evil.example.com/webhookb2/x", "allowlist"),
        ("teams", "https://webhook.office.com.evil.example/x", "allowlist"),
        ("teams", "https://webhook.office.com/x", "allowlist"),  # *.domain is a subdomain, not the domain
        ("teams", "https://contoso.webhook.office.com:8443/x", "allowlist"),  # another port
        ("teams", SLACK_URL, "allowlist"),  # a Slack URL is not a Teams webhook
        ("slack", TEAMS_URL, "allowlist"),
        ("slack", "https://user:pw@hooks.slack.com/services/x", "user name"),
        ("slack", "https://hooks.slack.com/", "path"),
        ("slack", "https://hooks.slack.com/services/a b", "spaces"),
        ("slack", "hooks.slack.com/services/x", "https"),
        ("slack", "https://[::1/x", "valid URL"),
    ],
)
def test_a_url_that_breaks_a_rule_is_422_naming_the_rule(
    api: ApiClient, users: dict[str, User], channel: str, url: str, rule: str
) -> None:
    # When an owner sets a webhook URL that breaks a rule
    reply = _set(api, users["owner@acme.test"], channel, url)
    # Then 422, the detail names the rule, the error points at webhook_url, and nothing is stored
    assert reply.status == 422, reply.body  # type: ignore[attr-defined]
    assert rule in reply.body["detail"]  # type: ignore[attr-defined]
    assert reply.body["errors"][0]["loc"] == ["body", "webhook_url"]  # type: ignore[attr-defined]
    assert api.call("GET", BASE, users["owner@acme.test"]).body[channel]["configured"] is False


@pytest.mark.parametrize(
    ("path", "body"),
    [
        (f"{BASE}/discord", {"webhook_url": TEAMS_URL}),
        (f"{BASE}/teams", {"webhook_url": TEAMS_URL, "channel": "#general"}),
        (f"{BASE}/teams", {}),
        (f"{BASE}/teams", {"webhook_url": 42}),
        (f"{BASE}/teams", {"webhook_url": "https://a.webhook.office.com/" + "x" * 2100}),
    ],
)
def test_malformed_requests_are_422(api: ApiClient, users: dict[str, User], path: str, body: object) -> None:
    reply = api.call("PUT", path, users["owner@acme.test"], body)
    assert reply.status == 422 and reply.body["detail"], reply.body


def test_the_test_message_says_what_the_provider_answered(
    api: ApiClient,
    users: dict[str, User],
    receiver: ReceiverThread,
) -> None:
    owner = users["owner@acme.test"]
    # Given acme's Teams webhook pointing at a (loopback) provider
    assert _set(api, owner, "teams", receiver.url("teams")).status == 200  # type: ignore[attr-defined]
    # When the owner sends a test message
    ok = api.call("POST", f"{BASE}/teams/test", owner)
    # Then it was delivered, as an Adaptive Card, and the answer says so
    assert ok.status == 200 and ok.body == {
        "channel": "teams",
        "delivered": True,
        "provider_status": 200,
        "detail": "Microsoft Teams answered 200: ok.",
    }
    [posted] = receiver.posts()
    assert posted["body"]["attachments"][0]["contentType"] == "application/vnd.microsoft.card.adaptive"
    # When the provider refuses the next one
    receiver.answer(400)
    refused = api.call("POST", f"{BASE}/teams/test", owner)
    # Then the answer says what it answered, and the channel's last delivery shows the refusal
    assert refused.status == 200 and refused.body["delivered"] is False and refused.body["provider_status"] == 400
    assert refused.body["detail"] == "Microsoft Teams answered 400: invalid_payload."
    last = api.call("GET", BASE, owner).body["teams"]["last_delivery"]
    assert last["outcome"] == "rejected" and last["provider_status"] == 400 and last["event_id"] is None


def test_a_provider_that_does_not_answer_in_time_is_said_so(
    api: ApiClient,
    users: dict[str, User],
    receiver: ReceiverThread,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from baton.publishers import webhooks

    owner = users["owner@acme.test"]
    _set(api, owner, "slack", receiver.url("slack"))
    # Given a provider slower than the poster's read timeout
    monkeypatch.setattr(webhooks, "READ_SECONDS", 0.3)
    import api_routes_integrations

    api_routes_integrations.channel_dependencies.cache_clear()
    receiver.answer(200, delay_seconds=1.5)
    # When the owner sends a test message
    reply = api.call("POST", f"{BASE}/slack/test", owner)
    # Then the API answers at once that Slack did not answer
    assert reply.status == 200 and reply.body["delivered"] is False and reply.body["provider_status"] is None
    assert reply.body["detail"].startswith("Slack did not answer")


def test_testing_a_channel_without_a_webhook_is_404(api: ApiClient, users: dict[str, User]) -> None:
    reply = api.call("POST", f"{BASE}/slack/test", users["owner@acme.test"])
    assert reply.status == 404 and "set one first" in reply.body["detail"]
