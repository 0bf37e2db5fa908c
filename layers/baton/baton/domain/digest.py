"""A digest's timer: one delayed message per window of a person's digest (at most 15 minutes each; a longer wait
sends itself on), and what its idempotency key is."""

from __future__ import annotations

import math
from datetime import datetime

from pydantic import ConfigDict, Field

from baton.domain.clock import parse_iso
from baton.domain.ladder import MAX_TIMER_DELAY_S
from baton.domain.modeling import Model


class DigestTimer(Model):
    model_config = ConfigDict(frozen=True, extra="forbid")

    account_id: str
    user_id: str
    due_at: str = Field(description="The window it sends (the window's due_at).")
    hop: int = Field(default=0, ge=0)

    def delay_s(self, now: datetime) -> int:
        remaining = (parse_iso(self.due_at) - now).total_seconds()
        return max(0, min(MAX_TIMER_DELAY_S, math.ceil(remaining)))

    def next_hop(self) -> DigestTimer:
        return self.model_copy(update={"hop": self.hop + 1})
