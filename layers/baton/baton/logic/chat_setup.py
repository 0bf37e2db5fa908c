"""Saving a chat tool's app (a Slack app, a Teams bot) tries its credentials with the provider first, as a PSA's
keys are tried (logic/connector_setup.save): Slack's auth.test with the bot token; a client-credentials token from
the bot's Entra tenant. A refusal is a 422 with the provider's own words, and nothing is saved; a provider that does
not answer is a 503 (nothing saved either: try again).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any, NamedTuple

from baton.connectors.slack_app import SlackApp
from baton.connectors.teams_bot import TeamsBot
from baton.domain.errors import Invalid, Transient
from baton.ports import BotCredentials, SlackAuth


class ChatApis(NamedTuple):
    """What the check calls: Slack's Web API, and the Bot Connector's token issuer (Entra)."""

    slack: SlackAuth
    bots: BotCredentials


def check(name: str, settings: Mapping[str, Any], secrets: Mapping[str, str], apis: ChatApis | None) -> None:
    """The app's credentials, tried with its provider (a connector without an app mode has nothing to try)."""
    tried = _CHECKS.get(name)
    if tried is None:
        return
    if apis is None:
        raise RuntimeError("the API function gives connector set-up the chat apps' APIs (functions/api)")
    tried(settings, secrets, apis)


def _slack(settings: Mapping[str, Any], secrets: Mapping[str, str], apis: ChatApis) -> None:
    try:
        apis.slack.auth_test(SlackApp.of(settings, secrets).bot_token)
    except Invalid as refused:
        code = refused.extra.get("provider_error")
        if not code:  # not Slack's answer (its host is off the allowlist): that sentence says it
            raise
        raise Invalid(
            f"Slack refused the bot token ({code}): copy the Bot User OAuth Token (xoxb-…) from the app's "
            "OAuth & Permissions page, with the app installed in your workspace (docs/chat.md).",
            provider_status=refused.extra.get("provider_status"),
            provider_error=code,
        ) from None
    except Transient:
        raise Transient("Slack did not answer baton's check of the bot token; try again in a moment.") from None


def _teams(settings: Mapping[str, Any], secrets: Mapping[str, str], apis: ChatApis) -> None:
    try:
        apis.bots.check_credentials(TeamsBot.of(settings, secrets))
    except Invalid as refused:
        status = refused.extra.get("provider_status")
        if not status:
            raise
        said = refused.extra.get("provider_detail") or refused.extra.get("provider_error") or status
        raise Invalid(
            f"Entra refused the bot's credentials ({said}): check the app registration's application (client) id, "
            "its client secret's value and the directory (tenant) id (docs/chat.md).",
            provider_status=status,
            provider_error=refused.extra.get("provider_error"),
        ) from None
    except Transient:
        raise Transient("Entra did not answer baton's check of the bot's credentials; try again in a moment.") from None


_CHECKS: dict[str, Callable[[Mapping[str, Any], Mapping[str, str], ChatApis], None]] = {"slack": _slack, "teams": _teams}
