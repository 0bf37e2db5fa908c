"""Accounts and people through the API handler on moto: invitations (create, list, revoke, mine,
accept), removing a member, the account itself; every security rule of issue 11 has its test here
or in tests/e2e/test_accounts_live.py (concurrency, WebSockets)."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest

from baton.domain.clock import iso, new_id, utc_now
from baton.domain.models import Invitation, Role, User
from baton.repositories.invitations import InvitationRepository
from local import provision
from tests.integration.conftest import ApiClient

INVITATIONS = "/api/v1/account/invitations"
MINE = "/api/v1/invitations/mine"
ACCEPT = "/api/v1/invitations/accept"


def newcomer(email: str, verified: Any = True, sub: str | None = None) -> dict[str, Any]:
    """The claims of someone signed in at the issuer who is not a member of any account (yet)."""
    claims: dict[str, Any] = {"sub": sub or f"idp|{new_id()}", "email": email, "iss": "https://idp.example"}
    if verified is not None:
        claims["email_verified"] = verified
    return claims


def invite(api: ApiClient, by: User, email: str, role: str = "engineer") -> dict[str, Any]:
    reply = api.call("POST", INVITATIONS, by, {"email": email, "role": role})
    assert reply.status == 201, reply.body
    return dict(reply.body)


class FakeUserInfo:
    """The issuer's userinfo endpoint, as the API's adapter answers it."""

    def __init__(self, answers: dict[str, dict[str, Any]]) -> None:
        self.answers = answers
        self.asked: list[tuple[str, str]] = []

    def userinfo(self, issuer: str, token: str) -> dict[str, Any]:
        self.asked.append((issuer, token))
        return self.answers.get(token, {})


@pytest.fixture
def userinfo(api: ApiClient, monkeypatch: pytest.MonkeyPatch) -> FakeUserInfo:
    """The API's userinfo adapter answering from a dict (its HTTP side is tested in tests/e2e)."""
    import api_dependencies

    fake = FakeUserInfo({})
    monkeypatch.setattr(api_dependencies.dependencies().userinfo, "userinfo", fake.userinfo)
    return fake


# --- the account ------------------------------------------------------------------------------


def test_members_read_the_account_and_only_an_owner_renames_it(api: ApiClient, users: dict[str, User]) -> None:
    # Given acme's viewer, When they read the account, Then it is theirs with its name
    reply = api.call("GET", "/api/v1/account", users["viewer@acme.test"])
    assert reply.status == 200 and reply.body["id"] == "acme" and reply.body["name"] == "Acme IT"
    # When an admin renames it, Then 403; When the owner does, Then it is renamed for everyone
    assert api.call("PATCH", "/api/v1/account", users["admin@acme.test"], {"name": "Acme"}).status == 403
    renamed = api.call("PATCH", "/api/v1/account", users["owner@acme.test"], {"name": "  Acme Managed IT "})
    assert renamed.status == 200 and renamed.body["name"] == "Acme Managed IT"
    assert api.call("GET", "/api/v1/account", users["junior@acme.test"]).body["name"] == "Acme Managed IT"
    # And globex is untouched; a blank name or an unknown field is a 422
    assert api.call("GET", "/api/v1/account", users["owner@globex.test"]).body["name"] == "Globex Managed Services"
    assert api.call("PATCH", "/api/v1/account", users["owner@acme.test"], {"name": "   "}).status == 422
    assert api.call("PATCH", "/api/v1/account", users["owner@acme.test"], {"name": "x", "id": "globex"}).status == 422


# --- creating, listing, revoking ---------------------------------------------------------------


def test_an_admin_invites_an_engineer_and_sees_it_pending_for_seven_days(api: ApiClient, users: dict[str, User]) -> None:
    # Given acme's admin, When they invite a new address (any case)
    created = invite(api, users["admin@acme.test"], "  New.Person@Example.COM ")
    # Then it is pending for 7 days, for the lower-cased address, in acme
    assert created["status"] == "pending" and created["email"] == "new.person@example.com" and created["role"] == "engineer"
    assert created["account_id"] == "acme" and created["account_name"] == "Acme IT"
    days = (utc_now() - timedelta(days=7)).isoformat()
    assert created["expires_at"] > days and created["invited_by_name"] == users["admin@acme.test"].display_name
    # And the owner lists it; globex's owner does not see it
    assert [i["id"] for i in api.call("GET", INVITATIONS, users["owner@acme.test"]).body] == [created["id"]]
    assert api.call("GET", INVITATIONS, users["owner@globex.test"]).body == []


@pytest.mark.parametrize("who", ["junior@acme.test", "viewer@acme.test"])
def test_engineers_and_viewers_cannot_invite_or_list_invitations(api: ApiClient, users: dict[str, User], who: str) -> None:
    assert api.call("POST", INVITATIONS, users[who], {"email": "x@example.com", "role": "viewer"}).status == 403
    assert api.call("GET", INVITATIONS, users[who]).status == 403


