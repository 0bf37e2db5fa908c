"""Email queue (SQS: escalations, the SLA ladder, reassigns, pickups, resolutions, invitations) → SES.

Who gets an email is the account's policy and each person's own choice (`baton.domain.recipients`): immediate,
in their next digest (`functions/digest`), or none; a person whose console is live was pushed the event and is not
emailed about it (unless they asked to be). A long recipient list is sent back to this queue in batches of
`notify.BATCH_SIZE`, each its own invocation, so one event never waits on dozens of sequential SES calls.
"""

import gc

gc.disable()  # no collection during init: what it builds lives as long as the environment (baton.init_heap)

from collections.abc import Callable
from datetime import tzinfo
from functools import cache
from typing import Any, NamedTuple

import boto3
from aws_lambda_powertools.metrics import MetricUnit
from aws_lambda_powertools.utilities.batch import BatchProcessor, EventType, process_partial_response
from aws_lambda_powertools.utilities.batch.types import PartialItemFailureResponse
from aws_lambda_powertools.utilities.data_classes.sqs_event import SQSRecord
from aws_lambda_powertools.utilities.idempotency import DynamoDBPersistenceLayer, IdempotencyConfig, idempotent_function
from aws_lambda_powertools.utilities.typing import LambdaContext
from pydantic import ValidationError

from baton import init_heap
from baton.domain import recipients as rule
from baton.domain.clock import utc_now
from baton.domain.digest import DigestTimer
from baton.domain.errors import Invalid, Transient
from baton.domain.events import HandoffEvent
from baton.domain.invitation_events import INVITATION_CREATED, InvitationEvent
from baton.domain.messages import Email
from baton.domain.modeling import Model
from baton.domain.models import User
from baton.domain.recipients import Recipient
from baton.domain.redelivery import DEAD_LETTER_RETENTION_SECONDS
from baton.logic import notify
from baton.observability import instruments
from baton.publishers.ses_email import SesEmailSender
from baton.publishers.sqs_messages import SqsMessages
from baton.repositories.connections import ConnectionRepository
from baton.repositories.digests import DigestRepository
from baton.repositories.policy import PolicyRepository
from baton.repositories.users import UserRepository
from baton.settings import EmailSettings

logger, metrics, tracer = instruments()
# A batch whose every message failed is reported like any partial failure: SQS redelivers exactly those.
processor = BatchProcessor(event_type=EventType.SQS, raise_on_entire_batch_failure=False)
UNWRITABLE = "UnwritableAddress"  # the code a recipient whose address no email header can hold is reported with


class Delivery(Model):
    """One email of one event: the unit that must happen exactly once (keyed by event and address)."""

    event_id: str
    recipient_id: str
    email: Email


class Dependencies(NamedTuple):
    users: UserRepository
    policies: PolicyRepository
    connections: ConnectionRepository
    digests: DigestRepository
    email_queue: SqsMessages
    digest_queue: SqsMessages
    send_once: Callable[..., Any]
    idempotency: IdempotencyConfig
    console_url: str


@cache
def dependencies() -> Dependencies:
    settings = EmailSettings.from_env()
    dynamodb = boto3.client("dynamodb")
    sqs = boto3.client("sqs")
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

    return Dependencies(
        users=UserRepository(settings.data_table_name, dynamodb),
        policies=PolicyRepository(settings.data_table_name, dynamodb),
        connections=ConnectionRepository(settings.connections_table_name, dynamodb),
        digests=DigestRepository(settings.data_table_name, dynamodb),
        email_queue=SqsMessages(settings.email_queue_url, sqs),
        digest_queue=SqsMessages(settings.digest_queue_url, sqs),
        send_once=send_once,
        idempotency=config,
        console_url=settings.console_url,
    )


