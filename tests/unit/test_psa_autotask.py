"""The Autotask connector without I/O: its headers, an internal note, the assigned resource with its role, the
webhook with its fields and excluded resource, and how a webhook call is checked (HMAC-SHA1, a replay) and read."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from baton.connectors import autotask
from baton.connectors.http import HttpReply, InboundCall
from baton.connectors.psa_api import PsaConfig
from baton.domain.errors import Invalid

SETTINGS = {
    "zone_url": "https://webservices5.autotask.net/atservicesrest/",
    "escalation_status_id": 14,
    "resource_role_id": 29683459,
    "api_resource_id": 29680099,
}
CONFIG = PsaConfig(SETTINGS, {"integration_code": "CODE", "username": "api@msp.test", "secret": "s"})
NOW = datetime(2026, 12, 6, 23, 0, tzinfo=UTC)
SECRETS = {"hook_secret": "hooksecret"}


def _call(at: datetime = NOW, secret: str = "hooksecret", **fields: Any) -> InboundCall:
    payload = {
        "Guid": "g-1",
        "EntityType": "Ticket",
        "Id": 777,
        "Action": "Update",
        "PersonID": 29680003,
        "SequenceNumber": 5,
        "EventTime": at.isoformat().replace("+00:00", "Z"),
        "Fields": {"status": 14, "title": "Printer", "description": "On fire", "priority": 4, **fields},
    }
    body = json.dumps(payload).encode()
    return InboundCall("acme", {"x-hook-signature": autotask.signature(secret, body)}, body)


def test_calls_carry_the_api_user_headers_on_the_zone() -> None:
    request = autotask.check(CONFIG)
    assert request.url == "https://webservices5.autotask.net/atservicesrest/v1.0/ThresholdInformation"
    assert request.headers == {"ApiIntegrationCode": "CODE", "UserName": "api@msp.test", "Secret": "s"}


def test_a_note_is_internal_and_the_owner_comes_with_its_role() -> None:
    note = autotask.add_note(CONFIG, "777", "Sam picked it up\nmore")
    assert note.url.endswith("/v1.0/Tickets/777/Notes")
    assert note.json_body["publish"] == autotask.PUBLISH_INTERNAL and note.json_body["title"] == "Sam picked it up"
    owner = autotask.set_owner(CONFIG, "777", "29680001")
    assert owner.method == "PATCH" and owner.json_body == {
        "id": 777,
        "assignedResourceID": 29680001,
        "assignedResourceRoleID": 29683459,
    }


def test_the_webhook_is_registered_with_its_secret_fields_and_baton_s_user_excluded() -> None:
    hook = autotask.register_hook(CONFIG, "https://api.example/hooks/autotask/acme", "hooksecret")
    assert hook.json_body["secretKey"] == "hooksecret" and hook.json_body["webhookUrl"].endswith("/hooks/autotask/acme")
    assert autotask.read_hook_id(HttpReply(200, '{"itemId": 42}')) == "42"
    extras = autotask.hook_extras(CONFIG, "42")
    assert [e.url.rsplit("/", 1)[-1] for e in extras].count("Fields") == len(autotask.WEBHOOK_FIELDS)
    assert extras[-1].url.endswith("/TicketWebhooks/42/ExcludedResources") and extras[-1].json_body["resourceID"] == 29680099


def test_a_signed_fresh_call_verifies_and_reads_as_a_ticket_change() -> None:
    call = _call()
    assert autotask.verify(call, SECRETS, None, NOW)
    assert autotask.delivery_id(call) == "g-1:777:5"
    change = autotask.interpret(call, SETTINGS)
    assert change is not None and change.escalated and not change.closed and not change.by_integration
    assert (change.ticket_id, change.summary, change.priority, change.changed_by) == ("777", "Printer", "P1", "29680003")
    assert "ww5.autotask.net" in change.url


def test_a_forged_or_replayed_call_does_not_verify() -> None:
    assert not autotask.verify(_call(secret="guess"), SECRETS, None, NOW)
    assert not autotask.verify(_call(at=NOW - timedelta(minutes=30)), SECRETS, None, NOW)
    assert not autotask.verify(_call(), {}, None, NOW)


def test_complete_is_closed_and_baton_s_own_user_is_an_echo() -> None:
    closed = autotask.interpret(_call(status=5), SETTINGS)
    assert closed is not None and closed.closed and not closed.escalated
    payload = json.loads(_call().body)
    payload["PersonID"] = 29680099
    mine = autotask.interpret(InboundCall("acme", {}, json.dumps(payload).encode()), SETTINGS)
    assert mine is not None and mine.by_integration


def test_resources_are_paged_by_the_next_page_url_on_the_zone_only() -> None:
    # Given a first page of resources that names its next page
    first = autotask.members(CONFIG, 1, None)
    assert first.url.endswith("/v1.0/Resources/query") and json.loads(first.query["search"])["MaxRecords"] == 500
    next_url = "https://webservices5.autotask.net/ATServicesRest/V1.0/Resources/query/next?paging=abc"
    page = {"items": [{"id": 1, "firstName": "A", "email": "a@x.test"}], "pageDetails": {"nextPageUrl": next_url}}
    reply = HttpReply(200, json.dumps(page))
    # Then more follow, and the next request is that URL with the API user's headers
    assert autotask.read_members(reply)[1] is True
    second = autotask.members(CONFIG, 2, reply)
    assert second.url == next_url and second.headers["Secret"] == "s"
    # And the last page says none follow
    assert autotask.read_members(HttpReply(200, json.dumps({"items": [], "pageDetails": {"nextPageUrl": None}}))) == ([], False)
    # But a next page on another host, or over http, is never followed
    for elsewhere in ("https://evil.example/Resources/query/next?paging=abc", next_url.replace("https:", "http:")):
        away = HttpReply(200, json.dumps({"items": [], "pageDetails": {"nextPageUrl": elsewhere}}))
        with pytest.raises(Invalid):
            autotask.members(CONFIG, 2, away)
