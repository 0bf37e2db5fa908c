"""The contract guard (tests/contract_guard.py) catches a malformed event on every path it wraps, in tests
that never ask for it, even where the product swallows the failure."""

from __future__ import annotations

import asyncio
import warnings
from typing import Any

import pytest
from botocore.credentials import ReadOnlyCredentials
from jsonschema import Draft202012Validator

from baton.domain import events
from baton.logic.push import BatchConnections, push_to_account
from baton.publishers.connection_poster import ConnectionPoster
from baton.publishers.sns_events import SnsEventPublisher
from baton.publishers.websocket_connections import ManagementApiSender
from tests import event_contract
from tests.contract_guard import ContractGuard
from tests.unit.test_events_and_filters import BASE

# What resume sent before the v1 contract: the HTTP model's handoff, no envelope.
NO_ENVELOPE = b'{"type": "handoff_snapshot", "handoff": {"id": "h", "status": "open"}}'
UNREACHABLE = "http://127.0.0.1:9"  # nothing listens: a post that got past the guard would fail differently


class Recorder:
    """A boto3 client stand-in that records what it was asked to send."""

    def __init__(self) -> None:
        self.calls: list[dict[str, Any]] = []

    def publish(self, **kwargs: Any) -> None:
        self.calls.append(kwargs)

    def post_to_connection(self, **kwargs: Any) -> None:
        self.calls.append(kwargs)


class OneConnection:
    def ids_of_account(self, account_id: str) -> list[str]:
        return ["conn-1"]

    def delete(self, connection_id: str) -> None: ...


def _poster() -> ConnectionPoster:
    return ConnectionPoster(UNREACHABLE, "us-east-1", lambda: ReadOnlyCredentials("k", "s", None), 1)


def _caught(guard: ContractGuard, where: str) -> None:
    """The guard recorded a problem on `where`, and fails the test at teardown for it (then forgets it)."""
    assert len(guard.problems) == 1 and guard.problems[0].startswith(where), guard.problems
    with pytest.raises(pytest.fail.Exception, match="broke their published contract"):
        guard.verify()
    assert guard.problems == []


def test_a_test_that_never_asks_for_the_guard_has_it(request: pytest.FixtureRequest) -> None:
    # Given a test that does not name the guard, When the WebSocket sender is handed an event without its envelope
    recorder = Recorder()
    with pytest.raises(AssertionError, match=r"event-schema\.v1\.json"):
        ManagementApiSender(recorder).send("conn-1", NO_ENVELOPE)  # type: ignore[arg-type]
    # Then it is refused before it is sent, and the test would fail at teardown
    assert recorder.calls == [] and "event_contract_guard" in request.fixturenames
    _caught(request.getfixturevalue("event_contract_guard"), "ManagementApiSender")


def test_a_malformed_event_on_the_topic_is_caught(event_contract_guard: ContractGuard) -> None:
    # Given an event whose type the contract does not know
    event = events.snapshot(BASE).model_copy(update={"type": "handoff_exploded"})
    recorder = Recorder()
    # When it is published
    with warnings.catch_warnings(), pytest.raises(AssertionError, match="handoff_exploded"):
        warnings.simplefilter("ignore")  # pydantic warns that the type is not one of the Literal's
        SnsEventPublisher("arn:aws:sns:us-east-1:123456789012:EventsTopic", recorder).publish(event)  # type: ignore[arg-type]
    # Then it never reaches the topic, and the test fails
    assert recorder.calls == []
    _caught(event_contract_guard, "SnsEventPublisher")


def test_an_invitation_event_is_held_to_its_own_contract(event_contract_guard: ContractGuard) -> None:
    # When an invitation event without its invitation is published, Then the invitation schema refuses it
    message = '{"schema": "baton.invitation.v1", "type": "invitation_created", "event_id": "e", "account_id": "acme"}'
    with pytest.raises(AssertionError, match="invitation-event-schema"):
        SnsEventPublisher("arn:aws:sns:us-east-1:123456789012:EventsTopic", Recorder())._publish(  # type: ignore[arg-type]
            message, "invitation_created", "acme", {}
        )
    _caught(event_contract_guard, "SnsEventPublisher")


def test_a_malformed_push_fails_the_test_even_though_the_fan_out_swallows_it(event_contract_guard: ContractGuard) -> None:
    # When the push fan-out posts an event without its envelope (a post that raises counts as failed, and it goes on)
    report = asyncio.run(push_to_account("acme", NO_ENVELOPE, BatchConnections(OneConnection()), _poster()))  # type: ignore[arg-type]
    # Then the fan-out carried on, but the guard recorded it and fails the test
    assert report.failed == 1
    _caught(event_contract_guard, "ConnectionPoster")


def test_a_built_event_that_drifts_from_the_published_schema_is_caught(
    event_contract_guard: ContractGuard, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Given a published schema that asks for a field the model does not have
    schema = {"type": "object", "required": ["a_field_the_model_lacks"]}
    monkeypatch.setattr(event_contract, "_validator", lambda: Draft202012Validator(schema))
    # When the product builds a snapshot, Then it is caught where it is built
    with pytest.raises(AssertionError, match="a_field_the_model_lacks"):
        events.snapshot(BASE)
    _caught(event_contract_guard, "baton.domain.events")


@pytest.mark.parametrize(
    "message",
    [
        b'{"type": "ready", "account_id": "acme"}',
        b'{"type": "pong"}',
        b'{"type": "resumed", "as_of": "2026-01-01T00:00:00.000Z"}',
        b'{"hello": 1}',
        b"x",
    ],
)
def test_messages_that_are_not_events_pass(event_contract_guard: ContractGuard, message: bytes) -> None:
    # When the sender is handed a message that is not an event, Then it is sent, and nothing is recorded
    recorder = Recorder()
    ManagementApiSender(recorder).send("conn-1", message)  # type: ignore[arg-type]
    assert len(recorder.calls) == 1 and event_contract_guard.problems == []


def test_a_well_formed_event_passes_every_path(event_contract_guard: ContractGuard) -> None:
    event = events.snapshot(BASE)
    recorder = Recorder()
    SnsEventPublisher("arn:aws:sns:us-east-1:123456789012:EventsTopic", recorder).publish(event)  # type: ignore[arg-type]
    ManagementApiSender(recorder).send("conn-1", event.model_dump_json().encode())  # type: ignore[arg-type]
    assert len(recorder.calls) == 2 and event_contract_guard.problems == []
