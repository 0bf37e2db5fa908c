"""The local gateway: API Gateway's HTTP API plus the local-only endpoints, on one port."""

from __future__ import annotations

import json
import logging
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

from aiohttp import web
from pydantic import ValidationError

from local.faults import FaultRequest, FaultSwitch
from local.http_api import Router, build_event, to_response
from local.lambda_pool import FunctionError, FunctionPool
from local.oidc import JwtAuthorizer, LocalIssuer, TokenRejected
from local.oidc_flow import AuthorizationServer
from local.providers.server import ProviderServer
from local.template import HttpRoute
from local.webhooks import WebhookFault, WebhookReceiver
from local.websocket_api import WebSocketApi

log = logging.getLogger("baton.local")
MAX_REQUEST_BYTES = 10 * 1024 * 1024  # the HTTP API payload limit
WEB_ROOT = Path(__file__).resolve().parent.parent / "web"
_JSON_PATHS = ("/api/", "/local/", "/@connections/")


def _json(status: int, payload: Any, headers: dict[str, str] | None = None) -> web.Response:
    return web.json_response(payload, status=status, headers=headers)


@web.middleware
async def json_errors(
    request: web.Request, handler: Callable[[web.Request], Awaitable[web.StreamResponse]]
) -> web.StreamResponse:
    """API Gateway never answers text/plain: the gateway's own failures are JSON too, and logged."""
    try:
        return await handler(request)
    except web.HTTPException as error:
        if error.status < 400 or not request.path.startswith(_JSON_PATHS):
            raise
        return _json(error.status, {"message": error.reason, "detail": error.text or error.reason})
    except Exception:
        log.exception("The gateway failed on %s %s", request.method, request.path)
        return _json(500, {"message": "Internal Server Error", "detail": "The local gateway failed; see the runtime log."})