def test_an_admin_cannot_invite_owners_but_an_owner_can(api: ApiClient, users: dict[str, User]) -> None:
    refused = api.call("POST", INVITATIONS, users["admin@acme.test"], {"email": "boss@example.com", "role": "owner"})
    assert refused.status == 403 and "owner" in refused.body["detail"]
    assert invite(api, users["owner@acme.test"], "boss@example.com", "owner")["role"] == "owner"


def test_a_second_pending_invitation_or_a_member_address_is_a_409(api: ApiClient, users: dict[str, User]) -> None:
    invite(api, users["admin@acme.test"], "twice@example.com")
    again = api.call("POST", INVITATIONS, users["owner@acme.test"], {"email": "TWICE@example.com", "role": "viewer"})
    assert again.status == 409 and "pending invitation" in again.body["detail"]
    member = api.call("POST", INVITATIONS, users["admin@acme.test"], {"email": "senior@acme.test", "role": "viewer"})
    assert member.status == 409 and "already a member" in member.body["detail"]
    # And the same address may be invited by another account at the same time
    assert invite(api, users["admin@globex.test"], "twice@example.com")["account_id"] == "globex"


@pytest.mark.parametrize(
    "body", [{"email": "not-an-email", "role": "engineer"}, {"email": "a@b.co", "role": "boss"}, {"email": "a@b.co"}]
)
def test_bad_invitations_are_422(api: ApiClient, users: dict[str, User], body: dict[str, Any]) -> None:
    reply = api.call("POST", INVITATIONS, users["admin@acme.test"], body)
    assert reply.status == 422 and reply.body["detail"]


def test_revoke_is_204_once_then_409_and_another_accounts_invitation_is_404(api: ApiClient, users: dict[str, User]) -> None:
    created = invite(api, users["admin@acme.test"], "gone@example.com")
    path = f"{INVITATIONS}/{created['id']}"
    # When globex's owner tries to revoke acme's invitation, Then it does not exist for them
    assert api.call("DELETE", path, users["owner@globex.test"]).status == 404
    # When acme's admin revokes it, Then 204 and it is no longer pending; a second revoke is 409
    assert api.call("DELETE", path, users["admin@acme.test"]).status == 204
    assert api.call("GET", INVITATIONS, users["admin@acme.test"]).body == []
    assert api.call("DELETE", path, users["admin@acme.test"]).status == 409
    assert api.call("DELETE", f"{INVITATIONS}/not-a-uuid", users["admin@acme.test"]).status == 422


# --- mine and accept -----------------------------------------------------------------------------


def test_a_newcomer_sees_their_invitation_joins_once_and_is_then_a_member(api: ApiClient, users: dict[str, User]) -> None:
    created = invite(api, users["admin@acme.test"], "nina@example.com", "engineer")
    nina = newcomer("Nina@Example.com", verified="true", sub="idp|nina")  # API Gateway passes claims as text
    # Given Nina is not a member: GET /me is 403 and tells her to ask for an invitation
    me = api.call("GET", "/api/v1/me", None, claims=nina)
    assert me.status == 403 and "invitation" in me.body["detail"]
    # When she asks for her invitations, Then acme's is there with account name, role and expiry
    mine = api.call("GET", MINE, None, claims=nina).body
    assert [(i["id"], i["account_name"], i["role"]) for i in mine] == [(created["id"], "Acme IT", "engineer")]
    # When she accepts it, Then her sub is an engineer of acme
    joined = api.call("POST", ACCEPT, None, {"invitation_id": created["id"]}, claims=nina)
    assert joined.status == 200, joined.body
    assert joined.body["id"] == "idp|nina" and joined.body["account_id"] == "acme" and joined.body["role"] == "engineer"
    me = api.call("GET", "/api/v1/me", None, claims=nina)
    assert me.status == 200 and me.body["email"] == "nina@example.com"
    assert api.call("GET", "/api/v1/ai-sessions/queue", None, claims=nina).status == 200
    # And the invitation is used: no longer pending, and a second accept (even by another sub) is 409
    assert api.call("GET", INVITATIONS, users["admin@acme.test"]).body == []
    other = newcomer("nina@example.com")
    again = api.call("POST", ACCEPT, None, {"invitation_id": created["id"]}, claims=other)
    assert again.status == 409 and "already been used" in again.body["detail"]


