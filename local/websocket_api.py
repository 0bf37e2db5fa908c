"""API Gateway's WebSocket API and its Management API (`@connections`), locally.

- `GET /ws?ticket=...`: the `$connect` REQUEST authorizer (401 when it raises
  "Unauthorized" or the identity source is missing, 403 on Deny), then the `$connect`
  route; messages are routed on `$request.body.action` (else `$default`); `$disconnect`
  runs when either side closes. Idle connections close after 10 minutes, all after 2 hours.
- `/@connections/{id}`: POST sends data, GET describes, DELETE closes; unknown or closed
  ids answer 410 GoneException, exactly as boto3's apigatewaymanagementapi client expects.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import secrets
import time
import uuid
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from aiohttp import WSMsgType, web

from local.http_api import is_utf8
from local.lambda_pool import FunctionError, FunctionPool
from local.template import ACCOUNT, REGION, WebSocketSpec

log = logging.getLogger("baton.local")
IDLE_SECONDS = 10 * 60
MAX_CONNECTION_SECONDS = 2 * 3600
MAX_MESSAGE_BYTES = 128 * 1024
API_ID = "local"


@dataclass
class LiveConnection:
    connection_id: str
    socket: web.WebSocketResponse
    authorizer: dict[str, Any]
    source_ip: str
    user_agent: str
    connected_at: float = field(default_factory=time.time)
    last_active: float = field(default_factory=time.time)


def _connection_id() -> str:
    # API Gateway ids look like "L0SM9cOFvHcCIhw=": 12 random bytes, base64.
    return secrets.token_urlsafe(9) + "="


def _gone(connection_id: str) -> web.Response:
    return web.json_response(
        {"message": f"Connection {connection_id} is gone."}, status=410, headers={"x-amzn-ErrorType": "GoneException"}
    )


class WebSocketApi:
    def __init__(self, spec: WebSocketSpec, pools: dict[str, FunctionPool], stage: str, public_host: str) -> None:
        self._spec = spec
        self._pools = pools
        self._stage = stage
        self._host = public_host
        self.connections: dict[str, LiveConnection] = {}

    def add_routes(self, app: web.Application) -> None:
        app.router.add_get("/ws", self.connect)
        app.router.add_post("/@connections/{connection_id}", self.post_to_connection)
        app.router.add_get("/@connections/{connection_id}", self.get_connection)
        app.router.add_delete("/@connections/{connection_id}", self.delete_connection)

    async def close_all(self, code: int, reason: str) -> None:
        for live in list(self.connections.values()):
            with contextlib.suppress(Exception):
                await live.socket.close(code=code, message=reason.encode())

    # --- the WebSocket API --------------------------------------------------------------------
    async def connect(self, request: web.Request) -> web.StreamResponse:
        connection_id = _connection_id()
        authorizer_context = await self._authorize(request, connection_id)
        if isinstance(authorizer_context, web.Response):
            return authorizer_context
        context = self._request_context(connection_id, "$connect", "CONNECT", request, authorizer_context)
        connect_event = {
            "headers": dict(request.headers),
            "multiValueHeaders": {k: request.headers.getall(k) for k in request.headers},
            "queryStringParameters": dict(request.query) or None,
            "requestContext": context,
            "isBase64Encoded": False,
        }
        reply = await self._invoke("$connect", connect_event)
        if not isinstance(reply, dict) or not 200 <= int(reply.get("statusCode", 500)) < 300:
            return web.json_response({"message": "Forbidden"}, status=403 if reply is not None else 500)
        socket = web.WebSocketResponse(max_msg_size=MAX_MESSAGE_BYTES, autoping=True)
        await socket.prepare(request)
        live = LiveConnection(
            connection_id, socket, authorizer_context, request.remote or "127.0.0.1", request.headers.get("User-Agent", "")
        )
        self.connections[connection_id] = live
        watchdog = asyncio.create_task(self._expire(live))
        try:
            async for message in socket:
                live.last_active = time.time()
                if message.type == WSMsgType.TEXT:
                    asyncio.create_task(self._route(live, message.data, request))  # noqa: RUF006
                elif message.type == WSMsgType.ERROR:
                    break
        finally:
            watchdog.cancel()
            self.connections.pop(connection_id, None)
            await self._invoke(
                "$disconnect",
                {
                    "headers": {},
                    "multiValueHeaders": {},
                    "requestContext": {
                        **self._request_context(connection_id, "$disconnect", "DISCONNECT", request, authorizer_context),
                        "disconnectStatusCode": socket.close_code or 1005,
                        "disconnectReason": "",
                    },
                    "isBase64Encoded": False,
                },
            )
        return socket

    async def _authorize(self, request: web.Request, connection_id: str) -> dict[str, Any] | web.Response:
        if not self._spec.authorizer_function:
            return {}
        missing = [name for name in self._spec.identity_query_parameters if not request.query.get(name)]
        if missing:  # API Gateway does not even call the authorizer
            return web.json_response({"message": "Unauthorized"}, status=401)
        event = {
            "type": "REQUEST",
            "methodArn": f"arn:aws:execute-api:{REGION}:{ACCOUNT}:{API_ID}/{self._stage}/$connect",
            "headers": dict(request.headers),
            "multiValueHeaders": {k: request.headers.getall(k) for k in request.headers},
            "queryStringParameters": dict(request.query),
            "multiValueQueryStringParameters": {k: request.query.getall(k) for k in request.query},
            "stageVariables": {},
            "requestContext": self._request_context(connection_id, "$connect", "CONNECT", request, None),
        }
        try:
            policy = await self._pools[self._spec.authorizer_function].invoke(event)
        except FunctionError as error:
            unauthorized = str(error).endswith("Unauthorized")
            return web.json_response(
                {"message": "Unauthorized" if unauthorized else "Internal Server Error"}, status=401 if unauthorized else 500
            )
        statements = policy.get("policyDocument", {}).get("Statement", [])
        if not statements or any(statement.get("Effect") != "Allow" for statement in statements):
            return web.json_response({"message": "Forbidden"}, status=403)
        return {**policy.get("context", {}), "principalId": policy.get("principalId", "")}

    async def _route(self, live: LiveConnection, data: str, request: web.Request) -> None:
        try:
            action = json.loads(data).get("action")
        except (ValueError, AttributeError):
            action = None
        route = (
            action
            if isinstance(action, str) and action in self._spec.route_functions and not action.startswith("$")
            else "$default"
        )
        context = self._request_context(live.connection_id, route, "MESSAGE", request, live.authorizer)
        context |= {"messageId": uuid.uuid4().hex[:16], "messageDirection": "IN"}
        await self._invoke(route, {"requestContext": context, "body": data, "isBase64Encoded": False})

    async def _invoke(self, route: str, event: dict[str, Any]) -> Any:
        function = self._spec.route_functions.get(route)
        if function is None:
            return {"statusCode": 200}
        try:
            return await self._pools[function].invoke(event)
        except FunctionError as error:
            log.warning("WebSocket route %s failed: %s", route, error)
            return None

    def _request_context(
        self, connection_id: str, route: str, event_type: str, request: web.Request, authorizer: dict[str, Any] | None
    ) -> dict[str, Any]:
        now = time.time()
        live = self.connections.get(connection_id)
        context: dict[str, Any] = {
            "routeKey": route,
            "eventType": event_type,
            "extendedRequestId": uuid.uuid4().hex,
            "requestTime": datetime.now(UTC).strftime("%d/%b/%Y:%H:%M:%S +0000"),
            "messageDirection": "IN",
            "stage": self._stage,
            "connectedAt": int((live.connected_at if live else now) * 1000),
            "requestTimeEpoch": int(now * 1000),
            "identity": {"sourceIp": request.remote or "127.0.0.1", "userAgent": request.headers.get("User-Agent", "")},
            "requestId": uuid.uuid4().hex,
            "domainName": self._host,
            "connectionId": connection_id,
            "apiId": API_ID,
        }
        if authorizer is not None:
            context["authorizer"] = authorizer
        return context

    async def _expire(self, live: LiveConnection) -> None:
        """API Gateway's limits: 10 minutes idle, 2 hours in all."""
        while True:
            await asyncio.sleep(1)
            now = time.time()
            if now - live.last_active > IDLE_SECONDS or now - live.connected_at > MAX_CONNECTION_SECONDS:
                await live.socket.close(code=1001, message=b"Going away")
                return

    # --- the Management API ---------------------------------------------------------------------
    async def post_to_connection(self, request: web.Request) -> web.Response:
        live = self.connections.get(request.match_info["connection_id"])
        if live is None or live.socket.closed:
            return _gone(request.match_info["connection_id"])
        data = await request.read()
        if len(data) > MAX_MESSAGE_BYTES:
            return web.json_response(
                {"message": "Message too long"}, status=413, headers={"x-amzn-ErrorType": "PayloadTooLargeException"}
            )
        try:
            await live.socket.send_str(data.decode()) if is_utf8(data) else await live.socket.send_bytes(data)
        except (ConnectionResetError, RuntimeError):
            return _gone(live.connection_id)
        return web.Response(status=200)

    async def get_connection(self, request: web.Request) -> web.Response:
        live = self.connections.get(request.match_info["connection_id"])
        if live is None or live.socket.closed:
            return _gone(request.match_info["connection_id"])
        return web.json_response(
            {
                "ConnectedAt": datetime.fromtimestamp(live.connected_at, UTC).isoformat(),
                "LastActiveAt": datetime.fromtimestamp(live.last_active, UTC).isoformat(),
                "Identity": {"SourceIp": live.source_ip, "UserAgent": live.user_agent},
            }
        )

    async def delete_connection(self, request: web.Request) -> web.Response:
        live = self.connections.get(request.match_info["connection_id"])
        if live is None or live.socket.closed:
            return _gone(request.match_info["connection_id"])
        with contextlib.suppress(ConnectionResetError):
            await live.socket.close(code=1000, message=b"Closed by the server")
        return web.Response(status=204)
