"""Teams and Slack under the local runtime: the product's own functions post over HTTPS to the loopback receiver.

A new escalation (and an overdue one) shows up in `/local/webhooks`; a receiver answering 500 for a while gets
it once it recovers; one answering 400 gets it once and the refusal shows in the account's settings; email and
push keep flowing while the webhook channel fails.
"""

from __future__ import annotations

import asyncio
import json
import time
import uuid
from collections.abc import Iterator
from typing import Any

import httpx
import pytest

from baton.domain.events import HandoffEvent
from baton.publishers.sns_events import SnsEventPublisher
from tests.e2e.conftest import FAULT_VISIBILITY_SECONDS, Stack, eventually
from tests.e2e.live import Live
from tests.event_contract import checked

OWNER, SENIOR = "owner@acme.test", "senior@acme.test"
# Emailed: not the live SENIOR (a live console is not emailed what was pushed to it, baton/domain/recipients.py).
MAILED = "senior2@acme.test"
INTEGRATIONS = "/api/v1/account/integrations"
TOPIC = "arn:aws:sns:us-east-1:123456789012:EventsTopic"


def _receiver(stack: Stack) -> str:
    return str(stack.health().json()["webhook_receiver"])


def _posts_about(stack: Stack, handoff_id: str) -> list[dict[str, Any]]:
    received = httpx.get(f"{stack.base_url}/local/webhooks").json()
    return [post for post in received if handoff_id in json.dumps(post["body"])]


def _answer(stack: Stack, status: int, count: int) -> None:
    reply = httpx.post(f"{stack.base_url}/local/webhooks/faults", json={"status": status, "count": count})
    assert reply.status_code == 200, reply.text


def _channel(stack: Stack, channel: str) -> Iterator[str]:
    """acme's webhook of `channel` pointed at the receiver, removed (and the receiver healed) afterwards."""
    url = f"{_receiver(stack)}/{channel}/T{uuid.uuid4().hex[:8]}"
    with stack.client(OWNER) as owner:
        reply = owner.put(f"{INTEGRATIONS}/{channel}", json={"webhook_url": url})
        assert reply.status_code == 200, reply.text
        try:
            yield url
        finally:
            httpx.delete(f"{stack.base_url}/local/webhooks/faults")
            owner.delete(f"{INTEGRATIONS}/{channel}")


@pytest.fixture
def teams(stack: Stack) -> Iterator[str]:
    yield from _channel(stack, "teams")


@pytest.fixture
def faulty_slack(faulty: Stack) -> Iterator[str]:
    yield from _channel(faulty, "slack")


def _session_with_triage(stack: Stack) -> tuple[str, str]:
    with stack.client("junior@acme.test") as junior:
        session = junior.post(
            "/api/v1/ai-sessions",
            json={
                "intake_type": "ticket",
                "intake_content": {},
                "ticket_ref": "T-2002",
                "client_name": "Globomantics",
                "subject": "VPN down",
                "priority": "P1",
            },
        ).json()["id"]
        handoff = junior.post(
            f"/api/v1/ai-sessions/{session}/handoff", json={"intent": "escalate", "engineer_notes": "Tunnel flaps"}
        )
        assert handoff.status_code == 201, handoff.text
        return str(session), str(handoff.json()["id"])


def test_an_escalation_shows_up_in_local_webhooks_as_a_teams_card_once(stack: Stack, teams: str) -> None:
    # Given acme's Teams webhook pointed at the local receiver
    # When a junior escalates
    session_id, handoff_id = _session_with_triage(stack)
    # Then the receiver got one Adaptive Card with the triage, the notes and the link that opens the handoff
    [post] = eventually(lambda: _posts_about(stack, handoff_id), 15, "the Teams message")
    assert teams.endswith(post["path"]) and post["answered"] == 200
    card = post["body"]["attachments"][0]["content"]
    facts = {fact["title"]: fact["value"] for fact in card["body"][1]["facts"]}
    assert facts == {"Ticket": "T-2002", "Client": "Globomantics", "Subject": "VPN down", "Priority": "P1"}
    assert card["body"][3]["text"] == "Tunnel flaps"
    assert card["actions"][0]["url"] == f"{stack.base_url}/#/handoffs/{session_id}/{handoff_id}"
    # And nothing more comes for it (one message per event per channel)
    time.sleep(1.5)
    assert len(_posts_about(stack, handoff_id)) == 1


