"""Handoff events: derived from the data table's stream, fanned out by SNS, pushed to clients."""

from typing import Literal

from pydantic import BaseModel

from baton.api_models import HandoffOut
from baton.models import Handoff

EventType = Literal["handoff_created", "handoff_claimed", "handoff_released", "handoff_resolved"]

_BY_STATUS_CHANGE: dict[tuple[str | None, str], EventType] = {
    (None, "open"): "handoff_created",
    ("open", "claimed"): "handoff_claimed",
    ("claimed", "open"): "handoff_released",
    ("open", "resolved"): "handoff_resolved",
    ("claimed", "resolved"): "handoff_resolved",
}


class HandoffEvent(BaseModel):
    """One change of one handoff. Consumers dedupe by `event_id`; clients apply by `handoff.version`."""

    type: EventType
    event_id: str
    occurred_at: str
    account_id: str
    handoff: HandoffOut

    def log_fields(self) -> dict[str, str | int]:
        """What every log line about this event carries (the bench's hop timings join on them)."""
        return {
            "event_id": self.event_id,
            "event_type": self.type,
            "handoff_id": self.handoff.id,
            "version": self.handoff.version,
        }


def event_for_change(before: Handoff | None, after: Handoff, event_id: str) -> HandoffEvent | None:
    """The event a change of a handoff means, or None when its status did not move."""
    kind = _BY_STATUS_CHANGE.get((before.status if before else None, after.status))
    if kind is None:
        return None
    return HandoffEvent(
        type=kind,
        event_id=event_id,
        occurred_at=after.updated_at,
        account_id=after.account_id,
        handoff=HandoffOut.model_validate(after.model_dump()),
    )
