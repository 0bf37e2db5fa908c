"""An account's connector as baton keeps it: its settings (never a secret), its inbound hook, its member map, how
its last delivery and its last inbound call went. The secrets are an SSM SecureString (repositories/connectors.py)."""

from __future__ import annotations

from typing import Any, Literal

from pydantic import Field

from baton.domain.models import Entity, WebhookDelivery

MatchedBy = Literal["email", "manual"]
InboundOutcome = Literal["accepted", "ignored", "refused", "duplicate"]


class MemberLink(Entity):
    """A baton member and who they are in the provider (a PSA member id)."""

    user_id: str
    external_id: str
    matched_by: MatchedBy
    external_name: str | None = None


class InboundRecord(Entity):
    """The last call the provider made to baton's hook: when, what became of it, and why."""

    at: str
    outcome: InboundOutcome
    detail: str
    delivery_id: str | None = None


class ConnectorSetup(Entity):
    """One connector of one account, as set up by an owner or admin."""

    account_id: str
    name: str
    settings: dict[str, Any]
    hook_id: str | None = None  # the provider's id of baton's registered hook (to remove it)
    members: list[MemberLink] = Field(default_factory=list)
    # The provider's members as last listed (`{external_id, name, email}`): what the console offers to map to.
    directory: list[dict[str, Any]] = Field(default_factory=list)
    updated_at: str
    updated_by: str
    updated_by_name: str
    last_delivery: WebhookDelivery | None = None
    last_inbound: InboundRecord | None = None

    def external_id_of(self, user_id: str | None) -> str | None:
        return next((link.external_id for link in self.members if link.user_id == user_id), None)

    def user_of(self, external_id: str | None) -> str | None:
        return next((link.user_id for link in self.members if external_id and link.external_id == external_id), None)


class TicketLink(Entity):
    """A PSA ticket and the baton session (and its latest handoff) it became."""

    account_id: str
    connector: str
    ticket_id: str
    session_id: str
    handoff_id: str | None = None
    # Set while one call is creating the session and its handoff (`claim_ticket`): another call about the ticket
    # leaves it to that one; cleared when the handoff is made or the attempt failed.
    escalating_since: str | None = None