def test_an_overdue_event_shows_up_with_its_level(stack: Stack, teams: str) -> None:
    # Given an escalation already announced
    session_id, handoff_id = _session_with_triage(stack)
    eventually(lambda: _posts_about(stack, handoff_id), 15, "the Teams message")
    # When the SLA ladder's `handoff_overdue` (level 1) reaches the events topic, as the v1 contract builds it
    with stack.client(SENIOR) as senior:
        handoff = senior.get(f"/api/v1/ai-sessions/{session_id}/handoffs/{handoff_id}").json()["handoff"]
    overdue = {
        "schema": "baton.event.v1",
        "type": "handoff_overdue",
        "event_id": f"overdue-{uuid.uuid4()}",
        "occurred_at": handoff["updated_at"],
        "account_id": "acme",
        "actor": None,
        "handoff": {**handoff, "overdue_level": 1, "version": handoff["version"] + 1},
        "timeline_entry": None,
    }
    checked(overdue)
    SnsEventPublisher(TOPIC, stack.aws("sns")).publish(HandoffEvent.model_validate(overdue))
    # Then Teams gets a second message that says it is overdue, at level 1
    posts = eventually(lambda: [p for p in _posts_about(stack, handoff_id) if "overdue" in json.dumps(p["body"])], 15, "overdue")
    assert "overdue, level 1" in posts[0]["body"]["attachments"][0]["content"]["body"][0]["text"]


def test_slack_failing_with_500_gets_the_message_after_it_recovers_while_email_and_push_flow(
    faulty: Stack, faulty_slack: str
) -> None:
    async def scenario() -> None:
        async with Live(faulty, SENIOR) as senior:
            # Given Slack answering 500 to the next three posts
            _answer(faulty, 500, 3)
            # When a junior escalates
            _, handoff_id = await asyncio.to_thread(_session_with_triage, faulty)
            # Then push and email flow at once, while Slack fails
            await senior.next_for(handoff_id, "handoff_created", timeout=10)
            await asyncio.to_thread(eventually, lambda: faulty.outbox_to(MAILED, handoff_id), 15, "the escalation email")
            # And Slack gets the message once it answers again (redelivered every ~2 s here), exactly once
            delivered = lambda: [p for p in _posts_about(faulty, handoff_id) if p["answered"] == 200]  # noqa: E731
            await asyncio.to_thread(eventually, delivered, 30, "the Slack message after recovery")
            await asyncio.sleep(FAULT_VISIBILITY_SECONDS + 1)
            assert [p["answered"] for p in _posts_about(faulty, handoff_id)] == [500, 500, 500, 200]

    asyncio.run(scenario())


def test_slack_refusing_with_400_is_not_retried_the_refusal_shows_and_email_and_push_flow(
    faulty: Stack, faulty_slack: str
) -> None:
    async def scenario() -> None:
        async with Live(faulty, SENIOR) as senior:
            # Given Slack refusing every post
            _answer(faulty, 400, 1000)
            # When a junior escalates
            _, handoff_id = await asyncio.to_thread(_session_with_triage, faulty)
            # Then push and email flow
            await senior.next_for(handoff_id, "handoff_created", timeout=10)
            await asyncio.to_thread(eventually, lambda: faulty.outbox_to(MAILED, handoff_id), 15, "the escalation email")

            # And the owner sees the refusal in the account's settings
            def refused() -> Any:
                with faulty.client(OWNER) as owner:
                    last = owner.get(INTEGRATIONS).json()["slack"]["last_delivery"]
                return last if last and last["outcome"] == "rejected" else None

            last = await asyncio.to_thread(eventually, refused, 15, "the refusal in the settings")
            assert last["provider_status"] == 400 and last["detail"] == "Slack answered 400: invalid_payload."
            # And it was posted once: redeliveries (every ~2 s here) did not retry it
            await asyncio.sleep(2 * FAULT_VISIBILITY_SECONDS + 1)
            assert [p["answered"] for p in _posts_about(faulty, handoff_id)] == [400]

    asyncio.run(scenario())


def test_the_webhook_fault_switch_refuses_bad_requests(stack: Stack) -> None:
    reply = httpx.post(f"{stack.base_url}/local/webhooks/faults", json={"status": 99})
    assert reply.status_code == 422 and reply.json()["errors"][0]["loc"] == ["status"]
    assert httpx.get(f"{stack.base_url}/local/webhooks/faults").json()["fault"] is None
