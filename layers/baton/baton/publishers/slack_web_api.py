"""Slack's Web API (auth.test, chat.postMessage, chat.update, chat.postEphemeral, views.open) through slack_sdk's
WebClient.

The base URL is configuration (`SLACK_API_URL`, default `https://slack.com/api/`): under `make dev` it is the
loopback stand-in (local/providers/slack_api.py), trusted through the CA bundle given. One attempt per call (the
caller's queue retries); what Slack's answer means follows its documents: `ok: false` is a refusal (`Invalid`,
with Slack's error code), except the codes that say to try again; HTTP 429 carries `Retry-After`; 5xx and no answer
are worth a retry (`Transient`).
"""

from __future__ import annotations

import ssl
from collections.abc import Sequence
from typing import Any
from urllib.error import URLError
from urllib.parse import urlsplit

from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

from baton.domain.errors import Invalid, Transient
from baton.domain.webhook_rules import host_allowed

DEFAULT_BASE_URL = "https://slack.com/api/"
TIMEOUT_S = 5
# Slack's error codes that mean "not now" rather than "no".
RETRYABLE = frozenset({"ratelimited", "internal_error", "fatal_error", "service_unavailable", "request_timeout"})


class SlackWebApi:
    def __init__(
        self, base_url: str = DEFAULT_BASE_URL, ca_bundle: str | None = None, allowed: Sequence[str] = ("slack.com",)
    ) -> None:
        parts = urlsplit(base_url)
        if parts.scheme != "https" or not parts.hostname:
            raise ValueError(f"SLACK_API_URL must be an https URL; it is {base_url!r}")
        # Checked at each call, not here: a function that never calls Slack must not fail to start over it.
        self._refusal: str | None = None
        if not host_allowed(parts.hostname, parts.port, allowed):
            self._refusal = f"Slack's API host {parts.netloc} is not in its allowlist (SlackWebhookHosts)."
        self._base_url = base_url.rstrip("/") + "/"
        self._ssl = ssl.create_default_context(cafile=ca_bundle) if ca_bundle else None

    def _client(self, token: str) -> WebClient:
        return WebClient(token=token, base_url=self._base_url, timeout=TIMEOUT_S, ssl=self._ssl)

    def auth_test(self, token: str) -> dict[str, Any]:
        """auth.test: who the token is (its workspace `team_id`, the bot's `user_id`); a bad token is `invalid_auth`."""
        return self._call(lambda client: client.auth_test(), token)

    def post_message(self, token: str, channel: str, message: dict[str, Any]) -> str:
        answer = self._call(lambda client: client.chat_postMessage(channel=channel, **message), token)
        return str(answer["ts"])

    def update_message(self, token: str, channel: str, ts: str, message: dict[str, Any]) -> None:
        self._call(lambda client: client.chat_update(channel=channel, ts=ts, **message), token)

    def post_ephemeral(self, token: str, channel: str, user: str, text: str) -> None:
        self._call(lambda client: client.chat_postEphemeral(channel=channel, user=user, text=text), token)

    def open_view(self, token: str, trigger_id: str, view: dict[str, Any]) -> None:
        self._call(lambda client: client.views_open(trigger_id=trigger_id, view=view), token)

    def _call(self, method: Any, token: str) -> dict[str, Any]:
        if self._refusal:
            raise Invalid(self._refusal)
        try:
            answer = method(self._client(token))
        except SlackApiError as error:
            raise _meaning(error) from None
        except (URLError, TimeoutError, OSError) as error:
            raise Transient("Slack did not answer; retrying.", provider_error=type(error).__name__) from None
        return dict(answer.data) if isinstance(answer.data, dict) else {}


def _meaning(error: SlackApiError) -> Invalid | Transient:
    response = error.response
    status = int(getattr(response, "status_code", 0) or 0)
    code = str((response.data or {}).get("error", "")) if isinstance(response.data, dict) else ""
    if status == 429 or code in RETRYABLE or status >= 500:
        retry_after = (response.headers or {}).get("Retry-After") or (response.headers or {}).get("retry-after")
        extra: dict[str, Any] = {"provider_status": status, "provider_error": code}
        if retry_after and str(retry_after).isdigit():
            extra["retry_after_s"] = int(retry_after)
        return Transient(f"Slack asked baton to wait ({code or status}); retrying.", **extra)
    return Invalid(f"Slack refused the call: {code or status}.", provider_status=status, provider_error=code)
