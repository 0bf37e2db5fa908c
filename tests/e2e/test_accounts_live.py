"""Accounts and people against the real local runtime: baton-admin, the local issuer's sign-in
(authorize, token with PKCE and refresh, userinfo), joining, and removal closing live connections."""

from __future__ import annotations

import asyncio
import json
import subprocess
import sys
import uuid
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import httpx
import pytest
import websockets

from tests.conftest import ROOT
from tests.e2e import oidc_client
from tests.e2e.conftest import Stack, eventually
from tests.e2e.live import received


def admin_cli(stack: Stack, *args: str) -> subprocess.CompletedProcess[str]:
    """`baton-admin --local <the runtime>` as an operator runs it."""
    command = [sys.executable, "-m", "tools.baton_admin", "--local", stack.base_url, *args]
    return subprocess.run(command, cwd=ROOT, capture_output=True, text=True, timeout=60, check=False)


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def mine(stack: Stack, token: str) -> list[dict[str, Any]]:
    return list(httpx.get(f"{stack.base_url}/api/v1/invitations/mine", headers=bearer(token)).json())


def accept(stack: Stack, token: str, invitation_id: str) -> httpx.Response:
    return httpx.post(f"{stack.base_url}/api/v1/invitations/accept", headers=bearer(token), json={"invitation_id": invitation_id})


def redeem(stack: Stack, code: str, verifier: str) -> httpx.Response:
    return oidc_client.token(
        stack.base_url, grant_type="authorization_code", code=code, redirect_uri=f"{stack.base_url}/", code_verifier=verifier
    )


def unique(prefix: str) -> str:
    return f"{prefix}-{uuid.uuid4().hex[:8]}"


def test_baton_admin_creates_an_account_whose_owner_signs_in_joins_and_invites(stack: Stack) -> None:
    account_id = unique("msp")
    owner_email = f"owner@{account_id}.example"
    # Given an operator, When they create an account with its first owner
    created = admin_cli(
        stack, "create-account", "--name", f"Pilot {account_id}", "--id", account_id, "--owner-email", owner_email
    )
    assert created.returncode == 0, created.stderr
    assert f"Created account {account_id}" in created.stdout and f"{stack.base_url}/#/join" in created.stdout
    # Then the owner's invitation email goes out (stream -> SNS -> email -> SES)
    mail = eventually(lambda: stack.outbox_to(owner_email, "invited you"), 15, "the owner's invitation email")
    assert f"Pilot {account_id}" in mail[0]["subject"] and "as an owner" in mail[0]["text"]
    # And the account is listed, with no member yet and one pending invitation
    assert account_id in admin_cli(stack, "list-accounts").stdout
    members = admin_cli(stack, "list-members", "--account", account_id).stdout
    assert "(no members yet)" in members and owner_email in members
    # When the owner signs in through the issuer (authorization code + PKCE) and joins
    owner = bearer(oidc_client.sign_in(stack.base_url, owner_email)["access_token"])
    assert httpx.get(f"{stack.base_url}/api/v1/me", headers=owner).status_code == 403
    (invitation,) = httpx.get(f"{stack.base_url}/api/v1/invitations/mine", headers=owner).json()
    joined = httpx.post(f"{stack.base_url}/api/v1/invitations/accept", headers=owner, json={"invitation_id": invitation["id"]})
    assert joined.status_code == 200 and joined.json()["role"] == "owner" and joined.json()["account_id"] == account_id
    # Then they run the account: rename it and invite an engineer (whose email goes out too)
    renamed = httpx.patch(f"{stack.base_url}/api/v1/account", headers=owner, json={"name": "Pilot MSP"})
    assert renamed.json()["name"] == "Pilot MSP"
    engineer = f"eng@{account_id}.example"
    invited = httpx.post(
        f"{stack.base_url}/api/v1/account/invitations", headers=owner, json={"email": engineer, "role": "engineer"}
    )
    assert invited.status_code == 201
    eventually(lambda: stack.outbox_to(engineer, "Pilot MSP"), 15, "the engineer's invitation email")


def test_baton_admin_says_what_is_wrong(stack: Stack) -> None:
    account_id = unique("dup")
    assert (
        admin_cli(stack, "create-account", "--name", "Dup", "--id", account_id, "--owner-email", "a@dup.example").returncode == 0
    )
    again = admin_cli(stack, "create-account", "--name", "Dup", "--id", account_id, "--owner-email", "b@dup.example")
    assert again.returncode == 1 and "already exists" in again.stderr
    missing = admin_cli(stack, "invite", "--account", "no-such-account", "--email", "x@y.example", "--role", "viewer")
    assert missing.returncode == 1 and "No account 'no-such-account'" in missing.stderr
    nobody = subprocess.run(
        [sys.executable, "-m", "tools.baton_admin", "--local", "http://127.0.0.1:9", "list-accounts"],
        cwd=ROOT, capture_output=True, text=True, timeout=30, check=False,
    )  # fmt: skip
    assert nobody.returncode == 1 and "is `make dev` running" in nobody.stderr


