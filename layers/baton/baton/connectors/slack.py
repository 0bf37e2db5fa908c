"""Slack: through an incoming webhook (messages with a link to the console), or as a Slack app with buttons (its
settings, secrets and calls: baton/connectors/slack_app.py)."""

from __future__ import annotations

from typing import Any

from baton.connectors import slack_app
from baton.connectors.declaration import Connector, HostAllowlist
from baton.connectors.webhook import WEBHOOK_URL
from baton.domain.messages import Message


def render(message: Message) -> dict[str, Any]:
    """Block Kit: a header, the facts as fields, the notes, and a button to the handoff."""
    blocks = slack_app.message_blocks(message)
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
    settings=slack_app.SlackSettings,
    secret=WEBHOOK_URL,
    # The incoming webhooks' host, and the Web API's (the app mode: baton/connectors/slack_app.py).
    allowlist=HostAllowlist("SlackWebhookHosts", ("hooks.slack.com", "slack.com")),
    render=render,
    secrets_model=slack_app.AppSecrets,
    inbound=slack_app.INBOUND,
    app_settings=slack_app.AppSettings,
)
