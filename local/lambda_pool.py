"""Warm execution environments of one function: a small pool of worker processes.

Like Lambda, each environment runs one event at a time; concurrent events go to other
environments. A crashed or timed-out environment is replaced.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import os
import sys
import time
import uuid
from typing import Any

from local.template import FunctionSpec

_MAX_REPLY_BYTES = 16 * 1024 * 1024  # a reply is one JSON line; Lambda caps responses at 6 MB


class FunctionError(Exception):
    """The function raised, crashed or timed out (API Gateway answers 500 for these)."""


class _Environment:
    def __init__(self, process: asyncio.subprocess.Process) -> None:
        self.process = process

    async def invoke(self, event: dict[str, Any], limit_seconds: float) -> Any:
        assert self.process.stdin and self.process.stdout
        request_id = str(uuid.uuid4())
        deadline_ms = int((time.time() + limit_seconds) * 1000)
        self.process.stdin.write(
            (json.dumps({"event": event, "request_id": request_id, "deadline_ms": deadline_ms}) + "\n").encode()
        )
        await self.process.stdin.drain()
        line = await asyncio.wait_for(self.process.stdout.readline(), limit_seconds)
        if not line:
            raise FunctionError("the execution environment exited")
        reply = json.loads(line)
        if "error" in reply:
            raise FunctionError(f"{reply['type']}: {reply['error']}")
        return reply["result"]

    def stop(self) -> None:
        with contextlib.suppress(ProcessLookupError):
            self.process.kill()


class FunctionPool:
    def __init__(self, spec: FunctionSpec, environment: dict[str, str], size: int, log_prefix: str = "") -> None:
        self.spec = spec
        self._environment = environment
        self.size = size
        self._idle: asyncio.Queue[_Environment] = asyncio.Queue()
        self._all: set[_Environment] = set()
        self._log_prefix = log_prefix or spec.name

    async def start(self) -> None:
        await asyncio.gather(*(self._spawn() for _ in range(self.size)))

    async def _spawn(self) -> None:
        process = await asyncio.create_subprocess_exec(
            sys.executable,
            "-m",
            "local.lambda_worker",
            self.spec.handler,
            str(self.spec.code_dir),
            *map(str, self.spec.layer_dirs),
            stdin=asyncio.subprocess.PIPE,
            stdout=asyncio.subprocess.PIPE,
            env={**os.environ, **self._environment},
            cwd=str(self.spec.code_dir),
            limit=_MAX_REPLY_BYTES,
        )
        assert process.stdout
        ready = await process.stdout.readline()
        if not ready:
            raise RuntimeError(f"{self.spec.name}: the handler {self.spec.handler} failed to import (see the log above)")
        environment = _Environment(process)
        self._all.add(environment)
        self._idle.put_nowait(environment)

    def pids(self) -> list[int]:
        return [environment.process.pid for environment in self._all]

    async def invoke(self, event: dict[str, Any]) -> Any:
        environment = await self._idle.get()
        try:
            result = await environment.invoke(event, self.spec.timeout)
        except (FunctionError, TimeoutError, json.JSONDecodeError) as error:
            if environment.process.returncode is None and not isinstance(error, TimeoutError):
                self._idle.put_nowait(environment)  # the handler raised; the environment is fine
            else:
                self._replace(environment)
            raise FunctionError(str(error) or type(error).__name__) from error
        except BaseException:
            self._replace(environment)
            raise
        self._idle.put_nowait(environment)
        return result

    def _replace(self, environment: _Environment) -> None:
        environment.stop()
        self._all.discard(environment)
        asyncio.get_running_loop().create_task(self._spawn())

    async def stop(self) -> None:
        for environment in self._all:
            environment.stop()
        for environment in self._all:
            with contextlib.suppress(Exception):
                await environment.process.wait()
        self._all.clear()
