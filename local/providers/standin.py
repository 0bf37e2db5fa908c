"""What every provider stand-in shares: its own HTTPS app on its own port, the recorder and the fault in front of
its routes, and a way to call baton's hook as the provider does."""

from __future__ import annotations

import asyncio
import json
import ssl
from abc import ABC, abstractmethod
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

import aiohttp
from aiohttp import web

from local.providers.faults import ArmedFault
from local.providers.recorder import Recorder

Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]
BODY_KEPT = 4000


class StandIn(ABC):
    """One provider. A subclass adds the provider's routes, says who a call authenticates as, and fires calls."""

    name: str  # the connector it stands in for (baton/connectors/registry.py)

    def __init__(self, recorder: Recorder, port: int) -> None:
        self.recorder = recorder
        self.port = port
        self.fault = ArmedFault()
        self._runner: web.AppRunner | None = None

    @property
    def host(self) -> str:
        """The allowlist entry for it, and its "site" in a connector's settings."""
        return f"127.0.0.1:{self.port}"

    @property
    def url(self) -> str:
        return f"https://{self.host}"

    @abstractmethod
    def add_routes(self, app: web.Application) -> None: ...

    @abstractmethod
    def caller(self, request: web.Request) -> str | None:
        """Who the call authenticates as (e.g. the company), or None when its credentials are wrong or missing."""

    @abstractmethod
    async def fire(self, order: dict[str, Any], baton_url: str) -> dict[str, Any]:
        """Make a change in the stand-in and call baton's hook about it as the provider would; answer what baton said."""

    def state(self) -> dict[str, Any]:
        """The stand-in's data (tickets, notes, hooks), for `GET /local/connectors`."""
        return {}

    async def start(self, certificate: Path, key: Path) -> None:
        context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
        context.load_cert_chain(certificate, key)
        app = web.Application(client_max_size=1024 * 1024, middlewares=[self._record])
        self.add_routes(app)
        self._runner = web.AppRunner(app, access_log=None)
        await self._runner.setup()
        await web.TCPSite(self._runner, "127.0.0.1", self.port, ssl_context=context).start()

    async def stop(self) -> None:
        if self._runner:
            await self._runner.cleanup()

    @web.middleware
    async def _record(self, request: web.Request, handler: Handler) -> web.StreamResponse:
        raw = await request.read()
        caller = self.caller(request)
        fault = self.fault.take(request.path)
        status = 500
        try:
            if fault is not None:
                if fault.delay_seconds:
                    await asyncio.sleep(fault.delay_seconds)
                headers = {"Retry-After": fault.retry_after} if fault.retry_after else {}
                failing = {"code": "LocalFault", "message": f"{self.name} stand-in: failing on purpose"}
                response: web.StreamResponse = web.json_response(failing, status=fault.status, headers=headers)
            else:
                response = await handler(request)
            status = response.status
            return response
        except web.HTTPException as refused:  # the provider's own 4xx (auth, not found)
            status = refused.status
            raise
        finally:
            self.recorder.record(
                self.name,
                {
                    "method": request.method,
                    "path": request.path,
                    "query": dict(request.query),
                    "caller": caller,
                    "auth_ok": caller is not None,
                    "body": _body(raw),
                    "answered": status,
                    "faulted": fault is not None,
                },
            )

    async def post_to_baton(self, url: str, body: bytes, headers: dict[str, str]) -> dict[str, Any]:
        """Call baton's hook (the local gateway, plain HTTP on loopback) and say what it answered."""
        async with aiohttp.ClientSession() as session, session.post(url, data=body, headers=headers) as reply:
            text = await reply.text()
        try:
            answered: Any = json.loads(text) if text else None
        except json.JSONDecodeError:
            answered = text
        return {"url": url, "status": reply.status, "body": answered}


def _body(raw: bytes) -> Any:
    try:
        return json.loads(raw) if raw else None
    except (json.JSONDecodeError, UnicodeDecodeError):
        return raw.decode("utf-8", "replace")[:BODY_KEPT]


def unauthorized(message: str) -> web.Response:
    return web.json_response({"code": "Unauthorized", "message": message}, status=401)


def not_found(message: str) -> web.Response:
    return web.json_response({"code": "NotFound", "message": message}, status=404)
