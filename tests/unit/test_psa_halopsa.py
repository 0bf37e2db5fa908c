"""The HaloPSA connector without I/O: the OAuth token request, a private action, the agent, the webhook with Basic
authentication, and how a webhook call is checked (its password, a replay) and read."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta

from baton.connectors import halopsa
from baton.connectors.http import HttpReply, InboundCall
from baton.connectors.psa_api import PsaConfig

SETTINGS = {"base_url": "https://msp.halopsa.com", "tenant": "msp", "escalation_status_id": 21, "api_agent_id": 99}
CONFIG = PsaConfig(SETTINGS, {"client_id": "cid", "client_secret": "csecret"}, token="tok")
NOW = datetime(2026, 12, 6, 23, 0, tzinfo=UTC)
SECRETS = {"hook_secret": "hooksecret"}


def _call(at: datetime = NOW, secret: str = "hooksecret", agent: int = 13, status: int = 21) -> InboundCall:
    ticket = {
        "id": 555,
        "summary": "Printer",
        "details": "On fire",
        "status_id": status,
        "priority_id": 2,
        "client_name": "Contoso",
    }
    payload = {
        "id": "e-1",
        "event": "ticket_updated",
        "timestamp": at.isoformat().replace("+00:00", "Z"),
        "agent_id": agent,
        "ticket": ticket,
    }
    return InboundCall("acme", {"authorization": halopsa.basic_auth(secret)}, json.dumps(payload).encode())


def test_the_token_is_client_credentials_and_calls_carry_it() -> None:
    request = halopsa.token(CONFIG)
    assert request.url == "https://msp.halopsa.com/auth/token" and request.query == {"tenant": "msp"}
    assert request.form == {"grant_type": "client_credentials", "client_id": "cid", "client_secret": "csecret", "scope": "all"}
    assert halopsa.read_token(HttpReply(200, '{"access_token": "abc"}')) == "abc"
    assert halopsa.check(CONFIG).headers == {"Authorization": "Bearer tok"}


def test_a_note_is_a_private_action_and_the_owner_is_the_ticket_s_agent() -> None:
    note = halopsa.add_note(CONFIG, "555", "Sam picked it up")
    assert note.url.endswith("/api/Actions") and note.json_body == [
        {"ticket_id": 555, "outcome": "Private Note", "note": "Sam picked it up", "hiddenfromuser": True}
    ]
    assert halopsa.set_owner(CONFIG, "555", "11").json_body == [{"id": 555, "agent_id": 11}]
    hook = halopsa.register_hook(CONFIG, "https://api.example/hooks/halopsa/acme", "hooksecret")
    assert hook.json_body[0]["basic_password"] == "hooksecret" and hook.json_body[0]["url"].endswith("/hooks/halopsa/acme")
    assert halopsa.read_hook_id(HttpReply(201, '{"id": "w-1"}')) == "w-1"


def test_a_call_with_the_secret_verifies_and_reads_as_a_ticket_change() -> None:
    call = _call()
    assert halopsa.verify(call, SECRETS, None, NOW)
    assert halopsa.delivery_id(call) == "e-1"
    change = halopsa.interpret(call, SETTINGS)
    assert change is not None and change.escalated and not change.closed and not change.by_integration
    assert (change.ticket_id, change.summary, change.client_name, change.priority) == ("555", "Printer", "Contoso", "P2")


def test_a_wrong_password_or_an_old_call_does_not_verify_and_baton_s_agent_is_an_echo() -> None:
    assert not halopsa.verify(_call(secret="guess"), SECRETS, None, NOW)
    assert not halopsa.verify(_call(at=NOW - timedelta(minutes=30)), SECRETS, None, NOW)
    mine = halopsa.interpret(_call(agent=99), SETTINGS)
    assert mine is not None and mine.by_integration
    closed = halopsa.interpret(_call(status=9), SETTINGS)
    assert closed is not None and closed.closed


def test_agents_are_read_page_by_page_until_the_record_count() -> None:
    # Given Halo's paged answers of 100 agents, 250 in all
    request = halopsa.members(CONFIG, 2, None)
    assert (request.query["pageinate"], request.query["page_no"], request.query["page_size"]) == ("true", "2", "100")
    rows = [{"id": n, "name": f"A {n}", "email": f"a{n}@x.test"} for n in range(100)]
    second = {"page_no": 2, "page_size": 100, "record_count": 250, "agents": rows}
    third = {"page_no": 3, "page_size": 100, "record_count": 250, "agents": rows[:50]}
    # Then the second page says more follow and the third that none do; a plain list is every agent at once
    assert halopsa.read_members(HttpReply(200, json.dumps(second)))[1] is True
    assert halopsa.read_members(HttpReply(200, json.dumps(third)))[1] is False
    assert halopsa.read_members(HttpReply(200, json.dumps(rows)))[1] is False
