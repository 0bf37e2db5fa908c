"""A function whose environment lacks a setting fails the invocation at once, naming the variable, before any record
is tried (not five retries per record and a dead letter that says nothing about the cause)."""

from __future__ import annotations

import importlib
import json

import pytest

from baton.settings import MissingSettings
from tests.conftest import ROOT
from tests.integration.conftest import clear_handler_caches, lambda_context

HANDLERS = {
    "stream_router_handler": "stream_router_insert",
    "push_handler": "push_sqs",
    "email_handler": "email_sqs",
    "timer_handler": "timers_sqs",
    "webhooks_handler": "webhooks_sqs",
    "ws_handler": "ws_hello",
    "digest_handler": "digest_sqs",
    "sign_up_gate_handler": "sign_up_gate_pre_sign_up",
}


@pytest.mark.parametrize(("module", "sample"), sorted(HANDLERS.items()))
def test_a_missing_topic_arn_fails_the_invocation_naming_it(
    aws: dict[str, str], monkeypatch: pytest.MonkeyPatch, module: str, sample: str
) -> None:
    # Given a function deployed without EVENTS_TOPIC_ARN (on a cold start: nothing cached)
    monkeypatch.delenv("EVENTS_TOPIC_ARN")
    monkeypatch.setenv("WEBHOOK_CHANNEL", "teams")
    clear_handler_caches()
    handler = importlib.import_module(module).handler
    event = json.loads((ROOT / "events" / f"{sample}.json").read_text())
    # When it is invoked with its sample event
    with pytest.raises(MissingSettings) as raised:
        handler(event, lambda_context())
    # Then the invocation fails, and the error names the variable and where it comes from
    assert "EVENTS_TOPIC_ARN" in str(raised.value) and "template.yaml" in str(raised.value)
