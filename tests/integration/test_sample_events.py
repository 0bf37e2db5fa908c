"""The sample events in events/ (for `sam local invoke -e`) are real: the handler accepts them."""

from __future__ import annotations

import json
import time

import pytest

from baton.domain.models import User
from local.lambda_worker import LambdaContext
from tests.conftest import ROOT

EXPECTED = {
    "api_get_me": 200,
    "api_create_session": 201,
    "api_get_queue": 200,
    # The sample session/handoff do not exist in an empty table: a clean 404, never a 500.
    "api_create_handoff": 404,
    "api_claim_handoff": 404,
    "api_release_handoff": 404,
    "api_reassign_handoff": 404,
    "api_escalate_handoff": 404,
    "api_withdraw_handoff": 404,
    "api_get_timeline": 404,
    "api_create_invitation": 201,
    "api_my_invitations": 200,
    # Someone not yet a member, with a verified email; the sample invitation does not exist: 404.
    "api_accept_invitation": 404,
    "api_put_policy": 200,
    "api_get_stats": 200,
}


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_sample_event_is_handled(users: dict[str, User], name: str) -> None:
    import api_handler

    # Given a sample event as `sam local invoke -e events/<name>.json` would send it
    event = json.loads((ROOT / "events" / f"{name}.json").read_text())
    # When the API function handles it
    result = api_handler.handler(event, LambdaContext(name, int((time.time() + 10) * 1000)))
    # Then the answer is the expected one, with a JSON body
    assert result["statusCode"] == EXPECTED[name], result["body"]
    json.loads(result["body"])


# The other functions' sample events are exercised by test_event_path.py, test_websocket_handlers.py and test_sign_up_gate.py.
OTHERS = {
    "stream_router_insert", "push_sqs", "email_sqs", "webhooks_sqs", "ws_authorizer_connect", "ws_connect", "ws_disconnect",
    "ws_hello", "ws_ping", "ws_default", "ws_resume", "timers_sqs", "digest_sqs", "sign_up_gate_pre_sign_up",
}  # fmt: skip


def test_every_sample_event_is_covered() -> None:
    assert {path.stem for path in (ROOT / "events").glob("*.json")} == set(EXPECTED) | OTHERS


@pytest.mark.parametrize("name", ["stream_router_insert", "push_sqs", "email_sqs", "webhooks_sqs", "timers_sqs", "digest_sqs"])
def test_batch_sample_events_are_processed_without_failures(users: dict[str, User], name: str) -> None:
    import importlib

    # Given a captured batch event, When its function handles it on moto, Then no record fails
    modules = {"stream_router_insert": "stream_router_handler", "timers_sqs": "timer_handler"}
    module = importlib.import_module(modules.get(name, name.replace("_sqs", "_handler")))
    event = json.loads((ROOT / "events" / f"{name}.json").read_text())
    assert module.handler(event, LambdaContext(name, int((time.time() + 10) * 1000))) == {"batchItemFailures": []}
