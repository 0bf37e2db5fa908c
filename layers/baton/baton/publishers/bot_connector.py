"""The Bot Connector (Teams bots): a client-credentials token from the bot's Entra tenant, the activities REST API
(send, update, reply), and the OpenID metadata and keys the Bot Framework's tokens are checked with.

Bases are configuration: `BOT_CONNECTOR_URL` (the OpenID metadata's base, default `https://login.botframework.com`)
and `BOT_TOKEN_URL` (the token endpoint, `{tenant_id}` filled in, default Entra's v2.0 endpoint); the service URL is
the account's (Teams gives it in every activity). Under `make dev` all three are the loopback stand-in
(local/providers/bot_connector.py), trusted through the CA bundle given. https only; one attempt per call (queues
retry); tokens and keys are kept until shortly before they expire.
"""

from __future__ import annotations

import json
import time
from typing import Any
from urllib.parse import quote, urlencode, urlsplit

import urllib3
from urllib3.exceptions import HTTPError

from baton.connectors.teams_bot import TeamsBot
from baton.domain.errors import Invalid, Transient

DEFAULT_METADATA_BASE = "https://login.botframework.com"
DEFAULT_TOKEN_URL = "https://login.microsoftonline.com/{tenant_id}/oauth2/v2.0/token"
SCOPE = "https://api.botframework.com/.default"
KEYS_TTL_S = 24 * 3600  # the Bot Framework's keys change rarely; its guidance: cache them, refresh daily
TOKEN_MARGIN_S = 300


