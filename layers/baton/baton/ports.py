"""Every port: what the use cases need from storage, queues and providers, in one module.

Real adapters live in baton.repositories and baton.publishers; tests pass fakes."""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Any, Protocol

if TYPE_CHECKING:  # annotations only: a function loads the models it uses, not every port's
    from baton.connectors.http import HttpReply, HttpRequest
    from baton.connectors.registry import Channel
    from baton.connectors.teams_bot import TeamsBot
    from baton.domain.chat import ChatLink, ChatMessageRef, ChatProvider, LinkCode
    from baton.domain.connector_state import ConnectorSetup, InboundRecord, MemberLink, TicketLink
    from baton.domain.events import HandoffEvent
    from baton.domain.invitation_events import InvitationEvent
    from baton.domain.ladder import Policy, Timer
    from baton.domain.lifecycle import Action
    from baton.domain.models import (
        Account,
        EmailMode,
        EmailSettingsChange,
        Handoff,
        HandoffFacts,
        HandoffStatus,
        Integration,
        Invitation,
        MineRole,
        QueuePage,
        Role,
        Session,
        TimelineEntry,
        User,
        WebhookDelivery,
    )
    from baton.domain.webhook_rules import ProviderAnswer
    from baton.domain.websocket import Connection, PushPart, Ticket


class Users(Protocol):
    def get(self, user_id: str) -> User | None: ...

    def list_by_account(self, account_id: str) -> list[User]: ...

    def update(
        self, current: User, role: Role | None, notify_email: bool | None, email_mode: EmailMode | None = None
    ) -> User: ...

    def set_email_settings(self, current: User, change: EmailSettingsChange) -> User:
        """A person's own email settings (notify_email follows email_mode)."""
        ...

    def by_email(self, account_id: str, email: str) -> User | None: ...

    def remove(self, current: User) -> None: ...


class Accounts(Protocol):
    def create(self, account: Account) -> None: ...

    def get(self, account_id: str) -> Account | None: ...

    def rename(self, account_id: str, name: str) -> Account: ...

    def list_all(self) -> list[Account]: ...


class Invitations(Protocol):
    def create(self, invitation: Invitation, now_epoch: int) -> None: ...

    def for_email(self, email: str) -> list[Invitation]: ...

    def of_account(self, account_id: str) -> list[Invitation]: ...

    def in_account(self, account_id: str, invitation_id: str) -> Invitation | None: ...

    def revoke(self, invitation: Invitation, at: str) -> None: ...

    def accept(self, invitation: Invitation, user: User, at: str, now_epoch: int) -> None:
        """Atomically: the invitation pending -> accepted, the user created if their sub has none."""
        ...


class Handoffs(Protocol):
    def create_session(self, session: Session) -> None: ...

    def get_session(self, account_id: str, session_id: str) -> Session | None: ...

    def session_and_policy(self, account_id: str, session_id: str) -> tuple[Session | None, Policy]:
        """The session and its account's SLA policy, in one round trip."""
        ...

    def get_session_with_handoffs(self, account_id: str, session_id: str) -> tuple[Session | None, list[Handoff]]: ...

    def create_handoff(self, handoff: Handoff) -> None: ...

    def get_handoff(self, account_id: str, session_id: str, handoff_id: str) -> Handoff | None: ...

    def transition(
        self,
        account_id: str,
        session_id: str,
        handoff_id: str,
        action: Action,
        actor: User,
        entry: TimelineEntry,
        fields: dict[str, Any],
    ) -> Handoff:
        """Apply one lifecycle action if its rule allows it now; else raise the rule's refusal."""
        ...

    def open_queue(self, account_id: str, intent: str | None, limit: int, after: str | None) -> QueuePage: ...

    def recent(self, account_id: str, limit: int) -> list[Handoff]:
        """The account's handoffs, newest change first, with their timelines."""
        ...

    def mine(
        self, account_id: str, user_id: str, role: MineRole, status: HandoffStatus, limit: int, after: str | None
    ) -> QueuePage:
        """Handoffs in `status` the user holds (role "holder") or created ("creator"), newest change first."""
        ...

    def sla_policy(self, account_id: str) -> Policy:
        """The account's SLA policy (the defaults until an owner or admin sets one)."""
        ...


