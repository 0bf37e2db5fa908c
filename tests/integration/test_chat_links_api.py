"""Chat links through the API handler on moto: any member asks for a single-use code; the code links a chat user in
that member's account only, once; the member sees and removes their links; a removed member's links go with them."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from baton.domain.chat import ChatLink
from baton.domain.clock import iso
from baton.domain.models import User
from baton.logic import chat_links
from baton.repositories.chat import ChatRepository
from local import provision
from tests.integration.conftest import ApiClient

BASE = "/api/v1/me/chat-links"


@pytest.fixture
def links(aws: dict[str, str]) -> ChatRepository:
    return ChatRepository("DataTable", "ConnectionsTable", provision.local_client("dynamodb", None))


@pytest.mark.parametrize("email", ["viewer@acme.test", "senior@acme.test", "owner@globex.test"])
def test_any_member_gets_a_code_that_links_a_chat_user_to_them_once(
    api: ApiClient, users: dict[str, User], links: ChatRepository, email: str
) -> None:
    # When a member asks for a Slack code
    member = users[email]
    reply = api.call("POST", f"{BASE}/slack", member)
    # Then 201 with an 8-character code valid for ten minutes, and how to send it
    assert reply.status == 201, reply.body
    code, expires = reply.body["code"], datetime.fromisoformat(reply.body["expires_at"].replace("Z", "+00:00"))
    assert len(code) == 8 and timedelta(minutes=9) < expires - datetime.now(UTC) <= timedelta(minutes=10)
    assert f"/baton link {code}" in reply.body["instruction"]
    # When the bot of another account receives it, nobody is linked; the member's own bot links the sender once
    assert not chat_links.redeem("not-" + member.account_id, "slack", "UX", None, code, links).linked
    code = api.call("POST", f"{BASE}/slack", member).body["code"]
    assert chat_links.redeem(member.account_id, "slack", "U123", "T1", code, links).linked
    assert not chat_links.redeem(member.account_id, "slack", "U999", "T1", code, links).linked
    # Then the member sees their link, and only theirs
    listed = api.call("GET", BASE, member)
    assert listed.status == 200 and [(link["provider"], link["external_id"]) for link in listed.body] == [("slack", "U123")]
    other = users["senior2@acme.test"] if member.account_id == "acme" else users["senior@globex.test"]
    assert api.call("GET", BASE, other).body == []
    # When they unlink Slack, the link is gone; unlinking again is a 404 with a sentence
    assert api.call("DELETE", f"{BASE}/slack", member).status == 204
    assert links.find(member.account_id, "slack", "U123") is None
    again = api.call("DELETE", f"{BASE}/slack", member)
    assert again.status == 404 and "no Slack link" in again.body["detail"]


def test_a_chat_tool_baton_does_not_have_is_refused(api: ApiClient, users: dict[str, User]) -> None:
    for method in ("POST", "DELETE"):
        reply = api.call(method, f"{BASE}/discord", users["senior@acme.test"])
        assert reply.status in (404, 422) and reply.body["detail"], reply.body


def test_an_expired_code_links_nobody(users: dict[str, User], links: ChatRepository) -> None:
    code = chat_links.start(users["senior@acme.test"], "teams", links)
    later = iso(datetime.now(UTC) + timedelta(minutes=11))
    assert links.take_code(code.code, later) is None


def test_removing_a_member_removes_their_chat_links(api: ApiClient, users: dict[str, User], links: ChatRepository) -> None:
    # Given senior2 linked a Slack and a Teams user, and senior linked one
    senior2, senior = users["senior2@acme.test"], users["senior@acme.test"]
    for provider, external, user in (("slack", "US2", senior2), ("teams", "aad-s2", senior2), ("slack", "US1", senior)):
        links.link(
            ChatLink(
                account_id="acme", provider=provider, external_id=external, user_id=user.id, linked_at=iso(datetime.now(UTC))
            )
        )
    # When an admin removes senior2
    assert api.call("DELETE", f"/api/v1/account/users/{senior2.id}", users["admin@acme.test"]).status == 204
    # Then senior2's links are gone, senior's stays
    assert links.of_user("acme", senior2.id) == []
    assert [link.external_id for link in links.of_user("acme", senior.id)] == ["US1"]


def test_a_link_in_one_account_is_not_seen_from_another(links: ChatRepository, users: dict[str, User]) -> None:
    links.link(
        ChatLink(account_id="acme", provider="slack", external_id="USHARED", user_id=users["senior@acme.test"].id, linked_at="t")
    )
    assert links.find("globex", "slack", "USHARED") is None
    assert links.find("acme", "slack", "USHARED") is not None
