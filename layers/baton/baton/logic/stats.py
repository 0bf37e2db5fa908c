"""The team's figures over a window of days: escalations, pickups, time to pickup, overdue.

Exact, not sampled: every escalation of the window is read (from an index that holds only what
these figures need), so the cost is the account's own handoffs of the window and nothing else.
"""

from __future__ import annotations

import math
import statistics
from collections import Counter
from datetime import datetime, timedelta

from baton.domain.clock import iso, parse_iso
from baton.domain.modeling import Model
from baton.domain.models import Role, User
from baton.ports import FiguresStore

DAYS_MAX = 90
OPEN_PAGE = 200


class EngineerClaims(Model):
    user_id: str
    name: str | None
    claims: int


class Figures(Model):
    days: int
    since: str
    escalations: int
    claimed: int
    median_time_to_pickup_s: float | None
    p90_time_to_pickup_s: float | None
    overdue: int  # escalations of the window that reached level 1 or more at least once
    overdue_now: int  # open escalations overdue now, whenever they came in
    claims_per_engineer: list[EngineerClaims]


def figures(caller: User, days: int, now: datetime, store: FiguresStore) -> Figures:
    caller.role.require(Role.ENGINEER)
    since = iso(now - timedelta(days=days))
    escalations = [f for f in store.created_since(caller.account_id, since) if f.intent == "escalate"]
    picked = [f for f in escalations if f.picked_up_at]
    waits = sorted((parse_iso(f.picked_up_at or "") - parse_iso(f.created_at)).total_seconds() for f in picked)
    per_engineer = Counter((f.picked_up_by or "", f.picked_up_by_name) for f in picked)
    return Figures(
        days=days,
        since=since,
        escalations=len(escalations),
        claimed=len(picked),
        median_time_to_pickup_s=round(statistics.median(waits), 3) if waits else None,
        p90_time_to_pickup_s=round(nearest_rank(waits, 0.9), 3) if waits else None,
        overdue=sum(1 for f in escalations if f.overdue_raises > 0),
        overdue_now=_overdue_now(caller.account_id, store),
        claims_per_engineer=[
            EngineerClaims(user_id=user_id, name=name, claims=count)
            for (user_id, name), count in sorted(per_engineer.items(), key=lambda item: (-item[1], item[0][1] or ""))
        ],
    )


def nearest_rank(ordered: list[float], fraction: float) -> float:
    """The nearest-rank percentile of sorted values: a value that really occurred, never an interpolation."""
    return ordered[max(0, math.ceil(fraction * len(ordered)) - 1)]


def _overdue_now(account_id: str, store: FiguresStore) -> int:
    count, cursor = 0, None
    while True:
        page = store.open_queue(account_id, "escalate", OPEN_PAGE, cursor)
        count += sum(1 for handoff in page.items if handoff.overdue_level > 0)
        if page.next_cursor is None:
            return count
        cursor = page.next_cursor
