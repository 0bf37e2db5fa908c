"""Microsoft Teams, through a channel's incoming webhook (Workflows, or the older Office 365 connectors)."""

from __future__ import annotations

from typing import Any

from baton.connectors import teams_bot
from baton.connectors.declaration import Connector, HostAllowlist
from baton.connectors.webhook import WEBHOOK_URL
from baton.domain.messages import Message


def render(message: Message) -> dict[str, Any]:
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


CONNECTOR = Connector(
    name="teams",
    title="Microsoft Teams",
    kind="chat",
    settings=teams_bot.TeamsSettings,
    secret=WEBHOOK_URL,
    # Teams' Workflows ("When a Teams webhook request is received") and the older Office 365 connectors; a bot's Bot
    # Framework keys, Entra token endpoint and Bot Connector service (baton/connectors/teams_bot.py).
    allowlist=HostAllowlist(
        "TeamsWebhookHosts",
        (
            "*.webhook.office.com",
            "*.logic.azure.com",
            "*.environment.api.powerplatform.com",
            "login.botframework.com",
            "login.microsoftonline.com",
            "smba.trafficmanager.net",
        ),
    ),
    render=render,
    secrets_model=teams_bot.BotSecrets,
    inbound=teams_bot.INBOUND,
    app_settings=teams_bot.BotSettings,
)
