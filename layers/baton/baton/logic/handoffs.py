"""Use cases on handoffs: create, queue, read, claim, release, resolve."""

from __future__ import annotations

from baton.api_models import HandoffCreate
from baton.clock import iso, new_id, utc_now
from baton.errors import NotFound
from baton.logic.access import is_supervisor, require_engineer
from baton.logic.ports import Handoffs
from baton.models import Handoff, QueuePage, Session, User

QUEUE_LIMIT_MAX = 200


def create_handoff(caller: User, session_id: str, body: HandoffCreate, store: Handoffs) -> Handoff:
    require_engineer(caller)
    now = iso(utc_now())
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
        updated_at=now,
        version=1,
    )
    store.create_handoff(handoff)
    return handoff


def open_queue(caller: User, intent: str | None, limit: int, cursor: str | None, store: Handoffs) -> QueuePage:
    require_engineer(caller)
    return store.open_queue(caller.account_id, intent, min(limit, QUEUE_LIMIT_MAX), cursor)


def session_handoffs(caller: User, session_id: str, store: Handoffs) -> list[Handoff]:
    """The session's handoffs, newest first."""
    require_engineer(caller)
    session, handoffs = store.get_session_with_handoffs(caller.account_id, session_id)
    if session is None:
        raise NotFound("No such session in your account.")
    return sorted(handoffs, key=lambda handoff: (handoff.created_at, handoff.id), reverse=True)


def handoff_context(caller: User, session_id: str, handoff_id: str, store: Handoffs) -> tuple[Handoff, Session]:
    """Everything a senior needs to pick a handoff up: the handoff and its whole session."""
    require_engineer(caller)
    session, handoffs = store.get_session_with_handoffs(caller.account_id, session_id)
    handoff = next((h for h in handoffs if h.id == handoff_id), None)
    if session is None or handoff is None:
        raise NotFound("No such handoff in your account.")
    return handoff, session


def claim(caller: User, session_id: str, handoff_id: str, store: Handoffs) -> Handoff:
    require_engineer(caller)
    return store.claim(caller.account_id, session_id, handoff_id, caller, iso(utc_now()))


def release(caller: User, session_id: str, handoff_id: str, store: Handoffs) -> Handoff:
    require_engineer(caller)
    return store.release(caller.account_id, session_id, handoff_id, caller, is_supervisor(caller), iso(utc_now()))


def resolve(caller: User, session_id: str, handoff_id: str, notes: str, store: Handoffs) -> Handoff:
    require_engineer(caller)
    return store.resolve(caller.account_id, session_id, handoff_id, caller, is_supervisor(caller), notes, iso(utc_now()))
