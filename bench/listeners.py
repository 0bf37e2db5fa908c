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

import httpx
import websockets


async def _listen(base_url: str, headers: dict[str, str], count: int, pipe: Connection) -> None:
    # 50 at a time, each batch's tickets asked for just before it connects: a ticket lives 60 s, and on a loaded
    # machine 2,000 tickets asked for up front were stale before the last clients connected (refused with 403).
    sockets: list[Any] = []
    async with httpx.AsyncClient(base_url=base_url, headers=headers, timeout=60) as http:
        for start in range(0, count, 50):
            tickets = [await http.post("/api/v1/ws-ticket") for _ in range(min(50, count - start))]
            urls = [ticket.raise_for_status().json()["url"] for ticket in tickets]
            sockets += await asyncio.gather(*(websockets.connect(url, max_queue=None) for url in urls))
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


def _main(base_url: str, headers: dict[str, str], count: int, pipe: Connection) -> None:
    try:
        asyncio.run(_listen(base_url, headers, count, pipe))
    except Exception as error:  # told to the parent, which would otherwise wait for "ready" for ever
        pipe.send(("failed", f"{type(error).__name__}: {error}", 0.0))


class ListenerProcess:
    """`count` clients of the user `headers` signs in as, connected in a child process; `wait_all_heard` returns
    the last arrival of an event."""

    def __init__(self, base_url: str, headers: dict[str, str], count: int) -> None:
        self._pipe, child = multiprocessing.get_context("spawn").Pipe()
        spawn = multiprocessing.get_context("spawn")
        self._process = spawn.Process(target=_main, args=(base_url, headers, count, child), daemon=True)
        self._process.start()
        child.close()  # the child's end is the child's: if it dies, recv() below ends with EOFError, not a hang
        kind, connected, _ = self._pipe.recv()
        if kind != "ready" or connected != str(count):
            raise RuntimeError(f"the listener process connected {connected} of {count} clients")

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
