"""A chat connector's consumer, for an account that set the tool up as an app (a Slack app): every event of a handoff
with messages updates them, and new or overdue escalations are posted (logic/slack_app.py); an account with only a
webhook is served as before (logic/channels.py), and hears only of the announced events.

Slack refusing for good (`Invalid`: a removed channel, a revoked token) is recorded as the connector's last delivery
(the console shows it) and not retried; what a retry may fix (`Transient`, with Slack's Retry-After) is raised so
the queue redelivers the event.

The consumer hears of every handoff event of every account; `Targets` says, before anything is kept for an event,
whether it sends anything at all (most accounts set up no chat tool, and a webhook hears only of a few events).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import NamedTuple

from baton.connectors.registry import Channel
from baton.connectors.slack_app import SlackApp
from baton.connectors.teams_bot import TeamsBot
from baton.domain.clock import iso, utc_now
from baton.domain.connector_state import ConnectorSetup
from baton.domain.errors import Invalid
from baton.domain.events import HandoffEvent
from baton.domain.models import WebhookDelivery
from baton.logic import chat_copies, slack_app, teams_bot
from baton.logic.channels import Outcome, is_announced
from baton.logic.chat_copies import Delivered
from baton.ports import BotConnectorApi, ChatMessages, ConnectorStore, Integrations, SlackWebApi


class Target(NamedTuple):
    """Where one event goes in one chat tool: the account's app (its messages follow every change of a handoff),
    else its incoming webhook (announced events only)."""

    app: ConnectorSetup | None = None
    webhook_url: str | None = None


class Targets:
    """Where each event of one batch goes in one chat tool, or None: nothing to send (then nothing is kept for it,
    not even an idempotency record). A park's events cost no read at all (chat_copies.may_concern). Otherwise what an
    account set up is read at most once per batch: its app's item (one GetItem), and only for an announced event of
    an account without an app, its webhook (one GetItem, and SSM only when it has one). An account that set up
    nothing costs one read per batch and writes nothing.

    Kept for one batch (one invocation) only, so it can never hide a tool set up just now: every event of a batch was
    written before the batch was received, and the read is made after that, so it sees whatever was set up before
    the event. A "not set up" answer never reaches the next batch."""

    def __init__(self, channel: Channel, apps: bool, connectors: ConnectorStore, integrations: Integrations) -> None:
        self._channel = channel
        self._apps = apps  # the tool can be set up as an app (each chat connector today)
        self._connectors = connectors
        self._integrations = integrations
        self._app_of: dict[str, ConnectorSetup | None] = {}
        self._url_of: dict[str, str | None] = {}

    def of(self, event: HandoffEvent) -> Target | None:
        if not chat_copies.may_concern(event):  # a park's events: nothing to post or update, whatever is set up
            return None
        account = event.account_id
        if self._apps and account not in self._app_of:
            self._app_of[account] = self._connectors.get(account, self._channel)
        if (app := self._app_of.get(account)) is not None:
            return Target(app=app)
        if not is_announced(event):
            return None
        if account not in self._url_of:
            self._url_of[account] = self._integrations.webhook_url(account, self._channel)
        url = self._url_of[account]
        return Target(webhook_url=url) if url is not None else None


def deliver_slack_app(
    event: HandoffEvent,
    setup: ConnectorSetup,
    store: ConnectorStore,
    messages: ChatMessages,
    api: SlackWebApi,
    console_url: str,
) -> Outcome:
    app = SlackApp.of(setup.settings, store.secrets(setup.account_id, setup.name, setup.updated_at) or {})
    return _delivering(event, setup, store, lambda: slack_app.deliver(event, app, messages, api, console_url))


def deliver_teams_bot(
    event: HandoffEvent,
    setup: ConnectorSetup,
    store: ConnectorStore,
    messages: ChatMessages,
    api: BotConnectorApi,
    console_url: str,
) -> Outcome:
    bot = TeamsBot.of(setup.settings, store.secrets(setup.account_id, setup.name, setup.updated_at) or {})
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
