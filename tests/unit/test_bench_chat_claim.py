"""The pick-up-from-the-chat bench's arithmetic (bench/chat_claim.py) and its rows in the table (bench/report.py),
on stand-in states written by hand: which messages are a handoff's, what is timed and what only counted."""

from __future__ import annotations

from typing import Any

from bench import chat_claim, report
from bench.chat_claim import Timed

SAM, SASHA = "Sam Senior (Acme)", "Sasha Senior (Acme)"


def _slack_message(handoff_id: str, status: str, updates: list[float]) -> dict[str, Any]:
    blocks = [
        {"type": "section", "block_id": "baton_status", "text": {"type": "mrkdwn", "text": status}},
        {"type": "actions", "elements": [{"action_id": "baton_claim", "value": f"s1|{handoff_id}"}]},
    ]
    return {"channel": "CACMEESC", "ts": f"1.{handoff_id}", "blocks": blocks, "updates": updates}


def test_each_way_is_timed_to_its_answer_and_to_the_last_update_of_every_copy() -> None:
    # Given a chat claim whose two copies were updated 0.4 s and 0.6 s after the click, and a console claim whose one
    # copy was updated 0.5 s after it
    messages = [
        _slack_message("h-chat", f":raising_hand: *Picked up by {SAM}* at …", [100.4]),
        _slack_message("h-chat", f":raising_hand: *Picked up by {SAM}* at …", [100.1, 100.6]),
        _slack_message("h-console", f":raising_hand: *Picked up by {SASHA}* at …", [200.5]),
    ]
    timed = [Timed("h-chat", "chat", SAM, 100.0, 40.0, 200), Timed("h-console", "console", SASHA, 200.0, 30.0, 200)]
    # When the figures are made
    by_handoff = chat_claim.messages_by_handoff(messages, ["h-chat", "h-console"])
    figures = chat_claim.figures(timed, by_handoff, chat_claim.SLACK.status)
    # Then each handoff has its own copies, and the last update of every copy is what counts
    assert [len(by_handoff[h]) for h in ("h-chat", "h-console")] == [2, 1]
    assert figures["chat"]["last_message_updated_ms"]["p50"] == 600.0
    assert figures["console"]["last_message_updated_ms"]["p50"] == 500.0
    assert figures["chat"]["claim_written_ms"]["p99"] == 40.0 and figures["chat"]["answered_200"] == 1
    assert figures["chat"]["not_updated"] == figures["console"]["not_updated"] == 0


def test_a_claim_whose_copies_do_not_all_name_its_claimer_is_counted_not_timed() -> None:
    # Given a chat claim with one copy still in the queue, one whose copy names someone else, and one never posted
    messages = [
        _slack_message("h-1", f"*Picked up by {SAM}*", [10.5]),
        _slack_message("h-1", ":inbox_tray: *In the queue*: waiting for a senior", []),
        _slack_message("h-2", f"*Picked up by {SASHA}*", [20.5]),
    ]
    timed = [
        Timed("h-1", "chat", SAM, 10.0, 5.0, 200),
        Timed("h-2", "chat", SAM, 20.0, 5.0, 200),
        Timed("h-3", "chat", SAM, 30.0, 5.0, 200),
    ]
    # When the figures are made
    figures = chat_claim.figures(timed, chat_claim.messages_by_handoff(messages, ["h-1", "h-2", "h-3"]), chat_claim.SLACK.status)
    # Then none is timed, and all three are counted as not updated
    assert figures["chat"]["not_updated"] == 3 and figures["chat"]["last_message_updated_ms"] == {}
    assert figures["chat"]["claims"] == 3


def test_a_teams_cards_status_is_read_from_its_status_block() -> None:
    card = {"attachments": [{"content": {"body": [{"type": "TextBlock", "id": "status", "text": f"Picked up by {SAM}"}]}}]}
    assert chat_claim.TEAMS.status(card) == f"Picked up by {SAM}"
    assert chat_claim.TEAMS.status({"type": "message", "text": "Linked"}) == ""


def test_the_table_shows_chat_beside_console_for_each_tool_that_ran() -> None:
    # Given the figures of a run that measured Slack only
    way = {
        "claims": 2,
        "answered_200": 2,
        "claim_written_ms": {"p50": 40.0, "p95": 50.0, "p99": 55.0, "max": 55.0},
        "last_message_updated_ms": {"p50": 400.0, "p95": 600.0, "p99": 650.0, "max": 650.0},
        "not_updated": 0,
    }
    console = {**way, "claim_written_ms": {"p50": 30.0, "p95": 35.0, "p99": 36.0, "max": 36.0}}
    rows = report._chat_claim_rows({"slack": {"chat": way, "console": console}})
    # Then its rows put the chat's p50 / p99 beside the console's, and Teams has none
    cells = {label: cell for _, label, cell, _ in rows}
    assert cells["Slack: click -> claim written, p50 / p99 ms, chat vs console (same run)"] == "40.0 / 55.0 vs 30.0 / 36.0"
    assert (
        cells["Slack: click -> last chat message updated, p50 / p99 ms, chat vs console (same run)"]
        == "400.0 / 650.0 vs 400.0 / 650.0"
    )
    assert not any(label.startswith("Teams") for label in cells)
