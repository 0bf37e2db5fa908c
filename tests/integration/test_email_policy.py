"""Email people want, on moto: the account's policy says who hears of what, each person chooses immediate, digest or
none, a live console spares its owner the email about what was pushed to it, the creator hears of the pickup and the
resolution, and a long recipient list is split across invocations through the email queue."""

from __future__ import annotations

import json
import time
from datetime import timedelta
from typing import Any

import pytest
from moto.ses.models import ses_backends

from baton.domain.clock import iso, utc_now
from baton.domain.models import Role, User
from baton.domain.websocket import Connection
from baton.repositories.connections import ConnectionRepository
from baton.repositories.users import UserRepository
from local import provision
from local.template import ACCOUNT, REGION
from tests.integration.builders import handoff_path, new_handoff
from tests.integration.conftest import ApiClient, lambda_context
from tests.integration.event_builders import handoff_only, sqs_event, stream_event

POLICY = "/api/v1/account/policy"


def _route() -> None:
    import stream_router_handler

    assert stream_router_handler.handler(handoff_only(stream_event()), lambda_context()) == {"batchItemFailures": []}


def _email(aws: dict[str, str]) -> dict[str, Any]:
    """The email function on everything waiting on its queue; what it reported failed."""
    import email_handler

    return dict(email_handler.handler(sqs_event(aws["EmailQueue"]), lambda_context()))


def _sent() -> list[tuple[str, str]]:
    """(to, subject) of every email SES took, in order."""
    return [(to, mail.subject) for mail in ses_backends[ACCOUNT][REGION].sent_messages for to in mail.destinations["ToAddresses"]]


def _live(user: User) -> None:
    """A live console of `user` (the push function pushes every handoff event of the account to it)."""
    connections = ConnectionRepository("ConnectionsTable", provision.local_client("dynamodb", None))
    connections.put(
        Connection(
            connection_id=f"conn-{user.id}",
            account_id=user.account_id,
            user_id=user.id,
            connected_at=iso(utc_now()),
            expires_at=int(time.time()) + 3600,
        )
    )


def test_a_live_console_spares_its_owner_the_email_unless_they_asked_for_it(
    api: ApiClient, users: dict[str, User], aws: dict[str, str]
) -> None:
    # Given senior and the admin have live consoles, and the admin asked to be emailed even then
    _live(users["senior@acme.test"])
    _live(users["admin@acme.test"])
    asked = api.call("PATCH", "/api/v1/me", users["admin@acme.test"], {"email_when_live": True})
    assert asked.status == 200 and asked.body["email_when_live"] is True
    # When the junior escalates (the default policy: the engineers and the admins hear of it)
    new_handoff(api, users["junior@acme.test"], "escalate", notes="VPN down")
    _route()
    assert _email(aws) == {"batchItemFailures": []}
    # Then senior2 and the admin are emailed; senior saw it on their console; the owner is not in the policy's set
    assert sorted(to for to, _ in _sent()) == ["admin@acme.test", "senior2@acme.test"]


def test_the_policy_chooses_who_hears_of_a_new_escalation_and_of_each_level(
    api: ApiClient, users: dict[str, User], aws: dict[str, str]
) -> None:
    owner = users["owner@acme.test"]
    # Given the defaults, When an owner reads the policy, Then it names who is told
    assert api.call("GET", POLICY, owner).body["notify"] == {
        "on_create": ["admins", "engineers"],
        "on_level_1": ["engineers"],
        "on_level_2": ["admins", "owners"],
    }
    # When the owner says only owners and the creator hear of a new escalation
    body = {
        "remind_after_s": 300,
        "escalate_after_s": 900,
        "repeat_every_s": 900,
        "notify": {"on_create": ["owners", "creator"], "on_level_1": ["engineers_without_live_console"], "on_level_2": []},
    }
    saved = api.call("PUT", POLICY, owner, body)
    assert saved.status == 200 and saved.body["notify"]["on_create"] == ["creator", "owners"]
    # And then changes only the ladder's steps, leaving notify out: who is told stays as it is
    steps = {key: value for key, value in body.items() if key != "notify"} | {"remind_after_s": 600}
    assert api.call("PUT", POLICY, owner, steps).body["notify"]["on_create"] == ["creator", "owners"]
    # Then a new escalation is emailed to the owner only (the creator is the one who escalated: never told of that)
    new_handoff(api, users["junior@acme.test"], "escalate")
    _route()
    _email(aws)
    assert [to for to, _ in _sent()] == ["owner@acme.test"]


@pytest.mark.parametrize(
    "notify",
    [
        {"on_create": ["engineers", "engineers"], "on_level_1": [], "on_level_2": []},
        {"on_create": ["everyone"], "on_level_1": [], "on_level_2": []},
        {"on_create": ["engineers"], "on_level_1": []},
    ],
)
def test_a_bad_notify_policy_is_422_with_a_detail(api: ApiClient, users: dict[str, User], notify: dict[str, Any]) -> None:
    body = {"remind_after_s": 300, "escalate_after_s": 900, "repeat_every_s": 900, "notify": notify}
    reply = api.call("PUT", POLICY, users["owner@acme.test"], body)
    assert reply.status == 422 and reply.body["detail"]


