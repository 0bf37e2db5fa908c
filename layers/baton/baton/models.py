"""Domain entities. Persistence items and API bodies are mapped to and from these explicitly."""

from enum import StrEnum
from typing import Any, Literal, Self

from pydantic import BaseModel, ConfigDict, Field


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
HandoffStatus = Literal["open", "claimed", "resolved"]
ConfidenceTier = Literal["high", "medium", "low"]


class Entity(BaseModel):
    model_config = ConfigDict(frozen=True)


class User(Entity):
    id: str
    account_id: str
    email: str
    display_name: str
    role: Role
    notify_email: bool = True


class ConversationMessage(Entity):
    model_config = ConfigDict(frozen=True, extra="forbid")

    role: Literal["user", "assistant", "system", "tool"]
    content: str = Field(max_length=20_000)
    at: str | None = None


class Session(Entity):
    id: str
    account_id: str
    user_id: str
    session_type: str
    intake_type: str
    intake_content: dict[str, Any]
    status: str
    confidence_tier: ConfidenceTier | None = None
    conversation_messages: list[ConversationMessage]
    created_at: str
    active_handoff_id: str | None = None


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
    updated_at: str
    version: int


class QueuePage(Entity):
    items: list[Handoff]
    next_cursor: str | None
