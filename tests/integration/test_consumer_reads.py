"""What the chat and PSA consumers cost per event on moto: they hear of events they can never act on (every handoff
event of every account reaches the Slack and Teams queues), so an event that sends nothing must cost no more than one
read of what its account set up (once per account and batch) and must keep nothing (no idempotency record); an event
that is sent is still sent exactly once, a redelivery never twice, and a tool set up just now is used at once."""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import boto3
import pytest

from baton.domain.models import User
from tests.integration.builders import handoff_path, new_handoff
from tests.integration.conftest import ApiClient, lambda_context
from tests.integration.event_builders import handoff_only, sqs_event, stream_event
from tests.integration.webhook_receiver import ReceiverThread

BASE = "/api/v1/account/integrations"
AwsCall = tuple[str, str, dict[str, Any]]  # (service, operation, parameters)


@pytest.fixture
def aws_calls() -> Iterator[list[AwsCall]]:
    """Every DynamoDB and SSM call made by clients of boto3's default session from now on (clients built later:
    each test starts the consumer afresh, as a new execution environment)."""
    calls: list[AwsCall] = []

    def record(model: Any, params: dict[str, Any], event_name: str, **_: Any) -> None:
        calls.append((event_name.split(".")[1], model.name, params))

    events = boto3._get_default_session().events
    for service in ("dynamodb", "ssm"):
        events.register(f"before-parameter-build.{service}", record, unique_id=f"consumer-calls-{service}")
    yield calls
    for service in ("dynamodb", "ssm"):
        events.unregister(f"before-parameter-build.{service}", unique_id=f"consumer-calls-{service}")


def _route(routed: set[str] | None = None) -> None:
    """The stream router on what was written since (`routed`: the stream records routed before, updated): each
    handoff event to the queues its filters let through, once."""
    import stream_router_handler

    records = [r for r in handoff_only(stream_event())["Records"] if r["eventID"] not in (routed or set())]
    assert stream_router_handler.handler({"Records": records}, lambda_context()) == {"batchItemFailures": []}
    if routed is not None:
        routed.update(r["eventID"] for r in records)


def _slack(event: dict[str, Any], monkeypatch: pytest.MonkeyPatch, fresh: bool = True) -> None:
    import webhooks_handler

    monkeypatch.setenv("WEBHOOK_CHANNEL", "slack")
    if fresh or webhooks_handler.dependencies().channel != "slack":
        webhooks_handler.dependencies.cache_clear()
    assert webhooks_handler.handler(event, lambda_context()) == {"batchItemFailures": []}


def _idempotency_records() -> list[str]:
    items = boto3.client("dynamodb").scan(TableName="IdempotencyTable")["Items"]
    return sorted(item["id"]["S"] for item in items)


def _reads(calls: list[AwsCall]) -> list[tuple[str, str]]:
    """(operation, sort key or parameter) of each call, in order."""
    seen = []
    for service, operation, params in calls:
        if service == "ssm":
            seen.append((operation, str(params.get("Name"))))
        else:
            seen.append((operation, str(params.get("Key", {}).get("sk", {}).get("S", params.get("TableName")))))
    return seen


def test_an_account_without_a_chat_tool_costs_one_read_of_each_setting_per_batch_and_keeps_nothing(
    api: ApiClient, users: dict[str, User], aws: dict[str, str], aws_calls: list[AwsCall], monkeypatch: pytest.MonkeyPatch
) -> None:
    # Given globex set up no chat tool, and a park and two escalations of globex: the escalations' events on the Slack
    # queue (its subscription hears escalations only, never a park)
    junior = users["junior@globex.test"]
    new_handoff(api, junior, "park")
    new_handoff(api, junior, "escalate")
    new_handoff(api, junior, "escalate")
    _route()
    event = sqs_event(aws["SlackQueue"])
    assert len(event["Records"]) == 2
    aws_calls.clear()
    # When a new Slack function gets the batch
    _slack(event, monkeypatch)
    # Then it read globex's Slack app item once and, for the escalations, its webhook item once: nothing else
    assert _reads(aws_calls) == [("GetItem", "CONNECTOR#slack"), ("GetItem", "INTEGRATION#slack")]
    # And it kept no idempotency record (nothing was sent, so nothing can be sent twice)
    assert _idempotency_records() == []