def test_two_concurrent_accepts_of_one_invitation_make_one_user(stack: Stack) -> None:
    # Given one invitation, and ten different identities that all verified its address
    email = f"{unique('race')}@example.com"
    with stack.client("admin@acme.test") as admin:
        invitation = admin.post("/api/v1/account/invitations", json={"email": email, "role": "engineer"}).json()
    subjects = [f"racer|{i}|{uuid.uuid4().hex[:6]}" for i in range(10)]
    tokens = [oidc_client.forged(stack.signing_key, stack.issuer, s, email=email, email_verified=True) for s in subjects]

    def accept(token: str) -> int:
        url = f"{stack.base_url}/api/v1/invitations/accept"
        return httpx.post(url, headers=bearer(token), json={"invitation_id": invitation["id"]}, timeout=30).status_code

    # When they all accept at the same moment
    with ThreadPoolExecutor(10) as pool:
        statuses = list(pool.map(accept, tokens))
    # Then exactly one joined, and the others were told it is used
    assert sorted(statuses) == [200] + [409] * 9
    members = [t for t in tokens if httpx.get(f"{stack.base_url}/api/v1/me", headers=bearer(t)).status_code == 200]
    assert len(members) == 1


def test_an_unverified_email_never_matches_even_through_userinfo(stack: Stack) -> None:
    email = f"{unique('unverified')}@example.com"
    with stack.client("admin@acme.test") as admin:
        invitation = admin.post("/api/v1/account/invitations", json={"email": email, "role": "viewer"}).json()
    # Given a token that claims the address but not verified, from a subject the issuer never signed in
    token = oidc_client.forged(stack.signing_key, stack.issuer, "never-signed-in", email=email, email_verified=False)
    # Then the API asks userinfo, which vouches for nothing: no invitation, and accept is 403
    assert httpx.get(f"{stack.base_url}/api/v1/invitations/mine", headers=bearer(token)).json() == []
    refused = httpx.post(
        f"{stack.base_url}/api/v1/invitations/accept", headers=bearer(token), json={"invitation_id": invitation["id"]}
    )
    assert refused.status_code == 403 and "verified" in refused.json()["detail"]


def test_a_token_without_email_gets_it_from_the_issuers_userinfo(stack: Stack) -> None:
    email = f"{unique('cognito-like')}@example.com"
    with stack.client("admin@acme.test") as admin:
        invitation = admin.post("/api/v1/account/invitations", json={"email": email, "role": "engineer"}).json()
    # Given someone who signed in at the issuer, presenting an access token without any email (as Cognito's)
    signed_in = oidc_client.sign_in(stack.base_url, email)
    subject = httpx.get(f"{stack.base_url}/local/oidc/userinfo", headers=bearer(signed_in["access_token"])).json()["sub"]
    bare = oidc_client.forged(stack.signing_key, stack.issuer, subject)
    # When they ask for their invitations and accept, Then the API found the verified email at userinfo
    assert [i["id"] for i in httpx.get(f"{stack.base_url}/api/v1/invitations/mine", headers=bearer(bare)).json()] == [
        invitation["id"]
    ]
    joined = httpx.post(
        f"{stack.base_url}/api/v1/invitations/accept", headers=bearer(bare), json={"invitation_id": invitation["id"]}
    )
    assert joined.status_code == 200 and joined.json()["email"] == email


