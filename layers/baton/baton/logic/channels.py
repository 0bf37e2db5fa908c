"""Chat channels (the chat connectors: Teams, Slack): which events an account's channel hears of, what the
message says, setting and testing a channel's webhook, delivering an event, and the account's connectors.

Each connector's own facts (its payload, hosts, how its answers are classified) are its declaration in
baton/connectors; no I/O here: the settings store and the HTTP poster are ports (`Integrations`, `ChatPoster`).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any, Literal

from baton.connectors.declaration import ConnectorKind
from baton.connectors.registry import CHANNELS, CONNECTORS, Channel, connector
from baton.domain.clock import iso, utc_now
from baton.domain.connector_state import ConnectorSetup, InboundRecord
from baton.domain.errors import Invalid, NotFound, Transient
from baton.domain.events import HandoffEvent
from baton.domain.messages import Message
from baton.domain.modeling import Model
from baton.domain.models import Integration, Role, User, WebhookDelivery
from baton.domain.webhook_rules import AnswerMeaning, Classification, ProviderAnswer, check_webhook_url, describe, last4
from baton.logic.notify import handoff_link
from baton.ports import ChatPoster, ConnectorStore, Integrations

NOTES_MAX = 2_900  # Slack refuses a section over 3,000 characters; Teams shows long text poorly


# --- which events, and the message -----------------------------------------------------------------
def is_announced(event: HandoffEvent) -> bool:
    """New escalations, parks turned escalations and overdue ones (the subscriptions' filter policy says the same)."""
    if event.type == "handoff_created":
        return event.handoff.intent == "escalate"
    return event.type in ("handoff_escalated", "handoff_overdue")


def announcement(event: HandoffEvent, console_url: str) -> Message:
    handoff, triage = event.handoff, event.handoff.session
    who = handoff.created_by_name
    if event.type == "handoff_overdue":
        title = f"Still waiting for a senior (overdue, level {handoff.overdue_level}): {who}'s escalation"
    elif event.type == "handoff_escalated":
        title = f"{who} turned a parked session into an escalation"
    else:
        title = f"{who} escalated a session and needs a senior"
    facts = triage.facts(leave_out={"confidence_tier"})  # the email shows the tier; the chat message never has
    if handoff.overdue_level:
        facts.append(("Overdue level", str(handoff.overdue_level)))
    notes = handoff.engineer_notes.strip() or "(no notes)"
    if len(notes) > NOTES_MAX:
        notes = notes[: NOTES_MAX - 1] + "…"
    accent: Literal["attention", "warning"] = "attention" if event.type == "handoff_overdue" else "warning"
    return Message(
        title=title,
        facts=facts,
        notes=notes,
        link=handoff_link(console_url, handoff),
        link_label="Open in baton to Pick Up",
        accent=accent,
    )


def test_message(channel: Channel, caller: User, console_url: str) -> Message:
    return Message(
        title=f"baton is connected to this {connector(channel).title} channel",
        facts=[("Connected by", caller.display_name), ("Account", caller.account_id)],
        notes="New and overdue escalations of your team will appear here, with a link to pick them up.",
        link=console_url.rstrip("/") + "/",
        link_label="Open baton",
        accent="good",
    )


def payload(channel: Channel, message: Message) -> dict[str, Any]:
    return connector(channel).render(message)


# --- use cases ---------------------------------------------------------------------------------------
def list_integrations(caller: User, store: Integrations) -> dict[Channel, Integration | None]:
    caller.role.require(Role.ADMIN)
    found = {integration.channel: integration for integration in store.list(caller.account_id)}
    return {channel: found.get(channel) for channel in CHANNELS}


def set_webhook(
    caller: User, channel: Channel, url: str, store: Integrations, allowed: Mapping[Channel, Sequence[str]]
) -> Integration:
    caller.role.require(Role.ADMIN)
    check_webhook_url(connector(channel).title, url, allowed[channel])
    integration = Integration(
        account_id=caller.account_id,
        channel=channel,
        last4=last4(url),
        updated_at=iso(utc_now()),
        updated_by=caller.id,
        updated_by_name=caller.display_name,
    )
    store.save(integration, url)
    return integration


def remove_webhook(caller: User, channel: Channel, store: Integrations) -> None:
    caller.role.require(Role.ADMIN)
    if not store.remove(caller.account_id, channel):
        raise NotFound(f"No {connector(channel).title} webhook is set for your account.")


class TestResult(Model):
    delivered: bool
    provider_status: int | None
    detail: str


def send_test(caller: User, channel: Channel, store: Integrations, poster: ChatPoster, console_url: str) -> TestResult:
    """Post a test message now and say what the provider answered (recorded as the channel's last delivery)."""
    caller.role.require(Role.ADMIN)
    url = store.webhook_url(caller.account_id, channel)
    if url is None:
        raise NotFound(f"No {connector(channel).title} webhook is set for your account; set one first.")
    delivery, _ = _attempt(poster, channel, url, test_message(channel, caller, console_url), event_id=None)
    store.record_delivery(caller.account_id, channel, delivery)
    return TestResult(delivered=delivery.outcome == "delivered", provider_status=delivery.provider_status, detail=delivery.detail)


_OUTCOMES: dict[AnswerMeaning, Literal["delivered", "rejected", "retrying"]] = {
    "delivered": "delivered",
    "rejected": "rejected",
    "retry": "retrying",
}


class Outcome(Model):
    outcome: Literal["not_announced", "not_configured", "delivered", "rejected"]
    provider_status: int | None = None
    detail: str = ""


def deliver(
    event: HandoffEvent, channel: Channel, url: str | None, store: Integrations, poster: ChatPoster, console_url: str
) -> Outcome:
    """Post the event's message to the account's webhook of this channel (`url`, as `store.webhook_url` read it
    for this event: the consumer reads it before it keeps an idempotency record), if it has one.

    Refused for good (4xx): recorded on the integration (the console shows it) and returned, not retried.
    No answer, 5xx, 408, 429: recorded, then `Transient` (with the provider's Retry-After, if it gave one) so the
    queue redelivers it."""
    if not is_announced(event):
        return Outcome(outcome="not_announced")
    if url is None:
        return Outcome(outcome="not_configured")
    delivery, classified = _attempt(poster, channel, url, announcement(event, console_url), event.event_id)
    store.record_delivery(event.account_id, channel, delivery)
    if delivery.outcome == "retrying":
        retry_after = {} if classified.retry_after_s is None else {"retry_after_s": classified.retry_after_s}
        raise Transient(delivery.detail, provider_status=delivery.provider_status, verdict=classified.verdict, **retry_after)
    return Outcome(outcome=delivery.outcome, provider_status=delivery.provider_status, detail=delivery.detail)


def _attempt(
    poster: ChatPoster, channel: Channel, url: str, message: Message, event_id: str | None
) -> tuple[WebhookDelivery, Classification]:
    """One post, and what the connector makes of the answer. A stored URL that breaks the rules now (e.g. a
    narrowed allowlist) is not posted: refused for good."""
    declared = connector(channel)
    try:
        answer = poster.post(channel, url, declared.render(message))
    except Invalid as refused:
        delivery = WebhookDelivery(at=iso(utc_now()), outcome="rejected", detail=f"Not sent: {refused.detail}", event_id=event_id)
        return delivery, Classification(verdict="permanent")
    classified = declared.classify(answer)
    return _delivery(declared.title, answer, classified, event_id), classified


def _delivery(provider: str, answer: ProviderAnswer, classified: Classification, event_id: str | None) -> WebhookDelivery:
    return WebhookDelivery(
        at=iso(utc_now()),
        outcome=_OUTCOMES[classified.meaning],
        provider_status=answer.status,
        detail=describe(provider, answer),
        event_id=event_id,
    )


# --- the account's connectors ------------------------------------------------------------------------
class ConnectorState(Model):
    """One connector of an account, as its owners and admins see it: its settings, never a secret."""

    name: str
    kind: ConnectorKind
    configured: bool
    settings: dict[str, Any]  # the connector's own settings model, as JSON
    last_delivery: WebhookDelivery | None = None
    last_inbound: InboundRecord | None = None


def list_connectors(caller: User, store: Integrations, connectors: ConnectorStore | None = None) -> list[ConnectorState]:
    """Every connector of the registry, configured or not, in the registry's order (the chat webhooks from the
    account's integrations, the others from its connector items: a Query each, nothing decrypted)."""
    caller.role.require(Role.ADMIN)
    found = {integration.channel: integration for integration in store.list(caller.account_id)}
    setups = {setup.name: setup for setup in connectors.list(caller.account_id)} if connectors is not None else {}
    return [_state(declared.name, found.get(declared.name), setups.get(declared.name)) for declared in CONNECTORS]


def _state(name: str, integration: Integration | None, setup: ConnectorSetup | None = None) -> ConnectorState:
    declared = connector(name)
    if setup is not None:
        return ConnectorState(
            name=name,
            kind=declared.kind,
            configured=True,
            settings=setup.settings,
            last_delivery=setup.last_delivery,
            last_inbound=setup.last_inbound,
        )
    if integration is None:
        blank = {field: info.default for field, info in declared.settings.model_fields.items() if not info.is_required()}
        return ConnectorState(name=name, kind=declared.kind, configured=False, settings=blank)
    settings = declared.settings.model_validate(integration.model_dump())
    return ConnectorState(
        name=name,
        kind=declared.kind,
        configured=True,
        settings=settings.model_dump(exclude_none=True),
        last_delivery=integration.last_delivery,
    )
