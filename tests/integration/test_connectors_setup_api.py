"""Setting up a PSA connector through the API handler on moto, against the ConnectWise stand-in on loopback HTTPS:
PUT checks the keys and registers baton's callback, members are matched by email and corrected, test calls the PSA,
DELETE unregisters; owners and admins of the account only; another account's connector is another connector.
Then a callback the stand-in signs reaches the hooks function: verified, it escalates; forged, it is 401."""

from __future__ import annotations

import base64
import json
import threading
import time
from typing import Any

import boto3
import pytest
from moto.dynamodb.models import DynamoDBBackend

from baton.domain.models import User
from baton.repositories.connectors import ConnectorRepository
from local.providers.connectwise import ConnectWiseStandIn, sign
from local.providers.server import ProviderServer
from tests.integration.conftest import ApiClient, lambda_context

CONNECTOR = "/api/v1/account/connectors/connectwise"


def _body(server: ProviderServer, account: str = "acme", private_key: str | None = None) -> dict[str, Any]:
    return {
        "settings": {"site": server.standins["connectwise"].host, "company_id": account, "escalation_status": "Escalate to T2"},
        "secrets": {"public_key": f"{account}public", "private_key": private_key or f"{account}private", "client_id": "cid"},
    }


def _cw(server: ProviderServer) -> ConnectWiseStandIn:
    standin = server.standins["connectwise"]
    assert isinstance(standin, ConnectWiseStandIn)
    return standin


def test_an_owner_connects_connectwise_and_the_account_lists_it_configured(
    api: ApiClient, users: dict[str, User], standins: ProviderServer
) -> None:
    owner = users["owner@acme.test"]
    # When acme's owner saves the connector with the stand-in's keys
    reply = api.call("PUT", CONNECTOR, owner, _body(standins))
    # Then it is configured, shows its settings and never a key
    assert reply.status == 200, reply.body
    assert reply.body["configured"] is True and reply.body["kind"] == "psa"
    assert reply.body["settings"]["company_id"] == "acme" and "acmeprivate" not in json.dumps(reply.body)
    # And the stand-in has baton's callback, pointing at acme's hook
    [callback] = _cw(standins).companies["acme"].callbacks.values()
    assert callback["url"].endswith("/hooks/connectwise/acme") and callback["isSelfSuppressedFlag"] is True
    # And the members were matched by email
    members = api.call("GET", f"{CONNECTOR}/members", owner).body
    mapped = {row["email"]: (row["external_id"], row["matched_by"]) for row in members["members"]}
    assert mapped["senior@acme.test"] == ("asenior", "email") and mapped["owner@acme.test"] == (None, None)
    assert users["owner@acme.test"].id in members["unmatched"]
    # And the test call goes through
    assert api.call("POST", f"{CONNECTOR}/test", owner).body["ok"] is True
    # And globex, which set nothing up, sees it unconfigured
    listed = {c["name"]: c for c in api.call("GET", "/api/v1/account/connectors", users["admin@globex.test"]).body}
    assert listed["connectwise"]["configured"] is False


def test_wrong_keys_or_a_site_off_the_allowlist_are_a_422_and_store_nothing(
    api: ApiClient, users: dict[str, User], standins: ProviderServer
) -> None:
    owner = users["owner@acme.test"]
    refused = api.call("PUT", CONNECTOR, owner, _body(standins, private_key="wrong"))
    assert refused.status == 422 and "ConnectWise PSA answered 401" in refused.body["detail"]
    elsewhere = _body(standins)
    elsewhere["settings"]["site"] = "evil.example"
    assert api.call("PUT", CONNECTOR, owner, elsewhere).status == 422
    missing = api.call("PUT", CONNECTOR, owner, {"settings": {}, "secrets": {}})
    assert missing.status == 422 and missing.body["errors"]
    listed = {c["name"]: c for c in api.call("GET", "/api/v1/account/connectors", owner).body}
    assert listed["connectwise"]["configured"] is False


