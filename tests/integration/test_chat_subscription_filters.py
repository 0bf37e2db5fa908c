"""The chat consumers' subscriptions (template.yaml) let through every event of an escalation and no event of a
park, as SNS applies them (moto): a park is never posted, so its events would only cost the consumers a delivery."""

from __future__ import annotations

import json

import boto3
import pytest
from moto import mock_aws

from baton.publishers.sns_events import SnsEventPublisher
from local.template import REGION, Template
from tests.conftest import ROOT
from tests.unit.test_channels import _event

KINDS = ["handoff_created", "handoff_claimed", "handoff_released", "handoff_resolved", "handoff_withdrawn", "handoff_overdue"]


@pytest.mark.parametrize("consumer", ["Slack", "Teams"])
def test_a_chat_queue_hears_every_event_of_an_escalation_and_none_of_a_park(consumer: str) -> None:
    template = Template(ROOT / "template.yaml")
    with mock_aws():
        # Given the events topic and the consumer's queue, subscribed with the template's filter policy
        sns, sqs = boto3.client("sns", region_name=REGION), boto3.client("sqs", region_name=REGION)
        topic = sns.create_topic(Name="events")["TopicArn"]
        url = sqs.create_queue(QueueName=consumer)["QueueUrl"]
        arn = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
        policy = template.resources[f"{consumer}Subscription"]["Properties"]["FilterPolicy"]
        attributes = {"RawMessageDelivery": "true", "FilterPolicy": policy if isinstance(policy, str) else json.dumps(policy)}
        sns.subscribe(TopicArn=topic, Protocol="sqs", Endpoint=arn, Attributes=attributes)
        # When baton publishes each kind of event for an escalation and for a park (a park escalated is an escalation)
        publisher = SnsEventPublisher(topic, sns)
        for intent in ("escalate", "park"):
            for kind in KINDS:
                publisher.publish(_event(kind, intent=intent).model_copy(update={"event_id": f"{intent}-{kind}"}))
        publisher.publish(_event("handoff_escalated", intent="escalate").model_copy(update={"event_id": "park-escalated"}))
        # Then the queue holds the escalation's events, the park's escalation among them, and nothing of a park
        heard = []
        while messages := sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=10).get("Messages", []):
            heard += [json.loads(message["Body"])["event_id"] for message in messages]
            sqs.delete_message_batch(
                QueueUrl=url, Entries=[{"Id": str(n), "ReceiptHandle": m["ReceiptHandle"]} for n, m in enumerate(messages)]
            )
        assert sorted(heard) == sorted([f"escalate-{kind}" for kind in KINDS] + ["park-escalated"])
