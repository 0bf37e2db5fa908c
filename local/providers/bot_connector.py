"""Teams' stand-in: the Bot Connector a Teams bot talks to, with its token issuer (Entra) and OpenID metadata, and
a way to send an activity to baton as the Bot Framework would (its bearer token signed with the stand-in's key).

Each baton account has a bot here (`state()["bots"]`: app id, password, tenant, service URL, conversation id, as
one copies them from the Entra app registration and the channel into `PUT /api/v1/account/connectors/teams`).
`fire`: `{"account_id": "acme", "kind": "click", "user": "aad-sam", "action": "claim", "activity_id": "1:3"}` (the
button of that card; `"notes"` with resolve), `{"kind": "message", "user": "aad-sam", "text": "link ABCD2345"}`; to try
baton's checks: `"token": "none" | "forged" | "other_audience" | "other_service_url" | "expired"`, `"replay": true`.

Under its URL (`<base>`):
- `GET <base>/botframework/v1/.well-known/openidconfiguration` → `{issuer, jwks_uri, id_token_signing_alg_values_supported}`,
  `GET <base>/botframework/v1/.well-known/keys` → the JWKS (one RSA key, `endorsements: ["msteams"]`), as
  `login.botframework.com` serves them;
- `POST <base>/entra/{tenant}/oauth2/v2.0/token` (client credentials, scope `https://api.botframework.com/.default`) →
  `{token_type, expires_in, access_token}`; refused as Entra refuses, `{error, error_description, error_codes, …}`
  whose description starts with its AADSTS code: a tenant it does not know is `400 invalid_request` (AADSTS90002),
  an app id not registered in that tenant `400 unauthorized_client` (AADSTS700016: the bots are single-tenant), a
  wrong client secret `401 invalid_client` (AADSTS7000215), a wrong scope `400 invalid_scope` (AADSTS70011);
- `POST <base>/teams/v3/conversations/{id}/activities` → `{id}`; `PUT …/activities/{activity_id}` → `{id}` (404
  for an activity it never saw); `POST …/activities/{activity_id}` (a reply) → `{id}`; each needs a token it
  issued (else 401); an armed rate limit answers 429 with `Retry-After`.
Every call is recorded for `GET /local/connectors` (local/providers/standin.py).
"""

from __future__ import annotations

import json
import secrets
import time
import uuid
from itertools import count
from typing import Any
from urllib.parse import parse_qsl

import jwt
from aiohttp import web
from cryptography.hazmat.primitives.asymmetric import rsa

from local.providers.recorder import Recorder
from local.providers.standin import StandIn

ISSUER = "https://api.botframework.com"
SCOPE = "https://api.botframework.com/.default"
ACCOUNTS = ("acme", "globex")
KID = "baton-local-botframework"


class BotFrameworkKeys:
    """The Bot Framework's signing key (its JWKS) and the bearer tokens it puts on the activities it sends a bot."""

    def __init__(self) -> None:
        self.key = rsa.generate_private_key(public_exponent=65537, key_size=2048)

    def jwks(self) -> dict[str, Any]:
        jwk = json.loads(jwt.algorithms.RSAAlgorithm.to_jwk(self.key.public_key()))
        return {"keys": [{**jwk, "kid": KID, "use": "sig", "alg": "RS256", "endorsements": ["msteams"]}]}

    def bearer(self, app_id: str, service_url: str, *, issuer: str = ISSUER, expires_in: int = 3600) -> str:
        now = int(time.time())
        claims = {"iss": issuer, "aud": app_id, "serviceUrl": service_url, "nbf": now - 5, "exp": now + expires_in}
        return "Bearer " + jwt.encode(claims, self.key, algorithm="RS256", headers={"kid": KID})


