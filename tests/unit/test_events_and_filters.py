"""Which change means which event, and Lambda's event filtering as the local pollers apply it."""

from __future__ import annotations

import json

import pytest

from baton.domain.events import Actor, HandoffEvent, event_for_change, snapshot
from baton.domain.models import Handoff, TimelineEntry
from local import event_filter
from tests.conftest import ROOT

BASE = Handoff(
    id="h", session_id="s", account_id="acme", intent="escalate", engineer_notes="", status="open", created_by="u",
    created_by_name="U", created_at="2026-01-01T00:00:00.000Z", updated_at="2026-01-01T00:00:00.000Z", version=1,
    timeline=[TimelineEntry(at="2026-01-01T00:00:00.000Z", action="create", actor_id="u", actor_name="U", version=1)],
)  # fmt: skip


def _after(action: str, status: str) -> Handoff:
    entry = TimelineEntry(at="2026-01-01T00:00:02.000Z", action=action, actor_id="s", actor_name="Sam", version=2)
    return BASE.model_copy(update={"status": status, "version": 2, "updated_at": entry.at, "timeline": [*BASE.timeline, entry]})


@pytest.mark.parametrize(
    ("action", "status", "expected"),
    [
        ("claim", "claimed", "handoff_claimed"),
        ("release", "open", "handoff_released"),
        ("reassign", "claimed", "handoff_reassigned"),
        ("escalate", "open", "handoff_escalated"),
        ("withdraw", "withdrawn", "handoff_withdrawn"),
        ("resolve", "resolved", "handoff_resolved"),
        ("overdue", "open", "handoff_overdue"),
        ("an-action-of-the-future", "open", None),
    ],
)
def test_the_appended_timeline_entry_names_the_event(action: str, status: str, expected: str | None) -> None:
    # Given a change that appended one timeline entry, When the router reads it
    event = event_for_change(BASE, _after(action, status), "stream-event-id")
    # Then its action names the event, which carries that entry and its actor
    assert (event.type if event else None) == expected
    if event:
        assert event.event_id == "stream-event-id" and event.account_id == "acme" and event.handoff.version == 2
        assert event.occurred_at == "2026-01-01T00:00:02.000Z"
        assert event.actor is not None and event.actor.name == "Sam"
        assert event.timeline_entry is not None and event.timeline_entry.action == action


def test_an_insert_is_a_created_event_and_a_change_without_an_entry_is_none() -> None:
    created = event_for_change(None, BASE, "e1")
    assert created is not None and created.type == "handoff_created" and created.actor == Actor(id="u", name="U")
    assert event_for_change(BASE, BASE.model_copy(update={"engineer_notes": "x"}), "e2") is None


def test_the_envelope_names_its_schema_and_never_carries_the_timeline() -> None:
    event = event_for_change(None, BASE, "e1")
    assert event is not None
    body = json.loads(event.model_dump_json())
    assert body["schema"] == "baton.event.v1" and "timeline" not in body["handoff"]
    assert HandoffEvent.model_validate_json(event.model_dump_json()) == event


def test_a_snapshot_has_no_actor_and_no_entry() -> None:
    event = snapshot(_after("claim", "claimed"))
    assert (event.type, event.actor, event.timeline_entry, event.handoff.version) == ("handoff_snapshot", None, None, 2)


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
