"""schemathesis against the hook endpoint (`POST /hooks/{name}/{account_id}`) over real HTTP, with what a caller
that is not the provider can send: unsigned or garbage bodies (Slack's form, a Bot Framework activity, any JSON),
made-up signature and bearer headers, every connector name and a few accounts. Each answer is a 4xx with a `detail`
sentence, never a 5xx and never a 2xx (nothing verifies).

The hooks are not in the API's OpenAPI document (`GET /api/v1/openapi.json`): their requests are the providers'
shapes (Slack's interactivity payloads, Bot Framework activities, the PSAs' callbacks), versioned by them and
accepted only when signed as they sign, and they are served by the hooks function, not the API's. So the document
schemathesis reads here is written below, for this test: what a caller may send, and the answers the hooks declare
to anyone who cannot sign (401 not verified, 404 no such hook, 409 a delivery in progress, 413 too large).

globex has Slack set up as an app and Teams as a bot (the stand-ins' own), so those calls reach the verifier.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from typing import Any

import httpx
import pytest
import requests
import schemathesis
from hypothesis import HealthCheck, given, settings
from schemathesis.checks import content_type_conformance, not_a_server_error, response_schema_conformance, status_code_conformance
from schemathesis.core.failures import FailureGroup

from baton.connectors.registry import NAMES
from tests.e2e.conftest import Stack

ACCOUNT = "globex"
EXAMPLES = int(os.environ.get("BATON_SCHEMATHESIS_EXAMPLES", "12")) * 5
CHECKS = (not_a_server_error, status_code_conformance, content_type_conformance, response_schema_conformance)
REFUSED = {
    "description": "Not done, with the sentence that says why.",
    "content": {
        "application/json": {
            "schema": {"type": "object", "required": ["detail"], "properties": {"detail": {"type": "string", "minLength": 1}}}
        }
    },
}
HOOKS = {
    "openapi": "3.0.3",
    "info": {"title": "baton's hooks, as anyone but the provider can call them", "version": "1"},
    "paths": {
        "/hooks/{name}/{account_id}": {
            "post": {
                "parameters": [
                    {"name": "name", "in": "path", "required": True, "schema": {"type": "string", "enum": [*NAMES, "nosuch"]}},
                    {
                        "name": "account_id",
                        "in": "path",
                        "required": True,
                        "schema": {"type": "string", "enum": [ACCOUNT, "acme", "no-such-account"]},
                    },
                    {"name": "X-Slack-Signature", "in": "header", "schema": {"type": "string"}},
                    {"name": "X-Slack-Request-Timestamp", "in": "header", "schema": {"type": "string"}},
                    {"name": "Authorization", "in": "header", "schema": {"type": "string"}},
                ],
                "requestBody": {
                    "required": True,
                    "content": {
                        # Slack: interactivity (`payload`, a JSON string) and slash commands.
                        "application/x-www-form-urlencoded": {
                            "schema": {
                                "type": "object",
                                "properties": {
                                    "payload": {"type": "string"},
                                    "command": {"type": "string"},
                                    "text": {"type": "string"},
                                    "user_id": {"type": "string"},
                                },
                            }
                        },
                        # Teams (a Bot Framework activity) and the PSAs' callbacks: any JSON.
                        "application/json": {"schema": {}},
                    },
                },
                "responses": {"401": REFUSED, "404": REFUSED, "409": REFUSED, "413": REFUSED},
            }
        }
    },
}
schema = schemathesis.openapi.from_dict(HOOKS)
(OPERATION,) = [result.ok() for result in schema.get_all_operations()]


@pytest.fixture(scope="module")
def chat_apps(stack: Stack) -> Iterator[None]:
    """globex's Slack app and Teams bot (the stand-ins' own for globex), removed afterwards."""
    state = httpx.get(f"{stack.base_url}/local/connectors", timeout=10).json()
    app, teams = state["slack"]["state"]["apps"][ACCOUNT], state["teams"]["state"]
    bot = teams["bots"][ACCOUNT]
    bodies: dict[str, dict[str, Any]] = {
        "slack": {
            "settings": {"channel_id": app["channel_id"]},
            "secrets": {"bot_token": app["bot_token"], "signing_secret": app["signing_secret"]},
        },
        "teams": {
            "settings": {
                "tenant_id": bot["tenant_id"],
                "service_url": bot["service_url"],
                "conversation_id": bot["conversation_id"],
                "openid_metadata_url": f"{teams['metadata_base']}/v1/.well-known/openidconfiguration",
            },
            "secrets": {"app_id": bot["app_id"], "app_password": bot["app_password"]},
        },
    }
    with stack.client(f"owner@{ACCOUNT}.test") as owner:
        for name, body in bodies.items():
            reply = owner.put(f"/api/v1/account/connectors/{name}", json=body)
            assert reply.status_code == 200, reply.text
        try:
            yield
        finally:
            for name in bodies:
                owner.delete(f"/api/v1/account/connectors/{name}")


def test_no_unsigned_or_garbage_call_to_a_hook_is_done_or_a_server_error(stack: Stack, chat_apps: None) -> None:
    problems: list[str] = []
    statuses: dict[int, int] = {}
    session = requests.Session()

    @given(case=OPERATION.as_strategy())
    @settings(max_examples=EXAMPLES, deadline=None, suppress_health_check=list(HealthCheck))
    def call(case: schemathesis.Case) -> None:
        # When anyone but the provider calls a hook, with whatever body and headers
        response = case.call(base_url=stack.base_url, session=session)
        statuses[response.status_code] = statuses.get(response.status_code, 0) + 1
        # Then it is a declared 4xx with its sentence: never done, never a server error
        for check in CHECKS:
            try:
                case.validate_response(response, checks=[check])
            except FailureGroup as failed:
                problems.append(
                    f"{check.__name__}: {case.path_parameters} -> {response.status_code} {response.text[:300]}\n{failed}"
                )

    try:
        call()
    finally:
        session.close()
    assert not problems, f"{len(problems)} failed checks; the first:\n" + "\n".join(problems[:3])
    # And the calls reached the verifier of a set-up hook, not only "no such hook"
    assert statuses.get(401), statuses
