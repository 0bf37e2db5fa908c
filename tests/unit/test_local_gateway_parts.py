"""Pieces of the local gateway: route matching, events, responses, the JWT check, the template."""

from __future__ import annotations

import json

import jwt
import pytest

from local.http_api import Router, build_event, to_response
from local.oidc import JwtAuthorizer, LocalIssuer, TokenRejected
from local.template import Template
from tests.conftest import ROOT


@pytest.fixture(scope="module")
def template() -> Template:
    return Template(ROOT / "template.yaml", {"JwtIssuer": "http://127.0.0.1:1/local/oidc", "JwtAudience": "aud"})


def test_literal_segments_beat_path_variables(template: Template) -> None:
    router = Router(template.http_routes())
    queue = router.match("GET", "/api/v1/ai-sessions/queue")
    session = router.match("GET", "/api/v1/ai-sessions/5a1b")
    assert queue and queue.route.path == "/api/v1/ai-sessions/queue" and queue.path_parameters == {}
    assert session and session.path_parameters == {"session_id": "5a1b"}


def test_a_path_no_route_names_goes_to_the_greedy_catch_all_and_nothing_else_does(template: Template) -> None:
    router = Router(template.http_routes())
    # Given a method or a path the API does not have, When it is matched, Then the /api/v1/{proxy+} route takes it
    unknown = router.match("DELETE", "/api/v1/ai-sessions/5a1b")
    assert unknown and unknown.route.path == "/api/v1/{proxy+}" and unknown.path_parameters == {"proxy": "ai-sessions/5a1b"}
    empty = router.match("GET", "/api/v1/ai-sessions//handoffs")
    assert empty and empty.route.path == "/api/v1/{proxy+}"
    # And a path that a route names never does; outside /api/v1 and for OPTIONS (CORS preflight) nothing matches
    assert router.match("POST", "/api/v1/ai-sessions/5a1b/handoff").route.path.endswith("/handoff")  # type: ignore[union-attr]
    assert router.match("GET", "/api/v2/anything") is None
    assert router.match("OPTIONS", "/api/v1/me") is None
    assert router.match("GET", "/api/v1") is None


def test_every_template_route_has_a_handler_route_and_back(template: Template) -> None:
    # Given the template's HttpApi events and the API function's own OpenAPI document
    import api_handler

    # (the API function's routes: a provider's calls to /hooks are another function's, outside the API document)
    declared = {(r.method, r.path) for r in template.http_routes() if not r.path.endswith("+}") and r.function == "ApiFunction"}
    schema = api_handler.app.get_openapi_schema().model_dump(by_alias=True, exclude_none=True)
    handled = {
        (method.upper(), path)
        for path, item in schema["paths"].items()
        for method in item
        if method in ("get", "post", "put", "patch", "delete")
    }
    # Then both name exactly the same endpoints
    assert declared == handled


def test_the_event_is_payload_format_2(template: Template) -> None:
    match = Router(template.http_routes()).match("POST", "/api/v1/ai-sessions/abc/handoff")
    assert match
    event = build_event(
        match,
        "POST",
        "/api/v1/ai-sessions/abc/handoff",
        "a=1&a=2",
        [("a", "1"), ("a", "2")],
        [("Content-Type", "application/json"), ("X-Twice", "1"), ("x-twice", "2"), ("Cookie", "c=1; d=2")],
        b'{"intent":"park"}',
        "127.0.0.1",
        {"sub": "u1", "groups": ["a", "b"]},
    )
    assert event["version"] == "2.0" and event["routeKey"] == "POST /api/v1/ai-sessions/{session_id}/handoff"
    assert event["pathParameters"] == {"session_id": "abc"} and event["queryStringParameters"] == {"a": "1,2"}
    assert event["headers"]["x-twice"] == "1,2" and event["cookies"] == ["c=1", "d=2"]
    assert event["requestContext"]["authorizer"]["jwt"]["claims"] == {"sub": "u1", "groups": "[a b]"}
    assert event["body"] == '{"intent":"park"}' and event["isBase64Encoded"] is False


def test_results_without_status_code_are_200_json() -> None:
    assert to_response({"a": 1}).status == 200
    assert to_response({"statusCode": 201, "body": "{}", "headers": {"X-A": "b"}}).headers == {"x-a": "b"}


def test_authorizer_rejects_tokens_of_an_unknown_key_and_accepts_its_own() -> None:
    issuer, other = LocalIssuer("http://i", "aud"), LocalIssuer("http://i", "aud")
    authorizer = JwtAuthorizer("http://i", ["aud"], issuer.jwks())
    assert authorizer.claims(f"Bearer {issuer.token_for('u', 'u@x.test')}")["sub"] == "u"
    with pytest.raises(TokenRejected, match="key"):
        authorizer.claims(f"Bearer {other.token_for('u', 'u@x.test')}")
    with pytest.raises(TokenRejected, match="expired"):
        authorizer.claims(f"Bearer {issuer.token_for('u', 'u@x.test', lifetime=-120)}")


def test_template_resolves_local_names_and_the_authorizer(template: Template) -> None:
    api = template.functions()["ApiFunction"]
    assert api.environment["DATA_TABLE_NAME"] == "DataTable" and api.environment["IDEMPOTENCY_TABLE_NAME"] == "IdempotencyTable"
    assert api.handler == "api_handler.handler" and api.layer_dirs == [ROOT / "layers" / "baton", ROOT / "layers" / "slack"]
    assert api.layers == ["BatonLayer", "SlackLayer"]  # the Globals' layer, then its own (SAM appends them)
    authorizer = template.jwt_authorizer()
    assert authorizer.issuer == "http://127.0.0.1:1/local/oidc" and authorizer.audience == ["aud"]
    data = template.tables()["DataTable"]
    assert data["StreamSpecification"] == {"StreamViewType": "NEW_AND_OLD_IMAGES"}
    assert {index["IndexName"] for index in data["GlobalSecondaryIndexes"]} == {
        "users_by_account",
        "open_queue",
        "open_queue_by_intent",
        "handoff_changes",
        "handoffs_by_created",
        "handoffs_by_holder",
        "handoffs_by_creator",
    }


@pytest.mark.parametrize(("claim", "value"), [("exp", "9999999999"), ("nbf", "0"), ("iat", True), ("sub", 7), ("sub", "")])
def test_authorizer_refuses_claims_of_the_wrong_type(claim: str, value: object) -> None:
    # Given a token the issuer signed, whose claim has a value PyJWT alone would coerce or let through
    issuer = LocalIssuer("http://i", "aud")
    claims = jwt.decode(issuer.token_for("u", "u@x.test"), options={"verify_signature": False}) | {claim: value}
    token = jwt.api_jws.encode(json.dumps(claims).encode(), issuer._private_key, "RS256", {"kid": issuer.kid})
    # When it is checked, Then it is refused
    with pytest.raises(TokenRejected):
        JwtAuthorizer("http://i", ["aud"], issuer.jwks()).claims(f"Bearer {token}")
