"""Teams/Slack rules without I/O: the URL allowlist, what a provider's answer means, which events are announced."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from baton.connectors.registry import connector
from baton.domain import ladder, lifecycle, webhook_rules
from baton.domain.errors import Invalid
from baton.domain.events import HandoffEvent
from baton.domain.models import Handoff, Triage
from baton.domain.webhook_rules import ProviderAnswer
from baton.logic import channels, chat_copies

TEAMS = connector("teams").allowlist.default_hosts
SLACK = connector("slack").allowlist.default_hosts


@pytest.mark.parametrize(
    "url",
    [
        "https://contoso.webhook.office.com/webhookb2/abc",
        "https://prod-12.westeurope.logic.azure.com:443/workflows/abc/triggers/manual/paths/invoke?sig=x",
        "https://default1234.56.environment.api.powerplatform.com/powerautomate/automations/direct/workflows/x",
        "HTTPS://Contoso.Webhook.Office.com/webhookb2/abc",
    ],
)
def test_teams_urls_of_the_providers_hosts_pass(url: str) -> None:
    webhook_rules.check_webhook_url("Microsoft Teams", url, TEAMS)


@pytest.mark.parametrize(
    ("host", "port", "allowed", "expected"),
    [
        ("hooks.slack.com", None, ("hooks.slack.com",), True),
        ("hooks.slack.com", 443, ("hooks.slack.com",), True),
        ("hooks.slack.com", 8443, ("hooks.slack.com",), False),
        ("a.hooks.slack.com", None, ("hooks.slack.com",), False),
        ("x.webhook.office.com", None, ("*.webhook.office.com",), True),
        ("webhook.office.com", None, ("*.webhook.office.com",), False),
        ("evilwebhook.office.com", None, ("*.webhook.office.com",), False),
        ("127.0.0.1", 4443, ("127.0.0.1:4443",), True),
        ("127.0.0.1", None, ("127.0.0.1:4443",), False),
    ],
)
def test_host_allowlist(host: str, port: int | None, allowed: tuple[str, ...], expected: bool) -> None:
    assert webhook_rules.host_allowed(host, port, allowed) is expected


@given(st.text(max_size=80))
def test_any_text_is_either_a_valid_slack_url_or_a_422_never_another_error(text: str) -> None:
    try:
        webhook_rules.check_webhook_url("Slack", text, SLACK)
    except Invalid as refused:
        assert refused.status_code == 422 and refused.extra["errors"][0]["loc"] == ["body", "webhook_url"]
    else:
        assert text.lower().startswith("https://hooks.slack.com")


@given(st.from_regex(r"[a-z0-9.-]{1,30}", fullmatch=True))
def test_only_the_allowlisted_host_passes(host: str) -> None:
    url = f"https://{host}/services/x"
    try:
        webhook_rules.check_webhook_url("Slack", url, SLACK)
    except Invalid:
        assert host != "hooks.slack.com"
    else:
        assert host.rstrip(".") == "hooks.slack.com"


@pytest.mark.parametrize(
    ("answer", "expected"),
    [
        (ProviderAnswer(status=200, body="ok"), "delivered"),
        (ProviderAnswer(status=202), "delivered"),
        (ProviderAnswer(status=301), "rejected"),  # redirects are not followed
        (ProviderAnswer(status=400, body="invalid_payload"), "rejected"),
        (ProviderAnswer(status=403, body="action_prohibited"), "rejected"),
        (ProviderAnswer(status=404, body="channel_not_found"), "rejected"),
        (ProviderAnswer(status=410, body="channel_is_archived"), "rejected"),
        (ProviderAnswer(status=408), "retry"),
        (ProviderAnswer(status=429), "retry"),
        (ProviderAnswer(status=500), "retry"),
        (ProviderAnswer(status=503), "retry"),
        (ProviderAnswer(status=None, error="ReadTimeoutError"), "retry"),
    ],
)
def test_what_a_providers_answer_means(answer: ProviderAnswer, expected: str) -> None:
    assert webhook_rules.meaning(answer) == expected


def _event(kind: str, intent: str = "escalate", overdue_level: int = 0) -> HandoffEvent:
    handoff = {
        "id": "h1",
        "session_id": "s1",
        "account_id": "acme",
        "intent": intent,
        "engineer_notes": "x" * 5000,
        "status": "open",
        "created_by": "u1",
        "created_by_name": "Jules",
        "created_at": "2026-11-26T06:00:00.000Z",
        "claimed_by": None,
        "claimed_by_name": None,
        "claimed_at": None,
        "resolved_at": None,
        "resolution_notes": None,
        "due_at": None,
        "overdue_level": overdue_level,
        "session": Triage().model_dump(),  # every triage field, none set
        "updated_at": "2026-11-26T06:00:00.000Z",
        "version": 1,
    }
    return HandoffEvent.model_validate(
        {
            "type": kind,
            "event_id": "e1",
            "occurred_at": "x",
            "account_id": "acme",
            "actor": None,
            "handoff": handoff,
            "timeline_entry": None,
        }
    )


@pytest.mark.parametrize(
    ("kind", "intent", "announced"),
    [
        ("handoff_created", "escalate", True),
        ("handoff_created", "park", False),
        ("handoff_escalated", "escalate", True),
        ("handoff_overdue", "escalate", True),
        ("handoff_claimed", "escalate", False),
        ("handoff_reassigned", "escalate", False),
    ],
)
def test_which_events_are_announced(kind: str, intent: str, announced: bool) -> None:
    assert channels.is_announced(_event(kind, intent)) is announced


def test_long_notes_are_cut_to_what_slack_takes_and_an_overdue_message_says_its_level() -> None:
    message = channels.announcement(_event("handoff_overdue", overdue_level=3), "https://console.example/")
    assert len(message.notes) == channels.NOTES_MAX and message.notes.endswith("…")
    assert "level 3" in message.title and ("Overdue level", "3") in message.facts
    assert message.link == "https://console.example/#/handoffs/s1/h1"
    slack = channels.payload("slack", message)
    assert all(len(block["text"]["text"]) <= 3000 for block in slack["blocks"] if block["type"] == "section" and "text" in block)


@pytest.mark.parametrize(
    ("error", "words"),
    [
        ("ReadTimeoutError", "it took too long to answer"),
        ("NewConnectionError (ConnectionRefusedError)", "the connection was refused"),
        ("SSLError (SSLCertVerificationError)", "the secure connection failed"),
        (None, "no answer came"),
    ],
)
def test_a_missing_answer_is_said_in_words_not_an_error_class(error: str | None, words: str) -> None:
    # Given a post that got no answer, When it is described to people, Then it is a sentence without the class name
    said = webhook_rules.describe("Slack", ProviderAnswer(status=None, error=error))
    assert said.startswith(f"Slack did not answer: {words}.")
    assert "Error" not in said


PARK_EVENTS = sorted(set(lifecycle.ALL_EVENT_TYPES) - {"handoff_escalated", "handoff_overdue"})


@pytest.mark.parametrize("kind", PARK_EVENTS)
def test_a_chat_tool_is_never_told_of_a_park_so_its_events_can_be_left_unread(kind: str) -> None:
    """The chat consumers read nothing for a park's events (chat_copies.may_concern): sound while no event a park can
    have is announced (a copy is posted only for an announced event). `handoff_escalated` makes the park an
    escalation (its event shows intent escalate), and the ladder never raises a park (no `handoff_overdue`)."""
    # Given an event a park can have, When asked, Then it is not announced and no chat tool is concerned
    event = _event(kind, "park")
    assert not channels.is_announced(event)
    assert not chat_copies.may_concern(event)
    # And the same event of an escalation may concern a chat tool (an app's messages follow every change)
    assert chat_copies.may_concern(_event(kind, "escalate"))


def test_the_ladder_raises_open_escalations_never_a_park() -> None:
    def open_handoff(intent: str) -> Handoff:
        return Handoff.model_validate({**_event("handoff_created", intent).handoff.model_dump(), "entity": "handoff"})

    assert ladder.on_ladder(open_handoff("escalate")) and not ladder.on_ladder(open_handoff("park"))
