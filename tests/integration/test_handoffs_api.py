"""Handoffs through the API handler on moto: create, queue, claim, release, resolve."""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from datetime import UTC
from typing import Any
from zoneinfo import ZoneInfo

import boto3
import pytest
from botocore.awsrequest import AWSResponse

from baton.domain.clock import local_time
from baton.domain.models import User
from baton.repositories.dynamo_errors import TRANSACTION_ATTEMPTS
from local.template import Template
from tests.integration.builders import handoff_path, new_handoff, new_session
from tests.integration.conftest import ApiClient

FIXED = {"resolution_notes": "Fixed the CNAME"}


@pytest.mark.parametrize("intent", ["park", "escalate"])
def test_create_handoff_returns_201_with_all_fields(api: ApiClient, users: dict[str, User], intent: str) -> None:
    # Given a junior's session
    junior = users["junior@acme.test"]
    session_id = new_session(api, junior)
    # When the junior hands it off
    reply = api.call("POST", f"/api/v1/ai-sessions/{session_id}/handoff", junior, {"intent": intent, "engineer_notes": "logs?"})
    # Then the handoff is open, version 1, attributed to the junior
    assert reply.status == 201
    handoff = reply.body
    assert handoff["intent"] == intent and handoff["status"] == "open" and handoff["version"] == 1
    assert handoff["session_id"] == session_id and handoff["account_id"] == "acme"
    assert handoff["created_by"] == junior.id and handoff["engineer_notes"] == "logs?"
    assert handoff["claimed_by"] is None and handoff["claimed_at"] is None
    # And the session shows it was handed off
    session = api.call("GET", f"/api/v1/ai-sessions/{session_id}", junior).body
    assert session["status"] == {"park": "parked", "escalate": "escalated"}[intent]


def test_second_open_handoff_for_a_session_is_409_naming_the_first(api: ApiClient, users: dict[str, User]) -> None:
    # Given a session with an open handoff
    junior = users["junior@acme.test"]
    session_id, first = new_handoff(api, junior)
    # When another handoff is created for it
    reply = api.call("POST", f"/api/v1/ai-sessions/{session_id}/handoff", junior, {"intent": "park"})
    # Then it is refused with a body naming the open one
    assert reply.status == 409
    assert reply.body["handoff_id"] == first and first in reply.body["detail"]


def test_a_resolved_handoff_frees_the_session_for_a_new_one(api: ApiClient, users: dict[str, User]) -> None:
    # Given a handoff that a senior claimed and resolved
    junior, senior = users["junior@acme.test"], users["senior@acme.test"]
    session_id, handoff_id = new_handoff(api, junior)
    assert api.call("POST", handoff_path(session_id, handoff_id, "claim"), senior).status == 200
    resolved = api.call("POST", handoff_path(session_id, handoff_id, "resolve"), senior, {"resolution_notes": "DNS fixed"})
    assert resolved.status == 200 and resolved.body["status"] == "resolved" and resolved.body["version"] == 3
    # When the junior hands the session off again
    again = api.call("POST", f"/api/v1/ai-sessions/{session_id}/handoff", junior, {"intent": "park"})
    # Then that works, and the session lists both handoffs, newest first
    assert again.status == 201
    listed = api.call("GET", f"/api/v1/ai-sessions/{session_id}/handoffs", senior).body
    assert [h["id"] for h in listed] == [again.body["id"], handoff_id]


def test_queue_lists_only_open_handoffs_of_the_callers_account_oldest_first(api: ApiClient, users: dict[str, User]) -> None:
    # Given three acme handoffs (one of them claimed) and one globex handoff
    junior, senior = users["junior@acme.test"], users["senior@acme.test"]
    first = new_handoff(api, junior, "escalate")
    second = new_handoff(api, junior, "park")
    claimed = new_handoff(api, junior, "escalate")
    api.call("POST", handoff_path(*claimed, "claim"), senior)
    new_handoff(api, users["junior@globex.test"], "escalate")
    # When an acme senior reads the queue
    reply = api.call("GET", "/api/v1/ai-sessions/queue", senior)
    # Then it holds acme's open handoffs only, oldest first
    assert reply.status == 200
    assert [h["id"] for h in reply.body] == [first[1], second[1]]
    assert "x-next-cursor" not in reply.headers
    # And the intent filter narrows it
    parks = api.call("GET", "/api/v1/ai-sessions/queue", senior, query={"intent": "park"}).body
    assert [h["id"] for h in parks] == [second[1]]


