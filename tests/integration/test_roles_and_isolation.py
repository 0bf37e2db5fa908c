"""Roles and tenant isolation for every endpoint of the API handler."""

from __future__ import annotations

import pytest

from baton.domain.models import User
from tests.integration.builders import SESSION_BODY, handoff_path, new_handoff
from tests.integration.conftest import ApiClient

# Every endpoint that takes a session or handoff id (besides reading a session, which viewers may).
WITH_IDS = [
    ("POST", "{session}/handoff", {"intent": "park"}),
    ("GET", "{session}/handoffs", None),
    ("GET", "{handoff}", None),
    ("POST", "{handoff}/claim", None),
    ("POST", "{handoff}/release", None),
    ("POST", "{handoff}/resolve", {"resolution_notes": "done"}),
    ("GET", "{handoff}/timeline", None),
    ("POST", "{handoff}/reassign", {"to_user_id": "{senior2}"}),
    ("POST", "{handoff}/escalate", None),
    ("POST", "{handoff}/withdraw", {"reason": "not needed"}),
]
ENGINEER_ONLY = [("POST", "/api/v1/ai-sessions", SESSION_BODY), ("GET", "/api/v1/ai-sessions/queue", None), *WITH_IDS]


def _fill(path: str, session_id: str, handoff_id: str) -> str:
    return path.format(session=f"/api/v1/ai-sessions/{session_id}", handoff=handoff_path(session_id, handoff_id))


def _body(body: object, users: dict[str, User]) -> object:
    """A body's "{senior2}" stands for that acme user's id."""
    if isinstance(body, dict):
        return {k: users["senior2@acme.test"].id if v == "{senior2}" else v for k, v in body.items()}
    return body


@pytest.mark.parametrize(("method", "path", "body"), ENGINEER_ONLY)
def test_a_viewer_is_refused_with_a_detail_naming_the_engineer_role(
    api: ApiClient, users: dict[str, User], method: str, path: str, body: object
) -> None:
    # Given an open handoff of the viewer's own account
    session_id, handoff_id = new_handoff(api, users["junior@acme.test"])
    # When the viewer calls an engineer-only endpoint
    reply = api.call(method, _fill(path, session_id, handoff_id), users["viewer@acme.test"], _body(body, users))
    # Then 403, and the detail says the engineer role is needed
    assert reply.status == 403
    assert "engineer" in reply.body["detail"]


def test_a_viewer_may_read_sessions_users_and_themselves(api: ApiClient, users: dict[str, User]) -> None:
    session_id, _ = new_handoff(api, users["junior@acme.test"])
    viewer = users["viewer@acme.test"]
    assert api.call("GET", f"/api/v1/ai-sessions/{session_id}", viewer).status == 200
    assert api.call("GET", "/api/v1/me", viewer).body["role"] == "viewer"
    listed = api.call("GET", "/api/v1/account/users", viewer).body
    assert {u["account_id"] for u in listed} == {"acme"} and len(listed) == 6


@pytest.mark.parametrize("email", ["viewer@acme.test", "senior@acme.test", "owner@acme.test"])
def test_any_member_reads_the_recent_handoffs_of_their_own_account_only(
    api: ApiClient, users: dict[str, User], email: str
) -> None:
    # Given a claimed acme handoff and a globex one
    session_id, handoff_id = new_handoff(api, users["junior@acme.test"])
    api.call("POST", handoff_path(session_id, handoff_id, "claim"), users["senior@acme.test"])
    _, globex_id = new_handoff(api, users["junior@globex.test"])
    # When an acme member of any role reads the recent handoffs
    reply = api.call("GET", "/api/v1/handoffs/recent", users[email])
    # Then they get acme's, each with its timeline, and nothing of globex
    assert reply.status == 200, reply.body
    assert {item["handoff"]["account_id"] for item in reply.body} == {"acme"}
    (mine,) = [item for item in reply.body if item["handoff"]["id"] == handoff_id]
    assert [entry["action"] for entry in mine["timeline"]] == ["create", "claim"]
    assert globex_id not in {item["handoff"]["id"] for item in reply.body}


def test_the_recent_handoffs_are_newest_change_first_and_bounded(api: ApiClient, users: dict[str, User]) -> None:
    first = new_handoff(api, users["junior@acme.test"])
    second = new_handoff(api, users["junior@acme.test"])
    api.call("POST", handoff_path(*first, "claim"), users["senior@acme.test"])  # the first changed last
    listed = api.call("GET", "/api/v1/handoffs/recent", users["viewer@acme.test"], query={"limit": "2"}).body
    assert [item["handoff"]["id"] for item in listed] == [first[1], second[1]]
    assert api.call("GET", "/api/v1/handoffs/recent", users["viewer@acme.test"], query={"limit": "101"}).status == 422


