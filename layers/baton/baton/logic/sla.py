"""Use cases of the SLA ladder: the account's policy, arming a timer for a new deadline, and a timer firing."""

from __future__ import annotations

from datetime import datetime
from typing import Literal, NamedTuple

from baton.domain import ladder, lifecycle
from baton.domain.clock import iso, local_time
from baton.domain.models import Handoff, Role, TimelineEntry, User
from baton.ports import OverdueStore, Policies, TimerQueue


def get_policy(caller: User, policies: Policies) -> ladder.Policy:
    caller.role.require(Role.ADMIN)
    return policies.get(caller.account_id)


def set_policy(caller: User, policy: ladder.Policy, policies: Policies) -> ladder.Policy:
    """Applies from each handoff's next deadline on: a deadline already set stays as it is."""
    caller.role.require(Role.ADMIN)
    return policies.put(caller.account_id, policy)


def arm(before: Handoff | None, after: Handoff | None, queue: TimerQueue, now: datetime) -> ladder.Timer | None:
    """The stream router's part: every stored change that sets a new deadline gets its timer. A raise
    is such a change, so the ladder goes on by itself, and a retried stream record only sends a
    duplicate that finds nothing to do."""
    timer = ladder.timer_for_change(before, after)
    if timer is not None:
        queue.schedule(timer, timer.delay_s(now))
    return timer


class Fired(NamedTuple):
    outcome: Literal["waiting", "raised", "stale", "stopped"]
    handoff: Handoff | None = None


def fire(timer: ladder.Timer, now: datetime, store: OverdueStore, queue: TimerQueue) -> Fired:
    """A timer message arrived. Before its deadline (a 15-minute step of a longer wait) it sends itself
    on; at or after it, it raises the level if the handoff is still where it expects it. The policy's
    `max_level` is the last: a timer past it (the policy was lowered meanwhile) raises nothing."""
    wait = timer.delay_s(now)
    if wait > 0:
        queue.schedule(timer.next_hop(), wait)
        return Fired("waiting")
    at = iso(now)
    level = timer.level + 1
    policy = store.sla_policy(timer.account_id)
    if level > policy.max_level:
        return Fired("stopped")
    entry = TimelineEntry(
        at=at,
        action=lifecycle.OVERDUE.action,
        actor_id=None,
        actor_name=None,
        reason=_reason(level, timer.due_at, policy),
    )
    raised = store.raise_overdue(timer, entry, ladder.next_due(at, level, policy, timer.priority))
    return Fired("raised", raised) if raised else Fired("stale")


_AUDIENCE_NAMES = {
    "engineers": "engineers",
    "engineers_without_live_console": "engineers without baton open",
    "admins": "admins",
    "owners": "owners",
    "creator": "whoever escalated",
}


def _reason(level: int, due_at: str, policy: ladder.Policy) -> str:
    """The timeline's words for a raise: who the account's policy emails at this level (baton/domain/recipients.py),
    when the deadline was in the account's time zone, and whether this is the last level."""
    notify = policy.notify
    audiences = sorted(notify.on_level_1 if level <= 1 else notify.on_level_2)
    told = ", ".join(_AUDIENCE_NAMES[audience] for audience in audiences) or "nobody by email"
    last = " (the last: no more reminders)" if level >= policy.max_level else ""
    return f"Nobody picked it up by {local_time(due_at, policy.time_zone())}: overdue level {level}{last}, {told} told."
