"""Teams and Slack: which events an account's chat channel hears of, what the message says, which webhook
URLs may be stored and posted to, and what a provider's answer means (delivered, refused for good, retry).

No I/O here: the settings store and the HTTP poster are ports (`Integrations`, `ChatPoster`).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any, Literal

from baton.domain.clock import iso, utc_now
from baton.domain.errors import Invalid, NotFound, Transient
from baton.domain.events import HandoffEvent
from baton.domain.modeling import Model
from baton.domain.models import CHANNELS, Channel, Integration, Role, User, WebhookDelivery
from baton.domain.webhook_rules import PROVIDER_NAMES, AnswerMeaning, ProviderAnswer, check_webhook_url, describe, last4, meaning
from baton.logic.notify import handoff_link
from baton.ports import ChatPoster, Integrations

NOTES_MAX = 2_900  # Slack refuses a section over 3,000 characters; Teams shows long text poorly


# --- which events, and the message -----------------------------------------------------------------
def is_announced(event: HandoffEvent) -> bool:
    """New escalations, parks turned escalations and overdue ones (the subscriptions' filter policy says the same)."""
    if event.type == "handoff_created":
        return event.handoff.intent == "escalate"
    return event.type in ("handoff_escalated", "handoff_overdue")


class Message(Model):
    """The facts of one chat message, whatever the channel's format."""

    title: str
    facts: list[tuple[str, str]]
    notes: str
    link: str | None
    link_label: str
    accent: Literal["attention", "warning", "good"]


def announcement(event: HandoffEvent, console_url: str) -> Message:
    handoff, triage = event.handoff, event.handoff.session
    who = handoff.created_by_name
    if event.type == "handoff_overdue":
        title = f"Still waiting for a senior (overdue, level {handoff.overdue_level}): {who}'s escalation"
    elif event.type == "handoff_escalated":
        title = f"{who} turned a parked session into an escalation"
    else:
        title = f"{who} escalated a session and needs a senior"
    facts = [
        (label, value)
        for label, value in (
            ("Ticket", triage.ticket_ref),
            ("Client", triage.client_name),
            ("Subject", triage.subject),
            ("Priority", triage.priority),
            ("Overdue level", str(handoff.overdue_level) if handoff.overdue_level else None),
        )
        if value
    ]
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
        title=f"baton is connected to this {PROVIDER_NAMES[channel]} channel",
        facts=[("Connected by", caller.display_name), ("Account", caller.account_id)],
        notes="New and overdue escalations of your team will appear here, with a link to pick them up.",
        link=console_url.rstrip("/") + "/",
        link_label="Open baton",
        accent="good",
    )


def payload(channel: Channel, message: Message) -> dict[str, Any]:
    return _teams(message) if channel == "teams" else _slack(message)


def _teams(message: Message) -> dict[str, Any]:
    """An Adaptive Card in the message envelope that Teams' Workflows webhooks (and the older connectors) take."""
    card: dict[str, Any] = {
        "$schema": "http://adaptivecards.io/schemas/adaptive-card.json",
        "type": "AdaptiveCard",
        "version": "1.4",
        "body": [
            {
                "type": "TextBlock",
                "text": message.title,
                "weight": "Bolder",
                "size": "Medium",
                "wrap": True,
                "color": message.accent,
            },
            {"type": "FactSet", "facts": [{"title": label, "value": value} for label, value in message.facts]},
            {"type": "TextBlock", "text": "Notes", "weight": "Bolder", "spacing": "Medium"},
            {"type": "TextBlock", "text": message.notes, "wrap": True},
        ],
    }
    if message.link:
        card["actions"] = [{"type": "Action.OpenUrl", "title": message.link_label, "url": message.link}]
    attachment = {"contentType": "application/vnd.microsoft.card.adaptive", "contentUrl": None, "content": card}
    return {"type": "message", "attachments": [attachment]}


