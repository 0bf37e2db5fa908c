"""The SLA ladder: the account's policy, the deadlines it sets, and the timers that enforce them.

An open escalation nobody picked up climbs one level at each deadline: level 1 after
`remind_after_s` (the engineers are told), level 2 `escalate_after_s` later (admins and owners),
then one more every `repeat_every_s` (admins and owners again), up to `max_level`: there it stops,
with no further deadline and no further notice, until it is claimed, withdrawn or resolved. A release
starts the clock again from level 0. `due_at` on the handoff is always the next deadline; a handoff
without one is not climbing.

Each priority (P1-P4) has its own steps (P1's default to half the account's, and run around the
clock). With business hours set (a time zone, a weekly calendar, dates off), the clock runs inside
them and pauses outside them, except for a priority marked `always_on`: a deadline is computed
across the pauses (`BusinessHours.add`), so nothing polls while the clock is paused.

Timers are SQS messages delayed at most 15 minutes each: a timer that wakes before its deadline
sends itself on with the remainder. Every timer names the level and deadline it expects, so a
late, duplicate or stale one finds the handoff changed and does nothing.
"""

from __future__ import annotations

import math
from datetime import UTC, date, datetime, time, timedelta
from functools import cache
from itertools import pairwise
from typing import Annotated, Any, Literal
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import ConfigDict, Field, StrictBool, StrictInt, StringConstraints, field_validator, model_validator

from baton.domain.clock import iso, parse_iso
from baton.domain.modeling import Model
from baton.domain.models import Handoff, Priority
from baton.domain.recipients import DEFAULT_NOTIFY, NotifyPolicy

MIN_STEP_S = 30
MAX_STEP_S = 7 * 24 * 3600
MAX_TIMER_DELAY_S = 900  # SQS's longest message delay
DEFAULT_MAX_LEVEL = 3
MAX_LEVEL_LIMIT = 50
PRIORITIES: tuple[Priority, ...] = ("P1", "P2", "P3", "P4")
Weekday = Literal["mon", "tue", "wed", "thu", "fri", "sat", "sun"]
WEEKDAYS: tuple[Weekday, ...] = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")  # date.weekday() order
# A wall-clock time of the account's zone, "00:00" to "24:00" (the end of the day).
ClockTime = Annotated[str, StringConstraints(pattern=r"^(([01][0-9]|2[0-3]):[0-5][0-9]|24:00)$")]
DayOff = Annotated[str, StringConstraints(pattern=r"^[0-9]{4}-[0-9]{2}-[0-9]{2}$")]
HOLIDAYS_MAX = 400
SCAN_DAYS_MAX = 3 * 366  # business time this far out is not looked for: the clock then runs around the clock
Audience = Literal["engineers", "supervisors"]  # supervisors: admins and owners


class Steps(Model):
    """Seconds between deadlines: open -> level 1 -> level 2 -> level 3 -> ..."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    remind_after_s: StrictInt = Field(default=300, ge=MIN_STEP_S, le=MAX_STEP_S, description="Open to level 1.")
    escalate_after_s: StrictInt = Field(default=900, ge=MIN_STEP_S, le=MAX_STEP_S, description="Level 1 to level 2.")
    repeat_every_s: StrictInt = Field(default=900, ge=MIN_STEP_S, le=MAX_STEP_S, description="Each level after 2.")

    def step_after(self, level: int) -> int:
        """Seconds from reaching `level` (0: the clock started) to the next level."""
        if level <= 0:
            return self.remind_after_s
        return self.escalate_after_s if level == 1 else self.repeat_every_s


class PrioritySteps(Steps):
    """One priority's steps, and whether its clock runs outside business hours too."""

    always_on: StrictBool = Field(default=False, description="The clock runs around the clock, business hours or not.")


def _default_weekly() -> dict[Weekday, list[tuple[ClockTime, ClockTime]]]:
    return {day: [("08:00", "18:00")] for day in ("mon", "tue", "wed", "thu", "fri")}


class BusinessHours(Model):
    """When the clock runs: a weekly calendar of wall-clock spans in `time_zone`, less `holidays`."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    time_zone: str = Field(default="UTC", min_length=1, max_length=64, description="An IANA time zone, e.g. Europe/Berlin.")
    weekly: dict[Weekday, list[tuple[ClockTime, ClockTime]]] = Field(
        default_factory=_default_weekly,
        description='Open spans per weekday, e.g. {"mon": [["08:00", "18:00"]]}; a day left out is closed.',
    )
    holidays: list[DayOff] = Field(default_factory=list, max_length=HOLIDAYS_MAX, description="Dates off (YYYY-MM-DD).")

    @field_validator("time_zone")
    @classmethod
    def _known_zone(cls, value: str) -> str:
        try:
            ZoneInfo(value)
        except (ZoneInfoNotFoundError, ValueError):
            raise ValueError(f"{value!r} is not a time zone this server knows (use an IANA name such as Europe/Berlin)") from None
        return value

    @field_validator("holidays")
    @classmethod
    def _real_dates(cls, value: list[str]) -> list[str]:
        for day in value:
            try:
                date.fromisoformat(day)
            except ValueError:
                raise ValueError(f"{day} is not a date") from None
        return sorted(set(value))

    @field_validator("weekly")
    @classmethod
    def _spans_in_order(cls, value: dict[Weekday, list[tuple[str, str]]]) -> dict[Weekday, list[tuple[str, str]]]:
        for day, spans in value.items():
            ordered = sorted(spans)
            for start, end in ordered:
                if start >= end:
                    raise ValueError(f"{day}: a span must end after it starts ({start}-{end})")
            for (_, end), (start, _) in pairwise(ordered):
                if start < end:
                    raise ValueError(f"{day}: spans overlap at {start}")
        if not any(value.values()):
            raise ValueError("the week needs at least one open span (or set no business hours at all)")
        return {day: sorted(spans) for day, spans in value.items()}

    def zone(self) -> ZoneInfo:
        return ZoneInfo(self.time_zone)

    def spans(self, day: date) -> list[tuple[datetime, datetime]]:
        """The day's open spans as UTC instants (none on a day off)."""
        if day.isoformat() in self.holidays:
            return []
        zone = self.zone()
        spans = [(_at(day, start, zone), _at(day, end, zone)) for start, end in self.weekly.get(WEEKDAYS[day.weekday()], [])]
        return [(opens, closes) for opens, closes in spans if closes > opens]  # a span inside a skipped hour is none

    def add(self, start: datetime, seconds: float) -> datetime:
        """`seconds` of business time after `start`: the clock pauses outside the open spans."""
        remaining = timedelta(seconds=seconds)
        day = start.astimezone(self.zone()).date() - timedelta(days=1)  # a span of the day before may still be open
        for _ in range(SCAN_DAYS_MAX):
            for opens, closes in self.spans(day):
                if closes <= start:
                    continue
                begin = max(opens, start)
                if remaining <= closes - begin:
                    return begin + remaining
                remaining -= closes - begin
            day += timedelta(days=1)
        return start + timedelta(seconds=seconds)  # a calendar this sparse never pauses a deadline past three years