def test_queue_pages_with_x_next_cursor(api: ApiClient, users: dict[str, User]) -> None:
    # Given five open handoffs
    junior, senior = users["junior@acme.test"], users["senior@acme.test"]
    created = [new_handoff(api, junior)[1] for _ in range(5)]
    # When the queue is read two at a time, following X-Next-Cursor
    seen: list[str] = []
    query: dict[str, str] = {"limit": "2"}
    pages = 0
    while True:
        reply = api.call("GET", "/api/v1/ai-sessions/queue", senior, query=query)
        assert reply.status == 200 and len(reply.body) <= 2
        seen += [h["id"] for h in reply.body]
        pages += 1
        if "x-next-cursor" not in reply.headers:
            break
        query = {"limit": "2", "cursor": reply.headers["x-next-cursor"]}
    # Then every handoff is seen once, in order, over three pages
    assert seen == created and pages == 3


def test_a_cursor_cannot_read_another_accounts_queue(api: ApiClient, users: dict[str, User]) -> None:
    # Given a cursor from acme's queue
    for _ in range(3):
        new_handoff(api, users["junior@acme.test"])
    page = api.call("GET", "/api/v1/ai-sessions/queue", users["senior@acme.test"], query={"limit": "1"})
    cursor = page.headers["x-next-cursor"]
    # When a globex senior presents it
    reply = api.call("GET", "/api/v1/ai-sessions/queue", users["senior@globex.test"], query={"cursor": cursor})
    # Then it is refused as invalid, and nothing of acme leaks
    assert reply.status == 422 and "cursor" in reply.body["detail"]


def test_claim_sets_claimed_by_and_a_second_claim_names_the_winner(api: ApiClient, users: dict[str, User]) -> None:
    # Given an open escalation
    session_id, handoff_id = new_handoff(api, users["junior@acme.test"])
    senior, senior2 = users["senior@acme.test"], users["senior2@acme.test"]
    # When a senior claims it
    won = api.call("POST", handoff_path(session_id, handoff_id, "claim"), senior)
    # Then they own it
    assert won.status == 200
    assert won.body["claimed_by"] == senior.id and won.body["claimed_at"] and won.body["status"] == "claimed"
    assert won.body["version"] == 2
    # And the next claimer learns who and when
    lost = api.call("POST", handoff_path(session_id, handoff_id, "claim"), senior2)
    assert lost.status == 409
    assert lost.body["claimed_by"] == senior.id and lost.body["claimed_at"] == won.body["claimed_at"]
    # (the time as people read it, in the account's zone: UTC without business hours; issue 24 replaced the ISO time)
    assert f"claimed by {senior.display_name} at {local_time(won.body['claimed_at'], UTC)};" in lost.body["detail"]
    # And it left the queue
    assert api.call("GET", "/api/v1/ai-sessions/queue", senior2).body == []


