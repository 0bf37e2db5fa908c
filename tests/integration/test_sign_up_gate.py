"""The stack's Cognito pool's pre sign-up trigger on moto: an invited address may sign itself up (so an invitation from
the console is all it takes to get in the same day), any other address is refused with a sentence Cognito shows, and
an operator's AdminCreateUser is let through."""

from __future__ import annotations

import copy
import json
from typing import Any

import pytest

from baton.domain.models import User
from local.lambda_worker import LambdaContext
from tests.conftest import ROOT
from tests.integration.conftest import ApiClient, lambda_context

SAMPLE = json.loads((ROOT / "events" / "sign_up_gate_pre_sign_up.json").read_text())


def _sign_up(email: str, source: str = "PreSignUp_SignUp") -> dict[str, Any]:
    event = copy.deepcopy(SAMPLE)
    event["triggerSource"] = source
    event["request"]["userAttributes"]["email"] = email
    return event


def _gate(event: dict[str, Any]) -> dict[str, Any]:
    import sign_up_gate_handler

    return dict(sign_up_gate_handler.handler(event, lambda_context()))


def _invite(api: ApiClient, users: dict[str, User], email: str) -> str:
    reply = api.call("POST", "/api/v1/account/invitations", users["admin@acme.test"], {"email": email, "role": "engineer"})
    assert reply.status == 201, reply.body
    return str(reply.body["id"])


def test_an_invited_address_may_sign_up_and_is_not_confirmed_for_cognito(api: ApiClient, users: dict[str, User]) -> None:
    # Given acme's admin invited new.person@example.com from the console
    _invite(api, users, "new.person@example.com")
    # When that address signs up at the hosted UI (typed with capitals: the same address)
    event = _sign_up("New.Person@example.com")
    answer = _gate(event)
    # Then Cognito may create the user, and still verifies the address itself (no auto-confirm, no auto-verify)
    assert answer == event
    assert answer["response"] == {"autoConfirmUser": False, "autoVerifyEmail": False, "autoVerifyPhone": False}


@pytest.mark.parametrize("email", ["stranger@example.com", "", "new.person@example.com.evil.test"])
def test_an_address_without_a_pending_invitation_is_refused_with_a_sentence(
    api: ApiClient, users: dict[str, User], email: str, capsys: pytest.CaptureFixture[str]
) -> None:
    import sign_up_gate_handler

    _invite(api, users, "new.person@example.com")
    capsys.readouterr()
    # When another address signs up, Then the trigger raises the sentence Cognito shows, and no user is made
    with pytest.raises(sign_up_gate_handler.SignUpRefused, match="no pending baton invitation"):
        _gate(_sign_up(email))
    # And the refusal is counted (the errors alarm subtracts refusals), without the address in the logs
    printed = capsys.readouterr().out
    assert '"SignUpsRefused"' in printed and (not email or email not in printed)


def test_a_revoked_or_used_invitation_admits_nobody(api: ApiClient, users: dict[str, User]) -> None:
    import sign_up_gate_handler

    # Given an invitation that was revoked
    invitation_id = _invite(api, users, "gone@example.com")
    assert api.call("DELETE", f"/api/v1/account/invitations/{invitation_id}", users["owner@acme.test"]).status == 204
    # Then its address may not sign up
    with pytest.raises(sign_up_gate_handler.SignUpRefused):
        _gate(_sign_up("gone@example.com"))
    # And an address whose invitation was accepted (a member: a pool user already) is refused a second account
    used_id = _invite(api, users, "joined@example.com")
    joined = api.call(
        "POST",
        "/api/v1/invitations/accept",
        None,
        {"invitation_id": used_id},
        claims={"sub": "pool|joined", "email": "joined@example.com", "email_verified": True},
    )
    assert joined.status == 200, joined.body
    with pytest.raises(sign_up_gate_handler.SignUpRefused):
        _gate(_sign_up("joined@example.com"))


def test_an_operator_creating_a_pool_user_is_let_through(aws: dict[str, str]) -> None:
    # Given an operator's AdminCreateUser (IAM rights on the pool, e.g. `make smoke`), for an address never invited
    event = _sign_up("smoke-test@example.com", source="PreSignUp_AdminCreateUser")
    # Then the trigger does not stand in the way
    assert _gate(event) == event


def test_the_sample_event_is_refused_in_an_empty_table(aws: dict[str, str]) -> None:
    import sign_up_gate_handler

    with pytest.raises(sign_up_gate_handler.SignUpRefused):
        sign_up_gate_handler.handler(copy.deepcopy(SAMPLE), LambdaContext("sample", 10_000_000_000_000))
