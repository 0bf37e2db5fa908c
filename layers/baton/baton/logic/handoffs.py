"""Use cases on handoffs: create, read (queue, context, timeline) and the lifecycle's actions.

Each action says which handoff fields it sets and what its timeline entry records; whether it is
allowed comes from `baton.domain.lifecycle`, enforced by the store's conditional write.
"""

from __future__ import annotations

from typing import Any

from baton.domain import ladder
from baton.domain.clock import iso, new_id, utc_now
from baton.domain.errors import Invalid, NotFound
from baton.domain.lifecycle import RULES, Action, SlaClock, check_assignee
from baton.domain.models import Handoff, HandoffDraft, HandoffStatus, MineRole, QueuePage, Role, Session, TimelineEntry, User
from baton.ports import Handoffs, Users

QUEUE_LIMIT_MAX = 200
MINE_LIMIT_MAX = 100
RECENT_LIMIT_MAX = 100
RESOLUTION_NOTES_REQUIRED = "Resolution notes are required: say what fixed it, so the engineer who handed it off learns the fix."


def create_handoff(caller: User, session_id: str, body: HandoffDraft, store: Handoffs) -> Handoff:
    caller.role.require(Role.ENGINEER)
    session, policy = store.session_and_policy(caller.account_id, session_id)
    if session is None:
        raise NotFound("No such session in your account.")
    now = iso(utc_now())
    due_at = ladder.first_due(body.intent, now, policy, session.priority)
    handoff = Handoff(
        id=new_id(),
        session_id=session_id,
        account_id=caller.account_id,
        intent=body.intent,
        engineer_notes=body.engineer_notes,
        status="open",
        created_by=caller.id,
        created_by_name=caller.display_name,
        created_at=now,
        session=session.triage(),
        due_at=due_at,
        updated_at=now,
        version=1,
        timeline=[_entry(Action.CREATE, caller, now, version=1)],
    )
    store.create_handoff(handoff)
    return handoff


def open_queue(caller: User, intent: str | None, limit: int, cursor: str | None, store: Handoffs) -> QueuePage:
    caller.role.require(Role.ENGINEER)
    return store.open_queue(caller.account_id, intent, min(limit, QUEUE_LIMIT_MAX), cursor)


def my_handoffs(
    caller: User, role: MineRole, status: HandoffStatus, limit: int, cursor: str | None, store: Handoffs
) -> QueuePage:
    """What the caller holds or created, in one status, newest change first ("my work" after a reload)."""
    caller.role.require(Role.ENGINEER)
    return store.mine(caller.account_id, caller.id, role, status, min(limit, MINE_LIMIT_MAX), cursor)


def recent_handoffs(caller: User, limit: int, store: Handoffs) -> list[Handoff]:
    """The account's latest handoffs with their timelines, read only: what a viewer may follow (any member)."""
    caller.role.require(Role.VIEWER)
    return store.recent(caller.account_id, min(limit, RECENT_LIMIT_MAX))


def session_handoffs(caller: User, session_id: str, store: Handoffs) -> list[Handoff]:
    """The session's handoffs, newest first."""
    caller.role.require(Role.ENGINEER)
    session, handoffs = store.get_session_with_handoffs(caller.account_id, session_id)
    if session is None:
        raise NotFound("No such session in your account.")
    return sorted(handoffs, key=lambda handoff: (handoff.created_at, handoff.id), reverse=True)


def handoff_context(caller: User, session_id: str, handoff_id: str, store: Handoffs) -> tuple[Handoff, Session]:
    """Everything a senior needs to pick a handoff up: the handoff (with its timeline) and its whole session."""
    caller.role.require(Role.ENGINEER)
    session, handoffs = store.get_session_with_handoffs(caller.account_id, session_id)
    handoff = next((h for h in handoffs if h.id == handoff_id), None)
    if session is None or handoff is None:
        raise NotFound("No such handoff in your account.")
    return handoff, session


def claim(caller: User, session_id: str, handoff_id: str, store: Handoffs) -> Handoff:
    now = iso(utc_now())
    fields = {"claimed_by": caller.id, "claimed_by_name": caller.display_name, "claimed_at": now}
    return _act(Action.CLAIM, caller, session_id, handoff_id, store, _entry(Action.CLAIM, caller, now), fields)