def test_a_refusal_writes_the_holders_time_in_the_accounts_zone(
    api: ApiClient, users: dict[str, User], dynamodb_calls: list[DynamoDBCall]
) -> None:
    # Given acme's business hours in Berlin, and an escalation Sam picked up
    owner, senior, senior2 = users["owner@acme.test"], users["senior@acme.test"], users["senior2@acme.test"]
    hours = {"time_zone": "Europe/Berlin", "weekly": {"mon": [["08:00", "18:00"]]}}
    steps = {"remind_after_s": 300, "escalate_after_s": 900, "repeat_every_s": 900}
    assert api.call("PUT", "/api/v1/account/policy", owner, {**steps, "business_hours": hours}).status == 200
    session_id, handoff_id = new_handoff(api, users["junior@acme.test"])
    dynamodb_calls.clear()
    won = api.call("POST", handoff_path(session_id, handoff_id, "claim"), senior)
    assert _policy_reads(dynamodb_calls) == 0  # the pickup itself does not read the policy
    # When a colleague tries to pick it up too
    lost = api.call("POST", handoff_path(session_id, handoff_id, "claim"), senior2)
    assert _policy_reads(dynamodb_calls) == 1  # the refusal reads it once, for its zone
    # Then the 409 says when Sam picked it up in Berlin's wall time and zone ("Mon 7 Dec 11:42 CET"), not in ISO UTC
    berlin = local_time(won.body["claimed_at"], ZoneInfo("Europe/Berlin"))
    assert re.fullmatch(r"\w{3} \d{1,2} \w{3} \d\d:\d\d CES?T", berlin)
    assert lost.status == 409 and f"claimed by {senior.display_name} at {berlin};" in lost.body["detail"]
    assert won.body["claimed_at"] not in lost.body["detail"] and lost.body["claimed_at"] == won.body["claimed_at"]


def test_owner_can_claim(api: ApiClient, users: dict[str, User]) -> None:
    # Given an open handoff, When the account owner claims it, Then it is theirs
    session_id, handoff_id = new_handoff(api, users["junior@acme.test"])
    owner = users["owner@acme.test"]
    reply = api.call("POST", handoff_path(session_id, handoff_id, "claim"), owner)
    assert reply.status == 200 and reply.body["claimed_by"] == owner.id


def test_release_puts_it_back_in_the_queue_and_only_the_claimer_or_an_admin_may(api: ApiClient, users: dict[str, User]) -> None:
    # Given a handoff claimed by senior
    session_id, handoff_id = new_handoff(api, users["junior@acme.test"])
    senior, senior2, admin = users["senior@acme.test"], users["senior2@acme.test"], users["admin@acme.test"]
    api.call("POST", handoff_path(session_id, handoff_id, "claim"), senior)
    # When another engineer tries to release it, Then that is forbidden
    refused = api.call("POST", handoff_path(session_id, handoff_id, "release"), senior2)
    assert refused.status == 403 and senior.display_name in refused.body["detail"]
    # When an admin releases it, Then it is open and queued again with its original position
    released = api.call("POST", handoff_path(session_id, handoff_id, "release"), admin)
    assert released.status == 200 and released.body["status"] == "open" and released.body["claimed_by"] is None
    assert [h["id"] for h in api.call("GET", "/api/v1/ai-sessions/queue", senior2).body] == [handoff_id]
    # And releasing an open handoff is a conflict
    assert api.call("POST", handoff_path(session_id, handoff_id, "release"), admin).status == 409


def test_resolve_needs_the_claimer_or_a_supervisor(api: ApiClient, users: dict[str, User]) -> None:
    # Given a claimed handoff
    session_id, handoff_id = new_handoff(api, users["junior@acme.test"])
    api.call("POST", handoff_path(session_id, handoff_id, "claim"), users["senior@acme.test"])
    # When someone else (an engineer) resolves it, Then 403
    assert api.call("POST", handoff_path(session_id, handoff_id, "resolve"), users["senior2@acme.test"], FIXED).status == 403
    # When the owner resolves it, Then it is resolved; a second resolve is a conflict
    assert api.call("POST", handoff_path(session_id, handoff_id, "resolve"), users["owner@acme.test"], FIXED).status == 200
    again = api.call("POST", handoff_path(session_id, handoff_id, "resolve"), users["owner@acme.test"], FIXED)
    assert again.status == 409 and "resolved" in again.body["detail"]