@pytest.mark.parametrize(("method", "path", "body"), [("GET", "{session}", None), *WITH_IDS])
def test_another_accounts_ids_answer_404_like_missing_ones(
    api: ApiClient, users: dict[str, User], method: str, path: str, body: object
) -> None:
    # Given an acme handoff that an acme senior has claimed (so release/resolve would be possible)
    session_id, handoff_id = new_handoff(api, users["junior@acme.test"])
    api.call("POST", handoff_path(session_id, handoff_id, "claim"), users["senior@acme.test"])
    # When globex's admin (allowed everything in globex) uses acme's ids
    reply = api.call(method, _fill(path, session_id, handoff_id), users["admin@globex.test"], _body(body, users))
    # Then 404, and nothing changed for acme
    assert reply.status == 404, reply.body
    assert "detail" in reply.body
    handoff = api.call("GET", handoff_path(session_id, handoff_id), users["senior@acme.test"]).body["handoff"]
    assert handoff["status"] == "claimed" and handoff["claimed_by"] == users["senior@acme.test"].id


def test_another_accounts_user_answers_404(api: ApiClient, users: dict[str, User]) -> None:
    reply = api.call(
        "PATCH", f"/api/v1/account/users/{users['senior@acme.test'].id}", users["owner@globex.test"], {"role": "viewer"}
    )
    assert reply.status == 404
    assert api.call("GET", "/api/v1/me", users["senior@acme.test"]).body["role"] == "engineer"


def test_a_role_downgrade_takes_effect_on_the_very_next_request(api: ApiClient, users: dict[str, User]) -> None:
    # Given a senior who can read the queue
    senior = users["senior@acme.test"]
    assert api.call("GET", "/api/v1/ai-sessions/queue", senior).status == 200
    # When an admin makes them a viewer
    changed = api.call("PATCH", f"/api/v1/account/users/{senior.id}", users["admin@acme.test"], {"role": "viewer"})
    assert changed.status == 200 and changed.body["role"] == "viewer"
    # Then their next request is refused, though their token is unchanged
    assert api.call("GET", "/api/v1/ai-sessions/queue", senior).status == 403


def test_a_signed_in_stranger_is_refused(api: ApiClient, users: dict[str, User]) -> None:
    stranger = User(id="not-a-member", account_id="nowhere", email="x@y.test", display_name="X", role="owner")
    reply = api.call("GET", "/api/v1/me", stranger)
    assert reply.status == 403 and "member" in reply.body["detail"]


def test_users_endpoints_enforce_owner_and_admin_rules(api: ApiClient, users: dict[str, User]) -> None:
    admin, owner, senior = users["admin@acme.test"], users["owner@acme.test"], users["senior@acme.test"]
    path = "/api/v1/account/users/{}".format
    # An engineer cannot change users
    assert api.call("PATCH", path(users["junior@acme.test"].id), senior, {"notify_email": False}).status == 403
    # An admin cannot touch an owner, nor make one
    assert api.call("PATCH", path(owner.id), admin, {"notify_email": False}).status == 403
    assert api.call("PATCH", path(senior.id), admin, {"role": "owner"}).status == 403
    # The last owner cannot be demoted
    last = api.call("PATCH", path(owner.id), owner, {"role": "admin"})
    assert last.status == 409 and "owner" in last.body["detail"]
    assert api.call("GET", "/api/v1/me", owner).body["role"] == "owner"  # the transaction's first write rolled back
    # With a second owner, the first can step down
    assert api.call("PATCH", path(admin.id), owner, {"role": "owner"}).status == 200
    stepped = api.call("PATCH", path(owner.id), owner, {"role": "admin"})
    assert stepped.status == 200 and stepped.body["role"] == "admin"
    # An admin may switch off an engineer's email
    quiet = api.call("PATCH", path(senior.id), users["admin@acme.test"], {"notify_email": False})
    assert quiet.status == 200 and quiet.body["notify_email"] is False


def test_an_empty_user_patch_is_422(api: ApiClient, users: dict[str, User]) -> None:
    reply = api.call("PATCH", f"/api/v1/account/users/{users['senior@acme.test'].id}", users["owner@acme.test"], {})
    assert reply.status == 422 and reply.body["detail"]


BULK = "/api/v1/account/invitations/bulk"


