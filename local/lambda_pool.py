"""Warm execution environments of one function: a small pool of worker processes.

Like Lambda, each environment runs one event at a time; concurrent events go to other
environments. An environment that exits (crash, SIGKILL) or overruns the function's timeout
is logged and replaced; an event it never received goes to another environment, and an event
it was running fails as Lambda's "Runtime exited" does, for the event source to retry.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import math
import os
import signal
import sys
import time
import uuid
from typing import Any

from local.faults import FaultMode, FaultSwitch
from local.lambda_worker import SNAPSTART_VARIABLE
from local.template import FunctionSpec

log = logging.getLogger("baton.local")
_MAX_REPLY_BYTES = 16 * 1024 * 1024  # a reply is one JSON line; Lambda caps responses at 6 MB
_RESPAWN_BACKOFF_SECONDS = (0.2, 1.0, 5.0)
_ACCEPT_SECONDS = 5.0  # an idle worker reads a request at once; one that does not is frozen or gone


class FunctionError(Exception):
    """The function raised, crashed or timed out (API Gateway answers 500 for these)."""


class _Exited(FunctionError):
    """The environment exited while it ran the event."""


class _NotDelivered(Exception):
    """The environment was gone (or frozen) before it read the event: another one may run it."""


def describe_exit(returncode: int | None) -> str:
    if returncode is None:
        return "still running"
    if returncode < 0:
        return f"killed by {signal.Signals(-returncode).name}"
    return f"exit status {returncode}"


def max_memory_mib(pid: int) -> int:
    """The process's peak resident memory (Lambda's "Max Memory Used"), or 0 once it is gone."""
    with contextlib.suppress(OSError, StopIteration), open(f"/proc/{pid}/status") as status:
        return int(next(line.split()[1] for line in status if line.startswith("VmHWM:"))) // 1024
    return 0


def report_line(name: str, request_id: str, duration_ms: float, memory_mb: int, used_mib: int, init_ms: float | None) -> str:
    """Lambda's REPORT line; `Init Duration` only on an environment's first invocation, as Lambda prints it."""
    line = (
        f"{name}: REPORT RequestId: {request_id}\tDuration: {duration_ms:.2f} ms\tBilled Duration: {math.ceil(duration_ms)} ms"
        f"\tMemory Size: {memory_mb} MB\tMax Memory Used: {used_mib} MB"
    )
    return line + (f"\tInit Duration: {init_ms:.2f} ms" if init_ms is not None else "")


class _Environment:
    def __init__(self, process: asyncio.subprocess.Process, init_ms: float) -> None:
        self.process = process
        self.retired = False
        # Spawn to handler imported (interpreter start, imports, module-level work; with SnapStart, its hooks):
        # reported with the first invocation, as Lambda does, then None.
        self.init_ms: float | None = init_ms
        self.last_request_id = ""

    @property
    def alive(self) -> bool:
        return not self.retired and self.process.returncode is None

    async def invoke(self, event: dict[str, Any], limit_seconds: float) -> Any:
        assert self.process.stdin and self.process.stdout
        request_id = self.last_request_id = str(uuid.uuid4())
        deadline_ms = int((time.time() + limit_seconds) * 1000)
        request = (json.dumps({"event": event, "request_id": request_id, "deadline_ms": deadline_ms}) + "\n").encode()
        try:
            self.process.stdin.write(request)
            await self.process.stdin.drain()
            accepted = await asyncio.wait_for(self.process.stdout.readline(), min(_ACCEPT_SECONDS, limit_seconds))
        except (BrokenPipeError, ConnectionResetError, TimeoutError) as error:
            raise _NotDelivered from error
        if not accepted:
            raise _NotDelivered
        line = await asyncio.wait_for(self.process.stdout.readline(), limit_seconds)
        if not line:
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self.process.wait(), 1)
            raise _Exited(f"Runtime exited ({describe_exit(self.process.returncode)}) while running the event")
        reply = json.loads(line)
        if "error" in reply:
            raise FunctionError(f"{reply['type']}: {reply['error']}")
        return reply["result"]

    def stop(self) -> None:
        self.retired = True
        with contextlib.suppress(ProcessLookupError):
            self.process.kill()


class FunctionPool:
    def __init__(self, spec: FunctionSpec, environment: dict[str, str], size: int, faults: FaultSwitch | None = None) -> None:
        self.spec = spec
        self._environment = environment
        self.size = size
        self._faults = faults or FaultSwitch()
        self._idle: asyncio.Queue[_Environment] = asyncio.Queue()
        self._all: set[_Environment] = set()
        self._background: set[asyncio.Task[None]] = set()
        self._stopping = False

    async def start(self) -> None:
        await asyncio.gather(*(self._spawn() for _ in range(self.size)))

    async def _spawn(self) -> None:
        spawned = time.perf_counter()
        process = await asyncio.create_subprocess_exec(
            sys.executable,
            "-m",
            "local.lambda_worker",
            self.spec.handler,
            str(self.spec.code_dir),
            *map(str, self.spec.layer_dirs),
            stdin=asyncio.subprocess.PIPE,
            stdout=asyncio.subprocess.PIPE,
            env={**os.environ, **self._environment, **({SNAPSTART_VARIABLE: "1"} if self.spec.snap_start else {})},
            cwd=str(self.spec.code_dir),
            limit=_MAX_REPLY_BYTES,
            start_new_session=True,  # Ctrl-C reaches the runtime, which stops its environments itself
        )
        assert process.stdout
        ready = await process.stdout.readline()
        if not ready:
            raise RuntimeError(f"{self.spec.name}: the handler {self.spec.handler} failed to import (see the log above)")
        environment = _Environment(process, (time.perf_counter() - spawned) * 1000)
        self._all.add(environment)
        self._idle.put_nowait(environment)
        self._in_background(self._watch(environment))

    def _in_background(self, work: Any) -> None:
        task = asyncio.get_running_loop().create_task(work)
        self._background.add(task)
        task.add_done_callback(self._background.discard)

    async def _watch(self, environment: _Environment) -> None:
        """An environment that exits on its own (crash, SIGKILL) is replaced at once, busy or idle."""
        returncode = await environment.process.wait()
        if not environment.retired and not self._stopping:
            log.warning(
                "%s: execution environment pid %d exited (%s); starting a new one",
                self.spec.name,
                environment.process.pid,
                describe_exit(returncode),
            )
            self._replace(environment)

    def _replace(self, environment: _Environment) -> None:
        if environment.retired and environment not in self._all:
            return
        environment.stop()
        self._all.discard(environment)
        if not self._stopping:
            self._in_background(self._respawn())

    async def _respawn(self) -> None:
        """Start a replacement, trying again (0.2 s, 1 s, then every 5 s) until one starts."""
        pauses = iter(_RESPAWN_BACKOFF_SECONDS)
        while True:
            try:
                await self._spawn()
                return
            except Exception:
                pause = next(pauses, _RESPAWN_BACKOFF_SECONDS[-1])
                log.exception("%s: could not start an execution environment; trying again in %.1f s", self.spec.name, pause)
                await asyncio.sleep(pause)

    def pids(self) -> list[int]:
        return [environment.process.pid for environment in self._all if environment.alive]

    def health(self) -> dict[str, Any]:
        alive = len(self.pids())
        return {"state": "up" if alive else "down", "workers": alive, "size": self.size, "pids": self.pids()}

    async def invoke(self, event: dict[str, Any]) -> Any:
        fault = self._faults.take(self.spec.name)
        for _ in range(self.size + 1):
            try:
                environment = await self._checkout()
            except TimeoutError as error:
                raise FunctionError(f"{self.spec.name}: no execution environment was free within its timeout") from error
            try:
                if fault in (FaultMode.FAIL, FaultMode.HANG):
                    await self._injected(fault)
                started = time.perf_counter()
                try:
                    result = await environment.invoke(event, self.spec.timeout)
                except _NotDelivered:
                    raise
                except BaseException:
                    self._report_first(environment, (time.perf_counter() - started) * 1000)
                    raise
                self._report_first(environment, (time.perf_counter() - started) * 1000)
            except _NotDelivered:
                self._replace(environment)
                continue
            except _Exited:
                self._replace(environment)
                raise
            except FunctionError:
                self._release(environment)
                raise
            except TimeoutError as error:
                self._replace(environment)  # Lambda stops a timed-out environment
                raise FunctionError(f"Task timed out after {self.spec.timeout:.2f} seconds") from error
            except asyncio.CancelledError:
                self._replace(environment)  # it may be mid-event: start afresh
                raise
            except Exception as error:  # an unreadable reply, an event that is not JSON
                self._replace(environment)
                raise FunctionError(f"{type(error).__name__}: {error}") from error
            if fault is FaultMode.KILL_AFTER:  # its work is done; the answer dies with it
                self._replace(environment)
                raise FunctionError("Runtime exited (killed by SIGKILL) after its work, before it answered (the fault switch)")
            self._release(environment)
            return result
        raise FunctionError(f"{self.spec.name}: no execution environment could take the event")

    def _report_first(self, environment: _Environment, duration_ms: float) -> None:
        """A cold start, as Lambda's log shows it: the environment's first invocation with its Init Duration."""
        if environment.init_ms is None:
            return
        init_ms, environment.init_ms = environment.init_ms, None
        used = max_memory_mib(environment.process.pid)
        log.info(report_line(self.spec.name, environment.last_request_id, duration_ms, self.spec.memory, used, init_ms))

    async def _checkout(self) -> _Environment:
        """An idle, live environment; waits up to the function's timeout for one."""
        async with asyncio.timeout(self.spec.timeout):
            while True:
                environment = await self._idle.get()
                if environment.alive:
                    return environment
                self._replace(environment)

    def _release(self, environment: _Environment) -> None:
        if environment.alive:
            self._idle.put_nowait(environment)
        else:
            self._replace(environment)

    async def _injected(self, fault: FaultMode) -> None:
        if fault is FaultMode.HANG:
            await asyncio.sleep(self.spec.timeout)
            raise FunctionError(f"Task timed out after {self.spec.timeout:.2f} seconds (a hang from the local fault switch)")
        raise FunctionError("InjectedFault: this invocation failed on purpose (the local fault switch)")

    async def stop(self) -> None:
        self._stopping = True
        for task in list(self._background):
            task.cancel()
        for environment in self._all:
            environment.stop()
        for environment in self._all:
            with contextlib.suppress(Exception):
                await environment.process.wait()
        self._all.clear()