def test_an_unverified_email_never_matches(api: ApiClient, users: dict[str, User], userinfo: FakeUserInfo) -> None:
    created = invite(api, users["admin@acme.test"], "eve@example.com")
    for verified in (False, "false", None):
        eve = newcomer("eve@example.com", verified=verified)
        # When the token's email is not verified and userinfo does not vouch for it either
        assert api.call("GET", MINE, None, claims=eve).body == []
        refused = api.call("POST", ACCEPT, None, {"invitation_id": created["id"]}, claims=eve)
        assert refused.status == 403 and "verified" in refused.body["detail"]
    # And userinfo was asked each time (the token did not settle it)
    assert len(userinfo.asked) == 6


def test_userinfo_supplies_the_verified_email_when_the_token_has_none(
    api: ApiClient, users: dict[str, User], userinfo: FakeUserInfo
) -> None:
    # Given a Cognito-like access token (no email claim) and an issuer whose userinfo knows the address
    created = invite(api, users["admin@acme.test"], "cora@example.com", "viewer")
    claims = {"sub": "cognito-cora", "iss": "https://cognito-idp.example/pool"}
    userinfo.answers["cora-token"] = {"sub": "cognito-cora", "email": "cora@example.com", "email_verified": "true"}
    headers = {"authorization": "Bearer cora-token"}
    # When she asks and accepts, Then userinfo's verified email matched, asked with her own token at her issuer
    mine = api.call("GET", MINE, None, claims=claims, headers=headers).body
    assert [i["id"] for i in mine] == [created["id"]]
    joined = api.call("POST", ACCEPT, None, {"invitation_id": created["id"]}, claims=claims, headers=headers)
    assert joined.status == 200 and joined.body["role"] == "viewer"
    assert userinfo.asked[0] == ("https://cognito-idp.example/pool", "cora-token")
    # And a userinfo answer about another sub is not believed
    userinfo.answers["mallory-token"] = {"sub": "someone-else", "email": "cora@example.com", "email_verified": True}
    mallory = {"sub": "mallory", "iss": "https://cognito-idp.example/pool"}
    assert api.call("GET", MINE, None, claims=mallory, headers={"authorization": "Bearer mallory-token"}).body == []


def test_another_address_or_another_accounts_invitation_is_not_found(api: ApiClient, users: dict[str, User]) -> None:
    created = invite(api, users["admin@globex.test"], "owen@example.com")
    # When someone with another verified address tries Owen's invitation id, Then it does not exist for them
    refused = api.call("POST", ACCEPT, None, {"invitation_id": created["id"]}, claims=newcomer("mallory@example.com"))
    assert refused.status == 404
    # When Owen accepts it, Then he joins globex (the invitation's account), never acme
    joined = api.call("POST", ACCEPT, None, {"invitation_id": created["id"]}, claims=newcomer("owen@example.com", sub="owen"))
    assert joined.body["account_id"] == "globex"
    acme = [u["email"] for u in api.call("GET", "/api/v1/account/users", users["admin@acme.test"]).body]
    assert "owen@example.com" not in acme


def test_a_member_cannot_accept_another_accounts_invitation(api: ApiClient, users: dict[str, User]) -> None:
    # Given acme's senior, invited to globex under their own (verified) address
    senior = users["senior@acme.test"]
    created = invite(api, users["admin@globex.test"], senior.email)
    claims = newcomer(senior.email, sub=senior.id)
    # When they accept, Then 409: one person belongs to one account, and they are still acme's
    refused = api.call("POST", ACCEPT, None, {"invitation_id": created["id"]}, claims=claims)
    assert refused.status == 409 and "one account" in refused.body["detail"]
    assert api.call("GET", "/api/v1/me", senior).body["account_id"] == "acme"
    assert [i["id"] for i in api.call("GET", INVITATIONS, users["admin@globex.test"]).body] == [created["id"]]


def _stored_invitation(email: str, status: str, expires_in: timedelta) -> Invitation:
    now = utc_now()
    invitation = Invitation(
        id=new_id(),
        account_id="acme",
        account_name="Acme IT",
        email=email,
        role=Role.ENGINEER,
        status="pending",
        invited_by=None,
        invited_by_name=None,
        created_at=iso(now - timedelta(days=8)),
        expires_at=iso(now + expires_in),
    )
    repository = InvitationRepository("DataTable", provision.local_client("dynamodb", None))
    repository.create(invitation, int(now.timestamp()))
    if status == "revoked":
        repository.revoke(invitation, iso(now))
    return invitation


@pytest.mark.parametrize(
    ("status", "expires_in", "word"),
    [("revoked", timedelta(days=1), "revoked"), ("pending", timedelta(seconds=-1), "expired")],
)
def test_a_revoked_or_expired_invitation_is_410_with_a_detail(
    api: ApiClient, users: dict[str, User], status: str, expires_in: timedelta, word: str
) -> None:
    invitation = _stored_invitation("late@example.com", status, expires_in)
    claims = newcomer("late@example.com")
    assert api.call("GET", MINE, None, claims=claims).body == []
    refused = api.call("POST", ACCEPT, None, {"invitation_id": invitation.id}, claims=claims)
    assert refused.status == 410 and word in refused.body["detail"] and refused.body["status"] == word
    assert api.call("GET", "/api/v1/me", None, claims=claims).status == 403


