"""The embedded AWS endpoint as a supervised child process (`python -m local.aws_endpoint`).

It holds every table, queue and email in memory: when it exits, the supervisor starts a new
one on the same port and the runtime provisions it again from template.yaml (empty tables,
demo users seeded again). `reachable()` is the liveness probe health uses.
"""

from __future__ import annotations

import asyncio
import contextlib
import sys
import time
from collections.abc import Awaitable, Callable

import aiohttp

from local.aws_endpoint import PING_PATH
from local.lambda_pool import describe_exit
from local.supervisor import PartState

STARTUP_SECONDS = 90  # moto's import alone took over 30 s on a shared machine under load
PROBE_SECONDS = 1.0


class EndpointExited(Exception):
    """The endpoint process ended: everything it held is gone."""


class EmbeddedEndpoint:
    def __init__(self, port: int) -> None:
        self.url = f"http://127.0.0.1:{port}"
        self._port = port
        self.process: asyncio.subprocess.Process | None = None

    @property
    def running(self) -> bool:
        return self.process is not None and self.process.returncode is None

    async def start(self) -> None:
        self.process = await asyncio.create_subprocess_exec(
            sys.executable, "-m", "local.aws_endpoint", "--port", str(self._port), start_new_session=True
        )
        deadline = time.monotonic() + STARTUP_SECONDS
        while not await self.reachable():
            if self.process.returncode is not None or time.monotonic() > deadline:
                raise EndpointExited(f"the AWS endpoint did not start ({describe_exit(self.process.returncode)})")
            await asyncio.sleep(0.05)

    async def run(self, state: PartState, provision: Callable[[], Awaitable[None]]) -> None:
        """The supervised part: (re)start and provision when needed, then wait for the process to end."""
        if not self.running:
            await self.start()
            await provision()
        state.mark(True)
        assert self.process
        returncode = await self.process.wait()
        raise EndpointExited(f"the AWS endpoint (pid {self.process.pid}) exited: {describe_exit(returncode)}; its data is gone")

    async def reachable(self) -> bool:
        timeout = aiohttp.ClientTimeout(total=PROBE_SECONDS)
        try:
            async with aiohttp.ClientSession(timeout=timeout) as session, session.get(f"{self.url}{PING_PATH}") as reply:
                return reply.status == 200
        except (aiohttp.ClientError, TimeoutError):
            return False

    async def stop(self) -> None:
        if self.process and self.process.returncode is None:
            self.process.terminate()
            with contextlib.suppress(Exception):
                await asyncio.wait_for(self.process.wait(), 5)