def test_a_removed_member_loses_their_websocket_and_every_request(stack: Stack) -> None:
    email = f"{unique('leaver')}@example.com"
    with stack.client("owner@acme.test") as owner:
        invitation = owner.post("/api/v1/account/invitations", json={"email": email, "role": "engineer"}).json()
        token = oidc_client.sign_in(stack.base_url, email)["access_token"]
        user = httpx.post(
            f"{stack.base_url}/api/v1/invitations/accept", headers=bearer(token), json={"invitation_id": invitation["id"]}
        ).json()
        spare = httpx.post(f"{stack.base_url}/api/v1/ws-ticket", headers=bearer(token)).json()  # for after the removal

        async def scenario() -> None:
            ticket = httpx.post(f"{stack.base_url}/api/v1/ws-ticket", headers=bearer(token)).json()
            async with websockets.connect(ticket["url"]) as socket:
                await socket.send(json.dumps({"action": "hello"}))
                assert received(await socket.recv())["type"] == "ready"
                # When the owner removes them
                removed = await asyncio.to_thread(owner.delete, f"/api/v1/account/users/{user['id']}")
                assert removed.status_code == 204
                # Then their open WebSocket is closed at once
                with pytest.raises(websockets.ConnectionClosed):
                    async with asyncio.timeout(5):
                        while True:
                            received(await socket.recv())  # anything before the close is contract-checked
            # And a ticket they got before the removal no longer opens one
            with pytest.raises(websockets.InvalidStatus):
                await websockets.connect(spare["url"])

        asyncio.run(scenario())
    # And their next request, and any new ticket, is 403 "not a member"
    me = httpx.get(f"{stack.base_url}/api/v1/me", headers=bearer(token))
    assert me.status_code == 403 and "not a member" in me.json()["detail"]
    assert httpx.post(f"{stack.base_url}/api/v1/ws-ticket", headers=bearer(token)).status_code == 403


# --- the local issuer ---------------------------------------------------------------------------


def test_discovery_names_every_endpoint_the_console_uses(stack: Stack) -> None:
    document = httpx.get(f"{stack.issuer}/.well-known/openid-configuration").json()
    assert document["authorization_endpoint"] == f"{stack.issuer}/authorize"
    assert document["token_endpoint"] == f"{stack.issuer}/token" and document["userinfo_endpoint"] == f"{stack.issuer}/userinfo"
    assert document["code_challenge_methods_supported"] == ["S256"]


def test_the_authorize_page_lists_demo_users_and_takes_any_email(stack: Stack) -> None:
    _, challenge = oidc_client.pkce_pair()
    query = {
        "response_type": "code", "client_id": "baton-local", "redirect_uri": f"{stack.base_url}/", "state": "x",
        "code_challenge": challenge, "code_challenge_method": "S256", "scope": "openid",
    }  # fmt: skip
    page = httpx.get(f"{stack.issuer}/authorize", params=query)
    assert page.status_code == 200 and "senior@acme.test" in page.text and 'type="email"' in page.text
    # An unregistered redirect_uri is shown as an error, never redirected to
    evil = httpx.get(f"{stack.issuer}/authorize", params={**query, "redirect_uri": "https://evil.example/"})
    assert evil.status_code == 400 and "redirect_uri" in evil.text
    # No PKCE: sent back to the client as an OAuth error
    plain = httpx.get(f"{stack.issuer}/authorize", params={**query, "code_challenge_method": "plain"}, follow_redirects=False)
    assert plain.status_code == 302 and "error=invalid_request" in plain.headers["location"]


def test_codes_need_the_right_verifier_and_work_once(stack: Stack) -> None:
    verifier, challenge = oidc_client.pkce_pair()
    code = oidc_client.code_from(oidc_client.authorize(stack.base_url, "pkce@example.com", challenge))
    # When the code comes back with another verifier, Then it is refused, and used up
    wrong = redeem(stack, code, "x" * 43)
    assert wrong.status_code == 400 and wrong.json()["error"] == "invalid_grant"
    assert redeem(stack, code, verifier).status_code == 400
    # When a new code comes back with its verifier, Then tokens, once, never cached
    code = oidc_client.code_from(oidc_client.authorize(stack.base_url, "pkce@example.com", challenge))
    good = redeem(stack, code, verifier)
    assert good.status_code == 200 and good.headers["cache-control"] == "no-store"
    assert redeem(stack, code, verifier).status_code == 400


def test_refresh_tokens_rotate_and_the_tokens_carry_a_verified_email(stack: Stack) -> None:
    first = oidc_client.sign_in(stack.base_url, "Refresh.Me@Example.com")
    claims: dict[str, Any] = httpx.get(f"{stack.issuer}/userinfo", headers=bearer(first["access_token"])).json()
    assert claims["email"] == "refresh.me@example.com" and claims["email_verified"] is True
    renewed = oidc_client.token(stack.base_url, grant_type="refresh_token", refresh_token=first["refresh_token"])
    assert renewed.status_code == 200 and renewed.json()["refresh_token"] != first["refresh_token"]
    assert (
        httpx.get(f"{stack.base_url}/api/v1/invitations/mine", headers=bearer(renewed.json()["access_token"])).status_code == 200
    )
    reused = oidc_client.token(stack.base_url, grant_type="refresh_token", refresh_token=first["refresh_token"])
    assert reused.status_code == 400 and reused.json()["error"] == "invalid_grant"
