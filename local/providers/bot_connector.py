"""A stand-in for the Bot Connector a Teams bot talks to, with its token issuer and OpenID metadata, and a way to
send an activity to baton as the Bot Framework would (its bearer token signed with the stand-in's key).

Under a base URL (`<base>`):
- `GET <base>/botframework/v1/.well-known/openidconfiguration` → `{issuer, jwks_uri, id_token_signing_alg_values_supported}`,
  `GET <base>/botframework/v1/.well-known/keys` → the JWKS (one RSA key, `endorsements: ["msteams"]`), as
  `login.botframework.com` serves them;
- `POST <base>/entra/{tenant}/oauth2/v2.0/token` (client credentials, scope `https://api.botframework.com/.default`) →
  `{token_type, expires_in, access_token}`; an app id is bound to the first password it uses (a different one
  later is `401 invalid_client`), a wrong scope is `400 invalid_scope`;
- `POST <base>/teams/v3/conversations/{id}/activities` → `{id}`; `PUT …/activities/{activity_id}` → `{id}` (404
  for an activity it never saw); `POST …/activities/{activity_id}` (a reply) → `{id}`; each needs a token it
  issued (else 401); an armed rate limit answers 429 with `Retry-After`.
Every call is recorded for `GET /local/connectors`.
"""

from __future__ import annotations

import json
import secrets
import time
from dataclasses import dataclass, field
from itertools import count
from typing import Any
from urllib.parse import parse_qsl

import jwt
from aiohttp import web
from cryptography.hazmat.primitives.asymmetric import rsa

ISSUER = "https://api.botframework.com"
SCOPE = "https://api.botframework.com/.default"
MAX_KEPT = 1_000
KID = "baton-local-botframework"