@pytest.mark.parametrize("body", [None, {}, {"resolution_notes": ""}, {"resolution_notes": " \n\t "}])
def test_a_resolve_without_notes_is_422_and_changes_nothing(api: ApiClient, users: dict[str, User], body: Any) -> None:
    # Given a handoff the senior picked up
    session_id, handoff_id = new_handoff(api, users["junior@acme.test"])
    senior = users["senior@acme.test"]
    api.call("POST", handoff_path(session_id, handoff_id, "claim"), senior)
    # When he resolves it without saying what fixed it
    reply = api.call("POST", handoff_path(session_id, handoff_id, "resolve"), senior, body)
    # Then it is a 422 with a sentence (naming the notes whenever a body came), and the handoff is still his
    assert reply.status == 422 and reply.body["detail"], reply.body
    assert body is None or "resolution" in reply.body["detail"].lower(), reply.body
    assert api.call("GET", handoff_path(session_id, handoff_id), senior).body["handoff"]["status"] == "claimed"


def test_the_fix_and_the_parks_notes_stay_in_the_timeline(api: ApiClient, users: dict[str, User]) -> None:
    # Given a park with notes, escalated with new notes, picked up and resolved with the fix
    junior, senior = users["junior@acme.test"], users["senior@acme.test"]
    session_id, handoff_id = new_handoff(api, junior, "park", notes="Waiting for the DNS logs")
    escalated = api.call(
        "POST", handoff_path(session_id, handoff_id, "escalate"), junior, {"engineer_notes": "Logs show NXDOMAIN"}
    )
    assert escalated.status == 200 and escalated.body["engineer_notes"] == "Logs show NXDOMAIN"
    api.call("POST", handoff_path(session_id, handoff_id, "claim"), senior)
    assert api.call("POST", handoff_path(session_id, handoff_id, "resolve"), senior, FIXED).status == 200
    # When the junior reads the timeline
    timeline = api.call("GET", handoff_path(session_id, handoff_id, "timeline"), junior).body
    # Then the escalate entry keeps the park's notes and the resolve entry says what fixed it
    notes = {entry["action"]: entry["notes"] for entry in timeline}
    assert notes["escalate"] == "Waiting for the DNS logs" and notes["resolve"] == "Fixed the CNAME"
    assert notes["create"] is None and notes["claim"] is None


def test_claiming_a_resolved_handoff_is_409(api: ApiClient, users: dict[str, User]) -> None:
    session_id, handoff_id = new_handoff(api, users["junior@acme.test"])
    assert api.call("POST", handoff_path(session_id, handoff_id, "claim"), users["senior@acme.test"]).status == 200
    assert api.call("POST", handoff_path(session_id, handoff_id, "resolve"), users["admin@acme.test"], FIXED).status == 200
    reply = api.call("POST", handoff_path(session_id, handoff_id, "claim"), users["senior2@acme.test"])
    assert reply.status == 409 and "it is resolved" in reply.body["detail"]


def test_handoff_context_has_everything_a_senior_needs(api: ApiClient, users: dict[str, User]) -> None:
    # Given an escalation of a session with intake and conversation
    session_id, handoff_id = new_handoff(api, users["junior@acme.test"], notes="Tried flushdns")
    # When a senior opens it
    reply = api.call("GET", handoff_path(session_id, handoff_id), users["senior@acme.test"])
    # Then the handoff and its whole session come back
    assert reply.status == 200
    assert reply.body["handoff"]["engineer_notes"] == "Tried flushdns"
    session = reply.body["session"]
    assert session["intake_content"]["ticket"] == "T-1001" and session["confidence_tier"] == "low"
    assert len(session["conversation_messages"]) == 2


def test_idempotent_retry_creates_exactly_one_handoff(api: ApiClient, users: dict[str, User]) -> None:
    # Given a session
    junior = users["junior@acme.test"]
    session_id = new_session(api, junior)
    path, body, key = (
        f"/api/v1/ai-sessions/{session_id}/handoff",
        {"intent": "escalate", "engineer_notes": "x"},
        {"Idempotency-Key": "k-1"},
    )
    # When the same request is sent three times with one Idempotency-Key
    replies = [api.call("POST", path, junior, body, headers=key) for _ in range(3)]
    # Then every reply is the first one, and only one handoff exists
    assert {r.status for r in replies} == {201}
    assert len({r.body["id"] for r in replies}) == 1
    assert len(api.call("GET", f"/api/v1/ai-sessions/{session_id}/handoffs", junior).body) == 1
    # And reusing the key with another body is refused, creating nothing
    other = api.call("POST", path, junior, {"intent": "park"}, headers=key)
    assert other.status == 422 and "Idempotency-Key" in other.body["detail"]
    assert len(api.call("GET", "/api/v1/ai-sessions/queue", users["senior@acme.test"]).body) == 1


