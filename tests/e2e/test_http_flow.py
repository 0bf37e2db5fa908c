"""The whole HTTP flow through the local gateway, as a newcomer would walk it with curl."""

from __future__ import annotations

import concurrent.futures
import time
from collections import Counter

import httpx

from tests.e2e.conftest import Stack

SESSION = {"intake_type": "alert", "intake_content": {"alert": "Disk 95% on FS01"}, "confidence_tier": "medium"}


def _escalation(junior: httpx.Client, intent: str = "escalate") -> tuple[str, str]:
    session = junior.post("/api/v1/ai-sessions", json=SESSION)
    assert session.status_code == 201, session.text
    handoff = junior.post(
        f"/api/v1/ai-sessions/{session.json()['id']}/handoff", json={"intent": intent, "engineer_notes": "help"}
    )
    assert handoff.status_code == 201, handoff.text
    return session.json()["id"], handoff.json()["id"]


def test_local_endpoints_list_demo_users_and_health(stack: Stack) -> None:
    # Given the running stack, When a newcomer looks around
    users = httpx.get(f"{stack.base_url}/local/users").json()
    # Then both demo accounts are there with every role
    emails = {u["email"] for u in users}
    for account in ("acme", "globex"):
        for login in ("owner", "admin", "junior", "senior", "senior2", "viewer"):
            assert f"{login}@{account}.test" in emails
    # And health says every part is up (a poller's one failed read, retried at once, may show for a moment)
    deadline = time.monotonic() + 10
    while (health := httpx.get(f"{stack.base_url}/local/health").json())["status"] != "ok" and time.monotonic() < deadline:
        time.sleep(0.2)
    assert health["status"] == "ok", {name: health["parts"][name] for name in health["down"]}
    # And an unknown email gets a clear 404
    reply = httpx.post(f"{stack.base_url}/local/token", json={"email": "who@nowhere.test"})
    assert reply.status_code == 404 and "demo user" in reply.json()["detail"]


def test_escalate_queue_claim_release_resolve(stack: Stack) -> None:
    # Given a junior and a senior of acme
    with stack.client("junior@acme.test") as junior, stack.client("senior@acme.test") as senior:
        session_id, handoff_id = _escalation(junior)
        base = f"/api/v1/ai-sessions/{session_id}/handoffs/{handoff_id}"
        # When the senior reads the queue, Then the escalation is there
        assert handoff_id in [h["id"] for h in senior.get("/api/v1/ai-sessions/queue").json()]
        # When the senior claims it, Then it is theirs and leaves the queue
        claimed = senior.post(f"{base}/claim")
        assert claimed.status_code == 200 and claimed.json()["claimed_by"] == stack.user("senior@acme.test")["id"]
        assert handoff_id not in [h["id"] for h in senior.get("/api/v1/ai-sessions/queue").json()]
        # And release puts it back; resolve closes it
        assert senior.post(f"{base}/release").json()["status"] == "open"
        assert senior.post(f"{base}/claim").status_code == 200
        resolved = senior.post(f"{base}/resolve", json={"resolution_notes": "Cleared temp files"})
        assert resolved.json()["status"] == "resolved" and resolved.json()["version"] == 5


def test_twenty_concurrent_claims_have_exactly_one_winner(stack: Stack) -> None:
    # Given an open escalation and twenty engineers' worth of clients (acme seniors and admins)
    with stack.client("junior@acme.test") as junior:
        session_id, handoff_id = _escalation(junior)
    tokens = [stack.token(email) for email in ("senior@acme.test", "senior2@acme.test", "admin@acme.test", "owner@acme.test")]
    url = f"{stack.base_url}/api/v1/ai-sessions/{session_id}/handoffs/{handoff_id}/claim"

    def claim(attempt: int) -> httpx.Response:
        return httpx.post(url, headers={"Authorization": f"Bearer {tokens[attempt % len(tokens)]}"}, timeout=30)

    # When all twenty click Pick Up at once
    with concurrent.futures.ThreadPoolExecutor(max_workers=20) as pool:
        replies = list(pool.map(claim, range(20)))
    # Then exactly one wins and nineteen are told who did
    assert Counter(r.status_code for r in replies) == {200: 1, 409: 19}
    winner = next(r.json() for r in replies if r.status_code == 200)
    for loser in (r.json() for r in replies if r.status_code == 409):
        assert loser["claimed_by"] == winner["claimed_by"] and loser["claimed_at"] == winner["claimed_at"]


