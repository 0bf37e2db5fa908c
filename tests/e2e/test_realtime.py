"""Real-time push over real WebSockets, through the stream → SNS → SQS → push path."""

from __future__ import annotations

import asyncio
import time

import boto3
import httpx
import pytest
import websockets

from local.pollers import SQS_LONG_POLL_SECONDS
from tests.e2e.conftest import Stack
from tests.e2e.live import Live

SESSION = {"intake_type": "ticket", "intake_content": {"ticket": "T-7"}}


def _handoff(stack: Stack, email: str, intent: str = "escalate", notes: str = "need help") -> tuple[str, str]:
    with stack.client(email) as client:
        session = client.post("/api/v1/ai-sessions", json=SESSION).json()
        reply = client.post(f"/api/v1/ai-sessions/{session['id']}/handoff", json={"intent": intent, "engineer_notes": notes})
        assert reply.status_code == 201, reply.text
        return session["id"], reply.json()["id"]


def _aws(stack: Stack, service: str):  # type: ignore[no-untyped-def]
    endpoint = httpx.get(f"{stack.base_url}/local/health").json()["aws_endpoint"]
    return boto3.client(service, endpoint_url=endpoint, region_name="us-east-1", aws_access_key_id="x", aws_secret_access_key="x")


def test_ready_then_the_new_escalation_for_acme_only(stack: Stack) -> None:
    async def scenario() -> None:
        # Given an acme engineer and a globex engineer, connected
        async with Live(stack, "senior@acme.test") as acme, Live(stack, "senior@globex.test") as globex:
            assert acme.ready["account_id"] == "acme" and acme.ready["user_id"] == stack.user("senior@acme.test")["id"]
            assert acme.ready["connection_id"]
            # When an acme junior escalates
            _, handoff_id = await asyncio.to_thread(_handoff, stack, "junior@acme.test")
            # Then acme's engineer gets handoff_created with the whole handoff
            created = await acme.next_for(handoff_id, "handoff_created")
            assert created["account_id"] == "acme" and created["event_id"] and created["occurred_at"]
            assert created["handoff"]["version"] == 1 and created["handoff"]["intent"] == "escalate"
            # And globex's engineer gets nothing of it
            assert [m for m in await globex.silence(1.5) if m.get("handoff", {}).get("id") == handoff_id] == []

    asyncio.run(scenario())


def test_a_claim_is_pushed_to_every_acme_connection(stack: Stack) -> None:
    async def scenario() -> None:
        async with Live(stack, "senior@acme.test") as one, Live(stack, "senior2@acme.test") as two:
            session_id, handoff_id = await asyncio.to_thread(_handoff, stack, "junior@acme.test")
            with stack.client("admin@acme.test") as admin:
                assert admin.post(f"/api/v1/ai-sessions/{session_id}/handoffs/{handoff_id}/claim").status_code == 200
            for client in (one, two):
                claimed = await client.next_for(handoff_id, "handoff_claimed")
                assert (
                    claimed["handoff"]["version"] == 2 and claimed["handoff"]["claimed_by"] == stack.user("admin@acme.test")["id"]
                )

    asyncio.run(scenario())


def test_a_viewer_cannot_get_a_ticket(stack: Stack) -> None:
    with stack.client("viewer@acme.test") as viewer:
        reply = viewer.post("/api/v1/ws-ticket")
    assert reply.status_code == 403 and "engineer" in reply.json()["detail"]


def _status_of_connect(url: str) -> int:
    async def attempt() -> int:
        try:
            async with websockets.connect(url):
                return 101
        except websockets.InvalidStatus as refused:
            return refused.response.status_code

    return asyncio.run(attempt())


def test_reused_forged_missing_and_expired_tickets_are_refused(stack: Stack) -> None:
    with stack.client("senior@acme.test") as senior:
        url = senior.post("/api/v1/ws-ticket").json()["url"]
    # A ticket opens one connection, once
    assert _status_of_connect(url) == 101
    # A used, forged or expired ticket is the authorizer's Deny (403); no ticket at all never reaches it (401)
    assert _status_of_connect(url) == 403
    base = url.split("?")[0]
    assert _status_of_connect(f"{base}?ticket=forged-{time.time()}") == 403
    assert _status_of_connect(base) == 401
    # An expired ticket (written as the API would, but 5 s in the past)
    _aws(stack, "dynamodb").put_item(
        TableName="ConnectionsTable",
        Item={
            "pk": {"S": "TICKET#expired-one"},
            "sk": {"S": "TICKET"},
            "user_id": {"S": stack.user("senior@acme.test")["id"]},
            "expires_at": {"N": str(int(time.time()) - 5)},
        },
    )
    assert _status_of_connect(f"{base}?ticket=expired-one") == 403