class Policies(Protocol):
    def get(self, account_id: str) -> Policy: ...

    def put(self, account_id: str, policy: Policy) -> Policy: ...


class OverdueStore(Protocol):
    """What the SLA timer needs: the policy, and the one conditional write that raises a level."""

    def sla_policy(self, account_id: str) -> Policy: ...

    def raise_overdue(self, timer: Timer, entry: TimelineEntry, next_due: str | None) -> Handoff | None: ...


class TimerQueue(Protocol):
    def schedule(self, timer: Timer, delay_s: int) -> None: ...


class Connections(Protocol):
    def put_ticket(self, ticket: Ticket) -> None: ...

    def consume_ticket(self, ticket: str, now: int) -> Ticket | None: ...

    def put(self, connection: Connection) -> None: ...

    def delete(self, connection_id: str) -> None: ...

    def ids_of_account(self, account_id: str) -> list[str]: ...

    def ids_of_user(self, user_id: str) -> list[str]: ...


class Sender(Protocol):
    """Sends bytes to one WebSocket connection; raises ConnectionGone or Throttled."""

    def send(self, connection_id: str, data: bytes) -> None: ...

    def close(self, connection_id: str) -> None: ...


class ChangeLog(Protocol):
    def changed_since(self, account_id: str, since: str, limit: int) -> list[Handoff]: ...

    def latest_change(self, account_id: str) -> str | None:
        """When the account's newest handoff change was made (None: no handoff yet)."""
        ...


class EventPublisher(Protocol):
    def publish(self, event: HandoffEvent) -> None: ...


class InvitationPublisher(Protocol):
    def publish_invitation(self, event: InvitationEvent) -> None: ...


class FiguresStore(Protocol):
    def created_since(self, account_id: str, since: str) -> list[HandoffFacts]: ...

    def open_queue(self, account_id: str, intent: str | None, limit: int, after: str | None) -> QueuePage: ...


class PushParts(Protocol):
    """Hands parts of a large fan-out to push invocations of their own (the push parts queue)."""

    def send(self, parts: list[PushPart]) -> None: ...


class PushPoster(Protocol):
    """Posts bytes to one WebSocket connection, asynchronously; raises ConnectionGone or Throttled."""

    async def post(self, connection_id: str, data: bytes) -> None: ...


class Integrations(Protocol):
    """An account's chat-channel webhooks: stored encrypted, never returned."""

    def list(self, account_id: str) -> list[Integration]: ...

    def webhook_url(self, account_id: str, channel: Channel) -> str | None: ...

    def save(self, integration: Integration, webhook_url: str) -> None: ...

    def remove(self, account_id: str, channel: Channel) -> bool: ...

    def record_delivery(self, account_id: str, channel: Channel, delivery: WebhookDelivery) -> None: ...


class ChatPoster(Protocol):
    """Posts one JSON message to a channel's webhook URL; answers what the provider said (or that it did not)."""

    def post(self, channel: Channel, url: str, payload: dict[str, Any]) -> ProviderAnswer: ...


class ConnectorStore(Protocol):
    """An account's connectors with credentials (PSAs, chat apps): settings and member map in the data table, the
    secrets (keys, the hook's secret) as one SSM SecureString each; secrets are read only to talk to the provider."""

    def get(self, account_id: str, name: str) -> ConnectorSetup | None: ...

    def list(self, account_id: str) -> list[ConnectorSetup]: ...

    def secrets(self, account_id: str, name: str, version: str | None = None) -> dict[str, str] | None:
        """`version`: the setup's `updated_at`, given by a consumer that read the setup for this event: a warm function
        may then keep the answer a short while (a new save has a new version, so new secrets are used at once)."""
        ...

    def save(self, setup: ConnectorSetup, secrets: dict[str, str]) -> None: ...

    def remove(self, account_id: str, name: str) -> bool: ...

    def set_members(self, account_id: str, name: str, members: Sequence[MemberLink]) -> None: ...

    def record_delivery(self, account_id: str, name: str, delivery: WebhookDelivery) -> None: ...

    def record_inbound(self, account_id: str, name: str, record: InboundRecord) -> None: ...

    def take_budget(self, account_id: str, name: str, hour: str, limit: int) -> bool:
        """Count one request against the connector's hourly budget; False when the hour's budget is spent."""
        ...

    def link_ticket(self, link: TicketLink) -> None: ...

    def claim_ticket(self, claim: TicketLink, seen: TicketLink | None) -> bool:
        """Write `claim` only if the ticket's link is still `seen` (None: no link yet); False when another call
        changed it first (two callbacks about one ticket at once: one of them escalates)."""
        ...

    def ticket_link(self, account_id: str, name: str, ticket_id: str) -> TicketLink | None: ...