def test_globex_cannot_see_or_touch_acme(stack: Stack) -> None:
    with stack.client("junior@acme.test") as junior, stack.client("admin@globex.test") as globex:
        session_id, handoff_id = _escalation(junior)
        assert handoff_id not in [h["id"] for h in globex.get("/api/v1/ai-sessions/queue").json()]
        assert globex.get(f"/api/v1/ai-sessions/{session_id}").status_code == 404
        assert globex.post(f"/api/v1/ai-sessions/{session_id}/handoffs/{handoff_id}/claim").status_code == 404


def test_a_role_downgrade_is_refused_on_the_next_request(stack: Stack) -> None:
    # Given a globex senior with a valid token
    with stack.client("senior2@globex.test") as senior, stack.client("owner@globex.test") as owner:
        assert senior.get("/api/v1/ai-sessions/queue").status_code == 200
        # When the owner makes them a viewer
        me = senior.get("/api/v1/me").json()
        assert owner.patch(f"/api/v1/account/users/{me['id']}", json={"role": "viewer"}).status_code == 200
        # Then the same token is refused at once
        refused = senior.get("/api/v1/ai-sessions/queue")
        assert refused.status_code == 403 and "engineer" in refused.json()["detail"]
        owner.patch(f"/api/v1/account/users/{me['id']}", json={"role": "engineer"})


def test_oversized_and_broken_bodies_through_the_gateway(stack: Stack) -> None:
    with stack.client("junior@acme.test") as junior:
        session_id = junior.post("/api/v1/ai-sessions", json=SESSION).json()["id"]
        path = f"/api/v1/ai-sessions/{session_id}/handoff"
        big = junior.post(
            path,
            content=b'{"intent":"park","engineer_notes":"' + b"x" * 66_560 + b'"}',
            headers={"content-type": "application/json"},
        )
        assert big.status_code == 413 and big.json()["detail"]
        broken = junior.post(path, content=b'{"intent":', headers={"content-type": "application/json"})
        assert broken.status_code == 400 and "JSON" in broken.json()["detail"]
        bad_id = junior.get("/api/v1/ai-sessions/not-a-uuid")
        assert bad_id.status_code in (404, 422) and bad_id.json()["detail"]


def test_idempotent_retry_over_http_creates_one_handoff(stack: Stack) -> None:
    with stack.client("junior@acme.test") as junior:
        session_id = junior.post("/api/v1/ai-sessions", json=SESSION).json()["id"]
        path = f"/api/v1/ai-sessions/{session_id}/handoff"
        first, second = (junior.post(path, json={"intent": "park"}, headers={"Idempotency-Key": "retry-1"}) for _ in range(2))
        assert first.status_code == second.status_code == 201 and first.json() == second.json()
        assert len(junior.get(f"/api/v1/ai-sessions/{session_id}/handoffs").json()) == 1


def test_unknown_routes_are_404_with_detail(stack: Stack) -> None:
    reply = httpx.get(f"{stack.base_url}/api/v2/nothing")
    assert reply.status_code == 404 and reply.json()["detail"]


def test_a_path_id_with_an_encoded_newline_reaches_the_api_and_is_not_found(stack: Stack) -> None:
    # Given a senior, When an action names a handoff id holding a newline
    with stack.client("senior@acme.test") as senior:
        reply = senior.post("/api/v1/ai-sessions/%0A/handoffs/x%0A/claim")
    # Then the API answers it as any id that does not exist, not the gateway with a 405
    assert reply.status_code in (404, 422) and reply.json()["detail"], reply.text


def test_openapi_is_public(stack: Stack) -> None:
    reply = httpx.get(f"{stack.base_url}/api/v1/openapi.json")
    assert reply.status_code == 200 and reply.json()["info"]["title"] == "baton HTTP API"