def test_a_session_with_only_the_required_fields_reads_back(api: ApiClient, users: dict[str, User]) -> None:
    # Given a session created with nothing optional (no tier, no conversation)
    junior = users["junior@acme.test"]
    created = api.call("POST", "/api/v1/ai-sessions", junior, {"intake_type": "chat", "intake_content": {}})
    assert created.status == 201
    # When anyone of the account reads it, Then it comes back whole
    reply = api.call("GET", f"/api/v1/ai-sessions/{created.body['id']}", users["viewer@acme.test"])
    assert reply.status == 200
    assert reply.body["confidence_tier"] is None and reply.body["conversation_messages"] == []


@pytest.mark.parametrize("action", ["claim", "resolve"])  # one UpdateItem; a transaction with the session
def test_a_write_the_sdk_resends_after_a_lost_answer_answers_as_the_first_did(
    api: ApiClient, users: dict[str, User], action: str
) -> None:
    import api_dependencies

    # Given an escalation (claimed by the senior, for resolve), and the API's DynamoDB client set to resend
    # the next write once after it succeeded, as botocore does when a read timeout loses the answer
    junior, senior = users["junior@acme.test"], users["senior@acme.test"]
    session_id, handoff_id = new_handoff(api, junior)
    if action == "resolve":
        assert api.call("POST", handoff_path(session_id, handoff_id, "claim"), senior).status == 200
    resent: list[str] = []

    def resend_once(**kwargs: object) -> int | None:
        if resent:
            return None
        resent.append("once")
        return 0  # retry now

    events = api_dependencies.dependencies().handoffs._client.meta.events
    operation = "UpdateItem" if action == "claim" else "TransactWriteItems"
    events.register_first(f"needs-retry.dynamodb.{operation}", resend_once)
    # When the senior acts
    reply = api.call("POST", handoff_path(session_id, handoff_id, action), senior, {} if action == "claim" else FIXED)
    events.unregister(f"needs-retry.dynamodb.{operation}", resend_once)
    # Then the resent write did not turn the senior's own success into a 409, and it happened once
    assert resent and reply.status == 200, reply.body
    timeline = api.call("GET", handoff_path(session_id, handoff_id, "timeline"), senior).body
    assert [entry["action"] for entry in timeline].count(action) == 1


_TRANSACTION_ACTIONS = {"Put": "PutItem", "Update": "UpdateItem", "Delete": "DeleteItem", "ConditionCheck": "ConditionCheckItem"}


def _listed(value: Any) -> list[Any]:
    return value if isinstance(value, list) else [value]


def _granted(template: Template, function: str) -> set[tuple[str, str]]:
    """(action, table logical id) pairs a function's policy statements allow: its own role's (`Role: !GetAtt
    <X>Role.Arn`, each function has one) and any SAM `Policies` on the function."""
    properties = template.of_type("AWS::Serverless::Function")[function]["Properties"]
    documents = [policy for policy in properties.get("Policies", []) if isinstance(policy, dict)]
    if isinstance(properties.get("Role"), dict):
        role = template.of_type("AWS::IAM::Role")[properties["Role"]["Fn::GetAtt"][0]]
        documents += [policy["PolicyDocument"] for policy in role["Properties"].get("Policies", [])]
    pairs = set()
    for document in documents:
        for statement in document.get("Statement", []):
            actions, resources = (_listed(statement.get(key, [])) for key in ("Action", "Resource"))
            tables = {str(resource.get("Fn::GetAtt", [resource.get("Fn::Sub", "")])[0]).split(".")[0] for resource in resources}
            pairs |= {(action.removeprefix("dynamodb:"), table.removeprefix("${")) for action in actions for table in tables}
    return pairs


