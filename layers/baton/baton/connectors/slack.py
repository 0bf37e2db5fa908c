"""Slack, through an app's incoming webhook."""

from __future__ import annotations

from typing import Any

from baton.connectors.declaration import Connector, HostAllowlist
from baton.connectors.webhook import WEBHOOK_URL, WebhookSettings
from baton.domain.messages import Message


def _text(text: str) -> str:
    """Slack's mrkdwn reads &, < and > as markup: escape them (Slack's "Formatting text" guide)."""
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def render(message: Message) -> dict[str, Any]:
    """Block Kit: a header, the facts as fields, the notes, and a button to the handoff."""
    blocks: list[dict[str, Any]] = [
        {"type": "header", "text": {"type": "plain_text", "text": message.title[:150], "emoji": False}}
    ]
    if message.facts:
        fields = [{"type": "mrkdwn", "text": f"*{label}*\n{_text(value)}"} for label, value in message.facts[:10]]
        blocks.append({"type": "section", "fields": fields})
    blocks.append({"type": "section", "text": {"type": "mrkdwn", "text": f"*Notes*\n{_text(message.notes)}"}})
    if message.link:
        button = {
            "type": "button",
            "text": {"type": "plain_text", "text": message.link_label},
            "url": message.link,
            "style": "primary",
        }
        blocks.append({"type": "actions", "elements": [button]})
    return {"text": message.title, "blocks": blocks}


CONNECTOR = Connector(
    name="slack",
    title="Slack",
    kind="chat",
    settings=WebhookSettings,
    secret=WEBHOOK_URL,
    allowlist=HostAllowlist("SlackWebhookHosts", ("hooks.slack.com",)),
    render=render,
)
