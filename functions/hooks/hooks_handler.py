"""`POST /hooks/{name}/{account_id}`: a provider calls baton (a PSA's ticket callback, a chat tool's button click).

No JWT: the call is verified by the connector's own scheme with the account's secret (baton/logic/inbound.py); a
call that does not verify is 401 and does nothing. A verified call runs once per provider delivery id (Powertools
idempotency: a retry gets the first answer), and the connector's answer goes back to the provider.
"""

from __future__ import annotations

import gc

gc.disable()  # no collection during init: what it builds lives as long as the environment (baton.init_heap)

import base64
import json
import re
from functools import cache
from typing import Any, NamedTuple

import boto3
from aws_lambda_powertools.metrics import MetricUnit
from aws_lambda_powertools.utilities.idempotency import DynamoDBPersistenceLayer, IdempotencyConfig, idempotent_function
from aws_lambda_powertools.utilities.idempotency.exceptions import (
    IdempotencyAlreadyInProgressError,
    IdempotencyPersistenceLayerError,
)
from aws_lambda_powertools.utilities.typing import LambdaContext

from baton import init_heap
from baton.connectors.declaration import Connector
from baton.connectors.http import HttpAnswer, InboundCall
from baton.connectors.registry import NAMES, allowed_hosts, connector
from baton.domain.clock import utc_now
from baton.domain.errors import BatonError, Unauthorized
from baton.domain.modeling import Model
from baton.logic import chat_inbound, inbound, psa_inbound  # noqa: F401  (each registers its intents' use case)
from baton.observability import instruments
from baton.publishers.bot_connector import DEFAULT_METADATA_BASE, DEFAULT_TOKEN_URL, BotConnector
from baton.publishers.provider_http import ProviderHttp
from baton.publishers.slack_web_api import DEFAULT_BASE_URL as DEFAULT_SLACK_API
from baton.publishers.slack_web_api import SlackWebApi
from baton.repositories.chat import ChatRepository
from baton.repositories.connectors import ConnectorRepository
from baton.repositories.handoffs import HandoffRepository
from baton.repositories.users import UserRepository
from baton.settings import Settings

logger, metrics, tracer = instruments()
ACCOUNT_ID = re.compile(r"^[A-Za-z0-9_-]{1,64}$")
BODY_MAX = 256 * 1024
NO_SUCH_HOOK = "No such hook: check the connector's name and the account id in the URL."


class Delivery(Model):
    """One provider delivery: what makes a second call "the same" (connector, account, the provider's id)."""

    connector: str
    account_id: str
    delivery_id: str


class Dependencies(NamedTuple):
    services: inbound.InboundServices
    act_once: Any
    idempotency: IdempotencyConfig


@cache
def dependencies() -> Dependencies:
    settings = Settings.from_env()
    dynamodb = boto3.client("dynamodb")
    store = ConnectorRepository(settings.data_table_name, settings.connectors_parameter_path, dynamodb, boto3.client("ssm"))
    services = inbound.InboundServices(
        connectors=store,
        handoffs=HandoffRepository(settings.data_table_name, dynamodb),
        users=UserRepository(settings.data_table_name, dynamodb),
        transport=ProviderHttp(allowed_hosts(settings.connector_hosts), settings.webhook_ca_bundle),
        console_url=settings.console_url,
        chat_links=ChatRepository(settings.data_table_name, settings.connections_table_name, dynamodb),
        bots=BotConnector(
            settings.bot_connector_url or DEFAULT_METADATA_BASE,
            settings.bot_token_url or DEFAULT_TOKEN_URL,
            settings.webhook_ca_bundle,
        ),
        slack=SlackWebApi(
            settings.slack_api_url or DEFAULT_SLACK_API,
            settings.webhook_ca_bundle or None,
            allowed_hosts(settings.connector_hosts)["slack"],
        ),
    )
    config = IdempotencyConfig(event_key_jmespath="[connector, account_id, delivery_id]", expires_after_seconds=7 * 24 * 3600)
    persistence = DynamoDBPersistenceLayer(table_name=settings.idempotency_table_name, boto3_client=dynamodb)

    @idempotent_function(data_keyword_argument="delivery", config=config, persistence_store=persistence)
    def act_once(delivery: Delivery, call: InboundCall, declared: Connector, setup: Any) -> dict[str, Any]:
        answer = inbound.act(call, declared, setup, services)
        return {"status": answer.status, "body": answer.body, "headers": dict(answer.headers)}

    return Dependencies(services, act_once, config)