def test_a_ticket_of_someone_made_viewer_meanwhile_is_403(stack: Stack) -> None:
    user = stack.user("senior2@globex.test")
    with stack.client("senior2@globex.test") as senior, stack.client("owner@globex.test") as owner:
        url = senior.post("/api/v1/ws-ticket").json()["url"]
        owner.patch(f"/api/v1/account/users/{user['id']}", json={"role": "viewer"})
        try:
            assert _status_of_connect(url) == 403
        finally:
            owner.patch(f"/api/v1/account/users/{user['id']}", json={"role": "engineer"})


def test_a_user_made_viewer_is_disconnected_and_receives_nothing_more(stack: Stack) -> None:
    user = stack.user("admin@globex.test")

    async def scenario() -> None:
        async with Live(stack, "admin@globex.test") as admin:
            with stack.client("owner@globex.test") as owner:
                assert owner.patch(f"/api/v1/account/users/{user['id']}", json={"role": "viewer"}).status_code == 200
            try:
                # (issue 24: it is told why first, then closed)
                told = await admin.next(timeout=5)
                assert told == {"type": "closed", "detail": told["detail"]} and "now viewer" in told["detail"]
                with pytest.raises(websockets.ConnectionClosed):
                    await admin.next(timeout=5)
            finally:
                with stack.client("owner@globex.test") as owner:
                    owner.patch(f"/api/v1/account/users/{user['id']}", json={"role": "admin"})

    asyncio.run(scenario())


def test_a_vanished_clients_connection_is_removed_on_the_next_push(stack: Stack) -> None:
    # Given a connection row whose client vanished without a $disconnect (API Gateway will say 410)
    dynamodb = _aws(stack, "dynamodb")
    dynamodb.put_item(
        TableName="ConnectionsTable",
        Item={
            "pk": {"S": "CONN#vanished-1="},
            "sk": {"S": "CONN"},
            "connection_id": {"S": "vanished-1="},
            "account_id": {"S": "globex"},
            "user_id": {"S": "someone"},
            "connected_at": {"S": "2026-01-01T00:00:00.000Z"},
            "expires_at": {"N": str(int(time.time()) + 3600)},
        },
    )
    # When the next event for globex is pushed
    _handoff(stack, "junior@globex.test")
    # Then the row is gone
    deadline = time.monotonic() + 10
    while "Item" in dynamodb.get_item(TableName="ConnectionsTable", Key={"pk": {"S": "CONN#vanished-1="}, "sk": {"S": "CONN"}}):
        assert time.monotonic() < deadline, "the stale connection was not cleaned up"
        time.sleep(0.1)


def test_a_client_that_was_away_resumes_and_misses_nothing(stack: Stack) -> None:
    async def scenario() -> None:
        # Given a client that saw an event, then dropped
        async with Live(stack, "senior@acme.test") as before:
            _, first = await asyncio.to_thread(_handoff, stack, "junior@acme.test")
            last_seen = (await before.next_for(first, "handoff_created"))["occurred_at"]
        # When two escalations happen while it is away
        missed = [(await asyncio.to_thread(_handoff, stack, "junior@acme.test"))[1] for _ in range(2)]
        # Then after reconnecting, `resume` from the last event time returns both, then `resumed`
        async with Live(stack, "senior@acme.test") as after:
            await after.send({"action": "resume", "since": last_seen})
            snapshots = []
            while (message := await after.next()).get("type") != "resumed":
                if message.get("type") == "handoff_snapshot":
                    snapshots.append(message["handoff"]["id"])
            # (`since` is inclusive, so the last event seen may come again: clients apply by version)
            assert set(missed) <= set(snapshots)
            assert message["as_of"]

    asyncio.run(scenario())


def test_bad_messages_get_an_error_and_the_connection_stays_open(stack: Stack) -> None:
    async def scenario() -> None:
        async with Live(stack, "senior@acme.test") as client:
            await client.send({"action": "dance"})
            assert "dance" in (await client.next("error"))["detail"]
            await client.send({"action": "resume", "since": "last tuesday"})
            assert "ISO" in (await client.next("error"))["detail"]
            assert client.socket
            await client.socket.send("not json")
            assert (await client.next("error"))["detail"]
            await client.send({"action": "ping"})
            assert (await client.next("pong")).keys() == {"type", "changed_at"}  # issue 24: the newest change time

    asyncio.run(scenario())


def _outbox(stack: Stack) -> list[dict[str, object]]:
    return list(httpx.get(f"{stack.base_url}/local/outbox").json())


