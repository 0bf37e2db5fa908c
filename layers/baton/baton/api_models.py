"""Request and response bodies of the HTTP API (v1). Unknown fields are rejected."""

from typing import Any, Self

from pydantic import BaseModel, ConfigDict, Field, model_validator

from baton.models import ConfidenceTier, ConversationMessage, HandoffStatus, Intent, Role

NOTES_MAX = 4_000


class RequestBody(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)


class SessionCreate(RequestBody):
    session_type: str = Field(default="troubleshooting", min_length=1, max_length=64)
    intake_type: str = Field(min_length=1, max_length=64)
    intake_content: dict[str, Any]
    confidence_tier: ConfidenceTier | None = None
    conversation_messages: list[ConversationMessage] = Field(default_factory=list, max_length=500)


class HandoffCreate(RequestBody):
    intent: Intent
    engineer_notes: str = Field(default="", max_length=NOTES_MAX)


class HandoffResolve(RequestBody):
    resolution_notes: str = Field(default="", max_length=NOTES_MAX)


class UserPatch(RequestBody):
    role: Role | None = None
    notify_email: bool | None = None

    @model_validator(mode="after")
    def _not_empty(self) -> Self:
        if self.role is None and self.notify_email is None:
            raise ValueError("give at least one of role, notify_email")
        return self


class UserOut(BaseModel):
    id: str
    account_id: str
    email: str
    display_name: str
    role: Role
    notify_email: bool


class SessionOut(BaseModel):
    id: str
    account_id: str
    user_id: str
    session_type: str
    intake_type: str
    intake_content: dict[str, Any]
    status: str
    confidence_tier: ConfidenceTier | None
    conversation_messages: list[ConversationMessage]
    created_at: str


class HandoffOut(BaseModel):
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
    version: int


class HandoffContext(BaseModel):
    handoff: HandoffOut
    session: SessionOut


class ErrorOut(BaseModel):
    detail: str
