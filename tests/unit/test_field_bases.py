"""Each field is declared once: in a field base of the domain, which the stored entity, the HTTP answer and the event
build on. A stored field the event or the answer does not carry is a decision written down beside it."""

from __future__ import annotations

import os
import subprocess
import sys
from typing import Any

import pytest
from pydantic import ValidationError

from baton.api_models import NOT_ANSWERED, HandoffOut, SessionOut, TimelineEntryOut, TriageOut, UserOut
from baton.domain.events import NOT_IN_EVENT, EventHandoff, EventTimelineEntry, EventTriage, event_for_change
from baton.domain.modeling import Complete, Model
from baton.domain.models import (
    TRIAGE_LABELS,
    Handoff,
    HandoffFields,
    Session,
    SessionDraft,
    SessionFields,
    TimelineEntry,
    TimelineEntryFields,
    Triage,
    TriageFields,
    User,
    UserFields,
)
from tests.conftest import ROOT

# Each field base and the models that build on it: stored, answered, in the event (None: the event has no such part).
FAMILIES: list[tuple[type[Model], type[Model], type[Model], type[Model] | None]] = [
    (HandoffFields, Handoff, HandoffOut, EventHandoff),
    (TriageFields, Triage, TriageOut, EventTriage),
    (TimelineEntryFields, TimelineEntry, TimelineEntryOut, EventTimelineEntry),
    (UserFields, User, UserOut, None),
    (SessionFields, Session, SessionOut, None),
]
# Where a model says a base's field again, and why: a handoff's `session` is each layer's own triage model (the stored
# one with its default).
SAID_AGAIN: dict[type[Model], set[str]] = {Handoff: {"session"}, HandoffOut: {"session"}, EventHandoff: {"session"}}
# What the store sets on a new session, rather than the product (everything else the product sends: SessionDraft).
SET_BY_THE_STORE = {"id", "account_id", "user_id", "status", "created_at", "active_handoff_id"}


def _own_fields(model: type[Model]) -> set[str]:
    """The fields a class declares in its own body."""
    return set(vars(model).get("__annotations__", {}))


def _members(base: type[Model]) -> list[type[Model]]:
    return [model for family in FAMILIES if family[0] is base for model in family[1:] if model is not None]


@pytest.mark.parametrize("base", [family[0] for family in FAMILIES], ids=lambda base: base.__name__)
def test_a_field_of_the_base_is_declared_there_only_and_reaches_every_model_built_on_it(base: type[Model]) -> None:
    for model in _members(base):
        # Given a model of the family, Then it builds on the base and says none of the base's fields again
        assert issubclass(model, base), f"{model.__name__} does not build on {base.__name__}"
        assert _own_fields(model) & set(base.model_fields) <= SAID_AGAIN.get(model, set()), model.__name__
        # And so it has each of the base's fields, of the base's type (a field added to the base reaches it); one said
        # again is of a narrower type (the layer's own triage model)
        for name, field in base.model_fields.items():
            assert name in model.model_fields, f"{model.__name__} lacks {base.__name__}.{name}"
            got, declared = model.model_fields[name].annotation, field.annotation
            if name in SAID_AGAIN.get(model, set()):
                assert isinstance(got, type) and isinstance(declared, type) and issubclass(got, declared), model.__name__
            else:
                assert got == declared, f"{model.__name__}.{name}"


@pytest.mark.parametrize(
    ("stored", "carried", "left_out"),
    [
        (Handoff, EventHandoff, NOT_IN_EVENT),
        (Triage, EventTriage, set()),
        (TimelineEntry, EventTimelineEntry, set()),
    ],
    ids=lambda model: getattr(model, "__name__", ""),
)
def test_every_stored_field_is_in_the_event_or_left_out_on_purpose(
    stored: type[Model], carried: type[Model], left_out: set[str]
) -> None:
    # Given a stored model and its part of the event, Then the event has every stored field but those that
    # events.NOT_IN_EVENT leaves out (a field added to the entity alone fails here until it is decided)
    assert set(carried.model_fields) == set(stored.model_fields) - left_out
    assert left_out <= set(stored.model_fields), "NOT_IN_EVENT names a field the store does not have"


@pytest.mark.parametrize(
    ("stored", "answered"),
    [(Handoff, HandoffOut), (Triage, TriageOut), (TimelineEntry, TimelineEntryOut), (User, UserOut), (Session, SessionOut)],
    ids=lambda model: model.__name__,
)
def test_every_stored_field_is_in_the_answer_or_left_out_on_purpose(stored: type[Model], answered: type[Model]) -> None:
    # Given a stored model and its HTTP answer, Then the answer has every stored field but those api_models.NOT_ANSWERED
    # leaves out
    left_out = NOT_ANSWERED.get(stored, set())
    assert set(answered.model_fields) == set(stored.model_fields) - left_out
    assert left_out <= set(stored.model_fields), "NOT_ANSWERED names a field the store does not have"


def _complete_models() -> list[type[Model]]:
    return [model for family in FAMILIES for model in family[2:] if model is not None]


