"""The ConnectWise PSA connector without I/O: the requests it builds (auth, internal notes, JSON Patch owner, the
callback registration), how it reads members and notes, and how it checks a callback (the key only from the
configured site over https, the signature, a replay)."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from baton.connectors import connectwise
from baton.connectors.http import HttpReply, InboundCall
from baton.connectors.psa_api import PsaConfig
from baton.domain.errors import Unauthorized

SETTINGS = {"site": "api-na.myconnectwise.net", "company_id": "acme", "escalation_status": "Escalate to T2"}
CONFIG = PsaConfig(SETTINGS, {"public_key": "pub", "private_key": "priv", "client_id": "cid"})
NOW = datetime(2026, 12, 6, 23, 0, tzinfo=UTC)
KEY = b'{"signing_key": "s3cret"}'


def _callback(**entity: Any) -> dict[str, Any]:
    ticket = {
        "id": 4711,
        "summary": "VPN down",
        "initialDescription": "Tunnel flaps",
        "status": {"name": "Escalate to T2"},
        "company": {"name": "Contoso"},
        "priority": {"name": "Priority 2 - High"},
        "closedFlag": False,
        "_info": {"lastUpdated": NOW.isoformat().replace("+00:00", "Z"), "updatedBy": "jdoe"},
        **entity,
    }
    return {
        "MessageId": "m-1",
        "MemberId": "jdoe",
        "Type": "ticket",
        "Action": "updated",
        "ID": 4711,
        "Entity": json.dumps(ticket),
        "Metadata": {"key_url": "https://api-na.myconnectwise.net/v4_6_release/apis/3.0/system/callbackkey/k1"},
    }


def _signed(payload: dict[str, Any], key: str = "s3cret") -> InboundCall:
    body = json.dumps(payload).encode()
    digest = hmac.new(hashlib.sha256(key.encode()).digest(), body, hashlib.sha256).digest()
    return InboundCall("acme", {"x-content-signature": base64.b64encode(digest).decode()}, body)


def test_every_call_carries_basic_auth_of_company_and_keys_and_the_client_id() -> None:
    request = connectwise.check(CONFIG)
    assert request.url == "https://api-na.myconnectwise.net/v4_6_release/apis/3.0/system/info"
    assert request.headers["Authorization"] == "Basic " + base64.b64encode(b"acme+pub:priv").decode()
    assert request.headers["clientId"] == "cid"


def test_a_note_is_internal_and_the_owner_is_a_json_patch() -> None:
    note = connectwise.add_note(CONFIG, "4711", "Sam picked it up")
    assert note.method == "POST" and note.url.endswith("/service/tickets/4711/notes")
    assert note.json_body == {
        "text": "Sam picked it up",
        "internalAnalysisFlag": True,
        "detailDescriptionFlag": False,
        "resolutionFlag": False,
    }
    owner = connectwise.set_owner(CONFIG, "4711", "ssenior")
    assert owner.method == "PATCH" and owner.json_body == [{"op": "replace", "path": "owner", "value": {"identifier": "ssenior"}}]


def test_the_callback_is_registered_for_every_ticket_and_suppresses_baton_s_own_changes() -> None:
    request = connectwise.register_hook(CONFIG, "https://api.example/hooks/connectwise/acme", "unused")
    assert request.url.endswith("/system/callbacks")
    assert request.json_body["url"] == "https://api.example/hooks/connectwise/acme"
    assert request.json_body["type"] == "ticket" and request.json_body["isSelfSuppressedFlag"] is True
    assert connectwise.read_hook_id(HttpReply(201, '{"id": 77}')) == "77"


def test_members_and_notes_are_read_from_their_pages() -> None:
    rows = [{"identifier": f"m{i}", "firstName": "A", "lastName": "B", "primaryEmail": f"m{i}@x.test"} for i in range(100)]
    members, more = connectwise.read_members(HttpReply(200, json.dumps(rows)))
    assert len(members) == 100 and more and members[0].email == "m0@x.test" and members[0].name == "A B"
    assert connectwise.read_members(HttpReply(200, "[]")) == ([], False)
    assert connectwise.read_notes(HttpReply(200, '[{"text": "a"}, {"text": "b"}]')) == ["a", "b"]


def test_a_signed_fresh_callback_verifies_and_reads_as_a_ticket_change() -> None:
    call = _signed(_callback())
    assert connectwise.key_url(call, SETTINGS) == _callback()["Metadata"]["key_url"]
    assert connectwise.verify(call, {}, KEY, NOW)
    assert connectwise.delivery_id(call) == "m-1"
    change = connectwise.interpret(call, SETTINGS)
    assert change is not None and change.escalated and not change.closed and not change.by_integration
    assert (change.ticket_id, change.summary, change.client_name, change.priority) == ("4711", "VPN down", "Contoso", "P2")
    assert change.changed_by == "jdoe" and "service_recid=4711" in change.url


@pytest.mark.parametrize(
    ("call", "key", "now"),
    [
        (_signed(_callback(), key="guessed"), KEY, NOW),  # forged
        (_signed(_callback()), b'{"signing_key": "other"}', NOW),  # the key of someone else
        (_signed(_callback()), KEY, NOW + timedelta(minutes=30)),  # an old change sent again
        (InboundCall("acme", {}, json.dumps(_callback()).encode()), KEY, NOW),  # unsigned
        (_signed(_callback()), b"not json", NOW),
    ],
    ids=["forged", "wrong-key", "replayed", "unsigned", "bad-key"],
)
def test_a_callback_that_does_not_verify_is_refused(call: InboundCall, key: bytes, now: datetime) -> None:
    assert not connectwise.verify(call, {}, key, now)


@pytest.mark.parametrize(
    "key_url",
    [
        "https://evil.example/v4_6_release/apis/3.0/system/callbackkey/k1",
        "http://api-na.myconnectwise.net/v4_6_release/apis/3.0/system/callbackkey/k1",
        "https://api-na.myconnectwise.net@evil.example/k1",
        "https://api-na.myconnectwise.net:8443/k1",
        "",
    ],
)
def test_a_signing_key_anywhere_but_the_configured_site_over_https_is_never_fetched(key_url: str) -> None:
    payload = {**_callback(), "Metadata": {"key_url": key_url}}
    with pytest.raises(Unauthorized):
        connectwise.key_url(_signed(payload), SETTINGS)


def test_a_change_by_the_api_member_is_baton_s_own_and_a_closed_ticket_reads_closed() -> None:
    mine = connectwise.interpret(_signed({**_callback(), "MemberId": "baton"}), {**SETTINGS, "api_member": "baton"})
    assert mine is not None and mine.by_integration
    closed = connectwise.interpret(_signed(_callback(closedFlag=True, status={"name": "Closed"})), SETTINGS)
    assert closed is not None and closed.closed and not closed.escalated
    assert connectwise.interpret(_signed({**_callback(), "Type": "company"}), SETTINGS) is None
