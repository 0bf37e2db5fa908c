"""The WebSocket authorizer and routes, driven by the sample events in events/, on moto."""

from __future__ import annotations

import json
import time
import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

import boto3
import pytest
from moto.apigatewaymanagementapi.models import apigatewaymanagementapi_backends

from baton.domain.clock import iso
from baton.domain.models import Handoff, User
from baton.logic.realtime import RESUME_LIMIT
from baton.repositories.codec import to_attrs
from baton.repositories.handoffs import handoff_item
from local.template import ACCOUNT, REGION
from tests.conftest import ROOT
from tests.integration.builders import new_handoff
from tests.integration.conftest import ApiClient, lambda_context


def _sample(name: str) -> dict[str, Any]:
    return dict(json.loads((ROOT / "events" / f"{name}.json").read_text()))


def _authorize(ticket: str | None) -> dict[str, Any]:
    import ws_authorizer_handler

    event = _sample("ws_authorizer_connect")
    event["queryStringParameters"] = {"ticket": ticket} if ticket else {}
    return dict(ws_authorizer_handler.handler(event, lambda_context()))


def _ticket(api: ApiClient, user: User) -> str:
    reply = api.call("POST", "/api/v1/ws-ticket", user)
    assert reply.status == 201 and reply.body["url"].endswith(reply.body["ticket"])
    return str(reply.body["ticket"])


def test_a_ticket_admits_its_engineer_once(api: ApiClient, users: dict[str, User]) -> None:
    # Given a ticket issued to an acme senior
    senior = users["senior@acme.test"]
    ticket = _ticket(api, senior)
    # When the authorizer sees it, Then it allows, with the account and user as context
    policy = _authorize(ticket)
    assert policy["policyDocument"]["Statement"][0]["Effect"] == "Allow"
    assert policy["context"] == {"account_id": "acme", "user_id": senior.id, "role": "engineer"}
    # And the same ticket again is denied (API Gateway's 403), not raised: a raise is a Lambda error that pages
    assert _effect(_authorize(ticket)) == "Deny"


def _effect(policy: dict[str, Any]) -> str:
    (statement,) = policy["policyDocument"]["Statement"]
    return str(statement["Effect"])


@pytest.mark.parametrize("ticket", [None, "forged-ticket"])
def test_missing_or_unknown_tickets_are_denied_without_an_error(users: dict[str, User], ticket: str | None) -> None:
    # When the authorizer sees no ticket, or one nobody issued, Then it answers Deny (it does not raise)
    assert _effect(_authorize(ticket)) == "Deny"


def test_an_expired_ticket_is_denied(users: dict[str, User]) -> None:
    boto3.client("dynamodb").put_item(
        TableName="ConnectionsTable",
        Item={
            "pk": {"S": "TICKET#old"},
            "sk": {"S": "TICKET"},
            "user_id": {"S": users["senior@acme.test"].id},
            "expires_at": {"N": str(int(time.time()) - 1)},
        },
    )
    assert _effect(_authorize("old")) == "Deny"


def test_a_user_made_viewer_after_getting_a_ticket_is_denied(api: ApiClient, users: dict[str, User]) -> None:
    senior = users["senior@acme.test"]
    ticket = _ticket(api, senior)
    api.call("PATCH", f"/api/v1/account/users/{senior.id}", users["owner@acme.test"], {"role": "viewer"})
    assert _authorize(ticket)["policyDocument"]["Statement"][0]["Effect"] == "Deny"


def _ws(name: str, connection_id: str, authorizer: dict[str, str], body: dict[str, Any] | None = None) -> dict[str, Any]:
    import ws_handler

    event = _sample(name)
    event["requestContext"]["connectionId"] = connection_id
    event["requestContext"]["authorizer"] = authorizer
    if body is not None:
        event["body"] = json.dumps(body)
    return dict(ws_handler.handler(event, lambda_context()))


def _posted(connection_id: str) -> list[dict[str, Any]]:
    raw = apigatewaymanagementapi_backends[ACCOUNT][REGION].connections[connection_id].data.decode()
    return [json.loads(part) for part in raw.replace("}{", "}\n{").splitlines() if part]


def _connection_row(connection_id: str) -> dict[str, Any] | None:
    item = boto3.client("dynamodb").get_item(
        TableName="ConnectionsTable", Key={"pk": {"S": f"CONN#{connection_id}"}, "sk": {"S": "CONN"}}
    )
    return item.get("Item")


def test_connect_stores_and_disconnect_forgets_the_connection(users: dict[str, User]) -> None:
    caller = {"account_id": "acme", "user_id": users["senior@acme.test"].id}
    assert _ws("ws_connect", "connA", caller) == {"statusCode": 200}
    row = _connection_row("connA")
    assert row and row["account_id"] == {"S": "acme"} and int(row["expires_at"]["N"]) > time.time() + 7000
    assert _ws("ws_disconnect", "connA", caller) == {"statusCode": 200}
    assert _connection_row("connA") is None