def _at(day: date, wall: str, zone: ZoneInfo) -> datetime:
    hours, minutes = (int(part) for part in wall.split(":"))
    if hours == 24:
        day, hours = day + timedelta(days=1), 0
    return datetime.combine(day, time(hours, minutes), tzinfo=zone).astimezone(UTC)


def default_priorities(steps: Steps) -> dict[Priority, PrioritySteps]:
    """P1 (an outage) climbs twice as fast and around the clock; P2-P4 follow the account's steps."""
    base = steps.model_dump(include=set(Steps.model_fields))
    defaults: dict[Priority, PrioritySteps] = {priority: PrioritySteps(**base) for priority in PRIORITIES}
    defaults["P1"] = PrioritySteps(**{name: max(MIN_STEP_S, value // 2) for name, value in base.items()}, always_on=True)
    return defaults


class Policy(Steps):
    """The account's ladder (policy v2; a v1 policy of three steps reads as one with the defaults for the rest)."""

    max_level: StrictInt = Field(
        default=DEFAULT_MAX_LEVEL, ge=1, le=MAX_LEVEL_LIMIT, description="The last level: no raise and no notice after it."
    )
    priorities: dict[Priority, PrioritySteps] = Field(
        default_factory=dict,
        description="Steps per priority (a session without a priority has the account's). Left out: the defaults.",
    )
    business_hours: BusinessHours | None = Field(
        default=None, description="When the clock runs (null: around the clock). Paused outside, except always-on priorities."
    )
    notify: NotifyPolicy = Field(default=DEFAULT_NOTIFY, description="Who is emailed at creation and at each level.")

    @model_validator(mode="before")
    @classmethod
    def _every_priority(cls, data: Any) -> Any:
        """Every priority has its steps: the ones given, else the defaults derived from the account's."""
        if isinstance(data, dict):
            given = data.get("priorities") or {}
            try:
                base = Steps.model_validate({k: v for k, v in data.items() if k in Steps.model_fields})
            except ValueError:
                return data  # the account's own steps are wrong: validation says where
            if isinstance(given, dict):
                data = {**data, "priorities": {**default_priorities(base), **given}}
        return data

    def steps(self, priority: str | None) -> Steps:
        """The steps a handoff of `priority` climbs by (the account's when it has none)."""
        return next((steps for name, steps in self.priorities.items() if name == priority), self)

    def deadline(self, since: datetime, level: int, priority: str | None = None) -> datetime | None:
        """When a handoff that reached `level` at `since` reaches the next one (None: `max_level` is the last)."""
        if level >= self.max_level:
            return None
        steps = self.steps(priority)
        seconds = steps.step_after(level)
        if self.business_hours is None or (isinstance(steps, PrioritySteps) and steps.always_on):
            return since + timedelta(seconds=seconds)
        return self.business_hours.add(since, seconds)

    def time_zone(self) -> ZoneInfo:
        """The zone people's messages show times in (UTC without business hours)."""
        return self.business_hours.zone() if self.business_hours else ZoneInfo("UTC")


@cache
def default_policy() -> Policy:
    """The policy of an account that set none (built on first use: validating it at import built three models)."""
    return Policy()


def on_ladder(handoff: Handoff) -> bool:
    """Only an open escalation climbs: a park waits by design, a claimed handoff has its senior."""
    return handoff.status == "open" and handoff.intent == "escalate"


def next_due(since: str, level: int, policy: Policy, priority: str | None = None) -> str | None:
    """The deadline after `level`, counted from `since` (when that level was reached); None after the last level."""
    deadline = policy.deadline(parse_iso(since), level, priority)
    return iso(deadline) if deadline else None


def first_due(intent: str, since: str, policy: Policy, priority: str | None = None) -> str | None:
    """The deadline a handoff gets when its clock (re)starts at `since`: none for a park."""
    return next_due(since, 0, policy, priority) if intent == "escalate" else None


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
    priority: Priority | None = Field(default=None, description="The session's priority: its steps set the next deadline.")

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
        priority=after.session.priority,
    )
