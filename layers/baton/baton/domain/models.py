"""Domain entities. Persistence items and API bodies are mapped to and from these explicitly.

Each field is declared once, in a field base (`HandoffFields`, `TriageFields`, `TimelineEntryFields`, `UserFields`,
`SessionFields`): the stored entity builds on it here, the HTTP answer in `baton.api_models` and the event in
`baton.domain.events` (both `Complete`: every field required there, with no default).
"""

import math
from collections.abc import Container
from enum import StrEnum
from typing import Annotated, Any, Literal, NamedTuple, Self

from pydantic import ConfigDict, Field, StringConstraints, field_validator, model_validator

from baton.domain.errors import Forbidden
from baton.domain.modeling import Model


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

    @property
    def supervises(self) -> bool:
        """Admins and owners may act on handoffs that someone else holds or created."""
        return self.at_least(Role.ADMIN)

    def refusal(self, needed: "Role") -> Forbidden | None:
        """Why this role may not do what needs `needed` (None: it may). A missing engineer role says "engineer"."""
        if self.at_least(needed):
            return None
        return Forbidden(_NEEDS[needed].format(role=self.value))

    def require(self, needed: "Role") -> None:
        if refused := self.refusal(needed):
            raise refused


_RANKS = {Role.VIEWER: 0, Role.ENGINEER: 1, Role.ADMIN: 2, Role.OWNER: 3}
_NEEDS = {
    Role.VIEWER: "You need a role in this account; yours is {role}.",
    Role.ENGINEER: "This needs the engineer role (or admin, owner); your role is {role}.",
    Role.ADMIN: "Only an admin or owner can do this; your role is {role}.",
    Role.OWNER: "Only an owner can do this; your role is {role}.",
}

Intent = Literal["park", "escalate"]
HandoffStatus = Literal["open", "claimed", "resolved", "withdrawn"]
# "My work": the handoffs a member holds (picked up, handed to them, resolved by them) or created.
MineRole = Literal["holder", "creator"]
Priority = Literal["P1", "P2", "P3", "P4"]
# The AI product labels its sessions with its own words (guided, free_text, discovery...): any bounded label.
LABEL_PATTERN = r"^[a-z0-9_-]{1,32}$"
Label = Annotated[str, StringConstraints(pattern=LABEL_PATTERN)]
NOTES_MAX = 4_000
REASON_MAX = 1_000
INTAKE_DEPTH_MAX = 32


class Entity(Model):
    model_config = ConfigDict(frozen=True)


# How a person wants the emails baton sends them (baton/domain/recipients.py says which those are).
EmailMode = Literal["immediate", "digest", "none"]
DIGEST_MINUTES_MIN = 5
DIGEST_MINUTES_MAX = 1440


class UserFields(Model):
    id: str
    account_id: str
    email: str
    display_name: str
    role: Role
    notify_email: bool = Field(default=True, description="Whether they get email at all (email_mode is not none).")
    email_mode: EmailMode = Field(default="immediate", description="immediate, digest (every digest_minutes) or none.")
    digest_minutes: int = Field(default=60, ge=DIGEST_MINUTES_MIN, le=DIGEST_MINUTES_MAX)
    email_when_live: bool = Field(default=False, description="Emailed even about what was pushed to their live console.")

    @model_validator(mode="before")
    @classmethod
    def _email_mode_and_notify_email_agree(cls, data: Any) -> Any:
        """A record from before email_mode reads `notify_email: false` as `none`; from then on notify_email follows
        email_mode."""
        if isinstance(data, dict):
            mode = data.get("email_mode") or ("immediate" if data.get("notify_email", True) else "none")
            data = {**data, "email_mode": mode, "notify_email": mode != "none"}
        return data


class User(Entity, UserFields):
    """A member of an account."""


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


class PsaTicket(Model):
    """The PSA ticket a session is linked to: its connector (baton/connectors/registry.py), its id there, its URL."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    connector: str = Field(pattern=r"^[a-z0-9_-]{1,32}$")
    id: str = Field(min_length=1, max_length=64)
    url: str | None = Field(default=None, max_length=2048)

    def __str__(self) -> str:  # how an email or a chat message shows it
        return f"{self.connector} #{self.id}"


class TriageFields(Model):
    """The session's triage fields: what a queue card, an email or a chat message shows at a glance."""

    ticket_ref: str | None = None
    client_name: str | None = None
    subject: str | None = None
    priority: Priority | None = None
    confidence_tier: str | None = None
    psa_ticket: PsaTicket | None = None

    def facts(self, leave_out: Container[str] = ()) -> list[tuple[str, str]]:
        """The fields that are set, labelled, in the order an email or a chat message shows them."""
        shown = ((label, getattr(self, name)) for name, label in TRIAGE_LABELS.items() if name not in leave_out)
        return [(label, str(value)) for label, value in shown if value]


