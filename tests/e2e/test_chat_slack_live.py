"""Slack app mode under the local runtime: the product's functions call the Slack stand-in's Web API over HTTPS, and
the stand-in presses baton's buttons as Slack does (signed with the app's signing secret).

An escalation posts a message with Pick Up; a linked senior presses it; the claim happens, the console's queue
loses the card (pushed) and every copy of the message says who picked it up within 2 s; Release and Resolve (its
form) likewise. 10 console claims and 10 chat clicks at once give one winner, and every loser is told who won.
Refusals: unsigned, wrong signature, stale, replayed, unlinked, viewer, another account's user, a removed member,
a handoff already resolved: each leaves the handoff as it was.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import time
import uuid
from collections.abc import Iterator
from typing import Any

import httpx
import pytest

from tests.e2e import oidc_client
from tests.e2e.conftest import Stack, eventually
from tests.e2e.live import Live

OWNER, JUNIOR, SENIOR, SENIOR2, VIEWER = (
    "owner@acme.test",
    "junior@acme.test",
    "senior@acme.test",
    "senior2@acme.test",
    "viewer@acme.test",
)
UPDATED_WITHIN_S = 2.0


def _slack(stack: Stack) -> dict[str, Any]:
    return dict(httpx.get(f"{stack.base_url}/local/connectors", timeout=10).json()["slack"])


def _fire(stack: Stack, **order: Any) -> dict[str, Any]:
    reply = httpx.post(f"{stack.base_url}/local/connectors/slack/fire", json={"account_id": "acme", **order}, timeout=30)
    assert reply.status_code == 200, reply.text
    return dict(reply.json())


def _messages_about(stack: Stack, handoff_id: str) -> list[dict[str, Any]]:
    return [m for m in _slack(stack)["state"]["messages"] if handoff_id in json.dumps(m["blocks"])]


def _status_line(message: dict[str, Any]) -> str:
    return next((b["text"]["text"] for b in message["blocks"] if b.get("block_id") == "baton_status"), "")


def _handoff(stack: Stack, session_id: str, handoff_id: str) -> dict[str, Any]:
    with stack.client(SENIOR2) as client:
        reply = client.get(f"/api/v1/ai-sessions/{session_id}/handoffs/{handoff_id}")
        assert reply.status_code == 200, reply.text
        return dict(reply.json()["handoff"])


def link(stack: Stack, email: str, slack_user: str, account: str = "acme", token: str | None = None) -> None:
    """The member asks the console for a code and sends `/baton link CODE` as `slack_user`."""
    headers = {"Authorization": f"Bearer {token or stack.token(email)}"}
    code = httpx.post(f"{stack.base_url}/api/v1/me/chat-links/slack", headers=headers, timeout=30)
    assert code.status_code == 201, code.text
    said = _fire(stack, account_id=account, kind="command", user=slack_user, text=f"link {code.json()['code']}")
    assert said["status"] == 200 and "Linked" in said["body"]["text"], said


@contextlib.contextmanager
def app_of(stack: Stack, account: str) -> Iterator[dict[str, str]]:
    """The account's Slack set up as an app (the stand-in's app for it), removed afterwards."""
    app = _slack(stack)["state"]["apps"][account]
    body = {
        "settings": {"channel_id": app["channel_id"]},
        "secrets": {"bot_token": app["bot_token"], "signing_secret": app["signing_secret"]},
    }
    with stack.client(f"owner@{account}.test") as owner:
        reply = owner.put("/api/v1/account/connectors/slack", json=body)
        assert reply.status_code == 200, reply.text
        try:
            yield app
        finally:
            owner.delete("/api/v1/account/connectors/slack")


@pytest.fixture
def slack_app(stack: Stack) -> Iterator[dict[str, str]]:
    with app_of(stack, "acme") as app:
        yield app


def _posted(stack: Stack, handoff_id: str) -> dict[str, Any]:
    return dict(eventually(lambda: (_messages_about(stack, handoff_id) or [None])[0], 10, "the escalation's Slack message"))


def _updated_to(stack: Stack, handoff_id: str, text: str, since: float) -> float:
    """Every copy says `text`: how long after `since` the last of them did."""

    def every_copy() -> list[dict[str, Any]] | None:
        copies = _messages_about(stack, handoff_id)
        return copies if copies and all(text in _status_line(m) for m in copies) else None

    copies = eventually(every_copy, 10, f"every copy saying {text!r}")
    return max(max(m["updates"]) for m in copies) - since


def test_a_linked_senior_picks_up_releases_and_resolves_from_slack(stack: Stack, slack_app: dict[str, str]) -> None:
    # Given Sam (senior) linked, and a new escalation
    link(stack, SENIOR, "USAM")
    _, handoff_id = stack.escalate(JUNIOR)
    # Then a message with Pick Up is posted to acme's channel
    message = _posted(stack, handoff_id)
    assert message["channel"] == slack_app["channel_id"] and "In the queue" in _status_line(message)

    async def story() -> None:
        async with Live(stack, SENIOR2) as console:
            # When Sam presses Pick Up
            pressed = time.time()
            said = _fire(stack, kind="click", user="USAM", action="claim", channel=message["channel"], ts=message["ts"])
            assert said["status"] == 200, said
            # Then the claim is the console's (pushed: the queue loses the card) and every copy says so within 2 s
            claimed = await console.next_for(handoff_id, "handoff_claimed")
            assert claimed["handoff"]["claimed_by_name"] == stack.user(SENIOR)["display_name"]
            assert _updated_to(stack, handoff_id, "Picked up by", pressed) < UPDATED_WITHIN_S
            # When Sam releases it, it is back in the queue, everywhere
            pressed = time.time()
            _fire(stack, kind="click", user="USAM", action="release", channel=message["channel"], ts=message["ts"])
            await console.next_for(handoff_id, "handoff_released")
            assert _updated_to(stack, handoff_id, "Back in the queue", pressed) < UPDATED_WITHIN_S
            # When Sam picks it up again and resolves it with the form's notes
            _fire(stack, kind="click", user="USAM", action="claim", channel=message["channel"], ts=message["ts"])
            await console.next_for(handoff_id, "handoff_claimed")
            _updated_to(stack, handoff_id, "Picked up by", pressed)
            _fire(stack, kind="click", user="USAM", action="resolve", channel=message["channel"], ts=message["ts"])
            assert _slack(stack)["state"]["views"]["USAM"], "the Resolve form opened"
            pressed = time.time()
            submitted = _fire(stack, kind="submit", user="USAM", notes="Restarted the VPN concentrator")
            assert submitted["status"] == 200 and not submitted["body"], submitted
            resolved = await console.next_for(handoff_id, "handoff_resolved")
            assert resolved["handoff"]["resolution_notes"] == "Restarted the VPN concentrator"
            assert _updated_to(stack, handoff_id, "Resolved", pressed) < UPDATED_WITHIN_S

    asyncio.run(story())
    # And the calls baton made carried the app's bot token
    calls = [c for c in _slack(stack)["received"] if c["path"].startswith("/api/chat.")]
    assert calls and all(c["auth_ok"] for c in calls)


def test_ten_console_claims_and_ten_chat_clicks_give_one_winner_and_every_loser_is_told(
    stack: Stack, slack_app: dict[str, str]
) -> None:
    # Given the four members who may pick up, each linked to a Slack user, pressing 10 times between them
    members = {SENIOR: "URACES", SENIOR2: "URACES2", "admin@acme.test": "URACEA", OWNER: "URACEO"}
    for email, user in members.items():
        link(stack, email, user)
    clickers = [list(members.values())[n % len(members)] for n in range(10)]
    session_id, handoff_id = stack.escalate(JUNIOR)
    message = _posted(stack, handoff_id)
    before = len(_slack(stack)["state"]["ephemeral"])
    path = f"/api/v1/ai-sessions/{session_id}/handoffs/{handoff_id}/claim"
    tokens = {email: stack.token(email) for email in (SENIOR, SENIOR2, "admin@acme.test", OWNER)}

    async def race() -> tuple[list[int], list[dict[str, Any]]]:
        async with httpx.AsyncClient(base_url=stack.base_url, timeout=30) as http:

            async def console(n: int) -> int:
                email = list(tokens)[n % len(tokens)]
                return (await http.post(path, headers={"Authorization": f"Bearer {tokens[email]}"})).status_code

            async def chat(user: str) -> dict[str, Any]:
                order = {
                    "account_id": "acme",
                    "kind": "click",
                    "user": user,
                    "action": "claim",
                    "channel": message["channel"],
                    "ts": message["ts"],
                }
                return dict((await http.post("/local/connectors/slack/fire", json=order)).json())

            results = await asyncio.gather(*(console(n) for n in range(10)), *(chat(u) for u in clickers))
            return [r for r in results if isinstance(r, int)], [r for r in results if isinstance(r, dict)]

    statuses, clicks = asyncio.run(race())
    # Then exactly one claim won
    handoff = _handoff(stack, session_id, handoff_id)
    assert handoff["status"] == "claimed" and handoff["version"] == 2
    console_wins = statuses.count(200)
    assert all(status in (200, 409) for status in statuses) and all(click["status"] == 200 for click in clicks)
    # And every chat loser was told privately who won (the winner, if a chat user, is told nothing)
    chat_losers = 10 - (1 - console_wins)

    def answers() -> list[dict[str, Any]] | None:
        new = _slack(stack)["state"]["ephemeral"][before:]
        return new if len(new) >= chat_losers else None

    told = eventually(answers, 10, "the losers' private answers")
    winner = handoff["claimed_by_name"]
    assert all(t["text"].startswith((f"{winner} picked this up at", "You picked this up at")) for t in told), told
    assert {t["user"] for t in told} == set(clickers)


@pytest.mark.parametrize(
    ("how", "status"),
    [({"signature": "none"}, 401), ({"signature": "wrong"}, 401), ({"stale_minutes": 6}, 401)],
    ids=["unsigned", "wrong-signature", "stale"],
)
def test_a_call_not_signed_as_slack_signs_is_401_and_changes_nothing(
    stack: Stack, slack_app: dict[str, str], how: dict[str, Any], status: int
) -> None:
    link(stack, SENIOR, "USAM")
    session_id, handoff_id = stack.escalate(JUNIOR)
    message = _posted(stack, handoff_id)
    said = _fire(stack, kind="click", user="USAM", action="claim", channel=message["channel"], ts=message["ts"], **how)
    assert said["status"] == status and said["body"]["detail"], said
    assert _handoff(stack, session_id, handoff_id)["status"] == "open"


def test_a_replayed_call_does_nothing_the_second_time(stack: Stack, slack_app: dict[str, str]) -> None:
    # Given Sam picked an escalation up from Slack, and released it from the console
    link(stack, SENIOR, "USAM")
    session_id, handoff_id = stack.escalate(JUNIOR)
    message = _posted(stack, handoff_id)
    assert _fire(stack, kind="click", user="USAM", action="claim", channel=message["channel"], ts=message["ts"])["status"] == 200
    with stack.client(SENIOR) as sam:
        assert sam.post(f"/api/v1/ai-sessions/{session_id}/handoffs/{handoff_id}/release").status_code == 200
    # When the Pick Up call is sent again, byte for byte (same timestamp, same signature)
    again = _fire(stack, replay=True)
    # Then it is answered as the first was, and nothing changes: still in the queue, no third change
    assert again["status"] == 200
    handoff = _handoff(stack, session_id, handoff_id)
    assert (handoff["status"], handoff["version"]) == ("open", 3)


@pytest.mark.parametrize("who", ["unlinked", "viewer", "other-account", "removed-member", "already-resolved"])
def test_a_refused_clicker_is_told_privately_and_nothing_changes(stack: Stack, slack_app: dict[str, str], who: str) -> None:
    session_id, handoff_id = stack.escalate(JUNIOR)
    message = _posted(stack, handoff_id)
    user = f"U{who.upper().replace('-', '')}"
    expected_version = 1
    if who == "viewer":
        link(stack, VIEWER, user)
    elif who == "other-account":
        with app_of(stack, "globex"):
            link(stack, "senior@globex.test", user, account="globex")  # linked in globex's Slack, not in acme's
    elif who == "removed-member":
        email = f"leaver-{uuid.uuid4().hex[:8]}@example.com"
        with stack.client(OWNER) as owner:
            invited = owner.post("/api/v1/account/invitations", json={"email": email, "role": "engineer"})
            assert invited.status_code == 201, invited.text
        token = oidc_client.sign_in(stack.base_url, email)["access_token"]
        accepted = httpx.post(
            f"{stack.base_url}/api/v1/invitations/accept",
            headers={"Authorization": f"Bearer {token}"},
            json={"invitation_id": invited.json()["id"]},
        )
        assert accepted.status_code == 200, accepted.text
        link(stack, email, user, token=token)
        with stack.client(OWNER) as owner:
            assert owner.delete(f"/api/v1/account/users/{accepted.json()['id']}").status_code == 204
    elif who == "already-resolved":
        link(stack, SENIOR, user)
        with stack.client(SENIOR2) as senior2:
            base = f"/api/v1/ai-sessions/{session_id}/handoffs/{handoff_id}"
            assert senior2.post(f"{base}/claim").status_code == 200
            assert senior2.post(f"{base}/resolve", json={"resolution_notes": "done"}).status_code == 200
        expected_version = 3
    before = len(_slack(stack)["state"]["ephemeral"])
    if who == "already-resolved":  # the message has no Pick Up any more: pressed on a copy not yet refreshed
        said = _press_stale(stack, user, message, session_id, handoff_id)
    else:
        said = _fire(stack, kind="click", user=user, action="claim", channel=message["channel"], ts=message["ts"])
    assert said["status"] == 200, said
    told = eventually(lambda: _slack(stack)["state"]["ephemeral"][before:], 10, "the private answer")
    assert told[-1]["user"] == user
    handoff = _handoff(stack, session_id, handoff_id)
    assert handoff["version"] == expected_version and handoff["status"] == ("resolved" if expected_version == 3 else "open")


def _press_stale(stack: Stack, user: str, message: dict[str, Any], session_id: str, handoff_id: str) -> dict[str, Any]:
    """A Pick Up pressed on a copy Slack has not refreshed yet: signed as Slack signs, the button's own value."""
    from local.providers.slack_api import button_click, signed_headers

    app = _slack(stack)["state"]["apps"]["acme"]
    body = button_click(user, "baton_claim", f"{session_id}/{handoff_id}", message["channel"], message["ts"], "t.stale")
    reply = httpx.post(
        f"{stack.base_url}/hooks/slack/acme", content=body, headers=signed_headers(app["signing_secret"], body), timeout=30
    )
    return {"status": reply.status_code, "body": reply.text}
