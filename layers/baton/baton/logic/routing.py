"""The stream router's use case: a change of the data table becomes at most one published event."""

from __future__ import annotations

from typing import Any

from baton.domain.events import HandoffEvent, event_for_change
from baton.domain.invitation_events import InvitationEvent, invitation_event_for_change
from baton.domain.models import Handoff, Invitation
from baton.ports import EventPublisher, InvitationPublisher


def route_change(before: Handoff | None, after: Handoff | None, event_id: str, publisher: EventPublisher) -> HandoffEvent | None:
    """Publish the event a handoff change means. Deletions (TTL, REMOVE) mean nothing."""
    if after is None:
        return None
    event = event_for_change(before, after, event_id)
    if event is not None:
        publisher.publish(event)
    return event


def route_invitation_change(
    before: Invitation | None, after: Invitation | None, event_id: str, publisher: InvitationPublisher
) -> InvitationEvent | None:
    """Publish the event a new pending invitation means (its email)."""
    event = invitation_event_for_change(before, after, event_id)
    if event is not None:
        publisher.publish_invitation(event)
    return event


def image(change: dict[str, Any], name: str) -> dict[str, Any] | None:
    """A stream record's NewImage/OldImage, still in DynamoDB's typed form, or None."""
    value = change.get(name)
    return value if isinstance(value, dict) and value else None