def test_hello_ping_and_unknown_actions_answer_on_the_connection(users: dict[str, User]) -> None:
    caller = {"account_id": "acme", "user_id": users["senior@acme.test"].id}
    _ws("ws_hello", "connB", caller)
    _ws("ws_ping", "connB", caller)
    _ws("ws_default", "connB", caller, {"action": "dance"})
    ready, pong, error = _posted("connB")
    assert ready == {"type": "ready", "account_id": "acme", "user_id": caller["user_id"], "connection_id": "connB"}
    # (issue 24: the pong carries the account's newest change time; none yet in this fresh account)
    assert pong == {"type": "pong", "changed_at": None} and "dance" in error["detail"]


def test_resume_sends_snapshots_of_the_callers_account_only(api: ApiClient, users: dict[str, User]) -> None:
    # Given a handoff in acme and one in globex
    since = "2000-01-01T00:00:00.000Z"
    _, acme_handoff = new_handoff(api, users["junior@acme.test"])
    new_handoff(api, users["junior@globex.test"])
    # When an acme connection resumes from long ago
    _ws(
        "ws_resume",
        "connC",
        {"account_id": "acme", "user_id": users["senior@acme.test"].id},
        {"action": "resume", "since": since},
    )
    # Then it gets acme's handoff only, then resumed
    *snapshots, done = _posted("connC")
    assert [s["handoff"]["id"] for s in snapshots] == [acme_handoff]
    assert done["type"] == "resumed"


def _changed_handoffs(count: int, account_id: str = "acme") -> list[str]:
    """`count` handoffs of an account, changed a millisecond apart from 2026-01-01, stored as the repository stores them."""
    client = boto3.client("dynamodb")
    start = datetime(2026, 1, 1, tzinfo=UTC)
    ids = []
    for n in range(count):
        at = iso(start + timedelta(milliseconds=n))
        handoff = Handoff(
            id=str(uuid.uuid4()), session_id=str(uuid.uuid4()), account_id=account_id, intent="escalate", engineer_notes="",
            status="open", created_by="u", created_by_name="U", created_at=at, updated_at=at, version=1,
        )  # fmt: skip
        client.put_item(TableName="DataTable", Item=to_attrs(handoff_item(handoff)))
        ids.append(handoff.id)
    return ids


def test_a_resume_past_the_bound_says_so_and_the_next_one_brings_the_rest(users: dict[str, User]) -> None:
    # Given more handoffs changed since a time than one resume sends (the bound, 200), plus five
    changed = _changed_handoffs(RESUME_LIMIT + 5)
    caller = {"account_id": "acme", "user_id": users["senior@acme.test"].id}
    # When a connection resumes from before them all
    _ws("ws_resume", "connD", caller, {"action": "resume", "since": "2025-12-31T00:00:00Z"})
    *snapshots, done = _posted("connD")
    # Then it gets the oldest 200, and `resumed` says more are left, and from when to ask
    assert [s["handoff"]["id"] for s in snapshots] == changed[:RESUME_LIMIT]
    assert done["type"] == "resumed" and done["more"] is True
    assert done["next_since"] == snapshots[-1]["handoff"]["updated_at"]
    # And asking again from `next_since` brings the rest (the last one again: `since` is inclusive), and no more
    _ws("ws_resume", "connE", caller, {"action": "resume", "since": done["next_since"]})
    *rest, last = _posted("connE")
    assert [s["handoff"]["id"] for s in rest] == changed[RESUME_LIMIT - 1 :]
    assert last["type"] == "resumed" and last["more"] is False and "next_since" not in last


def test_a_resume_of_exactly_the_bound_says_there_is_no_more(users: dict[str, User]) -> None:
    changed = _changed_handoffs(RESUME_LIMIT)
    _ws("ws_resume", "connF", {"account_id": "acme", "user_id": "x"}, {"action": "resume", "since": "2025-12-31T00:00:00Z"})
    *snapshots, done = _posted("connF")
    assert [s["handoff"]["id"] for s in snapshots] == changed and done["more"] is False


def test_a_connect_does_not_make_the_management_api_client_that_only_replies_need(users: dict[str, User]) -> None:
    import ws_handler

    # Given a cold WebSocket function, When its first event is a $connect (which only stores the connection)
    assert ws_handler.handler(_sample("ws_connect"), lambda_context()) == {"statusCode": 200}
    # Then it made no Management API client (a cold start's cost that the first reply pays instead)
    assert not ws_handler.dependencies().sender.connected
    # And a ping, which replies, makes it
    ws_handler.handler(_sample("ws_ping"), lambda_context())
    assert ws_handler.dependencies().sender.connected


def test_an_api_request_that_closes_no_connection_does_not_make_the_management_api_client(
    api: ApiClient, users: dict[str, User]
) -> None:
    import api_dependencies

    assert api.call("GET", "/api/v1/me", users["senior@acme.test"]).status == 200
    assert not api_dependencies.dependencies().live.connected
