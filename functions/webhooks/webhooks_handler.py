"""A chat connector's queue (SQS: new, escalated and overdue escalations) → the account's incoming webhook.

One code base, deployed once per chat connector (TeamsFunction, SlackFunction) with WEBHOOK_CHANNEL set to its
name: each has its own queue, DLQ, alarms and concurrency, so a failing Slack never holds up Teams, email or push.
"""

import os
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

from baton.connectors.registry import CHANNELS, Channel, allowed_hosts
from baton.domain.errors import Transient
from baton.domain.events import HandoffEvent
from baton.domain.modeling import Model
from baton.domain.redelivery import DEAD_LETTER_RETENTION_SECONDS
from baton.logic import channels
from baton.observability import instruments
from baton.publishers.webhooks import WebhookPoster
from baton.repositories.integrations import IntegrationRepository
from baton.settings import Settings

logger, metrics, tracer = instruments()
processor = BatchProcessor(event_type=EventType.SQS, raise_on_entire_batch_failure=False)
METRIC_OF = {"delivered": "WebhooksDelivered", "rejected": "WebhooksRejected"}


class Post(Model):
    """One message of one event to one channel: the unit that happens once (keyed by channel and event)."""

    channel: Channel
    event: HandoffEvent


@dataclass(frozen=True)
class Dependencies:
    channel: Channel
    post_once: Callable[..., Any]
    idempotency: IdempotencyConfig


def channel_of_function() -> Channel:
    value = os.environ.get("WEBHOOK_CHANNEL", "")
    if value not in CHANNELS:
        raise RuntimeError(f"WEBHOOK_CHANNEL must be one of {', '.join(CHANNELS)} (set by template.yaml); it is {value!r}")
    return value


@cache
def dependencies() -> Dependencies:
    settings = Settings.from_env()
    channel = channel_of_function()
    dynamodb = boto3.client("dynamodb")
    store = IntegrationRepository(settings.data_table_name, settings.integrations_parameter_path, dynamodb, boto3.client("ssm"))
    allowed = allowed_hosts(settings.connector_hosts)
    poster = WebhookPoster(allowed, settings.webhook_ca_bundle)
    config = IdempotencyConfig(
        event_key_jmespath="[channel, event.event_id]", expires_after_seconds=DEAD_LETTER_RETENTION_SECONDS
    )
    persistence = DynamoDBPersistenceLayer(table_name=settings.idempotency_table_name, boto3_client=dynamodb)

    @idempotent_function(data_keyword_argument="post", config=config, persistence_store=persistence)
    def post_once(post: Post) -> dict[str, Any]:
        """Delivered or refused for good, the outcome is recorded (and reported) once: a redelivery repeats neither.
        A retryable failure raises `Transient`, records nothing here, and the queue redelivers the message."""
        result = channels.deliver(post.event, post.channel, store, poster, settings.console_url)
        fields = {**post.event.log_fields(), "channel": post.channel, "account_id": post.event.account_id, **result.model_dump()}
        if result.outcome in METRIC_OF:
            metrics.add_metric(name=METRIC_OF[result.outcome], unit=MetricUnit.Count, value=1)
        if result.outcome == "rejected":  # not retried: the channel's last delivery shows it in the console
            logger.error("webhook rejected", extra=fields)
        else:
            logger.info("webhook", extra=fields)
        return result.model_dump()

    return Dependencies(channel, post_once, config)


def record_handler(record: SQSRecord) -> None:
    event = HandoffEvent.model_validate_json(record.body)
    deps = dependencies()
    try:
        deps.post_once(post=Post(channel=deps.channel, event=event))
    except Transient as error:
        metrics.add_metric(name="WebhooksDeferred", unit=MetricUnit.Count, value=1)
        logger.warning(
            "webhook deferred", extra={**event.log_fields(), "channel": deps.channel, "detail": error.detail, **error.extra}
        )
        raise


@logger.inject_lambda_context
@tracer.capture_lambda_handler
@metrics.log_metrics
def handler(event: dict[str, Any], context: LambdaContext) -> PartialItemFailureResponse:
    dependencies().idempotency.register_lambda_context(context)
    return process_partial_response(event=event, record_handler=record_handler, processor=processor, context=context)
