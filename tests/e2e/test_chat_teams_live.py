"""Teams bot mode under the local runtime: the product's functions call the Bot Connector stand-in (token from its
Entra stand-in, cards posted and updated), and the stand-in sends baton invokes as the Bot Framework does (its bearer
token signed with the key its OpenID metadata publishes).

An escalation posts a card with Pick Up; a linked senior presses it; the invoke is answered with the refreshed card,
the console is pushed the claim and every copy of the card says who picked it up within 2 s; Release and Resolve
likewise. A token that is not the Bot Framework's, or is for another bot or service URL, is 401 and changes nothing;
a replayed activity does nothing the second time.
"""

from __future__ import annotations

import asyncio
import json
import time
from collections.abc import Iterator
from typing import Any

import httpx
import pytest

from tests.e2e.conftest import Stack, eventually
from tests.e2e.live import Live

OWNER, JUNIOR, SENIOR, SENIOR2 = "owner@acme.test", "junior@acme.test", "senior@acme.test", "senior2@acme.test"
UPDATED_WITHIN_S = 2.0


def _teams(stack: Stack) -> dict[str, Any]:
    return dict(httpx.get(f"{stack.base_url}/local/connectors", timeout=10).json()["teams"])


def _fire(stack: Stack, **order: Any) -> dict[str, Any]:
    reply = httpx.post(f"{stack.base_url}/local/connectors/teams/fire", json={"account_id": "acme", **order}, timeout=30)
    assert reply.status_code == 200, reply.text
    return dict(reply.json())


def _cards_about(stack: Stack, handoff_id: str) -> list[dict[str, Any]]:
    return [a for a in _teams(stack)["state"]["activities"] if a.get("attachments") and handoff_id in json.dumps(a)]


def _status(card_activity: dict[str, Any]) -> str:
    body = card_activity["attachments"][0]["content"]["body"]
    return next((block["text"] for block in body if block.get("id") == "status"), "")


def _handoff(stack: Stack, session_id: str, handoff_id: str) -> dict[str, Any]:
    with stack.client(SENIOR2) as client:
        return dict(client.get(f"/api/v1/ai-sessions/{session_id}/handoffs/{handoff_id}").json()["handoff"])


@pytest.fixture
def bot(stack: Stack) -> Iterator[dict[str, str]]:
    """acme's Teams set up as a bot (the stand-in's bot for acme), removed afterwards."""
    state = _teams(stack)["state"]
    bot = state["bots"]["acme"]
    body = {
        "settings": {
            "tenant_id": bot["tenant_id"],
            "service_url": bot["service_url"],
            "conversation_id": bot["conversation_id"],
            "openid_metadata_url": f"{state['metadata_base']}/v1/.well-known/openidconfiguration",
        },
        "secrets": {"app_id": bot["app_id"], "app_password": bot["app_password"]},
    }
    with stack.client(OWNER) as owner:
        reply = owner.put("/api/v1/account/connectors/teams", json=body)
        assert reply.status_code == 200, reply.text
        try:
            yield bot
        finally:
            owner.delete("/api/v1/account/connectors/teams")


def _link(stack: Stack, email: str, user: str) -> None:
    with stack.client(email) as client:
        code = client.post("/api/v1/me/chat-links/teams").json()["code"]
    said = _fire(stack, kind="message", user=user, text=f"<at>baton</at> link {code}")
    assert said["status"] == 200, said
    replies = [a for a in _teams(stack)["state"]["activities"] if a.get("replyToId") and "Linked" in str(a.get("text"))]
    assert replies, "the bot answered the link"


def _updated_to(stack: Stack, handoff_id: str, text: str, since: float) -> float:
    def every_copy() -> list[dict[str, Any]] | None:
        copies = _cards_about(stack, handoff_id)
        return copies if copies and all(text in _status(c) for c in copies) else None

    copies = eventually(every_copy, 10, f"every card saying {text!r}")
    return max(max(c["updates"]) for c in copies) - since


def test_a_linked_senior_picks_up_releases_and_resolves_from_teams(stack: Stack, bot: dict[str, str]) -> None:
    _link(stack, SENIOR, "aad-sam")
    _, handoff_id = stack.escalate(JUNIOR)
    card = eventually(lambda: (_cards_about(stack, handoff_id) or [None])[0], 10, "the escalation's card")
    assert "In the queue" in _status(card)

    async def story() -> None:
        async with Live(stack, SENIOR2) as console:
            pressed = time.time()
            said = _fire(stack, kind="click", user="aad-sam", action="claim", activity_id=card["id"])
            assert said["status"] == 200 and said["body"]["type"] == "application/vnd.microsoft.card.adaptive", said
            assert "Picked up by" in json.dumps(said["body"]["value"])  # the refreshed card, for the one who clicked
            await console.next_for(handoff_id, "handoff_claimed")
            assert _updated_to(stack, handoff_id, "Picked up by", pressed) < UPDATED_WITHIN_S
            pressed = time.time()
            _fire(stack, kind="click", user="aad-sam", action="release", activity_id=card["id"])
            await console.next_for(handoff_id, "handoff_released")
            assert _updated_to(stack, handoff_id, "Back in the queue", pressed) < UPDATED_WITHIN_S
            _fire(stack, kind="click", user="aad-sam", action="claim", activity_id=card["id"])
            await console.next_for(handoff_id, "handoff_claimed")
            _updated_to(stack, handoff_id, "Picked up by", pressed)
            pressed = time.time()
            _fire(stack, kind="click", user="aad-sam", action="resolve", activity_id=card["id"], notes="Replaced the switch")
            resolved = await console.next_for(handoff_id, "handoff_resolved")
            assert resolved["handoff"]["resolution_notes"] == "Replaced the switch"
            assert _updated_to(stack, handoff_id, "Resolved", pressed) < UPDATED_WITHIN_S

    asyncio.run(story())


@pytest.mark.parametrize("token", ["none", "forged", "other_audience", "other_service_url", "expired"])
def test_a_token_that_is_not_the_bot_frameworks_for_this_bot_is_401_and_changes_nothing(
    stack: Stack, bot: dict[str, str], token: str
) -> None:
    _link(stack, SENIOR, "aad-sam")
    session_id, handoff_id = stack.escalate(JUNIOR)
    card = eventually(lambda: (_cards_about(stack, handoff_id) or [None])[0], 10, "the escalation's card")
    said = _fire(stack, kind="click", user="aad-sam", action="claim", activity_id=card["id"], token=token)
    assert said["status"] == 401, said
    assert _handoff(stack, session_id, handoff_id)["status"] == "open"


def test_a_replayed_activity_does_nothing_the_second_time(stack: Stack, bot: dict[str, str]) -> None:
    _link(stack, SENIOR, "aad-sam")
    session_id, handoff_id = stack.escalate(JUNIOR)
    card = eventually(lambda: (_cards_about(stack, handoff_id) or [None])[0], 10, "the escalation's card")
    assert _fire(stack, kind="click", user="aad-sam", action="claim", activity_id=card["id"])["status"] == 200
    with stack.client(SENIOR) as sam:
        assert sam.post(f"/api/v1/ai-sessions/{session_id}/handoffs/{handoff_id}/release").status_code == 200
    assert _fire(stack, replay=True)["status"] == 200
    handoff = _handoff(stack, session_id, handoff_id)
    assert (handoff["status"], handoff["version"]) == ("open", 3)
