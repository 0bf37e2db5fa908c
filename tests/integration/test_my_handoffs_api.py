"""GET /api/v1/handoffs/mine on moto: what the caller holds and what they created, by status, newest first."""

from __future__ import annotations

from typing import Any

import pytest

from baton.domain.models import User
from tests.integration.builders import handoff_path, new_handoff
from tests.integration.conftest import ApiClient

MINE = "/api/v1/handoffs/mine"


def _mine(api: ApiClient, user: User, role: str, status: str, **extra: str) -> Any:
    reply = api.call("GET", MINE, user, query={"role": role, "status": status, **extra})
    assert reply.status == 200, reply.body
    return reply


def _ids(api: ApiClient, user: User, role: str, status: str) -> list[str]:
    return [h["id"] for h in _mine(api, user, role, status).body]


def test_the_holder_sees_what_they_picked_up_newest_first_and_it_follows_release_reassign_and_resolve(
    api: ApiClient, users: dict[str, User]
) -> None:
    # Given three escalations Sam picked up, one after the other
    junior, sam, sasha = users["junior@acme.test"], users["senior@acme.test"], users["senior2@acme.test"]
    first, second, third = (new_handoff(api, junior) for _ in range(3))
    for handoff in (first, second, third):
        assert api.call("POST", handoff_path(*handoff, "claim"), sam).status == 200
    # Then "picked up by me" lists them, newest pick-up first, with the triage a card needs
    held = _mine(api, sam, "holder", "claimed").body
    assert [h["id"] for h in held] == [third[1], second[1], first[1]]
    assert all(h["claimed_by"] == sam.id and h["status"] == "claimed" and "session" in h for h in held)
    # When he releases one, hands one to Sasha and resolves the last
    assert api.call("POST", handoff_path(*first, "release"), sam).status == 200
    assert api.call("POST", handoff_path(*second, "reassign"), sam, {"to_user_id": sasha.id}).status == 200
    assert api.call("POST", handoff_path(*third, "resolve"), sam, {"resolution_notes": "done"}).status == 200
    # Then nothing is left in his hands, the resolved one is under "resolved", and Sasha holds hers
    assert _ids(api, sam, "holder", "claimed") == []
    assert _ids(api, sam, "holder", "resolved") == [third[1]]
    assert _ids(api, sasha, "holder", "claimed") == [second[1]]
    # And the released one is open again and held by nobody (the holder index is sparse)
    assert _ids(api, sam, "holder", "open") == []


def test_the_creator_sees_their_handoffs_by_status_and_a_withdrawal_moves_one(api: ApiClient, users: dict[str, User]) -> None:
    # Given a junior's escalation (picked up), a park and another escalation, and a colleague's handoff
    junior, sam = users["junior@acme.test"], users["senior@acme.test"]
    picked = new_handoff(api, junior, "escalate")
    parked = new_handoff(api, junior, "park")
    waiting = new_handoff(api, junior, "escalate")
    new_handoff(api, users["senior2@acme.test"], "escalate")
    assert api.call("POST", handoff_path(*picked, "claim"), sam).status == 200
    # Then "my escalations" shows the open ones newest first, and the picked-up one with who has it
    assert _ids(api, junior, "creator", "open") == [waiting[1], parked[1]]
    (claimed,) = _mine(api, junior, "creator", "claimed").body
    assert claimed["id"] == picked[1] and claimed["claimed_by_name"] == sam.display_name and claimed["claimed_at"]
    # When the junior withdraws the waiting one, Then it moves from open to withdrawn
    assert api.call("POST", handoff_path(*waiting, "withdraw"), junior).status == 200
    assert _ids(api, junior, "creator", "open") == [parked[1]]
    assert _ids(api, junior, "creator", "withdrawn") == [waiting[1]]


def test_pages_follow_x_next_cursor_without_gaps_or_repeats(api: ApiClient, users: dict[str, User]) -> None:
    # Given five open handoffs of one junior
    junior = users["junior@acme.test"]
    created = [new_handoff(api, junior)[1] for _ in range(5)]
    # When they are read two at a time
    seen: list[str] = []
    cursor: str | None = None
    pages = 0
    while True:
        extra = {"limit": "2", **({"cursor": cursor} if cursor else {})}
        reply = _mine(api, junior, "creator", "open", **extra)
        seen += [h["id"] for h in reply.body]
        pages += 1
        cursor = reply.headers.get("x-next-cursor")
        if not cursor:
            break
    # Then every handoff comes exactly once, newest first, in three pages
    assert seen == created[::-1] and pages == 3


def test_another_accounts_handoffs_never_appear_and_its_cursor_is_refused(api: ApiClient, users: dict[str, User]) -> None:
    # Given acme handoffs held and created by acme people, and a page cursor of acme's list
    acme_junior, acme_senior = users["junior@acme.test"], users["senior@acme.test"]
    for _ in range(3):
        handoff = new_handoff(api, acme_junior)
        assert api.call("POST", handoff_path(*handoff, "claim"), acme_senior).status == 200
    acme_cursor = _mine(api, acme_senior, "holder", "claimed", limit="1").headers["x-next-cursor"]
    # And a globex handoff picked up by a globex senior
    globex_junior, globex_senior = users["junior@globex.test"], users["senior@globex.test"]
    theirs = new_handoff(api, globex_junior)
    assert api.call("POST", handoff_path(*theirs, "claim"), globex_senior).status == 200
    # Then each side sees its own only
    assert _ids(api, globex_senior, "holder", "claimed") == [theirs[1]]
    assert _ids(api, globex_junior, "creator", "claimed") == [theirs[1]]
    assert theirs[1] not in _ids(api, acme_senior, "holder", "claimed")
    # And acme's cursor is no key into globex's lists
    reply = api.call("GET", MINE, globex_senior, query={"role": "holder", "status": "claimed", "cursor": acme_cursor})
    assert reply.status == 422 and "cursor" in reply.body["detail"]


def test_a_cursor_of_another_status_is_refused(api: ApiClient, users: dict[str, User]) -> None:
    junior = users["junior@acme.test"]
    for _ in range(2):
        new_handoff(api, junior)
    cursor = _mine(api, junior, "creator", "open", limit="1").headers["x-next-cursor"]
    reply = api.call("GET", MINE, junior, query={"role": "creator", "status": "resolved", "cursor": cursor})
    assert reply.status == 422 and "cursor" in reply.body["detail"]


def test_a_viewer_is_refused_with_a_sentence_naming_the_engineer_role(api: ApiClient, users: dict[str, User]) -> None:
    reply = api.call("GET", MINE, users["viewer@acme.test"], query={"role": "holder", "status": "claimed"})
    assert reply.status == 403 and "engineer" in reply.body["detail"]


@pytest.mark.parametrize(
    "query",
    [
        {"status": "claimed"},
        {"role": "holder"},
        {"role": "boss", "status": "claimed"},
        {"role": "holder", "status": "lost"},
        {"role": "holder", "status": "claimed", "limit": "0"},
        {"role": "holder", "status": "claimed", "limit": "101"},
        {"role": "holder", "status": "claimed", "cursor": "not-a-cursor"},
    ],
)
def test_bad_queries_are_422_with_a_detail(api: ApiClient, users: dict[str, User], query: dict[str, str]) -> None:
    reply = api.call("GET", MINE, users["senior@acme.test"], query=query)
    assert reply.status == 422 and reply.body["detail"]
