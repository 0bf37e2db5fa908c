"""What the OpenAPI document says each route answers: its success model and every error it can give.

Routes return pre-serialised JSON (`Response[str]`), so their answers are declared here rather than
inferred from return annotations; the error bodies are the ones `api_errors` really sends.
"""

from typing import TYPE_CHECKING, Any

from pydantic import BaseModel

from baton.domain.modeling import Model

if TYPE_CHECKING:
    from aws_lambda_powertools.event_handler.openapi.models import SecurityScheme

JSON = "application/json"
SECURITY: list[dict[str, list[str]]] = [{"bearer": []}]


def security_schemes() -> dict[str, "SecurityScheme"]:
    """The bearer scheme. Imported here, not at cold start: Powertools' OpenAPI models cost ~100 ms to load."""
    from aws_lambda_powertools.event_handler.openapi.models import HTTPBearer

    return {"bearer": HTTPBearer(bearerFormat="JWT", description="An access token of the account's OIDC issuer.")}


class Problem(Model):
    """Every error: a sentence for people. Some add facts, e.g. a 409 names who holds the handoff."""

    detail: str


class Unauthenticated(Model):
    """API Gateway's own 401 (`message`); the local gateway adds a `detail`."""

    message: str
    detail: str | None = None


class FieldProblem(Model):
    loc: list[str]
    msg: str


class InvalidInput(Model):
    """A 422: the sentence, and for input that broke the schema, each problem with where it is."""

    detail: str
    errors: list[FieldProblem] | None = None


_WHY = {
    400: "The body is not JSON (or not UTF-8, or nested too deeply to read).",
    401: "No valid bearer token.",
    403: "Not a member of any account, or the role does not allow it (the detail names the role needed).",
    404: "No such resource in the caller's account.",
    409: "The resource is not in a state that allows this (the detail says which, and who holds it).",
    410: "The resource can no longer be used (a revoked or expired invitation).",
    413: "The body is over 64 KiB.",
    415: "The body is not sent as JSON: no Content-Type, or one that is not application/json or a +json type.",
    422: "The input breaks the rules, e.g. an integer of more than 4,300 digits (the detail and `errors` say where).",
    503: "The data store is busy; retry.",
}
_ALWAYS = (401, 403, 503)
_ERROR_MODELS: dict[int, type[BaseModel]] = {401: Unauthenticated, 422: InvalidInput}


def answers(status: int, model: Any, description: str, *errors: int, body: bool = False) -> dict[int, Any]:
    """The `responses` of a route: `model` at `status`, the errors every route can give, and `errors`."""
    codes = {*_ALWAYS, *errors, *((400, 413, 415, 422) if body else ())}
    declared: dict[int, Any] = {status: {"description": description, "content": {JSON: {"model": model}}}}
    for code in sorted(codes):
        model_of_error = _ERROR_MODELS.get(code, Problem)
        declared[code] = {"description": _WHY[code], "content": {JSON: {"model": model_of_error}}}
    return declared


def no_content(description: str, *errors: int) -> dict[int, Any]:
    """The `responses` of a route that answers 204 with no body, and the errors as `answers` gives them."""
    declared = answers(200, Problem, "", *errors)
    del declared[200]
    # An empty `content`: without one, Powertools declares the handler's return type (a JSON string) for the 204.
    return {204: {"description": description, "content": {}}, **declared}
