"""Keeps the local runtime's long-running parts alive, as a process supervisor would.

Each part (the AWS endpoint, each event source poller) runs as one task. A part that raises
or returns is logged with its traceback and started again after a backoff (0.5 s, doubling
up to 10 s, back to 0.5 s once a run has lasted a minute). `/local/health` reads the states.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any

log = logging.getLogger("baton.local")
FIRST_BACKOFF_SECONDS = 0.5
MAX_BACKOFF_SECONDS = 10.0
STABLE_RUN_SECONDS = 60.0


@dataclass
class PartState:
    """What health reports about one supervised part."""

    name: str
    up: bool = False
    restarts: int = 0
    last_error: str | None = None
    changed_at: float = field(default_factory=time.time)

    def mark(self, up: bool, error: str | None = None) -> None:
        self.up, self.changed_at = up, time.time()
        if error is not None:
            self.last_error = error

    def as_json(self) -> dict[str, Any]:
        return {"state": "up" if self.up else "down", "restarts": self.restarts, "last_error": self.last_error}


class Supervisor:
    def __init__(self) -> None:
        self.parts: dict[str, PartState] = {}
        self._tasks: list[asyncio.Task[None]] = []

    def keep_running(self, name: str, run: Callable[[PartState], Awaitable[None]], up_at_start: bool = True) -> PartState:
        """Run `run(state)` for ever; `up_at_start=False` parts mark themselves up when ready."""
        state = self.parts.setdefault(name, PartState(name))
        self._tasks.append(asyncio.create_task(self._supervise(state, run, up_at_start), name=name))
        return state

    async def _supervise(self, state: PartState, run: Callable[[PartState], Awaitable[None]], up_at_start: bool) -> None:
        backoff = FIRST_BACKOFF_SECONDS
        while True:
            started = time.monotonic()
            state.mark(up_at_start)
            try:
                await run(state)
                log.error("%s stopped on its own; starting it again in %.1f s", state.name, backoff)
                state.mark(False, "it stopped on its own")
            except asyncio.CancelledError:
                raise
            except Exception as error:
                log.exception("%s died; starting it again in %.1f s", state.name, backoff)
                state.mark(False, f"{type(error).__name__}: {error}")
            if time.monotonic() - started > STABLE_RUN_SECONDS:
                backoff = FIRST_BACKOFF_SECONDS
            await asyncio.sleep(backoff)
            backoff = min(backoff * 2, MAX_BACKOFF_SECONDS)
            state.restarts += 1

    async def stop(self) -> None:
        for task in self._tasks:
            task.cancel()
        await asyncio.gather(*self._tasks, return_exceptions=True)
        self._tasks.clear()
