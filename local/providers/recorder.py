"""Every call a stand-in received: method, path, query, the auth it carried, the body, what it answered."""

from __future__ import annotations

import datetime
from dataclasses import dataclass, field
from typing import Any

MAX_KEPT = 1000  # per provider, newest kept


@dataclass
class Recorder:
    calls: dict[str, list[dict[str, Any]]] = field(default_factory=dict)

    def record(self, provider: str, entry: dict[str, Any]) -> None:
        kept = self.calls.setdefault(provider, [])
        kept.append({"at": datetime.datetime.now(datetime.UTC).isoformat(timespec="milliseconds"), **entry})
        del kept[:-MAX_KEPT]

    def of(self, provider: str) -> list[dict[str, Any]]:
        return list(self.calls.get(provider, []))

    def forget(self, provider: str | None = None) -> None:
        if provider is None:
            self.calls.clear()
        else:
            self.calls.pop(provider, None)