class BotConnector:
    def __init__(
        self, metadata_base: str = DEFAULT_METADATA_BASE, token_url: str = DEFAULT_TOKEN_URL, ca_bundle: str | None = None
    ) -> None:
        for url in (metadata_base, token_url):
            if not url.startswith("https://"):
                raise ValueError(f"the Bot Connector's URLs must be https; {url!r} is not")
        self._metadata = metadata_base.rstrip("/") + "/v1/.well-known/openidconfiguration"
        self._token_url = token_url
        self._pool = urllib3.PoolManager(
            ca_certs=ca_bundle or None, cert_reqs="CERT_REQUIRED", retries=False, timeout=urllib3.Timeout(connect=3, read=5)
        )
        self._tokens: dict[tuple[str, str], tuple[str, float]] = {}
        self._keys: tuple[dict[str, Any], float] | None = None

    # --- checking the Bot Framework's tokens ------------------------------------------------------------------
    def signing_keys(self) -> dict[str, Any]:
        """The JWKS the metadata names (`jwks_uri`), kept for a day."""
        if self._keys and self._keys[1] > time.time():
            return self._keys[0]
        metadata = self._json("GET", self._metadata)
        jwks_uri = str(metadata.get("jwks_uri", ""))
        if not jwks_uri.startswith("https://"):
            raise Transient("The Bot Connector's OpenID metadata names no https jwks_uri.")
        keys = self._json("GET", jwks_uri)
        self._keys = (keys, time.time() + KEYS_TTL_S)
        return keys

    # --- talking as the bot ---------------------------------------------------------------------------------------
    def send_activity(self, bot: TeamsBot, conversation_id: str, activity: dict[str, Any]) -> str:
        answer = self._as_bot(bot, "POST", f"v3/conversations/{quote(conversation_id, safe='')}/activities", activity)
        return str(answer.get("id", ""))

    def update_activity(self, bot: TeamsBot, conversation_id: str, activity_id: str, activity: dict[str, Any]) -> None:
        path = f"v3/conversations/{quote(conversation_id, safe='')}/activities/{quote(activity_id, safe='')}"
        self._as_bot(bot, "PUT", path, {**activity, "id": activity_id})

    def reply(self, bot: TeamsBot, conversation_id: str, reply_to_id: str, activity: dict[str, Any]) -> None:
        path = f"v3/conversations/{quote(conversation_id, safe='')}/activities/{quote(reply_to_id, safe='')}"
        self._as_bot(bot, "POST", path, {**activity, "replyToId": reply_to_id})

    def _as_bot(self, bot: TeamsBot, method: str, path: str, body: dict[str, Any]) -> dict[str, Any]:
        if urlsplit(bot.service_url).scheme != "https":
            raise Invalid("The bot's service URL must be https.")
        url = bot.service_url.rstrip("/") + "/" + path
        headers = {"Authorization": f"Bearer {self._token(bot)}", "Content-Type": "application/json"}
        return self._json(method, url, json.dumps(body).encode(), headers)

    def check_credentials(self, bot: TeamsBot) -> None:
        """A token for the bot from its tenant, asked for now (never a kept one, which an older password got):
        Entra's refusal (a wrong secret, an app not in that tenant, no such tenant) raises `Invalid` with its words."""
        self._keep(bot, self._fetch_token(bot))

    def _token(self, bot: TeamsBot) -> str:
        kept = self._tokens.get((bot.tenant_id, bot.app_id))
        if kept and kept[1] > time.time():
            return kept[0]
        return self._keep(bot, self._fetch_token(bot))

    def _fetch_token(self, bot: TeamsBot) -> dict[str, Any]:
        form = urlencode(
            {"grant_type": "client_credentials", "client_id": bot.app_id, "client_secret": bot.app_password, "scope": SCOPE}
        ).encode()
        url = self._token_url.format(tenant_id=quote(bot.tenant_id, safe=""))
        return self._json("POST", url, form, {"Content-Type": "application/x-www-form-urlencoded"}, who="Entra")

    def _keep(self, bot: TeamsBot, answer: dict[str, Any]) -> str:
        token = str(answer.get("access_token", ""))
        if not token:
            raise Invalid("Entra gave the bot no access token: check its app id, password and tenant.")
        self._tokens[(bot.tenant_id, bot.app_id)] = (token, time.time() + float(answer.get("expires_in", 3600)) - TOKEN_MARGIN_S)
        return token

    def _json(
        self,
        method: str,
        url: str,
        body: bytes | None = None,
        headers: dict[str, str] | None = None,
        who: str = "The Bot Connector",
    ) -> dict[str, Any]:
        try:
            reply = self._pool.request(method, url, body=body, headers=headers or {}, redirect=False)
        except HTTPError as error:
            raise Transient(f"{who} did not answer; retrying.", provider_error=type(error).__name__) from None
        if reply.status == 429 or reply.status >= 500:
            retry_after = reply.headers.get("Retry-After")
            extra: dict[str, Any] = {"provider_status": reply.status}
            if retry_after and retry_after.isdigit():
                extra["retry_after_s"] = int(retry_after)
            raise Transient(f"{who} answered {reply.status}; retrying.", **extra)
        try:
            parsed = json.loads(reply.data or b"{}")
        except ValueError:
            parsed = {}
        answer = parsed if isinstance(parsed, dict) else {}
        if reply.status >= 300:
            raise _refusal(who, reply.status, answer)
        return answer


def _refusal(who: str, status: int, answer: dict[str, Any]) -> Invalid:
    """A 4xx as `Invalid`, with the provider's own words when it gave them: Entra's OAuth error (`error`, and the
    first line of `error_description`, which starts with its AADSTS code), the Bot Connector's `error.message`."""
    error = answer.get("error")
    if isinstance(error, dict):  # the Bot Connector: {"error": {"code", "message"}}
        code, description = str(error.get("code", "")), str(error.get("message", ""))
    else:  # Entra (OAuth 2.0): {"error", "error_description"}
        code, description = str(error or ""), str(answer.get("error_description", ""))
    said = description.strip().splitlines()[0] if description.strip() else ""
    detail = f"{who} refused the call ({status}{', ' + code if code else ''})" + (f": {said}" if said else ".")
    return Invalid(detail, provider_status=status, provider_error=code, provider_detail=said)