class BotConnectorStandIn(StandIn):
    name = "teams"

    def __init__(self, recorder: Recorder, port: int) -> None:
        super().__init__(recorder, port)
        self.keys = BotFrameworkKeys()
        self.bots: dict[str, dict[str, str]] = {account: self._bot(account) for account in ACCOUNTS}
        self.activities: dict[tuple[str, str], dict[str, Any]] = {}
        self.passwords: dict[str, str] = {bot["app_id"]: bot["app_password"] for bot in self.bots.values()}
        self.tenants: dict[str, str] = {bot["app_id"]: bot["tenant_id"] for bot in self.bots.values()}
        self.tokens: dict[str, tuple[float, str]] = {}  # access token -> (expiry, app id)
        self._ids = count(1)
        self._last_fired: tuple[str, bytes, dict[str, str]] | None = None

    def _bot(self, account_id: str) -> dict[str, str]:
        return {
            "app_id": str(uuid.uuid4()),
            "app_password": secrets.token_urlsafe(24),
            "tenant_id": str(uuid.uuid5(uuid.NAMESPACE_DNS, f"{account_id}.tenant.local")),
            "service_url": self.service_url,
            "conversation_id": f"19:{account_id}-escalations@thread.tacv2",
        }

    @property
    def service_url(self) -> str:
        return f"{self.url}/teams/"

    @property
    def metadata_base(self) -> str:
        return f"{self.url}/botframework"

    @property
    def token_url(self) -> str:
        return f"{self.url}/entra/{{tenant_id}}/oauth2/v2.0/token"

    def caller(self, request: web.Request) -> str | None:
        if request.path.startswith(("/botframework/", "/entra/")):
            return "anyone"  # the metadata and keys are public; the token endpoint checks the form itself
        token = request.headers.get("Authorization", "").removeprefix("Bearer ").strip()
        expiry, app_id = self.tokens.get(token, (0.0, ""))
        return app_id if expiry > time.time() else None

    def state(self) -> dict[str, Any]:
        cards = [{"conversation": c, "id": a, **body} for (c, a), body in self.activities.items()]
        return {"bots": self.bots, "metadata_base": self.metadata_base, "token_url": self.token_url, "activities": cards}

    def add_routes(self, app: web.Application) -> None:
        app.router.add_get("/botframework/v1/.well-known/openidconfiguration", self._metadata)
        app.router.add_get("/botframework/v1/.well-known/keys", self._keys)
        app.router.add_post("/entra/{tenant}/oauth2/v2.0/token", self._token)
        app.router.add_post("/teams/v3/conversations/{conversation}/activities", self._send)
        app.router.add_put("/teams/v3/conversations/{conversation}/activities/{activity}", self._update)
        app.router.add_post("/teams/v3/conversations/{conversation}/activities/{activity}", self._reply)

    # --- the Bot Framework's keys ---------------------------------------------------------------------------------
    async def _metadata(self, request: web.Request) -> web.Response:
        document = {
            "issuer": ISSUER,
            "jwks_uri": f"{self.url}/botframework/v1/.well-known/keys",
            "id_token_signing_alg_values_supported": ["RS256"],
            "token_endpoint_auth_methods_supported": ["private_key_jwt"],
        }
        return web.json_response(document)

    async def _keys(self, request: web.Request) -> web.Response:
        return web.json_response(self.keys.jwks())

    # --- Entra's token endpoint ------------------------------------------------------------------------------------
    async def _token(self, request: web.Request) -> web.Response:
        form = dict(parse_qsl((await request.read()).decode("utf-8", "replace")))
        tenant, app_id, password = request.match_info["tenant"], form.get("client_id", ""), form.get("client_secret", "")
        if form.get("grant_type") != "client_credentials":
            return _entra_error(400, "unsupported_grant_type", 70003, "The app requested an unsupported grant type.")
        if tenant not in self.tenants.values():
            return _entra_error(
                400, "invalid_request", 90002, f"Tenant '{tenant}' not found. Check to make sure you have the correct tenant ID."
            )
        if self.tenants.get(app_id) != tenant:
            return _entra_error(
                400,
                "unauthorized_client",
                700016,
                f"Application with identifier '{app_id}' was not found in the directory '{tenant}'. You may have sent "
                "your authentication request to the wrong tenant.",
            )
        if not password or self.passwords.get(app_id) != password:
            return _entra_error(
                401,
                "invalid_client",
                7000215,
                "Invalid client secret provided. Ensure the secret being sent in the request is the client secret value, "
                f"not the client secret ID, for a secret added to app '{app_id}'.",
            )
        if form.get("scope") != SCOPE:
            return _entra_error(400, "invalid_scope", 70011, "The provided value for the input parameter 'scope' is not valid.")
        token = "local-bot-" + secrets.token_urlsafe(24)
        self.tokens[token] = (time.time() + 3600, app_id)
        body = {"token_type": "Bearer", "expires_in": 3599, "ext_expires_in": 3599, "access_token": token}
        return web.json_response(body)

    # --- conversations ----------------------------------------------------------------------------------------------
    def _refusal(self, request: web.Request) -> web.Response | None:
        if self.caller(request) is None:
            return web.json_response({"error": {"code": "Unauthorized", "message": "Authorization has been denied"}}, status=401)
        return None

    async def _body(self, request: web.Request) -> dict[str, Any]:
        try:
            parsed = json.loads(await request.read() or b"{}")
        except ValueError:
            return {}
        return parsed if isinstance(parsed, dict) else {}

    async def _send(self, request: web.Request) -> web.Response:
        body = await self._body(request)
        if (refused := self._refusal(request)) is not None:
            return refused
        activity_id = f"1:{next(self._ids)}"
        self.activities[(request.match_info["conversation"], activity_id)] = {**body, "updates": []}
        return web.json_response({"id": activity_id}, status=201)

    async def _update(self, request: web.Request) -> web.Response:
        body = await self._body(request)
        if (refused := self._refusal(request)) is not None:
            return refused
        key = (request.match_info["conversation"], request.match_info["activity"])
        if key not in self.activities:
            return web.json_response({"error": {"code": "ActivityNotFound"}}, status=404)
        self.activities[key] = {**body, "updates": [*self.activities[key]["updates"], time.time()]}
        return web.json_response({"id": key[1]})

    async def _reply(self, request: web.Request) -> web.Response:
        body = await self._body(request)
        if (refused := self._refusal(request)) is not None:
            return refused
        reply_id = f"1:{next(self._ids)}"
        self.activities[(request.match_info["conversation"], reply_id)] = {**body, "updates": []}
        return web.json_response({"id": reply_id}, status=201)

    # --- the Bot Framework sending the bot an activity -------------------------------------------------------------
    async def fire(self, order: dict[str, Any], baton_url: str) -> dict[str, Any]:
        if order.get("replay"):
            if self._last_fired is None:
                raise ValueError("nothing was fired yet")
            return await self.post_to_baton(*self._last_fired)
        account_id = str(order["account_id"])
        bot = self.bots[account_id]
        user = str(order["user"])
        if order["kind"] == "click":
            card = self.activities[(bot["conversation_id"], str(order["activity_id"]))]
            verb = f"baton_{order['action']}"
            data = _execute_data(card, verb)
            if order.get("notes") is not None:
                data = {**data, "resolution_notes": str(order["notes"])}
            body = invoke(verb, data, user, bot["conversation_id"], bot["service_url"], bot["tenant_id"])
        elif order["kind"] == "message":
            body = message(str(order["text"]), user, f"a:{user}-personal", bot["service_url"], bot["tenant_id"])
        else:
            raise ValueError(f"kind must be click or message, not {order['kind']!r}")
        headers = {"Content-Type": "application/json", **self._authorization(order, bot)}
        url = f"{baton_url}/hooks/teams/{account_id}"
        self._last_fired = (url, body, headers)
        return await self.post_to_baton(url, body, headers)

    def _authorization(self, order: dict[str, Any], bot: dict[str, str]) -> dict[str, str]:
        how = order.get("token")
        if how == "none":
            return {}
        if how == "forged":
            return {"Authorization": BotFrameworkKeys().bearer(bot["app_id"], bot["service_url"])}
        if how == "other_audience":
            return {"Authorization": self.keys.bearer(str(uuid.uuid4()), bot["service_url"])}
        if how == "other_service_url":
            return {"Authorization": self.keys.bearer(bot["app_id"], "https://evil.example/teams/")}
        if how == "expired":
            return {"Authorization": self.keys.bearer(bot["app_id"], bot["service_url"], expires_in=-600)}
        return {"Authorization": self.keys.bearer(bot["app_id"], bot["service_url"])}


