"""Domain entities. Persistence items and API bodies are mapped to and from these explicitly."""

from enum import StrEnum
from typing import Annotated, Any, Literal, Self

from pydantic import ConfigDict, Field, StringConstraints

from baton.modeling import Model


class Role(StrEnum):
    OWNER = "owner"
    ADMIN = "admin"
    ENGINEER = "engineer"
    VIEWER = "viewer"

    @property
    def rank(self) -> int:
        return _RANKS[self]

    def at_least(self, other: Self) -> bool:
        return self.rank >= other.rank


_RANKS = {Role.VIEWER: 0, Role.ENGINEER: 1, Role.ADMIN: 2, Role.OWNER: 3}

Intent = Literal["park", "escalate"]
HandoffStatus = Literal["open", "claimed", "resolved", "withdrawn"]
# "My work": the handoffs a member holds (picked up, handed to them, resolved by them) or created.
MineRole = Literal["holder", "creator"]
Priority = Literal["P1", "P2", "P3", "P4"]
# The chat tools an account can send its escalations to (an incoming webhook each).
Channel = Literal["teams", "slack"]
CHANNELS: tuple[Channel, ...] = ("teams", "slack")
# The AI product labels its sessions with its own words (guided, free_text, discovery...): any bounded label.
LABEL_PATTERN = r"^[a-z0-9_-]{1,32}$"
Label = Annotated[str, StringConstraints(pattern=LABEL_PATTERN)]


class Entity(Model):
    model_config = ConfigDict(frozen=True)


class User(Entity):
    id: str
    account_id: str
    email: str
    display_name: str
    role: Role
    notify_email: bool = True


InvitationStatus = Literal["pending", "accepted", "revoked"]
INVITATION_DAYS = 7


class Account(Entity):
    """An MSP: its people are users with this `account_id`."""

    id: str
    name: str
    created_at: str | None = None
    owner_count: int = 0


class Invitation(Entity):
    """An email address asked to join an account with a role: single use, valid for INVITATION_DAYS."""

    id: str
    account_id: str
    account_name: str
    email: str
    role: Role
    status: InvitationStatus
    invited_by: str | None = None
    invited_by_name: str | None = None
    created_at: str
    expires_at: str
    accepted_by: str | None = None
    accepted_at: str | None = None
    revoked_at: str | None = None


class ConversationMessage(Entity):
    model_config = ConfigDict(frozen=True, extra="forbid")

    role: Literal["user", "assistant", "system", "tool"]
    content: str = Field(max_length=20_000)
    at: str | None = None


class Triage(Entity):
    """The session's triage fields: what a queue card, an email or a chat message shows at a glance."""

    ticket_ref: str | None = None
    client_name: str | None = None
    subject: str | None = None
    priority: Priority | None = None
    confidence_tier: str | None = None


class Session(Entity):
    id: str
    account_id: str
    user_id: str
    session_type: str
    intake_type: str
    intake_content: dict[str, Any]
    status: str
    confidence_tier: str | None = None
    ticket_ref: str | None = None
    client_name: str | None = None
    subject: str | None = None
    priority: Priority | None = None
    conversation_messages: list[ConversationMessage]
    created_at: str
    active_handoff_id: str | None = None

    def triage(self) -> Triage:
        return Triage.model_validate(self.model_dump(include=set(Triage.model_fields)))


class TimelineEntry(Entity):
    """One transition of a handoff, as the audit trail keeps it. Entry n (from 1) made version n."""

    at: str
    action: str
    actor_id: str | None = None  # None: a system entry (the SLA ladder's timer)
    actor_name: str | None = None
    to_user_id: str | None = None
    to_user_name: str | None = None
    reason: str | None = None
    version: int = 0  # assigned by the store: entry n made version n


class Handoff(Entity):
    id: str
    session_id: str
    account_id: str
    intent: Intent
    engineer_notes: str
    status: HandoffStatus
    created_by: str
    created_by_name: str
    created_at: str
    claimed_by: str | None = None
    claimed_by_name: str | None = None
    claimed_at: str | None = None
    resolved_at: str | None = None
    resolution_notes: str | None = None
    due_at: str | None = None
    overdue_level: int = 0
    session: Triage = Field(default_factory=Triage)
    updated_at: str
    version: int
    timeline: list[TimelineEntry] = Field(default_factory=list)


class HandoffFacts(Entity):
    """What the team's figures read of one handoff: when it came, who first picked it up, how late it ran."""

    id: str
    intent: Intent
    status: HandoffStatus
    created_at: str
    picked_up_at: str | None = None  # the first claim (a release and a new claim keep it)
    picked_up_by: str | None = None
    picked_up_by_name: str | None = None
    overdue_level: int = 0
    overdue_raises: int = 0  # levels ever raised (a release resets overdue_level, not this)


class WebhookDelivery(Entity):
    """How the last post to a channel's webhook went: what the provider answered, or that none came."""

    at: str
    outcome: Literal["delivered", "rejected", "retrying"]
    provider_status: int | None = None
    detail: str
    event_id: str | None = None  # None for a test message


class Integration(Entity):
    """An account's webhook for one channel, as anyone may see it: never the URL, only its last 4 characters."""

    account_id: str
    channel: Channel
    last4: str
    updated_at: str
    updated_by: str
    updated_by_name: str
    last_delivery: WebhookDelivery | None = None


class QueuePage(Entity):
    items: list[Handoff]
    next_cursor: str | None
