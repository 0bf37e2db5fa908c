"""The SLA ladder on the local runtime: a 30 s policy really fires after ~30 s, level by level, pushed, emailed
and posted to the account's Teams channel (the loopback receiver, `/local/webhooks`).

Runs on globex (whose policy it restores), so the other tests' acme escalations keep the default, slow ladder.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import uuid
from collections.abc import Iterator
from datetime import datetime
from typing import Any

import httpx

from tests.e2e.conftest import Stack, eventually
from tests.e2e.live import Live

QUICK = {"remind_after_s": 30, "escalate_after_s": 30, "repeat_every_s": 30}
DEFAULTS = {"remind_after_s": 300, "escalate_after_s": 900, "repeat_every_s": 900}
ADMIN, JUNIOR, SENIOR = "admin@globex.test", "junior@globex.test", "senior@globex.test"
# Emailed: not the live SENIOR (a live console is not emailed what was pushed to it, baton/domain/recipients.py).
MAILED = "senior2@globex.test"


def _at(text: str) -> datetime:
    return datetime.fromisoformat(text.replace("Z", "+00:00"))


@contextlib.contextmanager
def quick_policy(stack: Stack) -> Iterator[None]:
    with stack.client(ADMIN) as admin:
        reply = admin.put("/api/v1/account/policy", json=QUICK)
        assert reply.status_code == 200, reply.text
        try:
            yield
        finally:
            admin.put("/api/v1/account/policy", json=DEFAULTS)


@contextlib.contextmanager
def teams_webhook(stack: Stack) -> Iterator[None]:
    """globex's Teams webhook pointed at the local runtime's loopback receiver, removed afterwards."""
    url = f"{stack.health().json()['webhook_receiver']}/teams/T{uuid.uuid4().hex[:8]}"
    with stack.client("owner@globex.test") as owner:
        assert owner.put("/api/v1/account/integrations/teams", json={"webhook_url": url}).status_code == 200
        try:
            yield
        finally:
            owner.delete("/api/v1/account/integrations/teams")


def _overdue_posts(stack: Stack, handoff_id: str, level: int) -> list[dict[str, Any]]:
    received = httpx.get(f"{stack.base_url}/local/webhooks").json()
    return [p for p in received if handoff_id in json.dumps(p["body"]) and f"overdue, level {level}" in json.dumps(p["body"])]


def _overdue_mail(stack: Stack, address: str, handoff_id: str, level: int) -> list[dict[str, Any]]:
    return [m for m in stack.outbox_to(address, handoff_id) if f"Overdue (level {level})" in m["subject"]]


def test_a_30_s_policy_raises_level_1_then_level_2_on_time_pushed_and_emailed_until_picked_up(stack: Stack) -> None:
    async def scenario() -> None:
        async with Live(stack, SENIOR) as senior, Live(stack, "senior@acme.test") as acme:
            # Given globex's 30 s ladder and a junior's escalation
            session_id, handoff_id = await asyncio.to_thread(stack.escalate, JUNIOR)
            created = await senior.next_for(handoff_id, "handoff_created")
            assert created["handoff"]["overdue_level"] == 0 and created["handoff"]["due_at"]
            started = _at(created["handoff"]["created_at"])
            # When nobody picks it up, Then ~30 s later it is overdue level 1, pushed with a system entry
            first = await senior.next_for(handoff_id, "handoff_overdue", timeout=50)
            waited = (_at(first["occurred_at"]) - started).total_seconds()
            assert first["handoff"]["overdue_level"] == 1 and 30 <= waited < 45, waited
            assert first["actor"] is None and first["timeline_entry"]["action"] == "overdue"
            # And the engineers were emailed about level 1, the admins were not
            await asyncio.to_thread(eventually, lambda: _overdue_mail(stack, MAILED, handoff_id, 1), 15, "level 1 email")
            assert _overdue_mail(stack, ADMIN, handoff_id, 1) == []
            # And the Teams channel got the level 1 message
            await asyncio.to_thread(eventually, lambda: _overdue_posts(stack, handoff_id, 1), 15, "level 1 on Teams")
            # Then 30 s later level 2 goes to the admins and owners
            second = await senior.next_for(handoff_id, "handoff_overdue", timeout=50)
            assert second["handoff"]["overdue_level"] == 2
            assert 30 <= (_at(second["occurred_at"]) - _at(first["occurred_at"])).total_seconds() < 45
            for address in (ADMIN, "owner@globex.test"):
                await asyncio.to_thread(
                    eventually, lambda a=address: _overdue_mail(stack, a, handoff_id, 2), 15, f"level 2 email to {address}"
                )
            assert _overdue_mail(stack, MAILED, handoff_id, 2) == []
            await asyncio.to_thread(eventually, lambda: _overdue_posts(stack, handoff_id, 2), 15, "level 2 on Teams")
            # When a senior picks it up, Then the ladder stops: the level 3 deadline passes with nothing
            with stack.client("senior2@globex.test") as client:
                claim = client.post(f"/api/v1/ai-sessions/{session_id}/handoffs/{handoff_id}/claim")
            assert claim.status_code == 200 and claim.json()["due_at"] is None
            seconds_to_level_3 = (_at(second["handoff"]["due_at"]) - _at(claim.json()["claimed_at"])).total_seconds()
            later = await senior.silence(max(0.0, seconds_to_level_3) + 5)
            assert [m for m in later if m.get("type") == "handoff_overdue" and m["handoff"]["id"] == handoff_id] == []
            # And acme saw none of globex's ladder
            assert [m for m in await acme.silence(0.5) if m.get("handoff", {}).get("id") == handoff_id] == []

    with quick_policy(stack), teams_webhook(stack):
        asyncio.run(scenario())


def test_escalation_email_and_push_flow_while_the_timer_function_fails(faulty: Stack) -> None:
    async def scenario() -> None:
        async with Live(faulty, SENIOR) as senior:
            # Given the timer function failing every invocation
            faulty.fault("TimerFunction", "fail", 1000)
            # When a junior escalates, Then push and email carry it as usual
            _, handoff_id = await asyncio.to_thread(faulty.escalate, JUNIOR)
            await senior.next_for(handoff_id, "handoff_created", timeout=10)
            await asyncio.to_thread(eventually, lambda: faulty.outbox_to(MAILED, handoff_id), 15, "the escalation email")

    with quick_policy(faulty):
        asyncio.run(scenario())


def test_the_ladder_climbs_while_push_and_email_fail_and_both_catch_up_after(faulty: Stack) -> None:
    # Given push and email failing every invocation, and a 30 s ladder
    with quick_policy(faulty):
        faulty.fault("PushFunction", "fail", 100_000)
        faulty.fault("EmailFunction", "fail", 100_000)
        session_id, handoff_id = faulty.escalate(JUNIOR)
        path = f"/api/v1/ai-sessions/{session_id}/handoffs/{handoff_id}"

        def level() -> int:
            with faulty.client(SENIOR) as client:
                return int(client.get(path).json()["handoff"]["overdue_level"])

        # When its first deadline passes, Then the timer raised the level anyway
        eventually(lambda: level() >= 1, 50, "overdue level 1 while push and email fail")
        # And once they recover, the overdue email goes out: nothing was lost
        faulty.clear_faults()
        eventually(lambda: _overdue_mail(faulty, SENIOR, handoff_id, 1), 20, "the held level 1 email")