def test_an_expired_invitation_can_be_renewed_and_the_old_id_no_longer_works(api: ApiClient, users: dict[str, User]) -> None:
    old = _stored_invitation("renew@example.com", "pending", timedelta(seconds=-1))
    renewed = invite(api, users["admin@acme.test"], "renew@example.com")
    claims = newcomer("renew@example.com")
    assert api.call("POST", ACCEPT, None, {"invitation_id": old.id}, claims=claims).status == 404
    assert api.call("POST", ACCEPT, None, {"invitation_id": renewed["id"]}, claims=claims).status == 200


# --- removing a member -----------------------------------------------------------------------------


def test_an_admin_removes_an_engineer_whose_next_request_is_403(api: ApiClient, users: dict[str, User]) -> None:
    junior = users["junior@acme.test"]
    assert api.call("DELETE", f"/api/v1/account/users/{junior.id}", users["admin@acme.test"]).status == 204
    me = api.call("GET", "/api/v1/me", junior)
    assert me.status == 403 and "not a member" in me.body["detail"]
    assert api.call("POST", "/api/v1/ws-ticket", junior).status == 403
    emails = [u["email"] for u in api.call("GET", "/api/v1/account/users", users["admin@acme.test"]).body]
    assert junior.email not in emails and len(emails) == 5


def test_an_admin_cannot_remove_an_owner_and_the_last_owner_stays(api: ApiClient, users: dict[str, User]) -> None:
    owner = users["owner@acme.test"]
    refused = api.call("DELETE", f"/api/v1/account/users/{owner.id}", users["admin@acme.test"])
    assert refused.status == 403 and "owner" in refused.body["detail"]
    last = api.call("DELETE", f"/api/v1/account/users/{owner.id}", owner)
    assert last.status == 409 and "last owner" in last.body["detail"]
    assert api.call("GET", "/api/v1/me", owner).status == 200


def test_an_owner_removes_another_owner_once_there_are_two(api: ApiClient, users: dict[str, User]) -> None:
    owner, admin = users["owner@acme.test"], users["admin@acme.test"]
    assert api.call("PATCH", f"/api/v1/account/users/{admin.id}", owner, {"role": "owner"}).status == 200
    assert api.call("DELETE", f"/api/v1/account/users/{admin.id}", owner).status == 204
    # And the owner count is right again: the remaining owner is the last one
    assert api.call("DELETE", f"/api/v1/account/users/{owner.id}", owner).status == 409


@pytest.mark.parametrize("who", ["senior@acme.test", "viewer@acme.test"])
def test_engineers_and_viewers_cannot_remove_anyone(api: ApiClient, users: dict[str, User], who: str) -> None:
    target = users["senior2@acme.test"]
    assert api.call("DELETE", f"/api/v1/account/users/{target.id}", users[who]).status == 403


def test_removing_another_accounts_user_is_404(api: ApiClient, users: dict[str, User]) -> None:
    target = users["junior@globex.test"]
    assert api.call("DELETE", f"/api/v1/account/users/{target.id}", users["owner@acme.test"]).status == 404
    assert api.call("GET", "/api/v1/me", target).status == 200


def test_a_removed_member_can_be_invited_again_and_rejoin(api: ApiClient, users: dict[str, User]) -> None:
    junior = users["junior@acme.test"]
    assert api.call("DELETE", f"/api/v1/account/users/{junior.id}", users["owner@acme.test"]).status == 204
    created = invite(api, users["owner@acme.test"], junior.email, "viewer")
    joined = api.call("POST", ACCEPT, None, {"invitation_id": created["id"]}, claims=newcomer(junior.email, sub=junior.id))
    assert joined.status == 200 and joined.body["role"] == "viewer"


def test_an_invited_owner_who_joins_counts_as_an_owner(api: ApiClient, users: dict[str, User]) -> None:
    # Given a second owner who joined by invitation
    created = invite(api, users["owner@acme.test"], "co-owner@example.com", "owner")
    claims = newcomer("co-owner@example.com", sub="co-owner")
    assert api.call("POST", ACCEPT, None, {"invitation_id": created["id"]}, claims=claims).body["role"] == "owner"
    # When the first owner leaves, Then that is allowed (two owners), and the new one is now the last
    assert api.call("DELETE", f"/api/v1/account/users/{users['owner@acme.test'].id}", None, claims=claims).status == 204
    assert api.call("DELETE", "/api/v1/account/users/co-owner", None, claims=claims).status == 409