class Gateway:
    def __init__(
        self,
        routes: list[HttpRoute],
        pools: dict[str, FunctionPool],
        authorizer: JwtAuthorizer,
        issuer: LocalIssuer,
        cors: dict[str, Any] | None,
        users: Callable[[], list[dict[str, Any]]],
        outbox: Callable[[], Awaitable[list[dict[str, Any]]]],
        websocket: WebSocketApi,
        health: Callable[[], Awaitable[dict[str, Any]]],
        faults: FaultSwitch,
        webhooks: WebhookReceiver,
        sign_in: AuthorizationServer,
        outputs: Callable[[], dict[str, str]],
        providers: ProviderServer | None = None,
    ) -> None:
        self._router = Router(routes)
        self._pools = pools
        self._authorizer = authorizer
        self._issuer = issuer
        self._cors = cors or {}
        self._users = users
        self._outbox = outbox
        self.websocket = websocket
        self._health = health
        self._faults = faults
        self._webhooks = webhooks
        self._sign_in = sign_in
        self._providers = providers
        self._outputs = outputs
        self.ready = False

    def app(self) -> web.Application:
        app = web.Application(client_max_size=MAX_REQUEST_BYTES, middlewares=[json_errors])
        app.router.add_get("/local/health", self.health)
        app.router.add_get("/local/faults", self.list_faults)
        app.router.add_post("/local/faults", self.arm_fault)
        app.router.add_delete("/local/faults", self.clear_faults)
        app.router.add_get("/local/users", self.list_users)
        app.router.add_post("/local/token", self.token)
        app.router.add_get("/local/oidc/.well-known/openid-configuration", self.discovery)
        app.router.add_get("/local/oidc/.well-known/jwks.json", self.jwks)
        self._sign_in.add_routes(app)
        app.router.add_get("/local/outputs", self.outputs)
        app.router.add_get("/local/outbox", self.outbox)
        app.router.add_get("/local/webhooks", self.webhooks_received)
        app.router.add_delete("/local/webhooks", self.webhooks_forget)
        app.router.add_get("/local/webhooks/faults", self.webhook_fault)
        app.router.add_post("/local/webhooks/faults", self.arm_webhook_fault)
        app.router.add_delete("/local/webhooks/faults", self.clear_webhook_fault)
        # `[\s\S]`, not `.`: a path id may hold an encoded newline, and must still reach the API (and its 404).
        app.router.add_route("*", r"/api/{tail:[\s\S]*}", self.http_api)
        # Providers' calls to baton (no JWT: the route's Auth is NONE in the template); the stand-ins' own endpoints.
        app.router.add_route("*", r"/hooks/{tail:[\s\S]*}", self.http_api)
        if self._providers is not None:
            self._providers.add_routes(app)
        self.websocket.add_routes(app)
        # The console: static files, as any static host (S3 + CloudFront) would serve them. Last: it matches any path.
        app.router.add_get("/", self.console)
        app.router.add_static("/", WEB_ROOT)
        return app

    # --- local-only endpoints -------------------------------------------------------------
    async def health(self, _: web.Request) -> web.Response:
        if not self.ready:
            return _json(503, {"status": "starting", "down": ["gateway"], "detail": "The local runtime is starting."})
        report = await self._health()
        if not report["down"]:
            return _json(200, report)
        return _json(503, {**report, "detail": f"Not working: {', '.join(report['down'])}. See the runtime log."})

    async def list_faults(self, _: web.Request) -> web.Response:
        return _json(200, {"faults": self._faults.as_json()})

    async def arm_fault(self, request: web.Request) -> web.Response:
        try:
            fault = FaultRequest.model_validate_json(await request.read())
        except ValidationError as error:
            errors = [{"loc": list(e["loc"]), "msg": e["msg"]} for e in error.errors()]
            detail = 'Send {"function": "<logical id>", "mode": "fail" | "hang" | "kill_after", "count": N}.'
            return _json(422, {"detail": detail, "errors": errors})
        if fault.function not in self._pools:
            known = ", ".join(sorted(self._pools))
            return _json(404, {"detail": f"No function {fault.function!r} in template.yaml; known: {known}."})
        self._faults.arm(fault)
        return _json(200, {"faults": self._faults.as_json()})

    async def clear_faults(self, request: web.Request) -> web.Response:
        self._faults.clear(request.query.get("function"))
        return _json(200, {"faults": self._faults.as_json()})

    async def list_users(self, _: web.Request) -> web.Response:
        return _json(200, self._users())

    async def token(self, request: web.Request) -> web.Response:
        try:
            body = await request.json()
        except (json.JSONDecodeError, UnicodeDecodeError):
            return _json(400, {"detail": 'The request body is not valid JSON; send {"email": "..."}.'})
        email = body.get("email") if isinstance(body, dict) else None
        if not isinstance(email, str):
            return _json(422, {"detail": 'Send {"email": "<a demo user\'s email>"}; see GET /local/users.'})
        user = next((u for u in self._users() if u["email"].lower() == email.strip().lower()), None)
        if user is None:
            return _json(404, {"detail": f"No demo user has the email {email!r}; see GET /local/users."})
        token = self._issuer.token_for(user["id"], user["email"], name=user["display_name"])
        self._sign_in.remember(user["id"], user["email"], user["display_name"])
        return _json(200, {"access_token": token, "token_type": "Bearer", "user": user})

    async def outputs(self, _: web.Request) -> web.Response:
        """What a deployed stack's outputs give operators (`baton-admin --local`): names and where they live."""
        return _json(200, self._outputs())

    async def console(self, _: web.Request) -> web.FileResponse:
        return web.FileResponse(WEB_ROOT / "index.html")

    async def outbox(self, _: web.Request) -> web.Response:
        try:
            return _json(200, await self._outbox())
        except OSError:
            return _json(503, {"detail": "The AWS endpoint (which holds the sent email) is not reachable; see /local/health."})

    async def webhooks_received(self, _: web.Request) -> web.Response:
        """What the loopback Teams/Slack receiver got, oldest first, with what it answered."""
        return _json(200, self._webhooks.received)

    async def webhooks_forget(self, _: web.Request) -> web.Response:
        self._webhooks.received.clear()
        return _json(200, [])

    async def webhook_fault(self, _: web.Request) -> web.Response:
        return _json(200, {"url": self._webhooks.url, "fault": self._webhooks.fault_json()})

    async def arm_webhook_fault(self, request: web.Request) -> web.Response:
        try:
            fault = WebhookFault.model_validate_json(await request.read())
        except ValidationError as error:
            errors = [{"loc": list(e["loc"]), "msg": e["msg"]} for e in error.errors()]
            detail = 'Send {"status": 200-599, "count": N, "delay_seconds": 0-30}.'
            return _json(422, {"detail": detail, "errors": errors})
        self._webhooks.arm(fault)
        return _json(200, {"url": self._webhooks.url, "fault": self._webhooks.fault_json()})

    async def clear_webhook_fault(self, _: web.Request) -> web.Response:
        self._webhooks.clear_fault()
        return _json(200, {"url": self._webhooks.url, "fault": None})

    async def discovery(self, _: web.Request) -> web.Response:
        return _json(200, self._issuer.discovery())

    async def jwks(self, _: web.Request) -> web.Response:
        return _json(200, self._issuer.jwks())

    # --- the HTTP API -----------------------------------------------------------------------
    async def http_api(self, request: web.Request) -> web.Response:
        cors = self._cors_headers(request)
        if request.method == "OPTIONS" and cors and "access-control-request-method" in request.headers:
            return web.Response(status=204, headers=cors | self._preflight_headers())
        match = self._router.match(request.method, request.path)
        if match is None:
            return _json(404, {"message": "Not Found", "detail": f"No route matches {request.method} {request.path}."}, cors)
        claims = None
        if match.route.authorized:
            try:
                claims = self._authorizer.claims(request.headers.get("Authorization"))
            except TokenRejected as rejection:
                challenge = f'Bearer error="invalid_token" error_description="{rejection}"'
                return _json(401, {"message": "Unauthorized", "detail": str(rejection)}, cors | {"WWW-Authenticate": challenge})
        event = build_event(
            match,
            request.method,
            request.path,
            request.query_string,
            list(request.query.items()),
            list(request.headers.items()),
            await request.read(),
            request.remote or "127.0.0.1",
            claims,
        )
        try:
            result = await self._pools[match.route.function].invoke(event)
        except FunctionError as error:  # what the function raised is in the log already; why the pool gave up is not
            log.warning("%s failed on %s %s: %s", match.route.function, request.method, request.path, error)
            return _json(500, {"message": "Internal Server Error", "detail": "The function failed; see the runtime log."}, cors)
        response = to_response(result)
        headers = {**response.headers, **cors}
        reply = web.Response(status=response.status, body=response.body, headers=headers)
        for cookie in response.cookies:
            reply.headers.add("Set-Cookie", cookie)
        return reply

    def _cors_headers(self, request: web.Request) -> dict[str, str]:
        origin = request.headers.get("Origin")
        allowed = self._cors.get("AllowOrigins", [])
        if not origin or not ("*" in allowed or origin in allowed):
            return {}
        headers = {"Access-Control-Allow-Origin": origin if "*" not in allowed else "*", "Vary": "Origin"}
        if self._cors.get("ExposeHeaders"):
            headers["Access-Control-Expose-Headers"] = ",".join(self._cors["ExposeHeaders"])
        return headers

    def _preflight_headers(self) -> dict[str, str]:
        return {
            "Access-Control-Allow-Methods": ",".join(self._cors.get("AllowMethods", [])),
            "Access-Control-Allow-Headers": ",".join(self._cors.get("AllowHeaders", [])),
            "Access-Control-Max-Age": str(self._cors.get("MaxAge", 0)),
        }