def test_a_parks_events_cost_no_read_and_an_escalations_unannounced_event_one_and_none_keeps_anything(
    api: ApiClient,
    users: dict[str, User],
    aws: dict[str, str],
    aws_calls: list[AwsCall],
    receiver: ReceiverThread,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # Given acme's Slack webhook, a park of acme, and an escalation of acme a senior picked up
    assert api.call("PUT", f"{BASE}/slack", users["owner@acme.test"], {"webhook_url": receiver.url("slack")}).status == 200
    park_session, park = new_handoff(api, users["junior@acme.test"], "park")
    assert api.call("POST", handoff_path(park_session, park, "claim"), users["junior@acme.test"]).status == 200
    session_id, escalation = new_handoff(api, users["junior@acme.test"], "escalate")
    assert api.call("POST", handoff_path(session_id, escalation, "claim"), users["senior@acme.test"]).status == 200
    _route()
    arrived = sqs_event(aws["SlackQueue"])["Records"]
    # (the Slack queue's subscription keeps parks out; a park's events that reach it all the same, e.g. published
    # before the filter was deployed, are the ones on the push queue)
    assert not [r for r in arrived if json.loads(r["body"])["handoff"]["id"] == park]
    pushed = sqs_event(aws["PushQueue"])["Records"]
    parks = [r for r in pushed if json.loads(r["body"])["handoff"]["id"] == park]
    pickup = [r for r in arrived if json.loads(r["body"])["type"] == "handoff_claimed"]
    assert len(parks) == 2 and len(pickup) == 1  # the park's creation and resumption; the escalation's pickup
    aws_calls.clear()
    # When the Slack function gets the park's events and the pickup
    _slack({"Records": parks}, monkeypatch)
    park_reads = _reads(aws_calls)
    _slack({"Records": pickup}, monkeypatch)
    # Then the park's events cost no read at all (no chat tool has anything to do with a park), the pickup one read of the
    # Slack app's item (an app's messages follow every change of an escalation; a webhook's do not)
    assert park_reads == []
    assert _reads(aws_calls) == [("GetItem", "CONNECTOR#slack")]
    # And nothing was posted or kept
    assert receiver.posts() == []
    assert _idempotency_records() == []


def test_an_account_with_a_slack_webhook_gets_one_message_per_escalation_and_a_redelivery_none(
    api: ApiClient,
    users: dict[str, User],
    aws: dict[str, str],
    receiver: ReceiverThread,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # Given acme's Slack webhook, and a park and an escalation of acme: the escalation's creation on the Slack queue
    assert api.call("PUT", f"{BASE}/slack", users["owner@acme.test"], {"webhook_url": receiver.url("slack")}).status == 200
    new_handoff(api, users["junior@acme.test"], "park")
    _, escalation = new_handoff(api, users["junior@acme.test"], "escalate")
    _route()
    event = sqs_event(aws["SlackQueue"])
    assert len(event["Records"]) == 1
    # When the Slack function gets the batch, and SQS delivers it again (at-least-once)
    _slack(event, monkeypatch)
    _slack(event, monkeypatch)
    # Then Slack got exactly one message, the escalation's
    [post] = receiver.posts()
    assert f"/{escalation}" in json.dumps(post["body"])
    # And one idempotency record was kept: the sent message's
    assert len(_idempotency_records()) == 1


def test_a_chat_tool_set_up_after_a_batch_gets_the_next_escalation_from_the_same_warm_function(
    api: ApiClient,
    users: dict[str, User],
    aws: dict[str, str],
    receiver: ReceiverThread,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # Given a warm Slack function that handled a globex escalation while globex had no Slack webhook
    routed: set[str] = set()
    new_handoff(api, users["junior@globex.test"], "escalate")
    _route(routed)
    _slack(sqs_event(aws["SlackQueue"]), monkeypatch)
    assert receiver.posts() == []
    # When globex's owner sets a Slack webhook and the next globex escalation reaches the same function
    assert api.call("PUT", f"{BASE}/slack", users["owner@globex.test"], {"webhook_url": receiver.url("slack")}).status == 200
    _, second = new_handoff(api, users["junior@globex.test"], "escalate")
    _route(routed)
    _slack(sqs_event(aws["SlackQueue"]), monkeypatch, fresh=False)
    # Then it is posted: no "not set up" answer outlives the batch it was read for
    [post] = receiver.posts()
    assert f"/{second}" in json.dumps(post["body"])


# --- the PSA consumer: its queue has only events of handoffs linked to its tickets -------------------------------
def _linked_to_connectwise(event: dict[str, Any], aws: dict[str, str], ticket: str = "4711") -> dict[str, Any]:
    """The handoff events of `event` (an SQS event of any handoff queue) as the ConnectWise queue has them: of a
    session linked to ConnectWise ticket `ticket`."""
    sqs = boto3.client("sqs")
    arn = sqs.get_queue_attributes(QueueUrl=aws["ConnectWiseQueue"], AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
    records = []
    for record in event["Records"]:
        body = json.loads(record["body"])
        body["handoff"]["session"]["psa_ticket"] = {"connector": "connectwise", "id": ticket}
        records.append({**record, "body": json.dumps(body), "eventSourceARN": arn})
    return {"Records": records}


def _connectwise(event: dict[str, Any], monkeypatch: pytest.MonkeyPatch) -> None:
    import psa_handler

    monkeypatch.setenv("PSA_CONNECTOR", "connectwise")
    psa_handler.dependencies.cache_clear()
    assert psa_handler.handler(event, lambda_context()) == {"batchItemFailures": []}


def test_a_linked_event_of_an_account_that_removed_its_psa_costs_one_read_and_keeps_nothing(
    api: ApiClient, users: dict[str, User], aws: dict[str, str], aws_calls: list[AwsCall], monkeypatch: pytest.MonkeyPatch
) -> None:
    # Given two events of globex handoffs linked to ConnectWise tickets, and globex has no ConnectWise connector (removed)
    new_handoff(api, users["junior@globex.test"], "escalate")
    new_handoff(api, users["junior@globex.test"], "park")
    _route()
    event = _linked_to_connectwise(sqs_event(aws["PushQueue"]), aws)
    assert len(event["Records"]) == 2
    aws_calls.clear()
    # When the ConnectWise function gets them
    _connectwise(event, monkeypatch)
    # Then it read globex's connector item once (no secret, no note) and kept no idempotency record
    assert _reads(aws_calls) == [("GetItem", "CONNECTOR#connectwise")]
    assert _idempotency_records() == []


def test_a_linked_event_is_noted_on_the_ticket_once_and_a_redelivery_adds_none(
    api: ApiClient, users: dict[str, User], aws: dict[str, str], standins: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    from local.providers.connectwise import ConnectWiseStandIn

    # Given acme's ConnectWise connector, its ticket 4711, and acme's escalation linked to it on the ConnectWise queue
    connectwise = standins.standins["connectwise"]
    assert isinstance(connectwise, ConnectWiseStandIn)
    settings = {"site": connectwise.host, "company_id": "acme", "escalation_status": "Escalate to T2"}
    secrets = {"public_key": "acmepublic", "private_key": "acmeprivate", "client_id": "cid"}
    saved = api.call(
        "PUT", "/api/v1/account/connectors/connectwise", users["owner@acme.test"], {"settings": settings, "secrets": secrets}
    )
    assert saved.status == 200, saved.body
    connectwise.companies["acme"].tickets[4711] = {"id": 4711, "summary": "Outlook offline", "owner": None}
    new_handoff(api, users["junior@acme.test"], "escalate")
    _route()
    event = _linked_to_connectwise(sqs_event(aws["PushQueue"]), aws)
    # When the ConnectWise function gets it, and SQS delivers it again
    _connectwise(event, monkeypatch)
    _connectwise(event, monkeypatch)
    # Then the ticket has exactly one note of it
    [note] = connectwise.companies["acme"].notes[4711]
    assert "handed this ticket off in baton (escalate)" in note["text"]
