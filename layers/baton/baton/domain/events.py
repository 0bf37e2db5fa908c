"""The event contract, v1: one envelope on SNS, SQS, WebSocket and in resume snapshots.

Events are derived from the data table's stream: every change of a handoff appends one timeline
entry, and that entry's action names the event. This model is a contract with other programs,
separate from the HTTP API's models: adding a field is compatible; removing or renaming one is a
new schema (docs/event-schema.v1.json is generated from it and checked by the tests).
"""

from typing import Annotated, Literal

from pydantic import AfterValidator, ConfigDict, Field, WithJsonSchema

from baton.domain import lifecycle
from baton.domain.modeling import Model
from baton.domain.models import Handoff, HandoffStatus, Intent, Priority, TimelineEntry

SCHEMA: Literal["baton.event.v1"] = "baton.event.v1"


def _known_type(value: str) -> str:
    if value not in lifecycle.ALL_EVENT_TYPES:
        raise ValueError(f"not an event type of {SCHEMA}: {value}")
    return value


# The lifecycle table names the types (one per rule, the SLA ladder's, the snapshot): nothing restates them here.
EventType = Annotated[
    str, AfterValidator(_known_type), WithJsonSchema({"enum": list(lifecycle.ALL_EVENT_TYPES), "type": "string"})
]
# Entries no user makes (the SLA ladder's timers): they name their event directly.
_SYSTEM_EVENTS = {lifecycle.OVERDUE.action: lifecycle.OVERDUE.event_type}


class EventModel(Model):
    model_config = ConfigDict(frozen=True)


class Actor(EventModel):
    id: str
    name: str | None


class EventTriage(EventModel):
    ticket_ref: str | None
    client_name: str | None
    subject: str | None
    priority: Priority | None
    confidence_tier: str | None


class EventHandoff(EventModel):
    id: str
    session_id: str
    account_id: str
    intent: Intent
    engineer_notes: str
    status: HandoffStatus
    created_by: str
    created_by_name: str
    created_at: str
    claimed_by: str | None
    claimed_by_name: str | None
    claimed_at: str | None
    resolved_at: str | None
    resolution_notes: str | None
    due_at: str | None
    overdue_level: int
    session: EventTriage
    updated_at: str
    version: int


class EventTimelineEntry(EventModel):
    at: str
    action: str
    actor_id: str | None
    actor_name: str | None
    to_user_id: str | None
    to_user_name: str | None
    reason: str | None
    version: int


class HandoffEvent(EventModel):
    """One change of one handoff. Consumers dedupe by `event_id`; clients apply by `handoff.version`."""

    schema_: Literal["baton.event.v1"] = Field(default=SCHEMA, alias="schema")
    type: EventType
    event_id: str
    occurred_at: str
    account_id: str
    actor: Actor | None
    handoff: EventHandoff
    timeline_entry: EventTimelineEntry | None

    model_config = ConfigDict(
        frozen=True, populate_by_name=True, serialize_by_alias=True, json_schema_serialization_defaults_required=True
    )

    def log_fields(self) -> dict[str, str | int]:
        """What every log line about this event carries (the bench's hop timings join on them)."""
        return {
            "event_id": self.event_id,
            "event_type": self.type,
            "handoff_id": self.handoff.id,
            "version": self.handoff.version,
        }


def event_for_change(before: Handoff | None, after: Handoff, event_id: str) -> HandoffEvent | None:
    """The event a stored change means: the timeline entry it appended names it. None when it appended none."""
    if len(after.timeline) <= (len(before.timeline) if before else 0):
        return None
    entry = after.timeline[-1]
    kind = lifecycle.event_type(entry.action) or _SYSTEM_EVENTS.get(entry.action)
    if kind is None:
        return None
    return _event(kind, event_id, entry.at, after, entry)


def snapshot(handoff: Handoff) -> HandoffEvent:
    """A handoff as it is now, for a client that resumes after a gap."""
    return _event(lifecycle.SNAPSHOT_EVENT, f"snapshot:{handoff.id}:{handoff.version}", handoff.updated_at, handoff, None)


def _event(kind: str, event_id: str, at: str, handoff: Handoff, entry: TimelineEntry | None) -> HandoffEvent:
    actor = Actor(id=entry.actor_id, name=entry.actor_name) if entry and entry.actor_id else None
    return HandoffEvent.model_validate(
        {
            "type": kind,
            "event_id": event_id,
            "occurred_at": at,
            "account_id": handoff.account_id,
            "actor": actor,
            "handoff": handoff.model_dump(exclude={"timeline"}),
            "timeline_entry": entry.model_dump() if entry else None,
        }
    )