DynamoDBCall = tuple[str, dict[str, Any]]


@pytest.fixture
def dynamodb_calls() -> Iterator[list[DynamoDBCall]]:
    """(operation, parameters) of every DynamoDB call boto3's default session makes while the test runs."""
    calls: list[DynamoDBCall] = []

    def record(model: Any, params: dict[str, Any], **_: Any) -> None:
        calls.append((model.name, params))

    events = boto3._get_default_session().events
    events.register("before-parameter-build.dynamodb", record, unique_id="dynamodb-calls")
    yield calls
    events.unregister("before-parameter-build.dynamodb", unique_id="dynamodb-calls")


def _table_actions(calls: list[DynamoDBCall]) -> set[tuple[str, str]]:
    """(action, table) of each call, a transaction's items one by one."""
    actions = set()
    for name, params in calls:
        if name in ("TransactWriteItems", "TransactGetItems"):
            for entry in params["TransactItems"]:
                kind, operation = next(iter(entry.items()))
                actions.add((_TRANSACTION_ACTIONS.get(kind, "GetItem"), operation["TableName"]))
        elif "RequestItems" in params:
            actions.update((name, table) for table in params["RequestItems"])
        else:
            actions.add((name, params["TableName"]))
    return actions


def _policy_reads(calls: list[DynamoDBCall]) -> int:
    """How many reads of the account's SLA policy (a GetItem of its `sla_policy`) were made."""
    return sum(1 for name, params in calls if name == "GetItem" and params.get("ProjectionExpression") == "sla_policy")


def _eventual_reads(calls: list[DynamoDBCall]) -> list[tuple[str, str]]:
    """(operation, table) of each read of a base table (not an index) made without ConsistentRead."""
    reads = []
    for name, params in calls:
        if name == "BatchGetItem":
            reads.extend((name, t) for t, ask in params["RequestItems"].items() if not ask.get("ConsistentRead"))
        elif name in ("GetItem", "Query") and "IndexName" not in params and not params.get("ConsistentRead"):
            reads.append((name, params["TableName"]))
    return reads


def test_every_table_call_of_a_handoffs_life_is_allowed_by_the_api_functions_policy(
    api: ApiClient, users: dict[str, User], template: Template, dynamodb_calls: list[DynamoDBCall]
) -> None:
    # Given every DynamoDB call the API function makes, recorded
    junior, senior = users["junior@acme.test"], users["senior@acme.test"]
    # When a handoff lives its whole life through the API (created with an Idempotency-Key)
    session_id = new_session(api, junior)
    once = {"Idempotency-Key": "k1"}
    handoff_id = api.call("POST", f"/api/v1/ai-sessions/{session_id}/handoff", junior, {"intent": "escalate"}, once).body["id"]
    life = (("claim", None), ("release", {"reason": "later"}), ("claim", None), ("resolve", {"resolution_notes": "ok"}))
    for action, body in life:
        assert api.call("POST", handoff_path(session_id, handoff_id, action), senior, body).status == 200
    assert api.call("GET", "/api/v1/ai-sessions/queue", senior).status == 200
    # Then every action on every table it touched is granted to ApiFunction in template.yaml
    table_calls = _table_actions(dynamodb_calls)
    assert ("BatchGetItem", "DataTable") in table_calls and ("PutItem", "IdempotencyTable") in table_calls
    assert table_calls - _granted(template, "ApiFunction") == set()


