"""Email queue (SQS: escalations, reassigns, invitations) → one email per engineer-or-admin who wants it (SES)."""

from collections.abc import Callable
from dataclasses import dataclass
from functools import cache
from typing import Any

import boto3
from aws_lambda_powertools.metrics import MetricUnit
from aws_lambda_powertools.utilities.batch import BatchProcessor, EventType, process_partial_response
from aws_lambda_powertools.utilities.batch.types import PartialItemFailureResponse
from aws_lambda_powertools.utilities.data_classes.sqs_event import SQSRecord
from aws_lambda_powertools.utilities.idempotency import DynamoDBPersistenceLayer, IdempotencyConfig, idempotent_function
from aws_lambda_powertools.utilities.typing import LambdaContext
from pydantic import ValidationError

from baton.domain.errors import Invalid, Transient
from baton.domain.events import HandoffEvent
from baton.domain.invitation_events import INVITATION_CREATED, InvitationEvent
from baton.domain.messages import Email
from baton.domain.modeling import Model
from baton.domain.redelivery import DEAD_LETTER_RETENTION_SECONDS
from baton.logic import notify
from baton.observability import instruments
from baton.publishers.ses_email import SesEmailSender
from baton.repositories.users import UserRepository
from baton.settings import Settings

logger, metrics, tracer = instruments()
# A batch whose every message failed is reported like any partial failure: SQS redelivers exactly those.
processor = BatchProcessor(event_type=EventType.SQS, raise_on_entire_batch_failure=False)
UNWRITABLE = "UnwritableAddress"  # the code a recipient whose address no email header can hold is reported with


class Delivery(Model):
    """One email of one event: the unit that must happen exactly once (keyed by event and address)."""

    event_id: str
    recipient_id: str
    email: Email


@dataclass(frozen=True)
class Dependencies:
    users: UserRepository
    send_once: Callable[..., Any]
    idempotency: IdempotencyConfig
    console_url: str


@cache
def dependencies() -> Dependencies:
    settings = Settings.from_env()
    dynamodb = boto3.client("dynamodb")
    sender = SesEmailSender(settings.sender_email, boto3.client("ses"))
    config = IdempotencyConfig(event_key_jmespath="[event_id, email.to]", expires_after_seconds=DEAD_LETTER_RETENTION_SECONDS)
    persistence = DynamoDBPersistenceLayer(table_name=settings.idempotency_table_name, boto3_client=dynamodb)

    @idempotent_function(data_keyword_argument="delivery", config=config, persistence_store=persistence)
    def send_once(delivery: Delivery) -> dict[str, str]:
        """Sent or refused for good, the outcome is recorded (and reported) once: a redelivery repeats neither.
        A transient failure records nothing (Powertools drops the in-progress record) and is retried."""
        try:
            sender.send(delivery.email)
        except Invalid as refused:
            code = str(refused.extra.get("code", ""))
            logger.warning(
                "email bounced", extra={"event_id": delivery.event_id, "recipient_id": delivery.recipient_id, "code": code}
            )
            metrics.add_metric(name="EmailsBounced", unit=MetricUnit.Count, value=1)
            return {"to": delivery.email.to, "outcome": "bounced", "code": code}
        metrics.add_metric(name="EscalationEmails", unit=MetricUnit.Count, value=1)
        return {"to": delivery.email.to, "outcome": "sent"}

    return Dependencies(UserRepository(settings.data_table_name, dynamodb), send_once, config, settings.console_url)


def record_handler(record: SQSRecord) -> None:
    message = record.json_body
    if isinstance(message, dict) and message.get("type") == INVITATION_CREATED:
        return invitation_email(InvitationEvent.model_validate(message))
    event = HandoffEvent.model_validate(message)
    if not notify.is_emailed(event):
        return  # the subscription's filter policy should never let these through
    deps = dependencies()
    deferred: list[str] = []
    bounced: list[str] = []
    recipients = notify.recipients(event, deps.users.list_by_account(event.account_id))
    for recipient in recipients:
        try:
            email = notify.compose(event, recipient, deps.console_url)
        except ValidationError:  # an address the email library cannot write (stored before addresses were checked)
            logger.warning("email bounced", extra={**event.log_fields(), "recipient_id": recipient.id, "code": UNWRITABLE})
            bounced.append(UNWRITABLE)
            continue
        try:
            sent = deps.send_once(delivery=Delivery(event_id=event.event_id, recipient_id=recipient.id, email=email))
        except Transient as error:
            deferred.append(str(error.extra.get("code", "")))  # the others still get theirs now; this one is redelivered
            logger.warning("email deferred", extra={**event.log_fields(), "recipient_id": recipient.id, **error.extra})
            continue
        if sent.get("outcome") == "bounced":  # also on a redelivery: the stored outcome of the first attempt
            bounced.append(str(sent.get("code", "")))
    # One summary line per event: `make smoke` reads it to tell a sent email from a refused or deferred one.
    summary = {
        "recipients": len(recipients),
        "deferred": len(deferred),
        "bounced": len(bounced),
        "codes": sorted({*deferred, *bounced}),
    }
    logger.info("emailed", extra={**event.log_fields(), **summary})
    if deferred:
        raise Transient(f"{len(deferred)} escalation emails were deferred by SES; the event will be redelivered.")


def invitation_email(event: InvitationEvent) -> None:
    """One email to the invited address (not a member, so not in the account's users)."""
    deps = dependencies()
    email = notify.compose_invitation(event, deps.console_url)
    deps.send_once(delivery=Delivery(event_id=event.event_id, recipient_id=email.to, email=email))
    logger.info("emailed", extra={**event.log_fields(), "recipients": 1})


@logger.inject_lambda_context
@tracer.capture_lambda_handler
@metrics.log_metrics
def handler(event: dict[str, Any], context: LambdaContext) -> PartialItemFailureResponse:
    dependencies().idempotency.register_lambda_context(context)
    return process_partial_response(event=event, record_handler=record_handler, processor=processor, context=context)
