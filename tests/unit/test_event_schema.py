"""The published event schema is the model's own: a change to one without the other fails here. The sample
events in events/ follow it."""

from __future__ import annotations

import contextlib
import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.conftest import ROOT
from tests.event_contract import (
    INVITATION_SCHEMA_PATH,
    SCHEMA_PATH,
    check_message,
    generated_invitation_schema,
    generated_schema,
)


def test_the_published_schema_matches_the_event_model() -> None:
    # Given the schema in docs/, When the model's schema is generated, Then they are the same document
    assert json.loads(SCHEMA_PATH.read_text()) == generated_schema(), "run: .venv/bin/python -m tests.event_contract"


def test_the_published_invitation_schema_matches_its_model() -> None:
    assert json.loads(INVITATION_SCHEMA_PATH.read_text()) == generated_invitation_schema(), (
        "run: .venv/bin/python -m tests.event_contract"
    )


SAMPLES = sorted((ROOT / "events").glob("*.json"))
# The samples of the functions that consume events (`sam local invoke -e`): each carries at least one.
CARRY_EVENTS = {"push_sqs", "email_sqs", "webhooks_sqs"}


def _envelopes(value: Any) -> Iterator[dict[str, Any]]:
    """Every event in a sample: at any depth, including inside JSON text (an SQS record's body)."""
    if isinstance(value, str) and value.lstrip().startswith("{"):
        with contextlib.suppress(ValueError):
            yield from _envelopes(json.loads(value))
    elif isinstance(value, list):
        for item in value:
            yield from _envelopes(item)
    elif isinstance(value, dict):
        if "schema" in value or str(value.get("type", "")).startswith(("handoff_", "invitation_")):
            yield value
        else:
            for item in value.values():
                yield from _envelopes(item)


@pytest.mark.parametrize("sample", SAMPLES, ids=[path.stem for path in SAMPLES])
def test_every_event_in_a_sample_follows_its_contract(sample: Path) -> None:
    # Given a sample event of events/, When each event it carries is checked, Then each follows its published schema
    for event in _envelopes(json.loads(sample.read_text())):
        check_message(event)


def test_the_samples_of_event_consumers_carry_events() -> None:
    # The test above checks something: the consumers' samples hold envelopes it finds
    carrying = {path.stem for path in SAMPLES if any(_envelopes(json.loads(path.read_text())))}
    assert carrying >= CARRY_EVENTS, CARRY_EVENTS - carrying
