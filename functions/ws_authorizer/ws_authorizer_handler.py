"""WebSocket `$connect` REQUEST authorizer: consumes the single-use ticket, denies viewers.

A ticket that is unknown, used or expired is denied (a Deny policy: API Gateway answers 403), not raised: a raise
is a Lambda error, and every stale tab reconnecting would page the on-call. A connect without a ticket at all is
answered 401 by API Gateway without calling the authorizer (the identity source is missing).
"""

from __future__ import annotations

import gc

gc.disable()  # no collection during init: what it builds lives as long as the environment (baton.init_heap)

from functools import cache
from typing import Any

import boto3
from aws_lambda_powertools.utilities.typing import LambdaContext

from baton import init_heap
from baton.domain.errors import Forbidden, Unauthorized
from baton.logic import realtime
from baton.observability import instruments
from baton.repositories.connections import ConnectionRepository
from baton.repositories.users import UserRepository
from baton.settings import Settings
from baton.snapstart import on_snapstart

logger, metrics, tracer = instruments()
on_snapstart()  # with SnapStart: every model built before the snapshot, a fresh `random` after each restore


@cache
def repositories() -> tuple[ConnectionRepository, UserRepository]:
    settings = Settings.from_env()
    client = boto3.client("dynamodb")
    return ConnectionRepository(settings.connections_table_name, client), UserRepository(settings.data_table_name, client)


def _policy(principal: str, effect: str, resource: str, context: dict[str, str] | None = None) -> dict[str, Any]:
    policy: dict[str, Any] = {
        "principalId": principal,
        "policyDocument": {
            "Version": "2012-10-17",
            "Statement": [{"Action": "execute-api:Invoke", "Effect": effect, "Resource": resource}],
        },
    }
    if context:
        policy["context"] = context
    return policy


@logger.inject_lambda_context
@tracer.capture_lambda_handler
@metrics.log_metrics
def handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    ticket = (event.get("queryStringParameters") or {}).get("ticket")
    connections, users = repositories()
    try:
        user = realtime.authorize_connect(ticket, connections, users)
    except Unauthorized as refusal:
        logger.info("connect refused", extra={"reason": refusal.detail})
        return _policy("unknown-ticket", "Deny", event["methodArn"])
    except Forbidden as refusal:
        logger.info("connect denied", extra={"reason": refusal.detail})
        return _policy("viewer", "Deny", event["methodArn"])
    return _policy(user.id, "Allow", event["methodArn"], {"account_id": user.account_id, "user_id": user.id, "role": user.role})


init_heap.freeze()  # last: what the imports built is never walked by the collector again
