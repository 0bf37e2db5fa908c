"""GET /api/v1/handoffs/mine over real HTTP through the local runtime: roles, tenant isolation, paging."""

from __future__ import annotations

from typing import Any

from tests.e2e.conftest import Stack

MINE = "/api/v1/handoffs/mine"


def _escalate_and_claim(stack: Stack, junior: str, senior: str) -> dict[str, Any]:
    session_id, handoff_id = stack.escalate(junior)
    with stack.client(senior) as client:
        reply = client.post(f"/api/v1/ai-sessions/{session_id}/handoffs/{handoff_id}/claim")
        assert reply.status_code == 200, reply.text
        return dict(reply.json())


def test_a_senior_lists_what_they_hold_and_a_junior_what_they_created_each_in_their_own_account(stack: Stack) -> None:
    # Given an acme escalation picked up by an acme senior, and a globex one picked up by a globex senior
    acme = _escalate_and_claim(stack, "junior@acme.test", "senior@acme.test")
    globex = _escalate_and_claim(stack, "junior@globex.test", "senior@globex.test")
    # When each side asks for what they hold and what they created
    with stack.client("senior@acme.test") as acme_senior, stack.client("senior@globex.test") as globex_senior:
        held_acme = acme_senior.get(MINE, params={"role": "holder", "status": "claimed", "limit": 100})
        held_globex = globex_senior.get(MINE, params={"role": "holder", "status": "claimed", "limit": 100})
    with stack.client("junior@acme.test") as acme_junior:
        created = acme_junior.get(MINE, params={"role": "creator", "status": "claimed", "limit": 100})
    # Then each sees their own, newest first, and never the other account's
    assert held_acme.status_code == held_globex.status_code == created.status_code == 200
    assert held_acme.json()[0]["id"] == acme["id"] and created.json()[0]["id"] == acme["id"]
    assert {h["account_id"] for h in held_acme.json() + created.json()} == {"acme"}
    assert held_globex.json()[0]["id"] == globex["id"]
    assert globex["id"] not in {h["id"] for h in held_acme.json() + created.json()}
    assert acme["id"] not in {h["id"] for h in held_globex.json()}


def test_a_viewer_is_refused_and_a_bad_query_is_422(stack: Stack) -> None:
    with stack.client("viewer@acme.test") as viewer:
        refused = viewer.get(MINE, params={"role": "holder", "status": "claimed"})
    assert refused.status_code == 403 and "engineer" in refused.json()["detail"]
    with stack.client("senior@acme.test") as senior:
        bad = senior.get(MINE, params={"role": "holder", "status": "lost"})
        unsigned = stack.client().get(MINE, params={"role": "holder", "status": "claimed"})
    assert bad.status_code == 422 and bad.json()["detail"]
    assert unsigned.status_code == 401


def test_pages_follow_x_next_cursor(stack: Stack) -> None:
    held = [_escalate_and_claim(stack, "junior@acme.test", "senior2@acme.test")["id"] for _ in range(3)]
    seen: list[str] = []
    with stack.client("senior2@acme.test") as client:
        params: dict[str, Any] = {"role": "holder", "status": "claimed", "limit": 2}
        while True:
            reply = client.get(MINE, params=params)
            assert reply.status_code == 200, reply.text
            seen += [h["id"] for h in reply.json()]
            if not (cursor := reply.headers.get("X-Next-Cursor")):
                break
            params["cursor"] = cursor
    assert seen[:3] == held[::-1] and len(seen) == len(set(seen))
