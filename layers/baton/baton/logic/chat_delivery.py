"""A chat connector's consumer, for an account that set the tool up as an app (a Slack app): every event of a handoff
with messages updates them, and new or overdue escalations are posted (logic/slack_app.py); an account with only a
webhook is served as before (logic/channels.py), and hears only of the announced events.

Slack refusing for good (`Invalid`: a removed channel, a revoked token) is recorded as the connector's last delivery
(the console shows it) and not retried; what a retry may fix (`Transient`, with Slack's Retry-After) is raised so
the queue redelivers the event.
"""

from __future__ import annotations

from collections.abc import Callable

from baton.connectors.slack_app import SlackApp
from baton.connectors.teams_bot import TeamsBot
from baton.domain.clock import iso, utc_now
from baton.domain.connector_state import ConnectorSetup
from baton.domain.errors import Invalid
from baton.domain.events import HandoffEvent
from baton.domain.models import WebhookDelivery
from baton.logic import slack_app, teams_bot
from baton.logic.channels import Outcome
from baton.logic.chat_copies import Delivered
from baton.ports import BotConnectorApi, ChatMessages, ConnectorStore, SlackWebApi


def deliver_slack_app(
    event: HandoffEvent,
    setup: ConnectorSetup,
    store: ConnectorStore,
    messages: ChatMessages,
    api: SlackWebApi,
    console_url: str,
) -> Outcome:
    app = SlackApp.of(setup.settings, store.secrets(setup.account_id, setup.name) or {})
    return _delivering(event, setup, store, lambda: slack_app.deliver(event, app, messages, api, console_url))


def deliver_teams_bot(
    event: HandoffEvent,
    setup: ConnectorSetup,
    store: ConnectorStore,
    messages: ChatMessages,
    api: BotConnectorApi,
    console_url: str,
) -> Outcome:
    bot = TeamsBot.of(setup.settings, store.secrets(setup.account_id, setup.name) or {})
    return _delivering(event, setup, store, lambda: teams_bot.deliver(event, bot, messages, api, console_url))


def _delivering(event: HandoffEvent, setup: ConnectorSetup, store: ConnectorStore, run: Callable[[], Delivered]) -> Outcome:
    """Run the tool's delivery; record what came of it as the connector's last delivery (a refusal for good too)."""
    try:
        done = run()
    except Invalid as refused:
        delivery = WebhookDelivery(at=iso(utc_now()), outcome="rejected", detail=refused.detail, event_id=event.event_id)
        store.record_delivery(setup.account_id, setup.name, delivery)
        return Outcome(outcome="rejected", provider_status=refused.extra.get("provider_status"), detail=refused.detail)
    if not (done.posted or done.updated):
        return Outcome(outcome="not_announced", detail=f"{done.skipped} message(s) already show it")
    detail = f"posted {done.posted}, updated {done.updated}"
    delivered = WebhookDelivery(at=iso(utc_now()), outcome="delivered", detail=detail, event_id=event.event_id)
    store.record_delivery(setup.account_id, setup.name, delivered)
    return Outcome(outcome="delivered", detail=detail)
