"""The whole life of a handoff through the API handler on moto, with the events the stream makes of it."""

from __future__ import annotations

import json
from typing import Any

import boto3
import pytest
from moto.ses.models import ses_backends

from baton.domain.models import User
from local.template import ACCOUNT, REGION
from tests.event_contract import checked
from tests.integration.builders import SESSION_BODY, handoff_path, new_handoff, new_session
from tests.integration.conftest import ApiClient, lambda_context
from tests.integration.event_builders import handoff_only, sqs_event, stream_event


def _route() -> None:
    """Run the stream router over the whole stream so far (earlier records again: consumers dedupe)."""
    import stream_router_handler

    assert stream_router_handler.handler(handoff_only(stream_event()), lambda_context()) == {"batchItemFailures": []}


def _drain(queue_url: str) -> list[dict[str, Any]]:
    """Every event waiting on a queue, contract-checked, deleted from the queue, in version order."""
    sqs = boto3.client("sqs")
    events: list[dict[str, Any]] = []
    while batch := sqs_event(queue_url)["Records"]:
        events.extend(checked(json.loads(record["body"])) for record in batch)
        for record in batch:
            sqs.delete_message(QueueUrl=queue_url, ReceiptHandle=record["receiptHandle"])
    return sorted(events, key=lambda e: (e["handoff"]["id"], e["handoff"]["version"]))


def _mail_to() -> list[str]:
    return [address for mail in ses_backends[ACCOUNT][REGION].sent_messages for address in mail.destinations["ToAddresses"]]


def test_a_handoffs_whole_life_is_one_timeline_and_one_event_per_change(
    api: ApiClient, users: dict[str, User], aws: dict[str, str]
) -> None:
    import email_handler

    junior, senior, senior2 = users["junior@acme.test"], users["senior@acme.test"], users["senior2@acme.test"]
    # Given a junior's park
    session_id, handoff_id = new_handoff(api, junior, "park", notes="waiting for logs")
    path = handoff_path(session_id, handoff_id)
    # When the junior escalates it, a senior picks it up, releases it with a reason, picks it up again,
    # hands it to a colleague, and the colleague resolves it
    steps = [
        (junior, "escalate", {"engineer_notes": "logs show a failing disk"}),
        (senior, "claim", None),
        (senior, "release", {"reason": "needs a storage person"}),
        (senior, "claim", None),
        (senior, "reassign", {"to_user_id": senior2.id, "reason": "Sasha knows this SAN"}),
        (senior2, "resolve", {"resolution_notes": "replaced the disk"}),
    ]
    for who, action, body in steps:
        if action == "reassign":  # the holder's context offers the colleagues they may hand it to
            offered = api.call("GET", path, who).body["assignees"]
            assert senior2.id in [u["id"] for u in offered] and who.id not in [u["id"] for u in offered]
        reply = api.call("POST", f"{path}/{action}", who, body)
        assert reply.status == 200, (action, reply.body)
    # Then the timeline holds every change, oldest first, with who did it and why
    timeline = api.call("GET", f"{path}/timeline", senior).body
    assert [(e["action"], e["actor_id"], e["version"]) for e in timeline] == [
        ("create", junior.id, 1),
        ("escalate", junior.id, 2),
        ("claim", senior.id, 3),
        ("release", senior.id, 4),
        ("claim", senior.id, 5),
        ("reassign", senior.id, 6),
        ("resolve", senior2.id, 7),
    ]
    assert timeline[3]["reason"] == "needs a storage person"
    assert (timeline[5]["to_user_id"], timeline[5]["to_user_name"]) == (senior2.id, senior2.display_name)
    context = api.call("GET", path, senior).body
    assert context["timeline"] == timeline and context["allowed_actions"] == []
    assert (context["handoff"]["status"], context["handoff"]["intent"], context["handoff"]["version"]) == (
        "resolved",
        "escalate",
        7,
    )
    # And the stream made exactly one contract-valid event per change, in version order
    _route()
    pushed = _drain(aws["PushQueue"])
    assert [(e["type"], e["handoff"]["version"]) for e in pushed] == [
        ("handoff_created", 1),
        ("handoff_escalated", 2),
        ("handoff_claimed", 3),
        ("handoff_released", 4),
        ("handoff_claimed", 5),
        ("handoff_reassigned", 6),
        ("handoff_resolved", 7),
    ]
    assert all(e["actor"]["id"] == e["timeline_entry"]["actor_id"] for e in pushed)
    # And email went out by the default policy (DESIGN §3c): the escalation to the engineers and admins (not the
    # junior who raised it, not the owner), the reassign to the new holder, each pickup and the resolution to the
    # junior who created it
    emailed = sqs_event(aws["EmailQueue"])
    kinds = sorted(checked(json.loads(record["body"]))["type"] for record in emailed["Records"])
    assert kinds == ["handoff_claimed", "handoff_claimed", "handoff_escalated", "handoff_reassigned", "handoff_resolved"]
    assert email_handler.handler(emailed, lambda_context()) == {"batchItemFailures": []}
    assert sorted(_mail_to()) == sorted(
        ["admin@acme.test", "senior2@acme.test", "senior@acme.test"]  # the escalation
        + ["senior2@acme.test"]  # the reassign
        + ["junior@acme.test"] * 3  # two pickups and the resolution
    )


