"""Use cases on AI troubleshooting sessions."""

from __future__ import annotations

from baton.domain.clock import iso, new_id, utc_now
from baton.domain.errors import NotFound
from baton.domain.models import Role, Session, SessionDraft, User
from baton.ports import Handoffs


def create_session(caller: User, body: SessionDraft, store: Handoffs, session_id: str | None = None) -> Session:
    """`session_id`: chosen by the caller when it must be known before the session exists (a PSA ticket's claim)."""
    caller.role.require(Role.ENGINEER)
    session = Session(
        id=session_id or new_id(),
        account_id=caller.account_id,
        user_id=caller.id,
        status="active",
        created_at=iso(utc_now()),
        **body.model_dump(),
    )
    store.create_session(session)
    return session


def get_session(caller: User, session_id: str, store: Handoffs) -> Session:
    session = store.get_session(caller.account_id, session_id)
    if session is None:
        raise NotFound("No such session in your account.")
    return session