def _slack_text(text: str) -> str:
    """Slack's mrkdwn reads &, < and > as markup: escape them (Slack's "Formatting text" guide)."""
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def _slack(message: Message) -> dict[str, Any]:
    """Block Kit: a header, the facts as fields, the notes, and a button to the handoff."""
    blocks: list[dict[str, Any]] = [
        {"type": "header", "text": {"type": "plain_text", "text": message.title[:150], "emoji": False}}
    ]
    if message.facts:
        fields = [{"type": "mrkdwn", "text": f"*{label}*\n{_slack_text(value)}"} for label, value in message.facts[:10]]
        blocks.append({"type": "section", "fields": fields})
    blocks.append({"type": "section", "text": {"type": "mrkdwn", "text": f"*Notes*\n{_slack_text(message.notes)}"}})
    if message.link:
        button = {
            "type": "button",
            "text": {"type": "plain_text", "text": message.link_label},
            "url": message.link,
            "style": "primary",
        }
        blocks.append({"type": "actions", "elements": [button]})
    return {"text": message.title, "blocks": blocks}


# --- use cases ---------------------------------------------------------------------------------------
def list_integrations(caller: User, store: Integrations) -> dict[Channel, Integration | None]:
    caller.role.require(Role.ADMIN)
    found = {integration.channel: integration for integration in store.list(caller.account_id)}
    return {channel: found.get(channel) for channel in CHANNELS}


def set_webhook(
    caller: User, channel: Channel, url: str, store: Integrations, allowed: Mapping[Channel, Sequence[str]]
) -> Integration:
    caller.role.require(Role.ADMIN)
    check_webhook_url(channel, url, allowed[channel])
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
        raise NotFound(f"No {PROVIDER_NAMES[channel]} webhook is set for your account.")


class TestResult(Model):
    delivered: bool
    provider_status: int | None
    detail: str


def send_test(caller: User, channel: Channel, store: Integrations, poster: ChatPoster, console_url: str) -> TestResult:
    """Post a test message now and say what the provider answered (recorded as the channel's last delivery)."""
    caller.role.require(Role.ADMIN)
    url = store.webhook_url(caller.account_id, channel)
    if url is None:
        raise NotFound(f"No {PROVIDER_NAMES[channel]} webhook is set for your account; set one first.")
    delivery = _attempt(poster, channel, url, test_message(channel, caller, console_url), event_id=None)
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


def deliver(event: HandoffEvent, channel: Channel, store: Integrations, poster: ChatPoster, console_url: str) -> Outcome:
    """Post the event's message to the account's webhook of this channel, if it has one.

    Refused for good (4xx): recorded on the integration (the console shows it) and returned, not retried.
    No answer, 5xx, 408, 429: recorded, then `Transient` so the queue redelivers it."""
    if not is_announced(event):
        return Outcome(outcome="not_announced")
    url = store.webhook_url(event.account_id, channel)
    if url is None:
        return Outcome(outcome="not_configured")
    delivery = _attempt(poster, channel, url, announcement(event, console_url), event.event_id)
    store.record_delivery(event.account_id, channel, delivery)
    if delivery.outcome == "retrying":
        raise Transient(delivery.detail, provider_status=delivery.provider_status)
    return Outcome(outcome=delivery.outcome, provider_status=delivery.provider_status, detail=delivery.detail)


def _attempt(poster: ChatPoster, channel: Channel, url: str, message: Message, event_id: str | None) -> WebhookDelivery:
    """One post. A stored URL that breaks the rules now (e.g. a narrowed allowlist) is not posted: refused for good."""
    try:
        answer = poster.post(channel, url, payload(channel, message))
    except Invalid as refused:
        return WebhookDelivery(at=iso(utc_now()), outcome="rejected", detail=f"Not sent: {refused.detail}", event_id=event_id)
    return _delivery(channel, answer, event_id)


def _delivery(channel: Channel, answer: ProviderAnswer, event_id: str | None) -> WebhookDelivery:
    return WebhookDelivery(
        at=iso(utc_now()),
        outcome=_OUTCOMES[meaning(answer)],
        provider_status=answer.status,
        detail=describe(channel, answer),
        event_id=event_id,
    )
