"""Every error of the HTTP API becomes `{"detail": "<sentence>"}` here, in one place."""

from __future__ import annotations

import json
from typing import Any

from aws_lambda_powertools import Logger, Metrics
from aws_lambda_powertools.event_handler import APIGatewayHttpResolver, Response, content_types
from aws_lambda_powertools.event_handler.openapi.exceptions import RequestValidationError
from aws_lambda_powertools.metrics import MetricUnit
from aws_lambda_powertools.utilities.idempotency.exceptions import (
    IdempotencyAlreadyInProgressError,
    IdempotencyPersistenceLayerError,
    IdempotencyValidationError,
)

from baton.domain.errors import BatonError, WriteConflict


def error_response(status: int, detail: str, extra: dict[str, Any] | None = None) -> Response[str]:
    body = {**(extra or {}), "detail": detail}
    return Response(status_code=status, content_type=content_types.APPLICATION_JSON, body=json.dumps(body))


def register(app: APIGatewayHttpResolver, logger: Logger, metrics: Metrics | None = None) -> None:
    @app.exception_handler(BatonError)
    def domain_error(error: BatonError) -> Response[str]:
        if isinstance(error, WriteConflict) and metrics is not None:
            # The http-5xx alarm subtracts these 503s (template.yaml, HttpApi5xxAlarm).
            metrics.add_metric(name="WriteConflicts", unit=MetricUnit.Count, value=1)
        return error_response(error.status_code, error.detail, error.extra)

    @app.exception_handler(RequestValidationError)
    def invalid_request(error: RequestValidationError) -> Response[str]:
        problems = error.errors()
        if any(problem.get("type") == "json_invalid" for problem in problems):
            return error_response(400, "The request body is not valid JSON.")
        errors = [
            {"loc": [str(part) for part in problem.get("loc", ())], "msg": str(problem.get("msg", ""))} for problem in problems
        ]
        return error_response(422, _summary(errors), {"errors": errors})

    @app.exception_handler(RecursionError)
    def too_deep(_: RecursionError) -> Response[str]:
        return error_response(400, "The request body is nested too deeply to read.")

    @app.exception_handler(UnicodeDecodeError)
    def not_utf8(_: UnicodeDecodeError) -> Response[str]:
        return error_response(400, "The request body is not valid JSON (it is not even UTF-8 text).")

    @app.exception_handler(IdempotencyValidationError)
    def key_reused(_: IdempotencyValidationError) -> Response[str]:
        return error_response(422, "This Idempotency-Key was already used with a different request body.")

    @app.exception_handler(IdempotencyAlreadyInProgressError)
    def key_in_flight(_: IdempotencyAlreadyInProgressError) -> Response[str]:
        return error_response(409, "A request with this Idempotency-Key is still in progress; retry shortly.")

    @app.exception_handler(IdempotencyPersistenceLayerError)
    def key_store_unavailable(error: IdempotencyPersistenceLayerError) -> Response[str]:
        # Powertools calls the idempotency table itself (not through dynamo_errors): a throttle lands here.
        logger.warning("idempotency store failed", extra={"reason": repr(error.__cause__ or error)})
        return error_response(503, "The data store is busy; retry in a moment.")

    @app.not_found
    def no_route(_: Exception) -> Response[str]:
        return error_response(404, "No such endpoint.")

    @app.exception_handler(Exception)
    def unexpected(error: Exception) -> Response[str]:
        logger.exception("unhandled error")
        return error_response(500, "Internal error; it has been logged.")


def _summary(errors: list[dict[str, Any]]) -> str:
    first = errors[0] if errors else {"loc": [], "msg": "invalid input"}
    where = ".".join(first["loc"]) or "request"
    more = f" (and {len(errors) - 1} more)" if len(errors) > 1 else ""
    return f"Invalid {where}: {first['msg']}{more}."
