"""tools/redrive: events SNS dead-lettered go back through the topic to the consumers whose filters take them."""

from __future__ import annotations

import json
import os
from typing import Any

import boto3

from baton.domain.invitation_events import EventInvitation, InvitationEvent
from baton.domain.models import Role, User
from baton.publishers.sns_events import SnsEventPublisher
from tests.integration.builders import new_handoff
from tests.integration.conftest import ApiClient, lambda_context
from tests.integration.event_builders import handoff_only, stream_event
from tools.redrive import redrive


def _drain(queue_url: str) -> list[dict[str, Any]]:
    sqs = boto3.client("sqs")
    bodies = []
    while messages := sqs.receive_message(QueueUrl=queue_url, MaxNumberOfMessages=10).get("Messages", []):
        for message in messages:
            bodies.append(json.loads(message["Body"]))
            sqs.delete_message(QueueUrl=queue_url, ReceiptHandle=message["ReceiptHandle"])
    return bodies


def test_dead_lettered_events_are_published_again_and_reach_their_consumers(
    aws: dict[str, str], api: ApiClient, users: dict[str, User]
) -> None:
    import stream_router_handler

    # Given an escalation's event, which SNS dead-lettered (raw, and once more inside SNS's JSON envelope),
    # and a message that is no event at all
    new_handoff(api, users["junior@acme.test"], "escalate", notes="Exchange is down")
    stream_router_handler.handler(handoff_only(stream_event()), lambda_context())
    (event,) = _drain(aws["PushQueue"])
    _drain(aws["EmailQueue"])
    sqs = boto3.client("sqs")
    dlq = aws["SubscriptionDeadLetters"]
    sqs.send_message(QueueUrl=dlq, MessageBody=json.dumps(event))
    sqs.send_message(QueueUrl=dlq, MessageBody=json.dumps({"Type": "Notification", "Message": json.dumps(event)}))
    sqs.send_message(QueueUrl=dlq, MessageBody="not an event")
    # When the DLQ is redriven
    publisher = SnsEventPublisher(os.environ["EVENTS_TOPIC_ARN"], boto3.client("sns"))
    report = redrive(dlq, sqs, publisher)
    # Then both copies went to the topic, and on to the push and email queues (the escalation passes both filters)
    assert report.resent == 2
    assert [body["event_id"] for body in _drain(aws["PushQueue"])] == [event["event_id"]] * 2
    assert [body["event_id"] for body in _drain(aws["EmailQueue"])] == [event["event_id"]] * 2
    # And the message that is not an event is reported, and stays in the DLQ
    assert len(report.kept) == 1 and "not a baton event" in report.kept[0]
    attributes = sqs.get_queue_attributes(QueueUrl=dlq, AttributeNames=["All"])["Attributes"]
    assert int(attributes["ApproximateNumberOfMessages"]) + int(attributes["ApproximateNumberOfMessagesNotVisible"]) == 1


def test_a_dead_lettered_invitation_goes_to_email_only(aws: dict[str, str]) -> None:
    # Given an invitation event SNS dead-lettered
    invitation = InvitationEvent(
        event_id="ev-1",
        occurred_at="2026-11-26T10:00:00.000Z",
        account_id="acme",
        invitation=EventInvitation(
            id="inv-1",
            account_id="acme",
            account_name="Acme IT",
            email="sam@acme.example",
            role=Role.ENGINEER,
            invited_by_name=None,
            expires_at="2026-12-03T10:00:00.000Z",
        ),
    )
    sqs = boto3.client("sqs")
    sqs.send_message(QueueUrl=aws["SubscriptionDeadLetters"], MessageBody=invitation.model_dump_json())
    # When the DLQ is redriven
    report = redrive(aws["SubscriptionDeadLetters"], sqs, SnsEventPublisher(os.environ["EVENTS_TOPIC_ARN"], boto3.client("sns")))
    # Then the email queue gets it and the push queue does not (an invitee is not a member of the account)
    assert report.resent == 1 and not report.kept
    assert [body["event_id"] for body in _drain(aws["EmailQueue"])] == ["ev-1"]
    assert _drain(aws["PushQueue"]) == []