def test_the_creator_is_emailed_the_pickup_and_the_resolution(
    api: ApiClient, users: dict[str, User], aws: dict[str, str]
) -> None:
    junior, senior = users["junior@acme.test"], users["senior@acme.test"]
    session_id, handoff_id = new_handoff(api, junior, "escalate", notes="Printer offline")
    _route()
    _email(aws)
    before = len(_sent())
    # When senior picks it up and resolves it
    assert api.call("POST", handoff_path(session_id, handoff_id, "claim"), senior).status == 200
    resolved = api.call(
        "POST", handoff_path(session_id, handoff_id, "resolve"), senior, {"resolution_notes": "Spooler restarted"}
    )
    assert resolved.status == 200
    _route()
    assert _email(aws) == {"batchItemFailures": []}
    # Then the junior, and only the junior, gets "Picked up" and "Resolved" (with the fix)
    after = _sent()[before:]
    assert [to for to, _ in after] == ["junior@acme.test", "junior@acme.test"]
    # (in either order: a standard queue does not keep the two events' order)
    assert sorted(subject.split(":")[0] for _, subject in after) == [
        "[baton] Picked up by Sam Senior (Acme)",
        "[baton] Resolved by Sam Senior (Acme)",
    ]
    (resolution,) = [
        m.body for m in ses_backends[ACCOUNT][REGION].sent_messages[before:] if m.subject.startswith("[baton] Resolved")
    ]
    assert "Resolution: Spooler restarted" in resolution and "Sam Senior (Acme) resolved your escalation." in resolution


def test_email_off_reads_as_none_and_none_gets_nothing(api: ApiClient, users: dict[str, User], aws: dict[str, str]) -> None:
    # Given senior2 switched email off the old way (notify_email false) and senior chose none
    quiet = api.call(
        "PATCH", f"/api/v1/account/users/{users['senior2@acme.test'].id}", users["owner@acme.test"], {"notify_email": False}
    )
    assert quiet.body["email_mode"] == "none"
    assert api.call("PATCH", "/api/v1/me", users["senior@acme.test"], {"email_mode": "none"}).body["notify_email"] is False
    # When the junior escalates, Then only the admin is emailed
    new_handoff(api, users["junior@acme.test"], "escalate")
    _route()
    _email(aws)
    assert [to for to, _ in _sent()] == ["admin@acme.test"]
    # And an admin switching senior2 back on gives them immediate email again
    back = api.call(
        "PATCH", f"/api/v1/account/users/{users['senior2@acme.test'].id}", users["owner@acme.test"], {"notify_email": True}
    )
    assert (back.body["email_mode"], back.body["notify_email"]) == ("immediate", True)


def test_a_stored_user_with_notify_email_off_and_no_email_mode_gets_none(users: dict[str, User]) -> None:
    # Given a user item written before email_mode existed, with email off
    store = UserRepository("DataTable", provision.local_client("dynamodb", None))
    senior = users["senior@acme.test"]
    provision.local_client("dynamodb", None).update_item(
        TableName="DataTable",
        Key={"pk": {"S": f"USER#{senior.id}"}, "sk": {"S": "USER"}},
        UpdateExpression="SET notify_email = :off REMOVE email_mode, digest_minutes, email_when_live",
        ExpressionAttributeValues={":off": {"BOOL": False}},
    )
    # When it is read, Then it reads as none
    read = store.get(senior.id)
    assert read is not None and (read.email_mode, read.notify_email) == ("none", False)


def test_a_long_recipient_list_is_split_across_invocations_through_the_email_queue(
    api: ApiClient, users: dict[str, User], aws: dict[str, str]
) -> None:
    import email_handler
    from baton.logic import notify

    # Given acme with 25 more engineers (28 recipients for a new escalation with the admin, senior and senior2)
    store = UserRepository("DataTable", provision.local_client("dynamodb", None))
    for n in range(25):
        store.put(User(id=f"eng-{n}", account_id="acme", email=f"eng{n}@acme.test", display_name=f"Eng {n}", role=Role.ENGINEER))
    new_handoff(api, users["junior@acme.test"], "escalate")
    _route()
    # When the email function gets the event
    assert _email(aws) == {"batchItemFailures": []}
    # Then it emailed nobody itself and put the recipients back on its own queue in batches
    assert _sent() == []
    batches = sqs_event(aws["EmailQueue"])
    sizes = [len(json.loads(record["body"])["recipients"]) for record in batches["Records"]]
    assert sorted(sizes) == [8, notify.BATCH_SIZE, notify.BATCH_SIZE]
    # When each batch is its own invocation, Then each emails its part, and everyone is emailed exactly once
    for record in batches["Records"]:
        assert email_handler.handler({"Records": [record]}, lambda_context()) == {"batchItemFailures": []}
        assert len(_sent()) <= sum(sizes)
    assert len(_sent()) == 28 and len({to for to, _ in _sent()}) == 28
    # And a redelivered batch sends nothing twice
    email_handler.handler({"Records": batches["Records"][:1]}, lambda_context())
    assert len(_sent()) == 28


