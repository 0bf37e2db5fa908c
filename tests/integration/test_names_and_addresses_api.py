"""The red team's repros on names and addresses, through the API handler and the email path on moto: a look-alike
address never takes an invitation, and no name (the account's, an invitation's, the IdP's display name) reaches an
email header with a control, bidi-override or non-character in it."""

from __future__ import annotations

from typing import Any

import pytest
from moto.ses.models import ses_backends

from baton.domain.models import Role, User
from baton.repositories.users import UserRepository
from local import event_filter, provision
from local.template import ACCOUNT, REGION, Template
from tests.integration.builders import new_handoff
from tests.integration.conftest import ApiClient, lambda_context
from tests.integration.event_builders import sqs_event, stream_event

INVITATIONS = "/api/v1/account/invitations"
MINE = "/api/v1/invitations/mine"
ACCEPT = "/api/v1/invitations/accept"


def _signed_in(email: str, sub: str, name: str | None = None) -> dict[str, Any]:
    """The claims of someone whose IdP verified `email`, not a member of any account (yet)."""
    return {"sub": sub, "email": email, "email_verified": True, "iss": "https://idp.example", **({"name": name} if name else {})}


def test_an_identity_whose_verified_email_starts_with_the_kelvin_sign_cannot_take_kims_invitation(
    api: ApiClient, users: dict[str, User]
) -> None:
    # Given an invitation for kim-…@newco.test
    invited = api.call("POST", INVITATIONS, users["admin@acme.test"], {"email": "kim-26@newco.test", "role": "engineer"})
    assert invited.status == 201, invited.body
    # When an identity whose verified email starts with the Kelvin sign (U+212A, which lower() turns into k) looks
    kelvin = _signed_in("\u212aim-26@newco.test", "idp|kelvin")
    assert api.call("GET", MINE, None, claims=kelvin).body == []
    # Then it cannot accept it either (404, as for anyone else's invitation), and is no member
    taken = api.call("POST", ACCEPT, None, {"invitation_id": invited.body["id"]}, claims=kelvin)
    assert taken.status == 404, taken.body
    assert api.call("GET", "/api/v1/me", None, claims=kelvin).status == 403
    # And Kim, whatever the case of the address's ASCII letters, can
    kim = _signed_in("Kim-26@NewCo.test", "idp|kim")
    assert [i["id"] for i in api.call("GET", MINE, None, claims=kim).body] == [invited.body["id"]]
    assert api.call("POST", ACCEPT, None, {"invitation_id": invited.body["id"]}, claims=kim).status == 200
    # And the look-alike address cannot be invited in the first place (422 naming the field)
    refused = api.call("POST", INVITATIONS, users["admin@acme.test"], {"email": "\u212aim-27@newco.test", "role": "engineer"})
    assert refused.status == 422 and refused.body["errors"][0]["loc"] == ["body", "email"], refused.body


@pytest.mark.parametrize(
    "hostile", ["\r\nBcc: boss@evil.test", "\u2028", "\x00", "\u202e"], ids=["CRLF", "U+2028", "NUL", "U+202E"]
)
def test_an_account_name_with_a_hostile_character_is_refused_naming_the_field(
    api: ApiClient, users: dict[str, User], hostile: str
) -> None:
    owner = users["owner@acme.test"]
    before = api.call("GET", "/api/v1/account", owner).body["name"]
    # When the owner renames the account with a control, separator or bidi override in the name
    reply = api.call("PATCH", "/api/v1/account", owner, {"name": f"Acme{hostile} IT"})
    # Then 422 names the field, and the name is unchanged (it would go raw into every invitation's Subject)
    assert reply.status == 422 and reply.body["errors"][0]["loc"] == ["body", "name"], reply.body
    assert "name" in reply.body["detail"]
    assert api.call("GET", "/api/v1/account", owner).body["name"] == before


