"""A small time-bounded cache for values that are costly to read and rarely change (a connector's secret)."""

from __future__ import annotations

import time
from collections.abc import Callable, Hashable
from typing import Generic, TypeVar

Value = TypeVar("Value")


class TtlCache(Generic[Value]):
    """Each value is kept `ttl_s` seconds from when it was read, then read again. Lives as long as the warm
    execution environment that built it; `clock` is seconds (monotonic), replaceable in tests."""

    def __init__(self, ttl_s: float, clock: Callable[[], float] = time.monotonic, max_entries: int = 1_000) -> None:
        self._ttl_s = ttl_s
        self._clock = clock
        self._max_entries = max_entries
        self._entries: dict[Hashable, tuple[float, Value]] = {}

    def get_or_read(self, key: Hashable, read: Callable[[], Value]) -> Value:
        now = self._clock()
        kept = self._entries.get(key)
        if kept is not None and kept[0] > now:
            return kept[1]
        value = read()
        if len(self._entries) >= self._max_entries:  # bounded memory: drop what has expired, else everything
            self._entries = {k: v for k, v in self._entries.items() if v[0] > now}
            if len(self._entries) >= self._max_entries:
                self._entries.clear()
        self._entries[key] = (now + self._ttl_s, value)
        return value