def test_an_assignee_who_turned_email_off_is_told_by_push_only(
    api: ApiClient, users: dict[str, User], aws: dict[str, str]
) -> None:
    import email_handler

    junior, senior, senior2 = users["junior@acme.test"], users["senior@acme.test"], users["senior2@acme.test"]
    # Given Sasha has turned email off, and a senior holds an escalation
    patched = api.call("PATCH", f"/api/v1/account/users/{senior2.id}", users["owner@acme.test"], {"notify_email": False})
    assert patched.status == 200 and patched.body["notify_email"] is False
    session_id, handoff_id = new_handoff(api, junior)
    assert api.call("POST", handoff_path(session_id, handoff_id, "claim"), senior).status == 200
    _route()
    _drain(aws["PushQueue"])
    email_handler.handler(sqs_event(aws["EmailQueue"]), lambda_context())
    before = len(_mail_to())
    # When the senior hands it to Sasha
    body = {"to_user_id": senior2.id, "reason": "Sasha knows this"}
    assert api.call("POST", handoff_path(session_id, handoff_id, "reassign"), senior, body).status == 200
    _route()
    # Then the account is told by push, and the email consumer (earlier events come again: it dedupes) sends
    # nothing to anyone
    assert "handoff_reassigned" in [e["type"] for e in _drain(aws["PushQueue"])]
    emailed = sqs_event(aws["EmailQueue"])
    assert "handoff_reassigned" in [checked(json.loads(r["body"]))["type"] for r in emailed["Records"]]
    assert email_handler.handler(emailed, lambda_context()) == {"batchItemFailures": []}
    assert _mail_to()[before:] == []


def test_a_withdrawn_handoff_frees_its_session_and_leaves_the_queue(api: ApiClient, users: dict[str, User]) -> None:
    junior = users["junior@acme.test"]
    # Given an open escalation
    session_id, handoff_id = new_handoff(api, junior)
    # When the junior withdraws it with a reason
    reply = api.call("POST", handoff_path(session_id, handoff_id, "withdraw"), junior, {"reason": "fixed it myself"})
    # Then it is withdrawn, off the queue, and the session takes a new handoff
    assert reply.status == 200 and reply.body["status"] == "withdrawn"
    queue = api.call("GET", "/api/v1/ai-sessions/queue", users["senior@acme.test"]).body
    assert handoff_id not in [item["id"] for item in queue]
    again = api.call("POST", f"/api/v1/ai-sessions/{session_id}/handoff", junior, {"intent": "park"})
    assert again.status == 201


def test_an_escalated_park_moves_to_the_escalations_queue(api: ApiClient, users: dict[str, User]) -> None:
    junior, senior = users["junior@acme.test"], users["senior@acme.test"]
    session_id, handoff_id = new_handoff(api, junior, "park")
    api.call("POST", handoff_path(session_id, handoff_id, "escalate"), junior)
    escalations = api.call("GET", "/api/v1/ai-sessions/queue", senior, query={"intent": "escalate"}).body
    parks = api.call("GET", "/api/v1/ai-sessions/queue", senior, query={"intent": "park"}).body
    assert handoff_id in [h["id"] for h in escalations] and handoff_id not in [h["id"] for h in parks]