# What an email or a chat message calls each triage field (a test holds every field of TriageFields to have one).
TRIAGE_LABELS = {
    "ticket_ref": "Ticket",
    "client_name": "Client",
    "subject": "Subject",
    "priority": "Priority",
    "confidence_tier": "Confidence",
    "psa_ticket": "PSA ticket",
}


class Triage(Entity, TriageFields):
    """A session's triage fields as its handoffs keep them."""


class _SessionHead(Model):
    """The fields a session lists before its triage fields (pydantic orders a base's fields before its own)."""

    id: str
    account_id: str
    user_id: str
    session_type: str
    intake_type: str
    intake_content: dict[str, Any]
    status: str


class SessionFields(TriageFields, _SessionHead):
    """A session as stored and answered: what the product sent (`SessionDraft`), its ids and its status."""

    conversation_messages: list[ConversationMessage]
    created_at: str


class Session(Entity, SessionFields):
    active_handoff_id: str | None = None

    def triage(self) -> Triage:
        return Triage.model_validate(self.model_dump(include=set(Triage.model_fields)))


class SessionDraft(Model):
    """What the AI product sends to start a session (the HTTP body builds on this; the store adds ids and status)."""

    session_type: Label = "troubleshooting"
    intake_type: Label
    intake_content: dict[str, Any] = Field(description="The product's own JSON document, stored and returned as sent.")
    confidence_tier: Label | None = None
    ticket_ref: str | None = Field(default=None, min_length=1, max_length=64)
    client_name: str | None = Field(default=None, min_length=1, max_length=200)
    subject: str | None = Field(default=None, min_length=1, max_length=300)
    priority: Priority | None = None
    psa_ticket: PsaTicket | None = Field(default=None, description="The PSA ticket this session is about (DESIGN §3e).")
    conversation_messages: list[ConversationMessage] = Field(default_factory=list, max_length=500)

    @field_validator("intake_content")
    @classmethod
    def _plain_json(cls, value: dict[str, Any]) -> dict[str, Any]:
        _check_json(value, depth=1)
        return value


def _check_json(value: Any, depth: int) -> None:
    """JSON as any JSON parser reads it back: finite numbers, bounded nesting."""
    if depth > INTAKE_DEPTH_MAX:
        raise ValueError(f"nested deeper than {INTAKE_DEPTH_MAX} levels")
    if isinstance(value, float) and not math.isfinite(value):
        raise ValueError("numbers must be finite (no NaN or Infinity, nor ones too large for a double)")
    children = value.values() if isinstance(value, dict) else value if isinstance(value, list) else ()
    for child in children:
        _check_json(child, depth + 1)


class HandoffDraft(Model):
    """What a junior sends to park or escalate a session."""

    intent: Intent
    engineer_notes: str = Field(default="", max_length=NOTES_MAX)


class UserChange(Model):
    """A change of a member: a field left out (None) is unchanged."""

    role: Role | None = None
    notify_email: bool | None = None


class EmailSettingsChange(Model):
    """A person's own email settings: a field left out (None) is unchanged."""

    email_mode: EmailMode | None = None
    digest_minutes: int | None = Field(default=None, ge=DIGEST_MINUTES_MIN, le=DIGEST_MINUTES_MAX)
    email_when_live: bool | None = None


class TimelineEntryFields(Model):
    """One transition of a handoff, as the audit trail keeps it. Entry n (from 1) made version n."""

    at: str
    action: str
    actor_id: str | None = None  # None: a system entry (the SLA ladder's timer)
    actor_name: str | None = None
    to_user_id: str | None = None
    to_user_name: str | None = None
    reason: str | None = None
    notes: str | None = None  # what the step left in writing: a resolve's fix, the park's notes an escalate replaced
    version: int = 0  # assigned by the store: entry n made version n


class TimelineEntry(Entity, TimelineEntryFields):
    pass


class HandoffFields(Model):
    """A handoff. `session` is its session's triage fields: each model built on this names its own triage model there."""

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
    session: TriageFields
    updated_at: str
    version: int


class Handoff(Entity, HandoffFields):
    session: Triage = Field(default_factory=Triage)
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
    channel: str  # the chat connector's name (baton/connectors/registry.py)
    last4: str
    updated_at: str
    updated_by: str
    updated_by_name: str
    last_delivery: WebhookDelivery | None = None


class QueuePage(NamedTuple):
    """One page of a list read from the store (never validated: its handoffs are)."""

    items: list[Handoff]
    next_cursor: str | None
