"""baton-admin's commands on moto: the same repositories as the API. Nothing is created in the stack's Cognito pool:
an invited address signs itself up there (its pre sign-up trigger admits it, tests/integration/test_sign_up_gate.py)."""

from __future__ import annotations

from pathlib import Path

import pytest

from baton.domain.errors import Conflict
from baton.domain.models import User
from local import provision
from tools import baton_admin


@pytest.fixture
def target(aws: dict[str, str]) -> baton_admin.Target:
    client = provision.local_client("dynamodb", None)
    return baton_admin._target("DataTable", client, "https://console.example")


def test_create_account_invites_its_owner(target: baton_admin.Target) -> None:
    # When the operator creates an account
    lines = baton_admin.create_account(target, "Acme IT Services", "Olive@Acme.example", None)
    # Then it has an id from its name, a pending owner invitation, and the join link
    assert lines[0] == "Created account acme-it-services (Acme IT Services)."
    assert "  https://console.example/#/join" in lines
    (invitation,) = target.invitations.of_account("acme-it-services")
    assert invitation.email == "olive@acme.example" and invitation.role == "owner" and invitation.invited_by is None
    # And listing shows it, with no member yet
    assert baton_admin.list_accounts(target)[0].startswith("acme-it-services\tAcme IT Services\towners: 0")
    assert baton_admin.list_members(target, "acme-it-services")[0] == "(no members yet)"


def test_an_existing_account_id_is_refused(target: baton_admin.Target) -> None:
    baton_admin.create_account(target, "Acme", "a@acme.example", "acme")
    with pytest.raises(Conflict, match="already exists"):
        baton_admin.create_account(target, "Acme again", "b@acme.example", "acme")


def test_invite_into_an_account_with_members_and_again_after_a_revoke(target: baton_admin.Target, users: dict[str, User]) -> None:
    assert baton_admin.invite(target, "acme", "sam@acme.example", baton_admin.Role.ENGINEER)[0].startswith("Invited sam@")
    # Inviting the address again after its invitation was revoked replaces it
    target.invitations.revoke(target.invitations.of_account("acme")[0], "2026-01-01T00:00:00.000Z")
    assert "as viewer" in baton_admin.invite(target, "acme", "sam@acme.example", baton_admin.Role.VIEWER)[0]
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


def test_invite_bulk_invites_each_line_and_says_which_were_skipped(
    target: baton_admin.Target, users: dict[str, User], tmp_path: Path
) -> None:
    # Given a CSV with a header, two new people, a member, a bad address, an unknown role and a blank line
    people = tmp_path / "people.csv"
    people.write_text(
        "email,role\nana@acme.example,engineer\nben@acme.example,admin\nsenior@acme.test,engineer\n"
        "not an address,engineer\ncid@acme.example,boss\n\n",
        encoding="utf-8",
    )
    # When the operator invites them in bulk
    lines = baton_admin.invite_bulk(target, "acme", people.read_text())
    # Then the two new people are invited, and each other line is named with its reason
    assert lines[:2] == [line for line in lines if line.startswith("Invited")]
    assert {i.email: i.role.value for i in target.invitations.of_account("acme")} == {
        "ana@acme.example": "engineer",
        "ben@acme.example": "admin",
    }
    skipped = [line for line in lines if line.startswith("Skipped")]
    assert [line.split(" (")[0] for line in skipped] == ["Skipped line 4", "Skipped line 5", "Skipped line 6"]
    assert "already a member" in skipped[0] and "role" in skipped[2]
    assert lines[-1].startswith("2 invited, 3 skipped.")
