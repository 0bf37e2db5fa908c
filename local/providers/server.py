"""Start every provider stand-in on loopback HTTPS and serve their local-only endpoints on the gateway."""

from __future__ import annotations

import os
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from aiohttp import web
from pydantic import ValidationError

from local.providers.autotask import AutotaskStandIn
from local.providers.connectwise import ConnectWiseStandIn
from local.providers.faults import ProviderFault
from local.providers.halopsa import HaloStandIn
from local.providers.recorder import Recorder
from local.providers.standin import StandIn
from local.providers.tls import LocalCa

# Each provider's stand-in (its own module); a new one is its class here.
STANDINS: tuple[type[StandIn], ...] = (ConnectWiseStandIn, AutotaskStandIn, HaloStandIn)


def dev_overrides(environ: Mapping[str, str]) -> tuple[tuple[str, ...], bytes]:
    """`BATON_DEV_ALLOW_HOSTS` (comma-separated `host` or `host:port`, added to every connector's allowlist) and the
    contents of `BATON_DEV_CA_BUNDLE` (a PEM file, trusted besides the local CA). Read by the local runtime only: a
    deployed stack's allowlists are its template parameters."""
    hosts = tuple(part.strip().lower() for part in environ.get("BATON_DEV_ALLOW_HOSTS", "").split(",") if part.strip())
    bundle = environ.get("BATON_DEV_CA_BUNDLE", "").strip()
    pem = Path(bundle).expanduser().read_bytes() if bundle else b""
    if bundle and b"-----BEGIN CERTIFICATE-----" not in pem:
        raise SystemExit(f"BATON_DEV_CA_BUNDLE={bundle} holds no PEM certificate")
    return hosts, pem


class ProviderServer:
    def __init__(self, folder: Path, ports: list[int], environ: Mapping[str, str] | None = None) -> None:
        self.recorder = Recorder()
        self.ca = LocalCa(folder)
        self.extra_hosts, self._extra_pem = dev_overrides(os.environ if environ is None else environ)
        self.standins: dict[str, StandIn] = {
            kind.name: kind(self.recorder, port) for kind, port in zip(STANDINS, ports, strict=False)
        }
        self.baton_url = ""  # the gateway's base URL, set by the runtime: where fired calls go

    @staticmethod
    def ports_needed() -> int:
        return len(STANDINS)

    @property
    def ca_bundle(self) -> Path:
        assert self.ca.bundle is not None
        return self.ca.bundle

    async def start(self) -> None:
        self.ca.start(self._extra_pem)
        for standin in self.standins.values():
            await standin.start(*self.ca.issue(standin.name))

    async def stop(self) -> None:
        for standin in self.standins.values():
            await standin.stop()

    def hosts_for(self, connector: str, also: tuple[str, ...] = ()) -> str:
        """A connector's allowlist under `make dev`: its stand-in (if it has one), `also`, and BATON_DEV_ALLOW_HOSTS."""
        own = (self.standins[connector].host,) if connector in self.standins else ()
        return ",".join(dict.fromkeys((*own, *also, *self.extra_hosts)))

    def add_routes(self, app: web.Application) -> None:
        app.router.add_get("/local/connectors", self.list_received)
        app.router.add_delete("/local/connectors", self.forget)
        app.router.add_post("/local/connectors/{provider}/faults", self.arm_fault)
        app.router.add_delete("/local/connectors/{provider}/faults", self.clear_fault)
        app.router.add_post("/local/connectors/{provider}/fire", self.fire)

    def as_json(self) -> dict[str, Any]:
        return {
            name: {
                "url": standin.url,
                "host": standin.host,
                "fault": standin.fault.as_json(),
                "received": self.recorder.of(name),
                "state": standin.state(),
            }
            for name, standin in self.standins.items()
        }

    async def list_received(self, _: web.Request) -> web.Response:
        """Each stand-in: its URL, its armed fault, every call it received (oldest first) and its data."""
        return web.json_response(self.as_json())

    async def forget(self, _: web.Request) -> web.Response:
        self.recorder.forget()
        return web.json_response({})

    def _standin(self, request: web.Request) -> StandIn:
        name = request.match_info["provider"]
        if name not in self.standins:
            known = ", ".join(self.standins)
            raise web.HTTPNotFound(text=f'{{"detail": "No stand-in {name!r}; known: {known}."}}', content_type="application/json")
        return self.standins[name]

    async def arm_fault(self, request: web.Request) -> web.Response:
        standin = self._standin(request)
        try:
            fault = ProviderFault.model_validate_json(await request.read())
        except ValidationError as error:
            errors = [{"loc": list(e["loc"]), "msg": e["msg"]} for e in error.errors()]
            detail = 'Send {"status": 200-599, "count": N, "retry_after": "2", "delay_seconds": 0-30, "path_contains": "..."}.'
            return web.json_response({"detail": detail, "errors": errors}, status=422)
        standin.fault.arm(fault)
        return web.json_response({"provider": standin.name, "fault": standin.fault.as_json()})

    async def clear_fault(self, request: web.Request) -> web.Response:
        standin = self._standin(request)
        standin.fault.clear()
        return web.json_response({"provider": standin.name, "fault": None})

    async def fire(self, request: web.Request) -> web.Response:
        """The stand-in changes a ticket and calls baton's hook about it, signed as the provider signs."""
        standin = self._standin(request)
        try:
            order = await request.json()
        except ValueError:
            return web.json_response({"detail": "The request body is not valid JSON."}, status=400)
        if not isinstance(order, dict):
            return web.json_response({"detail": "Send a JSON object (see the stand-in's fire() docstring)."}, status=422)
        try:
            answer = await standin.fire(order, self.baton_url)
        except (KeyError, ValueError, TypeError) as error:
            return web.json_response({"detail": f"Cannot fire that: {error}"}, status=422)
        return web.json_response(answer)
