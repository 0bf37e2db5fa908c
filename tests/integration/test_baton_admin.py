"""baton-admin's commands on moto: the same repositories as the API, and the stack's Cognito pool."""

from __future__ import annotations

import boto3
import pytest

from baton.domain.errors import Conflict
from baton.domain.models import User
from local import provision
from tools import baton_admin


@pytest.fixture
def target(aws: dict[str, str]) -> baton_admin.Target:
    pool_id = boto3.client("cognito-idp").create_user_pool(PoolName="baton-users")["UserPool"]["Id"]
    client = provision.local_client("dynamodb", None)
    pool = baton_admin.CognitoPool(pool_id, boto3.client("cognito-idp"))
    return baton_admin._target("DataTable", client, "https://console.example", pool)


def test_create_account_invites_its_owner_and_creates_them_in_the_pool(target: baton_admin.Target) -> None:
    # When the operator creates an account
    lines = baton_admin.create_account(target, "Acme IT Services", "Olive@Acme.example", None)
    # Then it has an id from its name, a pending owner invitation, and the join link
    assert lines[0] == "Created account acme-it-services (Acme IT Services)."
    assert "  https://console.example/#/join" in lines
    (invitation,) = target.invitations.of_account("acme-it-services")
    assert invitation.email == "olive@acme.example" and invitation.role == "owner" and invitation.invited_by is None
    # And the pool has the address, verified, so they can sign in at the hosted UI
    assert target.pool is not None
    user = boto3.client("cognito-idp").admin_get_user(UserPoolId=target.pool.pool_id, Username="olive@acme.example")
    attributes = {a["Name"]: a["Value"] for a in user["UserAttributes"]}
    assert attributes["email_verified"] == "true"
    # And listing shows it, with no member yet
    assert baton_admin.list_accounts(target)[0].startswith("acme-it-services\tAcme IT Services\towners: 0")
    assert baton_admin.list_members(target, "acme-it-services")[0] == "(no members yet)"


def test_an_existing_account_id_is_refused(target: baton_admin.Target) -> None:
    baton_admin.create_account(target, "Acme", "a@acme.example", "acme")
    with pytest.raises(Conflict, match="already exists"):
        baton_admin.create_account(target, "Acme again", "b@acme.example", "acme")


def test_invite_into_an_account_with_members_and_an_existing_pool_user(
    target: baton_admin.Target, users: dict[str, User]
) -> None:
    assert baton_admin.invite(target, "acme", "sam@acme.example", baton_admin.Role.ENGINEER)[-1].startswith("Created")
    # Inviting an address the pool knows (a re-invite after expiry, say) says so instead of failing
    target.invitations.revoke(target.invitations.of_account("acme")[0], "2026-01-01T00:00:00.000Z")
    assert "already has a user" in baton_admin.invite(target, "acme", "sam@acme.example", baton_admin.Role.VIEWER)[-1]
    with pytest.raises(baton_admin.AdminError, match="No account 'nope'"):
        baton_admin.invite(target, "nope", "x@y.example", baton_admin.Role.VIEWER)
    members = baton_admin.list_members(target, "acme")
    assert any(line.startswith("senior@acme.test\tengineer") for line in members)
    assert any(line.startswith("sam@acme.example\tviewer\tinvited") for line in members)


def test_a_missing_stack_and_missing_credentials_are_told_plainly(aws: dict[str, str], monkeypatch: pytest.MonkeyPatch) -> None:
    with pytest.raises(baton_admin.AdminError, match="No stack named 'nope' in us-east-1"):
        baton_admin.stack_target("nope", "us-east-1")
    monkeypatch.delenv("AWS_ACCESS_KEY_ID", raising=False)
    monkeypatch.delenv("AWS_SECRET_ACCESS_KEY", raising=False)
    monkeypatch.setenv("AWS_SHARED_CREDENTIALS_FILE", "/nonexistent")
    monkeypatch.setenv("AWS_CONFIG_FILE", "/nonexistent")
    monkeypatch.setenv("AWS_EC2_METADATA_DISABLED", "true")
    assert baton_admin.main(["--stack", "nope", "--region", "us-east-1", "list-accounts"]) == 1
