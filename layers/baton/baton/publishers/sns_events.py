"""Publish handoff events to the events topic, with attributes the subscriptions filter on."""

from __future__ import annotations

from typing import TYPE_CHECKING

from botocore.exceptions import ClientError

from baton.errors import Transient
from baton.events import HandoffEvent
from baton.invitation_events import InvitationEvent

if TYPE_CHECKING:
    from mypy_boto3_sns.client import SNSClient


class SnsEventPublisher:
    def __init__(self, topic_arn: str, client: SNSClient) -> None:
        self._topic_arn = topic_arn
        self._client = client

    def publish(self, event: HandoffEvent) -> None:
        try:
            self._client.publish(
                TopicArn=self._topic_arn,
                Message=event.model_dump_json(),
                MessageAttributes={
                    "event_type": {"DataType": "String", "StringValue": event.type},
                    "account_id": {"DataType": "String", "StringValue": event.account_id},
                    "intent": {"DataType": "String", "StringValue": event.handoff.intent},
                },
            )
        except ClientError as error:
            raise Transient("The events topic refused the event; it will be retried.") from error

    def publish_invitation(self, event: InvitationEvent) -> None:
        """Only the email subscription's filter lets `invitation_created` through (never the push one)."""
        try:
            self._client.publish(
                TopicArn=self._topic_arn,
                Message=event.model_dump_json(),
                MessageAttributes={
                    "event_type": {"DataType": "String", "StringValue": event.type},
                    "account_id": {"DataType": "String", "StringValue": event.account_id},
                },
            )
        except ClientError as error:
            raise Transient("The events topic refused the event; it will be retried.") from error
