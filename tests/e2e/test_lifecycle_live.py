"""The lifecycle's new actions over real HTTP and WebSockets: each is pushed, contract-checked, to its account only."""

from __future__ import annotations

import asyncio
import time

import httpx

from tests.e2e.conftest import Stack
from tests.e2e.live import Live

SESSION = {"intake_type": "ticket", "intake_content": {"ticket": "T-9"}, "ticket_ref": "T-9", "priority": "P1"}


def _handoff(stack: Stack, email: str, intent: str) -> tuple[str, str]:
    with stack.client(email) as client:
        session = client.post("/api/v1/ai-sessions", json=SESSION).json()
        reply = client.post(f"/api/v1/ai-sessions/{session['id']}/handoff", json={"intent": intent})
        assert reply.status_code == 201, reply.text
        return session["id"], reply.json()["id"]


def _act(stack: Stack, email: str, path: str, action: str, body: dict[str, str] | None = None) -> httpx.Response:
    with stack.client(email) as client:
        return client.post(f"{path}/{action}", json=body)


def test_escalate_reassign_and_withdraw_reach_every_acme_screen_and_no_other(stack: Stack) -> None:
    async def scenario() -> None:
        # Given seniors of acme and globex watching
        async with Live(stack, "senior@acme.test") as acme, Live(stack, "senior@globex.test") as globex:
            session_id, handoff_id = await asyncio.to_thread(_handoff, stack, "junior@acme.test", "park")
            path = f"/api/v1/ai-sessions/{session_id}/handoffs/{handoff_id}"
            senior2 = stack.user("senior2@acme.test")["id"]
            # When the junior escalates the park, a senior picks it up and hands it to a colleague
            for email, action, body in [
                ("junior@acme.test", "escalate", {"engineer_notes": "worse than thought"}),
                ("senior@acme.test", "claim", None),
                ("senior@acme.test", "reassign", {"to_user_id": senior2, "reason": "knows the client"}),
            ]:
                reply = await asyncio.to_thread(_act, stack, email, path, action, body)
                assert reply.status_code == 200, reply.text
            # Then acme's screen gets each change with its actor and timeline entry
            escalated = await acme.next_for(handoff_id, "handoff_escalated")
            assert escalated["actor"]["id"] == stack.user("junior@acme.test")["id"]
            assert escalated["handoff"]["session"]["priority"] == "P1"
            reassigned = await acme.next_for(handoff_id, "handoff_reassigned")
            assert reassigned["timeline_entry"]["to_user_id"] == senior2 and reassigned["handoff"]["claimed_by"] == senior2
            assert reassigned["timeline_entry"]["reason"] == "knows the client"
            # And globex sees none of it
            assert [m for m in await globex.silence(1.0) if m.get("handoff", {}).get("id") == handoff_id] == []

    asyncio.run(scenario())


def test_a_withdrawal_is_pushed_and_a_resume_snapshot_has_the_same_envelope(stack: Stack) -> None:
    async def scenario() -> None:
        since = time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(time.time() - 1))
        async with Live(stack, "senior@acme.test") as acme:
            session_id, handoff_id = await asyncio.to_thread(_handoff, stack, "junior@acme.test", "escalate")
            path = f"/api/v1/ai-sessions/{session_id}/handoffs/{handoff_id}"
            reply = await asyncio.to_thread(_act, stack, "junior@acme.test", path, "withdraw", {"reason": "fixed it"})
            assert reply.status_code == 200 and reply.json()["status"] == "withdrawn"
            withdrawn = await acme.next_for(handoff_id, "handoff_withdrawn")
            assert withdrawn["schema"] == "baton.event.v1" and withdrawn["timeline_entry"]["reason"] == "fixed it"
            # When the client resumes from before the escalation
            await acme.send({"action": "resume", "since": since})
            snapshot = await acme.next_for(handoff_id, "handoff_snapshot")
            # Then the snapshot is the same envelope, with the handoff as it is now
            assert snapshot["schema"] == "baton.event.v1" and snapshot["actor"] is None
            assert snapshot["handoff"] == withdrawn["handoff"]

    asyncio.run(scenario())


def test_resume_at_the_ends_of_time_answers(stack: Stack) -> None:
    async def scenario() -> None:
        async with Live(stack, "senior@acme.test") as acme:
            for since in ("0001-01-01T00:00:00+01:00", "9999-12-31T23:59:59-05:00", "0001-01-01T00:00:00Z"):
                await acme.send({"action": "resume", "since": since})
                reply = await acme.next()
                while reply["type"] == "handoff_snapshot":
                    reply = await acme.next()
                assert reply["type"] in ("error", "resumed"), reply

    asyncio.run(scenario())


def test_an_unknown_action_is_the_api_functions_own_404_with_a_detail(stack: Stack) -> None:
    # Given an escalation, When a senior posts an action the API does not have
    session_id, handoff_id = _handoff(stack, "junior@acme.test", "escalate")
    reply = _act(stack, "senior@acme.test", f"/api/v1/ai-sessions/{session_id}/handoffs/{handoff_id}", "explode")
    # Then the template's /api/v1/{proxy+} routes took it to the API function, which says so in a sentence
    # (API Gateway's own answer would be {"message": "Not Found"}, with no detail)
    assert reply.status_code == 404 and reply.json() == {"detail": "No such endpoint."}
