"""Teams bot mode without I/O: the Adaptive Card and its buttons, the Bot Framework token check, reading activities,
a click answered with the refreshed card, and every copy following the handoff."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from baton.connectors import teams_bot as connector
from baton.connectors.teams_bot import TeamsBot
from baton.domain.lifecycle import Action
from baton.logic import chat_links, handoffs
from baton.logic import teams_bot as logic
from baton.logic.channels import announcement
from local.providers.bot_connector import BotFrameworkKeys, invoke, message
from tests.unit.chat_world import CONSOLE, World, event_of

SERVICE = "https://127.0.0.1:9/teams/"
BOT = TeamsBot(tenant_id="t1", service_url=SERVICE, conversation_id="19:escalations", app_id="app-1", app_password="pw")


class RecordingConnector:
    def __init__(self) -> None:
        self.calls: list[tuple[str, str, str | None, dict[str, Any]]] = []

    def send_activity(self, bot: TeamsBot, conversation_id: str, activity: dict[str, Any]) -> str:
        self.calls.append(("send", conversation_id, None, activity))
        return f"1:{len(self.calls)}"

    def update_activity(self, bot: TeamsBot, conversation_id: str, activity_id: str, activity: dict[str, Any]) -> None:
        self.calls.append(("update", conversation_id, activity_id, activity))

    def reply(self, bot: TeamsBot, conversation_id: str, reply_to_id: str, activity: dict[str, Any]) -> None:
        self.calls.append(("reply", conversation_id, reply_to_id, activity))


@pytest.fixture
def world() -> World:
    w = World()
    for link in list(w.links.links.values()):  # the same people, linked by their Entra object ids
        w.links.link(link.model_copy(update={"provider": "teams"}))
    return w


def _deps(world: World, api: RecordingConnector) -> logic.Inbound:
    return logic.Inbound(world.links, world.users, world.store, api, CONSOLE)


def _press(world: World, who: str, action: Action, **extra: str) -> logic.InvokeAnswer:
    data = {"session_id": world.handoff.session_id, "handoff_id": world.handoff.id, **extra}
    body = invoke(connector.VERBS[action], data, who, BOT.conversation_id, SERVICE)
    return logic.receive("acme", body, BOT, _deps(world, RecordingConnector()))


def _texts(card: dict[str, Any]) -> str:
    return json.dumps(card)


def test_the_card_is_adaptive_1_5_with_execute_buttons_by_status(world: World) -> None:
    card = connector.card(announcement(event_of(None, world.handoff, 1), CONSOLE), world.handoff)
    assert card["version"] == "1.5"
    assert [(a["type"], a["title"]) for a in card["actions"]] == [
        ("Action.Execute", "Pick Up"),
        ("Action.OpenUrl", "Open in baton"),
    ]
    assert card["actions"][0]["data"] == {"session_id": world.handoff.session_id, "handoff_id": world.handoff.id}
    claimed = handoffs.claim(world.sam, world.handoff.session_id, world.handoff.id, world.store)
    card = connector.card(announcement(event_of(world.handoff, claimed, 2), CONSOLE), claimed)
    assert [a["title"] for a in card["actions"]] == ["Release", "Resolve", "Open in baton"]
    assert card["actions"][1]["type"] == "Action.ShowCard"  # Resolve asks for the notes first
    assert "Picked up by sam at {{TIME(" in _texts(card)


def test_pick_up_answers_with_the_refreshed_card_and_the_loser_sees_who_won(world: World) -> None:
    first = _press(world, "USAM", Action.CLAIM)
    assert first.body and first.body["type"] == connector.CARD_TYPE
    assert "Picked up by sam" in _texts(first.body["value"]) and world.current().claimed_by == world.sam.id
    second = _press(world, "UKIM", Action.CLAIM)
    assert second.body and second.body["type"] == connector.CARD_TYPE
    assert "sam picked this up at" in _texts(second.body["value"]) and world.current().claimed_by == world.sam.id


def test_resolve_takes_the_notes_from_the_form(world: World) -> None:
    handoffs.claim(world.sam, world.handoff.session_id, world.handoff.id, world.store)
    answer = _press(world, "USAM", Action.RESOLVE, resolution_notes="replaced the switch")
    assert (world.current().status, world.current().resolution_notes) == ("resolved", "replaced the switch")
    assert answer.body and "Resolved" in _texts(answer.body["value"])


def test_an_unlinked_user_or_a_viewer_is_told_privately_and_nothing_changes(world: World) -> None:
    for who in ("UNOBODY", "UVIC"):
        answer = _press(world, who, Action.CLAIM)
        assert answer.body and answer.body["type"] == connector.MESSAGE_TYPE
    assert world.current().status == "open" and world.store.transitions == []


def test_link_CODE_sent_to_the_bot_links_the_sender_and_the_bot_replies(world: World) -> None:
    code = chat_links.start(world.kim, "teams", world.links)
    api = RecordingConnector()
    body = message(f"<at>baton</at> link {code.code}", "aad-kim-2", "a:personal", SERVICE)
    assert logic.receive("acme", body, BOT, _deps(world, api)).body is None
    assert world.links.find("acme", "teams", "aad-kim-2") is not None
    assert api.calls[0][0] == "reply" and "Linked" in api.calls[0][3]["text"]


def test_every_copy_follows_the_handoff(world: World) -> None:
    api = RecordingConnector()
    created = event_of(None, world.handoff, 1)
    assert logic.deliver(created, BOT, world.messages, api, CONSOLE).posted == 1
    claimed = handoffs.claim(world.sam, world.handoff.session_id, world.handoff.id, world.store)
    result = logic.deliver(event_of(world.handoff, claimed, 2), BOT, world.messages, api, CONSOLE)
    assert (result.posted, result.updated) == (0, 1)
    kind, conversation, activity_id, activity = api.calls[-1]
    assert (kind, conversation, activity_id) == ("update", BOT.conversation_id, "1:1")
    assert "Picked up by sam" in _texts(activity)


# --- the Bot Framework's token ---------------------------------------------------------------------------------
def test_only_a_bot_framework_token_for_this_bot_and_this_service_url_verifies() -> None:
    stand_in = BotFrameworkKeys()
    keys, now = stand_in.jwks(), datetime.now(UTC)
    body = invoke("baton_claim", {"session_id": "s", "handoff_id": "h"}, "u", "c", SERVICE)
    good = stand_in.bearer("app-1", SERVICE)
    assert connector.verify(good, body, keys, "app-1", now)
    assert not connector.verify(None, body, keys, "app-1", now)  # unsigned
    assert not connector.verify(good, body, keys, "another-app", now)  # another bot's audience
    assert not connector.verify(stand_in.bearer("app-1", "https://evil.example/"), body, keys, "app-1", now)  # serviceUrl
    assert not connector.verify(stand_in.bearer("app-1", SERVICE, issuer="https://sts.example"), body, keys, "app-1", now)
    assert not connector.verify(good, body, keys, "app-1", now + timedelta(hours=1, minutes=6))  # expired
    other = BotFrameworkKeys()  # signed with a key that is not the Bot Framework's
    assert not connector.verify(other.bearer("app-1", SERVICE), body, keys, "app-1", now)
    unendorsed = {"keys": [{**keys["keys"][0], "endorsements": ["skype"]}]}
    assert not connector.verify(good, body, unendorsed, "app-1", now)
    assert connector.activity_id_of(body) == json.loads(body)["id"]