def _entra_error(status: int, error: str, code: int, text: str) -> web.Response:
    """An Entra token endpoint's refusal: the OAuth error, and a description that starts with its AADSTS code and ends
    with the trace lines Entra adds."""
    trace, now = str(uuid.uuid4()), time.strftime("%Y-%m-%d %H:%M:%SZ", time.gmtime())
    body = {
        "error": error,
        "error_description": f"AADSTS{code}: {text}\r\nTrace ID: {trace}\r\nCorrelation ID: {uuid.uuid4()}\r\nTimestamp: {now}",
        "error_codes": [code],
        "timestamp": now,
        "trace_id": trace,
        "correlation_id": str(uuid.uuid4()),
        "error_uri": f"https://login.microsoftonline.com/error?code={code}",
    }
    return web.json_response(body, status=status)


def _execute_data(card_activity: dict[str, Any], verb: str) -> dict[str, Any]:
    """The data of the card's `Action.Execute` with this verb (inside a ShowCard for Resolve)."""
    for attachment in card_activity.get("attachments") or []:
        stack = list((attachment.get("content") or {}).get("actions") or [])
        while stack:
            action = stack.pop()
            if action.get("type") == "Action.Execute" and action.get("verb") == verb:
                return dict(action.get("data") or {})
            stack.extend((action.get("card") or {}).get("actions") or [])
    raise ValueError(f"that card has no {verb} button now")


def invoke(
    verb: str, data: dict[str, Any], user: str, conversation_id: str, service_url: str, tenant: str = "tenant-local"
) -> bytes:
    """An `adaptiveCard/action` invoke, as Teams sends it when someone presses an `Action.Execute` button."""
    activity = {
        "type": "invoke",
        "name": "adaptiveCard/action",
        "id": f"f:{secrets.token_hex(8)}",
        "channelId": "msteams",
        "serviceUrl": service_url,
        "from": {"id": f"29:{user}", "aadObjectId": user, "name": user},
        "conversation": {"id": conversation_id, "tenantId": tenant, "conversationType": "channel"},
        "value": {"action": {"type": "Action.Execute", "verb": verb, "data": data}, "trigger": "manual"},
    }
    return json.dumps(activity).encode()


def message(text: str, user: str, conversation_id: str, service_url: str, tenant: str = "tenant-local") -> bytes:
    activity = {
        "type": "message",
        "id": f"m:{secrets.token_hex(8)}",
        "channelId": "msteams",
        "serviceUrl": service_url,
        "from": {"id": f"29:{user}", "aadObjectId": user, "name": user},
        "conversation": {"id": conversation_id, "tenantId": tenant, "conversationType": "personal"},
        "text": text,
    }
    return json.dumps(activity).encode()
