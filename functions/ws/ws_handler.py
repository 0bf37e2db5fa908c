"""WebSocket routes: $connect, $disconnect, hello, ping, resume and $default."""

import gc

gc.disable()  # no collection during init: what it builds lives as long as the environment (baton.init_heap)

import json
from collections.abc import Callable
from functools import cache
from typing import Any, NamedTuple

import boto3
from aws_lambda_powertools.utilities.parser import parse
from aws_lambda_powertools.utilities.typing import LambdaContext
from pydantic import ConfigDict, Field

from baton import init_heap
from baton.domain.errors import BatonError
from baton.domain.modeling import Model
from baton.domain.websocket import ConnectionGone
from baton.logic import realtime
from baton.observability import instruments
from baton.publishers.websocket_connections import ManagementApiSender
from baton.repositories.connections import ConnectionRepository
from baton.repositories.handoffs import HandoffRepository
from baton.settings import Settings
from baton.snapstart import on_snapstart

logger, metrics, tracer = instruments()
on_snapstart()  # with SnapStart: every model built before the snapshot, a fresh `random` after each restore
OK = {"statusCode": 200}


class Caller(Model):
    """The `$connect` authorizer's context, which API Gateway repeats on every route."""

    account_id: str
    user_id: str


class WsContext(Model):
    model_config = ConfigDict(populate_by_name=True)

    route_key: str = Field(alias="routeKey")
    connection_id: str = Field(alias="connectionId")
    authorizer: Caller


class WsEvent(Model):
    model_config = ConfigDict(populate_by_name=True)

    request_context: WsContext = Field(alias="requestContext")
    body: str | None = None

    def message(self) -> dict[str, Any]:
        try:
            value = json.loads(self.body or "{}")
        except ValueError:
            return {}
        return value if isinstance(value, dict) else {}


class Dependencies(NamedTuple):
    connections: ConnectionRepository
    handoffs: HandoffRepository
    sender: ManagementApiSender


@cache
def dependencies() -> Dependencies:
    settings = Settings.from_env()
    client = boto3.client("dynamodb")
    return Dependencies(
        connections=ConnectionRepository(settings.connections_table_name, client),
        handoffs=HandoffRepository(settings.data_table_name, client),
        sender=ManagementApiSender(
            connect=lambda: boto3.client("apigatewaymanagementapi", endpoint_url=settings.websocket_management_url)
        ),
    )


def _reply(event: WsEvent, *messages: dict[str, Any]) -> dict[str, int]:
    sender = dependencies().sender
    for message in messages:
        try:
            sender.send(event.request_context.connection_id, json.dumps(message).encode())
        except ConnectionGone:
            break  # the client left while we answered
    return OK


def on_connect(event: WsEvent) -> dict[str, int]:
    caller = event.request_context.authorizer
    realtime.connect(event.request_context.connection_id, caller.account_id, caller.user_id, dependencies().connections)
    return OK


def on_disconnect(event: WsEvent) -> dict[str, int]:
    dependencies().connections.delete(event.request_context.connection_id)
    return OK


def on_hello(event: WsEvent) -> dict[str, int]:
    caller = event.request_context.authorizer
    return _reply(event, realtime.ready(event.request_context.connection_id, caller.account_id, caller.user_id))


def on_ping(event: WsEvent) -> dict[str, int]:
    return _reply(event, realtime.pong(event.request_context.authorizer.account_id, dependencies().handoffs))


def on_resume(event: WsEvent) -> dict[str, int]:
    since = event.message().get("since")
    if not isinstance(since, str):
        return _reply(event, {"type": "error", "detail": "resume needs `since`, an ISO-8601 time."})
    try:
        messages = realtime.resume(event.request_context.authorizer.account_id, since, dependencies().handoffs)
    except BatonError as error:
        return _reply(event, {"type": "error", "detail": error.detail})
    return _reply(event, *messages)


def on_default(event: WsEvent) -> dict[str, int]:
    action = event.message().get("action")
    detail = f"Unknown action {action!r}" if action else "Messages are JSON objects with an `action`"
    return _reply(event, {"type": "error", "detail": f"{detail}; use hello, ping or resume."})


ROUTES: dict[str, Callable[[WsEvent], dict[str, int]]] = {
    "$connect": on_connect,
    "$disconnect": on_disconnect,
    "hello": on_hello,
    "ping": on_ping,
    "resume": on_resume,
    "$default": on_default,
}


@logger.inject_lambda_context
@tracer.capture_lambda_handler
@metrics.log_metrics
def handler(event: dict[str, Any], context: LambdaContext) -> dict[str, int]:
    dependencies()  # a missing setting fails here, naming it
    request = parse(event=event, model=WsEvent)
    logger.append_keys(connection_id=request.request_context.connection_id, route=request.request_context.route_key)
    return ROUTES.get(request.request_context.route_key, on_default)(request)


init_heap.freeze()  # last: what the imports built is never walked by the collector again
