"""Use cases on AI troubleshooting sessions."""

from __future__ import annotations

from baton.api_models import SessionCreate
from baton.clock import iso, new_id, utc_now
from baton.errors import NotFound
from baton.logic.access import require_engineer
from baton.logic.ports import Handoffs
from baton.models import Session, User


def create_session(caller: User, body: SessionCreate, store: Handoffs) -> Session:
    require_engineer(caller)
    session = Session(
        id=new_id(),
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
