"""Email queue (SQS, escalations only) → one email per engineer-or-admin who wants it (SES)."""

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
from pydantic import BaseModel

from baton.events import HandoffEvent
from baton.logic import notify
from baton.observability import instruments
from baton.publishers.ses_email import SesEmailSender
from baton.repositories.users import UserRepository
from baton.settings import Settings

logger, metrics, tracer = instruments()
processor = BatchProcessor(event_type=EventType.SQS)


class Delivery(BaseModel):
    """One email of one event: the unit that must happen exactly once."""

    event_id: str
    email: notify.Email


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
    config = IdempotencyConfig(event_key_jmespath="[event_id, email.to]", expires_after_seconds=7 * 24 * 3600)
    persistence = DynamoDBPersistenceLayer(table_name=settings.idempotency_table_name, boto3_client=dynamodb)

    @idempotent_function(data_keyword_argument="delivery", config=config, persistence_store=persistence)
    def send_once(delivery: Delivery) -> dict[str, str]:
        sender.send(delivery.email)
        return {"to": delivery.email.to}

    return Dependencies(UserRepository(settings.data_table_name, dynamodb), send_once, config, settings.console_url)


def record_handler(record: SQSRecord) -> None:
    event = HandoffEvent.model_validate_json(record.body)
    if not notify.is_emailed(event):
        return  # the subscription's filter policy should never let these through
    deps = dependencies()
    for recipient in notify.recipients(event, deps.users.list_by_account(event.account_id)):
        deps.send_once(delivery=Delivery(event_id=event.event_id, email=notify.compose(event, recipient, deps.console_url)))
        metrics.add_metric(name="EscalationEmails", unit=MetricUnit.Count, value=1)


@logger.inject_lambda_context
@tracer.capture_lambda_handler
@metrics.log_metrics
def handler(event: dict[str, Any], context: LambdaContext) -> PartialItemFailureResponse:
    dependencies().idempotency.register_lambda_context(context)
    return process_partial_response(event=event, record_handler=record_handler, processor=processor, context=context)
