"""The push fan-out's poster against a real HTTP server on loopback, speaking as API Gateway's
`@connections` does: signed requests, keep-alive reuse, 410 / 429 / other refusals, odd framings."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from typing import Any

import pytest
from aiohttp import web
from botocore.awsrequest import AWSResponse
from botocore.credentials import ReadOnlyCredentials

from baton.domain.websocket import ConnectionGone, PostFailed, Throttled
from baton.publishers.connection_poster import ConnectionPoster

CREDENTIALS = ReadOnlyCredentials("AKIDEXAMPLE", "secret", "session-token")
Scenario = Callable[[ConnectionPoster, "Server"], Awaitable[None]]


class Server:
    """Answers per connection id: 'gone*' 410, 'busy*' 429, 'bad*' 400, 'chunked*' a chunked 200,
    'closing*' a 200 with `Connection: close`; anything else 200. Records what it received."""

    def __init__(self) -> None:
        self.posts: list[tuple[str, bytes, dict[str, str]]] = []
        self.peers: set[Any] = set()

    async def post(self, request: web.Request) -> web.StreamResponse:
        connection_id = request.match_info["connection_id"]
        self.posts.append((connection_id, await request.read(), dict(request.headers)))
        self.peers.add(request.transport.get_extra_info("peername") if request.transport else None)
        if connection_id.startswith("gone"):
            return web.json_response({"message": "Gone"}, status=410, headers={"x-amzn-ErrorType": "GoneException"})
        if connection_id.startswith("busy"):
            return web.json_response({"message": "Slow down"}, status=429, headers={"x-amzn-ErrorType": "LimitExceededException"})
        if connection_id.startswith("bad"):
            return web.json_response({"message": "Bad"}, status=400, headers={"x-amzn-ErrorType": "BadRequestException"})
        if connection_id.startswith("chunked"):
            reply = web.StreamResponse(status=200)
            reply.enable_chunked_encoding()
            await reply.prepare(request)
            await reply.write(b'{"ok":')
            await reply.write(b"true}")
            await reply.write_eof()
            return reply
        if connection_id.startswith("closing"):
            return web.Response(status=200, headers={"Connection": "close"})
        return web.Response(status=200)


def _run(scenario: Scenario, keepalive_timeout: float = 75.0, in_flight: int = 4) -> Server:
    server = Server()

    async def main() -> None:
        app = web.Application()
        app.router.add_post("/dev/@connections/{connection_id}", server.post)
        runner = web.AppRunner(app, keepalive_timeout=keepalive_timeout)
        await runner.setup()
        site = web.TCPSite(runner, "127.0.0.1", 0)
        await site.start()
        port = site._server.sockets[0].getsockname()[1]  # type: ignore[union-attr]
        poster = ConnectionPoster(f"http://127.0.0.1:{port}/dev", "eu-west-1", lambda: CREDENTIALS, in_flight)
        try:
            await scenario(poster, server)
        finally:
            await poster.close()
            await runner.cleanup()

    asyncio.run(main())
    return server


def test_a_post_is_signed_for_execute_api_and_sent_to_the_stage_path() -> None:
    async def scenario(poster: ConnectionPoster, _: Server) -> None:
        await poster.post("AbC+/d=", b'{"hello":1}')

    # When one post goes out, Then the server got the body at the stage's path, signed with SigV4
    ((connection_id, body, headers),) = _run(scenario).posts
    assert (connection_id, body) == ("AbC+/d=", b'{"hello":1}')
    assert headers["Authorization"].startswith("AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/")
    assert "/eu-west-1/execute-api/aws4_request" in headers["Authorization"]
    assert headers["X-Amz-Security-Token"] == "session-token" and "X-Amz-Date" in headers


def test_gone_throttled_and_refused_posts_raise_what_the_push_logic_handles() -> None:
    async def scenario(poster: ConnectionPoster, _: Server) -> None:
        with pytest.raises(ConnectionGone):
            await poster.post("gone1", b"x")
        with pytest.raises(Throttled):
            await poster.post("busy1", b"x")
        with pytest.raises(PostFailed, match="400 BadRequestException"):
            await poster.post("bad1", b"x")
        await poster.post("ok1", b"x")  # and the connection is still usable after each

    assert len(_run(scenario).posts) == 4


def test_many_posts_share_a_few_keep_alive_connections() -> None:
    async def scenario(poster: ConnectionPoster, _: Server) -> None:
        await asyncio.gather(*(poster.post(f"c{number}", b"x") for number in range(100)))

    # When 100 posts go out through a pool of 4, Then they all arrive over at most 4 connections
    server = _run(scenario, in_flight=4)
    assert len(server.posts) == 100 and len(server.peers) <= 4


def test_chunked_and_closing_answers_are_read_whole_and_the_pool_carries_on() -> None:
    async def scenario(poster: ConnectionPoster, _: Server) -> None:
        for connection_id in ("chunked1", "closing1", "ok1", "chunked2", "ok2"):
            await poster.post(connection_id, b"x")

    assert [post[0] for post in _run(scenario, in_flight=1).posts] == ["chunked1", "closing1", "ok1", "chunked2", "ok2"]


def test_a_keep_alive_connection_the_server_closed_is_replaced_transparently() -> None:
    async def scenario(poster: ConnectionPoster, _: Server) -> None:
        await poster.post("ok1", b"x")
        await asyncio.sleep(0.3)  # the server drops the idle connection meanwhile
        await poster.post("ok2", b"x")

    assert [post[0] for post in _run(scenario, keepalive_timeout=0.1).posts] == ["ok1", "ok2"]


def test_a_botocore_before_send_handler_answers_instead_of_the_network() -> None:
    # Given botocore's event system with a handler answering every post with 410 (as moto or a stub would)
    class Events:
        def __init__(self) -> None:
            self.names: list[str] = []

        def emit_until_response(self, event_name: str, **kwargs: Any) -> Any:
            self.names.append(event_name)
            return None, AWSResponse(kwargs["request"].url, 410, {"x-amzn-ErrorType": "GoneException"}, None)

    events = Events()
    poster = ConnectionPoster("https://abc.execute-api.eu-west-1.amazonaws.com/dev", "eu-west-1", lambda: CREDENTIALS, 2, events)
    # When a post goes out, Then the handler's answer is the post's outcome, and nothing was sent
    with pytest.raises(ConnectionGone):
        asyncio.run(poster.post("c1", b"x"))
    assert events.names == ["before-send.apigatewaymanagementapi.PostToConnection"]