def test_bulk_invitations_are_for_owners_and_admins_each_in_their_own_account(api: ApiClient, users: dict[str, User]) -> None:
    # An engineer and a viewer are refused, with a detail
    for who in ("senior@acme.test", "viewer@acme.test"):
        reply = api.call("POST", BULK, users[who], {"csv": "bulk-a@example.com,engineer"})
        assert reply.status == 403 and reply.body["detail"], who
    # An admin invites in bulk, but an owner's line is skipped with why (an admin cannot invite owners)
    reply = api.call("POST", BULK, users["admin@acme.test"], {"csv": "boss@example.com,owner\nhelp@example.com,viewer"})
    assert reply.status == 200, reply.body
    assert [(i["email"], i["account_id"]) for i in reply.body["invited"]] == [("help@example.com", "acme")]
    assert [(s["line"], s["email"]) for s in reply.body["skipped"]] == [(1, "boss@example.com")]
    assert "owner" in reply.body["skipped"][0]["detail"]
    # globex's admin invites into globex only: acme's pending invitations do not change
    reply = api.call("POST", BULK, users["admin@globex.test"], {"csv": "zed@example.com,engineer"})
    assert reply.body["invited"][0]["account_id"] == "globex"
    pending = api.call("GET", "/api/v1/account/invitations", users["owner@acme.test"]).body
    assert "zed@example.com" not in {i["email"] for i in pending}


@pytest.mark.parametrize(
    "body",
    [
        {},
        {"csv": ""},
        {"csv": "email,role\n"},
        {"csv": "\n".join(f"p{n}@example.com" for n in range(201))},
        {"csv": 5},
        {"rows": []},
    ],
)
def test_a_bulk_invitation_that_names_nobody_or_too_many_is_422_with_a_detail(
    api: ApiClient, users: dict[str, User], body: dict[str, object]
) -> None:
    reply = api.call("POST", BULK, users["owner@acme.test"], body)
    assert reply.status == 422 and reply.body["detail"]
    assert api.call("GET", "/api/v1/account/invitations", users["owner@acme.test"]).body == []


def test_everyone_sets_their_own_email_and_nobody_elses(api: ApiClient, users: dict[str, User]) -> None:
    # Any member, a viewer too, may set their own
    for who in ("viewer@acme.test", "senior@acme.test"):
        reply = api.call("PATCH", "/api/v1/me", users[who], {"email_mode": "digest", "digest_minutes": 30})
        assert reply.status == 200 and (reply.body["email_mode"], reply.body["digest_minutes"]) == ("digest", 30), who
    # And only their own: the same person in the other account's eyes, and their colleagues, are unchanged
    listed = {u["email"]: u for u in api.call("GET", "/api/v1/account/users", users["owner@acme.test"]).body}
    assert listed["senior2@acme.test"]["email_mode"] == "immediate" and listed["senior@acme.test"]["email_mode"] == "digest"
    assert api.call("GET", "/api/v1/me", users["senior@globex.test"]).body["email_mode"] == "immediate"


@pytest.mark.parametrize(
    "body",
    [{}, {"email_mode": "weekly"}, {"email_mode": None}, {"digest_minutes": 4}, {"digest_minutes": 1441},
     {"digest_minutes": "30"}, {"email_when_live": "yes"}, {"notify_email": False}, {"role": "owner"}],
)  # fmt: skip
def test_bad_email_settings_are_422_with_a_detail(api: ApiClient, users: dict[str, User], body: dict[str, object]) -> None:
    reply = api.call("PATCH", "/api/v1/me", users["senior@acme.test"], body)
    assert reply.status == 422 and reply.body["detail"], reply.body
    assert api.call("GET", "/api/v1/me", users["senior@acme.test"]).body["role"] == "engineer"


def test_a_non_member_cannot_set_email_settings(api: ApiClient) -> None:
    reply = api.call("PATCH", "/api/v1/me", None, {"email_mode": "none"}, claims={"sub": "idp|nobody"})
    assert reply.status == 403 and "member" in reply.body["detail"]


def test_the_notify_policy_is_for_owners_and_admins_of_their_own_account(api: ApiClient, users: dict[str, User]) -> None:
    body = {
        "remind_after_s": 300,
        "escalate_after_s": 900,
        "repeat_every_s": 900,
        "notify": {"on_create": ["owners"], "on_level_1": [], "on_level_2": []},
    }
    reply = api.call("PUT", "/api/v1/account/policy", users["senior@acme.test"], body)
    assert reply.status == 403 and reply.body["detail"]
    assert api.call("PUT", "/api/v1/account/policy", users["admin@globex.test"], body).status == 200
    acme = api.call("GET", "/api/v1/account/policy", users["owner@acme.test"]).body
    assert acme["notify"]["on_create"] == ["admins", "engineers"]
