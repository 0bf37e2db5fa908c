"""My work (`handoffs.my_handoffs`) with an in-memory store: who may ask, whose handoffs answer, the limit cap."""

from __future__ import annotations

import pytest

from baton.api_models import HandoffCreate, SessionCreate
from baton.domain.errors import Forbidden
from baton.domain.models import Role
from baton.logic import handoffs, sessions
from tests.unit.fakes import InMemoryHandoffs, person


@pytest.fixture
def store() -> InMemoryHandoffs:
    return InMemoryHandoffs()


def _escalation(store: InMemoryHandoffs, creator_name: str = "jules") -> tuple[str, str]:
    creator = person(Role.ENGINEER, name=creator_name)
    session = sessions.create_session(creator, SessionCreate(intake_type="ticket", intake_content={}), store)
    handoff = handoffs.create_handoff(creator, session.id, HandoffCreate(intent="escalate"), store)
    return session.id, handoff.id


def test_the_holder_gets_what_they_hold_and_the_creator_what_they_created(store: InMemoryHandoffs) -> None:
    # Given two escalations of Jules, one picked up by Sam
    sam, jules = person(Role.ENGINEER, name="sam"), person(Role.ENGINEER, name="jules")
    picked, waiting = _escalation(store), _escalation(store)
    handoffs.claim(sam, *picked, store)
    # When each asks for their work
    held = handoffs.my_handoffs(sam, "holder", "claimed", 20, None, store)
    open_ones = handoffs.my_handoffs(jules, "creator", "open", 20, None, store)
    # Then Sam holds the picked-up one and Jules waits on the other
    assert [h.id for h in held.items] == [picked[1]]
    assert [h.id for h in open_ones.items] == [waiting[1]]
    assert handoffs.my_handoffs(jules, "holder", "claimed", 20, None, store).items == []


def test_a_viewer_may_not_ask(store: InMemoryHandoffs) -> None:
    with pytest.raises(Forbidden, match="engineer"):
        handoffs.my_handoffs(person(Role.VIEWER), "holder", "claimed", 20, None, store)


def test_the_limit_is_capped(store: InMemoryHandoffs) -> None:
    for _ in range(handoffs.MINE_LIMIT_MAX + 5):
        _escalation(store)
    page = handoffs.my_handoffs(person(Role.ENGINEER, name="jules"), "creator", "open", 10_000, None, store)
    assert len(page.items) == handoffs.MINE_LIMIT_MAX
