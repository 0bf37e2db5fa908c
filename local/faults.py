"""The local fault switch: make a named function fail, hang or die after its work for its next N invocations.

Local only (`POST /local/faults`, `GET /local/faults`, `DELETE /local/faults`), for trying
what happens when one consumer breaks: a failing invocation reports an error as a handler
that raised would; a hanging one holds its execution environment until the function's
timeout, then fails as Lambda's "Task timed out" does; a `kill_after` one runs to its end,
then its execution environment is killed before its answer is read, so everything it did
(publishes, posts) happened and the invocation still fails and is retried: a worker killed
mid-batch, at the worst moment.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum
from typing import Any

from pydantic import BaseModel, ConfigDict, Field


class FaultMode(StrEnum):
    FAIL = "fail"
    HANG = "hang"
    KILL_AFTER = "kill_after"


class FaultRequest(BaseModel):
    """The body of `POST /local/faults`."""

    model_config = ConfigDict(extra="forbid", strict=True)

    function: str = Field(min_length=1, description="Logical id of a function of template.yaml, e.g. PushFunction")
    mode: FaultMode
    count: int = Field(default=1, ge=1, le=1_000_000)


@dataclass
class _Armed:
    mode: FaultMode
    remaining: int


class FaultSwitch:
    def __init__(self) -> None:
        self._armed: dict[str, _Armed] = {}

    def arm(self, request: FaultRequest) -> None:
        self._armed[request.function] = _Armed(request.mode, request.count)

    def take(self, function: str) -> FaultMode | None:
        """The fault for this invocation of `function`, if one is armed (each use counts)."""
        armed = self._armed.get(function)
        if armed is None:
            return None
        armed.remaining -= 1
        if armed.remaining <= 0:
            del self._armed[function]
        return armed.mode

    def clear(self, function: str | None = None) -> None:
        if function is None:
            self._armed.clear()
        else:
            self._armed.pop(function, None)

    def as_json(self) -> dict[str, Any]:
        return {name: {"mode": armed.mode.value, "remaining": armed.remaining} for name, armed in self._armed.items()}
