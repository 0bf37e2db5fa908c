"""The SLA ladder: the account's policy, the deadlines it sets, and the timers that enforce them.

An open escalation nobody picked up climbs one level at each deadline: level 1 after
`remind_after_s` (the engineers are told), level 2 `escalate_after_s` later (admins and owners),
then one more every `repeat_every_s` (admins and owners again), until it is claimed, withdrawn or
resolved. A release starts the clock again from level 0. `due_at` on the handoff is always the
next deadline; a handoff without one is not on the ladder.

Timers are SQS messages delayed at most 15 minutes each: a timer that wakes before its deadline
sends itself on with the remainder. Every timer names the level and deadline it expects, so a
late, duplicate or stale one finds the handoff changed and does nothing.
"""

from __future__ import annotations

import math
from datetime import datetime, timedelta
from typing import Literal

from pydantic import ConfigDict, Field, StrictInt

from baton.domain.clock import iso, parse_iso
from baton.domain.modeling import Model
from baton.domain.models import Handoff
from baton.domain.recipients import DEFAULT_NOTIFY, NotifyPolicy

MIN_STEP_S = 30
MAX_STEP_S = 7 * 24 * 3600
MAX_TIMER_DELAY_S = 900  # SQS's longest message delay
Audience = Literal["engineers", "supervisors"]  # supervisors: admins and owners


class Policy(Model):
    """Seconds between deadlines: open -> level 1 -> level 2 -> level 3 -> ..."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    remind_after_s: StrictInt = Field(default=300, ge=MIN_STEP_S, le=MAX_STEP_S, description="Open to level 1.")
    escalate_after_s: StrictInt = Field(default=900, ge=MIN_STEP_S, le=MAX_STEP_S, description="Level 1 to level 2.")
    repeat_every_s: StrictInt = Field(default=900, ge=MIN_STEP_S, le=MAX_STEP_S, description="Each level after 2.")
    notify: NotifyPolicy = Field(default=DEFAULT_NOTIFY, description="Who is emailed at creation and at each level.")

    def step_after(self, level: int) -> int:
        """Seconds from reaching `level` (0: the clock started) to the next level."""
        if level <= 0:
            return self.remind_after_s
        return self.escalate_after_s if level == 1 else self.repeat_every_s


DEFAULT_POLICY = Policy()


def on_ladder(handoff: Handoff) -> bool:
    """Only an open escalation climbs: a park waits by design, a claimed handoff has its senior."""
    return handoff.status == "open" and handoff.intent == "escalate"


def next_due(since: str, level: int, policy: Policy) -> str:
    """The deadline after `level`, counted from `since` (when that level was reached)."""
    return iso(parse_iso(since) + timedelta(seconds=policy.step_after(level)))


def first_due(intent: str, since: str, policy: Policy) -> str | None:
    """The deadline a handoff gets when its clock (re)starts at `since`: none for a park."""
    return next_due(since, 0, policy) if intent == "escalate" else None


def audience(level: int) -> Audience:
    """Who is told when a handoff reaches `level`."""
    return "engineers" if level <= 1 else "supervisors"


class Timer(Model):
    """One timer message: the deadline it enforces and the level the handoff must still be at."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    account_id: str
    session_id: str
    handoff_id: str
    level: int = Field(ge=0, description="The overdue_level the handoff must still have.")
    due_at: str = Field(description="The due_at the handoff must still have.")
    hop: int = Field(default=0, ge=0, description="How many times this timer sent itself on (15-minute steps).")

    def key(self) -> str:
        """The same timer, sent twice, has the same key; its next hop has another."""
        return f"{self.handoff_id}:{self.level}:{self.due_at}:{self.hop}"

    def delay_s(self, now: datetime) -> int:
        """Seconds to wait before this timer may act (0: due), at most SQS's longest delay."""
        remaining = (parse_iso(self.due_at) - now).total_seconds()
        return max(0, min(MAX_TIMER_DELAY_S, math.ceil(remaining)))

    def next_hop(self) -> Timer:
        return self.model_copy(update={"hop": self.hop + 1})


def timer_for_change(before: Handoff | None, after: Handoff | None) -> Timer | None:
    """The timer a stored change needs: one whenever it set a new deadline (create, escalate, release,
    a level raised). Other changes, and changes that end the ladder, need none."""
    if after is None or after.due_at is None or not on_ladder(after):
        return None
    if before is not None and (before.due_at, before.overdue_level) == (after.due_at, after.overdue_level):
        return None
    return Timer(
        account_id=after.account_id,
        session_id=after.session_id,
        handoff_id=after.id,
        level=after.overdue_level,
        due_at=after.due_at,
    )