def record_handler(record: SQSRecord) -> None:
    message = record.json_body
    kind = message.get("type") if isinstance(message, dict) else None
    if kind == INVITATION_CREATED:
        return invitation_email(InvitationEvent.model_validate(message))
    if isinstance(message, dict) and message.get("schema") == notify.BATCH_SCHEMA:
        batch = notify.EmailBatch.model_validate(message)
        return deliver(batch.event, batch.recipients)
    event = HandoffEvent.model_validate(message)
    if not notify.is_emailed(event):
        return  # the subscription's filter policy should never let these through
    deps = dependencies()
    members = deps.users.list_by_account(event.account_id)
    policy = deps.policies.get(event.account_id)
    chosen = notify.recipients(event, members, policy.notify)
    if len(chosen) > notify.BATCH_SIZE:
        for batch in notify.batches(event, chosen):  # a redelivery sends them again: each email is still sent once
            deps.email_queue.send(batch)
        logger.info("email batched", extra={**event.log_fields(), "recipients": len(chosen)})
        return None
    return deliver(event, chosen, members, policy.time_zone())


def deliver(event: HandoffEvent, chosen: list[Recipient], members: list[User] | None = None, zone: tzinfo | None = None) -> None:
    """Email each recipient now, or add the event to their digest, or skip them (their console is live); times
    are written in the account's zone (its business hours')."""
    deps = dependencies()
    zone = zone or deps.policies.get(event.account_id).time_zone()
    by_id = {member.id: member for member in members or deps.users.list_by_account(event.account_id)}
    deferred: list[str] = []
    bounced: list[str] = []
    counts = {"immediate": 0, "digest": 0, "live": 0}
    for recipient in chosen:
        member = by_id.get(recipient.user_id)
        if member is None:  # removed since the event
            continue
        live = recipient.unless_live and bool(deps.connections.ids_of_user(member.id))
        how = rule.delivery(member, recipient, live)
        if how is None:
            counts["live"] += 1
            continue
        counts[how] += 1
        if how == "digest":
            add_to_digest(event, member)
            continue
        try:
            email = notify.compose(event, member, deps.console_url, zone)
        except ValidationError:  # an address the email library cannot write (stored before addresses were checked)
            logger.warning("email bounced", extra={**event.log_fields(), "recipient_id": member.id, "code": UNWRITABLE})
            bounced.append(UNWRITABLE)
            continue
        try:
            sent = deps.send_once(delivery=Delivery(event_id=event.event_id, recipient_id=member.id, email=email))
        except Transient as error:
            deferred.append(str(error.extra.get("code", "")))  # the others still get theirs now; this one is redelivered
            logger.warning("email deferred", extra={**event.log_fields(), "recipient_id": member.id, **error.extra})
            continue
        if sent.get("outcome") == "bounced":  # also on a redelivery: the stored outcome of the first attempt
            bounced.append(str(sent.get("code", "")))
    # One summary line per event (or batch): `make smoke` reads it to tell a sent email from a refused or deferred one.
    summary = {
        "recipients": len(chosen),
        "sent": counts["immediate"] - len(deferred) - len(bounced),
        "deferred": len(deferred),
        "bounced": len(bounced),
        "codes": sorted({*deferred, *bounced}),
        "digested": counts["digest"],
        "skipped_live": counts["live"],
    }
    logger.info("emailed", extra={**event.log_fields(), **summary})
    if counts["live"]:
        metrics.add_metric(name="EmailsSkippedLive", unit=MetricUnit.Count, value=counts["live"])
    if deferred:
        raise Transient(f"{len(deferred)} escalation emails were deferred by SES; the event will be redelivered.")


def add_to_digest(event: HandoffEvent, member: User) -> None:
    """The event joins the member's open digest window; the window's timer is (re)sent (a duplicate does nothing)."""
    deps = dependencies()
    now = utc_now()
    line = notify.digest_line(event, deps.console_url)
    due_at = deps.digests.add(event.account_id, member.id, member.digest_minutes, event.event_id, line, now)
    timer = DigestTimer(account_id=event.account_id, user_id=member.id, due_at=due_at)
    deps.digest_queue.send(timer, timer.delay_s(now))


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


init_heap.freeze()  # last: what the imports built is never walked by the collector again
