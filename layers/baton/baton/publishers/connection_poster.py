"""The push fan-out's posts to `@connections/{id}`: many in flight on asyncio over keep-alive
HTTP/1.1, each signed with botocore's SigV4 signer. Through a boto3 client a post costs ~1.2 ms
of CPU (parameter handling, events, retries, parsing); signed and written directly, ~0.15 ms,
and waiting on the network costs no thread. Its own module, so that the API and the WebSocket
routes (which only close or reply through `websocket_connections`) never import asyncio.
"""

from __future__ import annotations

import asyncio
import ssl
from collections.abc import Callable
from typing import TYPE_CHECKING, Any, Protocol
from urllib.parse import quote, urlsplit

from botocore.auth import SigV4Auth
from botocore.awsrequest import AWSRequest

if TYPE_CHECKING:
    from botocore.credentials import ReadOnlyCredentials

from baton.domain.websocket import ConnectionGone, PostFailed, Throttled
from baton.publishers.websocket_connections import THROTTLING

REQUEST_TIMEOUT_SECONDS = 5.0


class EventHooks(Protocol):
    """botocore's event system (`client.meta.events`), as far as the poster uses it."""

    def emit_until_response(self, event_name: str, **kwargs: Any) -> Any: ...


class ConnectionPoster:
    """Posts to `@connections/{id}`: SigV4-signed, over a pool of keep-alive connections.

    Use it from one event loop (its connections belong to it). `events` is the botocore event
    system of a client of the same API: a `before-send` handler there (moto, a stub) answers the
    post instead of the network, exactly as for the client's own calls."""

    def __init__(
        self,
        endpoint_url: str,
        region: str,
        credentials: Callable[[], ReadOnlyCredentials],
        connections: int,
        events: EventHooks | None = None,
    ) -> None:
        self._base = endpoint_url.rstrip("/")
        self._base_path = urlsplit(self._base).path
        self._region = region
        self._credentials = credentials
        self._events = events
        self._pool = KeepAlivePool(endpoint_url, connections)

    async def post(self, connection_id: str, data: bytes) -> None:
        resource = f"/@connections/{quote(connection_id, safe='')}"
        request = AWSRequest(method="POST", url=self._base + resource, data=data)
        SigV4Auth(self._credentials(), "execute-api", self._region).add_auth(request)
        status, error_type = await self._send(request, self._base_path + resource, data)
        if status < 300:
            return
        if status == 410:
            raise ConnectionGone(connection_id)
        if status == 429 or error_type in THROTTLING:
            raise Throttled(connection_id)
        raise PostFailed(f"{status} {error_type}")

    async def close(self) -> None:
        await self._pool.close()

    async def _send(self, request: AWSRequest, path: str, data: bytes) -> tuple[int, str]:
        if self._events is not None:
            _, stubbed = self._events.emit_until_response(
                "before-send.apigatewaymanagementapi.PostToConnection", request=request.prepare()
            )
            if stubbed is not None:
                return int(stubbed.status_code), str(stubbed.headers.get("x-amzn-ErrorType", "")).split(":")[0]
        status, headers = await self._pool.request("POST", path, dict(request.headers.items()), data)
        return status, headers.get("x-amzn-errortype", "").split(":")[0]


class KeepAlivePool:
    """At most `size` HTTP/1.1 keep-alive connections to one origin; a request waits for a free one.

    Only what a Management API call needs: a request with a body; a response framed by
    Content-Length or chunked (or, failing both, by the server closing). A reused connection the
    server has meanwhile closed is retried once on a fresh one."""

    def __init__(self, origin: str, size: int) -> None:
        url = urlsplit(origin)
        self._host = url.hostname or "localhost"
        self._port = url.port or (443 if url.scheme == "https" else 80)
        self._tls = ssl.create_default_context() if url.scheme == "https" else None
        self._host_header = url.netloc
        self._size = size
        self._idle: list[tuple[asyncio.StreamReader, asyncio.StreamWriter]] = []
        self._slots: asyncio.Semaphore | None = None

    async def request(self, method: str, path: str, headers: dict[str, str], body: bytes) -> tuple[int, dict[str, str]]:
        if self._slots is None:
            self._slots = asyncio.Semaphore(self._size)
        head = f"{method} {path} HTTP/1.1\r\nHost: {self._host_header}\r\nContent-Length: {len(body)}\r\n"
        wire = (head + "".join(f"{name}: {value}\r\n" for name, value in headers.items()) + "\r\n").encode() + body
        async with self._slots:
            reused = bool(self._idle)
            try:
                return await self._exchange(*(self._idle.pop() if reused else await self._open()), wire)
            except (ConnectionError, asyncio.IncompleteReadError):
                if not reused:
                    raise
            return await self._exchange(*await self._open(), wire)  # the server closed an idle connection

    async def close(self) -> None:
        idle, self._idle = self._idle, []
        for _, writer in idle:
            writer.close()

    async def _open(self) -> tuple[asyncio.StreamReader, asyncio.StreamWriter]:
        return await asyncio.open_connection(
            self._host, self._port, ssl=self._tls, server_hostname=self._host if self._tls else None
        )

    async def _exchange(
        self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter, wire: bytes
    ) -> tuple[int, dict[str, str]]:
        try:
            async with asyncio.timeout(REQUEST_TIMEOUT_SECONDS):
                writer.write(wire)
                status, headers, keep = await _read_response(reader)
        except BaseException:
            writer.close()
            raise
        if keep:
            self._idle.append((reader, writer))
        else:
            writer.close()
        return status, headers


async def _read_response(reader: asyncio.StreamReader) -> tuple[int, dict[str, str], bool]:
    """Status, headers (lower-case names) and whether the connection can carry another request."""
    status_line, *lines = (await reader.readuntil(b"\r\n\r\n"))[:-4].decode("latin-1").split("\r\n")
    version, status, *_ = status_line.split(" ", 2)
    headers: dict[str, Any] = {}
    for line in lines:
        name, _, value = line.partition(":")
        headers[name.strip().lower()] = value.strip()
    keep = version == "HTTP/1.1" and "close" not in headers.get("connection", "").lower()
    if "content-length" in headers:
        await reader.readexactly(int(headers["content-length"]))
    elif "chunked" in headers.get("transfer-encoding", "").lower():
        while size := int((await reader.readuntil(b"\r\n")).split(b";")[0], 16):
            await reader.readexactly(size + 2)
        while await reader.readuntil(b"\r\n") != b"\r\n":  # trailers, up to the blank line
            pass
    else:
        await reader.read()
        keep = False
    return int(status), headers, keep
