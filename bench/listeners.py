"""WebSocket clients in a process of their own, so the clients' work does not share a GIL with
the code under test. Arrivals are keyed by the handoff's id (what the bench knows before the
event exists) and timed with `time.time()`, the clock the functions' logs use."""

from __future__ import annotations

import asyncio
import json
import multiprocessing
import time
from collections import defaultdict
from multiprocessing.connection import Connection
from typing import Any

import websockets


async def _listen(urls: list[str], pipe: Connection) -> None:
    # Concurrently, 50 at a time: each URL's ticket lives 60 s, and one by one a loaded machine took longer than
    # that for 1,000 clients (the last ones were refused).
    sockets: list[Any] = []
    for start in range(0, len(urls), 50):
        sockets += await asyncio.gather(*(websockets.connect(url, max_queue=None) for url in urls[start : start + 50]))
    arrivals: dict[str, list[float]] = defaultdict(list)

    async def listen(socket: Any) -> None:
        async for raw in socket:
            handoff_id = json.loads(raw)["handoff"]["id"]
            heard = arrivals[handoff_id]
            heard.append(time.time())
            if len(heard) == len(sockets):
                pipe.send(("all heard", handoff_id, max(heard)))

    tasks = [asyncio.create_task(listen(socket)) for socket in sockets]
    pipe.send(("ready", str(len(sockets)), 0.0))
    # Until the parent asks: then how many arrived per event, and the last arrival.
    await asyncio.to_thread(pipe.recv)
    pipe.send(("counts", {event: (len(times), max(times)) for event, times in arrivals.items()}, 0.0))
    for task in tasks:
        task.cancel()
    await asyncio.gather(*(socket.close() for socket in sockets), return_exceptions=True)


def _main(urls: list[str], pipe: Connection) -> None:
    asyncio.run(_listen(urls, pipe))


class ListenerProcess:
    """Connects every URL in a child process; `wait_all_heard` returns the last arrival of an event."""

    def __init__(self, urls: list[str]) -> None:
        self._pipe, child = multiprocessing.get_context("spawn").Pipe()
        self._process = multiprocessing.get_context("spawn").Process(target=_main, args=(urls, child), daemon=True)
        self._process.start()
        kind, connected, _ = self._pipe.recv()
        if kind != "ready" or connected != str(len(urls)):
            raise RuntimeError(f"the listener process connected {connected} of {len(urls)} clients")

    def wait_all_heard(self, handoff_id: str, timeout: float) -> float | None:
        """time() of the handoff's event's last arrival once every client has it; None on timeout."""
        deadline = time.monotonic() + timeout
        while self._pipe.poll(max(0.0, deadline - time.monotonic())):
            _, heard_id, last = self._pipe.recv()
            if heard_id == handoff_id:
                return float(last)
        return None

    def close(self) -> dict[str, tuple[int, float]]:
        self._pipe.send("counts")
        _, counts, _ = self._pipe.recv()
        self._process.join(10)
        return dict(counts)
