"""The invitation event: a new pending invitation, derived from the data table's stream like every event.

Its own message (not the handoff envelope of docs/event-schema.v1.json) and its own type, so the
email subscription can filter on it and the push subscription never receives it: the invited address
is not (yet) a member of the account, and nothing about it goes to the account's WebSockets.
"""

from typing import Literal

from pydantic import ConfigDict, Field

from baton.domain.modeling import Model
from baton.domain.models import Invitation, Role

INVITATION_SCHEMA: Literal["baton.invitation.v1"] = "baton.invitation.v1"
INVITATION_CREATED: Literal["invitation_created"] = "invitation_created"


class EventInvitation(Model):
    model_config = ConfigDict(frozen=True)

    id: str
    account_id: str
    account_name: str
    email: str
    role: Role
    invited_by_name: str | None
    expires_at: str


class InvitationEvent(Model):
    model_config = ConfigDict(frozen=True, populate_by_name=True, serialize_by_alias=True)

    schema_: Literal["baton.invitation.v1"] = Field(default=INVITATION_SCHEMA, alias="schema")
    type: Literal["invitation_created"] = INVITATION_CREATED
    event_id: str
    occurred_at: str
    account_id: str
    invitation: EventInvitation

    def log_fields(self) -> dict[str, str]:
        return {"event_id": self.event_id, "event_type": self.type, "invitation_id": self.invitation.id}


def invitation_event_for_change(before: Invitation | None, after: Invitation | None, event_id: str) -> InvitationEvent | None:
    """A new pending invitation means an email; anything else (accepted, revoked, the same one again) means none."""
    if after is None or after.status != "pending" or (before is not None and before.id == after.id):
        return None
    return InvitationEvent(
        event_id=event_id,
        occurred_at=after.created_at,
        account_id=after.account_id,
        invitation=EventInvitation.model_validate(after.model_dump()),
    )