def test_every_read_of_a_base_table_on_a_handoffs_life_sees_the_callers_own_writes(
    api: ApiClient, users: dict[str, User], dynamodb_calls: list[DynamoDBCall]
) -> None:
    # Given every base-table read the API makes, recorded
    junior, senior, senior2 = users["junior@acme.test"], users["senior@acme.test"], users["senior2@acme.test"]
    # When a handoff is created, acted on and read back after each action, as the console does
    session_id = new_session(api, junior)
    handoff_id = api.call("POST", f"/api/v1/ai-sessions/{session_id}/handoff", junior, {"intent": "park"}).body["id"]
    path = handoff_path(session_id, handoff_id)
    life = [
        (junior, "escalate", {}),
        (senior, "claim", None),
        (senior, "reassign", {"to_user_id": senior2.id}),
        (senior2, "release", {"reason": "later"}),
        (junior, "withdraw", {}),
    ]
    for who, action, body in life:
        assert api.call("POST", f"{path}/{action}", who, body).status == 200, action
        assert api.call("GET", path, who).status == 200
        assert api.call("GET", f"{path}/timeline", who).status == 200
    assert api.call("GET", f"/api/v1/ai-sessions/{session_id}", junior).status == 200
    assert api.call("GET", f"/api/v1/ai-sessions/{session_id}/handoffs", junior).status == 200
    # Then none of those reads was eventually consistent (only index queries may be)
    assert _eventual_reads(dynamodb_calls) == []


def _fail_calls(client: Any, operation: str, code: str, times: int) -> Callable[..., Any]:
    """Makes the next `times` calls of `operation` on `client` answer DynamoDB's error `code` (400)."""
    left = [times]

    def answer(**_: Any) -> tuple[AWSResponse, dict[str, Any]] | None:
        if left[0] == 0:
            return None
        left[0] -= 1
        return AWSResponse("", 400, {}, None), {"Error": {"Code": code, "Message": "injected"}}

    client.meta.events.register_first(f"before-call.dynamodb.{operation}", answer)
    return answer


@pytest.mark.parametrize(("times", "status"), [(2, 200), (TRANSACTION_ATTEMPTS, 503)])
def test_a_claim_that_meets_another_writes_transaction_is_retried_then_503(
    api: ApiClient, users: dict[str, User], times: int, status: int
) -> None:
    import api_dependencies

    # Given an escalation, and DynamoDB answering the next claims "TransactionConflictException" (a plain
    # write meeting another one's transaction, e.g. a withdraw in flight), which botocore does not retry
    junior, senior = users["junior@acme.test"], users["senior@acme.test"]
    session_id, handoff_id = new_handoff(api, junior)
    client = api_dependencies.dependencies().handoffs._client
    answer = _fail_calls(client, "UpdateItem", "TransactionConflictException", times)
    # When the senior claims it
    reply = api.call("POST", handoff_path(session_id, handoff_id, "claim"), senior)
    client.meta.events.unregister("before-call.dynamodb.UpdateItem", answer)
    # Then a short conflict is retried into a success; a lasting one is a 503 with a detail that changed nothing
    assert reply.status == status, reply.body
    after = api.call("GET", handoff_path(session_id, handoff_id), senior).body["handoff"]
    if status == 503:
        assert "retry" in reply.body["detail"]
        assert after["status"] == "open" and after["version"] == 1
    else:
        assert after["status"] == "claimed" and after["claimed_by"] == senior.id


def test_a_throttled_idempotency_store_is_a_503_and_the_retry_creates_one_handoff(api: ApiClient, users: dict[str, User]) -> None:
    import api_dependencies

    # Given the idempotency table throttling the next write (Powertools calls it, not baton's repositories)
    junior = users["junior@acme.test"]
    session_id = new_session(api, junior)
    client = api_dependencies.dependencies().handoffs._client
    answer = _fail_calls(client, "PutItem", "ProvisionedThroughputExceededException", 1)
    once = {"Idempotency-Key": "throttled-1"}
    # When the junior hands off with an Idempotency-Key, and retries after the refusal
    path = f"/api/v1/ai-sessions/{session_id}/handoff"
    first = api.call("POST", path, junior, {"intent": "escalate"}, once)
    client.meta.events.unregister("before-call.dynamodb.PutItem", answer)
    again = api.call("POST", path, junior, {"intent": "escalate"}, once)
    # Then the first answer is a 503 with a detail, the retry creates it, and the session has exactly one handoff
    assert first.status == 503 and "retry" in first.body["detail"], first.body
    assert again.status == 201
    listed = api.call("GET", f"/api/v1/ai-sessions/{session_id}/handoffs", junior).body
    assert [h["id"] for h in listed] == [again.body["id"]]