class ProviderTransport(Protocol):
    """Sends one request to a provider's API (https, allowlisted hosts, no redirects, bounded time, one attempt)
    and answers what came back, or that nothing did."""

    def send(self, connector: str, request: HttpRequest) -> HttpReply: ...


class ChatLinks(Protocol):
    """Chat users linked to members (per account), and the single-use codes that link them."""

    def put_code(self, code: LinkCode) -> None: ...

    def take_code(self, code: str, now: str) -> LinkCode | None:
        """The code if it exists and has not expired, deleted in the same write: single use."""
        ...

    def link(self, link: ChatLink) -> None: ...

    def find(self, account_id: str, provider: ChatProvider, external_id: str) -> ChatLink | None: ...

    def of_user(self, account_id: str, user_id: str) -> list[ChatLink]: ...

    def unlink(self, link: ChatLink) -> None: ...


class ChatMessages(Protocol):
    """Every chat message posted about a handoff (where it is, the handoff's version it shows)."""

    def record(self, ref: ChatMessageRef) -> None: ...

    def of_handoff(self, account_id: str, handoff_id: str) -> list[ChatMessageRef]: ...

    def advance(self, ref: ChatMessageRef, version: int) -> bool:
        """Mark the message as showing `version` if it shows an older one; False when it already shows it or newer
        (a late or repeated event does not roll a message back)."""
        ...


class SlackWebApi(Protocol):
    """Slack's Web API with one workspace's bot token; raises `Transient` for what a retry may fix (429 with its
    Retry-After, 5xx, no answer) and `Invalid` for Slack's refusals (`ok: false`)."""

    def post_message(self, token: str, channel: str, message: dict[str, Any]) -> str:
        """chat.postMessage; the message's `ts`."""
        ...

    def update_message(self, token: str, channel: str, ts: str, message: dict[str, Any]) -> None: ...

    def post_ephemeral(self, token: str, channel: str, user: str, text: str) -> None: ...

    def open_view(self, token: str, trigger_id: str, view: dict[str, Any]) -> None: ...


class SlackAuth(Protocol):
    """Slack's auth.test, tried when a Slack app is saved (the adapter is the same WebClient as `SlackWebApi`)."""

    def auth_test(self, token: str) -> dict[str, Any]:
        """Whom the token authenticates (`team_id`, `user_id`); `Invalid` (`invalid_auth`, `token_revoked`) when no one."""
        ...


class BotCredentials(Protocol):
    """Entra's token endpoint, tried when a Teams bot is saved (the adapter is the same as `BotConnectorApi`)."""

    def check_credentials(self, bot: TeamsBot) -> None:
        """A fresh client-credentials token from the bot's tenant; `Invalid` with Entra's words when it refuses."""
        ...


class BotConnectorApi(Protocol):
    """The Bot Connector REST API as one account's bot (a client-credentials token from its tenant); raises
    `Transient` for what a retry may fix (429 with Retry-After, 5xx, no answer) and `Invalid` for a refusal."""

    def send_activity(self, bot: TeamsBot, conversation_id: str, activity: dict[str, Any]) -> str:
        """POST …/v3/conversations/{id}/activities; the new activity's id."""
        ...

    def update_activity(self, bot: TeamsBot, conversation_id: str, activity_id: str, activity: dict[str, Any]) -> None: ...

    def reply(self, bot: TeamsBot, conversation_id: str, reply_to_id: str, activity: dict[str, Any]) -> None: ...
