"""A chat app's verified call at `POST /hooks/<slack|teams>/<account_id>` (functions/hooks): its use case.

Registered in `logic/inbound.EXECUTORS` by the type of intent the connector read (`SlackCall`, `TeamsCall`); the account's app
(its channel, bot token and signing secret) comes from its connector set-up and secrets.
"""

from __future__ import annotations

from baton.connectors.declaration import Connector
from baton.connectors.slack_app import SlackApp, SlackCall
from baton.connectors.teams_bot import TeamsBot, TeamsCall
from baton.domain.connector_state import ConnectorSetup
from baton.domain.errors import NotFound
from baton.logic import slack_app, teams_bot
from baton.logic.inbound import EXECUTORS, InboundServices, Outcome


def slack_app_of(setup: ConnectorSetup, services: InboundServices) -> SlackApp:
    secrets = services.connectors.secrets(setup.account_id, setup.name) or {}
    if "channel_id" not in setup.settings or "bot_token" not in secrets:
        raise NotFound("Slack is not set up as an app for this account.")
    return SlackApp(
        channel_id=str(setup.settings["channel_id"]),
        bot_token=secrets["bot_token"],
        signing_secret=secrets.get("signing_secret", ""),
    )


def on_slack(call: SlackCall, declared: Connector, setup: ConnectorSetup, services: InboundServices) -> Outcome:
    if services.chat_links is None or services.slack is None:
        raise RuntimeError("the hooks function gives chat apps their services (functions/hooks)")
    deps = slack_app.Inbound(services.chat_links, services.users, services.handoffs, services.slack, services.console_url)
    answer = slack_app.handle(call, setup.account_id, slack_app_of(setup, services), deps)
    what = type(call.inbound).__name__ if call.inbound is not None else "nothing to act on"
    return Outcome("accepted" if call.inbound is not None else "ignored", f"Slack: {what}", result=answer.body)


def teams_bot_of(setup: ConnectorSetup, services: InboundServices) -> TeamsBot:
    secrets = services.connectors.secrets(setup.account_id, setup.name) or {}
    if "conversation_id" not in setup.settings or "app_id" not in secrets:
        raise NotFound("Teams is not set up as a bot for this account.")
    return TeamsBot(
        tenant_id=str(setup.settings.get("tenant_id", "")),
        service_url=str(setup.settings.get("service_url", "")),
        conversation_id=str(setup.settings["conversation_id"]),
        app_id=secrets["app_id"],
        app_password=secrets.get("app_password", ""),
    )


def on_teams(call: TeamsCall, declared: Connector, setup: ConnectorSetup, services: InboundServices) -> Outcome:
    if services.chat_links is None or services.bots is None:
        raise RuntimeError("the hooks function gives chat apps their services (functions/hooks)")
    deps = teams_bot.Inbound(services.chat_links, services.users, services.handoffs, services.bots, services.console_url)
    answer = teams_bot.handle(call, setup.account_id, teams_bot_of(setup, services), deps)
    what = type(call.inbound).__name__ if call.inbound is not None else "nothing to act on"
    return Outcome("accepted" if call.inbound is not None else "ignored", f"Teams: {what}", result=answer.body)


EXECUTORS[SlackCall] = on_slack
EXECUTORS[TeamsCall] = on_teams
