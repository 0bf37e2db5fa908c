"""Which change means which event, and Lambda's event filtering as the local pollers apply it."""

from __future__ import annotations

import json

import pytest

from baton.events import event_for_change
from baton.models import Handoff
from local import event_filter
from tests.conftest import ROOT

BASE = Handoff(
    id="h", session_id="s", account_id="acme", intent="escalate", engineer_notes="", status="open", created_by="u",
    created_by_name="U", created_at="2026-01-01T00:00:00.000Z", updated_at="2026-01-01T00:00:00.000Z", version=1,
)  # fmt: skip


def _as(status: str, version: int) -> Handoff:
    return BASE.model_copy(update={"status": status, "version": version, "updated_at": f"2026-01-01T00:00:0{version}.000Z"})


@pytest.mark.parametrize(
    ("before", "after", "expected"),
    [
        (None, "open", "handoff_created"),
        ("open", "claimed", "handoff_claimed"),
        ("claimed", "open", "handoff_released"),
        ("claimed", "resolved", "handoff_resolved"),
        ("open", "resolved", "handoff_resolved"),
        ("open", "open", None),
        ("resolved", "resolved", None),
    ],
)
def test_status_moves_map_to_event_types(before: str | None, after: str, expected: str | None) -> None:
    event = event_for_change(_as(before, 1) if before else None, _as(after, 2), "stream-event-id")
    assert (event.type if event else None) == expected
    if event:
        assert event.event_id == "stream-event-id" and event.account_id == "acme" and event.handoff.version == 2
        assert event.occurred_at == "2026-01-01T00:00:02.000Z"


def test_the_templates_stream_filter_passes_handoff_inserts_and_modifies_only() -> None:
    from local.template import Template

    (router,) = [s for s in Template(ROOT / "template.yaml").event_sources() if s.kind == "DynamoDB"]
    record = json.loads((ROOT / "events" / "stream_router_insert.json").read_text())["Records"][0]
    assert event_filter.passes(record, router.filters)
    session = {**record, "dynamodb": {**record["dynamodb"], "NewImage": {"entity": {"S": "session"}}}}
    assert not event_filter.passes(session, router.filters)
    assert not event_filter.passes({**record, "eventName": "REMOVE"}, router.filters)


@pytest.mark.parametrize(
    ("pattern", "record", "passes"),
    [
        ({"a": ["x"]}, {"a": "x"}, True),
        ({"a": ["x"]}, {"a": "y"}, False),
        ({"a": [{"prefix": "ha"}]}, {"a": "handoff"}, True),
        ({"a": [{"suffix": "off"}]}, {"a": "handoff"}, True),
        ({"a": [{"anything-but": ["x"]}]}, {"a": "y"}, True),
        ({"a": [{"anything-but": "x"}]}, {"a": "x"}, False),
        ({"a": [{"exists": False}]}, {}, True),
        ({"a": [{"exists": True}]}, {}, False),
        ({"a": [{"numeric": [">", 1, "<=", 3]}]}, {"a": 3}, True),
        ({"a": [{"numeric": [">", 1]}]}, {"a": 1}, False),
        ({"a": [{"equals-ignore-case": "HANDOFF"}]}, {"a": "handoff"}, True),
        ({"a": {"b": ["x"]}}, {"a": {"b": "x"}}, True),
        ({"a": {"b": ["x"]}}, {"a": "not an object"}, False),
    ],
)
def test_filter_rules(pattern: dict[str, object], record: dict[str, object], passes: bool) -> None:
    assert event_filter.passes(record, [pattern]) is passes


def test_no_filters_pass_everything_and_any_matching_filter_is_enough() -> None:
    assert event_filter.passes({"a": 1}, [])
    assert event_filter.passes({"a": "y"}, [{"a": ["x"]}, {"a": ["y"]}])
