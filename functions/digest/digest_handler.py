"""Digest queue (SQS, delayed messages) → one email per person per digest window (SES).

The email function adds each event a digest reader was not emailed about to their open window and sends the window's
timer here. A timer that wakes before the window's end sends itself on (15-minute steps); at the end it closes the
window (the next event opens a new one), emails what the window holds, oldest first, and clears it. The email is sent
once per window and set of entries (Powertools idempotency), so a redelivered timer, or the same timer sent twice,
sends nothing more; an entry that slipped in while the window was being sent goes out in a digest of its own.
"""

import gc

gc.disable()  # no collection during init: what it builds lives as long as the environment (baton.init_heap)

import hashlib
from collections.abc import Callable
from functools import cache
from typing import Any, NamedTuple

import boto3
from aws_lambda_powertools.metrics import MetricUnit
from aws_lambda_powertools.utilities.batch import BatchProcessor, EventType, process_partial_response
from aws_lambda_powertools.utilities.batch.types import PartialItemFailureResponse
from aws_lambda_powertools.utilities.data_classes.sqs_event import SQSRecord
from aws_lambda_powertools.utilities.idempotency import DynamoDBPersistenceLayer, IdempotencyConfig, idempotent_function
from aws_lambda_powertools.utilities.typing import LambdaContext

from baton import init_heap
from baton.domain.clock import utc_now
from baton.domain.digest import DigestTimer
from baton.domain.errors import Invalid
from baton.domain.messages import Email
from baton.domain.modeling import Model
from baton.logic import notify
from baton.observability import instruments
from baton.publishers.ses_email import SesEmailSender
from baton.publishers.sqs_messages import SqsMessages
from baton.repositories.digests import DigestRepository
from baton.repositories.users import UserRepository
from baton.settings import EmailSettings

logger, metrics, tracer = instruments()
processor = BatchProcessor(event_type=EventType.SQS, raise_on_entire_batch_failure=False)


class DigestEmail(Model):
    """One digest: the unit sent once (keyed by person, window and the entries it holds)."""

    user_id: str
    due_at: str
    entries: str  # a digest of the entries' keys
    email: Email


class Dependencies(NamedTuple):
    users: UserRepository
    digests: DigestRepository
    queue: SqsMessages
    send_once: Callable[..., Any]
    idempotency: IdempotencyConfig
    console_url: str


@cache
def dependencies() -> Dependencies:
    settings = EmailSettings.from_env()
    dynamodb = boto3.client("dynamodb")
    sender = SesEmailSender(settings.sender_email, boto3.client("ses"))
    config = IdempotencyConfig(event_key_jmespath="[user_id, due_at, entries]", expires_after_seconds=7 * 24 * 3600)
    persistence = DynamoDBPersistenceLayer(table_name=settings.idempotency_table_name, boto3_client=dynamodb)

    @idempotent_function(data_keyword_argument="digest", config=config, persistence_store=persistence)
    def send_once(digest: DigestEmail) -> dict[str, str]:
        try:
            sender.send(digest.email)
        except Invalid as refused:  # refused for good: recorded, never retried
            logger.warning("digest bounced", extra={"user_id": digest.user_id, "code": str(refused.extra.get("code", ""))})
            metrics.add_metric(name="EmailsBounced", unit=MetricUnit.Count, value=1)
            return {"outcome": "bounced"}
        metrics.add_metric(name="DigestEmails", unit=MetricUnit.Count, value=1)
        return {"outcome": "sent"}

    return Dependencies(
        users=UserRepository(settings.data_table_name, dynamodb),
        digests=DigestRepository(settings.data_table_name, dynamodb),
        queue=SqsMessages(settings.digest_queue_url, boto3.client("sqs")),
        send_once=send_once,
        idempotency=config,
        console_url=settings.console_url,
    )


def record_handler(record: SQSRecord) -> None:
    timer = DigestTimer.model_validate_json(record.body)
    deps = dependencies()
    wait = timer.delay_s(utc_now())
    if wait > 0:  # a longer window than one message's delay: on to the next step
        deps.queue.send(timer.next_hop(), wait)
        return
    deps.digests.close(timer.user_id, timer.due_at)
    entries = deps.digests.entries(timer.user_id, timer.due_at)
    member = deps.users.get(timer.user_id)
    if entries and member is not None and member.account_id == timer.account_id:
        keys = "\n".join(key for key, _ in entries)
        email = notify.compose_digest(member, [line for _, line in entries], deps.console_url)
        fingerprint = hashlib.sha256(keys.encode()).hexdigest()
        outcome = deps.send_once(digest=DigestEmail(user_id=member.id, due_at=timer.due_at, entries=fingerprint, email=email))
        logger.info("digest", extra={"user_id": member.id, "entries": len(entries), **outcome})
    deps.digests.remove(timer.user_id, [key for key, _ in entries])


@logger.inject_lambda_context
@tracer.capture_lambda_handler
@metrics.log_metrics
def handler(event: dict[str, Any], context: LambdaContext) -> PartialItemFailureResponse:
    dependencies().idempotency.register_lambda_context(context)
    return process_partial_response(event=event, record_handler=record_handler, processor=processor, context=context)


init_heap.freeze()  # last: what the imports built is never walked by the collector again
