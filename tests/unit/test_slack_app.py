"""Slack app mode without I/O: the message and its buttons, reading Slack's calls, the signature, linking, a click
as the console's own use case, and every copy of a handoff's message following its changes."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from baton.connectors import slack_app as connector
from baton.domain.chat import ChatLink, LinkCode
from baton.domain.clock import local_time
from baton.domain.ladder import BusinessHours, default_policy
from baton.domain.lifecycle import Action
from baton.domain.messages import Message
from baton.domain.models import Handoff
from baton.logic import chat_actions, chat_links, handoffs
from baton.logic import slack_app as logic
from baton.logic.channels import announcement
from local.providers.slack_api import form_submission, signed_headers, slash_command
from tests.unit.chat_world import APP, CONSOLE, SECRET, World, event_of


@pytest.fixture
def world() -> World:
    return World()


# --- the message ---------------------------------------------------------------------------------------------
def test_an_open_escalation_offers_pick_up_and_a_claimed_one_release_and_resolve(world: World) -> None:
    # Given the open escalation's message
    event = event_of(None, world.handoff, 1)
    body = connector.card(announcement(event, CONSOLE), world.handoff)
    buttons = [e for b in body["blocks"] if b["type"] == "actions" for e in b["elements"]]
    # Then it carries Pick Up (the lifecycle's label) for this handoff, and the console link
    assert [b["text"]["text"] for b in buttons] == ["Pick Up", "Open in baton"]
    assert buttons[0]["value"] == f"{world.handoff.session_id}/{world.handoff.id}"
    # When Sam picks it up, the message says so and offers Release and Resolve
    claimed = handoffs.claim(world.sam, world.handoff.session_id, world.handoff.id, world.store)
    body = connector.card(announcement(event_of(world.handoff, claimed, 2), CONSOLE), claimed)
    buttons = [e for b in body["blocks"] if b["type"] == "actions" for e in b["elements"]]
    assert [b["text"]["text"] for b in buttons] == ["Release", "Resolve", "Open in baton"]
    assert "Picked up by sam" in json.dumps(body["blocks"]) and "<!date^" in json.dumps(body["blocks"])


def test_a_resolved_or_released_message_says_where_it_stands() -> None:
    base = Handoff.model_validate(
        {
            "id": "h",
            "session_id": "s",
            "account_id": "acme",
            "intent": "escalate",
            "engineer_notes": "",
            "status": "open",
            "created_by": "u",
            "created_by_name": "u",
            "created_at": "2026-01-01T10:00:00.000Z",
            "updated_at": "2026-01-01T10:00:00.000Z",
            "version": 3,
        }
    )
    assert "Back in the queue" in connector.status_text(base)
    resolved = base.model_copy(update={"status": "resolved", "resolved_at": "2026-01-01T10:42:00.000Z"})
    assert "Resolved" in connector.status_text(resolved) and "10:42 UTC" in connector.status_text(resolved)
    assert (
        connector.card(Message(title="t", facts=[], notes="n", link=None, link_label="", accent="good"), resolved)["blocks"][-1][
            "type"
        ]
        != "actions"
    )  # nothing left to press


# --- is it Slack ------------------------------------------------------------------------------------------
def test_only_a_fresh_call_signed_with_the_apps_secret_verifies() -> None:
    body = slash_command("USAM", "link ABCD2345", "CESCALATE")
    now = datetime.now(UTC)
    headers = signed_headers(SECRET, body, int(now.timestamp()))
    assert connector.verify(headers, body, SECRET, now)
    assert not connector.verify({}, body, SECRET, now)  # unsigned
    assert not connector.verify(signed_headers("another secret", body, int(now.timestamp())), body, SECRET, now)
    assert not connector.verify(headers, body + b"&x=1", SECRET, now)  # the body changed
    assert not connector.verify(headers, body, SECRET, now + timedelta(minutes=5, seconds=1))  # stale
    assert connector.verify(headers, body, SECRET, now + timedelta(minutes=4, seconds=59))
    assert connector.replay_key(headers) == f"{headers['X-Slack-Request-Timestamp']}:{headers['X-Slack-Signature']}"


# --- linking ----------------------------------------------------------------------------------------------------
def test_a_code_links_the_sender_once_in_its_own_account(world: World) -> None:
    # Given Kim asked for a code
    code = chat_links.start(world.kim, "slack", world.links)
    # When another account's bot receives it, nothing is linked (and the code is spent)
    assert not chat_links.redeem("globex", "slack", "UNEW", None, code.code, world.links).linked
    code = chat_links.start(world.kim, "slack", world.links)
    # When Kim sends it to acme's bot (typed in lower case, with a dash)
    typed = code.code[:4].lower() + "-" + code.code[4:]
    first = chat_links.redeem("acme", "slack", "UKIM2", "T1", typed, world.links)
    # Then the sender is linked to Kim, replacing Kim's old Slack link; the code does not work twice
    assert first.linked
    assert [link.external_id for link in chat_links.mine(world.kim, world.links)] == ["UKIM2"]
    assert not chat_links.redeem("acme", "slack", "UOTHER", "T1", code.code, world.links).linked


def test_an_expired_code_links_nobody(world: World) -> None:
    expired = LinkCode(
        code="AAAABBBB", account_id="acme", user_id=world.kim.id, provider="slack", expires_at="2020-01-01T00:00:00.000Z"
    )
    world.links.put_code(expired)
    assert not chat_links.redeem("acme", "slack", "UX", None, "AAAABBBB", world.links).linked


def test_the_slash_command_links_and_answers_privately(world: World) -> None:
    code = chat_links.start(world.kim, "slack", world.links)
    answer = logic.receive("acme", slash_command("UKIM9", f"link {code.code}", "CESCALATE"), APP, world.deps)
    assert answer.body == {"response_type": "ephemeral", "text": answer.body["text"]} and "Linked" in answer.body["text"]
    assert world.links.find("acme", "slack", "UKIM9") is not None
    unknown = logic.receive("acme", slash_command("UKIM9", "hello", "CESCALATE"), APP, world.deps)
    assert unknown.body and "/baton link CODE" in unknown.body["text"]


def test_a_removed_members_links_go_with_them(world: World) -> None:
    assert chat_links.forget_member("acme", world.sam.id, world.links) == 1
    assert world.links.find("acme", "slack", "USAM") is None


# --- clicks -------------------------------------------------------------------------------------------------------
def test_pick_up_is_the_consoles_claim_and_the_loser_is_told_who_won(world: World) -> None:
    # When Sam presses Pick Up
    assert world.press("USAM", Action.CLAIM).body is None
    # Then Sam holds it, by the same use case (one transition, as Sam)
    assert (world.current().status, world.current().claimed_by) == ("claimed", world.sam.id)
    # When Kim presses Pick Up on another copy a moment later
    world.press("UKIM", Action.CLAIM)
    # Then Kim is told privately who won, and nothing changed
    method, args = world.slack.calls[-1]
    assert method == "chat.postEphemeral" and args["user"] == "UKIM"
    assert args["text"].startswith("sam picked this up at ") and world.current().claimed_by == world.sam.id


def test_the_loser_is_told_the_winners_time_in_the_accounts_zone(world: World) -> None:
    # Given acme works in Berlin, and Sam picked it up
    world.store.policies["acme"] = default_policy().model_copy(
        update={"business_hours": BusinessHours(time_zone="Europe/Berlin")}
    )
    world.press("USAM", Action.CLAIM)
    # When Kim presses Pick Up too
    world.press("UKIM", Action.CLAIM)
    # Then Kim reads the time as Berlin reads it
    claimed_at = world.current().claimed_at
    assert claimed_at is not None
    expected = local_time(claimed_at, ZoneInfo("Europe/Berlin"))
    assert world.slack.calls[-1][1]["text"] == f"sam picked this up at {expected}." and expected.endswith(("CET", "CEST"))


@pytest.mark.parametrize(
    ("who", "outcome", "says"),
    [
        ("UNOBODY", "unlinked", "Link Slack"),
        ("UVIC", "refused", "engineer"),
    ],
)
def test_an_unlinked_user_or_a_viewer_is_refused_privately_and_nothing_changes(
    world: World, who: str, outcome: str, says: str
) -> None:
    answer, handoff = chat_actions.act(world.click(who, Action.CLAIM), world.links, world.users, world.store, CONSOLE)
    assert (answer.outcome, handoff) == (outcome, None) and says in answer.text
    assert world.current().status == "open" and world.store.transitions == []


def test_a_removed_member_or_a_link_to_another_accounts_user_is_refused(world: World) -> None:
    # Given Sam was removed, and a stale link points at globex's Gus
    world.users.by_id.pop(world.sam.id)
    world.links.link(ChatLink(account_id="acme", provider="slack", external_id="UGUS", user_id=world.foreign.id, linked_at="t"))
    for who in ("USAM", "UGUS"):
        answer, _ = chat_actions.act(world.click(who, Action.CLAIM), world.links, world.users, world.store, CONSOLE)
        assert answer.outcome == "refused" and "no longer a member" in answer.text
    assert world.current().status == "open" and world.store.transitions == []


def test_a_click_on_a_handoff_that_moved_on_answers_with_where_it_stands(world: World) -> None:
    handoffs.claim(world.sam, world.handoff.session_id, world.handoff.id, world.store)
    handoffs.resolve(world.sam, world.handoff.session_id, world.handoff.id, "fixed", world.store)
    for action in (Action.CLAIM, Action.RELEASE):
        answer, current = chat_actions.act(world.click("UKIM", action), world.links, world.users, world.store, CONSOLE)
        assert answer.outcome == "moved_on" and "already resolved" in answer.text
        assert current is not None and current.status == "resolved"


def test_release_by_someone_else_is_refused_with_the_rules_own_words(world: World) -> None:
    handoffs.claim(world.sam, world.handoff.session_id, world.handoff.id, world.store)
    answer, _ = chat_actions.act(world.click("UKIM", Action.RELEASE), world.links, world.users, world.store, CONSOLE)
    assert answer.outcome in ("refused", "moved_on") and world.current().claimed_by == world.sam.id


def test_resolve_opens_the_form_then_the_form_resolves(world: World) -> None:
    handoffs.claim(world.sam, world.handoff.session_id, world.handoff.id, world.store)
    # When Sam presses Resolve, the notes form opens (nothing changed yet)
    world.press("USAM", Action.RESOLVE)
    method, args = world.slack.calls[-1]
    assert method == "views.open" and world.current().status == "claimed"
    # When Sam submits it with notes
    body = form_submission("USAM", args["view"], {connector.NOTES_BLOCK: {connector.NOTES_INPUT: "rebooted the VPN box"}})
    answer = logic.receive("acme", body, APP, world.deps)
    # Then the handoff is resolved with those notes, and the form closes (an empty answer)
    assert answer.body is None
    assert (world.current().status, world.current().resolution_notes) == ("resolved", "rebooted the VPN box")


def test_a_viewer_pressing_resolve_gets_no_form(world: World) -> None:
    handoffs.claim(world.sam, world.handoff.session_id, world.handoff.id, world.store)
    world.press("UVIC", Action.RESOLVE)
    assert [method for method, _ in world.slack.calls] == ["chat.postEphemeral"]


def test_a_refused_private_answer_does_not_fail_the_click(world: World) -> None:
    world.slack.refuse_ephemeral = True
    assert world.press("UNOBODY", Action.CLAIM).status == 200


def test_what_baton_does_not_act_on_gets_a_sentence() -> None:
    answer = logic.receive("acme", b"payload=%7Bnot+json", APP, World().deps)
    assert answer.body and answer.body["response_type"] == "ephemeral"


# --- every copy follows the handoff -----------------------------------------------------------------------------
def test_an_escalation_is_posted_once_and_every_later_change_updates_every_copy(world: World) -> None:
    created = event_of(None, world.handoff, 1)
    # When the escalation's event arrives, it is posted and recorded
    assert logic.deliver(created, APP, world.messages, world.slack, CONSOLE).posted == 1
    # And a second copy exists (the overdue reminder)
    overdue = created.model_copy(
        update={
            "type": "handoff_overdue",
            "event_id": "e-over",
            "handoff": created.handoff.model_copy(update={"version": 2, "overdue_level": 1}),
        }
    )
    assert logic.deliver(overdue, APP, world.messages, world.slack, CONSOLE).model_dump() == {
        "posted": 1,
        "updated": 1,
        "skipped": 0,
    }
    # When Sam claims it (version 3 in this story), both copies are updated, nothing new is posted
    claimed = handoffs.claim(world.sam, world.handoff.session_id, world.handoff.id, world.store)
    claim_event = event_of(world.handoff, claimed.model_copy(update={"version": 3}), 3)
    assert logic.deliver(claim_event, APP, world.messages, world.slack, CONSOLE).model_dump() == {
        "posted": 0,
        "updated": 2,
        "skipped": 0,
    }
    updates = [args for method, args in world.slack.calls if method == "chat.update"][-2:]
    assert all("Picked up by sam" in json.dumps(args["blocks"]) for args in updates)
    # And the same event again (a redelivery), or an older one, changes nothing
    assert logic.deliver(claim_event, APP, world.messages, world.slack, CONSOLE).updated == 0
    assert logic.deliver(created, APP, world.messages, world.slack, CONSOLE).model_dump() == {
        "posted": 0,
        "updated": 0,
        "skipped": 2,
    }


def test_a_park_is_not_posted(world: World) -> None:
    parked = event_of(None, world.handoff.model_copy(update={"intent": "park"}), 1)
    assert logic.deliver(parked, APP, world.messages, world.slack, CONSOLE).posted == 0
