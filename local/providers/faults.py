"""A stand-in's armed fault: answer a status (with a Retry-After, after a delay) for its next N calls."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, ConfigDict, Field


class ProviderFault(BaseModel):
    """The body of `POST /local/connectors/{provider}/faults`."""

    model_config = ConfigDict(extra="forbid", strict=True)

    status: int = Field(ge=200, le=599, description="What to answer, e.g. 500 (retried), 429 (rate limited), 401 (refused)")
    count: int = Field(default=1, ge=1, le=1_000_000)
    delay_seconds: float = Field(default=0, ge=0, le=30, description="Wait this long first")
    retry_after: str | None = Field(default=None, max_length=64, description="A Retry-After header, e.g. 2 with a 429")
    path_contains: str | None = Field(default=None, max_length=200, description="Only calls whose path contains this")


class ArmedFault:
    def __init__(self) -> None:
        self.fault: ProviderFault | None = None
        self.remaining = 0

    def arm(self, fault: ProviderFault) -> None:
        self.fault, self.remaining = fault, fault.count

    def clear(self) -> None:
        self.fault, self.remaining = None, 0

    def take(self, path: str) -> ProviderFault | None:
        fault = self.fault
        if fault is None or (fault.path_contains and fault.path_contains not in path):
            return None
        self.remaining -= 1
        if self.remaining <= 0:
            self.clear()
        return fault

    def as_json(self) -> dict[str, Any] | None:
        return {**self.fault.model_dump(), "remaining": self.remaining} if self.fault else None
