"""The published event schema is the model's own: a change to one without the other fails here."""

from __future__ import annotations

import json

from tests.event_contract import INVITATION_SCHEMA_PATH, SCHEMA_PATH, generated_invitation_schema, generated_schema


def test_the_published_schema_matches_the_event_model() -> None:
    # Given the schema in docs/, When the model's schema is generated, Then they are the same document
    assert json.loads(SCHEMA_PATH.read_text()) == generated_schema(), "run: .venv/bin/python -m tests.event_contract"


def test_the_published_invitation_schema_matches_its_model() -> None:
    assert json.loads(INVITATION_SCHEMA_PATH.read_text()) == generated_invitation_schema(), (
        "run: .venv/bin/python -m tests.event_contract"
    )