def test_an_escalation_is_emailed_to_the_accounts_engineers_and_admins_but_not_its_creator(stack: Stack) -> None:
    # Given the outbox so far
    before = len(_outbox(stack))
    # When globex's junior escalates with a distinctive note, and parks another
    note = f"Printer on fire {time.time()}"
    _, handoff_id = _handoff(stack, "junior@globex.test", notes=note)
    _handoff(stack, "junior@globex.test", intent="park", notes=f"parked {note}")
    # Then one email per globex engineer and admin (the default policy), none to the junior, the viewer or the owner
    deadline = time.monotonic() + 10
    while True:
        mails = [m for m in _outbox(stack)[before:] if note in str(m["text"])]
        if len(mails) >= 3 or time.monotonic() > deadline:
            break
        time.sleep(0.2)
    time.sleep(0.5)  # and no more than those
    mails = [m for m in _outbox(stack)[before:] if note in str(m["text"])]
    recipients = sorted(to for mail in mails for to in mail["to"])  # type: ignore[attr-defined]
    assert recipients == sorted(f"{who}@globex.test" for who in ("admin", "senior", "senior2"))
    assert all(handoff_id in str(mail["text"]) and "Escalation" in str(mail["subject"]) for mail in mails)
    assert not any("parked" in str(mail["text"]) for mail in _outbox(stack)[before:])


def test_a_poison_message_ends_in_the_dlq_without_blocking_later_events(stack: Stack) -> None:
    sqs = _aws(stack, "sqs")
    queue = sqs.get_queue_url(QueueName="PushQueue")["QueueUrl"]
    dlq = sqs.get_queue_url(QueueName="PushDeadLetters")["QueueUrl"]
    # Given a short visibility timeout (so five receives take seconds, not five minutes) and a poison message
    sqs.set_queue_attributes(QueueUrl=queue, Attributes={"VisibilityTimeout": "1"})
    time.sleep(SQS_LONG_POLL_SECONDS + 0.5)  # receives already waiting took the old timeout with them
    try:
        sqs.send_message(QueueUrl=queue, MessageBody='{"this is": "not an event"}')

        async def scenario() -> None:
            # When an escalation follows it, Then it is pushed at once
            async with Live(stack, "senior@acme.test") as client:
                _, handoff_id = await asyncio.to_thread(_handoff, stack, "junior@acme.test")
                await client.next_for(handoff_id, "handoff_created", timeout=5)

        asyncio.run(scenario())
        # And the poison message lands in the dead-letter queue
        deadline = time.monotonic() + 30
        bodies: list[str] = []
        while not any("not an event" in body for body in bodies):
            assert time.monotonic() < deadline, "the poison message never reached the DLQ"
            bodies += [m["Body"] for m in sqs.receive_message(QueueUrl=dlq, MaxNumberOfMessages=10).get("Messages", [])]
            time.sleep(0.5)
    finally:
        sqs.set_queue_attributes(QueueUrl=queue, Attributes={"VisibilityTimeout": "60"})


def test_every_change_is_pushed_with_a_version_to_order_by(stack: Stack) -> None:
    async def scenario() -> None:
        async with Live(stack, "senior@acme.test") as client:
            session_id, handoff_id = await asyncio.to_thread(_handoff, stack, "junior@acme.test")
            base = f"/api/v1/ai-sessions/{session_id}/handoffs/{handoff_id}"
            with stack.client("senior2@acme.test") as other:
                for action in ("claim", "release", "claim", "resolve"):
                    body = {"resolution_notes": "Fixed the CNAME"} if action == "resolve" else {}
                    assert other.post(f"{base}/{action}", json=body).status_code == 200
            # SQS standard queues do not keep order (nor does AWS): clients order by version
            by_version: dict[int, str] = {}
            while len(by_version) < 5:
                message = await client.next()
                if message.get("handoff", {}).get("id") == handoff_id:
                    by_version[message["handoff"]["version"]] = message["type"]
            assert by_version == {
                1: "handoff_created",
                2: "handoff_claimed",
                3: "handoff_released",
                4: "handoff_claimed",
                5: "handoff_resolved",
            }

    asyncio.run(scenario())


def test_the_pong_carries_the_accounts_newest_change(stack: Stack) -> None:
    """Issue 24: the server side of "never Live while behind" (the console resumes when a pong is newer)."""

    async def scenario() -> tuple[str, str | None]:
        async with Live(stack, "senior@acme.test") as client:
            # Given a change of the account (a new escalation), pushed to this connection
            _, handoff_id = await asyncio.to_thread(_handoff, stack, "junior@acme.test", "escalate", "pong check")
            pushed = await client.next_for(handoff_id, "handoff_created")
            # When the client pings, Then the pong names the newest change time: that one (or a later one)
            await client.send({"action": "ping"})
            pong = await client.next("pong")
            return str(pushed["handoff"]["updated_at"]), pong.get("changed_at")

    updated_at, changed_at = asyncio.run(scenario())
    assert changed_at is not None and changed_at >= updated_at
