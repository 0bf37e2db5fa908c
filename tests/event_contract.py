"""The published event contract (docs/event-schema.v1.json): every event the tests see is checked against it."""

from __future__ import annotations

import json
from functools import cache
from typing import Any

from jsonschema import Draft202012Validator

from baton.domain.events import HandoffEvent
from baton.domain.invitation_events import InvitationEvent
from tests.conftest import ROOT

SCHEMA_PATH = ROOT / "docs" / "event-schema.v1.json"
# The invitation event goes to the email subscription only (never to WebSockets): its own contract.
INVITATION_SCHEMA_PATH = ROOT / "docs" / "invitation-event-schema.v1.json"


def generated_schema() -> dict[str, Any]:
    schema = HandoffEvent.model_json_schema(by_alias=True, mode="serialization")
    return {"$schema": "https://json-schema.org/draft/2020-12/schema", "$id": "baton.event.v1", **schema}


def generated_invitation_schema() -> dict[str, Any]:
    schema = InvitationEvent.model_json_schema(by_alias=True, mode="serialization")
    return {"$schema": "https://json-schema.org/draft/2020-12/schema", "$id": "baton.invitation.v1", **schema}


def checked_invitation(event: dict[str, Any]) -> dict[str, Any]:
    validator = Draft202012Validator(json.loads(INVITATION_SCHEMA_PATH.read_text()))
    problems = sorted(validator.iter_errors(event), key=str)
    assert not problems, f"event breaks {INVITATION_SCHEMA_PATH.name}: {problems[0].message} at {list(problems[0].path)}"
    return event


def checked(event: dict[str, Any]) -> dict[str, Any]:
    """The event, after asserting it follows the published schema."""
    problems = sorted(_validator().iter_errors(event), key=str)
    assert not problems, f"event breaks docs/event-schema.v1.json: {problems[0].message} at {list(problems[0].path)}"
    return event


def check_message(message: Any) -> None:
    """Check `message` against its contract if it is an event: a `baton.*` schema, or a `handoff_*` or
    `invitation_*` type (an envelope that lost its `schema` still counts, and fails). Anything else
    (ready, pong, error, resumed, a webhook card) is not an event and passes."""
    if not isinstance(message, dict):
        return
    schema, kind = message.get("schema"), str(message.get("type", ""))
    if schema == "baton.invitation.v1" or (schema is None and kind.startswith("invitation_")):
        checked_invitation(message)
    elif schema is not None or kind.startswith("handoff_"):
        checked(message)


@cache
def _validator() -> Draft202012Validator:
    return Draft202012Validator(json.loads(SCHEMA_PATH.read_text()))


if __name__ == "__main__":  # python -m tests.event_contract: regenerate the published schema from the model
    SCHEMA_PATH.write_text(json.dumps(generated_schema(), indent=2) + "\n")
    INVITATION_SCHEMA_PATH.write_text(json.dumps(generated_invitation_schema(), indent=2) + "\n")
