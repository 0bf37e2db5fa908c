"""A chat connector's queue (SQS: every handoff event) → the account's incoming webhook (new, escalated and overdue
escalations), or, for an account that set the tool up as an app, its messages (posted, then updated on every change).

One code base, deployed once per chat connector (TeamsFunction, SlackFunction) with WEBHOOK_CHANNEL set to its
name: each has its own queue, DLQ, alarms and concurrency, so a failing Slack never holds up Teams, email or push.
"""

import gc

gc.disable()  # no collection during init: what it builds lives as long as the environment (baton.init_heap)

from collections.abc import Callable
from functools import cache, partial
from typing import Any, NamedTuple

import boto3
from aws_lambda_powertools.utilities.batch import BatchProcessor, EventType, process_partial_response
from aws_lambda_powertools.utilities.batch.types import PartialItemFailureResponse
from aws_lambda_powertools.utilities.data_classes.sqs_event import SQSRecord
from aws_lambda_powertools.utilities.idempotency import DynamoDBPersistenceLayer, IdempotencyConfig, idempotent_function
from aws_lambda_powertools.utilities.typing import LambdaContext

from baton import init_heap
from baton.connectors.registry import CHANNELS, Channel, allowed_hosts
from baton.domain.errors import Transient
from baton.domain.events import HandoffEvent
from baton.domain.modeling import Model
from baton.domain.redelivery import DEAD_LETTER_RETENTION_SECONDS
from baton.logic import channels, chat_delivery
from baton.observability import OutboundReport, instruments
from baton.publishers.bot_connector import DEFAULT_METADATA_BASE, DEFAULT_TOKEN_URL, BotConnector
from baton.publishers.slack_web_api import DEFAULT_BASE_URL as DEFAULT_SLACK_API
from baton.publishers.slack_web_api import SlackWebApi
from baton.publishers.webhooks import WebhookPoster
from baton.repositories.chat import ChatRepository
from baton.repositories.connectors import ConnectorRepository
from baton.repositories.integrations import IntegrationRepository
from baton.settings import Settings, served_connector

logger, metrics, tracer = instruments()
processor = BatchProcessor(event_type=EventType.SQS, raise_on_entire_batch_failure=False)
METRIC_OF = {"delivered": "WebhooksDelivered", "rejected": "WebhooksRejected"}
report = OutboundReport(logger, metrics, "webhook", METRIC_OF, "WebhooksDeferred")
# The chat tools that can be set up as an app (their messages follow the handoff): how their consumer serves one.
APP_DELIVERY: dict[str, Callable[..., channels.Outcome]] = {
    "slack": chat_delivery.deliver_slack_app,
    "teams": chat_delivery.deliver_teams_bot,
}


class Post(Model):
    """One message of one event to one channel: the unit that happens once (keyed by channel and event)."""

    channel: Channel
    event: HandoffEvent


class Dependencies(NamedTuple):
    channel: Channel
    post_once: Callable[..., Any]
    idempotency: IdempotencyConfig
    targets: Callable[[], chat_delivery.Targets]  # a batch's: what each account set up, read once per batch


@cache
def dependencies() -> Dependencies:
    settings = Settings.from_env()
    channel: Channel = served_connector("WEBHOOK_CHANNEL", CHANNELS)
    dynamodb = boto3.client("dynamodb")
    store = IntegrationRepository(settings.data_table_name, settings.integrations_parameter_path, dynamodb, boto3.client("ssm"))
    allowed = allowed_hosts(settings.connector_hosts)
    poster = WebhookPoster(allowed, settings.webhook_ca_bundle)
    connectors = ConnectorRepository(settings.data_table_name, settings.connectors_parameter_path, dynamodb, boto3.client("ssm"))
    messages = ChatRepository(settings.data_table_name, settings.connections_table_name, dynamodb)
    slack = SlackWebApi(settings.slack_api_url or DEFAULT_SLACK_API, settings.webhook_ca_bundle or None, allowed["slack"])
    bots = BotConnector(
        settings.bot_connector_url or DEFAULT_METADATA_BASE,
        settings.bot_token_url or DEFAULT_TOKEN_URL,
        settings.webhook_ca_bundle,
    )
    config = IdempotencyConfig(
        event_key_jmespath="[channel, event.event_id]", expires_after_seconds=DEAD_LETTER_RETENTION_SECONDS
    )
    persistence = DynamoDBPersistenceLayer(table_name=settings.idempotency_table_name, boto3_client=dynamodb)

    @idempotent_function(data_keyword_argument="post", config=config, persistence_store=persistence)
    def post_once(post: Post, target: chat_delivery.Target) -> dict[str, Any]:
        """Delivered or refused for good, the outcome is recorded (and reported) once: a redelivery repeats neither.
        A retryable failure raises `Transient`, records nothing here, and the queue redelivers the message."""
        if target.app is not None:  # the tool is set up as an app: every change of a handoff updates its messages
            api = slack if post.channel == "slack" else bots
            result = APP_DELIVERY[post.channel](post.event, target.app, connectors, messages, api, settings.console_url)
        else:
            result = channels.deliver(post.event, post.channel, target.webhook_url, store, poster, settings.console_url)
        fields = {**post.event.log_fields(), "channel": post.channel, "account_id": post.event.account_id, **result.model_dump()}
        report.outcome(result.outcome, fields)
        return result.model_dump()

    def targets() -> chat_delivery.Targets:
        return chat_delivery.Targets(channel, channel in APP_DELIVERY, connectors, store)

    return Dependencies(channel, post_once, config, targets)


def record_handler(record: SQSRecord, targets: chat_delivery.Targets) -> None:
    event = HandoffEvent.model_validate_json(record.body)
    deps = dependencies()
    try:
        target = targets.of(event)
        if target is None:  # nothing set up hears of this event: nothing is sent, so nothing is kept
            return
        deps.post_once(post=Post(channel=deps.channel, event=event), target=target)
    except Transient as error:
        report.deferred(error, {**event.log_fields(), "channel": deps.channel})
        raise


@logger.inject_lambda_context
@tracer.capture_lambda_handler
@metrics.log_metrics
def handler(event: dict[str, Any], context: LambdaContext) -> PartialItemFailureResponse:
    deps = dependencies()
    deps.idempotency.register_lambda_context(context)
    one_record = partial(record_handler, targets=deps.targets())
    return process_partial_response(event=event, record_handler=one_record, processor=processor, context=context)


init_heap.freeze()  # last: what the imports built is never walked by the collector again