@pytest.mark.parametrize("hostile", ["\x00", "\u202e", "\ufeff", "\uffff"], ids=["NUL", "U+202E", "U+FEFF", "U+FFFF"])
def test_an_invitation_address_with_a_hostile_character_is_refused_naming_the_field(
    api: ApiClient, users: dict[str, User], hostile: str
) -> None:
    admin = users["admin@acme.test"]
    reply = api.call("POST", INVITATIONS, admin, {"email": f"eve{hostile}@example.com", "role": "viewer"})
    assert reply.status == 422 and reply.body["errors"][0]["loc"] == ["body", "email"], reply.body
    assert api.call("GET", INVITATIONS, admin).body == []


def _route(template: Template) -> None:
    import stream_router_handler

    (spec,) = [s for s in template.event_sources() if s.function == "StreamRouterFunction"]
    records = {"Records": [r for r in stream_event()["Records"] if event_filter.passes(r, spec.filters)]}
    assert stream_router_handler.handler(records, lambda_context()) == {"batchItemFailures": []}


def test_a_display_name_from_the_idp_is_cleaned_and_cannot_add_a_header_to_an_escalation_email(
    api: ApiClient, users: dict[str, User], aws: dict[str, str], template: Template
) -> None:
    import email_handler

    # Given an engineer whose IdP's display name holds CR/LF, a bidi override and a BOM, who joins by invitation
    invited = api.call("POST", INVITATIONS, users["admin@acme.test"], {"email": "mallory@example.com", "role": "engineer"})
    mallory = _signed_in("mallory@example.com", "idp|mallory", name="Mallory\r\nBcc: boss@evil.test\u202e\ufeff")
    joined = api.call("POST", ACCEPT, None, {"invitation_id": invited.body["id"]}, claims=mallory)
    assert joined.status == 200, joined.body
    # Then the name is kept, cleaned to one plain line
    assert joined.body["display_name"] == "Mallory Bcc: boss@evil.test"
    # When Mallory escalates and the event takes the email path
    session = api.call("POST", "/api/v1/ai-sessions", None, {"intake_type": "ticket", "intake_content": {}}, claims=mallory)
    handoff = api.call("POST", f"/api/v1/ai-sessions/{session.body['id']}/handoff", None, {"intent": "escalate"}, claims=mallory)
    assert handoff.status == 201, handoff.body
    _route(template)
    assert email_handler.handler(sqs_event(aws["EmailQueue"]), lambda_context()) == {"batchItemFailures": []}
    # Then every email's Subject is one line, with nothing a mail client would read as another header
    subjects = [m.subject for m in ses_backends[ACCOUNT][REGION].sent_messages if "Escalation from" in m.subject]
    assert subjects and all(s.startswith("[baton] Escalation from Mallory Bcc: boss@evil.test:") for s in subjects), subjects
    assert not any(char in subject for subject in subjects for char in "\r\n\u202e\ufeff")


def test_a_member_whose_stored_address_no_header_can_hold_is_a_bounce_and_the_others_get_their_email(
    api: ApiClient, users: dict[str, User], aws: dict[str, str], template: Template
) -> None:
    import email_handler

    # Given an engineer stored before addresses were checked, with a non-ASCII name before the @ (no To header holds it)
    UserRepository("DataTable", provision.local_client("dynamodb", None)).put(
        User(id="legacy", account_id="acme", email="jürgen@acme.test", display_name="Jürgen", role=Role.ENGINEER)
    )
    # When a junior escalates and the event takes the email path
    new_handoff(api, users["junior@acme.test"])
    _route(template)
    # Then nothing is retried, and the other seniors still get their email
    assert email_handler.handler(sqs_event(aws["EmailQueue"]), lambda_context()) == {"batchItemFailures": []}
    sent_to = {a for m in ses_backends[ACCOUNT][REGION].sent_messages for a in m.destinations["ToAddresses"]}
    assert {"senior@acme.test", "senior2@acme.test"} <= sent_to and not any("jürgen" in a for a in sent_to)