def release(caller: User, session_id: str, handoff_id: str, reason: str | None, store: Handoffs) -> Handoff:
    entry = _entry(Action.RELEASE, caller, iso(utc_now()), reason=reason)
    fields = {"claimed_by": None, "claimed_by_name": None, "claimed_at": None}
    return _act(Action.RELEASE, caller, session_id, handoff_id, store, entry, fields)


def reassign(
    caller: User, session_id: str, handoff_id: str, to_user_id: str, reason: str | None, store: Handoffs, users: Users
) -> Handoff:
    caller.role.require(Role.ENGINEER)
    assignee = check_assignee(caller, users.get(to_user_id))
    now = iso(utc_now())
    entry = _entry(Action.REASSIGN, caller, now, reason=reason, to_user=assignee)
    fields = {"claimed_by": assignee.id, "claimed_by_name": assignee.display_name, "claimed_at": now}
    return _act(Action.REASSIGN, caller, session_id, handoff_id, store, entry, fields)


def escalate(caller: User, session_id: str, handoff_id: str, notes: str | None, store: Handoffs) -> Handoff:
    """A park becomes an escalation ("waited for logs, now I need help"); new notes replace the old ones on the
    handoff, and the park's notes they replace stay in the escalate entry of the timeline."""
    fields: dict[str, Any] = {"intent": "escalate"}
    park_notes = None
    if notes:
        fields["engineer_notes"] = notes
        caller.role.require(Role.ENGINEER)
        current = store.get_handoff(caller.account_id, session_id, handoff_id)
        park_notes = current.engineer_notes if current and current.engineer_notes != notes else None
    entry = _entry(Action.ESCALATE, caller, iso(utc_now()), notes=park_notes)
    return _act(Action.ESCALATE, caller, session_id, handoff_id, store, entry, fields)


def withdraw(caller: User, session_id: str, handoff_id: str, reason: str | None, store: Handoffs) -> Handoff:
    entry = _entry(Action.WITHDRAW, caller, iso(utc_now()), reason=reason)
    return _act(Action.WITHDRAW, caller, session_id, handoff_id, store, entry, {})


def resolve(caller: User, session_id: str, handoff_id: str, notes: str, store: Handoffs) -> Handoff:
    """Closes it with what fixed it: the engineer who handed it off learns the fix, so the notes are required."""
    caller.role.require(Role.ENGINEER)
    if not notes.strip():
        raise Invalid(RESOLUTION_NOTES_REQUIRED)
    now = iso(utc_now())
    fields = {"resolved_at": now, "resolution_notes": notes}
    return _act(Action.RESOLVE, caller, session_id, handoff_id, store, _entry(Action.RESOLVE, caller, now, notes=notes), fields)


def _act(
    action: Action,
    caller: User,
    session_id: str,
    handoff_id: str,
    store: Handoffs,
    entry: TimelineEntry,
    fields: dict[str, Any],
) -> Handoff:
    caller.role.require(Role.ENGINEER)
    fields = {**fields, **_sla_fields(action, caller, session_id, handoff_id, store, entry.at, fields)}
    return store.transition(caller.account_id, session_id, handoff_id, action, caller, entry, fields)


def _sla_fields(
    action: Action, caller: User, session_id: str, handoff_id: str, store: Handoffs, at: str, fields: dict[str, Any]
) -> dict[str, Any]:
    """What the action does to the SLA ladder: a stop removes the deadline; a start (escalate, release)
    puts an escalation back at level 0 with a fresh one. A released park has no deadline."""
    clock = RULES[action].sla_clock
    if clock is SlaClock.STOP:
        return {"due_at": None}
    if clock is not SlaClock.START:
        return {}
    current = store.get_handoff(caller.account_id, session_id, handoff_id)  # its priority (a missing one: the write refuses)
    intent = fields.get("intent") or (current.intent if current else "park")  # a release: a claimed intent cannot change
    priority = current.session.priority if current else None
    return {"due_at": ladder.first_due(intent, at, store.sla_policy(caller.account_id), priority), "overdue_level": 0}


def _entry(
    action: Action,
    actor: User,
    at: str,
    reason: str | None = None,
    to_user: User | None = None,
    version: int = 0,
    notes: str | None = None,
) -> TimelineEntry:
    return TimelineEntry(
        at=at,
        action=action.value,
        actor_id=actor.id,
        actor_name=actor.display_name,
        to_user_id=to_user.id if to_user else None,
        to_user_name=to_user.display_name if to_user else None,
        reason=reason or None,
        notes=notes or None,
        version=version,
    )
