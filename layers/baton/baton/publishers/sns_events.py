"""Publish handoff events to the events topic, with attributes the subscriptions filter on."""

from __future__ import annotations

from typing import TYPE_CHECKING

from botocore.exceptions import ClientError

from baton.domain.errors import Transient
from baton.domain.events import HandoffEvent
from baton.domain.invitation_events import InvitationEvent

if TYPE_CHECKING:
    from mypy_boto3_sns.client import SNSClient


class SnsEventPublisher:
    def __init__(self, topic_arn: str, client: SNSClient) -> None:
        self._topic_arn = topic_arn
        self._client = client

    def publish(self, event: HandoffEvent) -> None:
        extra: dict[str, str] = {"intent": event.handoff.intent}
        ticket = event.handoff.session.psa_ticket
        if ticket is not None:  # only the queue of that ticket's PSA connector hears of it (its filter policy)
            extra["psa_connector"] = ticket.connector
        self._publish(event.model_dump_json(), event.type, event.account_id, extra)

    def publish_invitation(self, event: InvitationEvent) -> None:
        """Only the email subscription's filter lets `invitation_created` through (never the push one)."""
        self._publish(event.model_dump_json(), event.type, event.account_id, {})

    def _publish(self, message: str, event_type: str, account_id: str, extra: dict[str, str]) -> None:
        """The subscriptions' filter policies read these attributes."""
        attributes = {"event_type": event_type, "account_id": account_id, **extra}
        try:
            self._client.publish(
                TopicArn=self._topic_arn,
                Message=message,
                MessageAttributes={name: {"DataType": "String", "StringValue": value} for name, value in attributes.items()},
            )
        except ClientError as error:
            raise Transient("The events topic refused the event; it will be retried.") from error