def _reply(answer: HttpAnswer) -> dict[str, Any]:
    return {"statusCode": answer.status, "headers": dict(answer.headers), "body": answer.body}


def _call(event: dict[str, Any], account_id: str) -> InboundCall:
    raw = event.get("body") or ""
    body = base64.b64decode(raw) if event.get("isBase64Encoded") else raw.encode()
    headers = {str(name).lower(): str(value) for name, value in (event.get("headers") or {}).items()}
    query = {str(name): str(value) for name, value in (event.get("queryStringParameters") or {}).items()}
    return InboundCall(account_id=account_id, headers=headers, body=body, query=query)


def receive(event: dict[str, Any]) -> HttpAnswer:
    path = event.get("pathParameters") or {}
    name, account_id = str(path.get("name", "")), str(path.get("account_id", ""))
    if name not in NAMES or not ACCOUNT_ID.match(account_id) or connector(name).inbound is None:
        return HttpAnswer.detail(404, NO_SUCH_HOOK)
    declared = connector(name)
    logger.append_keys(connector=name, account_id=account_id)
    call = _call(event, account_id)
    if len(call.body) > BODY_MAX:
        return HttpAnswer.detail(413, f"The call's body is over {BODY_MAX // 1024} KiB.")
    deps = dependencies()
    store = deps.services.connectors
    setup, secrets = store.get(account_id, name), store.secrets(account_id, name)
    if setup is None or secrets is None:  # an account without this connector looks like one that does not exist
        return HttpAnswer.detail(404, NO_SUCH_HOOK)
    try:
        inbound.authenticate(call, declared, setup, secrets, deps.services.transport, utc_now())
    except Unauthorized as refused:
        metrics.add_metric(name="HooksRefused", unit=MetricUnit.Count, value=1)
        logger.warning("hook refused", extra={"detail": refused.detail})
        inbound.record(store, setup, "refused", refused.detail, None)
        return HttpAnswer.detail(401, refused.detail)
    delivery_id = inbound.inbound_of(declared).delivery_id(call)
    metrics.add_metric(name="HooksAccepted", unit=MetricUnit.Count, value=1)
    if delivery_id is None:
        return inbound.act(call, declared, setup, deps.services)
    delivery = Delivery(connector=name, account_id=account_id, delivery_id=delivery_id[:256])
    try:
        answered = deps.act_once(delivery=delivery, call=call, declared=declared, setup=setup)
    except IdempotencyAlreadyInProgressError:
        return HttpAnswer.detail(409, "This delivery is being processed; it needs no retry.")
    return HttpAnswer(int(answered["status"]), str(answered["body"]), dict(answered["headers"]))


@logger.inject_lambda_context
@tracer.capture_lambda_handler
@metrics.log_metrics
def handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    dependencies().idempotency.register_lambda_context(context)
    try:
        return _reply(receive(event))
    except BatonError as error:  # 4xx with its sentence; Transient: 503, the provider retries
        return _reply(HttpAnswer.of_json(error.status_code, {**error.extra, "detail": error.detail}))
    except IdempotencyPersistenceLayerError:
        return _reply(HttpAnswer.detail(503, "baton's data store is busy; retry in a moment."))
    except Exception:
        logger.exception("hook failed")
        return _reply(HttpAnswer(500, json.dumps({"detail": "Internal error."}), {"Content-Type": "application/json"}))


init_heap.freeze()  # last: what the imports built is never walked by the collector again