def _window(user: User) -> str | None:
    """The due_at of the user's open digest window (None: none is open)."""
    found = provision.local_client("dynamodb", None).get_item(
        TableName="DataTable", Key={"pk": {"S": f"USER#{user.id}"}, "sk": {"S": "DIGEST"}}, ConsistentRead=True
    )
    return found["Item"]["due_at"]["S"] if "Item" in found else None


def _timer_arrives(user: User, due_at: str) -> dict[str, Any]:
    """The digest function on the window's timer message (the real one waits on the queue until its delay is over)."""
    import digest_handler

    body = json.dumps({"account_id": user.account_id, "user_id": user.id, "due_at": due_at, "hop": 0})
    record = {
        "messageId": f"timer-{time.time_ns()}",
        "receiptHandle": "r",
        "body": body,
        "attributes": {"ApproximateReceiveCount": "1"},
        "messageAttributes": {},
        "md5OfBody": "",
        "eventSource": "aws:sqs",
        "eventSourceARN": f"arn:aws:sqs:{REGION}:{ACCOUNT}:DigestQueue",
        "awsRegion": REGION,
    }
    return dict(digest_handler.handler({"Records": [record]}, lambda_context()))


def _digests_to(address: str) -> list[Any]:
    return [m for m in ses_backends[ACCOUNT][REGION].sent_messages if m.destinations["ToAddresses"] == [address]]


def test_a_digest_reader_gets_one_email_per_window_with_everything_in_it(
    api: ApiClient, users: dict[str, User], aws: dict[str, str], monkeypatch: pytest.MonkeyPatch
) -> None:
    import digest_handler

    senior = users["senior@acme.test"]
    # Given senior chose a 5-minute digest
    chosen = api.call("PATCH", "/api/v1/me", senior, {"email_mode": "digest", "digest_minutes": 5})
    assert chosen.status == 200 and chosen.body["email_mode"] == "digest"
    # When the junior escalates twice
    new_handoff(api, users["junior@acme.test"], "escalate", notes="First thing")
    new_handoff(api, users["junior@acme.test"], "escalate", notes="Second thing")
    _route()
    _email(aws)
    # Then the others are emailed at once (senior2 and the admin, twice), senior is not: a window is open for them
    assert sorted(to for to, _ in _sent()) == ["admin@acme.test"] * 2 + ["senior2@acme.test"] * 2
    window = _window(senior)
    assert window is not None
    # When the window's timer arrives before its end, Then it waits on and nothing is sent
    assert _timer_arrives(senior, window) == {"batchItemFailures": []}
    assert _digests_to(senior.email) == []
    # When it arrives after the window's end, and then again (at-least-once)
    later = utc_now() + timedelta(minutes=6)
    monkeypatch.setattr(digest_handler, "utc_now", lambda: later)
    assert _timer_arrives(senior, window) == {"batchItemFailures": []}
    assert _timer_arrives(senior, window) == {"batchItemFailures": []}
    # Then senior got one digest with both escalations, and the window is closed
    (digest,) = _digests_to(senior.email)
    assert "Digest: 2 updates" in digest.subject
    assert "First thing" in digest.body and "Second thing" in digest.body
    assert _window(senior) is None
    # And the next escalation opens a new window rather than joining the sent one
    new_handoff(api, users["junior@acme.test"], "escalate", notes="Third thing")
    _route()
    _email(aws)
    assert _window(senior) not in (None, window)


def test_an_email_gives_its_time_in_the_accounts_zone(api: ApiClient, users: dict[str, User], aws: dict[str, str]) -> None:
    # Given acme's business hours are kept in Berlin (its people's zone)
    owner, junior, senior = users["owner@acme.test"], users["junior@acme.test"], users["senior@acme.test"]
    weekdays = {day: [["08:00", "18:00"]] for day in ("mon", "tue", "wed", "thu", "fri")}
    policy = {"remind_after_s": 300, "escalate_after_s": 900, "repeat_every_s": 900}
    berlin = {**policy, "business_hours": {"time_zone": "Europe/Berlin", "weekly": weekdays}}
    assert api.call("PUT", "/api/v1/account/policy", owner, berlin).status == 200
    session_id, handoff_id = new_handoff(api, junior, "escalate", notes="Printer offline")
    _route()
    _email(aws)
    before = len(ses_backends[ACCOUNT][REGION].sent_messages)
    # When a senior picks it up (the junior is emailed)
    assert api.call("POST", handoff_path(session_id, handoff_id, "claim"), senior).status == 200
    _route()
    assert _email(aws) == {"batchItemFailures": []}
    # Then the email says when in Berlin's time (CET or CEST), not in UTC
    (pickup,) = list(ses_backends[ACCOUNT][REGION].sent_messages)[before:]
    at_line = next(line for line in pickup.body.splitlines() if line.startswith("At "))
    assert at_line.split(".")[0].endswith(("CET", "CEST")), at_line