@pytest.mark.parametrize("model", _complete_models(), ids=lambda model: model.__name__)
@pytest.mark.parametrize("mode", ["validation", "serialization"])
def test_an_answer_or_an_event_carries_every_field_with_no_default(model: type[Model], mode: Any) -> None:
    # Given an answer or an event model, whose base gives the stored entity defaults
    assert issubclass(model, Complete)
    # When its JSON Schema is generated (the OpenAPI document and docs/event-schema.v1.json are made of these)
    schema = model.model_json_schema(mode=mode)
    # Then every property is required, in the order of the properties, and none has a default
    assert schema["required"] == list(schema["properties"])
    assert [name for name, value in schema["properties"].items() if "default" in value] == []


def test_the_stored_handoff_takes_its_defaults_and_its_answer_and_event_refuse_a_missing_field() -> None:
    # Given a handoff's fields without the ones the store may leave out (the holder, the due time, the triage...)
    given = {
        "id": "h", "session_id": "s", "account_id": "acme", "intent": "escalate", "engineer_notes": "", "status": "open",
        "created_by": "u", "created_by_name": "U", "created_at": "t", "updated_at": "t", "version": 1,
    }  # fmt: skip
    # When the stored model reads them, Then it fills in its defaults
    stored = Handoff.model_validate(given)
    assert stored.claimed_by is None and stored.overdue_level == 0 and stored.session == Triage()
    # But the answer and the event refuse them: each of those fields is missing
    for model in (HandoffOut, EventHandoff):
        with pytest.raises(ValidationError) as refused:
            model.model_validate(given)
        missing = {str(error["loc"][0]) for error in refused.value.errors() if error["type"] == "missing"}
        assert missing == set(HandoffFields.model_fields) - set(given), model.__name__
    # And a complete one reads the same in all three
    full = stored.model_dump(exclude={"timeline"})
    assert HandoffOut.model_validate(full).model_dump() == EventHandoff.model_validate(full).model_dump() == full


def test_a_stored_handoff_reaches_the_answer_and_the_event_whole() -> None:
    # Given a stored handoff with every field set
    entry = TimelineEntry(at="t1", action="create", actor_id="u", actor_name="U", version=1)
    triage = Triage(ticket_ref="T-1", client_name="Contoso", subject="VPN", priority="P2", confidence_tier="low")
    stored = Handoff(
        id="h", session_id="s", account_id="acme", intent="escalate", engineer_notes="n", status="claimed",
        created_by="u", created_by_name="U", created_at="t0", claimed_by="v", claimed_by_name="V", claimed_at="t1",
        resolved_at="t2", resolution_notes="r", due_at="t3", overdue_level=2, session=triage, updated_at="t1",
        version=1, timeline=[entry],
    )  # fmt: skip
    # When the router makes its event and the API its answer
    event = event_for_change(None, stored, "e1")
    assert event is not None
    answer = HandoffOut.model_validate(stored.model_dump())
    # Then both carry every stored field but the timeline, with the same values
    expected = stored.model_dump(exclude={"timeline"})
    assert event.handoff.model_dump() == answer.model_dump() == expected
    assert event.timeline_entry is not None and event.timeline_entry.model_dump() == entry.model_dump()


def test_every_triage_field_has_its_label_in_emails_and_chat_messages() -> None:
    # Given the triage fields, Then each has a label (TRIAGE_LABELS, in the order the messages show them)
    assert set(TRIAGE_LABELS) == set(TriageFields.model_fields)
    # And the facts are the set ones, labelled; the chat message leaves out what it is told to
    triage = Triage(ticket_ref="T-1", subject="VPN", priority="P1", confidence_tier="low")
    assert triage.facts() == [("Ticket", "T-1"), ("Subject", "VPN"), ("Priority", "P1"), ("Confidence", "low")]
    assert triage.facts(leave_out={"confidence_tier"}) == [("Ticket", "T-1"), ("Subject", "VPN"), ("Priority", "P1")]


def test_every_stored_session_field_is_sent_by_the_product_or_set_by_the_store() -> None:
    # Given the session as stored, Then each of its fields is one the product sends (SessionDraft, with its limits) or
    # one the store sets: a triage field added to TriageFields needs its input (and limits) in SessionDraft too
    assert set(Session.model_fields) - SET_BY_THE_STORE == set(SessionDraft.model_fields)


def test_no_model_is_built_at_import() -> None:
    # Given a fresh interpreter (this one has built most models by now), When the models' modules are imported
    probe = (
        "import baton.api_models as a, baton.domain.events as e, baton.domain.models as m; from pydantic import BaseModel;"
        "print([c.__name__ for mod in (a, e, m) for c in vars(mod).values()"
        " if isinstance(c, type) and issubclass(c, BaseModel) and c.__pydantic_complete__])"
    )
    built = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, check=True, env=_with_layer())
    # Then none is built yet (a parametrised generic base would build its origin: cold start, `make bench`)
    assert built.stdout.strip() == "[]", built.stdout + built.stderr


def _with_layer() -> dict[str, str]:
    return {**os.environ, "PYTHONPATH": str(ROOT / "layers" / "baton")}
