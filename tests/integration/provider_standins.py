"""The local runtime's provider stand-ins (local/providers), run on a thread for handler tests, with the functions'
allowlists and CA bundle pointed at them."""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest

from baton.connectors.registry import CONNECTORS
from local.providers.server import ProviderServer
from local.runtime import free_port


class StandInsThread:
    def __init__(self, folder: Path) -> None:
        self.server = ProviderServer(folder, [free_port() for _ in range(ProviderServer.ports_needed())], environ={})
        self._loop = asyncio.new_event_loop()
        self._thread = threading.Thread(target=self._loop.run_forever, daemon=True)

    def __enter__(self) -> StandInsThread:
        self._thread.start()
        asyncio.run_coroutine_threadsafe(self.server.start(), self._loop).result(10)
        return self

    def __exit__(self, *_: object) -> None:
        asyncio.run_coroutine_threadsafe(self.server.stop(), self._loop).result(10)
        self._loop.call_soon_threadsafe(self._loop.stop)
        self._thread.join(5)


@pytest.fixture
def standins(aws: dict[str, str], tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[ProviderServer]:
    """The stand-ins on loopback; every function allows their hosts and trusts their CA."""
    from tests.integration.conftest import clear_handler_caches

    with StandInsThread(tmp_path) as running:
        for declared in CONNECTORS:
            monkeypatch.setenv(declared.allowlist.variable, running.server.hosts_for(declared.name) or "127.0.0.1:1")
        monkeypatch.setenv("WEBHOOK_CA_BUNDLE", str(running.server.ca_bundle))
        clear_handler_caches()
        yield running.server
        clear_handler_caches()
