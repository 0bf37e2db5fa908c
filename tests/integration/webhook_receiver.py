"""The local runtime's HTTPS webhook receiver, run on a thread for handler tests, and the functions pointed at it."""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from baton.connectors.registry import CONNECTORS
from local.runtime import free_port
from local.webhooks import WebhookFault, WebhookReceiver


class ReceiverThread:
    def __init__(self, folder: Path) -> None:
        self.receiver = WebhookReceiver(folder, free_port())
        self._loop = asyncio.new_event_loop()
        self._thread = threading.Thread(target=self._loop.run_forever, daemon=True)

    def __enter__(self) -> ReceiverThread:
        self._thread.start()
        asyncio.run_coroutine_threadsafe(self.receiver.start(), self._loop).result(10)
        return self

    def __exit__(self, *_: object) -> None:
        asyncio.run_coroutine_threadsafe(self.receiver.stop(), self._loop).result(10)
        self._loop.call_soon_threadsafe(self._loop.stop)
        self._thread.join(5)

    def url(self, channel: str = "teams") -> str:
        return f"{self.receiver.url}/{channel}/T000/B000/secret-abcd"

    def answer(self, status: int, count: int = 1, delay_seconds: float = 0) -> None:
        self.receiver.arm(WebhookFault(status=status, count=count, delay_seconds=delay_seconds))

    def posts(self, answered: int | None = None) -> list[dict[str, Any]]:
        return [post for post in self.receiver.received if answered is None or post["answered"] == answered]


@pytest.fixture
def receiver(aws: dict[str, str], tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[ReceiverThread]:
    """The receiver on loopback; the API and channel functions allow its host and trust its certificate."""
    from tests.integration.conftest import clear_handler_caches

    with ReceiverThread(tmp_path) as running:
        assert running.receiver.ca_bundle
        for declared in CONNECTORS:
            monkeypatch.setenv(declared.allowlist.variable, running.receiver.host)
        monkeypatch.setenv("WEBHOOK_CA_BUNDLE", str(running.receiver.ca_bundle))
        clear_handler_caches()
        yield running
