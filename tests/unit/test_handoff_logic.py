"""Handoff use cases with an in-memory store."""

from __future__ import annotations

import pytest

from baton.api_models import HandoffCreate, SessionCreate
from baton.domain.errors import Forbidden, NotFound
from baton.domain.models import Role
from baton.logic import handoffs, sessions
from tests.unit.fakes import InMemoryHandoffs, person


@pytest.fixture
def store() -> InMemoryHandoffs:
    return InMemoryHandoffs()


def _session(store: InMemoryHandoffs, role: Role = Role.ENGINEER) -> str:
    body = SessionCreate(intake_type="ticket", intake_content={"ticket": "T-1"})
    return sessions.create_session(person(role), body, store).id


def test_a_new_handoff_is_open_at_version_one_and_names_its_creator(store: InMemoryHandoffs) -> None:
    # Given an engineer's session
    junior = person(Role.ENGINEER, name="jules")
    session_id = _session(store)
    # When they escalate it
    handoff = handoffs.create_handoff(junior, session_id, HandoffCreate(intent="escalate", engineer_notes="n"), store)
    # Then the handoff is open, version 1, in their account, by them
    assert (handoff.status, handoff.version, handoff.account_id) == ("open", 1, "acme")
    assert handoff.created_by == junior.id and handoff.created_by_name == "jules"
    assert handoff.created_at == handoff.updated_at and handoff.created_at.endswith("Z")


def test_viewers_cannot_create_sessions_or_handoffs(store: InMemoryHandoffs) -> None:
    session_id = _session(store)
    with pytest.raises(Forbidden, match="engineer"):
        _session(store, Role.VIEWER)
    with pytest.raises(Forbidden, match="engineer"):
        handoffs.create_handoff(person(Role.VIEWER), session_id, HandoffCreate(intent="park"), store)


def test_a_sessions_handoffs_come_newest_first(store: InMemoryHandoffs) -> None:
    engineer = person(Role.ENGINEER)
    session_id = _session(store)
    first = handoffs.create_handoff(engineer, session_id, HandoffCreate(intent="park"), store)
    store.handoffs[("acme", session_id)][0] = first = first.model_copy(
        update={"status": "resolved", "created_at": "2020-01-01T00:00:00.000Z"}
    )
    second = handoffs.create_handoff(engineer, session_id, HandoffCreate(intent="escalate"), store)
    assert [h.id for h in handoffs.session_handoffs(engineer, session_id, store)] == [second.id, first.id]


def test_context_of_an_unknown_handoff_or_session_is_not_found(store: InMemoryHandoffs) -> None:
    engineer = person(Role.ENGINEER)
    session_id = _session(store)
    with pytest.raises(NotFound):
        handoffs.handoff_context(engineer, session_id, "nope", store)
    with pytest.raises(NotFound):
        handoffs.session_handoffs(engineer, "no-session", store)


def test_claim_is_made_in_the_callers_own_account(store: InMemoryHandoffs) -> None:
    # Given a globex engineer, When they claim any ids, Then the store is asked within globex only
    claimer = person(Role.ENGINEER, "globex")
    with pytest.raises(NotFound):
        handoffs.claim(claimer, "s", "h", store)
    assert store.transitions == [("globex", "s", "h", claimer.id)]


def test_the_queue_limit_is_capped(store: InMemoryHandoffs) -> None:
    page = handoffs.open_queue(person(Role.ENGINEER), None, 10_000, None, store)
    assert page.items == []