def test_the_member_map_is_corrected_by_hand_and_checked(
    api: ApiClient, users: dict[str, User], standins: ProviderServer
) -> None:
    admin, owner = users["admin@acme.test"], users["owner@acme.test"]
    assert api.call("PUT", CONNECTOR, admin, _body(standins)).status == 200
    # When the admin maps the owner to a ConnectWise member by hand (and keeps the senior)
    wanted = [{"user_id": owner.id, "external_id": "aadmin"}, {"user_id": users["senior@acme.test"].id, "external_id": "asenior"}]
    reply = api.call("PUT", f"{CONNECTOR}/members", admin, {"members": wanted})
    assert reply.status == 200, reply.body
    rows = {row["user_id"]: (row["external_id"], row["matched_by"]) for row in reply.body["members"]}
    assert rows[owner.id] == ("aadmin", "manual") and rows[users["senior@acme.test"].id] == ("asenior", "email")
    assert rows[users["senior2@acme.test"].id] == (None, None)  # left out: unmapped
    # And a member of another account, or someone ConnectWise never listed, is refused
    foreign = [{"user_id": users["senior@globex.test"].id, "external_id": "asenior"}]
    assert api.call("PUT", f"{CONNECTOR}/members", admin, {"members": foreign}).status == 422
    unknown = [{"user_id": owner.id, "external_id": "nobody"}]
    assert api.call("PUT", f"{CONNECTOR}/members", admin, {"members": unknown}).status == 422


def test_delete_unregisters_the_callback_and_forgets_the_keys(
    api: ApiClient, users: dict[str, User], standins: ProviderServer
) -> None:
    owner = users["owner@acme.test"]
    assert api.call("PUT", CONNECTOR, owner, _body(standins)).status == 200
    assert api.call("DELETE", CONNECTOR, owner).status == 204
    assert _cw(standins).companies["acme"].callbacks == {}
    assert api.call("DELETE", CONNECTOR, owner).status == 404
    assert api.call("POST", f"{CONNECTOR}/test", owner).status == 404


# --- the authorization matrix of the new endpoints -----------------------------------------------------------
ENDPOINTS = [
    ("PUT", CONNECTOR),
    ("DELETE", CONNECTOR),
    ("POST", f"{CONNECTOR}/test"),
    ("GET", f"{CONNECTOR}/members"),
    ("PUT", f"{CONNECTOR}/members"),
]


@pytest.mark.parametrize(("method", "path"), ENDPOINTS)
@pytest.mark.parametrize("who", ["engineer", "viewer"])
def test_only_owners_and_admins_may_touch_connectors(
    api: ApiClient, users: dict[str, User], standins: ProviderServer, method: str, path: str, who: str
) -> None:
    assert api.call("PUT", CONNECTOR, users["owner@acme.test"], _body(standins)).status == 200
    caller = users["senior@acme.test" if who == "engineer" else "viewer@acme.test"]
    body = _body(standins) if method == "PUT" and path == CONNECTOR else {"members": []} if method == "PUT" else None
    reply = api.call(method, path, caller, body)
    assert reply.status == 403 and "admin" in reply.body["detail"]
    assert _cw(standins).companies["acme"].callbacks  # still connected


@pytest.mark.parametrize(("method", "path"), [e for e in ENDPOINTS if e[0] != "PUT" or e[1] != CONNECTOR])
def test_another_accounts_admin_reaches_only_their_own_connector(
    api: ApiClient, users: dict[str, User], standins: ProviderServer, method: str, path: str
) -> None:
    # Given acme's ConnectWise connector
    assert api.call("PUT", CONNECTOR, users["owner@acme.test"], _body(standins)).status == 200
    # When globex's admin uses the same paths, Then globex has no such connector (404), and acme's is untouched
    reply = api.call(method, path, users["admin@globex.test"], {"members": []} if method == "PUT" else None)
    assert reply.status == 404 and "detail" in reply.body
    assert _cw(standins).companies["acme"].callbacks


def test_an_unknown_connector_name_is_a_404_or_422(api: ApiClient, users: dict[str, User]) -> None:
    reply = api.call("PUT", "/api/v1/account/connectors/nosuch", users["owner@acme.test"], {"settings": {}, "secrets": {}})
    assert reply.status in (404, 422) and "detail" in reply.body


# --- the hook -----------------------------------------------------------------------------------------------
def _hook_event(account: str, body: bytes, signature: str) -> dict[str, Any]:
    return {
        "version": "2.0",
        "routeKey": "POST /hooks/{name}/{account_id}",
        "rawPath": f"/hooks/connectwise/{account}",
        "headers": {"content-type": "application/json", "x-content-signature": signature},
        "requestContext": {"http": {"method": "POST", "path": f"/hooks/connectwise/{account}"}, "domainName": "api.example"},
        "pathParameters": {"name": "connectwise", "account_id": account},
        "isBase64Encoded": True,
        "body": base64.b64encode(body).decode(),
    }


