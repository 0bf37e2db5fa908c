"""The invitation email on moto: the table's stream (filtered as template.yaml says) -> stream router ->
SNS (the template's filter policies) -> the email queue only -> the email handler -> SES."""

from __future__ import annotations

import json
from typing import Any

from moto.ses.models import ses_backends

from baton.domain.models import User
from local import event_filter
from local.template import ACCOUNT, REGION, Template
from tests.event_contract import checked_invitation
from tests.integration.conftest import ApiClient, lambda_context
from tests.integration.event_builders import sqs_event, stream_event


def _as_the_template_filters(template: Template) -> dict[str, Any]:
    (spec,) = [s for s in template.event_sources() if s.function == "StreamRouterFunction"]
    return {"Records": [r for r in stream_event()["Records"] if event_filter.passes(r, spec.filters)]}


def _route(template: Template) -> dict[str, Any]:
    import stream_router_handler

    return dict(stream_router_handler.handler(_as_the_template_filters(template), lambda_context()))


def _mail_to(address: str) -> list[Any]:
    return [m for m in ses_backends[ACCOUNT][REGION].sent_messages if address in m.destinations["ToAddresses"]]


def test_an_invitation_is_emailed_to_the_address_and_never_pushed(
    api: ApiClient, users: dict[str, User], aws: dict[str, str], template: Template
) -> None:
    import email_handler
    import push_handler

    # Given acme's admin invited a new address
    created = api.call(
        "POST", "/api/v1/account/invitations", users["admin@acme.test"], {"email": "ivy@example.com", "role": "viewer"}
    )
    assert created.status == 201
    # When the table's stream goes through the stream router
    assert _route(template) == {"batchItemFailures": []}
    # Then the email queue holds one invitation_created event, and the push queue nothing at all
    assert sqs_event(aws["PushQueue"])["Records"] == []
    emailed = sqs_event(aws["EmailQueue"])
    (event,) = [checked_invitation(json.loads(r["body"])) for r in emailed["Records"]]
    assert event["type"] == "invitation_created" and event["schema"] == "baton.invitation.v1"
    assert event["invitation"]["email"] == "ivy@example.com" and event["account_id"] == "acme"
    # When the email handler takes it, Then SES sends one email to the invited address, with the join link
    assert email_handler.handler(emailed, lambda_context()) == {"batchItemFailures": []}
    (mail,) = _mail_to("ivy@example.com")
    assert "Acme IT" in mail.subject and "as a viewer" in mail.body and "/#/join" in mail.body
    # And a redelivery sends no second email
    assert email_handler.handler(emailed, lambda_context()) == {"batchItemFailures": []}
    assert len(_mail_to("ivy@example.com")) == 1
    # And if one ever reached the push handler, it is dropped, not pushed nor failed
    assert push_handler.handler(emailed, lambda_context()) == {"batchItemFailures": []}


def test_accepting_or_revoking_sends_nothing_more(
    api: ApiClient, users: dict[str, User], aws: dict[str, str], template: Template
) -> None:
    admin = users["admin@acme.test"]
    first = api.call("POST", "/api/v1/account/invitations", admin, {"email": "a@example.com", "role": "engineer"}).body
    second = api.call("POST", "/api/v1/account/invitations", admin, {"email": "b@example.com", "role": "engineer"}).body
    assert _route(template) == {"batchItemFailures": []}
    assert len(sqs_event(aws["EmailQueue"])["Records"]) == 2
    # When one is accepted and the other revoked, and the stream is routed again
    claims = {"sub": "a-sub", "email": "a@example.com", "email_verified": "true"}
    assert api.call("POST", "/api/v1/invitations/accept", None, {"invitation_id": first["id"]}, claims=claims).status == 200
    assert api.call("DELETE", f"/api/v1/account/invitations/{second['id']}", admin).status == 204
    import stream_router_handler

    # Then the template's filter keeps both changes from the router
    assert [r for r in _as_the_template_filters(template)["Records"] if r["eventName"] == "MODIFY"] == []
    # And even if they reached it, the router would publish nothing for them
    changes = [
        r
        for r in stream_event()["Records"]
        if r["eventName"] == "MODIFY" and r["dynamodb"]["NewImage"]["entity"] == {"S": "invitation"}
    ]
    assert len(changes) == 2
    assert stream_router_handler.handler({"Records": changes}, lambda_context()) == {"batchItemFailures": []}
    assert sqs_event(aws["EmailQueue"])["Records"] == [] and sqs_event(aws["PushQueue"])["Records"] == []
