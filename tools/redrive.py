"""Send the events SNS dead-lettered (the SubscriptionDeadLetters queue) back through the events topic.

    python -m tools.redrive --stack baton-dev [--region eu-west-1]      # or: make redrive STACK=baton-dev

SNS puts an event there when it cannot deliver it to a consumer queue (a queue policy that refuses SNS, a deleted
queue). `aws sqs start-message-move-task` cannot return these: it only moves messages that SQS itself dead-lettered
from a source queue. The four subscriptions share this DLQ and a message does not say which one failed, so each
event is published to the topic again with the attributes the subscriptions filter on: every consumer whose filter
takes it gets it again, which is safe because consumers are idempotent per event (email, Teams and Slack send once
per event and address or channel; clients apply pushes by version). A message that is not an event stays in the
DLQ and is reported.
"""

from __future__ import annotations

import json
import sys
from dataclasses import dataclass, field
from typing import Any

from pydantic import ValidationError

from baton.domain.errors import Transient
from baton.domain.events import HandoffEvent
from baton.domain.invitation_events import INVITATION_CREATED, InvitationEvent
from baton.publishers.sns_events import SnsEventPublisher
from tools.stack import deployed_stack


@dataclass
class Report:
    resent: int = 0
    kept: list[str] = field(default_factory=list)  # message ids left in the DLQ, with why


def redrive(queue_url: str, sqs: Any, events: SnsEventPublisher) -> Report:
    """Every message of the DLQ: published again and deleted, or left (invisible for the rest of the run)."""
    report = Report()
    while messages := sqs.receive_message(
        QueueUrl=queue_url, MaxNumberOfMessages=10, WaitTimeSeconds=1, VisibilityTimeout=300
    ).get("Messages", []):
        for message in messages:
            try:
                _publish(message["Body"], events)
            except (ValueError, ValidationError) as error:  # ValidationError is a ValueError; named for the reader
                report.kept.append(f"{message['MessageId']}: not a baton event ({type(error).__name__})")
                continue
            except Transient as error:
                report.kept.append(f"{message['MessageId']}: {error.detail}")
                return report  # the topic refuses: the rest would fail the same way
            sqs.delete_message(QueueUrl=queue_url, ReceiptHandle=message["ReceiptHandle"])
            report.resent += 1
    return report


def _publish(body: str, events: SnsEventPublisher) -> None:
    message = json.loads(body)
    if isinstance(message, dict) and message.get("Type") == "Notification" and "Message" in message:
        message = json.loads(message["Message"])  # not raw delivery: SNS's JSON envelope around the event
    if isinstance(message, dict) and message.get("type") == INVITATION_CREATED:
        events.publish_invitation(InvitationEvent.model_validate(message))
    else:
        events.publish(HandoffEvent.model_validate(message))


def main(argv: list[str] | None = None) -> int:
    aws, outputs = deployed_stack(__doc__, argv)
    events = SnsEventPublisher(outputs["EventsTopicArn"], aws.client("sns"))
    report = redrive(outputs["SubscriptionDeadLettersUrl"], aws.client("sqs"), events)
    print(f"published {report.resent} events to the topic again")
    for line in report.kept:
        print(f"left in the queue: {line}", file=sys.stderr)
    return 1 if report.kept else 0


if __name__ == "__main__":
    sys.exit(main())
