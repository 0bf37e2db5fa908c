"""HTTP API v1: the Lambda entry point. Each area's routes live in its own `api_routes_*` module."""

import gc

gc.disable()  # no collection during init: what it builds lives as long as the environment (baton.init_heap)

import json
from typing import Any

import api_routes_chat_links
from aws_lambda_powertools.event_handler import APIGatewayHttpResolver, Response, content_types
from aws_lambda_powertools.logging import correlation_paths
from aws_lambda_powertools.utilities.typing import LambdaContext

import api_errors
import api_request_body
import api_routes_account
import api_routes_connectors
import api_routes_handoffs
import api_routes_integrations
import api_routes_live
import api_routes_mine
import api_routes_people
import api_routes_sessions
import api_routes_sla
from api_dependencies import dependencies
from api_openapi import JSON, SECURITY, security_schemes
from baton import init_heap
from baton.observability import instruments
from baton.snapstart import on_snapstart

logger, metrics, tracer = instruments()
app = APIGatewayHttpResolver(enable_validation=True, json_body_deserializer=api_request_body.json_loads)
api_errors.register(app, logger, metrics)
# The queue's literal path is included before the session's `<session_id>` route that would also match it.
for routes in (
    api_routes_people,
    api_routes_account,
    api_routes_sessions,
    api_routes_handoffs,
    api_routes_live,
    api_routes_sla,
    api_routes_integrations,
    api_routes_connectors,
    api_routes_mine,
    api_routes_chat_links,
):
    app.include_router(routes.router)


def _refused(status: int, detail: str) -> dict[str, Any]:
    """An answer given before routing, in the same shape as every other error."""
    return {"statusCode": status, "headers": {"Content-Type": "application/json"}, "body": json.dumps({"detail": detail})}


@app.get(
    "/api/v1/openapi.json",
    summary="This document",
    responses={200: {"description": "The OpenAPI document.", "content": {JSON: {"schema": {"type": "object"}}}}},
    openapi_extensions={"security": []},
)
def openapi() -> Response[str]:
    return Response(
        status_code=200,
        content_type=content_types.APPLICATION_JSON,
        body=app.get_openapi_json_schema(
            title="baton HTTP API", version="1.0.0", security_schemes=security_schemes(), security=SECURITY
        ),
    )


@logger.inject_lambda_context(correlation_id_path=correlation_paths.API_GATEWAY_HTTP)
@tracer.capture_lambda_handler
@metrics.log_metrics
def handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    refused = api_request_body.refusal(event)  # before the event handler, which would parse forms and multipart
    if refused is not None:
        return _refused(refused.status, refused.detail)
    dependencies().idempotency.register_lambda_context(context)
    return app.resolve(api_request_body.as_json(event), context)


# With SnapStart: every route's validation (the OpenAPI document builds it) and every model before the snapshot.
on_snapstart(openapi)

init_heap.freeze()  # last: what the imports built is never walked by the collector again