@dataclass
class BotConnectorStandIn:
    base_url: str = ""  # where it is served (set once the server listens)
    calls: list[dict[str, Any]] = field(default_factory=list)
    activities: dict[tuple[str, str], dict[str, Any]] = field(default_factory=dict)
    passwords: dict[str, str] = field(default_factory=dict)
    tokens: dict[str, float] = field(default_factory=dict)
    rate_limited: int = 0
    retry_after_s: int = 1
    _ids: count[int] = field(default_factory=lambda: count(1))
    _key: rsa.RSAPrivateKey = field(default_factory=lambda: rsa.generate_private_key(public_exponent=65537, key_size=2048))

    @property
    def service_url(self) -> str:
        return f"{self.base_url}/teams/"

    @property
    def metadata_base(self) -> str:
        return f"{self.base_url}/botframework"

    @property
    def token_url(self) -> str:
        return f"{self.base_url}/entra/{{tenant_id}}/oauth2/v2.0/token"

    def add_routes(self, app: web.Application) -> None:
        app.router.add_get("/botframework/v1/.well-known/openidconfiguration", self._metadata)
        app.router.add_get("/botframework/v1/.well-known/keys", self._keys)
        app.router.add_post("/entra/{tenant}/oauth2/v2.0/token", self._token)
        app.router.add_post("/teams/v3/conversations/{conversation}/activities", self._send)
        app.router.add_put("/teams/v3/conversations/{conversation}/activities/{activity}", self._update)
        app.router.add_post("/teams/v3/conversations/{conversation}/activities/{activity}", self._reply)

    def recorded(self) -> dict[str, Any]:
        cards = [{"conversation": c, "id": a, **body} for (c, a), body in self.activities.items()]
        return {"calls": self.calls, "activities": cards}

    def _record(self, kind: str, request: web.Request, status: int, body: Any) -> None:
        self.calls.append({"at": time.time(), "call": kind, "path": request.path, "status": status, "body": body})
        del self.calls[:-MAX_KEPT]

    # --- the Bot Framework's keys ---------------------------------------------------------------------------------
    async def _metadata(self, request: web.Request) -> web.Response:
        document = {
            "issuer": ISSUER,
            "jwks_uri": f"{self.base_url}/botframework/v1/.well-known/keys",
            "id_token_signing_alg_values_supported": ["RS256"],
            "token_endpoint_auth_methods_supported": ["private_key_jwt"],
        }
        return web.json_response(document)

    async def _keys(self, request: web.Request) -> web.Response:
        jwk = json.loads(jwt.algorithms.RSAAlgorithm.to_jwk(self._key.public_key()))
        return web.json_response({"keys": [{**jwk, "kid": KID, "use": "sig", "alg": "RS256", "endorsements": ["msteams"]}]})

    def bearer(self, app_id: str, service_url: str, *, issuer: str = ISSUER, expires_in: int = 3600) -> str:
        """The token the Bot Framework puts on an activity it sends to the bot `app_id`."""
        now = int(time.time())
        claims = {"iss": issuer, "aud": app_id, "serviceUrl": service_url, "nbf": now - 5, "exp": now + expires_in}
        return "Bearer " + jwt.encode(claims, self._key, algorithm="RS256", headers={"kid": KID})

    # --- Entra's token endpoint ------------------------------------------------------------------------------------
    async def _token(self, request: web.Request) -> web.Response:
        form = dict(parse_qsl((await request.read()).decode("utf-8", "replace")))
        body: dict[str, Any]
        app_id, password = form.get("client_id", ""), form.get("client_secret", "")
        if form.get("grant_type") != "client_credentials":
            status, body = 400, {"error": "unsupported_grant_type"}
        elif form.get("scope") != SCOPE:
            status, body = 400, {"error": "invalid_scope"}
        elif not app_id or not password or self.passwords.setdefault(app_id, password) != password:
            status, body = 401, {"error": "invalid_client", "error_description": "AADSTS7000215: Invalid client secret provided."}
        else:
            token = "local-bot-" + secrets.token_urlsafe(24)
            self.tokens[token] = time.time() + 3600
            status, body = 200, {"token_type": "Bearer", "expires_in": 3599, "ext_expires_in": 3599, "access_token": token}
        self._record("token", request, status, {"client_id": app_id, "tenant": request.match_info["tenant"]})
        return web.json_response(body, status=status)

    # --- conversations ----------------------------------------------------------------------------------------------
    def _refusal(self, request: web.Request) -> web.Response | None:
        if self.rate_limited > 0:
            self.rate_limited -= 1
            return web.json_response(
                {"error": {"code": "TooManyRequests"}}, status=429, headers={"Retry-After": str(self.retry_after_s)}
            )
        token = request.headers.get("Authorization", "").removeprefix("Bearer ").strip()
        if self.tokens.get(token, 0) < time.time():
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
            self._record("send", request, refused.status, body)
            return refused
        activity_id = f"1:{next(self._ids)}"
        self.activities[(request.match_info["conversation"], activity_id)] = {**body, "updates": 0}
        self._record("send", request, 201, body)
        return web.json_response({"id": activity_id}, status=201)

    async def _update(self, request: web.Request) -> web.Response:
        body = await self._body(request)
        if (refused := self._refusal(request)) is not None:
            self._record("update", request, refused.status, body)
            return refused
        key = (request.match_info["conversation"], request.match_info["activity"])
        if key not in self.activities:
            self._record("update", request, 404, body)
            return web.json_response({"error": {"code": "ActivityNotFound"}}, status=404)
        self.activities[key] = {**body, "updates": self.activities[key]["updates"] + 1, "updated_at": time.time()}
        self._record("update", request, 200, body)
        return web.json_response({"id": key[1]})

    async def _reply(self, request: web.Request) -> web.Response:
        body = await self._body(request)
        if (refused := self._refusal(request)) is not None:
            self._record("reply", request, refused.status, body)
            return refused
        self._record("reply", request, 201, body)
        return web.json_response({"id": f"1:{next(self._ids)}"}, status=201)


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
