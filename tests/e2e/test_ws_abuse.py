"""The WebSocket abuse list: bad tickets, a ticket raced ten times, malformed and oversized frames, resume extremes."""

from __future__ import annotations

import asyncio
import json
from typing import Any

import httpx
import pytest
import websockets
from websockets.asyncio.client import ClientConnection
from websockets.exceptions import ConnectionClosed, InvalidStatus

from tests.e2e.conftest import Stack
from tests.e2e.live import received

SENIOR = "senior@acme.test"


def _ticket(stack: Stack) -> dict[str, Any]:
    reply = httpx.post(f"{stack.base_url}/api/v1/ws-ticket", headers={"Authorization": f"Bearer {stack.token(SENIOR)}"})
    assert reply.status_code == 201, reply.text
    return dict(reply.json())


def _ws_url(stack: Stack, query: str = "") -> str:
    return f"{stack.base_url.replace('http://', 'ws://')}/ws{query}"


async def _refused_status(url: str) -> int:
    with pytest.raises(InvalidStatus) as refused:
        async with websockets.connect(url):
            pass
    return refused.value.response.status_code


async def _reply(socket: ClientConnection, timeout: float = 5) -> dict[str, Any]:
    async with asyncio.timeout(timeout):
        return received(await socket.recv())


@pytest.mark.parametrize("query", ["", "?ticket=", "?tick=x"])
def test_a_missing_ticket_is_refused_with_401(stack: Stack, query: str) -> None:
    # When a client connects without a ticket, Then API Gateway refuses the upgrade with 401 (no authorizer call)
    assert asyncio.run(_refused_status(_ws_url(stack, query))) == 401


@pytest.mark.parametrize(
    "query", ["?ticket=Zm9yZ2VkLXRpY2tldC1mb3JnZWQtdGlja2V0LWZvcmdlZA", "?ticket=../../etc/passwd", "?ticket=%00"]
)
def test_a_forged_ticket_is_denied_with_403(stack: Stack, query: str) -> None:
    # When a client connects with a ticket nobody issued, Then the authorizer denies it (403), without an error
    assert asyncio.run(_refused_status(_ws_url(stack, query))) == 403


def test_a_used_ticket_is_refused(stack: Stack) -> None:
    async def scenario() -> None:
        # Given a ticket that has opened a connection
        url = _ticket(stack)["url"]
        async with websockets.connect(url):
            pass
        # When it is used again, Then it is denied (403)
        assert await _refused_status(url) == 403

    asyncio.run(scenario())


def test_an_expired_ticket_is_refused(stack: Stack) -> None:
    # Given a ticket whose 60 s have passed (its expiry moved into the past)
    ticket = _ticket(stack)
    stack.aws("dynamodb").update_item(
        TableName="ConnectionsTable",
        Key={"pk": {"S": f"TICKET#{ticket['ticket']}"}, "sk": {"S": "TICKET"}},
        UpdateExpression="SET expires_at = :past",
        ExpressionAttributeValues={":past": {"N": "1000"}},
    )
    # When it is used, Then it is denied (403)
    assert asyncio.run(_refused_status(ticket["url"])) == 403


def test_ten_concurrent_uses_of_one_ticket_open_exactly_one_connection(stack: Stack) -> None:
    async def attempt(url: str) -> int | ClientConnection:
        try:
            return await websockets.connect(url)
        except InvalidStatus as refused:
            return refused.response.status_code

    async def scenario() -> None:
        # Given one ticket
        url = _ticket(stack)["url"]
        # When ten clients race to use it
        outcomes = await asyncio.gather(*(attempt(url) for _ in range(10)))
        # Then exactly one connects and the nine others are denied (403)
        connected = [o for o in outcomes if not isinstance(o, int)]
        assert len(connected) == 1 and sorted(o for o in outcomes if isinstance(o, int)) == [403] * 9
        await connected[0].close()

    asyncio.run(scenario())


@pytest.mark.parametrize(
    "frame",
    ["not json", "", "[]", "null", "42", '"hello"', '{"action": 7}', '{"action": "$connect"}', '{"action": "nope"}', "{" * 5000],
)
def test_a_malformed_frame_gets_an_error_and_the_connection_stays_open(stack: Stack, frame: str) -> None:
    async def scenario() -> None:
        async with websockets.connect(_ticket(stack)["url"]) as socket:
            # When a malformed frame arrives
            await socket.send(frame)
            # Then the server answers an error, and still answers a ping
            assert (await _reply(socket))["type"] == "error"
            await socket.send(json.dumps({"action": "ping"}))
            assert (await _reply(socket))["type"] == "pong"

    asyncio.run(scenario())


def test_a_binary_frame_does_not_break_the_connection(stack: Stack) -> None:
    async def scenario() -> None:
        async with websockets.connect(_ticket(stack)["url"]) as socket:
            # When a binary frame arrives, Then the connection still answers a ping
            await socket.send(b"\x00\xff" * 100)
            await socket.send(json.dumps({"action": "ping"}))
            while (await _reply(socket))["type"] != "pong":
                pass

    asyncio.run(scenario())


def test_a_200_kb_message_closes_that_connection_only(stack: Stack) -> None:
    async def scenario() -> None:
        async with websockets.connect(_ticket(stack)["url"]) as other, websockets.connect(_ticket(stack)["url"]) as socket:
            # When a client sends 200 KB, more than API Gateway's 128 KB message limit
            await socket.send(json.dumps({"action": "ping", "padding": "x" * 200_000}))
            # Then its connection is closed with 1009 (message too big)
            with pytest.raises(ConnectionClosed) as closed:
                await _reply(socket)
            assert closed.value.rcvd is not None and closed.value.rcvd.code == 1009
            # And other connections are untouched
            await other.send(json.dumps({"action": "ping"}))
            assert (await _reply(other))["type"] == "pong"

    asyncio.run(scenario())


@pytest.mark.parametrize(
    ("since", "answer"),
    [
        ("0001-01-01T00:00:00Z", "resumed"),
        ("0001-01-01T00:00:00+00:00", "resumed"),
        ("9999-12-31T23:59:59Z", "resumed"),
        ("9999-12-31T23:59:59.999999+00:00", "resumed"),
        # Inside years 1-9999 as written, outside once moved to UTC: the overflow is a clear error, not silence.
        ("0001-01-01T00:00:00+01:00", "error"),
        ("9999-12-31T23:59:59-05:00", "error"),
    ],
)
def test_resume_at_the_ends_of_time_gets_a_reply(stack: Stack, since: str, answer: str) -> None:
    async def scenario() -> None:
        async with websockets.connect(_ticket(stack)["url"]) as socket:
            # When a client resumes from year 1 or year 9999
            await socket.send(json.dumps({"action": "resume", "since": since}))
            # Then it is answered (snapshots then resumed, or an error naming `since`), never left in silence
            while (reply := await _reply(socket))["type"] == "handoff_snapshot":
                pass
            assert reply["type"] == answer, reply
            assert answer != "error" or "`since`" in reply["detail"], reply

    asyncio.run(scenario())


@pytest.mark.parametrize("since", ["yesterday", "", 42, None, "2026-13-45T99:99:99Z"])
def test_resume_with_a_bad_since_gets_an_error(stack: Stack, since: object) -> None:
    async def scenario() -> None:
        async with websockets.connect(_ticket(stack)["url"]) as socket:
            await socket.send(json.dumps({"action": "resume", "since": since}))
            assert (await _reply(socket))["type"] == "error"

    asyncio.run(scenario())