def test_queue_items_carry_the_sessions_triage_fields(api: ApiClient, users: dict[str, User]) -> None:
    junior = users["junior@acme.test"]
    body = {
        **SESSION_BODY,
        "session_type": "guided",
        "intake_type": "free_text",
        "confidence_tier": "discovery",
        "ticket_ref": "HALO-4411",
        "client_name": "Contoso Dental",
        "subject": "Printer offline",
        "priority": "P1",
    }
    created = api.call("POST", "/api/v1/ai-sessions", junior, body)
    assert created.status == 201, created.body
    api.call("POST", f"/api/v1/ai-sessions/{created.body['id']}/handoff", junior, {"intent": "escalate"})
    (card,) = [h for h in api.call("GET", "/api/v1/ai-sessions/queue", junior).body if h["session_id"] == created.body["id"]]
    assert card["session"] == {
        "ticket_ref": "HALO-4411",
        "client_name": "Contoso Dental",
        "subject": "Printer offline",
        "priority": "P1",
        "confidence_tier": "discovery",
        "psa_ticket": None,  # linked only when the handoff came from a PSA ticket (DESIGN §3e)
    }


BAD = [
    ("reassign to a viewer", "reassign", "senior", {"to_user_id": "{viewer}"}, 422, "viewer"),
    ("reassign to oneself", "reassign", "senior", {"to_user_id": "{senior}"}, 422, "yourself"),
    ("reassign to another account", "reassign", "senior", {"to_user_id": "{globex}"}, 404, "No such user"),
    ("reassign without anyone", "reassign", "senior", {}, 422, "to_user_id"),
    ("withdraw a claimed handoff", "withdraw", "junior", None, 409, "it is claimed by"),
    ("a release reason over 1,000 characters", "release", "senior", {"reason": "x" * 1001}, 422, "reason"),
    (
        "a reassign reason over 1,000 characters",
        "reassign",
        "senior",
        {"to_user_id": "{senior2}", "reason": "x" * 1001},
        422,
        "reason",
    ),
    ("a withdraw reason over 1,000 characters", "withdraw", "junior", {"reason": "x" * 1001}, 422, "reason"),
    ("an unknown action", "frobnicate", "senior", {}, 404, "No such endpoint"),
    ("an unknown field", "release", "senior", {"why": "x"}, 422, "why"),
    ("a body where none is taken", "claim", "senior2", {"x": 1}, 422, "no request body"),
    ("escalate a claimed escalation", "escalate", "junior", None, 409, "it is claimed by"),
]


@pytest.mark.parametrize(("case", "action", "who", "body", "status", "detail"), BAD, ids=[b[0] for b in BAD])
def test_a_refused_action_changes_nothing_and_makes_no_event(
    api: ApiClient,
    users: dict[str, User],
    aws: dict[str, str],
    case: str,
    action: str,
    who: str,
    body: dict[str, Any] | None,
    status: int,
    detail: str,
) -> None:
    # Given an escalation a senior picked up, with its events delivered
    session_id, handoff_id = new_handoff(api, users["junior@acme.test"])
    path = handoff_path(session_id, handoff_id)
    assert api.call("POST", f"{path}/claim", users["senior@acme.test"]).status == 200
    _route()
    before = _drain(aws["PushQueue"])
    ids = {
        "{viewer}": "viewer@acme.test",
        "{senior}": "senior@acme.test",
        "{senior2}": "senior2@acme.test",
        "{globex}": "senior@globex.test",
    }
    body = {k: users[ids[v]].id if v in ids else v for k, v in body.items()} if body else body
    # When the refused action is tried
    reply = api.call("POST", f"{path}/{action}", users[f"{who}@acme.test"], body)
    # Then a clear 4xx, nothing changed, and no new event
    assert reply.status == status and detail in reply.body["detail"], reply.body
    assert api.call("GET", path, users["senior@acme.test"]).body["handoff"]["version"] == 2
    _route()
    assert [e for e in _drain(aws["PushQueue"]) if e not in before] == []


def test_nobody_claims_their_own_escalation(api: ApiClient, users: dict[str, User]) -> None:
    junior = users["junior@acme.test"]
    session_id, handoff_id = new_handoff(api, junior)
    reply = api.call("POST", handoff_path(session_id, handoff_id, "claim"), junior)
    assert reply.status == 403 and "yourself" in reply.body["detail"]
    parked_session = new_session(api, junior)
    park = api.call("POST", f"/api/v1/ai-sessions/{parked_session}/handoff", junior, {"intent": "park"}).body
    assert api.call("POST", handoff_path(parked_session, park["id"], "claim"), junior).status == 200
