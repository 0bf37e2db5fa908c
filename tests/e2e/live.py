"""A WebSocket client of the local runtime, as the console would use it."""

from __future__ import annotations

import asyncio
import json
from typing import Any

import httpx
import websockets
from websockets.asyncio.client import ClientConnection

from tests.e2e.conftest import Stack
from tests.event_contract import check_message


class Live:
    """Ticket → WebSocket → hello/ready; then read events."""

    def __init__(self, stack: Stack, email: str) -> None:
        self.stack = stack
        self.email = email
        self.socket: ClientConnection | None = None
        self.ready: dict[str, Any] = {}

    async def __aenter__(self) -> Live:
        ticket = httpx.post(
            f"{self.stack.base_url}/api/v1/ws-ticket", headers={"Authorization": f"Bearer {self.stack.token(self.email)}"}
        )
        assert ticket.status_code == 201, ticket.text
        self.socket = await websockets.connect(ticket.json()["url"])
        await self.send({"action": "hello"})
        self.ready = await self.next("ready")
        return self

    async def __aexit__(self, *_: object) -> None:
        if self.socket:
            await self.socket.close()

    async def send(self, message: dict[str, Any]) -> None:
        assert self.socket
        await self.socket.send(json.dumps(message))

    async def next(self, kind: str | None = None, timeout: float = 10) -> dict[str, Any]:
        """The next message (of `kind`, skipping others)."""
        assert self.socket
        async with asyncio.timeout(timeout):
            while True:
                message = await self._receive()
                if kind is None or message.get("type") == kind:
                    return message

    async def next_for(self, handoff_id: str, kind: str, timeout: float = 10) -> dict[str, Any]:
        while True:
            message = await self.next(kind, timeout)
            if message.get("handoff", {}).get("id") == handoff_id:
                return message

    async def silence(self, seconds: float) -> list[dict[str, Any]]:
        """Everything that arrives within `seconds` (expected: nothing relevant)."""
        assert self.socket
        messages: list[dict[str, Any]] = []
        try:
            async with asyncio.timeout(seconds):
                while True:
                    messages.append(await self._receive())
        except TimeoutError:
            return messages

    async def _receive(self) -> dict[str, Any]:
        """The next message; every event a test sees follows the published contract."""
        assert self.socket
        return received(await self.socket.recv())


def received(frame: str | bytes) -> dict[str, Any]:
    """A server message as JSON, checked against its contract if it is an event."""
    message: dict[str, Any] = json.loads(frame)
    check_message(message)
    return message