def _callback(standin: ConnectWiseStandIn, ticket: int, status: str = "Escalate to T2", message_id: str | None = None) -> bytes:
    entity = {
        "id": ticket,
        "summary": "Printer on fire",
        "status": {"name": status},
        "closedFlag": False,
        "_info": {"lastUpdated": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()), "updatedBy": "asenior"},
    }
    payload = {
        "MessageId": message_id or f"m-{ticket}",
        "MemberId": "asenior",
        "Type": "ticket",
        "ID": ticket,
        "Entity": json.dumps(entity),
        "Metadata": {"key_url": f"https://{standin.host}/v4_6_release/apis/3.0/system/callbackkey/current"},
    }
    return json.dumps(payload).encode()


def test_a_signed_callback_escalates_once_and_a_forged_one_is_401(
    api: ApiClient, users: dict[str, User], standins: ProviderServer
) -> None:
    import hooks_handler

    assert api.call("PUT", CONNECTOR, users["owner@acme.test"], _body(standins)).status == 200
    standin = _cw(standins)
    body = _callback(standin, 9001)
    # When ConnectWise's signed callback arrives (twice: a retry)
    for _ in range(2):
        result = hooks_handler.handler(_hook_event("acme", body, sign(standin.signing_key, body)), lambda_context())
        assert result["statusCode"] == 200 and json.loads(result["body"]) == {"outcome": "accepted"}, result
    # Then one escalation is in acme's queue, linked to the ticket
    queue = api.call("GET", "/api/v1/ai-sessions/queue", users["senior@acme.test"]).body
    linked = [h for h in queue if (h["session"]["psa_ticket"] or {}).get("id") == "9001"]
    assert len(linked) == 1 and linked[0]["session"]["subject"] == "Printer on fire"
    # And a forged one, or one for an account without the connector, changes nothing
    forged = _callback(standin, 9002)
    refused = hooks_handler.handler(_hook_event("acme", forged, sign("guess", forged)), lambda_context())
    assert refused["statusCode"] == 401 and json.loads(refused["body"])["detail"]
    other = hooks_handler.handler(_hook_event("globex", forged, sign(standin.signing_key, forged)), lambda_context())
    assert other["statusCode"] == 404
    queue = api.call("GET", "/api/v1/ai-sessions/queue", users["senior@acme.test"]).body
    assert not [h for h in queue if (h["session"]["psa_ticket"] or {}).get("id") == "9002"]


def test_two_callbacks_about_one_ticket_at_once_make_one_session_and_one_handoff(
    api: ApiClient, users: dict[str, User], standins: ProviderServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Given two deliveries about one ticket (different MessageIds) handled at once, both reading the ticket's link
    before either writes it, When both run, Then one session and one handoff exist: the loser found the winner's."""
    import hooks_handler

    assert api.call("PUT", CONNECTOR, users["owner@acme.test"], _body(standins)).status == 200
    standin = _cw(standins)
    both_read = threading.Barrier(2)
    first_read = threading.local()
    read = ConnectorRepository.ticket_link

    def read_then_wait(self: ConnectorRepository, account_id: str, name: str, ticket_id: str) -> Any:
        found = read(self, account_id, name, ticket_id)
        if not getattr(first_read, "done", False):  # each call's first read waits for the other's
            first_read.done = True
            both_read.wait(timeout=10)
        return found

    monkeypatch.setattr(ConnectorRepository, "ticket_link", read_then_wait)
    # DynamoDB applies each conditional write atomically; moto checks and writes without a lock: give it one
    one_write = threading.Lock()
    put = DynamoDBBackend.put_item

    def atomic_put(self: DynamoDBBackend, *args: Any, **kwargs: Any) -> Any:
        with one_write:
            return put(self, *args, **kwargs)

    monkeypatch.setattr(DynamoDBBackend, "put_item", atomic_put)
    bodies = [_callback(standin, 9101, message_id=f"m-9101-{n}") for n in (1, 2)]
    answers: list[dict[str, Any]] = []

    def deliver(body: bytes) -> None:
        answers.append(hooks_handler.handler(_hook_event("acme", body, sign(standin.signing_key, body)), lambda_context()))

    threads = [threading.Thread(target=deliver, args=(body,)) for body in bodies]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(30)
    assert sorted(json.loads(a["body"])["outcome"] for a in answers) == ["accepted", "ignored"], answers
    sessions = [
        item
        for item in boto3.client("dynamodb").scan(TableName="DataTable")["Items"]
        if item["sk"]["S"] == "SESSION" and "9101" in json.dumps(item.get("psa_ticket", {}))
    ]
    assert len(sessions) == 1, sessions
    queue = api.call("GET", "/api/v1/ai-sessions/queue", users["senior@acme.test"]).body
    assert len([h for h in queue if (h["session"]["psa_ticket"] or {}).get("id") == "9101"]) == 1
