"""A chat app's verified call at `POST /hooks/<slack|teams>/<account_id>` (functions/hooks): its use case.

Registered in `logic/inbound.EXECUTORS` by the type of intent the connector read (`SlackCall`, `TeamsCall`); the account's app
(its channel, bot token and signing secret) comes from its connector set-up and secrets.
"""

from __future__ import annotations

from typing import Any

from baton.connectors.declaration import Connector
from baton.connectors.slack_app import SlackApp, SlackCall
from baton.connectors.teams_bot import TeamsBot, TeamsCall
from baton.domain.connector_state import ConnectorSetup
from baton.domain.errors import NotFound
from baton.logic import slack_app, teams_bot
from baton.logic.inbound import EXECUTORS, InboundServices, Outcome


def _stored(setup: ConnectorSetup, services: InboundServices, setting: str, secret: str, missing: str) -> dict[str, str]:
    """The account's secrets of the connector, once its app mode's `setting` and `secret` are known (else 404)."""
    secrets = services.connectors.secrets(setup.account_id, setup.name) or {}
    if setting not in setup.settings or secret not in secrets:
        raise NotFound(missing)
    return secrets


def slack_app_of(setup: ConnectorSetup, services: InboundServices) -> SlackApp:
    missing = "Slack is not set up as an app for this account."
    return SlackApp.of(setup.settings, _stored(setup, services, "channel_id", "bot_token", missing))


def on_slack(call: SlackCall, declared: Connector, setup: ConnectorSetup, services: InboundServices) -> Outcome:
    if services.chat_links is None or services.slack is None:
        raise RuntimeError("the hooks function gives chat apps their services (functions/hooks)")
    deps = slack_app.Inbound(services.chat_links, services.users, services.handoffs, services.slack, services.console_url)
    answer = slack_app.handle(call, setup.account_id, slack_app_of(setup, services), deps)
    return _outcome("Slack", call.inbound, answer.body)


def teams_bot_of(setup: ConnectorSetup, services: InboundServices) -> TeamsBot:
    missing = "Teams is not set up as a bot for this account."
    return TeamsBot.of(setup.settings, _stored(setup, services, "conversation_id", "app_id", missing))


def on_teams(call: TeamsCall, declared: Connector, setup: ConnectorSetup, services: InboundServices) -> Outcome:
    if services.chat_links is None or services.bots is None:
        raise RuntimeError("the hooks function gives chat apps their services (functions/hooks)")
    deps = teams_bot.Inbound(services.chat_links, services.users, services.handoffs, services.bots, services.console_url)
    answer = teams_bot.handle(call, setup.account_id, teams_bot_of(setup, services), deps)
    return _outcome("Teams", call.inbound, answer.body)


def _outcome(tool: str, inbound: object | None, body: dict[str, Any] | None) -> Outcome:
    """What the hooks function records of the call, and the tool's answer."""
    what = type(inbound).__name__ if inbound is not None else "nothing to act on"
    return Outcome("accepted" if inbound is not None else "ignored", f"{tool}: {what}", result=body)


EXECUTORS[SlackCall] = on_slack
EXECUTORS[TeamsCall] = on_teams
